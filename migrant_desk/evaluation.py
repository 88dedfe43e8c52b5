"""The evaluation contract: rank every labelled query through the service's own path and score the result.

Query lines: {"id", "text", "lang"?, "expected": entry id | null}. Output lines (other tools depend on this):
{"id", "ranking": [{"id", "score"}, ... up to 10], "abstained"}. The summary has recall@1, recall@5 and MRR@10
over answerable queries, abstention precision/recall over all, answer accuracy (right top entry when it
answers, or an abstention when expected is null), and the same per language.

The labelled set is split, fixed, into a tuning half (odd query numbers) and a reporting half (even numbers):
thresholds and retrieval choices are tuned on "tune" only; README reports "report".
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from .service import DeskService

Split = Literal["all", "tune", "report"]
_NUMBER = re.compile(r"(\d+)$")


class Query(BaseModel):
    id: str = Field(min_length=1)
    text: str = Field(min_length=1)
    lang: str | None = None
    expected: str | None


class RankedEntry(BaseModel):
    id: str
    score: float


class QueryResult(BaseModel):
    id: str
    ranking: list[RankedEntry]
    abstained: bool


def in_split(query_id: str, split: Split) -> bool:
    if split == "all":
        return True
    m = _NUMBER.search(query_id)
    if not m:
        raise ValueError(f"query id {query_id!r} has no trailing number, so it cannot be assigned to a split")
    odd = int(m.group(1)) % 2 == 1
    return odd if split == "tune" else not odd


def read_queries(path: Path, split: Split = "all") -> list[Query]:
    queries = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            q = Query.model_validate_json(line)
        except ValidationError as exc:
            raise ValueError(f"{path}:{n}: invalid query line: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}")
        if in_split(q.id, split):
            queries.append(q)
    return queries


def run(service: DeskService, queries: Iterable[Query]) -> list[QueryResult]:
    results = []
    for q in queries:
        ranking = service.rank(q.text, q.lang)
        results.append(QueryResult(
            id=q.id,
            ranking=[RankedEntry(id=h.entry_id, score=round(h.score, 6)) for h in ranking.hits[:10]],
            abstained=not ranking.decision.answered,
        ))
    return results


def _metrics(pairs: list[tuple[Query, QueryResult]]) -> dict:
    answerable = [(q, r) for q, r in pairs if q.expected is not None]
    r1 = r5 = mrr = 0.0
    for q, r in answerable:
        ids = [e.id for e in r.ranking]
        if ids[:1] == [q.expected]:
            r1 += 1
        if q.expected in ids[:5]:
            r5 += 1
        if q.expected in ids[:10]:
            mrr += 1.0 / (ids.index(q.expected) + 1)
    abstained = [(q, r) for q, r in pairs if r.abstained]
    should = [(q, r) for q, r in pairs if q.expected is None]
    correct_abstain = sum(1 for q, _ in abstained if q.expected is None)
    accurate = sum(
        1 for q, r in pairs
        if (r.abstained and q.expected is None)
        or (not r.abstained and q.expected is not None and r.ranking and r.ranking[0].id == q.expected)
    )
    n_ans = len(answerable) or 1
    return {
        "queries": len(pairs),
        "answerable": len(answerable),
        "recall@1": round(r1 / n_ans, 4),
        "recall@5": round(r5 / n_ans, 4),
        "mrr@10": round(mrr / n_ans, 4),
        "abstention_precision": round(correct_abstain / len(abstained), 4) if abstained else None,
        "abstention_recall": round(correct_abstain / len(should), 4) if should else None,
        "abstention_rate": round(len(abstained) / len(pairs), 4) if pairs else None,
        "answer_accuracy": round(accurate / len(pairs), 4) if pairs else None,
    }


def summarise(queries: list[Query], results: list[QueryResult]) -> dict:
    by_id = {r.id: r for r in results}
    pairs = [(q, by_id[q.id]) for q in queries]
    per_lang: dict[str, list] = defaultdict(list)
    for q, r in pairs:
        per_lang[q.lang or "?"].append((q, r))
    return {"overall": _metrics(pairs), "per_language": {k: _metrics(v) for k, v in sorted(per_lang.items())}}


def write_rankings(results: list[QueryResult], path: Path) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for r in results:
            f.write(json.dumps(r.model_dump(), ensure_ascii=False) + "\n")
