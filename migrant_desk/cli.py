"""`migrant-desk` command line. Each command mirrors a Python function; options override MIGRANT_DESK_* settings."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from .config import Settings
from . import redaction
from .editorial.offices_cli import register as register_office_commands
from .errors import StartupError
from .reports.service import CHART_IDS
from .tickets.cli import register as register_ticket_commands
from .translation.cli import register as register_translation_commands


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {}
    for name in ("kb_path", "index_dir", "model", "engine", "host", "port", "cache_dir"):
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = value
    overrides.update(database_overrides(getattr(args, "db_path", None)))
    return Settings(**overrides)


def database_overrides(value: str | None) -> dict:
    """--db: a file (SQLite) or a postgresql:// URL; either replaces MIGRANT_DESK_DATABASE_URL for this run."""
    from .db import sqlite_path

    if value is None:
        return {}
    path = sqlite_path(value)  # a file, or sqlite:///path
    return {"database_url": value} if path is None else {"db_path": path, "database_url": None}


def dt_date(text: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}")


def _fail(message: str, code: int = 1) -> int:
    print(f"migrant-desk: error: {message}", file=sys.stderr)
    return code


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .api import create_app

    settings = _settings(args)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")
    return 0


def cmd_index_build(args: argparse.Namespace) -> int:
    from .runtime import ensure_index, make_embedder, open_knowledge_base

    settings = _settings(args)
    store, _, entries, problems = open_knowledge_base(settings)
    embedder = make_embedder(settings, store)
    index, rebuilt = ensure_index(settings, entries, embedder, force=args.force)
    m = index.manifest
    state = "built" if rebuilt else "up to date"
    print(f"index {settings.index_name} {state}: {m.entry_count} entries, {m.vector_count} vectors, "
          f"model {m.model_id}, build {m.build_id} ({m.build_seconds}s); embedding cache hits {embedder.hits}, "
          f"misses {embedder.misses}")
    from .translation import open_translator  # knowledge-base answers are translated at index build

    t = open_translator(settings, store, embedder).pretranslate(entries)
    print(f"translation memory: {t.translated} translated ({t.rejected} rejected by the gate), {t.reused} "
          f"reused, {t.staled} marked stale; no model for: {t.no_model or 'none'}")
    if problems:
        print(f"{len(problems)} problem(s) in the knowledge base; those entries were skipped:", file=sys.stderr)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from .languages import SUPPORTED_LANGUAGES
    from .runtime import start

    if args.lang and args.lang not in SUPPORTED_LANGUAGES:
        return _fail(f"unknown language code '{args.lang}'; supported: {', '.join(SUPPORTED_LANGUAGES)}", 2)
    if not args.text.strip():
        return _fail("the question text is empty", 2)
    result = start(_settings(args)).service.ask(args.text, args.lang)
    if args.json:
        print(result.model_dump_json(indent=2))
        return 0
    print(f"[{result.lang}, {result.lang_reason}] confidence {result.confidence} (score {result.score})")
    if result.answer:
        a = result.answer
        print(f"\n{a.question}\n\n{a.answer}\n\nsource: {a.source.title} <{a.source.url}>")
        if a.contact:
            print(f"contact: {a.contact.agency} {a.contact.phone or ''} {a.contact.url or ''}".rstrip())
        if result.notice:
            print(f"note: {result.notice}")
    else:
        print(f"\n{result.message}")
    for alt in result.alternatives:
        print(f"  - {alt.question} ({alt.id}, {alt.score})")
    return 0


def cmd_kb_validate(args: argparse.Namespace) -> int:
    from . import knowledge_base

    path = Path(args.path) if args.path else Settings().kb_path
    try:
        result = knowledge_base.load(path)
    except FileNotFoundError as exc:
        return _fail(str(exc), 2)
    for p in result.problems:
        print(str(p), file=sys.stderr)
    langs: dict[str, int] = {}
    for e in result.entries:
        for code in e.translations:
            langs[code] = langs.get(code, 0) + 1
    print(f"{len(result.entries)} valid entries, {len(result.problems)} problem(s) in {path}; "
          f"variants per language: {json.dumps(langs, sort_keys=True)}")
    return 1 if result.problems else 0


def cmd_kb_export(args: argparse.Namespace) -> int:
    """Published entries from the database (the source of truth), or, with --from, a file knowledge base."""
    from . import knowledge_base

    if args.source:
        result = knowledge_base.load(Path(args.source))
        if result.problems:
            for p in result.problems:
                print(str(p), file=sys.stderr)
            return _fail("the knowledge base has invalid entries; fix them before exporting")
        entries = result.entries
    else:
        from .runtime import open_knowledge_base

        _, _, entries, _ = open_knowledge_base(_settings(args))
    out = Path(args.out)
    if out.suffix == ".jsonl":
        knowledge_base.write_jsonl(entries, out)
    else:
        knowledge_base.write_yaml_dir(entries, out)
    print(f"exported {len(entries)} entries to {out}")
    return 0


