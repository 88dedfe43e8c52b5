"""Office records (immigration, labour, family centres) and their revisions in the service's database.

The same model as entries (store.py): the database is the source of truth once the service runs, every save is
a revision (who, when, why, the whole record as JSON), `published_revision` says which one the desk shows, and
history only grows. knowledge_base/offices/<kind>.json are the seed and the import/export format: a record
whose id the database has never seen is seeded from them (and published) at start; a record the database
knows is never overwritten from a file, only by an editor or `migrant-desk offices import`.

A record is stored as the editor (or the file) wrote it, key order and URL spelling included, so that
`offices export` of unedited records gives back the committed files; it is checked through `Office` plus the
rules a wrong office breaks in chat: every district spelled as in regions.json, one office per district and
kind (office_for returns the first match, so a second claim would be silently hidden), phone and hours in the
formats the chat renders.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .. import db, live_versions
from ..clock import iso, utcnow
from ..contacts import PHONE_IN_TEXT
from ..knowledge_base import EntryProblem, problems_from
from ..languages import SUPPORTED_LANGUAGES
from ..offices import District, Office, OfficeSource, RegionNames
from ..validation import clean_text
from ..errors import ErrorCode
from .store import EditError, RevisionOut

# "mon-fri 09:00-18:00; sat 10:00-17:00" or "24h": what contacts.hours_text renders (anything else breaks chat).
_SPAN = r"(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))? [0-2]\d:[0-5]\d-[0-2]\d:[0-5]\d"
HOURS = re.compile(rf"24h|{_SPAN}(; {_SPAN})*")
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,79}$"


MIGRATIONS = db.Migrations("offices")  # applied after the editorial domain (migrant_desk/schema.py)


@MIGRATIONS("offices-001-records")
def _create_tables(d: db.Database) -> None:
    # position: the record's place in its file (seed order, new records last), so export and the live
    # directory keep the files' order.
    d.execute(d.dialect.ddl("""
        CREATE TABLE office_records (
            id TEXT PRIMARY KEY,
            position INTEGER NOT NULL,
            head_revision INTEGER NOT NULL,
            published_revision INTEGER,
            review_approved_revision INTEGER,
            review_approved_by TEXT
        )"""))
    d.execute(d.dialect.ddl("""
        CREATE TABLE office_revisions (
            office_id TEXT NOT NULL REFERENCES office_records(id),
            number INTEGER NOT NULL,
            data TEXT NOT NULL,
            author TEXT NOT NULL,
            created_at TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (office_id, number)
        )"""))


class OfficeError(EditError):
    """An office edit is refused (the entries' error contract: a code, a sentence, `problems` per field; the API
    layer gives the code its HTTP status)."""


# Editors' input is strict where the loader is lenient: a misspelt key ("adress") would otherwise vanish.
class _Source(OfficeSource):
    model_config = ConfigDict(extra="forbid")


class _District(District):
    model_config = ConfigDict(extra="forbid")


def _languages(value: dict[str, str], what: str) -> dict[str, str]:
    unknown = [code for code in value if code not in SUPPORTED_LANGUAGES]
    if unknown:
        raise ValueError(f"unknown language code(s) {', '.join(unknown)}; {what} is keyed by ISO 639-1 codes")
    if any(not text.strip() for text in value.values()):
        raise ValueError(f"an empty {what}; leave the language out instead")
    return value


class OfficeRecord(Office):
    """An office as stored and exported: `Office` plus the editors' `note` (kept out of GET /v1/offices)."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=ID_PATTERN)
    sources: list[_Source] = Field(min_length=1)
    districts: list[_District] = Field(default_factory=list)
    level: str = Field("main", pattern="^(main|branch|center)$")
    note: str | None = Field(None, max_length=2000)

    @field_validator("name")
    @classmethod
    def _name(cls, value: dict[str, str]) -> dict[str, str]:
        if not value.get("ko", "").strip():
            raise ValueError("the Korean name (name.ko) is required: it is how the office signs its letters")
        return _languages(value, "name")

    @field_validator("address")
    @classmethod
    def _address(cls, value: dict[str, str]) -> dict[str, str]:
        return _languages(value, "address")

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is not None and not PHONE_IN_TEXT.fullmatch(value):
            raise ValueError(f"'{value}' is not a phone number as the desk writes them (1345, 1577-1366, "
                             "02-123-4567, 031-123-4567): digits and hyphens, no spaces or brackets")
        return value

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: str | None) -> str | None:
        if value is not None and not HOURS.fullmatch(value):
            raise ValueError(f"'{value}' is not opening hours as the desk reads them: '24h' or "
                             "'mon-fri 09:00-18:00; sat 10:00-13:00' (lowercase days, 24-hour times)")
        return value

    @field_validator("checked")
    @classmethod
    def _checked(cls, value: str) -> str:
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"'{value}' is not a date (YYYY-MM-DD)") from None
        if len(value) != 10:
            raise ValueError(f"'{value}' is not a date written YYYY-MM-DD")
        return value


