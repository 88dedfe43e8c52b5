"""Phone numbers, registration numbers, passport numbers and emails never reach the logs."""

import logging

import pytest

from migrant_desk import redaction
from migrant_desk.redaction import RedactingFilter, redact

SECRETS = {
    "010-1234-5678": "[PHONE]", "01098765432": "[PHONE]", "+82 10-2222-3333": "[PHONE]", "02-123-4567": "[PHONE]",
    "+84 912 345 678": "[PHONE]", "900101-5234567": "[REG-NO]", "9001015234567": "[REG-NO]",
    "M12345678": "[PASSPORT]", "EA1234567": "[PASSPORT]", "P1234567A": "[PASSPORT]",
    "nguyen.van.a@example.com": "[EMAIL]", "kim+desk@mail.co.kr": "[EMAIL]",
}
HARMLESS = ["2026-11-27T08:00:00.000000Z", '127.0.0.1:8000 - "GET /v1/tickets/12?after=3 HTTP/1.1" 200',
            "ticket 123456 took 250 ms", "version 0.165.0", "arc-registration", "mdt_Ab3",
            "GET /v1/tickets/12345678/messages"]


@pytest.mark.parametrize("secret,tag", SECRETS.items())
def test_personal_numbers_are_replaced(secret, tag):
    assert redact(f"migrant wrote: call me at {secret}, thanks") == f"migrant wrote: call me at {tag}, thanks"


@pytest.mark.parametrize("text", HARMLESS)
def test_ordinary_log_text_is_left_alone(text):
    assert redact(text) == text


def test_the_filter_redacts_message_args_and_traceback(caplog):
    logger = logging.getLogger("migrant_desk.test_redaction")
    caplog.handler.addFilter(RedactingFilter())
    try:
        raise ValueError("bad passport M12345678")
    except ValueError:
        logger.exception("handoff from %s (%s) at %d", "010-1234-5678", {"email": "a@b.kr"}, 42)
    record = caplog.records[-1]
    text = caplog.text
    assert "010-1234-5678" not in text and "M12345678" not in text and "a@b.kr" not in text
    assert "[PHONE]" in record.getMessage() and "at 42" in record.getMessage() and "[PASSPORT]" in text


def test_uvicorn_access_records_keep_their_shape():
    from uvicorn.logging import AccessFormatter

    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/v1/x?phone=010-1234-5678", "1.1", 200), None)
    RedactingFilter().filter(record)
    line = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False).format(record)
    assert line == '127.0.0.1:5000 - "GET /v1/x?phone=[PHONE] HTTP/1.1" 200 OK'


def test_install_adds_one_filter_per_handler():
    handler = logging.StreamHandler()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        redaction.install()
        redaction.install()
        assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1
    finally:
        root.removeHandler(handler)
