"""Knowledge-base entries: the pydantic models, and reading/writing them as YAML files or JSON Lines.

One YAML file per entry under knowledge_base/ (what editors read and diff); the same entries as JSON Lines for
bulk import and export. Loading never stops at the first problem: every invalid entry is reported with its
file (or line), entry id, field and reason, so an editor can fix them all in one go. What a caller does with
invalid entries is its choice (`kb validate` exits 1; an index build skips them and reports them).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, ValidationError, field_validator

from .languages import SUPPORTED_LANGUAGES

ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,63}$"
MAX_QUESTION_CHARS = 300
MAX_ANSWER_CHARS = 3000
# Every alternate is a vector and a publish embeds the new ones: 300 new alternates delayed /v1/ask by up to
# 3.5 s (issue 12). The bundled entries use at most 5 alternates and 6 tags.
MAX_ALTERNATES = 20
MAX_TAGS = 20
MAX_TAG_CHARS = 64


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=300)
    url: HttpUrl


_DAY = r"(?:mon|tue|wed|thu|fri|sat|sun)"
_SPAN = rf"{_DAY}(?:-{_DAY})? \d\d:\d\d-\d\d:\d\d"
# "24h", or day spans with times: "mon-fri 09:00-22:00; sat 09:00-13:00" (machine-readable, rendered per locale).
HOURS_PATTERN = rf"^(?:24h|{_SPAN}(?:; {_SPAN})*)$"


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agency: str = Field(min_length=1, max_length=200)
    phone: str | None = Field(None, pattern=r"^[0-9][0-9-]{1,19}$")
    url: HttpUrl | None = None
    hours: str | None = Field(None, pattern=HOURS_PATTERN)
    languages: list[str] = Field(default_factory=list)  # ISO 639-1 codes the line serves (any, not only ours)
    address: str | None = Field(None, max_length=300)

    @field_validator("languages")
    @classmethod
    def _language_codes(cls, v: list[str]) -> list[str]:
        bad = [c for c in v if not re.fullmatch(r"[a-z]{2,3}", c)]
        if bad:
            raise ValueError(f"language codes must be ISO 639 codes like 'vi': {bad}")
        return v


class Variant(BaseModel):
    """One language's text of an entry."""

    model_config = ConfigDict(extra="forbid")
    question: str = Field("", max_length=MAX_QUESTION_CHARS)
    alternates: list[str] = Field(default_factory=list, max_length=MAX_ALTERNATES)
    answer: str = Field(min_length=1, max_length=MAX_ANSWER_CHARS)
    # Provenance: who wrote this text, and whether a native speaker has checked it. An unchecked variant is
    # shown with a gentle localized mark (locales/messages.yaml: unreviewed_notice).
    written_by: str = Field("migrant-desk team", max_length=100)
    native_reviewed: bool = False

    @field_validator("answer")
    @classmethod
    def _answer_not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("answer must not be blank")
        return v.strip()

    @field_validator("alternates")
    @classmethod
    def _alternates_not_blank(cls, v: list[str]) -> list[str]:
        if any(not a.strip() or len(a) > MAX_QUESTION_CHARS for a in v):
            raise ValueError(f"alternates must be non-empty and at most {MAX_QUESTION_CHARS} characters")
        return [a.strip() for a in v]


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=ID_PATTERN)
    category: str = Field(min_length=1, max_length=64)
    # Crisis and violence entries: offered as an alternative only on strong evidence, never as the first guess
    # for a question the desk did not understand (service.py); as an answer they are shown like any other.
    sensitive: bool = False
    tags: list[Annotated[str, Field(max_length=MAX_TAG_CHARS)]] = Field(default_factory=list, max_length=MAX_TAGS)
    source: Source  # the page that states the facts (not a home page)
    further_sources: list[Source] = Field(default_factory=list)
    updated: dt.date  # the date the facts were last checked against the sources
    review_by: dt.date | None = None  # when an editor should check the facts again
    valid_until: dt.date | None = None  # after this date the answer is out of date (e.g. a yearly rate)
    contact: Contact | None = None
    translations: dict[str, Variant] = Field(min_length=1)

    @field_validator("tags", mode="before")
    @classmethod
    def _tags_as_text(cls, v: object) -> object:
        # An editor writing `tags: [1345]` means the string "1345"; YAML reads it as a number.
        return [str(t) if isinstance(t, int | float) else t for t in v] if isinstance(v, list) else v

    @field_validator("translations")
    @classmethod
    def _known_languages(cls, v: dict[str, Variant]) -> dict[str, Variant]:
        unknown = sorted(set(v) - set(SUPPORTED_LANGUAGES))
        if unknown:
            raise ValueError(f"unknown language code(s) {unknown}; supported: {sorted(SUPPORTED_LANGUAGES)}")
        return v

    def dump(self) -> dict:
        return self.model_dump(mode="json", exclude_none=True)