def clean(data: dict) -> dict:
    """The record as stored: keys in the order given, an absent value (null) left out as the files do."""
    return {key: value for key, value in data.items() if value is not None}


def _bad_texts(value: object, path: str) -> list[tuple[str, str]]:
    """(field, reason) for every text with a control character or a lone surrogate, keys included."""
    if isinstance(value, str):
        try:
            clean_text(value)
        except ValueError as exc:
            return [(path or "(record)", str(exc))]
        return []
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _bad_texts(k, path) + _bad_texts(v, f"{path}.{k}".lstrip("."))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _bad_texts(v, f"{path}.{i}".lstrip("."))]
    return []


def _fail(code: ErrorCode, problems: list[EntryProblem]) -> OfficeError:
    return OfficeError(code, "; ".join(f"field {p.field}: {p.reason}" for p in problems), problems)


def check_record(data: object, known: frozenset[tuple[str, str]], claims: dict[tuple[str, str], str],
                 location: str = "office") -> OfficeRecord:
    """The record validated, or OfficeError naming the field. `known`: (province, district) of regions.json;
    `claims`: (province, district) → id of another office of the record's kind."""
    if not isinstance(data, dict):
        raise _fail(ErrorCode.INVALID_OFFICE, [EntryProblem(location=location, entry_id=None, field="(record)",
                                                            reason="a record is a JSON object")])
    office_id = data.get("id") if isinstance(data.get("id"), str) else None
    bad_text = [EntryProblem(location=location, entry_id=office_id, field=field, reason=reason)
                for field, reason in _bad_texts(data, "")]
    if bad_text:  # a lone surrogate cannot even be stored (SQLite takes UTF-8)
        raise _fail(ErrorCode.INVALID_OFFICE, bad_text)
    try:
        record = OfficeRecord.model_validate(data)
    except ValidationError as exc:
        problems = [p.model_copy(update={"reason": p.reason.removeprefix("Value error, ")})
                    for p in problems_from(exc, location, office_id)]
        raise _fail(ErrorCode.INVALID_OFFICE, problems) from None
    unknown, claimed, seen = [], [], set()
    for i, d in enumerate(record.districts):
        key = (d.province, d.name)
        if key not in known:
            unknown.append(EntryProblem(location=location, entry_id=record.id, field=f"districts.{i}", reason=(
                f"'{d.province} {d.name}' is not a district in regions.json; write the province and the district's "
                "Korean name as listed there (e.g. '경기도 안산시')")))
        elif key in seen:
            claimed.append(EntryProblem(location=location, entry_id=record.id, field=f"districts.{i}",
                                        reason=f"'{d.province} {d.name}' is listed twice in this record"))
        elif claims.get(key, record.id) != record.id:
            claimed.append(EntryProblem(location=location, entry_id=record.id, field=f"districts.{i}", reason=(
                f"'{d.province} {d.name}' is already covered by {record.kind} office '{claims[key]}'; one office "
                "per district and kind: remove it there first")))
        seen.add(key)
    if unknown:
        raise _fail(ErrorCode.UNKNOWN_DISTRICT, unknown)
    if claimed:
        raise _fail(ErrorCode.DISTRICT_CLAIMED, claimed)
    return record


def claims_of(records: list[dict], kind: str, except_id: str) -> dict[tuple[str, str], str]:
    return {(d["province"], d["name"]): r["id"] for r in records
            if r.get("kind") == kind and r["id"] != except_id for d in r.get("districts", [])}


def known_districts(districts: list[RegionNames]) -> frozenset[tuple[str, str]]:
    return frozenset((d.province, d.ko) for d in districts if d.province)


class OfficeState(BaseModel):
    id: str
    head_revision: int
    published_revision: int | None
    has_unpublished_changes: bool
    review_approved: bool
    head_author: str  # a second editor approves it when review is required (Settings.require_review)
    head_author_name: str | None = None
    draft: dict
    published: dict | None


class OfficeRow(BaseModel):
    id: str
    kind: str
    name: str = Field(description="the Korean name of the draft")
    verified: bool
    checked: str
    head_revision: int
    published_revision: int | None


def _file_order(data: dict, position: int) -> tuple[str, int]:
    return (f"{data['kind']}.json", position)  # office_files' order: by file name, then place in the file


