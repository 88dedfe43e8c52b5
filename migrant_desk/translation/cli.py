"""`migrant-desk translate ...`: install and list models, pre-translate the knowledge base, review the
memory, calibrate the gate. Registered from cli.build_parser with `register(sub)`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..config import Settings
from ..languages import FALLBACK_ORDER, SUPPORTED_LANGUAGES


def _fail(message: str, code: int = 1) -> int:
    print(f"migrant-desk: error: {message}", file=sys.stderr)
    return code


def _backend(settings: Settings):
    from . import packages_dir
    from .backend import ArgosBackend

    return ArgosBackend(packages_dir(settings), settings.translation_index_url)


def cmd_install(args: argparse.Namespace) -> int:
    from .backend import PackageError

    settings = Settings()
    backend = _backend(settings)
    if args.from_index and args.paths:
        return _fail("give package files or --from-index FROM TO, not both", 2)
    if not args.from_index and not args.paths:
        return _fail("give a package file (translate install PATH) or --from-index FROM TO", 2)
    failed = 0
    jobs = [("index", tuple(args.from_index))] if args.from_index else [("file", path) for path in args.paths]
    for kind, what in jobs:
        try:
            if kind == "index":
                for code in what:
                    if code not in SUPPORTED_LANGUAGES:
                        print(f"note: '{code}' is not one of migrant-desk's languages", file=sys.stderr)
                pkg = backend.fetch_from_index(*what)
            else:
                pkg = backend.install(Path(what))
        except PackageError as exc:
            _fail(f"{exc}; nothing was changed")
            failed += 1
            continue
        print(f"installed {pkg.from_code} -> {pkg.to_code} (version {pkg.version}, model {pkg.model_id}) "
              f"in {pkg.path}")
    if failed < len(jobs):
        print("The knowledge base is translated for new models at the next `migrant-desk index build`, service "
              "start or publish; run `migrant-desk translate pretranslate` to do it now.")
    return 1 if failed else 0


def cmd_list(args: argparse.Namespace) -> int:
    settings = Settings()
    backend = _backend(settings)
    packages = backend.installed()
    rows = [{"from": p.from_code, "to": p.to_code, "version": p.version, "model": p.model_id, "path": str(p.path)}
            for p in packages]
    reachable = sorted(backend.reachable())
    pivots = [f"{s}->{t} via {'->'.join(backend.route(s, t).path[1:-1])}" for s, t in reachable
              if len(backend.route(s, t).packages) > 1]
    if args.json:
        print(json.dumps({"packages": rows, "pivot_routes": pivots, "problems": backend.problems}, indent=2))
        return 0
    print(f"{len(packages)} package(s) in {backend.packages_dir}")
    for r in rows:
        note = "" if r["from"] in SUPPORTED_LANGUAGES and r["to"] in SUPPORTED_LANGUAGES else "  (not one of ours)"
        print(f"  {r['from']} -> {r['to']}  version {r['version']}  {r['model']}{note}")
    for line in pivots:
        print(f"  pivot: {line}")
    for problem in backend.problems:
        print(f"  skipped: {problem}", file=sys.stderr)
    targets = set(settings.translation_targets)
    missing = sorted(t for t in targets if not any(backend.route(s, t) for s in FALLBACK_ORDER if s != t))
    if missing:
        print(f"no model into: {', '.join(missing)} (answers there stay in the human-written languages)")
    return 0


def _runtime_parts(settings: Settings):
    from ..runtime import make_embedder, open_knowledge_base
    from . import open_translator

    store, _, entries, _ = open_knowledge_base(settings)
    return entries, open_translator(settings, store, make_embedder(settings, store))


def cmd_pretranslate(args: argparse.Namespace) -> int:
    settings = Settings()
    for code in args.lang or []:
        if code not in SUPPORTED_LANGUAGES:
            return _fail(f"unknown language code '{code}'; supported: {', '.join(SUPPORTED_LANGUAGES)}", 2)
    entries, translator = _runtime_parts(settings)
    report = translator.pretranslate(entries, args.lang or None)
    print(report.model_dump_json(indent=2))
    print(json.dumps(translator.memory.counts(), indent=2))
    return 0


def cmd_memory(args: argparse.Namespace) -> int:
    from ..db import open_store
    from .memory import TranslationMemory

    memory = TranslationMemory(open_store(Settings()))
    for row in memory.rows(status=args.status, target_lang=args.lang, limit=args.limit):
        verdict = "passed" if row.gate_passed else f"rejected ({', '.join(row.gate_reasons)})"
        print(f"#{row.id} [{row.status}] {row.source_lang}->{row.target_lang} {row.ref or ''} gate {verdict} "
              f"score {row.gate_score}\n  {row.source_text[:100]}\n  {row.text[:100]}")
    print(json.dumps(memory.counts(), indent=2))
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    from ..db import open_store
    from .memory import TranslationMemory

    memory = TranslationMemory(open_store(Settings()))
    text = Path(args.text_file).read_text(encoding="utf-8") if args.text_file else None
    try:
        row = memory.review(args.id, args.reviewer, text)
    except (KeyError, ValueError) as exc:
        return _fail(str(exc).strip("'"), 2)
    print(f"#{row.id} is now reviewed by {row.reviewed_by}")
    return 0


def cmd_calibrate_gate(args: argparse.Namespace) -> int:
    from ..runtime import make_embedder
    from .calibrate import fit
    from .gate import TranslationGate, bundled_gate_path

    settings = Settings()
    embedder = make_embedder(settings)
    try:
        calibration, report = fit(TranslationGate(embedder), Path(args.labelled), embedder.model_id)
    except (OSError, ValueError) as exc:
        return _fail(str(exc), 2)
    out = Path(args.out) if args.out else bundled_gate_path()
    out.write_text(calibration.model_dump_json(indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"wrote {out}", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    translate = sub.add_parser("translate", help="machine translation models, memory and gate").add_subparsers(
        dest="action", required=True)
    p = translate.add_parser("install", help="install .argosmodel files (or --from-index FROM TO, needs internet)")
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("--from-index", nargs=2, metavar=("FROM", "TO"), help="download the pair from the Argos index")
    p.set_defaults(func=cmd_install)
    p = translate.add_parser("list", help="installed packages, pivot routes and languages without a model")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)
    p = translate.add_parser("pretranslate", help="translate the knowledge base into the target languages now")
    p.add_argument("--lang", action="append", help="only this target language (repeatable)")
    p.set_defaults(func=cmd_pretranslate)
    p = translate.add_parser("memory", help="show translation-memory rows (e.g. --status stale)")
    p.add_argument("--status", choices=["machine", "reviewed", "stale"])
    p.add_argument("--lang")
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(func=cmd_memory)
    p = translate.add_parser("review", help="mark a memory row as reviewed (optionally with corrected text)")
    p.add_argument("id", type=int)
    p.add_argument("--reviewer", required=True)
    p.add_argument("--text-file", help="a file holding the corrected translation")
    p.set_defaults(func=cmd_review)
    p = translate.add_parser("calibrate-gate", help="choose the gate threshold from a labelled parallel set")
    p.add_argument("--labelled", default="tests/data/translation_gate.jsonl")
    p.add_argument("--out", help="where to write the calibration (default: the bundled file)")
    p.set_defaults(func=cmd_calibrate_gate)
