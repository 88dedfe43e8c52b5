"""Side by side on the same query split: the service as shipped, plain dense retrieval, and BM25.

    python3 scripts/compare_baselines.py [--split report] [--queries tests/data/dev_queries.jsonl]

- shipped: `migrant-desk eval` (every variant's question, alternates and answer embedded; language-centred
  fusion; calibrated abstention).
- dense: the same model, one vector per entry from its English question + answer, no abstention.
- bm25: bm25s over one document per entry (all variants' questions, alternates and answers); words split on
  non-letters, and scripts written without spaces (Chinese, Japanese, Thai, Khmer, Burmese) as character
  bigrams; no abstention.
Prints a markdown table (overall and MRR@10 per language) for README.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from migrant_desk import evaluation, knowledge_base  # noqa: E402
from migrant_desk.abstention import load_calibration  # noqa: E402
from migrant_desk.config import Settings  # noqa: E402
from migrant_desk.evaluation import QueryResult, RankedEntry  # noqa: E402
from migrant_desk.runtime import build_index, make_embedder  # noqa: E402
from migrant_desk.service import DeskService  # noqa: E402

NO_SPACE_SCRIPTS = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\u0e00-\u0e7f\u1780-\u17ff\u1000-\u109f]+")
WORD = re.compile(r"\w+", re.UNICODE)


def tokenize(text: str) -> list[str]:
    tokens = []
    for word in WORD.findall(text.lower()):
        if NO_SPACE_SCRIPTS.search(word):
            chars = [c for c in word]
            tokens.extend(a + b for a, b in zip(chars, chars[1:])) if len(chars) > 1 else tokens.extend(chars)
        else:
            tokens.append(word)
    return tokens


def rankings_from_scores(queries, ids, scores: np.ndarray) -> list[QueryResult]:
    out = []
    for q, row in zip(queries, scores):
        order = np.argsort(-row)[:10]
        out.append(QueryResult(id=q.id, ranking=[RankedEntry(id=ids[i], score=float(row[i])) for i in order],
                               abstained=False))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", default=str(ROOT / "tests" / "data" / "dev_queries.jsonl"))
    parser.add_argument("--split", default="report", choices=["all", "tune", "report"])
    args = parser.parse_args()

    settings = Settings()
    entries = knowledge_base.load(settings.kb_path).entries
    queries = evaluation.read_queries(Path(args.queries), args.split)
    embedder = make_embedder(settings)
    ids = [e.id for e in entries]

    service = DeskService(entries, build_index(entries, embedder, show_progress=False), embedder,
                          load_calibration(), settings.default_lang)
    systems = {"shipped service": evaluation.run(service, queries)}

    doc_vectors = embedder.embed([f"{e.translations['en'].question}\n{e.translations['en'].answer}" for e in entries],
                                 "passage")
    query_vectors = embedder.embed([q.text for q in queries], "query")
    systems["plain dense (1 vector/entry)"] = rankings_from_scores(queries, ids, query_vectors @ doc_vectors.T)

    import bm25s

    corpus = [tokenize(" ".join(t for v in e.translations.values() for t in [v.question, *v.alternates, v.answer]))
              for e in entries]
    retriever = bm25s.BM25()
    retriever.index(corpus, show_progress=False)
    bm25_scores = np.array([retriever.get_scores(tokenize(q.text)) for q in queries])
    systems["BM25 (bm25s)"] = rankings_from_scores(queries, ids, bm25_scores)

    summaries = {name: evaluation.summarise(queries, results) for name, results in systems.items()}
    langs = sorted(next(iter(summaries.values()))["per_language"])
    print(f"Split: {args.split} ({len(queries)} queries, {sum(q.expected is not None for q in queries)} answerable)\n")
    print("| system | recall@1 | recall@5 | MRR@10 | answer accuracy | abstention rate |")
    print("|---|---|---|---|---|---|")
    for name, s in summaries.items():
        o = s["overall"]
        print(f"| {name} | {o['recall@1']:.3f} | {o['recall@5']:.3f} | {o['mrr@10']:.3f} | "
              f"{o['answer_accuracy']:.3f} | {o['abstention_rate']:.3f} |")
    print("\nMRR@10 per query language:\n")
    print("| system | " + " | ".join(langs) + " |")
    print("|---|" + "---|" * len(langs))
    for name, s in summaries.items():
        print(f"| {name} | " + " | ".join(f"{s['per_language'][l]['mrr@10']:.2f}" for l in langs) + " |")
    shipped = summaries["shipped service"]["per_language"]
    print("\nShipped service per language (answer accuracy / abstention rate):\n")
    print("| | " + " | ".join(langs) + " |")
    print("|---|" + "---|" * len(langs))
    print("| answer accuracy | " + " | ".join(f"{shipped[l]['answer_accuracy']:.2f}" for l in langs) + " |")
    print("| abstention rate | " + " | ".join(f"{shipped[l]['abstention_rate']:.2f}" for l in langs) + " |")


if __name__ == "__main__":
    main()
