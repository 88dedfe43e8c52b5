"""Benchmark: the real server over HTTP on loopback, plus embedding throughput and index build rate.

    python3 scripts/bench_ask.py [--requests 300] [--clients 8] [--out docs/benchmarks.md]

Starts `migrant-desk serve` as a subprocess (its own index folder), waits for /healthz, then measures
/v1/ask latency with 1 client (p50/p95/p99) and throughput with N concurrent clients, then, in this process,
embedding throughput for short texts and for answers and the index build rate with a cold embedding cache.
Results are appended to docs/benchmarks.md with the machine and the command. Goals on a 2-core CPU: p50 <= 15 ms
with 1 client, >= 100 requests/s with 8 clients; what is measured is reported, met or not.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTIONS = [
    ("외국인등록증은 어디서 만들어요?", None), ("Tôi làm thẻ cư trú ở đâu?", None), ("퇴직금 언제 받아요", None),
    ("My boss has not paid me for two months", None), ("工资被拖欠怎么办", None), ("ค่าจ้างขั้นต่ำเท่าไหร่", None),
    ("Paano mag-renew ng visa sa Korea", None), ("Как продлить визу в Корее", None), ("deposit jeonse aman?", "en"),
    ("Гадаадын иргэний үнэмлэх хаана авах вэ", None),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def start_server(port: int, index_dir: str) -> subprocess.Popen:
    env = {**os.environ, "MIGRANT_DESK_INDEX_DIR": index_dir,
           "MIGRANT_DESK_DB_PATH": str(Path(index_dir) / "migrant-desk.db")}
    proc = subprocess.Popen([sys.executable, "-m", "migrant_desk.cli", "serve", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 900
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.terminate()
    raise SystemExit("server did not become healthy")


def one_client(base: str, n: int) -> list[float]:
    latencies = []
    with httpx.Client(timeout=30) as client:
        for i in range(n):
            text, lang = QUESTIONS[i % len(QUESTIONS)]
            t0 = time.perf_counter()
            r = client.post(f"{base}/v1/ask", json={"text": text, "lang": lang})
            latencies.append((time.perf_counter() - t0) * 1000)
            r.raise_for_status()
    return latencies


def concurrent(base: str, clients: int, per_client: int) -> tuple[float, int]:
    errors = []

    def worker():
        try:
            one_client(base, per_client)
        except Exception as exc:  # noqa: BLE001 - counted and reported
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return clients * per_client / (time.perf_counter() - t0), len(errors)


def embedding_and_build() -> dict:
    from migrant_desk import knowledge_base
    from migrant_desk.config import Settings
    from migrant_desk.embedding.embedder import CachedEmbedder, load_embedder
    from migrant_desk.index import build, texts_of

    settings = Settings()
    entries = knowledge_base.load(settings.kb_path).entries
    inner = load_embedder(settings.model, settings.cache_dir)
    short = [q for q, _ in QUESTIONS] * 20
    inner.embed(short[:8], "query")
    t0 = time.perf_counter()
    inner.embed(short, "query")
    short_rate = len(short) / (time.perf_counter() - t0)
    answers = [v.answer for e in entries for v in e.translations.values()][:200]
    t0 = time.perf_counter()
    inner.embed(answers, "passage")
    answer_rate = len(answers) / (time.perf_counter() - t0)
    with tempfile.TemporaryDirectory() as tmp:
        cold = CachedEmbedder(inner, Path(tmp) / "cache.db")
        t0 = time.perf_counter()
        index = build(entries, cold)
        cold_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        build(entries, cold)
        warm_s = time.perf_counter() - t0
    n_texts = sum(len(texts_of(e)) for e in entries)
    return {"short_texts_per_s": short_rate, "answers_per_s": answer_rate, "entries": len(entries),
            "texts": n_texts, "vectors": index.manifest.vector_count, "cold_build_s": cold_s,
            "warm_build_s": warm_s}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args()

    port = free_port()
    with tempfile.TemporaryDirectory() as index_dir:
        proc = start_server(port, index_dir)
        try:
            base = f"http://127.0.0.1:{port}"
            one_client(base, 20)  # warm-up
            lat = one_client(base, args.requests)
            rps, errors = concurrent(base, args.clients, max(1, args.requests // args.clients))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    emb = embedding_and_build()
    result = {
        "p50_ms": percentile(lat, 50), "p95_ms": percentile(lat, 95), "p99_ms": percentile(lat, 99),
        "mean_ms": statistics.mean(lat), "rps": rps, "errors": errors, **emb,
    }
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    command = "python3 " + " ".join(["scripts/bench_ask.py", *sys.argv[1:]])
    report = f"""
## {dt.date.today().isoformat()} — {machine}

Command: `{command}`

| measure | value | goal |
|---|---|---|
| /v1/ask latency, 1 client, p50 | {result['p50_ms']:.1f} ms | <= 15 ms |
| /v1/ask latency, 1 client, p95 / p99 | {result['p95_ms']:.1f} / {result['p99_ms']:.1f} ms | |
| /v1/ask throughput, {args.clients} clients | {result['rps']:.1f} requests/s ({result['errors']} errors) | >= 100 requests/s |
| embedding, short texts | {result['short_texts_per_s']:.0f} texts/s | |
| embedding, answers (passages) | {result['answers_per_s']:.1f} answers/s | |
| index build, cold cache ({result['entries']} entries, {result['vectors']} vectors) | {result['cold_build_s']:.1f} s ({result['vectors'] / result['cold_build_s']:.0f} texts/s) | |
| index rebuild, warm embedding cache | {result['warm_build_s']:.2f} s | |
"""
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not out.exists():
        out.write_text("# Benchmarks\n\nEach section is one run of `scripts/bench_ask.py`; newest last.\n")
    with open(out, "a", encoding="utf-8") as f:
        f.write(report)
    print(report)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
