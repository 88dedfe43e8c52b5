"""The content-gap report: questions the service could not answer well, grouped by meaning.

Questions that were abstained on, answered with only medium confidence, or handed to a counselor are logged
(redacted: phone, registration and passport numbers, emails) with their query embedding. The report groups
them by average-linkage clustering on cosine distance — across languages, since the model is multilingual —
and lists each group with its count, languages, example wordings and the entries retrieval came closest to.
An editor who writes an entry for a group marks it resolved; its questions then leave the open list.
The distance cut-off is calibrated on tests/data/gap_questions.jsonl (tests/test_editorial_gaps.py).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import Literal

import numpy as np
from pydantic import BaseModel

from .. import db
from ..clock import iso, utcnow
from ..redaction import redact
from . import grouping

Outcome = Literal["abstained", "low_confidence", "handoff"]
# Average cosine distance at which two groups of questions stop being merged; chosen on the labelled set
# tests/data/gap_questions.jsonl (36 questions, 6 topics, 5 languages) by pairwise F1: 0.788 at 0.17-0.18,
# 0.753 at 0.16, 0.714 at 0.19 (merges topics); the lower end of the best range, since merging two topics
# hides one from editors.
DEFAULT_CUT = 0.17


class GapGroup(BaseModel):
    gap_id: int  # the id of the group's earliest question: stable while the group keeps it
    count: int
    languages: dict[str, int]
    outcomes: dict[str, int]
    examples: list[str]
    nearest_entries: list[str]
    first_seen: str
    last_seen: str
    question_ids: list[int]


def log_question(database: db.Database, text: str, lang: str, outcome: Outcome, vector: np.ndarray,
                 top_entry: str | None = None, confidence: float | None = None) -> int:
    row = {"created_at": iso(utcnow()), "lang": lang, "text": redact(text), "outcome": outcome,
           "top_entry": top_entry, "confidence": confidence,
           "vector": np.asarray(vector, dtype=np.float32).tobytes()}
    return database.insert_row("question_log", row)


def prune(database: db.Database, retention_days: int, max_rows: int) -> int:
    """Delete logged questions older than `retention_days` and all but the newest `max_rows`; returns how many.
    Why both: the log holds migrants' (redacted) words, kept only as long as README says, and the report's
    average-linkage grouping is quadratic in the rows it reads (5.9 s and 393 MB at 6,000 rows, issue 12)."""
    cutoff = iso(utcnow() - dt.timedelta(days=retention_days))
    with db.transaction(database):
        old = database.execute("DELETE FROM question_log WHERE created_at < ?", [cutoff]).rowcount
        over = database.execute(
            "DELETE FROM question_log WHERE id NOT IN (SELECT id FROM question_log ORDER BY id DESC LIMIT ?)",
            [max_rows]).rowcount
    return old + over


def cluster(vectors: np.ndarray, cut: float = DEFAULT_CUT) -> list[int]:
    """Cluster labels (0..k-1) for L2-normalised vectors: average linkage on cosine distance (grouping.py)."""
    return grouping.cluster(vectors, cut)


def report(database: db.Database, cut: float = DEFAULT_CUT, include_resolved: bool = False,
           examples: int = 3) -> list[GapGroup]:
    where = "" if include_resolved else "WHERE resolved_entry IS NULL"
    count = database.execute(f"SELECT COUNT(*) FROM question_log {where}").fetchone()[0]
    if not count:
        return []
    # Vectors go straight into one array, not a list of row tuples holding their bytes: at 100,000 questions
    # that halves the report's memory (scripts/bench_gaps.py).
    rows: list[tuple] = []
    vectors: np.ndarray | None = None
    cursor = database.execute(
        f"SELECT id, created_at, lang, text, outcome, top_entry, vector FROM question_log {where} ORDER BY id")
    for i, row in enumerate(cursor):
        if i == count:  # a question logged while we read: it waits for the next report
            break
        vector = np.frombuffer(row[6], dtype=np.float32)
        if vectors is None:
            vectors = np.empty((count, len(vector)), dtype=np.float32)
        vectors[i] = vector
        rows.append(row[:6])
    vectors = vectors[:len(rows)]
    groups: dict[int, list[tuple]] = {}
    for row, label in zip(rows, cluster(vectors, cut)):
        groups.setdefault(label, []).append(row)
    out = []
    for members in groups.values():
        texts = list(dict.fromkeys(r[3] for r in members))
        out.append(GapGroup(
            gap_id=members[0][0], count=len(members), languages=dict(Counter(r[2] for r in members)),
            outcomes=dict(Counter(r[4] for r in members)), examples=texts[:examples],
            nearest_entries=[e for e, _ in Counter(r[5] for r in members if r[5]).most_common(3)],
            first_seen=members[0][1], last_seen=members[-1][1], question_ids=[r[0] for r in members],
        ))
    out.sort(key=lambda g: (-g.count, g.gap_id))
    return out


def resolve(database: db.Database, gap_id: int, entry_id: str, cut: float = DEFAULT_CUT) -> int:
    """Mark the open group that contains question `gap_id` as answered by `entry_id`; returns questions marked."""
    group = next((g for g in report(database, cut) if gap_id in g.question_ids), None)
    if group is None:
        raise KeyError(gap_id)
    now = iso(utcnow())
    with db.transaction(database):
        marks = ",".join("?" * len(group.question_ids))
        database.execute(f"UPDATE question_log SET resolved_entry = ?, resolved_at = ? WHERE id IN ({marks})",
                         [entry_id, now, *group.question_ids])
    return len(group.question_ids)


def resolved_summary(database: db.Database) -> list[dict]:
    return [{"entry_id": r[0], "questions": r[1], "resolved_at": r[2]} for r in database.execute(
        "SELECT resolved_entry, COUNT(*), MAX(resolved_at) FROM question_log WHERE resolved_entry IS NOT NULL "
        "GROUP BY resolved_entry ORDER BY MAX(resolved_at) DESC")]


def as_json(groups: list[GapGroup]) -> str:
    return json.dumps([g.model_dump() for g in groups], ensure_ascii=False, indent=2)
