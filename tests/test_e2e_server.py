"""End to end: `migrant-desk serve` as a real uvicorn process, the real model and index, asked over HTTP."""

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from tests.conftest import CACHE_DIR


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    env = {**os.environ, "MIGRANT_DESK_CACHE_DIR": str(CACHE_DIR),
           "MIGRANT_DESK_INDEX_DIR": str(tmp_path_factory.mktemp("serve-index"))}
    log = tmp_path_factory.mktemp("log") / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "migrant_desk.cli", "serve", "--port", str(port)],
                                stdout=out, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 600  # first start on a fresh machine converts the model and builds the index
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline:
                pytest.fail(f"server did not become healthy:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


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
