"""Office records and their files: the seed at start, the live directory, and export in the repository's format.

knowledge_base/offices/<kind>.json is what `offices export` writes and `offices import` and the seed read; the
store (offices_store.py) holds the revisions.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from .. import db
from ..knowledge_base import EntryProblem
from ..offices import OfficeDirectory, load_regions, office_files, offices_folder
from .offices_store import OfficeStore, known_districts

log = logging.getLogger(__name__)


def write_files(records: list[dict], folder: Path) -> dict[str, int]:
    """Records as <kind>.json in the repository's format (one-space indent, UTF-8 text); returns counts."""
    folder.mkdir(parents=True, exist_ok=True)
    by_file: dict[str, list[dict]] = {}
    for data in records:
        by_file.setdefault(f"{data['kind']}.json", []).append(data)
    for name, items in by_file.items():
        (folder / name).write_text(json.dumps(items, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return {name: len(items) for name, items in sorted(by_file.items())}


def read_file(path: Path) -> tuple[object, list[EntryProblem]]:
    try:
        return json.loads(path.read_text(encoding="utf-8")), []
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, [EntryProblem(location=str(path), entry_id=None, field="(file)", reason=str(exc))]


def seed(store: OfficeStore, folder: Path) -> dict[str, int]:
    """Records of the files the database has never seen, checked and published; an invalid one is skipped
    with a warning (the rest still serve), as invalid entries are."""
    fresh: list[dict] = []
    for path in office_files(folder):
        raw, problems = read_file(path)
        if not problems:
            records, problems = store.check_file(raw, str(path), only_new=True)
            fresh += records
        for p in problems:
            log.warning("office record skipped: %s: office %s: field %s: %s", p.location, p.entry_id or "?",
                        p.field, p.reason)
    return store.import_records(fresh, author="seed", only_new=True) if fresh else {}


def open_directory(database: db.Database, kb_path: Path) -> OfficeDirectory:
    """The live directory at start: new file records seeded, then the published records of the database."""
    folder = offices_folder(kb_path)
    provinces, districts = load_regions(folder)
    store = OfficeStore(database, known_districts(districts))
    counts = seed(store, folder)
    if counts.get("created"):
        log.warning("seeded %d office record(s) from %s", counts["created"], folder)
    return OfficeDirectory(store.published_offices(), provinces, districts)


_swap_lock = threading.Lock()


def go_live(store: OfficeStore, service) -> OfficeDirectory:
    """Replace the service's directory with the published records, keeping its place names (regions.json is
    not edited here). One assignment, so a question sees the old directory or the new one; the lock makes the
    last assignment the one built last, so two publishes at once cannot leave the earlier one live."""
    with _swap_lock:
        current = service.offices or OfficeDirectory([], [], [])
        service.offices = OfficeDirectory(store.published_offices(), current.provinces, current.districts)
        return service.offices
