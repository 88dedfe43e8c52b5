"""Every ticket endpoint × every kind of caller: who gets in (2xx), who is refused (401 no/invalid token, 403
wrong role or not their ticket). Each case runs on a fresh ticket held by the counselor "holder"."""

import hashlib
import itertools

import pytest
from fastapi.testclient import TestClient

from migrant_desk import auth
from migrant_desk.deps import services_of
from migrant_desk.tickets.api import router
from migrant_desk.tickets.models import HandoffIn
from tests.ticket_helpers import app_with_db, database_text

CALLERS = ["anonymous", "bad_token", "migrant_own", "migrant_other", "holder", "other_counselor", "editor", "admin"]
ALL = set(CALLERS)
STAFF = {"holder", "other_counselor", "admin"}
HOLDER = {"holder", "admin"}  # changing a held ticket: its holder, or an admin

# (method, path template, json body, callers let in, status when let in)
MATRIX = [
    ("POST", "/v1/handoff", None, ALL, 201),
    ("GET", "/v1/tickets", None, STAFF, 200),
    ("POST", "/v1/tickets/claim-next", None, STAFF, 200),
    ("GET", "/v1/tickets/{id}", None, {"migrant_own"} | STAFF, 200),
    ("GET", "/v1/tickets/{id}/messages", None, {"migrant_own"} | STAFF, 200),
    ("POST", "/v1/tickets/{id}/messages", {"text": "Xin chào"}, {"migrant_own"} | HOLDER, 200),
    ("POST", "/v1/tickets/{id}/notes", {"text": "note"}, STAFF, 200),
    ("POST", "/v1/tickets/{id}/kb-answer", {"entry_id": "arc-registration"}, HOLDER, 200),
    ("GET", "/v1/tickets/{id}/kb-suggestions", None, STAFF, 200),
    ("POST", "/v1/tickets/{id}/status", {"status": "resolved"}, HOLDER, 200),
    ("PATCH", "/v1/tickets/{id}", {"priority": "high"}, HOLDER, 200),
    ("POST", "/v1/tickets/{id}/release", None, HOLDER, 200),
    ("POST", "/v1/tickets/{queued}/claim", None, STAFF, 200),
    ("GET", "/v1/tickets/{id}/events", None, STAFF, 200),
    ("POST", "/v1/tickets/{id}/assign", {"counselor": "other_counselor"}, {"admin"}, 200),
    ("GET", "/v1/users", None, {"admin"}, 200),
    ("POST", "/v1/users/{holder}/release", None, {"admin"}, 200),
    ("GET", "/v1/me", None, {"holder", "other_counselor", "editor", "admin"}, 200),
]


@pytest.fixture(scope="module")
def desk(runtime, module_database_url):
    app = app_with_db(runtime, module_database_url)
    with TestClient(app) as client:
        service = services_of(app).tickets
        tokens = {}
        for name, role, langs in [("holder", "counselor", ["vi"]), ("other_counselor", "counselor", ["vi"]),
                                  ("editor", "editor", []), ("admin", "admin", ["vi"])]:
            _, tokens[name] = auth.create_user(service.tickets.db, name, role, langs, capacity=10_000)
        yield client, service, tokens


_count = itertools.count()


def fresh_case(service, tokens):
    """A ticket held by "holder", another migrant's ticket, and one queued ticket for claim-next."""
    n = next(_count)
    own, own_token, _ = service.handoff(HandoffIn(conversation_id=f"own-{n}", lang="vi", consent=True,
                                                  transcript=[{"role": "migrant", "text": "Hộ chiếu của tôi"}]))
    _, other_token, _ = service.handoff(HandoffIn(conversation_id=f"other-{n}", lang="vi", consent=True))
    admin = auth.find_user(service.tickets.db, "admin")
    service.assign(own["id"], auth.find_user(service.tickets.db, "holder"), admin)
    queued, _, _ = service.handoff(HandoffIn(conversation_id=f"queued-{n}", lang="vi", consent=True))
    headers = {"anonymous": {}, "bad_token": {"Authorization": "Bearer mds_" + "x" * 43},
               "migrant_own": own_token, "migrant_other": other_token, **tokens}
    headers = {k: v if isinstance(v, dict) else {"Authorization": f"Bearer {v}"} for k, v in headers.items()}
    return own["id"], headers, n, queued["id"]


@pytest.mark.parametrize("method,path,body,allowed,ok", MATRIX, ids=[f"{m} {p}" for m, p, *_ in MATRIX])
def test_roles_by_endpoint(desk, method, path, body, allowed, ok):
    client, service, tokens = desk
    for caller in CALLERS:
        ticket_id, headers, n, queued_id = fresh_case(service, tokens)
        if path == "/v1/handoff":
            body = {"conversation_id": f"handoff-{n}-{caller}", "lang": "vi", "consent": True}
        url = path.format(id=ticket_id, holder="holder", queued=queued_id)
        r = client.request(method, url, json=body, headers=headers[caller])
        if caller in allowed:
            assert r.status_code == ok, (caller, method, url, r.text)
        else:
            expected = 401 if caller in ("anonymous", "bad_token") else 403
            assert r.status_code == expected, (caller, method, url, r.text)
            assert r.json()["code"] in {"unauthorized", "invalid_token", "forbidden", "not_your_ticket"}
            assert r.json()["message"].endswith(".")


def test_the_matrix_covers_every_route():
    routes = {(m, r.path) for r in router.routes for m in r.methods}
    matrix = {(m, p.replace("{id}", "{ticket_id}").replace("{queued}", "{ticket_id}").replace("{holder}", "{name}"))
              for m, p, *_ in MATRIX}
    assert routes == matrix


def test_tokens_are_stored_hashed(desk):
    _, service, tokens = desk
    stored = service.tickets.db.execute("SELECT token_hash FROM users WHERE name = 'holder'").fetchone()[0]
    assert stored == hashlib.sha256(tokens["holder"].encode()).hexdigest() and tokens["holder"] not in stored
    dump = database_text(service.tickets.db)
    assert all(token not in dump for token in tokens.values())


def test_a_deactivated_users_token_stops_working(desk):
    client, service, tokens = desk
    user, token = auth.create_user(service.tickets.db, "leaver", "counselor", ["ko"])
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/v1/me", headers=headers).status_code == 200
    service.release_all(user.id, "cli", deactivate=True)
    r = client.get("/v1/me", headers=headers)
    assert r.status_code == 401 and r.json()["code"] == "invalid_token"
