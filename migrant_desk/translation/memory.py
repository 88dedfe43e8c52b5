"""Translation memory: machine translations of knowledge-base texts, kept in the service's SQLite database.

A row is keyed by (SHA-256 of the source text, source language, target language, model id) and holds the
translation, the gate's verdict and a status:
* `machine`  — made by a model, not looked at by a person (shown only if the gate passed it);
* `reviewed` — an editor accepted it, possibly after correcting it (shown whatever the gate said);
* `stale`    — its source text is no longer in the published knowledge base (never shown). If that exact text
               comes back, the row returns to the status it had.

Only knowledge-base content is stored here (`ref` names the entry and field, e.g. "kb:arc-registration:answer").
Migrants' and counselors' messages are not: the ticket store keeps them with their translation, so deleting a
ticket deletes every copy.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel

from .. import db
from .schema import TABLE
from ..clock import iso, utcnow
from ..knowledge_base import normalise_text

Status = Literal["machine", "reviewed", "stale"]


def source_hash(text: str) -> str:
    """Whitespace differences do not make a new source text."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


class MemoryRow(BaseModel):
    id: int
    source_lang: str
    target_lang: str
    model_id: str
    source_text: str
    text: str
    status: Status
    gate_passed: bool
    gate_score: float | None
    gate_reasons: list[str]
    ref: str | None
    reviewed_by: str | None
    updated_at: str

    @property
    def usable(self) -> bool:
        """May be shown to a migrant."""
        return self.status == "reviewed" or (self.status == "machine" and self.gate_passed)


def _row(raw: dict) -> MemoryRow:
    return MemoryRow(**{**raw, "gate_passed": bool(raw["gate_passed"]),
                        "gate_reasons": json.loads(raw["gate_reasons"] or "[]")})


class TranslationMemory:
    def __init__(self, store: db.Store):
        self.store = store

    @property
    def _db(self) -> db.Database:
        return self.store.db

    def get(self, text: str, source_lang: str, target_lang: str, model_id: str) -> MemoryRow | None:
        """The row for exactly this key, whatever its status."""
        rows = self._db.execute_returning_dicts(
            f"SELECT * FROM {TABLE} WHERE source_hash = ? AND source_lang = ? AND target_lang = ? AND model_id = ?",
            [source_hash(text), source_lang, target_lang, model_id])
        return _row(rows[0]) if rows else None

    def best(self, text: str, source_lang: str, target_lang: str) -> MemoryRow | None:
        """What to show for this text: a reviewed row first, else the newest machine row (any model; the caller
        checks `usable`). Stale rows never."""
        rows = self._db.execute_returning_dicts(
            f"""SELECT * FROM {TABLE} WHERE source_hash = ? AND source_lang = ? AND target_lang = ?
                AND status != 'stale' ORDER BY status = 'reviewed' DESC, updated_at DESC, id DESC LIMIT 1""",
            [source_hash(text), source_lang, target_lang])
        return _row(rows[0]) if rows else None

    def put(self, text: str, source_lang: str, target_lang: str, model_id: str, translation: str, *,
            gate_passed: bool, gate_score: float | None, gate_reasons: Iterable[str] = (),
            ref: str | None = None) -> MemoryRow:
        """Store a machine translation. A reviewed row with the same key is left as the editor left it."""
        now = iso(utcnow())
        key = [source_hash(text), source_lang, target_lang, model_id]
        with self.store.transaction():
            existing = self._db.execute_returning_dicts(
                f"SELECT id, status FROM {TABLE} WHERE source_hash = ? AND source_lang = ? AND target_lang = ? "
                "AND model_id = ?", key)
            if existing and existing[0]["status"] == "reviewed":
                return self.by_id(existing[0]["id"])
            values = {"source_text": text, "text": translation, "status": "machine", "previous_status": None,
                      "gate_passed": int(gate_passed), "gate_score": gate_score,
                      "gate_reasons": json.dumps(list(gate_reasons)), "ref": ref, "updated_at": now}
            if existing:
                db.update_row(self._db, TABLE, existing[0]["id"], values)
                row_id = existing[0]["id"]
            else:
                row_id = self._db.insert_row(TABLE, {**dict(zip(("source_hash", "source_lang", "target_lang",
                                                                 "model_id"), key)), **values, "created_at": now})
        return self.by_id(row_id)

    def by_id(self, row_id: int) -> MemoryRow:
        rows = self._db.execute_returning_dicts(f"SELECT * FROM {TABLE} WHERE id = ?", [row_id])
        if not rows:
            raise KeyError(f"no translation-memory row {row_id}")
        return _row(rows[0])

    def review(self, row_id: int, reviewer: str, text: str | None = None) -> MemoryRow:
        """An editor accepts a translation, optionally correcting its text."""
        row = self.by_id(row_id)
        if row.status == "stale":
            raise ValueError(f"row {row_id} is stale: its source is no longer in the knowledge base")
        changes = {"status": "reviewed", "reviewed_by": reviewer, "updated_at": iso(utcnow())}
        if text is not None:
            if not text.strip():
                raise ValueError("a reviewed translation cannot be empty")
            changes["text"] = text.strip()
        with self.store.transaction():
            db.update_row(self._db, TABLE, row_id, changes)
        return self.by_id(row_id)

    def sync_sources(self, current: set[tuple[str, str]]) -> tuple[int, int]:
        """Mark knowledge-base rows whose (source hash, source language) is no longer published as stale, and
        restore stale rows whose source is back. Returns (made stale, restored)."""
        now = iso(utcnow())
        staled = restored = 0
        with self.store.transaction():
            rows = self._db.execute_returning_dicts(
                f"SELECT id, source_hash, source_lang, status, previous_status FROM {TABLE} WHERE ref IS NOT NULL")
            for r in rows:
                live = (r["source_hash"], r["source_lang"]) in current
                if not live and r["status"] != "stale":
                    db.update_row(self._db, TABLE, r["id"], {"status": "stale", "previous_status": r["status"],
                                                     "updated_at": now})
                    staled += 1
                elif live and r["status"] == "stale":
                    db.update_row(self._db, TABLE, r["id"], {"status": r["previous_status"] or "machine",
                                                     "previous_status": None, "updated_at": now})
                    restored += 1
        return staled, restored

    def rows(self, status: Status | None = None, target_lang: str | None = None, limit: int = 200) -> list[MemoryRow]:
        where, args = [], []
        if status:
            where.append("status = ?")
            args.append(status)
        if target_lang:
            where.append("target_lang = ?")
            args.append(target_lang)
        sql = f"SELECT * FROM {TABLE}" + (f" WHERE {' AND '.join(where)}" if where else "")
        return [_row(r) for r in self._db.execute_returning_dicts(sql + " ORDER BY id LIMIT ?", [*args, limit])]

    def counts(self) -> dict[str, dict[str, int]]:
        """{target_lang: {status (or "machine-rejected"): n}}"""
        out: dict[str, Counter] = {}
        for r in self._db.execute_returning_dicts(
                f"SELECT target_lang, status, gate_passed, count(*) AS n FROM {TABLE} GROUP BY 1, 2, 3"):
            key = r["status"] if r["status"] != "machine" or r["gate_passed"] else "machine-rejected"
            out.setdefault(r["target_lang"], Counter())[key] += r["n"]
        return {lang: dict(c) for lang, c in sorted(out.items())}
