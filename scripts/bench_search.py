"""Search at scale: p50 search time and recall@10 of the entry ranking against exact search, on synthetic vectors.

    python3 scripts/bench_search.py [--sizes 10000 100000 1000000] [--queries 200] [--out docs/bench_search.md]

The vectors imitate the real index: entries with ~40 vectors each, in 15 languages; every vector is its entry's
topic direction plus a language direction (e5 puts texts of one language close together, the bias the
language centring removes) plus noise. A query is a noisy copy of one entry's topic in one language. Exact
search is the same EntryIndex with its IVF path switched off, so both rank with the same scoring.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

import faiss
import numpy as np

from migrant_desk import index as index_mod
from migrant_desk.index import EntryIndex, Manifest, VectorRecord

LANGS = ["ko", "en", "zh", "vi", "th", "uz", "tl", "ru", "id", "ne", "km", "mn", "ja", "my", "si"]
DIM = 384
PER_ENTRY = 40


def synthetic(n_vectors: int, rng: np.random.Generator):
    """Vectors and records, and the topic and language directions the queries are drawn from."""
    n_entries = max(1, n_vectors // PER_ENTRY)
    topics = rng.standard_normal((n_entries, DIM)).astype(np.float32)
    # Topics share structure (categories), so near neighbours exist, as in a real knowledge base.
    categories = rng.standard_normal((max(1, n_entries // 50), DIM)).astype(np.float32)
    topics += 1.5 * categories[rng.integers(0, len(categories), n_entries)]
    langs = rng.standard_normal((len(LANGS), DIM)).astype(np.float32) * 1.2
    entry = np.repeat(np.arange(n_entries), PER_ENTRY)[:n_vectors]
    lang = rng.integers(0, len(LANGS), n_vectors)
    vectors = topics[entry] + langs[lang] + 0.9 * rng.standard_normal((n_vectors, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    records = [VectorRecord(entry_id=f"e{e}", lang=LANGS[l], kind="alternate") for e, l in zip(entry, lang)]
    return vectors, records, topics, langs


def queries(topics: np.ndarray, langs: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """A noisy copy of a random entry's topic, written in a random language."""
    q = (topics[rng.integers(0, len(topics), n)] + langs[rng.integers(0, len(langs), n)]
         + 2.0 * rng.standard_normal((n, DIM)).astype(np.float32))
    return (q / np.linalg.norm(q, axis=1, keepdims=True)).astype(np.float32)


def run(n_vectors: int, n_queries: int, rng: np.random.Generator) -> dict:
    vectors, records, topics, langs = synthetic(n_vectors, rng)
    flat = faiss.IndexFlatIP(DIM)
    flat.add(vectors)
    manifest = Manifest(build_id="bench", model_id="synthetic", dim=DIM, kb_hash="-", entry_count=len(topics),
                        vector_count=n_vectors, built_at="-", build_seconds=0)
    started = time.perf_counter()
    index = EntryIndex(flat, records, manifest)
    build_seconds = time.perf_counter() - started
    qs = queries(topics, langs, n_queries, rng)
    times, recalls, exact_times = [], [], []
    for q in qs:
        t0 = time.perf_counter()
        got = [h.entry_id for h in index.search(q, k=10)]
        times.append(time.perf_counter() - t0)
        ivf, index.ivf = index.ivf, None
        t0 = time.perf_counter()
        want = [h.entry_id for h in index.search(q, k=10)]
        exact_times.append(time.perf_counter() - t0)
        index.ivf = ivf
        recalls.append(len(set(got) & set(want)) / len(want))
    return {"vectors": n_vectors, "approximate": index.approximate, "p50_ms": statistics.median(times) * 1000,
            "exact_p50_ms": statistics.median(exact_times) * 1000, "recall10": float(np.mean(recalls)),
            "index_seconds": build_seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--out", type=Path, default=Path("docs/bench_search.md"))
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    rows = []
    for size in args.sizes:
        row = run(size, args.queries, rng)
        rows.append(row)
        print(row, flush=True)
    lines = [
        "# Search at scale (`python3 scripts/bench_search.py`)",
        "",
        f"{platform.machine()}, {faiss.omp_get_max_threads()} threads, Python {platform.python_version()}; "
        f"{args.queries} queries per size; synthetic clustered vectors in 15 languages (see the script). "
        f"Approximate (IVF, nprobe {index_mod.APPROX_NPROBE}, {index_mod.APPROX_CANDIDATE_VECTORS} candidate "
        f"vectors re-scored exactly) from {index_mod.APPROX_MIN_VECTORS:,} vectors; exact below.",
        "",
        "| vectors | search | p50 | exact p50 | recall@10 of the entry ranking vs exact | index setup |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['vectors']:,} | {'IVF' if r['approximate'] else 'exact'} | {r['p50_ms']:.2f} ms | "
                     f"{r['exact_p50_ms']:.2f} ms | {r['recall10']:.3f} | {r['index_seconds']:.1f} s |")
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
