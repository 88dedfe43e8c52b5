"""Issue 12: anonymous rate limits and long-poll caps answer 429 with Retry-After, per client, and one client's
excess does not touch another's."""

import threading

import pytest
from fastapi.testclient import TestClient

from migrant_desk.api import create_app
from migrant_desk.limits import ConcurrencyLimiter, RateLimited, RateLimiter


def test_token_bucket_allows_a_burst_then_the_rate():
    now = [0.0]
    limiter = RateLimiter(per_minute=60, burst=3, clock=lambda: now[0])
    assert [limiter.retry_after("a") for _ in range(3)] == [None, None, None]
    wait = limiter.retry_after("a")
    assert wait == pytest.approx(1.0)
    assert limiter.retry_after("b") is None  # another client is not affected
    now[0] += 1.0
    assert limiter.retry_after("a") is None


def test_concurrency_limiter_caps_per_key_and_in_total():
    limiter = ConcurrencyLimiter(per_key=2, total=3)
    with limiter.hold("t1"), limiter.hold("t1"):
        with pytest.raises(RateLimited):
            with limiter.hold("t1"):
                pass
        with limiter.hold("t2"):
            with pytest.raises(RateLimited) as exc:
                with limiter.hold("t3"):
                    pass
            assert exc.value.code == "too_many_waits"
    assert limiter.open == 0


@pytest.fixture
def strict_client(runtime):
    original = runtime.settings
    runtime.settings = original.model_copy(update={"ask_burst": 3, "ask_per_minute": 1, "handoff_burst": 2,
                                                   "handoff_per_hour": 1, "long_polls_per_token": 1})
    try:
        with TestClient(create_app(runtime=runtime)) as client:
            yield client
    finally:
        runtime.settings = original


def test_ask_beyond_the_limit_gets_429_with_retry_after(strict_client):
    codes = [strict_client.post("/v1/ask", json={"text": "퇴직금 언제 받아요"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = strict_client.post("/v1/ask", json={"text": "퇴직금 언제 받아요"})
    assert r.json()["code"] == "rate_limited" and int(r.headers["retry-after"]) >= 1


def test_handoffs_beyond_the_limit_are_refused_and_not_stored(strict_client, runtime):
    before = runtime.store.db.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
    codes = [strict_client.post("/v1/handoff", json={"conversation_id": f"limit-{i}", "lang": "en", "consent": True,
                                                     "transcript": [{"role": "migrant", "text": "help"}]}).status_code
             for i in range(4)]
    assert codes == [201, 201, 429, 429]
    assert runtime.store.db.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == before + 2


def test_a_second_long_poll_with_the_same_token_is_refused(strict_client):
    r = strict_client.post("/v1/handoff", json={"conversation_id": "limit-poll", "lang": "en", "consent": True,
                                                "transcript": [{"role": "migrant", "text": "help"}]})
    assert r.status_code == 201
    ticket, token = r.json()["ticket_id"], r.json()["access_token"]
    headers = {"authorization": f"Bearer {token}"}
    first = {}
    thread = threading.Thread(target=lambda: first.update(r=strict_client.get(
        f"/v1/tickets/{ticket}/messages", params={"after": 10**9, "wait": 2}, headers=headers)))
    thread.start()
    import time
    time.sleep(0.5)
    second = strict_client.get(f"/v1/tickets/{ticket}/messages", params={"after": 10**9, "wait": 2}, headers=headers)
    thread.join(10)
    assert second.status_code == 429 and second.json()["code"] == "too_many_waits" and "retry-after" in second.headers
    assert first["r"].status_code == 200
