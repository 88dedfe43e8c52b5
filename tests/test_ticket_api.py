"""The ticket queue over HTTP (TestClient, real app, real model and index): handoff and its idempotency, the bot
falling silent, both views of a ticket, counselor tools, filters, long-poll."""

import threading
import time

import pytest
from fastapi.testclient import TestClient

from migrant_desk import auth
from migrant_desk.deps import services_of
from migrant_desk.messages import language_name, message
from migrant_desk.tickets.store import TicketStore
from tests.ticket_helpers import app_with_db

TRANSCRIPT = [{"role": "migrant", "text": "Công ty giữ hộ chiếu của tôi, tôi phải làm sao?"},
              {"role": "bot", "text": message("not_confident", "vi")}]


@pytest.fixture
def desk(runtime, database_url):
    """A fresh ticket database per test; staff created the way `migrant-desk users add` does."""
    app = app_with_db(runtime, database_url)
    with TestClient(app) as client:
        store = services_of(app).store
        tokens = {}
        for name, role, langs, teams in [("minh", "counselor", ["vi", "ko"], ["labor"]),
                                         ("jisoo", "counselor", ["ko"], []),
                                         ("boss", "admin", [], []), ("ed", "editor", [], [])]:
            _, tokens[name] = auth.create_user(store.db, name, role, langs, teams)
            with store.transaction() as d:
                TicketStore.ensure_teams(d, teams, "2026-01-01T00:00:00.000000Z")
        yield client, tokens


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def handoff(client, conversation="conv-1", key=None, **extra):
    body = {"conversation_id": conversation, "lang": "vi", "transcript": TRANSCRIPT, "consent": True, **extra}
    headers = {"Idempotency-Key": key} if key else {}
    return client.post("/v1/handoff", json=body, headers=headers)


def test_handoff_is_idempotent_with_a_key(desk):
    client, tokens = desk
    first = handoff(client, key="9f1c2d3e-0000-4000-8000-000000000001")
    again = handoff(client, key="9f1c2d3e-0000-4000-8000-000000000001")
    assert first.status_code == 201 and again.status_code == 200
    a, b = first.json(), again.json()
    assert a["ticket_id"] == b["ticket_id"] and a["access_token"] == b["access_token"]
    assert a["replayed"] is False and b["replayed"] is True
    assert a["message"] == message("handoff_created", "vi", ticket_id=str(a["ticket_id"]))
    listed = client.get("/v1/tickets", headers=bearer(tokens["minh"])).json()
    assert [t["id"] for t in listed] == [a["ticket_id"]]
    assert client.get(f"/v1/tickets/{a['ticket_id']}", headers=bearer(b["access_token"])).status_code == 200


def test_same_key_different_request_conflicts(desk):
    client, _ = desk
    key = "9f1c2d3e-0000-4000-8000-000000000002"
    assert handoff(client, key=key).status_code == 201
    r = handoff(client, key=key, category="labor")
    assert r.status_code == 409 and r.json()["code"] == "idempotency_conflict"


@pytest.mark.parametrize("extra,key,status,code", [
    ({"consent": False}, None, 422, "consent_required"),
    ({}, "short", 400, "invalid_idempotency_key"),
    ({"lang": "xx"}, None, 422, "invalid_request"),
    ({"team": "nobody"}, None, 422, "unknown_team"),
])
def test_bad_handoffs_are_refused_with_a_code(desk, extra, key, status, code):
    client, tokens = desk
    r = handoff(client, key=key, **extra)
    assert r.status_code == status and r.json()["code"] == code and r.json()["message"].endswith(".")
    assert client.get("/v1/tickets", headers=bearer(tokens["boss"])).json() == []


def test_second_handoff_of_an_active_conversation_is_refused(desk):
    client, _ = desk
    assert handoff(client).status_code == 201
    r = handoff(client)
    assert r.status_code == 409 and r.json()["code"] == "conversation_has_ticket"


