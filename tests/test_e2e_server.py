"""End to end: `migrant-desk serve` as a real uvicorn process, the real model and index, asked over HTTP."""

import httpx
import pytest

from tests.server import running_server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("serve")) as srv:
        yield srv.base


@pytest.mark.parametrize(
    "text,lang,answer_lang",
    [
        ("외국인등록증은 어디서 만들어요?", "ko", "ko"),
        ("Tôi làm thẻ đăng ký người nước ngoài ở đâu?", "vi", "vi"),
        ("Where can I get my alien registration card?", "en", "en"),
    ],
)
def test_asks_in_three_languages(server, text, lang, answer_lang):
    r = httpx.post(f"{server}/v1/ask", json={"text": text}, timeout=30)
    assert r.status_code == 200
    body = r.json()
    assert body["lang"] == lang and body["answered"]
    assert body["answer"]["id"] == "arc-registration" and body["answer"]["answer_lang"] == answer_lang


def test_error_shape_over_http(server):
    r = httpx.post(f"{server}/v1/ask", json={"text": ""}, timeout=30)
    assert r.status_code == 400 and r.json()["code"] == "empty_text"
