"""Benchmark: the real server over HTTP on loopback, for each inference engine (ONNX Runtime and torch).

    python3 scripts/bench_ask.py [--requests 300] [--clients 8] [--soak 10000] [--engines onnx torch]

Per engine: starts `migrant-desk serve` as a subprocess (its own index folder and database), stops it and
starts it again to time a warm start (model and index on disk), measures /v1/ask latency with 1 client
(p50/p95/p99), throughput with N concurrent clients, the server's RSS after start and after --soak asks; then,
in this process, embedding throughput, the index build rate with a cold embedding cache, and the wall time
of `migrant-desk eval` on the bundled knowledge base with a cold embedding cache. Results are appended to
docs/benchmarks.md with the machine and the command. Goals (issue 14, 2 cores): p50 <= 8 ms and p99 <= 25 ms
with 1 client, >= 150 requests/s with 8, RSS <= 600 MB, warm start <= 5 s, cold build >= 150 texts/s, eval
<= 40 s cold; what is measured is reported, met or not.
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


def start_server(port: int, work: str, engine: str) -> tuple[subprocess.Popen, float]:
    env = {**os.environ, "MIGRANT_DESK_INDEX_DIR": work, "MIGRANT_DESK_DB_PATH": str(Path(work) / "desk.db"),
           "MIGRANT_DESK_ENGINE": engine}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "migrant_desk.cli", "serve", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 900
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc, time.perf_counter() - t0
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit("server did not become healthy")


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0]) / 1024


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait(timeout=30)


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


def embedding_and_build(engine: str) -> dict:
    from migrant_desk import knowledge_base
    from migrant_desk.config import Settings
    from migrant_desk.embedding.embedder import CachedEmbedder, load_embedder
    from migrant_desk.index import build, texts_of

    settings = Settings()
    entries = knowledge_base.load(settings.kb_path).entries
    inner = load_embedder(settings.model, settings.cache_dir, engine)
    short = [q for q, _ in QUESTIONS] * 20
    inner.embed(short[:8], "query")
    t0 = time.perf_counter()
    inner.embed(short, "query")
    short_rate = len(short) / (time.perf_counter() - t0)
    with tempfile.TemporaryDirectory() as tmp:
        cold = CachedEmbedder(inner, Path(tmp) / "cache.db")
        t0 = time.perf_counter()
        index = build(entries, cold)
        cold_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        build(entries, cold)
        warm_s = time.perf_counter() - t0
    n_texts = sum(len(texts_of(e)) for e in entries)
    return {"short_texts_per_s": short_rate, "entries": len(entries), "texts": n_texts,
            "vectors": index.manifest.vector_count, "cold_build_s": cold_s, "warm_build_s": warm_s}


def eval_cold(engine: str) -> float:
    """`migrant-desk eval` on the bundled knowledge base with an empty embedding cache (the model prepared)."""
    from migrant_desk.config import Settings

    models = Settings().cache_dir / "models"
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "models").symlink_to(models)
        env = {**os.environ, "MIGRANT_DESK_CACHE_DIR": tmp, "MIGRANT_DESK_ENGINE": engine}
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "migrant_desk.cli", "eval", "--kb", str(ROOT / "knowledge_base"),
                        "--queries", str(ROOT / "tests" / "data" / "dev_queries.jsonl"),
                        "--rankings", str(Path(tmp) / "rankings.jsonl")],
                       env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - t0


def serve_measures(engine: str, args) -> dict:
    port = free_port()
    with tempfile.TemporaryDirectory() as work:
        proc, _ = start_server(port, work, engine)  # first start: seeds the database, builds the index
        stop(proc)
        proc, warm_start_s = start_server(port, work, engine)
        try:
            base = f"http://127.0.0.1:{port}"
            rss_start = rss_mb(proc.pid)
            one_client(base, 20)  # warm-up
            lat = one_client(base, args.requests)
            rps, errors = concurrent(base, args.clients, max(1, args.requests // args.clients))
            concurrent(base, args.clients, max(1, args.soak // args.clients))
            rss_soak = rss_mb(proc.pid)
        finally:
            stop(proc)
    return {"warm_start_s": warm_start_s, "p50_ms": percentile(lat, 50), "p95_ms": percentile(lat, 95),
            "p99_ms": percentile(lat, 99), "mean_ms": statistics.mean(lat), "rps": rps, "errors": errors,
            "rss_start_mb": rss_start, "rss_soak_mb": rss_soak}


ROWS = [  # (label, key, format, goal)
    ("/v1/ask latency, 1 client, p50", "p50_ms", "{:.1f} ms", "<= 8 ms"),
    ("/v1/ask latency, 1 client, p95", "p95_ms", "{:.1f} ms", ""),
    ("/v1/ask latency, 1 client, p99", "p99_ms", "{:.1f} ms", "<= 25 ms"),
    ("/v1/ask throughput, {clients} clients", "rps", "{:.1f} requests/s", ">= 150 requests/s"),
    ("serving RSS after a warm start", "rss_start_mb", "{:.0f} MB", "<= 600 MB"),
    ("serving RSS after {soak} more asks", "rss_soak_mb", "{:.0f} MB", "no growth"),
    ("warm start (model and index on disk) until /healthz answers", "warm_start_s", "{:.1f} s", "<= 5 s"),
    ("embedding, short questions", "short_texts_per_s", "{:.0f} texts/s", ""),
    ("index build, cold embedding cache", "build_rate", "{:.0f} texts/s", ">= 150 texts/s"),
    ("index rebuild, warm embedding cache", "warm_build_s", "{:.2f} s", ""),
    ("`migrant-desk eval`, bundled knowledge base, cold embedding cache", "eval_s", "{:.1f} s", "<= 40 s"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--soak", type=int, default=10_000)
    parser.add_argument("--engines", nargs="+", default=["onnx", "torch"], choices=["onnx", "torch"])
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args()

    results = {}
    for engine in args.engines:
        r = serve_measures(engine, args)
        r.update(embedding_and_build(engine))
        r["build_rate"] = r["vectors"] / r["cold_build_s"]
        r["eval_s"] = eval_cold(engine)
        results[engine] = r
        print(engine, json.dumps(r), flush=True)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    command = "python3 " + " ".join(["scripts/bench_ask.py", *sys.argv[1:]])
    first = results[args.engines[0]]
    header = " | ".join(args.engines)
    lines = [f"\n## {dt.date.today().isoformat()} — {machine}\n", f"Command: `{command}`; knowledge base: "
             f"{first['entries']} entries, {first['vectors']} vectors.\n",
             f"| measure | {header} | ratio | goal |", "|---|" + "---|" * (len(args.engines) + 2)]
    for label, key, fmt, goal in ROWS:
        values = [results[e][key] for e in args.engines]
        ratio = f"{values[1] / values[0]:.2f}" if len(values) == 2 and values[0] else ""
        lines.append(f"| {label.format(clients=args.clients, soak=args.soak)} | "
                     + " | ".join(fmt.format(v) for v in values) + f" | {ratio} | {goal} |")
    report = "\n".join(lines) + "\n"
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not out.exists():
        out.write_text("# Benchmarks\n\nEach section is one run of `scripts/bench_ask.py`; newest last.\n")
    with open(out, "a", encoding="utf-8") as f:
        f.write(report)
    print(report)


if __name__ == "__main__":
    main()
