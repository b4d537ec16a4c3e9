"""Fixtures for the partner API: agencies, tokens made by the real service, and a sender."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from django.test import Client

from sightline.api.services import IssuedToken, token_create
from sightline.feeds.models import Agency
from sightline.feeds.selectors import feed_integrity_problems
from tests.web.conftest import CheckedClient
from tests.web.people_fixtures import make_staff  # noqa: F401

HV = "nhs-community-hv"
POLICE = "norfolk-police"
API = "/api/v1/feeds"


@pytest.fixture
def client() -> CheckedClient:
    return CheckedClient()


@pytest.fixture
def agencies(db: None) -> dict[str, Agency]:
    return {code: Agency.objects.create(code=code) for code in (HV, POLICE)}


@pytest.fixture
def hv_token(agencies: dict[str, Agency]) -> IssuedToken:
    return token_create(agency=agencies[HV], name="Health visiting nightly export")


@pytest.fixture
def police_token(agencies: dict[str, Agency]) -> IssuedToken:
    return token_create(agency=agencies[POLICE], name="Police incident feed")


def jsonl(lines: Iterable[Any]) -> bytes:
    """A body: objects as JSON, bytes and strings as they are, one a line."""
    out = []
    for line in lines:
        if isinstance(line, bytes):
            out.append(line)
        elif isinstance(line, str):
            out.append(line.encode())
        else:
            out.append(json.dumps(line).encode())
    return b"\n".join(out) + b"\n"


@pytest.fixture
def send(db: None) -> Iterator[Callable[..., Any]]:
    """POST a body to the API as a partner system would (no session, no CSRF token)."""
    api_client = Client(enforce_csrf_checks=True)

    def post(
        body: bytes,
        token: IssuedToken | str | None,
        content_type: str = "application/x-ndjson",
        **extra: Any,
    ) -> Any:
        headers = dict(extra)
        if token is not None:
            secret = token.secret if isinstance(token, IssuedToken) else token
            headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
        return api_client.post(API, data=body, content_type=content_type, **headers)

    yield post
    # Every line the API took left whole records behind (see tests/feeds/conftest.py).
    problems = {k: v for k, v in feed_integrity_problems().items() if v}
    assert not problems, problems
