"""What changed between two revisions of an entry, field by field and word by word, for the editor's history.

A line diff of the YAML rewraps whole paragraphs when one word changes; this compares each text field on its
own, as words (and, in scripts written without spaces, as characters with their combining marks, so a Thai or
Vietnamese letter never comes apart from its tone mark).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from typing import Literal

from pydantic import BaseModel

# Runs of letters in these scripts carry no spaces between words: Thai, Lao, Khmer, Burmese, CJK, kana.
_NO_SPACES = re.compile(r"[\u0e00-\u0eff\u1780-\u17ff\u1000-\u109f\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")
_TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


class DiffPart(BaseModel):
    op: Literal["same", "added", "removed"]
    text: str


class FieldDiff(BaseModel):
    path: str  # "translations.vi.answer", "tags", "contact.phone"
    change: Literal["added", "removed", "changed"]
    parts: list[DiffPart]


def _clusters(text: str) -> list[str]:
    """Characters with their combining marks attached (an approximation of grapheme clusters)."""
    out: list[str] = []
    for ch in text:
        if out and unicodedata.category(ch).startswith("M"):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def tokens(text: str) -> list[str]:
    out: list[str] = []
    for piece in _TOKEN.findall(unicodedata.normalize("NFC", text)):
        out.extend(_clusters(piece) if _NO_SPACES.search(piece) else [piece])
    # \w does not take combining marks: glue a stray mark to the token before it
    merged: list[str] = []
    for tok in out:
        if merged and tok and all(unicodedata.category(c).startswith("M") for c in tok):
            merged[-1] += tok
        else:
            merged.append(tok)
    return merged


def _flatten(value: object, path: str = "") -> dict[str, str]:
    if isinstance(value, dict):
        flat: dict[str, str] = {}
        for key in value:
            flat.update(_flatten(value[key], f"{path}.{key}" if path else str(key)))
        return flat
    if isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
        return {path: "\n".join(str(v) for v in value)}  # alternates, tags: one per line
    if isinstance(value, list):
        flat = {}
        for i, item in enumerate(value):
            flat.update(_flatten(item, f"{path}[{i}]"))
        return flat
    return {path: "" if value is None else str(value)}


def word_diff(old_text: str, new_text: str) -> list[DiffPart]:
    a, b = tokens(old_text), tokens(new_text)
    parts: list[DiffPart] = []

    def add(op: str, toks: list[str]) -> None:
        text = "".join(toks)
        if not text:
            return
        if parts and parts[-1].op == op:
            parts[-1].text += text
        else:
            parts.append(DiffPart(op=op, text=text))

    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            add("same", a[i1:i2])
        else:
            add("removed", a[i1:i2])
            add("added", b[j1:j2])
    return parts


def entry_diff(old: dict, new: dict) -> list[FieldDiff]:
    """Every field that differs, in the order of the newer revision (then fields it dropped)."""
    before, after = _flatten(old), _flatten(new)
    out: list[FieldDiff] = []
    for path in list(after) + [p for p in before if p not in after]:
        if before.get(path) == after.get(path):
            continue
        change = "added" if path not in before else "removed" if path not in after else "changed"
        out.append(FieldDiff(path=path, change=change, parts=word_diff(before.get(path, ""), after.get(path, ""))))
    return out
