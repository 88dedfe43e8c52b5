"""Issue 12: schemathesis over the whole OpenAPI schema, anonymous and with every kind of token (counselor,
editor, admin, a migrant's ticket token). No input may produce a server error (5xx), a status the schema does
not list, or a body that does not match the schema. Bounded for the test suite (a few examples per operation);
a longer, randomised run: MIGRANT_DESK_FUZZ_EXAMPLES=200 MIGRANT_DESK_FUZZ_RANDOM=1 python3 -m pytest
tests/test_fuzz_api.py. The suite's run is derandomised, so CI explores the same inputs on every machine.

The service runs on a knowledge base of its own (three bundled entries): fuzzed editor requests may create,
change and publish entries, which must not touch the index other tests share."""

import os
import shutil

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from migrant_desk import auth
from migrant_desk.api import create_app
from migrant_desk.config import Settings
from migrant_desk.runtime import start
from tests.conftest import BUNDLED_KB

EXAMPLES = int(os.environ.get("MIGRANT_DESK_FUZZ_EXAMPLES", "6"))
RANDOM = bool(os.environ.get("MIGRANT_DESK_FUZZ_RANDOM"))
CHECKS = (not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance)


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory, cache_dir):
    root = tmp_path_factory.mktemp("fuzz")
    (root / "kb").mkdir()
    for entry_id in ("contact-1345", "severance-pay", "arc-registration"):
        shutil.copy(BUNDLED_KB / f"{entry_id}.yaml", root / "kb")
    runtime = start(Settings(kb_path=root / "kb", index_dir=root / "idx", db_path=root / "desk.db",
                             cache_dir=cache_dir, translation_dir=root / "translation"))
    return create_app(runtime=runtime), runtime


@pytest.fixture(scope="module")
def principals(fuzz_app) -> dict[str, dict[str, str]]:
    app, runtime = fuzz_app
    headers = {"anonymous": {}}
    for role in ("counselor", "editor", "admin"):
        _, token = auth.create_user(runtime.store.db, f"fuzz-{role}", role, ["ko", "en"], [], 5)
        headers[role] = {"Authorization": f"Bearer {token}"}
    handoff = TestClient(app).post("/v1/handoff", json={"conversation_id": "fuzz", "lang": "en", "consent": True})
    assert handoff.status_code == 201, handoff.text
    headers["migrant"] = {"Authorization": f"Bearer {handoff.json()['access_token']}"}
    return headers


@pytest.fixture(scope="module")
def api_schema(fuzz_app):
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_app[0])


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=not RANDOM)
def test_every_operation_answers_within_its_schema_for_every_caller(case, principals):
    for who, headers in principals.items():
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS)
        except Exception as exc:
            raise AssertionError(f"as {who}: {exc}") from exc
