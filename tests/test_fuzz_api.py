"""Issue 12: schemathesis over the whole OpenAPI schema, anonymous: no input may produce a server error (5xx).
Bounded for the test suite (a few examples per operation); a longer run: MIGRANT_DESK_FUZZ_EXAMPLES=200."""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from migrant_desk.api import create_app

EXAMPLES = int(os.environ.get("MIGRANT_DESK_FUZZ_EXAMPLES", "8"))


@pytest.fixture(scope="module")
def api_schema(runtime):
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(runtime=runtime))


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_makes_a_server_error(case):
    response = case.call()
    case.validate_response(response, checks=(not_a_server_error,))
