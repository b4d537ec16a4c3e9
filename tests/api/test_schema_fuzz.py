"""schemathesis against the OpenAPI description, with the application in-process (WSGI).

Every request schemathesis makes up from the description (bodies of every
declared type, with and without a valid token) must get an answer the
description allows, and never a server error.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from sightline.config.wsgi import application

# Feed v1 bodies are binary strings in the description; send them as the bytes they are.
schemathesis.serializer.alias(
    ["application/x-ndjson", "application/jsonl"], "application/octet-stream"
)

schema = schemathesis.openapi.from_wsgi("/api/v1/schema", application)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Keep the test's database connection open across in-process requests.

    Django closes old connections when a request starts and finishes, which would
    end the test's transaction; its own test client disconnects the same handler.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token_header(hv_token):
    return {"Authorization": f"Bearer {hv_token.secret}"}


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_server_errors_with_a_valid_token(case, token_header):
    # Answers the description documents must also match the shapes it gives.
    case.call_and_validate(
        headers=token_header, checks=[not_a_server_error, response_schema_conformance]
    )


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_server_errors_without_a_token(case, db):
    response = case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])
    # Unsigned requests go no further than the token check (or the method check).
    assert response.status_code in (401, 405)
