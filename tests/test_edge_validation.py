"""Issue 12 at the HTTP edge: bad text, ids that do not fit, oversized bodies, strict booleans, no-store, Allow,
and a database file only its owner can read. Every case gets a 4xx with a code, and nothing stored changes."""

import json
import os
import stat

import pytest
from fastapi.testclient import TestClient

from migrant_desk.api import create_app


@pytest.fixture(scope="module")
def client(runtime):
    with TestClient(create_app(runtime=runtime)) as c:
        yield c


@pytest.mark.parametrize("text", ["\ud800", "hello \udfff world", "bad\x00null", "bell\x07"])
def test_invalid_characters_are_refused_before_the_model(client, text):
    r = client.post("/v1/ask", content=json.dumps({"text": text}), headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_request" and "invalid character" in r.json()["message"]


def test_newlines_and_tabs_are_fine(client):
    assert client.post("/v1/ask", json={"text": "퇴직금\n언제\t받아요"}).status_code == 200


@pytest.mark.parametrize("path", ["/v1/tickets/9223372036854775808", "/v1/tickets/99999999999999999999999/messages",
                                  "/v1/tickets/0"])
def test_ids_that_do_not_fit_get_422_not_500(client, path):
    r = client.get(path, headers={"authorization": "Bearer x"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_request"


def test_handoff_consent_must_be_a_real_boolean_and_turns_clean(client, runtime):
    before = runtime.store.db.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
    body = {"conversation_id": "edge-1", "lang": "en", "consent": "yes", "transcript": []}
    r = client.post("/v1/handoff", json=body)
    assert r.status_code == 422
    r = client.post("/v1/handoff", content=json.dumps({**body, "consent": True,
                                                       "transcript": [{"role": "migrant", "text": "\ud800"}]}),
                    headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert runtime.store.db.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == before  # nothing stored


def test_body_over_the_limit_is_refused_before_parsing(client, runtime):
    limit = runtime.settings.max_body_bytes
    r = client.post("/v1/ask", content=b'{"text": "' + b"a" * (limit + 10) + b'"}',
                    headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["code"] == "body_too_large"

    def chunks():  # no Content-Length: counted as it arrives
        yield b'{"text": "'
        for _ in range(limit // 4096 + 2):
            yield b"a" * 4096
        yield b'"}'

    r = client.post("/v1/ask", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["code"] == "body_too_large"


def test_api_responses_are_not_stored_by_caches_and_405_says_what_is_allowed(client):
    r = client.post("/v1/ask", json={"text": "퇴직금 언제 받아요"})
    assert r.headers["cache-control"] == "no-store"
    r = client.delete("/v1/ask")
    assert r.status_code == 405 and "POST" in r.headers["allow"] and r.json()["code"] == "method_not_allowed"


def test_the_database_file_is_owner_only(runtime, tmp_path):
    from migrant_desk import db

    db.connect(tmp_path / "new.db").execute("CREATE TABLE t (x)")
    assert stat.S_IMODE(os.stat(tmp_path / "new.db").st_mode) == 0o600


def test_every_refusal_code_has_one_http_status_and_services_carry_none():
    """HTTP lives at the edge: a DomainError has a code and a sentence, never a status; the API layer's one table
    gives every code its status (http_error keeps the framework's own status, so it is the only one left out)."""
    from migrant_desk.errors import DomainError, ErrorCode
    from migrant_desk.http_errors import STATUS
    from migrant_desk.tickets.errors import TicketError

    assert set(ErrorCode) - set(STATUS) == {ErrorCode.HTTP_ERROR}
    refusal = TicketError(ErrorCode.AT_CAPACITY, "You hold 5 ticket(s), your capacity.")
    assert isinstance(refusal, DomainError) and not hasattr(refusal, "status")
    assert STATUS[refusal.code] == 409 and refusal.code == "at_capacity"
