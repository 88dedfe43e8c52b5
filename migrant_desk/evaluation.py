"""The evaluation contract: rank every labelled query through the service's own path and score the result.

Query lines: {"id", "text", "lang"?, "expected": entry id | [entry ids] | null} (a list where several entries
each answer the question: the top entry is right when it is any of them). Output lines (other tools depend on this):
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

from pydantic import BaseModel, Field, ValidationError, field_validator

from .service import DeskService

Split = Literal["all", "tune", "report"]
_NUMBER = re.compile(r"(\d+)$")


class Query(BaseModel):
    id: str = Field(min_length=1)
    text: str = Field(min_length=1)
    lang: str | None = None
    expected: list[str] | None = Field(description="the entries that answer it; null when none does")

    @field_validator("expected", mode="before")
    @classmethod
    def _one_or_several(cls, v: object) -> object:
        return [v] if isinstance(v, str) else v

    @field_validator("expected")
    @classmethod
    def _not_empty(cls, v: list[str] | None) -> list[str] | None:
        if v is not None and not v:
            raise ValueError("expected must be null or name at least one entry")
        return v

    def is_right(self, entry_id: str | None) -> bool:
        return self.expected is not None and entry_id in self.expected


class RankedEntry(BaseModel):
    id: str
    score: float


class QueryResult(BaseModel):
    id: str
    ranking: list[RankedEntry]
    abstained: bool
    band: str | None = None  # high | medium | low


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
            abstained=not ranking.decision.answered, band=ranking.decision.band,
        ))
    return results


def _metrics(pairs: list[tuple[Query, QueryResult]]) -> dict:
    answerable = [(q, r) for q, r in pairs if q.expected is not None]
    r1 = r5 = mrr = 0.0
    for q, r in answerable:
        ranks = [i for i, e in enumerate(r.ranking[:10]) if q.is_right(e.id)]
        if ranks and ranks[0] == 0:
            r1 += 1
        if ranks and ranks[0] < 5:
            r5 += 1
        if ranks:
            mrr += 1.0 / (ranks[0] + 1)
    abstained = [(q, r) for q, r in pairs if r.abstained]
    should = [(q, r) for q, r in pairs if q.expected is None]
    correct_abstain = sum(1 for q, _ in abstained if q.expected is None)
    accurate = sum(
        1 for q, r in pairs
        if (r.abstained and q.expected is None)
        or (not r.abstained and r.ranking and q.is_right(r.ranking[0].id))
    )
    n_ans = len(answerable) or 1
    top_right = [(q, r) for q, r in pairs if r.ranking and q.is_right(r.ranking[0].id)]
    wrong_shown = sum(1 for q, r in pairs if not r.abstained and not (r.ranking and q.is_right(r.ranking[0].id)))
    bands = {}
    for band in ("high", "medium"):
        shown = [(q, r) for q, r in pairs if r.band == band]
        bands[f"{band}_precision"] = (round(sum(q.is_right(r.ranking[0].id) for q, r in shown) / len(shown), 4)
                                      if shown else None)
        bands[f"{band}_share"] = round(len(shown) / len(pairs), 4) if pairs else None
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
        # abstained although the top entry was right, over the questions whose top entry was right
        "false_abstention": (round(sum(r.abstained for _, r in top_right) / len(top_right), 4)
                             if top_right else None),
        # answered with a wrong entry, or answered a question that has no answer, over all questions
        "wrong_shown": round(wrong_shown / len(pairs), 4) if pairs else None,
        **bands,
    }


def summarise(queries: list[Query], results: list[QueryResult]) -> dict:
    by_id = {r.id: r for r in results}
    pairs = [(q, by_id[q.id]) for q in queries]
    per_lang: dict[str, list] = defaultdict(list)
    for q, r in pairs:
        per_lang[q.lang or "?"].append((q, r))
    return {"overall": _metrics(pairs), "per_language": {k: _metrics(v) for k, v in sorted(per_lang.items())}}


TABLE_COLUMNS = (("answer_accuracy", "accuracy"), ("false_abstention", "false abst."), ("wrong_shown", "wrong shown"),
                 ("abstention_rate", "abstains"), ("recall@1", "R@1"), ("mrr@10", "MRR@10"),
                 ("high_precision", "high prec."), ("medium_precision", "medium prec."))


def table(summary: dict) -> str:
    """The summary as a markdown table: overall, then one row per language."""
    head = "| | queries | " + " | ".join(label for _, label in TABLE_COLUMNS) + " |"
    lines = [head, "|---" * (len(TABLE_COLUMNS) + 2) + "|"]
    rows = [("all", summary["overall"]), *summary["per_language"].items()]
    for name, m in rows:
        cells = ["" if m.get(k) is None else f"{m[k]:.3f}" for k, _ in TABLE_COLUMNS]
        lines.append(f"| {name} | {m['queries']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_rankings(results: list[QueryResult], path: Path) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for r in results:
            f.write(json.dumps(r.model_dump(), ensure_ascii=False) + "\n")