def test_bot_is_silent_for_a_handed_off_conversation(desk):
    client, tokens = desk
    question = "Quán phở nào ngon nhất ở Itaewon?"
    before = client.post("/v1/ask", json={"text": question, "conversation_id": "conv-1"}).json()
    assert before["answered"] is False and before["offer_counselor"] is True  # the premise: not confident
    ticket = handoff(client).json()
    asked = client.post("/v1/ask", json={"text": "Tôi làm thẻ người nước ngoài ở đâu?",
                                         "conversation_id": "conv-1"}).json()
    assert asked["answered"] is False and asked["answer"] is None and asked["alternatives"] == []
    assert asked["message"] == message("counselor_has_case", "vi") and asked["offer_counselor"] is False
    view = client.get(f"/v1/tickets/{ticket['ticket_id']}", headers=bearer(ticket["access_token"])).json()
    assert view["messages"][-1]["text"] == "Tôi làm thẻ người nước ngoài ở đâu?"  # kept for the counselor
    other = client.post("/v1/ask", json={"text": "Tôi làm thẻ người nước ngoài ở đâu?",
                                         "conversation_id": "conv-2"}).json()
    assert other["answered"] is True and other["answer"]["id"] == "arc-registration"
    # once resolved, the bot answers this conversation again
    client.post("/v1/tickets/claim-next", headers=bearer(tokens["minh"]))
    client.post(f"/v1/tickets/{ticket['ticket_id']}/status", json={"status": "resolved"},
                headers=bearer(tokens["minh"]))
    after = client.post("/v1/ask", json={"text": "Tôi làm thẻ người nước ngoài ở đâu?",
                                         "conversation_id": "conv-1"}).json()
    assert after["answered"] is True


def test_counselor_sees_originals_and_notes_the_migrant_does_not(desk):
    client, tokens = desk
    ticket = handoff(client).json()
    tid, migrant = ticket["ticket_id"], bearer(ticket["access_token"])
    minh = bearer(tokens["minh"])
    claimed = client.post("/v1/tickets/claim-next", headers=minh).json()
    assert claimed["id"] == tid and claimed["assigned_to"] == "minh" and claimed["language_covered"] is True
    assert [m["origin"] for m in claimed["messages"]] == ["transcript", "transcript"]
    assert claimed["messages"][0]["translation"]["lang"] == "ko"  # the desk's working language
    assert claimed["messages"][0]["translation"]["status"] in ("machine", "unavailable", "rejected")
    client.post(f"/v1/tickets/{tid}/notes", json={"text": "Likely a passport-retention case (1350)."}, headers=minh)
    client.post(f"/v1/tickets/{tid}/messages", json={"text": "Chào bạn, công ty giữ hộ chiếu từ khi nào?",
                                                      "lang": "vi"}, headers=minh)
    staff_view = client.get(f"/v1/tickets/{tid}", headers=minh).json()
    assert [m["internal"] for m in staff_view["messages"]] == [False, False, True, False]
    assert staff_view["status"] == "waiting_on_migrant" and staff_view["sla_paused"] is True
    mine = client.get(f"/v1/tickets/{tid}", headers=migrant).json()
    assert mine["status_message"] == message("counselor_has_case", "vi")
    assert all("passport-retention" not in m["text"] for m in mine["messages"])
    assert mine["messages"][-1] == {**mine["messages"][-1], "author": "counselor", "translated": False,
                                    "text": "Chào bạn, công ty giữ hộ chiếu từ khi nào?", "notice": None}
    assert "author_name" not in mine["messages"][-1]  # the migrant does not see staff names


def test_reply_in_another_language_without_a_model_shows_the_original_with_a_notice(desk):
    client, tokens = desk
    ticket = handoff(client).json()
    minh = bearer(tokens["minh"])
    client.post("/v1/tickets/claim-next", headers=minh)
    client.post(f"/v1/tickets/{ticket['ticket_id']}/messages", json={"text": "여권을 돌려받을 수 있습니다.",
                                                                      "lang": "ko"}, headers=minh)
    last = client.get(f"/v1/tickets/{ticket['ticket_id']}",
                      headers=bearer(ticket["access_token"])).json()["messages"][-1]
    assert last["text"] == last["original_text"] == "여권을 돌려받을 수 있습니다." and last["translated"] is False
    assert last["notice"] == message("no_translation_available", "vi", language=language_name("vi"),
                                     answer_language=language_name("ko", "vi"))