def cmd_kb_import(args: argparse.Namespace) -> int:
    """Import and publish entries into the database; unchanged entries make no new revision. Refuses the whole
    import if any entry is invalid, so nothing half-imported is published."""
    from . import knowledge_base
    from .db import open_store
    from .editorial.store import EditorialStore

    try:
        result = knowledge_base.load(Path(args.path))
    except FileNotFoundError as exc:
        return _fail(str(exc), 2)
    if result.problems:
        for p in result.problems:
            print(str(p), file=sys.stderr)
        return _fail(f"{len(result.problems)} problem(s) in {args.path}; nothing was imported")
    settings = _settings(args)
    store = open_store(settings)
    counts = EditorialStore(store.db).import_entries(result.entries, author=args.author)
    print(f"imported {len(result.entries)} entries into {store.describe()}: {json.dumps(counts)}; "
          "servers running on this database serve them within seconds (they watch its live version)")
    return 0


def _eval_service(args: argparse.Namespace):
    """A throwaway index for the given knowledge base: the serving index is never touched."""
    from .abstention import load_calibration
    from .runtime import build_index, load_entries, make_embedder
    from .service import DeskService

    from .calibrate import restricted

    settings = _settings(args)
    entries, _ = load_entries(Path(args.kb))
    if getattr(args, "only_langs", None):
        entries = restricted(entries, set(args.only_langs.split(",")))
    embedder = make_embedder(settings)
    index = build_index(entries, embedder, show_progress=False)
    calibration = load_calibration(Path(args.calibration) if args.calibration else None)
    return DeskService(entries, index, embedder, calibration, settings.default_lang)


def cmd_eval(args: argparse.Namespace) -> int:
    from . import evaluation

    try:
        queries = evaluation.read_queries(Path(args.queries), args.split)
    except (OSError, ValueError) as exc:
        return _fail(str(exc), 2)
    service = _eval_service(args)
    results = evaluation.run(service, queries)
    if args.rankings:
        evaluation.write_rankings(results, Path(args.rankings))
    summary = evaluation.summarise(queries, results)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(evaluation.table(summary))
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    from . import calibrate, evaluation
    from .abstention import bundled_calibration_path, save_calibration

    queries = evaluation.read_queries(Path(args.queries), "tune")
    service = _eval_service(args)
    cal = calibrate.fit(service, queries, tuned_on=f"{args.queries} (tune split, {len(queries)} queries)")
    out = Path(args.out) if args.out else bundled_calibration_path()
    save_calibration(cal, out)
    print(cal.model_dump_json(indent=2))
    print(f"wrote {out}", file=sys.stderr)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """The same rows as GET /v1/reports/outcomes (or, with --chart, one chart's table as
    GET /v1/reports/{chart}.csv gives it), from the database."""
    import datetime as dt

    from .clock import utcnow
    from .db import open_store
    from .reports.api import as_csv
    from .reports.counts import OutcomeCounter
    from .reports.service import report_charts, table_csv

    settings = _settings(args)
    store = open_store(settings)  # applies pending migrations
    until = args.until or dt.date.today()
    if args.chart:
        table = report_charts(store.db, args.since, until, "en", utcnow(), only=args.chart)[0].table
        if args.format == "csv":
            sys.stdout.write(table_csv(table))
        else:
            print(json.dumps([dict(zip(table.columns, row)) for row in table.rows], ensure_ascii=False, indent=2))
        return 0
    rows = OutcomeCounter(store).rows(args.since, until)
    if args.format == "csv":
        sys.stdout.write(as_csv(rows))
    else:
        print(json.dumps([r.model_dump() for r in rows], ensure_ascii=False, indent=2))
    return 0


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.0f} kB"