class EntryProblem(BaseModel):
    """Where and why one entry is invalid."""

    location: str  # "knowledge_base/x.yaml" or "kb.jsonl:12"
    entry_id: str | None
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.location}: entry {self.entry_id or '?'}: field {self.field}: {self.reason}"


class LoadResult(BaseModel):
    entries: list[Entry]
    problems: list[EntryProblem]


def problems_from(exc: ValidationError, location: str, entry_id: str | None) -> list[EntryProblem]:
    return [
        EntryProblem(
            location=location, entry_id=entry_id,
            field=".".join(str(p) for p in err["loc"]) or "(entry)", reason=err["msg"],
        )
        for err in exc.errors()
    ]


def _parse(raw: object, location: str) -> tuple[Entry | None, list[EntryProblem]]:
    if not isinstance(raw, dict):
        return None, [EntryProblem(location=location, entry_id=None, field="(entry)", reason="not a mapping")]
    entry_id = raw.get("id") if isinstance(raw.get("id"), str) else None
    try:
        return Entry.model_validate(raw), []
    except ValidationError as exc:
        return None, problems_from(exc, location, entry_id)


# (parsed document or None, location, parse error or None)
RawItem = tuple[object, str, str | None]


def _read_yaml_file(file: Path) -> RawItem:
    try:
        return yaml.safe_load(file.read_text(encoding="utf-8")), str(file), None
    except yaml.YAMLError as exc:
        return None, str(file), "YAML error: " + " ".join(str(exc).split())


def _read_jsonl(path: Path) -> list[RawItem]:
    items: list[RawItem] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append((json.loads(line), f"{path}:{n}", None))
        except json.JSONDecodeError as exc:
            items.append((None, f"{path}:{n}", f"JSON error: {exc}"))
    return items


def load(path: Path) -> LoadResult:
    """Read a knowledge_base/ directory of YAML files, a single YAML file, or a .jsonl file."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"knowledge base not found: {path}")
    if path.is_dir():
        items = [_read_yaml_file(f) for f in sorted(path.glob("*.y*ml"))]
    elif path.suffix == ".jsonl":
        items = _read_jsonl(path)
    else:
        items = [_read_yaml_file(path)]
    entries: list[Entry] = []
    problems: list[EntryProblem] = []
    seen: dict[str, str] = {}
    for raw, location, parse_error in items:
        if parse_error:
            problems.append(EntryProblem(location=location, entry_id=None, field="(file)", reason=parse_error))
            continue
        entry, errs = _parse(raw, location)
        problems.extend(errs)
        if entry is None:
            continue
        if path.is_dir() and Path(location).stem != entry.id:
            problems.append(EntryProblem(location=location, entry_id=entry.id, field="id",
                                         reason=f"file name must be {entry.id}.yaml"))
            continue
        if entry.id in seen:
            problems.append(EntryProblem(location=location, entry_id=entry.id, field="id",
                                         reason=f"duplicate id (first defined in {seen[entry.id]})"))
            continue
        seen[entry.id] = location
        entries.append(entry)
    return LoadResult(entries=entries, problems=problems)


def content_hash(entries: list[Entry]) -> str:
    """A hash of what the index depends on: every entry's full content, order-independent."""
    h = hashlib.sha256()
    for entry in sorted(entries, key=lambda e: e.id):
        h.update(json.dumps(entry.dump(), sort_keys=True, ensure_ascii=False).encode())
    return h.hexdigest()


def write_jsonl(entries: list[Entry], path: Path) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for entry in entries:
            f.write(json.dumps(entry.dump(), ensure_ascii=False) + "\n")


def write_yaml_dir(entries: list[Entry], directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for entry in entries:
        text = yaml.safe_dump(entry.dump(), allow_unicode=True, sort_keys=False, width=110)
        (directory / f"{entry.id}.yaml").write_text(text, encoding="utf-8")


_WS = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    return _WS.sub(" ", text).strip()