def test_kb_answer_goes_in_the_migrants_language_with_its_source(desk, runtime):
    client, tokens = desk
    ticket = handoff(client).json()
    minh = bearer(tokens["minh"])
    client.post("/v1/tickets/claim-next", headers=minh)
    suggestions = client.get(f"/v1/tickets/{ticket['ticket_id']}/kb-suggestions", headers=minh).json()
    assert suggestions[0]["entry_id"] == "employer-keeps-passport" and suggestions[0]["question_lang"] == "vi"
    r = client.post(f"/v1/tickets/{ticket['ticket_id']}/kb-answer", json={"entry_id": "employer-keeps-passport"},
                    headers=minh)
    sent = r.json()["messages"][-1]
    entry = runtime.service.entries["employer-keeps-passport"]
    assert sent["origin"] == "kb" and sent["kb_entry_id"] == "employer-keeps-passport" and sent["lang"] == "vi"
    assert sent["text"].startswith(entry.translations["vi"].answer)
    assert f"{message('source_label', 'vi')}: {entry.source.title}" in sent["text"]
    assert sent["translation"]["status"] == "not_needed"
    # the migrant gets it as an answer card: the chat draws source, contact and links from it, not from the text
    mine = bearer(ticket["access_token"])
    seen = client.get(f"/v1/tickets/{ticket['ticket_id']}", headers=mine).json()["messages"][-1]
    assert seen["answer"]["id"] == "employer-keeps-passport" and seen["answer"]["answer_lang"] == "vi"
    assert seen["answer"]["source"]["url"] == str(entry.source.url)
    assert seen["answer"]["contact"]["phone"] == entry.contact.phone and seen["answer_notice"] is None
    polled = client.get(f"/v1/tickets/{ticket['ticket_id']}/messages?after={seen['id'] - 1}", headers=mine).json()
    assert polled["messages"][-1]["answer"] == seen["answer"]
    r = client.post(f"/v1/tickets/{ticket['ticket_id']}/kb-answer", json={"entry_id": "nope"}, headers=minh)
    assert r.status_code == 404 and r.json()["code"] == "entry_not_found"


def test_filters_priority_and_category(desk):
    client, tokens = desk
    boss, minh = bearer(tokens["boss"]), bearer(tokens["minh"])
    vi = handoff(client, "c-vi").json()["ticket_id"]
    th = handoff(client, "c-th", lang="th", category="housing").json()["ticket_id"]
    client.patch(f"/v1/tickets/{th}", json={"priority": "urgent", "category": "labor"}, headers=boss)
    ids = lambda q: [t["id"] for t in client.get(f"/v1/tickets{q}", headers=boss).json()]  # noqa: E731
    assert ids("") == [th, vi]  # urgent first
    assert ids("?lang=th") == [th] and ids("?category=labor") == [th] and ids("?status=assigned") == []
    assert ids("?overdue=true") == [] and ids("?overdue=false") == [th, vi]
    th_row = client.get(f"/v1/tickets/{th}", headers=boss).json()
    assert th_row["language_covered"] is False  # nobody on staff reads Thai: flagged
    client.post("/v1/tickets/claim-next", headers=minh)
    assert ids("?assigned_to=minh") == [vi] and ids("?status=new") == [th]
    mine = client.get("/v1/tickets?assigned_to=me", headers=minh).json()
    assert [t["id"] for t in mine] == [vi]
    r = client.get("/v1/tickets?status=bogus", headers=boss)
    assert r.status_code == 422 and r.json()["code"] == "invalid_request"
    trail = client.get(f"/v1/tickets/{th}/events", headers=boss).json()
    assert [(e["action"], e["actor"], e["from_value"], e["to_value"]) for e in trail] == [
        ("created", "migrant", None, "new"), ("priority", "boss", "normal", "urgent"),
        ("category", "boss", "housing", "labor")]


def test_invalid_transition_over_http_is_409_with_a_sentence(desk):
    client, tokens = desk
    tid = handoff(client).json()["ticket_id"]
    r = client.post(f"/v1/tickets/{tid}/status", json={"status": "closed"}, headers=bearer(tokens["boss"]))
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
    assert r.json()["message"] == f"Ticket {tid} cannot go from new to closed (allowed from new: assigned)."


def test_claim_next_on_an_empty_queue_is_204(desk):
    client, tokens = desk
    assert client.post("/v1/tickets/claim-next", headers=bearer(tokens["jisoo"])).status_code == 204


