"""Types shared by the HTTP boundary: ids that fit a database integer, and text the model and the stores can take.

Why at the edge: an id of 2**63 reached SQLite and failed with OverflowError (HTTP 500), and a lone surrogate
("\\ud800", valid JSON) failed inside the tokenizer (500, and before the batcher's isolation, every request in
its batch). Both are the caller's error: 422 with a sentence, before any work is done.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator

from .errors import DomainError, ErrorCode

MAX_DB_ID = 2**63 - 1
# Control characters other than tab, newline and carriage return, and lone UTF-16 surrogates.
_BAD_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_text(value: str) -> str:
    bad = _BAD_CHARACTERS.search(value)
    if bad:
        raise ValueError(f"text contains an invalid character (U+{ord(bad.group()):04X} at position {bad.start()}); "
                         "send plain UTF-8 text")
    return value


CleanText = Annotated[str, AfterValidator(clean_text)]
PathId = Annotated[int, Path(ge=1, le=MAX_DB_ID)]
QueryId = Annotated[int, Query(ge=0, le=MAX_DB_ID)]


def require_text(text: str, limit: int, empty: str, subject: str) -> None:
    """A question or a text to translate: not blank, at most `limit` characters. `empty` is the sentence for a
    blank text; `subject` names the text in the too-long one ("The question is 5001 characters; ...")."""
    if not text.strip():
        raise DomainError(ErrorCode.EMPTY_TEXT, empty)
    if len(text) > limit:
        raise DomainError(ErrorCode.TEXT_TOO_LONG, f"{subject} is {len(text)} characters; the limit is {limit}.")
