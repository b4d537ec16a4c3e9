"""Signing in and out: every page is closed to anyone not signed in."""

from __future__ import annotations

import pytest

from sightline.feeds.models import FeedFile, QuarantinedLine
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _pages() -> list[str]:
    feed = FeedFile.objects.first()
    line = QuarantinedLine.objects.first()
    assert feed is not None and line is not None
    return ["/", "/quarantine", f"/quarantine/{line.pk}", f"/feeds/{feed.pk}"]


def test_every_page_sends_a_visitor_who_is_not_signed_in_to_sign_in(client, examples):
    for url in _pages():
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"/sign-in?next={url}", url
    # Nothing of a quarantined line leaks into the redirect itself.
    assert b"HV-2000" not in client.get(_pages()[2]).content


def test_the_sign_in_page_is_a_gov_uk_form(client):
    response = client.get("/sign-in")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Sign in - Sightline</title>" in html
    assert 'class="govuk-skip-link"' in html
    assert 'autocomplete="current-password"' in html
    assert "govuk-error-summary" not in html


def test_wrong_password_shows_the_error_summary_and_signs_nobody_in(client, engineer):
    response = client.post("/sign-in", {"username": "data.engineer", "password": "wrong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: Sign in - Sightline</title>" in html
    assert 'class="govuk-error-summary"' in html
    assert (
        '<a href="#id_username">Enter a correct username and password.'
        " Both are case-sensitive.</a>" in html
    )
    assert "govuk-input--error" in html
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302


def test_empty_fields_each_get_their_own_message(client, db):
    html = client.post("/sign-in", {"username": "", "password": ""}).content.decode()
    assert '<a href="#id_username">Enter your username</a>' in html
    assert '<a href="#id_password">Enter your password</a>' in html
    assert 'aria-describedby="id_username-error"' in html
    assert 'aria-describedby="id_password-error"' in html


def test_signing_in_returns_to_the_page_asked_for(client, engineer):
    response = client.post(
        "/sign-in", {"username": "data.engineer", "password": PASSWORD, "next": "/quarantine"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/quarantine"
    assert client.get("/quarantine").status_code == 200


def test_signing_in_never_redirects_to_another_site(client, engineer):
    response = client.post(
        "/sign-in",
        {"username": "data.engineer", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_sign_out_is_a_post_and_ends_the_session(signed_in):
    assert signed_in.get("/").status_code == 200
    assert signed_in.get("/sign-out").status_code == 405
    assert signed_in.get("/").status_code == 200
    response = signed_in.post("/sign-out")
    assert response.status_code == 302
    assert response["Location"] == "/sign-in"
    assert signed_in.get("/").status_code == 302


def test_every_signed_in_page_offers_sign_out_as_a_form(signed_in):
    html = signed_in.get("/").content.decode()
    assert '<form method="post" action="/sign-out"' in html
    assert "csrfmiddlewaretoken" in html


def test_an_unknown_page_is_a_gov_uk_404(signed_in):
    response = signed_in.get("/no-such-page")
    assert response.status_code == 404
    assert "<title>Page not found - Sightline</title>" in response.content.decode()


def test_a_form_sent_without_its_csrf_token_gets_a_gov_uk_page(engineer):
    from tests.web.conftest import CheckedClient

    client = CheckedClient(enforce_csrf_checks=True)
    response = client.post("/sign-in", {"username": "data.engineer", "password": PASSWORD})
    assert response.status_code == 403
    assert "<title>The form could not be sent - Sightline</title>" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_thirty_minutes_without_a_request_signs_you_out_and_each_request_moves_it_on(
    client, make_staff
):
    import datetime as dt

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client.force_login(make_staff("mash"))
    assert client.get("/people/search").status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)
    left = session.expire_date - timezone.now()
    assert dt.timedelta(minutes=29) < left <= dt.timedelta(minutes=30)

    # Thirty-one minutes of nothing: the session has lapsed, so sign in again.
    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() - dt.timedelta(minutes=1)
    )
    response = client.get("/people/search")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in")
