"""POST /v1/translate and GET /v1/translate/pairs (staff only), and the Python API the ticket queue uses."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from migrant_desk import auth
from migrant_desk.api import create_app
from migrant_desk.config import Settings
from migrant_desk.runtime import start
from migrant_desk.tickets.translate import TicketMessageTranslator, message_translator
from tests.translation import corpus


@pytest.fixture(scope="module")
def api_runtime(tmp_path_factory, cache_dir, translation_dir):
    tmp = tmp_path_factory.mktemp("api")
    return start(Settings(index_dir=tmp / "idx", db_path=tmp / "db.sqlite", cache_dir=cache_dir,
                          translation_dir=translation_dir, translation_targets=[], pretranslate_on_start=False))


@pytest.fixture(scope="module")
def client(api_runtime):
    with TestClient(create_app(runtime=api_runtime)) as c:
        yield c


@pytest.fixture(scope="module")
def tokens(api_runtime):
    out = {}
    for role in ("counselor", "editor", "admin"):
        _, out[role] = auth.create_user(api_runtime.store.db, f"t-{role}", role, ["ko", "vi"])
    return out


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_counselor_translates_a_korean_reply_into_vietnamese_by_pivot(client, tokens):
    rows = corpus.counselor_sentences()
    text = f"{rows[2]['text']} {rows[5]['text']}"
    r = client.post("/v1/translate", json={"text": text, "target_lang": "vi"}, headers=bearer(tokens["counselor"]))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["original"] == text and body["source_lang"] == "ko" and body["source_lang_reason"] == "detected"
    assert body["status"] == "machine" and body["path"] == ["ko", "en", "vi"]
    assert body["text"] == f"{rows[2]['translations']['vi']} {rows[5]['translations']['vi']}"
    assert body["gate"]["passed"] is True and body["gate"]["score"] >= body["gate"]["threshold"]


def test_every_staff_role_may_translate_others_may_not(client, tokens, api_runtime):
    payload = {"text": corpus.counselor_sentences()[0]["text"], "source_lang": "ko", "target_lang": "en"}
    for role, token in tokens.items():
        assert client.post("/v1/translate", json=payload, headers=bearer(token)).status_code == 200, role
    r = client.post("/v1/translate", json=payload)
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"
    r = client.post("/v1/translate", json=payload, headers=bearer("mds_not-a-real-token"))
    assert r.status_code == 401 and r.json()["code"] == "invalid_token"
    assert client.get("/v1/translate/pairs").status_code == 401


def test_unavailable_and_same_language_are_answers_not_errors(client, tokens):
    h = bearer(tokens["counselor"])
    r = client.post("/v1/translate", json={"text": "Xin chào", "source_lang": "vi", "target_lang": "ko"}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "unavailable" and r.json()["text"] is None
    assert "vi to ko" in r.json()["reason"]
    r = client.post("/v1/translate", json={"text": "안녕하세요", "source_lang": "ko", "target_lang": "ko"}, headers=h)
    assert r.json()["status"] == "same_language"


def test_unreliable_output_is_returned_with_the_verdict(client, tokens):
    # the toy en→th model never saw this sentence
    r = client.post("/v1/translate", json={"text": "Please bring your tax certificate tomorrow morning.",
                                           "source_lang": "en", "target_lang": "th"},
                    headers=bearer(tokens["counselor"]))
    body = r.json()
    assert body["status"] == "unreliable" and body["text"] and not body["gate"]["passed"]
    assert body["gate"]["reasons"] and body["reason"] == ", ".join(body["gate"]["reasons"])


@pytest.mark.parametrize("payload,status,code", [
    ({"text": "  ", "target_lang": "vi"}, 400, "empty_text"),
    ({"text": "x" * 2001, "target_lang": "vi"}, 413, "text_too_long"),
    ({"text": "hello", "target_lang": "xx"}, 422, "unknown_language"),
    ({"text": "hello", "target_lang": "vi", "source_lang": "qq"}, 422, "unknown_language"),
    ({"text": "hello"}, 422, "invalid_request"),
])
def test_bad_input(client, tokens, payload, status, code):
    r = client.post("/v1/translate", json=payload, headers=bearer(tokens["editor"]))
    assert r.status_code == status and r.json()["code"] == code and r.json()["message"].endswith(".")


def test_pairs_lists_direct_and_pivot_routes(client, tokens):
    pairs = client.get("/v1/translate/pairs", headers=bearer(tokens["admin"])).json()
    routes = {(p["source_lang"], p["target_lang"]): p["path"] for p in pairs}
    assert routes[("ko", "vi")] == ["ko", "en", "vi"] and routes[("en", "th")] == ["en", "th"]
    assert ("vi", "ko") not in routes


def test_python_api_keeps_the_original(api_runtime):
    rows = corpus.counselor_sentences()
    result = api_runtime.translation.translate_message(rows[1]["text"], "ko", "en")
    assert result.original == rows[1]["text"] and result.text == rows[1]["translations"]["en"]
    assert result.status == "machine" and result.shown == result.text and result.gate.passed
    failed = api_runtime.translation.translate_message("Completely new words here.", "en", "th")
    assert failed.status == "unreliable" and failed.shown == failed.original


def test_ticket_queue_adapter(api_runtime):
    from migrant_desk.tickets.translate import NoTranslator, TranslationOutcome

    adapter = message_translator(api_runtime.translation)
    assert isinstance(adapter, TicketMessageTranslator)
    rows = corpus.counselor_sentences()
    out = adapter.translate(rows[0]["text"], "ko", "vi")
    assert isinstance(out, TranslationOutcome)
    assert out.status == "machine" and out.text == rows[0]["translations"]["vi"] and out.score is not None
    assert adapter.translate("Completely new words here.", "en", "th").status == "rejected"
    assert adapter.translate("Xin chào", "vi", "ko").status == "unavailable"
    assert isinstance(message_translator(None), NoTranslator)


def test_translation_does_not_import_the_ticket_queue():
    """The dependency runs one way (tickets -> translation); before, each package imported the other."""
    import subprocess
    import sys

    code = ("import sys, migrant_desk.translation; "
            "print(sorted(m for m in sys.modules if m.startswith('migrant_desk.tickets')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
