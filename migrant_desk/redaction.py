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

PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("[EMAIL]", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    # alien/resident registration number: 6 digits (birth date), 7 digits; with a hyphen, a space or nothing
    ("[REG-NO]", re.compile(r"(?<!\d)\d{6}[-\s]?\d{7}(?!\d)")),
    ("[PASSPORT]", re.compile(r"(?<![\w-])[A-Z]{1,2}\d{7,9}[A-Z]?(?![\w-])")),
    # international: a + and 7-15 digits in groups (+84 912 345 678, +63 917 123 4567)
    ("[PHONE]", re.compile(r"(?<![\w+])\+\d{1,3}(?:[\s.-]?\(?\d{1,4}\)?){2,5}(?![\w-])")),
    # domestic phones: three groups separated by '-', '.' or ' ' (010-1234-5678, 02-123-4567, (02) 123-4567), or
    # 9-11 digits starting with 0 written together (01012345678); a bare 8-digit id is not a phone
    ("[PHONE]", re.compile(r"(?<![\w.:-])(?:\(?0?\d{1,3}\)?[\s.-]\d{3,4}[\s.-]\d{4}|0\d{8,10})(?![\w-])")),
]


def redact(text: str) -> str:
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
