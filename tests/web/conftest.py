"""Fixtures for the web pages: a client that checks every page it gets, and users."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.test import Client

from sightline.feeds.services import FileResult, feed_ingest_path
from tests.conftest import FIXTURES
from tests.reviews.dashboard_fixtures import borough, contacts, flags  # noqa: F401
from tests.reviews.plan_fixtures import plan  # noqa: F401
from tests.web.markup import assert_good_markup
from tests.web.people_fixtures import family, make_staff  # noqa: F401

PASSWORD = "correct horse battery staple"


class CheckedClient(Client):
    """A test client that holds every HTML page it receives to the markup rules.

    Overriding pytest-django's ``client`` means no test can render a page and
    forget to check it.
    """

    def request(self, **request: Any) -> HttpResponse:
        response: HttpResponse = super().request(**request)
        content_type = response.get("Content-Type", "")
        is_page = content_type.startswith("text/html") and bool(response.content)
        if is_page and not 300 <= response.status_code < 400:
            assert_good_markup(response.content.decode())
        return response


@pytest.fixture
def client() -> CheckedClient:
    return CheckedClient()


@pytest.fixture
def engineer(db: None) -> Any:
    from sightline.accounts.models import Role, StaffProfile

    user = get_user_model().objects.create_user(
        username="data.engineer", password=PASSWORD, is_staff=True
    )
    StaffProfile.objects.create(user=user, role=Role.DATA_ENGINEER)
    return user


@pytest.fixture
def signed_in(client: CheckedClient, engineer: Any) -> CheckedClient:
    client.force_login(engineer)
    return client


@pytest.fixture
def ingest() -> Callable[[Path], FileResult]:
    def run(path: Path) -> FileResult:
        result = feed_ingest_path(path=path, sent_by="test")
        assert not result.error
        return result

    return run


@pytest.fixture
def examples(db: None, ingest: Callable[[Path], FileResult]) -> tuple[FileResult, FileResult]:
    """The shared example feeds, good then bad, ingested through the real service."""
    return ingest(FIXTURES / "example-feed.jsonl"), ingest(FIXTURES / "example-bad-feed.jsonl")
