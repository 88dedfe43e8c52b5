"""HTTP API through FastAPI's TestClient on the real service (the e2e test runs a real server process)."""

import pytest
from fastapi.testclient import TestClient

from migrant_desk.api import create_app


@pytest.fixture(scope="module")
def client(runtime):
    with TestClient(create_app(runtime=runtime)) as c:
        yield c


def test_ask_korean_returns_the_entry_in_korean(client):
    r = client.post("/v1/ask", json={"text": "외국인등록증은 어디서 만들어요?"})
    assert r.status_code == 200
    body = r.json()
    assert body["answered"] is True and body["lang"] == "ko" and body["lang_reason"] == "detected"
    assert body["answer"]["id"] == "arc-registration" and body["answer"]["answer_lang"] == "ko"
    assert body["answer"]["source"]["url"].startswith("https://")
    assert body["notice"] is None and body["offer_counselor"] is False
    assert len(body["alternatives"]) <= 4 and "arc-registration" not in [a["id"] for a in body["alternatives"]]


def test_conversation_id_is_echoed(client):
    r = client.post("/v1/ask", json={"text": "퇴직금 언제 받아요?", "conversation_id": "c-1"})
    assert r.json()["conversation_id"] == "c-1"


@pytest.mark.parametrize(
    "payload,status,code",
    [
        ({"text": "   "}, 400, "empty_text"),
        ({"text": "x" * 2001}, 413, "text_too_long"),
        ({"text": "hello there", "lang": "xx"}, 422, "unknown_language"),
        ({"lang": "ko"}, 422, "invalid_request"),
        ({"text": 12}, 422, "invalid_request"),
    ],
)
def test_bad_input_gets_a_code_and_a_sentence(client, payload, status, code):
    r = client.post("/v1/ask", json=payload)
    assert r.status_code == status
    body = r.json()
    assert body["code"] == code and body["message"].endswith(".")


def test_malformed_json(client):
    r = client.post("/v1/ask", content=b'{"text": "broken', headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["code"] == "malformed_json"


def test_healthz_reports_model_and_index(client, runtime):
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["entries"] == len(runtime.entries)
    assert body["model"] == runtime.embedder.model_id and body["vectors"] > body["entries"]


def test_languages_count_variants(client, runtime):
    langs = {l["code"]: l for l in client.get("/v1/languages").json()}
    assert langs["ko"]["entries"] == len(runtime.entries) == langs["en"]["entries"]
    for code, lang in langs.items():  # every bundled entry is written in all 15 languages
        assert lang["entries"] == sum(code in e.translations for e in runtime.service.entries.values()), code


def test_entry_by_id_and_404(client):
    assert client.get("/v1/entries/arc-registration").json()["id"] == "arc-registration"
    r = client.get("/v1/entries/nope")
    assert r.status_code == 404 and r.json()["code"] == "entry_not_found"


def test_openapi_docs_are_served(client):
    assert client.get("/docs").status_code == 200
    assert "/v1/ask" in client.get("/openapi.json").json()["paths"]
