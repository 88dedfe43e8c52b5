"""Entries and their revisions in the service's database: the source of truth once the service runs.

The YAML files in knowledge_base/ are the seed and the import/export format. Every save is a revision (who,
when, the whole entry as JSON); the newest revision is the entry's draft head, and `published_revision` says
which revision the service answers from. Publishing moves that pointer; rolling back writes a new revision
with an old revision's content, so history only grows.

Translation status per variant (`variant_status`): `human` (written by a person), `machine` (from the
translation memory), `reviewed` (a machine translation an editor accepted), `stale` (its source variant
changed after it was written or translated). A variant records the language it was written from and a hash
of that source's text at the time; a save that changes the source marks the variants derived from it stale.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass
from typing import Literal

import yaml
from pydantic import BaseModel, ValidationError

from .. import db, live_versions
from ..clock import iso, utcnow
from ..errors import DomainError, ErrorCode
from ..knowledge_base import Entry, EntryProblem, Variant, problems_from
from ..languages import FALLBACK_ORDER

VariantStatus = Literal["human", "machine", "reviewed", "stale"]
# The variants written first (languages.FALLBACK_ORDER); every other variant derives from the first of them.
ORIGINALS = FALLBACK_ORDER
DERIVED_FROM = FALLBACK_ORDER[0]


class EditError(DomainError):
    """An edit is refused; `problems` name the fields. Nothing already stored changes. A DomainError, so the
    editor endpoints need no translation of their own: the API layer gives it its status and {"code", "message"}."""

    def __init__(self, code: ErrorCode, message: str, problems: list[EntryProblem] | None = None):
        super().__init__(code, message.rstrip(".") + ".")
        self.problems = problems or []


class RevisionOut(BaseModel):
    number: int
    author: str  # the actor id: "user:3", "import", "cli"
    author_name: str | None = None  # the user's name, for people (filled in by the API)
    created_at: str
    note: str
    published: bool


class VariantStatusOut(BaseModel):
    lang: str
    status: VariantStatus
    source_lang: str | None


class EntryState(BaseModel):
    id: str
    archived: bool
    head_revision: int
    published_revision: int | None
    has_unpublished_changes: bool
    review_approved: bool
    head_author: str  # who wrote the draft head: a second editor must approve it (require_review)
    head_author_name: str | None = None
    draft: dict
    published: dict | None
    variants: list[VariantStatusOut]


def text_hash(variant: Variant | None) -> str | None:
    if variant is None:
        return None
    return hashlib.sha256(json.dumps([variant.question, variant.answer], ensure_ascii=False).encode()).hexdigest()


def validate_entry(data: dict, location: str) -> Entry:
    try:
        return Entry.model_validate(data)
    except ValidationError as exc:
        problems = problems_from(exc, location, data.get("id") if isinstance(data.get("id"), str) else None)
        raise EditError(ErrorCode.INVALID_ENTRY, "; ".join(f"field {p.field}: {p.reason}" for p in problems), problems)


@dataclass
class EditorialStore:
    """`source`: a Store (its connection for the calling thread is used: the publisher and request threads
    share one EditorialStore) or one connection (single-threaded use: the CLI, tests)."""

    source: db.Store | db.Database

    @property
    def database(self) -> db.Database:
        return self.source.db if isinstance(self.source, db.Store) else self.source

    # ---- reading -------------------------------------------------------------------------------------
    def _row(self, entry_id: str) -> dict:
        rows = list(self.database.query("SELECT * FROM kb_entries WHERE id = ?", [entry_id]))
        if not rows:
            raise EditError(ErrorCode.ENTRY_NOT_FOUND, f"No entry with id '{entry_id}'.")
        return rows[0]

    def revision_data(self, entry_id: str, number: int) -> dict:
        row = self.database.execute("SELECT data FROM kb_revisions WHERE entry_id = ? AND number = ?",
                                    [entry_id, number]).fetchone()
        if row is None:
            raise EditError(ErrorCode.REVISION_NOT_FOUND, f"Entry '{entry_id}' has no revision {number}.")
        return json.loads(row[0])

    def exists(self, entry_id: str) -> bool:
        """Whether the entry was ever saved (archived or not, published or not)."""
        return self.database.execute("SELECT 1 FROM kb_entries WHERE id = ?", [entry_id]).fetchone() is not None

    def is_empty(self) -> bool:
        return self.database.execute("SELECT COUNT(*) FROM kb_entries").fetchone()[0] == 0

    def published_entries(self) -> list[Entry]:
        rows = self.database.execute(
            "SELECT r.data FROM kb_entries e JOIN kb_revisions r ON r.entry_id = e.id AND r.number = e.published_revision "
            "WHERE e.archived = 0 ORDER BY e.id").fetchall()
        return [Entry.model_validate(json.loads(r[0])) for r in rows]

    def draft_entries(self) -> list[Entry]:
        rows = self.database.execute(
            "SELECT r.data FROM kb_entries e JOIN kb_revisions r ON r.entry_id = e.id AND r.number = e.head_revision "
            "WHERE e.archived = 0 ORDER BY e.id").fetchall()
        return [Entry.model_validate(json.loads(r[0])) for r in rows]

    def state(self, entry_id: str) -> EntryState:
        row = self._row(entry_id)
        draft = self.revision_data(entry_id, row["head_revision"])
        published = self.revision_data(entry_id, row["published_revision"]) if row["published_revision"] else None
        variants = [VariantStatusOut(lang=r[0], status=r[1], source_lang=r[2]) for r in self.database.execute(
            "SELECT lang, status, source_lang FROM kb_variant_status WHERE entry_id = ? ORDER BY lang", [entry_id])]
        return EntryState(
            id=entry_id, archived=bool(row["archived"]), head_revision=row["head_revision"],
            published_revision=row["published_revision"],
            has_unpublished_changes=row["published_revision"] != row["head_revision"],
            review_approved=row["review_approved_revision"] == row["head_revision"],
            head_author=self.database.execute("SELECT author FROM kb_revisions WHERE entry_id = ? AND number = ?",
                                              [entry_id, row["head_revision"]]).fetchone()[0],
            draft=draft, published=published, variants=variants,
        )

    def list_states(self) -> list[dict]:
        return [dict(zip(("id", "head_revision", "published_revision", "archived"), r)) for r in self.database.execute(
            "SELECT id, head_revision, published_revision, archived FROM kb_entries ORDER BY id")]

    def revisions(self, entry_id: str) -> list[RevisionOut]:
        published = self._row(entry_id)["published_revision"]
        return [RevisionOut(number=r[0], author=r[1], created_at=r[2], note=r[3], published=r[0] == published)
                for r in self.database.execute(
                    "SELECT number, author, created_at, note FROM kb_revisions WHERE entry_id = ? ORDER BY number",
                    [entry_id])]

    def diff(self, entry_id: str, old: int, new: int) -> str:
        def lines(n: int) -> list[str]:
            return yaml.safe_dump(self.revision_data(entry_id, n), allow_unicode=True, sort_keys=True,
                                  width=100).splitlines()

        return "\n".join(difflib.unified_diff(lines(old), lines(new), f"{entry_id}@{old}", f"{entry_id}@{new}",
                                              lineterm=""))

    # ---- writing -------------------------------------------------------------------------------------
    def _write_revision(self, entry: Entry, author: str, note: str, previous: Entry | None,
                        statuses: dict[str, VariantStatus] | None = None) -> int:
        """Inside a transaction: store a new head revision and update variant statuses."""
        now = iso(utcnow())
        row = self.database.execute("SELECT head_revision FROM kb_entries WHERE id = ?", [entry.id]).fetchone()
        number = (row[0] if row else 0) + 1
        if row is None:
            self.database.execute("INSERT INTO kb_entries (id, head_revision) VALUES (?, ?)", [entry.id, number])
        else:
            self.database.execute("UPDATE kb_entries SET head_revision = ? WHERE id = ?", [number, entry.id])
        self.database.execute(
            "INSERT INTO kb_revisions (entry_id, number, data, author, created_at, note) VALUES (?, ?, ?, ?, ?, ?)",
            [entry.id, number, json.dumps(entry.dump(), ensure_ascii=False), author, now, note])
        self._update_statuses(entry, previous, statuses or {}, now)
        return number

    def _update_statuses(self, entry: Entry, previous: Entry | None, explicit: dict[str, VariantStatus],
                         now: str) -> None:
        old = {r[0]: r for r in self.database.execute(
            "SELECT lang, status, source_lang, source_hash FROM kb_variant_status WHERE entry_id = ?", [entry.id])}
        for lang in set(old) - set(entry.translations):
            self.database.execute("DELETE FROM kb_variant_status WHERE entry_id = ? AND lang = ?", [entry.id, lang])
        for lang, variant in entry.translations.items():
            changed = previous is None or previous.translations.get(lang) != variant
            source_lang = None if lang in ORIGINALS else DERIVED_FROM
            source_hash = text_hash(entry.translations.get(source_lang)) if source_lang else None
            if lang in explicit:
                status = explicit[lang]
            elif changed or lang not in old:
                status = "human"
            else:
                status = old[lang][1]
                source_hash = old[lang][3]
                if source_lang and old[lang][3] != text_hash(entry.translations.get(source_lang)):
                    status = "stale"
            self.database.execute(
                "INSERT INTO kb_variant_status (entry_id, lang, status, source_lang, source_hash, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (entry_id, lang) DO UPDATE SET status = excluded.status, "
                "source_lang = excluded.source_lang, source_hash = excluded.source_hash, "
                "updated_at = excluded.updated_at", [entry.id, lang, status, source_lang, source_hash, now])

    def save(self, data: dict, author: str, note: str = "", create: bool = False,
             statuses: dict[str, VariantStatus] | None = None) -> int:
        """Create (create=True) or update an entry from its full JSON; returns the new revision number."""
        entry = validate_entry(data, f"entry {data.get('id', '?')}")
        with db.transaction(self.database):
            exists = self.database.execute("SELECT head_revision FROM kb_entries WHERE id = ?", [entry.id]).fetchone()
            if create and exists:
                raise EditError(ErrorCode.DUPLICATE_ID, f"An entry with id '{entry.id}' already exists.")
            if not create and not exists:
                raise EditError(ErrorCode.ENTRY_NOT_FOUND, f"No entry with id '{entry.id}'.")
            previous = Entry.model_validate(self.revision_data(entry.id, exists[0])) if exists else None
            if previous is not None and previous.dump() == entry.dump() and not statuses:
                return exists[0]
            return self._write_revision(entry, author, note, previous, statuses)

    def save_variant(self, entry_id: str, lang: str, variant: dict, author: str,
                     status: VariantStatus = "human") -> int:
        data = self.revision_data(entry_id, self._row(entry_id)["head_revision"])
        data["translations"][lang] = variant
        return self.save(data, author, note=f"{lang} variant", statuses={lang: status})

    def delete_variant(self, entry_id: str, lang: str, author: str) -> int:
        data = self.revision_data(entry_id, self._row(entry_id)["head_revision"])
        if lang not in data["translations"]:
            raise EditError(ErrorCode.VARIANT_NOT_FOUND, f"Entry '{entry_id}' has no '{lang}' variant.")
        if lang in ORIGINALS:
            raise EditError(ErrorCode.VARIANT_REQUIRED, f"The '{lang}' variant is required and cannot be removed.")
        del data["translations"][lang]
        return self.save(data, author, note=f"removed {lang} variant")

    def accept_variant(self, entry_id: str, lang: str, author: str) -> None:
        """An editor accepts a machine translation as reviewed."""
        with db.transaction(self.database):
            row = self.database.execute("SELECT status FROM kb_variant_status WHERE entry_id = ? AND lang = ?",
                                        [entry_id, lang]).fetchone()
            if row is None:
                raise EditError(ErrorCode.VARIANT_NOT_FOUND, f"Entry '{entry_id}' has no '{lang}' variant.")
            if row[0] not in ("machine", "stale"):
                raise EditError(ErrorCode.NOT_MACHINE, f"The '{lang}' variant is {row[0]}; only machine or stale "
                                                       "translations can be accepted as reviewed.")
            data = self.revision_data(entry_id, self._row(entry_id)["head_revision"])
            source = Entry.model_validate(data).translations.get(DERIVED_FROM)
            self.database.execute(
                "UPDATE kb_variant_status SET status = 'reviewed', source_hash = ?, updated_at = ? "
                "WHERE entry_id = ? AND lang = ?", [text_hash(source), iso(utcnow()), entry_id, lang])

    def rollback(self, entry_id: str, number: int, author: str) -> int:
        data = self.revision_data(entry_id, number)
        with db.transaction(self.database):
            head = self._row(entry_id)["head_revision"]
            previous = Entry.model_validate(self.revision_data(entry_id, head))
            return self._write_revision(Entry.model_validate(data), author, f"rollback to revision {number}",
                                        previous)

    def set_archived(self, entry_id: str, archived: bool, author: str) -> None:
        with db.transaction(self.database):
            if bool(self._row(entry_id)["archived"]) != archived:
                self.database.execute("UPDATE kb_entries SET archived = ? WHERE id = ?", [int(archived), entry_id])
                live_versions.bump(self.database, live_versions.KB)  # other replicas drop or restore it too

    def approve(self, entry_id: str, reviewer: str) -> int:
        with db.transaction(self.database):
            head = self._row(entry_id)["head_revision"]
            author = self.database.execute("SELECT author FROM kb_revisions WHERE entry_id = ? AND number = ?",
                                           [entry_id, head]).fetchone()[0]
            if author == reviewer:
                raise EditError(ErrorCode.SELF_REVIEW, "A second editor must review a change; you wrote this revision.")
            self.database.execute("UPDATE kb_entries SET review_approved_revision = ?, review_approved_by = ? "
                                  "WHERE id = ?", [head, reviewer, entry_id])
            return head

    def mark_published(self, entry_id: str, require_review: bool, by: str | None = None) -> int:
        """Make the head revision the published one; `by` (an editor's actor id) logs it in kb_publishes."""
        with db.transaction(self.database):
            row = self._row(entry_id)
            if require_review and row["review_approved_revision"] != row["head_revision"]:
                raise EditError(ErrorCode.REVIEW_REQUIRED, f"Revision {row['head_revision']} of '{entry_id}' needs a "
                                                           "second editor's review before it can be published.")
            self.database.execute("UPDATE kb_entries SET published_revision = head_revision WHERE id = ?", [entry_id])
            if row["published_revision"] != row["head_revision"]:
                live_versions.bump(self.database, live_versions.KB)  # every replica serves it within a second
            if by is not None and row["published_revision"] != row["head_revision"]:
                self.database.execute(
                    "INSERT INTO kb_publishes (entry_id, revision, published_at, published_by) VALUES (?, ?, ?, ?)",
                    [entry_id, row["head_revision"], iso(utcnow()), by])
            return row["head_revision"]

    def import_entries(self, entries: list[Entry], author: str, publish: bool = True) -> dict[str, int]:
        """Bring entries in (seed or `kb import`); unchanged entries make no new revision."""
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        for entry in entries:
            exists = self.database.execute("SELECT head_revision FROM kb_entries WHERE id = ?", [entry.id]).fetchone()
            before = exists[0] if exists else 0
            number = self.save(entry.dump(), author, note="import", create=not exists)
            counts["created" if not exists else "updated" if number != before else "unchanged"] += 1
            if publish:
                self.mark_published(entry.id, require_review=False)
        return counts

    # ---- translation status --------------------------------------------------------------------------
    def translation_report(self, lang: str) -> dict[str, list[str]]:
        """For one language: entries whose variant is stale, machine-made, or missing."""
        live = {r[0] for r in self.database.execute("SELECT id FROM kb_entries WHERE archived = 0")}
        status = {r[0]: r[1] for r in self.database.execute(
            "SELECT entry_id, status FROM kb_variant_status WHERE lang = ?", [lang]) if r[0] in live}
        return {
            "stale": sorted(e for e, s in status.items() if s == "stale"),
            "machine": sorted(e for e, s in status.items() if s == "machine"),
            "missing": sorted(live - set(status)),
        }
