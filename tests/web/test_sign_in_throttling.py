"""Sign-in throttling (django-axes): too many wrong passwords pause sign-in for a while."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from axes.models import AccessAttempt
from django.test import override_settings
from django.utils import timezone

from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PAUSED = "Sign-in is paused for 15 minutes"


def _try(client, username: str, password: str = "wrong password", ip: str = "192.0.2.10"):
    return client.post("/sign-in", {"username": username, "password": password}, REMOTE_ADDR=ip)


@override_settings(AXES_FAILURE_LIMIT=3)
def test_sign_in_pauses_after_the_failure_limit_and_says_for_how_long(client, engineer):
    for _ in range(2):
        response = _try(client, "data.engineer")
        assert response.status_code == 200
        assert PAUSED not in response.content.decode()
    response = _try(client, "data.engineer")
    html = response.content.decode()
    assert response.status_code == 429
    assert "<title>Error: Sign in - Sightline</title>" in html
    assert PAUSED in html
    assert "Wait 15 minutes, then try again" in html
    # Even the right password is refused while paused.
    response = _try(client, "data.engineer", PASSWORD)
    assert response.status_code == 429 and PAUSED in response.content.decode()
    assert "_auth_user_id" not in client.session


@override_settings(AXES_FAILURE_LIMIT=3)
def test_the_pause_reads_the_same_whether_or_not_the_username_exists(client, engineer):
    pages = {}
    for username in ("data.engineer", "no.such.person"):
        for _ in range(3):
            response = _try(client, username)
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
        pages[username] = html.replace(username, "USERNAME")
        assert response.status_code == 429
    assert pages["data.engineer"] == pages["no.such.person"]


@override_settings(AXES_FAILURE_LIMIT=3)
def test_the_pause_is_for_that_username_from_that_address_only(client, engineer):
    for _ in range(3):
        _try(client, "data.engineer", ip="192.0.2.10")
    # The same person at another address, and another person at this one, carry on.
    response = _try(client, "data.engineer", PASSWORD, ip="198.51.100.7")
    assert response.status_code == 302
    assert AccessAttempt.objects.filter(ip_address="192.0.2.10").exists()


@override_settings(AXES_FAILURE_LIMIT=3)
def test_after_the_cool_off_they_can_sign_in_again(client, engineer):
    for _ in range(3):
        _try(client, "data.engineer")
    assert _try(client, "data.engineer", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))
    response = _try(client, "data.engineer", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_success_clears_the_count_of_failures(client, engineer):
    for _ in range(2):
        _try(client, "data.engineer")
    assert _try(client, "data.engineer", PASSWORD).status_code == 302
    client.post("/sign-out")
    for _ in range(2):
        assert _try(client, "data.engineer").status_code == 200


def test_an_overlong_username_is_refused_naming_the_field_and_counts_as_no_attempt(client):
    # Longer than the usernames Django keeps (150) and than django-axes' column (255):
    # on PostgreSQL this was a server error when axes recorded the failure.
    response = _try(client, "u" * 20_000)
    assert response.status_code == 200
    assert "Username must be 150 characters or fewer" in response.content.decode()
    assert not AccessAttempt.objects.exists()
