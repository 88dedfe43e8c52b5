"""`migrant-desk offices export DIR` and `migrant-desk offices import FILE`: office records between the database
(where editors change them) and knowledge_base/offices/<kind>.json (what is committed).

Registered from cli.build_parser with `register(sub)`. Both open the database the service uses (--db or
MIGRANT_DESK_DB_PATH) and first seed it with file records it has never seen, as the service does at start.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..config import Settings
from ..db import open_store
from .offices_files import open_directory, read_file, write_files
from .offices_store import OfficeStore, known_districts


def _open(args: argparse.Namespace) -> OfficeStore:
    from ..cli import database_overrides

    overrides = {"kb_path": args.kb} if args.kb is not None else {}
    settings = Settings(**overrides, **database_overrides(args.db))
    database = open_store(settings).db
    directory = open_directory(database, settings.kb_path)  # districts are checked against its regions.json
    return OfficeStore(database, known_districts(directory.districts))


def _fail(message: str, code: int) -> int:
    print(f"migrant-desk: error: {message}", file=sys.stderr)
    return code


def cmd_offices_export(args: argparse.Namespace) -> int:
    """The published records as <kind>.json, in the files' order and format: commit them as they are."""
    store = _open(args)
    counts = write_files(store.published(), Path(args.dir))
    listed = ", ".join(f"{name} ({n})" for name, n in counts.items()) or "none"
    print(f"exported {sum(counts.values())} office records to {args.dir}: {listed}")
    return 0


def cmd_offices_import(args: argparse.Namespace) -> int:
    """Check every record of FILE (with the published ones it will sit beside); import and publish them only
    when all are valid, so nothing half-imported goes live."""
    path = Path(args.file)
    raw, problems = read_file(path)
    if problems and not path.is_file():
        return _fail(f"{path}: no such file", 2)
    store = _open(args)
    if not problems:
        records, problems = store.check_file(raw, str(path))
    for p in problems:
        print(f"{p.location}: office {p.entry_id or '?'}: field {p.field}: {p.reason}", file=sys.stderr)
    if problems:
        return _fail(f"{len(problems)} problem(s) in {path}; nothing was imported", 1)
    counts = store.import_records(records, author=args.author)
    print(f"imported {len(records)} office records from {path}: {counts}; a running service shows them after "
          "its restart")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    offices = sub.add_parser("offices", help="office records: export to / import from JSON files").add_subparsers(
        dest="action", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--db", help="the service database, a file or a postgresql:// URL (default: "
                                    "MIGRANT_DESK_DATABASE_URL, MIGRANT_DESK_DB_PATH or var/)")
        p.add_argument("--kb", type=Path, help="knowledge base whose offices/ seeds the database and gives regions.json")

    p = offices.add_parser("export", help="write the published office records as DIR/<kind>.json")
    p.add_argument("dir")
    common(p)
    p.set_defaults(func=cmd_offices_export)
    p = offices.add_parser("import", help="check a <kind>.json file and publish its records; exit 1 naming the "
                                          "record and field of any problem")
    p.add_argument("file")
    p.add_argument("--author", default="import", help="who the revisions are attributed to")
    common(p)
    p.set_defaults(func=cmd_offices_import)