def test_long_poll_returns_new_messages(desk):
    client, tokens = desk
    ticket = handoff(client).json()
    tid, migrant, minh = ticket["ticket_id"], bearer(ticket["access_token"]), bearer(tokens["minh"])
    now = client.get(f"/v1/tickets/{tid}/messages", headers=migrant).json()
    assert len(now["messages"]) == 2 and now["last_id"] == now["messages"][-1]["id"]
    empty = client.get(f"/v1/tickets/{tid}/messages?after={now['last_id']}&wait=1", headers=migrant).json()
    assert empty["messages"] == [] and empty["last_id"] == now["last_id"]
    client.post("/v1/tickets/claim-next", headers=minh)
    answer = {}

    def poll():
        answer.update(client.get(f"/v1/tickets/{tid}/messages?after={now['last_id']}&wait=20",
                                 headers=migrant).json())

    waiter = threading.Thread(target=poll)
    waiter.start()
    client.post(f"/v1/tickets/{tid}/messages", json={"text": "Xin chào, tôi là Minh.", "lang": "vi"}, headers=minh)
    waiter.join(timeout=30)
    assert [m["text"] for m in answer["messages"]] == ["Xin chào, tôi là Minh."]
    assert answer["status"] == "waiting_on_migrant"


def test_release_all_and_user_list_for_admins(desk):
    client, tokens = desk
    boss, minh = bearer(tokens["boss"]), bearer(tokens["minh"])
    tid = handoff(client).json()["ticket_id"]
    client.post("/v1/tickets/claim-next", headers=minh)
    users = {u["name"]: u for u in client.get("/v1/users", headers=boss).json()}
    assert users["minh"]["open_tickets"] == 1 and users["minh"]["languages"] == ["vi", "ko"]
    assert client.post("/v1/users/minh/release", headers=boss).json() == [tid]
    assert client.get(f"/v1/tickets/{tid}", headers=boss).json()["status"] == "new"
    me = client.get("/v1/me", headers=bearer(tokens["ed"])).json()
    assert me["role"] == "editor" and me["name"] == "ed"


def test_long_poll_answers_at_once_when_the_status_changes(desk):
    """The chat shows "a counselor has your case" when a counselor claims, without waiting for a message."""
    client, tokens = desk
    ticket = handoff(client).json()
    tid, migrant, minh = ticket["ticket_id"], bearer(ticket["access_token"]), bearer(tokens["minh"])
    now = client.get(f"/v1/tickets/{tid}/messages", headers=migrant).json()
    assert now["status"] == "new"
    answer, took = {}, {}

    def poll():
        started = time.monotonic()
        answer.update(client.get(f"/v1/tickets/{tid}/messages?after={now['last_id']}&wait=20&status=new",
                                 headers=migrant).json())
        took["s"] = time.monotonic() - started

    waiter = threading.Thread(target=poll)
    waiter.start()
    time.sleep(0.3)
    assert client.post("/v1/tickets/claim-next", headers=minh).status_code == 200
    waiter.join(timeout=30)
    assert answer["messages"] == [] and answer["status"] == "assigned"
    assert took["s"] < 15  # answered by the status change, not by the 20 s wait running out


def test_a_counselor_claims_the_ticket_they_opened_and_sees_what_may_follow(desk):
    """Issue 13: a ticket picked from the queue can be claimed (not only "the next one"); someone faster wins
    and the other gets 409 in words; the view lists only the statuses the server will accept."""
    client, tokens = desk
    first = handoff(client, "conv-claim-1").json()["ticket_id"]
    second = handoff(client, "conv-claim-2").json()["ticket_id"]
    queued = client.get(f"/v1/tickets/{second}", headers=bearer(tokens["jisoo"])).json()
    assert queued["status"] == "new" and queued["next_statuses"] == []  # claimed first, then worked on
    claimed = client.post(f"/v1/tickets/{second}/claim", headers=bearer(tokens["jisoo"]))
    assert claimed.status_code == 200
    body = claimed.json()
    assert body["assigned_to"] == "jisoo" and body["status"] == "assigned"
    assert body["next_statuses"] == ["waiting_on_migrant", "open", "resolved"]
    late = client.post(f"/v1/tickets/{second}/claim", headers=bearer(tokens["minh"]))
    assert late.status_code == 409 and late.json()["code"] == "not_in_queue" and "assigned" in late.json()["message"]
    assert client.get(f"/v1/tickets/{first}", headers=bearer(tokens["minh"])).json()["status"] == "new"
    assert client.post(f"/v1/tickets/{first}/claim", headers=bearer(tokens["ed"])).status_code == 403
