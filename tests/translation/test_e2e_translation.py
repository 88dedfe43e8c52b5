"""End to end: `migrant-desk serve` as a real uvicorn process with an installed model; the knowledge base is
pre-translated in the background after start, /v1/ask serves the translation, /v1/translate needs a token."""

import time

import httpx
import pytest

from migrant_desk import auth
from migrant_desk.db import Store
from tests.server import running_server
from tests.translation import corpus
from tests.translation.test_ask_translation import LIBRARY_QUESTION, make_kb


@pytest.fixture(scope="module")
def server(tmp_path_factory, translation_dir):
    tmp = tmp_path_factory.mktemp("e2e-mt")
    _, token = auth.create_user(Store(tmp / "migrant-desk.db").db, "counselor-1", "counselor", ["ko"])
    env = {"MIGRANT_DESK_KB_PATH": str(make_kb(tmp / "kb")), "MIGRANT_DESK_TRANSLATION_DIR": str(translation_dir),
           "MIGRANT_DESK_TRANSLATION_TARGETS": '["th"]'}
    with running_server(tmp, env) as served:
        yield served.base, token, served.log


def test_ask_is_answered_from_the_memory_once_pretranslation_is_done(server):
    base, _, log = server
    deadline = time.time() + 300
    seen = set()
    while True:  # right after start the background pre-translation may still be running
        body = httpx.post(f"{base}/v1/ask", json={"text": LIBRARY_QUESTION, "lang": "th"}, timeout=30).json()
        seen.add(body["answer"]["translation"])
        if body["answer"]["translation"] == "machine":
            break
        assert body["answer"]["untranslated_reason"] == "not_translated_yet", body  # never a half-done answer
        assert time.time() < deadline, log.read_text()[-3000:]
        time.sleep(0.5)
    assert body["answer"]["answer"] == corpus.expected_thai_answer()
    assert body["answer"]["original_answer"] == " ".join(corpus.LIBRARY["en"]["sentences"])
    assert "ชาวต่างชาติ" not in log.read_text()  # the translated text is not logged


def test_translate_over_http_needs_a_staff_token(server):
    base, token, _ = server
    row = corpus.counselor_sentences()[4]
    payload = {"text": row["text"], "target_lang": "vi"}
    assert httpx.post(f"{base}/v1/translate", json=payload, timeout=30).status_code == 401
    r = httpx.post(f"{base}/v1/translate", json=payload, headers={"Authorization": f"Bearer {token}"}, timeout=60)
    assert r.status_code == 200 and r.json()["text"] == row["translations"]["vi"] and r.json()["status"] == "machine"