@dataclass
class OfficeStore:
    database: db.Database
    known: frozenset[tuple[str, str]]  # (province, district) in regions.json

    # ---- reading -------------------------------------------------------------------------------------
    def _row(self, office_id: str) -> dict:
        rows = list(self.database.query("SELECT * FROM office_records WHERE id = ?", [office_id]))
        if not rows:
            raise OfficeError(ErrorCode.OFFICE_NOT_FOUND, f"No office with id '{office_id}'.")
        return rows[0]

    def revision_data(self, office_id: str, number: int) -> dict:
        row = self.database.execute("SELECT data FROM office_revisions WHERE office_id = ? AND number = ?",
                                    [office_id, number]).fetchone()
        if row is None:
            raise OfficeError(ErrorCode.REVISION_NOT_FOUND, f"Office '{office_id}' has no revision {number}.")
        return json.loads(row[0])

    def _records(self, pointer: str) -> list[dict]:
        """Every record's head ("head_revision") or live ("published_revision") data, in the files' order."""
        rows = self.database.execute(
            f"SELECT r.data, o.position FROM office_records o JOIN office_revisions r ON r.office_id = o.id "
            f"AND r.number = o.{pointer}").fetchall()
        found = [(json.loads(data), position) for data, position in rows]
        return [data for data, position in sorted(found, key=lambda t: _file_order(*t))]

    def published(self) -> list[dict]:
        return self._records("published_revision")

    def drafts(self) -> list[dict]:
        return self._records("head_revision")

    def published_offices(self) -> list[Office]:
        return [Office.model_validate(r) for r in self.published()]

    def state(self, office_id: str) -> OfficeState:
        row = self._row(office_id)
        head, live = row["head_revision"], row["published_revision"]
        author = self.database.execute("SELECT author FROM office_revisions WHERE office_id = ? AND number = ?",
                                       [office_id, head]).fetchone()[0]
        return OfficeState(id=office_id, head_revision=head, published_revision=live,
                           has_unpublished_changes=head != live, review_approved=row["review_approved_revision"] == head,
                           head_author=author, draft=self.revision_data(office_id, head),
                           published=self.revision_data(office_id, live) if live else None)

    def rows(self) -> list[OfficeRow]:
        pointers = {r[0]: (r[1], r[2]) for r in self.database.execute(
            "SELECT id, head_revision, published_revision FROM office_records")}
        return [OfficeRow(id=d["id"], kind=d["kind"], name=d["name"].get("ko", ""), verified=d.get("verified", False),
                          checked=d["checked"], head_revision=pointers[d["id"]][0],
                          published_revision=pointers[d["id"]][1]) for d in self.drafts()]

    def revisions(self, office_id: str) -> list[RevisionOut]:
        published = self._row(office_id)["published_revision"]
        return [RevisionOut(number=r[0], author=r[1], created_at=r[2], note=r[3], published=r[0] == published)
                for r in self.database.execute(
                    "SELECT number, author, created_at, note FROM office_revisions WHERE office_id = ? ORDER BY number",
                    [office_id])]

    # ---- writing -------------------------------------------------------------------------------------
    def _write(self, data: dict, author: str, note: str) -> int:
        """Inside a transaction: a new head revision (a new record goes last in its file)."""
        row = self.database.execute("SELECT head_revision FROM office_records WHERE id = ?", [data["id"]]).fetchone()
        number = (row[0] if row else 0) + 1
        if row is None:
            position = self.database.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM office_records").fetchone()[0]
            self.database.execute("INSERT INTO office_records (id, position, head_revision) VALUES (?, ?, ?)",
                                  [data["id"], position, number])
        else:
            self.database.execute("UPDATE office_records SET head_revision = ? WHERE id = ?", [number, data["id"]])
        self.database.execute(
            "INSERT INTO office_revisions (office_id, number, data, author, created_at, note) VALUES (?, ?, ?, ?, ?, ?)",
            [data["id"], number, json.dumps(data, ensure_ascii=False), author, iso(utcnow()), note])
        return number

    def save(self, data: dict, author: str, note: str = "", create: bool = False) -> int:
        """Create (create=True) or change a record from its whole JSON; returns the head revision number. Its
        districts may not be claimed by another record's draft of the same kind."""
        data = clean(data)
        with db.transaction(self.database):
            record = check_record(data, self.known, claims_of(self.drafts(), data.get("kind"), data.get("id")))
            exists = self.database.execute("SELECT head_revision FROM office_records WHERE id = ?",
                                           [record.id]).fetchone()
            if create and exists:
                raise OfficeError(ErrorCode.DUPLICATE_ID, f"An office with id '{record.id}' already exists.")
            if not create and not exists:
                raise OfficeError(ErrorCode.OFFICE_NOT_FOUND, f"No office with id '{record.id}'.")
            if exists and self.revision_data(record.id, exists[0]) == data:
                return exists[0]  # nothing changed: no empty revision in the history
            return self._write(data, author, note)

    def approve(self, office_id: str, reviewer: str) -> int:
        with db.transaction(self.database):
            head = self._row(office_id)["head_revision"]
            author = self.database.execute("SELECT author FROM office_revisions WHERE office_id = ? AND number = ?",
                                           [office_id, head]).fetchone()[0]
            if author == reviewer:
                raise OfficeError(ErrorCode.SELF_REVIEW,
                                  "A second editor must review a change; you wrote this revision.")
            self.database.execute("UPDATE office_records SET review_approved_revision = ?, review_approved_by = ? "
                                  "WHERE id = ?", [head, reviewer, office_id])
            return head

    def mark_published(self, office_id: str, require_review: bool) -> int:
        """Make the head revision the live one. Its districts may not be claimed by another live record: when
        a district moves between offices, the one giving it up is published first."""
        with db.transaction(self.database):
            row = self._row(office_id)
            if require_review and row["review_approved_revision"] != row["head_revision"]:
                raise OfficeError(ErrorCode.REVIEW_REQUIRED,
                                  f"Revision {row['head_revision']} of '{office_id}' needs a second editor's review "
                                  "before it can be published.")
            head = self.revision_data(office_id, row["head_revision"])
            check_record(head, self.known, claims_of(self.published(), head["kind"], office_id))
            self.database.execute("UPDATE office_records SET published_revision = head_revision WHERE id = ?",
                                  [office_id])
            if row["published_revision"] != row["head_revision"]:
                live_versions.bump(self.database, live_versions.OFFICES)  # other replicas reload their directory
            return row["head_revision"]

    def import_records(self, records: list[dict], author: str, only_new: bool = False) -> dict[str, int]:
        """Bring records in and publish them, in one transaction (a seed, or `offices import`). The caller has
        checked them together (check_file): they may move a district between two of them."""
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        moved = 0
        with db.transaction(self.database):
            for data in map(clean, records):
                row = self.database.execute("SELECT head_revision FROM office_records WHERE id = ?",
                                            [data["id"]]).fetchone()
                if row is not None and (only_new or self.revision_data(data["id"], row[0]) == data):
                    counts["unchanged"] += 1
                    number = row[0]
                else:
                    counts["created" if row is None else "updated"] += 1
                    number = self._write(data, author, "seed" if only_new else "import")
                moved += self.database.execute(
                    "UPDATE office_records SET published_revision = ? WHERE id = ? "
                    "AND (published_revision IS NULL OR published_revision <> ?)",  # IS NOT: SQLite only
                    [number, data["id"], number]).rowcount
            if moved:  # what the service answers from changed: other replicas reload their directory
                live_versions.bump(self.database, live_versions.OFFICES)
        return counts

    def check_file(self, records: object, location: str, only_new: bool = False) -> tuple[list[dict], list[EntryProblem]]:
        """(valid records, problems) of a file's records, checked as they would be live together with the
        other published records; with only_new, records the database knows are left out (the seed)."""
        if not isinstance(records, list):
            return [], [EntryProblem(location=location, entry_id=None, field="(file)",
                                     reason="an office file is a JSON list of records")]
        present = {r[0] for r in self.database.execute("SELECT id FROM office_records")}
        ids = [r.get("id") for r in records if isinstance(r, dict)]
        # What the checked records will sit beside once live: a seed leaves every known record as it is; an
        # import replaces the live version of the records it brings.
        live = [r for r in self.published() if only_new or r["id"] not in ids]
        accepted: list[dict] = []
        problems: list[EntryProblem] = []
        for i, data in enumerate(records):
            where = f"{location}, record #{i + 1}"
            if not isinstance(data, dict):
                problems.append(EntryProblem(location=where, entry_id=None, field="(record)",
                                             reason="a record is a JSON object"))
                continue
            if only_new and data.get("id") in present:
                continue
            if data.get("id") is not None and ids.count(data.get("id")) > 1:
                problems.append(EntryProblem(location=where, entry_id=str(data["id"]), field="id",
                                             reason="the id appears more than once in the file"))
                continue
            try:
                check_record(clean(data), self.known, claims_of(live + accepted, data.get("kind"), data.get("id")),
                             where)
            except OfficeError as exc:
                problems += exc.problems
                continue
            accepted.append(clean(data))
        return accepted, problems
