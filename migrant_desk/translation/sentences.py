"""Sentence splitting by punctuation: no model, no download.

It knows the sentence-final punctuation of our 15 languages (Latin/Cyrillic `.!?`, CJK `。！？`, Devanagari `।`,
Khmer `។`, Burmese `။`, Sinhala `.`) and the usual English abbreviations. Thai marks sentences with spaces, not
punctuation, so a Thai paragraph stays whole unless it is very long. Pure Python: importing it is free, unlike
argostranslate's splitters (see splitter.py).
"""

from __future__ import annotations

import re


# Split after these whether or not a space follows (scripts written without spaces between sentences).
_HARD_STOPS = "。！？｡।॥။។៕"
# Split after these only when whitespace follows (".": abbreviations, decimals and URLs stay whole).
_SOFT_STOPS = ".!?…"
_CLOSERS = "\"'”’)]}」』）》〉"
# Words that end with "." without ending the sentence, whatever follows ("Mr. Kim", "e.g. a card").
_ABBREVIATIONS = {
    "e.g", "i.e", "mr", "mrs", "ms", "dr", "prof", "no", "nos", "vs", "st", "approx", "incl", "dept", "jan",
    "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "tel", "ext", "fig", "ca",
    "cf", "al",
}
# These end a sentence when a capital letter follows ("... until 10 p.m. It is free."), not otherwise.
_SOMETIMES_FINAL = {"a.m", "p.m", "etc"}
MAX_SENTENCE_CHARS = 400
_WORD_BEFORE = re.compile(r"([\w.]+)$")


def _word_before(text_before: str) -> str:
    match = _WORD_BEFORE.search(text_before)
    return match.group(1).lower().rstrip(".") if match else ""


def _continues(text_before: str, next_char: str) -> bool:
    """After a ".": does the sentence go on?"""
    word = _word_before(text_before)
    if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
        return True
    if word in _SOMETIMES_FINAL:
        return not next_char.isupper()
    return next_char.islower()


def _boundaries(text: str) -> list[int]:
    """Character offsets at which a new sentence starts."""
    cuts = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in _HARD_STOPS or ch in _SOFT_STOPS:
            j = i + 1
            while j < n and (text[j] in _HARD_STOPS or text[j] in _SOFT_STOPS or text[j] in _CLOSERS):
                j += 1
            if j >= n:
                break
            if ch in _HARD_STOPS and not text[j].isspace():
                cuts.append(j)
            elif text[j].isspace():
                k = j
                while k < n and text[k].isspace():
                    k += 1
                nxt = text[k] if k < n else ""
                # "9 a.m. to 10 p.m." and "e.g. a card" continue the sentence; so does a lower-case word.
                if nxt and not (ch == "." and _continues(text[:i], nxt)):
                    cuts.append(k)
            i = j
            continue
        i += 1
    return cuts


def _cap_length(sentence: str, limit: int = MAX_SENTENCE_CHARS) -> list[str]:
    """Very long segments (e.g. an unpunctuated Thai paragraph) are cut at spaces or commas near `limit`:
    translation models are trained on sentences and drift on long inputs."""
    pieces = []
    rest = sentence
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind(" "), window.rfind(","), window.rfind("，"), window.rfind("、"))
        cut = cut + 1 if cut > limit // 3 else limit
        pieces.append(rest[:cut].strip())
        rest = rest[cut:]
    if rest.strip():
        pieces.append(rest.strip())
    return pieces


def split_sentences(text: str) -> list[str]:
    """Sentences of one paragraph, whitespace-trimmed, none empty; their concatenation keeps every word."""
    cuts = [0, *_boundaries(text), len(text)]
    out: list[str] = []
    for start, end in zip(cuts, cuts[1:]):
        part = text[start:end].strip()
        if part:
            out.extend(_cap_length(part))
    return out

