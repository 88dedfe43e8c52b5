"""Issue 16: /metrics in Prometheus format with the named series; counters equal what was done; request ids."""

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from migrant_desk.api import create_app


@pytest.fixture
def client(runtime):
    with TestClient(create_app(runtime=runtime)) as c:
        yield c


def samples(client) -> dict[tuple[str, tuple], float]:
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    out = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_counters_equal_a_scripted_run(client):
    bands = []
    for text in ("외국인등록증은 어디서 만들어요?", "홍대 맛집 추천좀", "hi"):
        body = client.post("/v1/ask", json={"text": text}).json()
        bands.append((body["lang"], body["confidence"], body["kind"]))
    assert client.post("/v1/ask", json={"text": ""}).status_code == 400
    got = samples(client)
    for lang, band, kind in set(bands):
        key = ("migrant_desk_ask_outcomes_total", (("band", band), ("kind", kind), ("lang", lang)))
        assert got[key] == bands.count((lang, band, kind))
    ok = ("migrant_desk_http_requests_total", (("method", "POST"), ("route", "/v1/ask"), ("status", "200")))
    bad = ("migrant_desk_http_requests_total", (("method", "POST"), ("route", "/v1/ask"), ("status", "400")))
    assert got[ok] == 3 and got[bad] == 1
    assert got[("migrant_desk_http_request_seconds_count", (("method", "POST"), ("route", "/v1/ask")))] == 4
    assert got[("migrant_desk_embedding_batch_size_count", ())] >= 2  # the greeting needs no model
    vectors = [v for (name, labels), v in got.items() if name == "migrant_desk_index_vectors"]
    assert vectors == [client.get("/healthz").json()["vectors"]]
    assert got[("migrant_desk_long_polls_open", ())] == 0


def test_queue_depth_counts_a_handoff(client):
    r = client.post("/v1/handoff", json={"conversation_id": "metrics-1", "lang": "th", "consent": True,
                                         "transcript": [{"role": "migrant", "text": "help"}]})
    assert r.status_code == 201
    got = samples(client)
    assert got[("migrant_desk_queue_depth", (("lang", "th"), ("status", "new")))] >= 1
    assert got[("migrant_desk_tickets_overdue", (("lang", "th"),))] == 0  # just created: within its SLA


def test_every_response_has_a_request_id_and_a_sane_one_is_kept(client):
    r = client.get("/healthz")
    assert len(r.headers["x-request-id"]) == 32
    assert client.get("/healthz", headers={"x-request-id": "abc-123"}).headers["x-request-id"] == "abc-123"
    assert client.get("/healthz", headers={"x-request-id": "bad id\n"}).headers["x-request-id"] != "bad id\n"


def test_metrics_can_require_a_token(runtime):
    original = runtime.settings
    runtime.settings = original.model_copy(update={"metrics_token": "s3cret"})
    try:
        with TestClient(create_app(runtime=runtime)) as client:
            assert client.get("/metrics").status_code == 401
            assert client.get("/metrics", headers={"authorization": "Bearer s3cret"}).status_code == 200
    finally:
        runtime.settings = original
