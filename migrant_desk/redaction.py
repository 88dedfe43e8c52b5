"""Personal data out of the logs: phone numbers, alien registration (and resident registration) numbers,
passport numbers and email addresses are replaced by a tag before any handler writes a record.

`install()` puts a `RedactingFilter` on every handler of the root logger and of uvicorn's loggers; the CLI
calls it after configuring logging, and the app calls it at startup (after uvicorn configured its own). The
filter rewrites the message and each string argument separately (uvicorn's access formatter unpacks its
arguments by position) and the formatted traceback.

The patterns aim at Korean formats first (010-1234-5678, 02-123-4567, +82 10 1234 5678; 6+7-digit registration
numbers) and the common passport shapes (one or two letters then 7-9 digits, e.g. M12345678, EA1234567,
P1234567A). They may over-redact a number that only looks like one; that is the safe side for a log.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from urllib.parse import unquote

_NOT_ALNUM_BEFORE = r"(?<![A-Za-z0-9])"  # ASCII only: a Korean particle or Thai word may touch the number
_NOT_ALNUM_AFTER = r"(?![A-Za-z0-9])"
_SEP = r"[\s.\-\u2010-\u2015\u2212]"  # space, dot, hyphen, and the dashes people paste (en dash, minus...)

PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("[EMAIL]", re.compile(r"[\w.+-]+\s?(?:@|[(\[]\s?at\s?[)\]])\s?[\w-]+(?:\s?(?:\.|[(\[]\s?dot\s?[)\]])\s?[\w-]+)+",
                           re.IGNORECASE)),
    # alien/resident registration number: 6 digits (birth date), 7 digits; with a hyphen, a dash, a space or nothing
    ("[REG-NO]", re.compile(_NOT_ALNUM_BEFORE + r"\d{6}" + _SEP + r"?\d{7}" + _NOT_ALNUM_AFTER)),
    # passports: one or two letters then 7-9 digits (M12345678, EA1234567, P1234567A, also lower case or with a
    # space), and Korea's newer format letter, 3 digits, letter, 4 digits (M123A4567)
    ("[PASSPORT]", re.compile(_NOT_ALNUM_BEFORE + r"(?:[A-Za-z]{1,2}\s?\d{7,9}[A-Za-z]?|[A-Za-z]\d{3}[A-Za-z]\d{4})"
                              + _NOT_ALNUM_AFTER)),
    # international: a + and 7-15 digits in groups (+84 912 345 678, +63 917 123 4567)
    ("[PHONE]", re.compile(r"(?<![\w+])\+\d{1,3}(?:" + _SEP + r"?\(?\d{1,4}\)?){2,5}" + _NOT_ALNUM_AFTER)),
    # domestic: 010-1234-5678, 02-123-4567, (02) 123-4567, (010)1234-5678, 010 1234 5678, 010–1234–5678, or 9-11
    # digits starting with 0 written together (01012345678); a bare 8-digit id is not a phone
    ("[PHONE]", re.compile(_NOT_ALNUM_BEFORE + r"(?:(?:\(0?\d{1,3}\)\s?|0?\d{1,3}" + _SEP + r")\d{3,4}" + _SEP
                           + r"\d{4}|0\d{8,10})" + _NOT_ALNUM_AFTER)),
]


def redact(text: str) -> str:
    """The text with personal numbers and addresses replaced by tags. Full-width digits and URL-encoded query
    strings (?q=nguyen.van.a%40gmail.com in the access log) are normalised first, so they cannot slip past."""
    text = unicodedata.normalize("NFKC", text)
    if "%" in text:
        text = unquote(text)
    for tag, pattern in PATTERNS:
        text = pattern.sub(tag, text)
    return text


def _clean(value: object) -> object:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, (int, float, bool)) or value is None:
        return value  # formatters may need the number (%d); a bare number is not matched as a whole anyway
    return redact(str(value))


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_redacted", False):
            return True  # the same record passes several handlers
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        else:
            record.msg = redact(str(record.msg))
        if isinstance(record.args, dict):
            record.args = {k: _clean(v) for k, v in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_clean(v) for v in record.args)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        record._redacted = True
        return True


LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "migrant_desk")


def install() -> None:
    """Idempotent: adds the filter to each handler of the root, uvicorn and migrant_desk loggers once."""
    for name in LOGGERS:
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter())
