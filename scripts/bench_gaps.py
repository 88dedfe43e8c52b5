"""The content-gap report at scale: time and peak memory of `gaps.report` over N logged questions.

    python3 scripts/bench_gaps.py [--sizes 6000 20000 100000] [--topics-per-1000 30]

The log is synthetic but shaped like the model's vectors: every question is a rewording of one of the topics
(cosine ~0.94 to its siblings, ~0.66 to other topics, as anisotropic as e5's embeddings), and a fifth are
one-off questions. Each size is reported in a fresh child process, so its peak RSS is the report's own
(the interpreter, numpy, scipy and FAISS included). Pairwise F1 is against the topics the data was made from.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

DIM = 384


def synthetic(n: int, topics: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    anchor = rng.standard_normal(DIM)
    anchor /= np.linalg.norm(anchor)

    def around(base: np.ndarray, spread: float) -> np.ndarray:
        noise = rng.standard_normal(base.shape)
        x = base + spread * noise / np.linalg.norm(noise, axis=1, keepdims=True)
        return x / np.linalg.norm(x, axis=1, keepdims=True)

    topic = rng.integers(0, topics, n)
    one_off = rng.random(n) < 0.2
    topic = np.where(one_off, topics + np.arange(n), topic)
    centres = around(np.repeat(anchor[None], topics + n, axis=0), 0.65)
    return around(centres[topic], 0.25).astype(np.float32), topic


def fill(db_path: Path, n: int, topics: int) -> None:
    from migrant_desk import db

    rng = np.random.default_rng(0)
    vectors, topic = synthetic(n, topics, rng)
    store = db.Store(db_path)
    langs = ["ko", "en", "vi", "zh", "th", "ne"]
    with db.transaction(store.db) as d:
        d.conn.executemany(
            "INSERT INTO question_log (created_at, lang, text, outcome, top_entry, confidence, vector) "
            "VALUES (?, ?, ?, 'abstained', 'x', 0.3, ?)",
            [(f"2026-11-{1 + i % 28:02d}T10:00:00Z", langs[i % len(langs)], f"question {i} about topic {t}",
              v.tobytes()) for i, (t, v) in enumerate(zip(topic, vectors))])
    np.save(db_path.with_suffix(".topics.npy"), topic)


def peak_rss_mb() -> int:
    """VmHWM, this process's own peak: getrusage's ru_maxrss carries the parent's peak across exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    raise RuntimeError("no VmHWM in /proc/self/status")


def measure(db_path: Path) -> dict:
    import sqlite_utils

    from migrant_desk.editorial import gaps

    database = sqlite_utils.Database(db_path)
    started = time.perf_counter()
    groups = gaps.report(database)
    seconds = time.perf_counter() - started
    truth = np.load(db_path.with_suffix(".topics.npy"))
    labels = np.empty(len(truth), dtype=np.int64)
    for k, g in enumerate(groups):
        labels[np.asarray(g.question_ids) - 1] = k

    def pairs(counter: Counter) -> int:
        return sum(c * (c - 1) // 2 for c in counter.values())

    together = pairs(Counter(zip(truth.tolist(), labels.tolist())))
    precision = together / max(pairs(Counter(labels.tolist())), 1)
    recall = together / max(pairs(Counter(truth.tolist())), 1)
    return {"questions": len(truth), "groups": len(groups), "topics": len(set(truth.tolist())),
            "seconds": round(seconds, 2), "peak_rss_mb": peak_rss_mb(),
            "pairwise_f1": round(2 * precision * recall / max(precision + recall, 1e-12), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[6000, 20000, 100000])
    parser.add_argument("--topics-per-1000", type=int, default=30)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(Path(args.child))))
        return
    print(f"machine: {platform.machine()}, {platform.python_version()}, "
          f"{len(__import__('os').sched_getaffinity(0))} cores")
    print("| questions | topics | groups | report seconds | peak RSS MB | pairwise F1 |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            db_path = Path(tmp) / "gaps.db"
            fill(db_path, n, max(1, n * args.topics_per_1000 // 1000))
            out = subprocess.run([sys.executable, __file__, "--child", str(db_path)], check=True,
                                 capture_output=True, text=True).stdout
            r = json.loads(out.strip().splitlines()[-1])
            print(f"| {r['questions']:,} | {r['topics']:,} | {r['groups']:,} | {r['seconds']} | "
                  f"{r['peak_rss_mb']} | {r['pairwise_f1']} |", flush=True)


if __name__ == "__main__":
    main()
