"""Add language variants written separately (by translators) to the knowledge-base YAML files.

    python3 scripts/merge_variants.py STAGING_DIR [--kb knowledge_base] [--written-by "..."] [--replace]

STAGING_DIR holds <lang>/<entry id>.yaml files with `question`, `alternates` and `answer`. Each is appended to
knowledge_base/<entry id>.yaml under `translations:` as text (the entry's existing formatting and the diff
stay readable), marked `native_reviewed: false`, then the entry is loaded again and checked: the new variant
must parse to exactly what the staged file says. A variant that already exists is left alone unless --replace.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from migrant_desk.knowledge_base import Entry, Variant  # noqa: E402


def _block(lang: str, staged_text: str, written_by: str) -> str:
    lines = [f"  {lang}:"]
    lines += ["    " + line if line.strip() else "" for line in staged_text.rstrip().splitlines()]
    lines += [f"    written_by: {yaml.safe_dump(written_by).strip().removesuffix('...').strip()}",
              "    native_reviewed: false"]
    return "\n".join(lines) + "\n"


def merge(staging: Path, kb: Path, written_by: str, replace: bool) -> tuple[int, list[str]]:
    added, problems = 0, []
    for lang_dir in sorted(p for p in staging.iterdir() if p.is_dir()):
        lang = lang_dir.name
        for staged in sorted(lang_dir.glob("*.yaml")):
            target = kb / staged.name
            where = f"{staged}"
            if not target.exists():
                problems.append(f"{where}: no entry {target.name} in {kb}")
                continue
            staged_text = staged.read_text(encoding="utf-8")
            try:
                variant = Variant.model_validate(yaml.safe_load(staged_text))
            except Exception as exc:  # noqa: BLE001 - reported per file, the rest goes on
                problems.append(f"{where}: {' '.join(str(exc).split())[:300]}")
                continue
            original = target.read_text(encoding="utf-8")
            data = yaml.safe_load(original)
            if lang in data["translations"]:
                if not replace:
                    continue
                problems.append(f"{where}: --replace of an existing variant is not supported as text; edit by hand")
                continue
            text = original if original.endswith("\n") else original + "\n"
            text += _block(lang, staged_text, written_by)
            merged = Entry.model_validate(yaml.safe_load(text))
            got = merged.translations[lang]
            if (got.question, got.alternates, got.answer) != (variant.question, variant.alternates, variant.answer):
                problems.append(f"{where}: the appended text does not read back as the staged variant")
                continue
            target.write_text(text, encoding="utf-8")
            added += 1
    return added, problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("staging", type=Path)
    parser.add_argument("--kb", type=Path, default=ROOT / "knowledge_base")
    parser.add_argument("--written-by", default="migrant-desk team (drafted with AI assistance)")
    parser.add_argument("--replace", action="store_true")
    args = parser.parse_args()
    added, problems = merge(args.staging, args.kb, args.written_by, args.replace)
    print(f"added {added} variants")
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