def cmd_backup(args: argparse.Namespace) -> int:
    """The same as backup.backup(): a consistent copy while the service runs."""
    from .backup import BackupError, backup

    settings = _settings(args)
    try:
        r = backup(settings.database, Path(args.out), overwrite=args.force)
    except BackupError as exc:
        return _fail(str(exc))
    print(f"backed up {r.source} to {r.target}: {r.tables} tables, {r.rows} rows, {len(r.migrations)} migrations, "
          f"{_size(r.bytes)} in {r.seconds} s")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """The same as backup.restore(): refused while a server holds the database, unless --force."""
    from .backup import BackupError, restore

    settings = _settings(args)
    try:
        r = restore(Path(args.source), settings.database, force=args.force)
    except BackupError as exc:
        return _fail(str(exc))
    newer = f"; applied {len(r.applied_now)} newer migration(s): {', '.join(r.applied_now)}" if r.applied_now else ""
    print(f"restored {r.target} from {r.source}: {r.tables} tables, {r.rows} rows{newer}")
    if args.force:
        print("a server that was running on this database still serves what it loaded at start: restart it",
              file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="migrant-desk", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--kb", dest="kb_path", type=Path, help="knowledge-base directory or .jsonl")
        p.add_argument("--index-dir", type=Path, help="index directory (default: ./indexes)")
        p.add_argument("--model", help="sentence-transformers model name or path (default: multilingual-e5-small)")
        p.add_argument("--cache-dir", type=Path, help="model and embedding cache")
        p.add_argument("--engine", choices=["onnx", "torch"], help="inference engine of the default model")
        p.add_argument("--db", dest="db_path", help="database file or postgresql:// URL (default: var/migrant-desk.db)")

    p = sub.add_parser("serve", help="run the HTTP service")
    common(p)
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.set_defaults(func=cmd_serve)

    index = sub.add_parser("index", help="manage the serving index").add_subparsers(dest="action", required=True)
    p = index.add_parser("build", help="build the index if it is missing or stale")
    common(p)
    p.add_argument("--force", action="store_true", help="rebuild even when up to date")
    p.set_defaults(func=cmd_index_build)

    p = sub.add_parser("ask", help="ask a question from the command line")
    common(p)
    p.add_argument("text")
    p.add_argument("--lang")
    p.add_argument("--json", action="store_true", help="print the full /v1/ask response")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("report", help="questions per day, language, category and outcome (counts only)")
    p.add_argument("--since", type=dt_date, required=True, help="first day, YYYY-MM-DD")
    p.add_argument("--until", type=dt_date, help="last day (default: today)")
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.add_argument("--chart", choices=CHART_IDS, help="one report's table, as GET /v1/reports/{chart}.csv gives it")
    p.add_argument("--db", dest="db_path", help="database file or postgresql:// URL (default: var/migrant-desk.db)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("backup", help="copy the database to OUT, consistently, while the service runs")
    p.add_argument("out", metavar="OUT")
    p.add_argument("--db", dest="db_path", help="database file or postgresql:// URL (default: var/migrant-desk.db)")
    p.add_argument("--force", action="store_true", help="replace OUT if it exists")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help="replace the database with the backup IN (not while a server runs on it)")
    p.add_argument("source", metavar="IN")
    p.add_argument("--db", dest="db_path", help="database file or postgresql:// URL (default: var/migrant-desk.db)")
    p.add_argument("--force", action="store_true", help="restore even though a running server holds the "
                                                        "database (restart it afterwards)")
    p.set_defaults(func=cmd_restore)

    kb = sub.add_parser("kb", help="knowledge-base tools").add_subparsers(dest="action", required=True)
    p = kb.add_parser("validate", help="check every entry; exit 1 if any is invalid")
    p.add_argument("path", nargs="?")
    p.set_defaults(func=cmd_kb_validate)
    p = kb.add_parser("export", help="write the published entries as OUT.jsonl or a YAML directory OUT")
    p.add_argument("out")
    p.add_argument("--from", dest="source", help="export this knowledge-base path instead of the database")
    p.add_argument("--db", dest="db_path", help="database file or postgresql:// URL (default: var/migrant-desk.db)")
    p.add_argument("--kb", dest="kb_path", type=Path, help="seed for an empty database")
    p.set_defaults(func=cmd_kb_export)
    p = kb.add_parser("import", help="import and publish entries from a YAML directory or .jsonl into the database")
    p.add_argument("path")
    p.add_argument("--db", dest="db_path", help="database file or postgresql:// URL (default: var/migrant-desk.db)")
    p.add_argument("--author", default="import", help="who the revisions are attributed to")
    p.set_defaults(func=cmd_kb_import)

    for name, func, helptext in (("eval", cmd_eval, "evaluate retrieval and abstention on labelled queries"),
                                 ("calibrate", cmd_calibrate, "tune abstention thresholds on the tune split")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--kb", required=True, help="knowledge_base/ directory or KB.jsonl")
        p.add_argument("--queries", required=True)
        p.add_argument("--model")
        p.add_argument("--engine", choices=["onnx", "torch"])
        p.add_argument("--cache-dir", type=Path)
        p.add_argument("--calibration", help="calibration JSON (default: the bundled one)")
        p.set_defaults(func=func)
        if name == "eval":
            p.add_argument("--rankings", help="write one JSON line per query here")
            p.add_argument("--split", choices=["all", "tune", "report"], default="all")
            p.add_argument("--only-langs", help="evaluate the knowledge base with only these variants, e.g. ko or "
                                                "ko,en (another knowledge base for the same questions)")
            p.add_argument("--json", action="store_true", help="print the summary as JSON")
        else:
            p.add_argument("--out", help="where to write the calibration (default: the bundled file)")
    register_ticket_commands(sub)  # users ..., tickets ...
    register_translation_commands(sub)  # translate install/list/pretranslate/...
    register_office_commands(sub)  # offices export/import
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("faiss").setLevel(logging.WARNING)
    redaction.install()  # no phone, registration or passport number, or email, in the logs
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except StartupError as exc:
        return _fail(str(exc))


if __name__ == "__main__":
    sys.exit(main())
