"""End to end over HTTP with a real `migrant-desk serve` process: ask → not confident → handoff → a counselor
claims → replies → the migrant reads the reply in their language → resolved. Staff are created with the real
`migrant-desk users add` against the running server's database."""

import threading
import uuid

import httpx
import pytest

from migrant_desk.messages import language_name, message
from tests.server import running_server

QUESTION = "Quán phở nào ngon nhất ở Itaewon?"


@pytest.fixture(scope="module")
def server(tmp_path_factory, module_database_url):
    """On SQLite as a user starts it (its file in the work folder); on PostgreSQL with MIGRANT_DESK_DATABASE_URL."""
    pg = {"MIGRANT_DESK_DATABASE_URL": module_database_url} if module_database_url.startswith("postgres") else {}
    with running_server(tmp_path_factory.mktemp("serve-handoff"), pg) as srv:
        yield srv


def call(method, url, token=None, **kwargs):
    headers = {**kwargs.pop("headers", {}), **({"Authorization": f"Bearer {token}"} if token else {})}
    return httpx.request(method, url, headers=headers, timeout=60, **kwargs)


def test_ask_handoff_claim_reply_read_resolve(server):
    base = server.base
    added = server.cli("users", "add", "minh", "--role", "counselor", "--languages", "vi,ko", "--teams", "labor")
    assert added.returncode == 0, added.stderr
    counselor = added.stdout.strip()
    assert counselor.startswith("mds_") and "shown once" in added.stderr

    # 1. the bot is not confident and offers a counselor
    asked = call("POST", f"{base}/v1/ask", json={"text": QUESTION, "conversation_id": "e2e-1"}).json()
    assert asked["lang"] == "vi" and asked["answered"] is False and asked["offer_counselor"] is True
    assert asked["message"] == message("not_confident", "vi")

    # 2. handoff with the transcript; a retry with the same key returns the same ticket and token
    body = {"conversation_id": "e2e-1", "lang": "vi", "consent": True, "category": "daily-life",
            "transcript": [{"role": "migrant", "text": QUESTION}, {"role": "bot", "text": asked["message"]}]}
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = call("POST", f"{base}/v1/handoff", json=body, headers=key)
    retry = call("POST", f"{base}/v1/handoff", json=body, headers=key)
    assert (first.status_code, retry.status_code) == (201, 200)
    ticket_id, migrant = first.json()["ticket_id"], first.json()["access_token"]
    assert retry.json()["ticket_id"] == ticket_id and retry.json()["access_token"] == migrant
    assert first.json()["message"] == message("handoff_created", "vi", ticket_id=str(ticket_id))

    # 3. the bot is now silent on this conversation
    again = call("POST", f"{base}/v1/ask", json={"text": "Tôi làm thẻ người nước ngoài ở đâu?",
                                                 "conversation_id": "e2e-1"}).json()
    assert again["answered"] is False and again["message"] == message("counselor_has_case", "vi")

    # 4. the migrant waits for news (long-poll) while the counselor claims and replies
    seen = call("GET", f"{base}/v1/tickets/{ticket_id}/messages", migrant).json()
    news = {}
    poll = threading.Thread(target=lambda: news.update(call(
        "GET", f"{base}/v1/tickets/{ticket_id}/messages?after={seen['last_id']}&wait=30", migrant).json()))
    poll.start()
    claimed = call("POST", f"{base}/v1/tickets/claim-next", counselor).json()
    assert claimed["id"] == ticket_id and claimed["assigned_to"] == "minh"
    assert [m["text"] for m in claimed["messages"]][:2] == [QUESTION, asked["message"]]
    reply = "Chào bạn, tôi là tư vấn viên Minh. Bạn muốn tìm quán ăn hay cần hỗ trợ việc khác?"
    r = call("POST", f"{base}/v1/tickets/{ticket_id}/messages", counselor, json={"text": reply, "lang": "vi"})
    assert r.status_code == 200
    poll.join(timeout=60)
    assert [m["text"] for m in news["messages"]] == [reply] and news["status"] == "waiting_on_migrant"

    # 5. the migrant reads the reply in Vietnamese; a Korean reply comes with its original and an honest notice
    view = call("GET", f"{base}/v1/tickets/{ticket_id}", migrant).json()
    last = view["messages"][-1]
    assert last["author"] == "counselor" and last["text"] == reply and last["lang"] == "vi"
    assert view["status_message"] == message("counselor_has_case", "vi")
    call("POST", f"{base}/v1/tickets/{ticket_id}/messages", counselor, json={"text": "잠시만 기다려 주세요.",
                                                                                "lang": "ko"})
    korean = call("GET", f"{base}/v1/tickets/{ticket_id}", migrant).json()["messages"][-1]
    assert korean["original_text"] == "잠시만 기다려 주세요." and korean["original_lang"] == "ko"
    if korean["translated"]:  # a deployer installed a ko→vi model: shown translated, with the notice
        assert korean["lang"] == "vi" and korean["notice"] == message(
            "machine_translated", "vi", source_language=language_name("ko", "vi"))
    else:
        assert korean["text"] == "잠시만 기다려 주세요." and korean["notice"] in (
            message("no_translation_available", "vi", language=language_name("vi"),
                    answer_language=language_name("ko", "vi")),
            message("translation_unreliable", "vi", answer_language=language_name("ko", "vi")))

    # 6. the migrant answers, the counselor resolves
    assert call("POST", f"{base}/v1/tickets/{ticket_id}/messages", migrant,
                json={"text": "Cảm ơn, tôi chỉ muốn hỏi vậy thôi."}).json()["status"] == "open"
    resolved = call("POST", f"{base}/v1/tickets/{ticket_id}/status", counselor, json={"status": "resolved"})
    assert resolved.json()["status"] == "resolved"
    final = call("GET", f"{base}/v1/tickets/{ticket_id}", migrant).json()
    assert final["status"] == "resolved" and final["status_message"] == message("ticket_resolved", "vi", days="7")
    trail = call("GET", f"{base}/v1/tickets/{ticket_id}/events", counselor).json()
    assert [(e["from_value"], e["to_value"]) for e in trail if e["action"] == "status"] == [
        ("new", "assigned"), ("assigned", "waiting_on_migrant"), ("waiting_on_migrant", "open"),
        ("open", "resolved")]
    # 7. resolved: the bot answers this conversation again
    back = call("POST", f"{base}/v1/ask", json={"text": "Tôi làm thẻ người nước ngoài ở đâu?",
                                                "conversation_id": "e2e-1"}).json()
    assert back["answered"] is True


def test_server_logs_are_redacted(server):
    r = call("GET", f"{server.base}/v1/entries/010-1234-5678")  # personal data in a URL lands in the access log
    assert r.status_code == 404
    text = server.log.read_text()
    assert "/v1/entries/[PHONE]" in text and "010-1234-5678" not in text
