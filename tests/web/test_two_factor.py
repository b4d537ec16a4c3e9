"""Two-factor sign-in: a password alone opens nothing but the two-factor step.

Two-factor sign-in is off by default in the test environment (the other tests
sign in with force_login); every test here switches it on.
"""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import quote

import pytest
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from sightline.accounts.models import AccessLog, AccountEvent, Role
from tests.web.conftest import PASSWORD
from tests.web.people_fixtures import Family

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("two_factor_on")]


@pytest.fixture
def two_factor_on():
    with override_settings(SIGHTLINE_REQUIRE_TWO_FACTOR=True):
        yield


def code_for(device: TOTPDevice) -> str:
    """The code the person's app shows now, computed from the device's key."""
    device.refresh_from_db()
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{value:06d}"


def sign_in_with_password(client: Any, username: str, next_url: str = "/") -> Any:
    return client.post("/sign-in", {"username": username, "password": PASSWORD, "next": next_url})


def confirmed_device(user: Any) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def _web_paths(public_id: str) -> list[tuple[str, Any]]:
    """Every page of the web app, its parameters filled in: (path, view)."""
    resolver = get_resolver()
    found: list[tuple[str, Any]] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                route = re.sub(r"<str:\w+>", public_id, route)
                route = re.sub(r"<int:\w+>", "1", route)
                found.append(("/" + route, p.callback))

    walk(resolver.url_patterns, "")
    return found


def test_without_the_code_no_page_with_a_child_on_it_is_reachable(
    client, family: Family, make_staff
):
    mash = make_staff(Role.MASH)
    confirmed_device(mash)
    assert sign_in_with_password(client, mash.username).status_code == 302
    closed = [
        (path, view)
        for path, view in _web_paths(family.lacey.public_id)
        if getattr(view, "login_required", True) and getattr(view, "two_factor_required", True)
    ]
    child_pages = [p for p, _ in closed if family.lacey.public_id in p]
    assert len(child_pages) >= 10, child_pages
    for path, _ in closed:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == f"/sign-in/two-factor?next={quote(path, safe='')}", path
    assert not AccessLog.objects.exists()
    # Signed in with a password, yet the menu offers nothing but signing out.
    page = client.get("/sign-in/two-factor").content.decode()
    assert "Find a person" not in page and "Sign out" in page


def test_a_wrong_code_is_refused_with_an_error_naming_the_field(client, make_staff):
    worker = make_staff(Role.SOCIAL_WORKER)
    device = confirmed_device(worker)
    sign_in_with_password(client, worker.username)
    right = code_for(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = client.post("/sign-in/two-factor", {"token": wrong, "next": "/caseload"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Enter the code from your authenticator app - Sightline</title>" in html
    assert '<a href="#id_token">Enter the 6-digit code your authenticator app shows now</a>' in html
    assert 'id="id_token-error"' in html and "govuk-input--error" in html
    assert client.get("/caseload")["Location"].startswith("/sign-in/two-factor")


def test_a_code_that_is_not_six_digits_says_so(client, make_staff):
    worker = make_staff(Role.SOCIAL_WORKER)
    confirmed_device(worker)
    sign_in_with_password(client, worker.username)
    html = client.post("/sign-in/two-factor", {"token": "12ab"}).content.decode()
    assert '<a href="#id_token">Enter the code as 6 digits, like 123456</a>' in html
    html = client.post("/sign-in/two-factor", {"token": ""}).content.decode()
    assert '<a href="#id_token">Enter the 6-digit code from your authenticator app</a>' in html


def test_the_right_code_lets_them_in_to_the_page_they_asked_for(client, family: Family, make_staff):
    mash = make_staff(Role.MASH)
    device = confirmed_device(mash)
    child = f"/people/{family.lacey.public_id}"
    response = sign_in_with_password(client, mash.username, next_url=child)
    # The password step sends them on, and the page asked for sends them to the code.
    assert client.get(response["Location"])["Location"] == (
        f"/sign-in/two-factor?next={quote(child, safe='')}"
    )
    response = client.post("/sign-in/two-factor", {"token": code_for(device), "next": child})
    assert response.status_code == 302 and response["Location"] == child
    page = client.get(child)
    assert page.status_code == 200
    assert "Lacey" in page.content.decode()
    assert AccessLog.objects.filter(user=mash, person=family.lacey).count() == 1


def test_a_code_once_used_cannot_be_used_again(client, make_staff):
    worker = make_staff(Role.SOCIAL_WORKER)
    device = confirmed_device(worker)
    sign_in_with_password(client, worker.username)
    code = code_for(device)
    assert client.post("/sign-in/two-factor", {"token": code})["Location"] == "/"
    other = type(client)()
    sign_in_with_password(other, worker.username)
    html = other.post("/sign-in/two-factor", {"token": code}).content.decode()
    assert "Enter the 6-digit code your authenticator app shows now" in html


def test_repeated_wrong_codes_make_them_wait(client, make_staff):
    worker = make_staff(Role.SOCIAL_WORKER)
    device = confirmed_device(worker)
    sign_in_with_password(client, worker.username)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    client.post("/sign-in/two-factor", {"token": wrong})
    html = client.post("/sign-in/two-factor", {"token": code_for(device)}).content.decode()
    # Straight after a wrong code even the right one waits: guessing is slowed down.
    assert re.search(r"Wait \d+ seconds? before entering another code", html), html


def test_someone_without_an_app_sets_one_up_with_a_qr_code_and_is_let_in(client, make_staff):
    worker = make_staff(Role.SOCIAL_WORKER)
    sign_in_with_password(client, worker.username)
    response = client.get("/caseload")
    assert response["Location"] == "/sign-in/two-factor?next=%2Fcaseload"
    response = client.get(response["Location"])
    assert response["Location"] == "/sign-in/two-factor/set-up?next=%2Fcaseload"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "<title>Set up two-factor sign-in - Sightline</title>" in html
    # The QR code is drawn here, as SVG in the page: no script, no image from elsewhere.
    assert re.search(r'<svg class="app-qr-code" role="img" aria-label="QR code[^"]*"', html)
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]
    device = TOTPDevice.objects.get(user=worker)
    assert not device.confirmed
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    shown = re.search(r'id="secret-key">([A-Z2-7 ]+)<', html)
    assert shown and shown.group(1).replace(" ", "") == key
    # A reload shows the same key: a QR code already scanned still matches.
    assert shown.group(1) in client.get("/sign-in/two-factor/set-up").content.decode()

    response = client.post(
        "/sign-in/two-factor/set-up", {"token": code_for(device), "next": "/caseload"}
    )
    assert response["Location"] == "/caseload"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/caseload").status_code == 200
    event = AccountEvent.objects.get(user=worker)
    assert event.action == AccountEvent.Action.TWO_FACTOR_SET_UP
    assert event.by == worker.username


def test_set_up_refuses_a_wrong_code_and_stays_unconfirmed(client, make_staff):
    worker = make_staff(Role.SOCIAL_WORKER)
    sign_in_with_password(client, worker.username)
    client.get("/sign-in/two-factor/set-up")
    device = TOTPDevice.objects.get(user=worker)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    html = client.post("/sign-in/two-factor/set-up", {"token": wrong}).content.decode()
    assert '<a href="#id_token">Enter the 6-digit code your authenticator app shows now</a>' in html
    device.refresh_from_db()
    assert not device.confirmed
    assert not AccountEvent.objects.exists()


def test_someone_with_an_app_cannot_set_up_another(client, make_staff):
    worker = make_staff(Role.SOCIAL_WORKER)
    confirmed_device(worker)
    sign_in_with_password(client, worker.username)
    assert client.get("/sign-in/two-factor/set-up")["Location"].startswith("/sign-in/two-factor?")
    assert TOTPDevice.objects.filter(user=worker).count() == 1


def test_public_pages_and_sign_out_need_no_code(client, make_staff):
    worker = make_staff(Role.SOCIAL_WORKER)
    confirmed_device(worker)
    sign_in_with_password(client, worker.username)
    assert client.get("/report-a-concern").status_code == 200
    assert client.get("/static/web/js-enabled.js").status_code == 200
    response = client.post("/sign-out")
    assert response.status_code == 302 and response["Location"] == "/sign-in"
    assert client.get("/caseload")["Location"] == "/sign-in?next=/caseload"


def test_an_administrator_reset_makes_them_set_up_again(client, cli, make_staff):
    worker = make_staff(Role.SOCIAL_WORKER, username="sam.walker")
    device = confirmed_device(worker)
    sign_in_with_password(client, worker.username)
    client.post("/sign-in/two-factor", {"token": code_for(device)})
    assert client.get("/caseload").status_code == 200

    result = cli("users", "reset-2fa", "sam.walker", "--reason", "Phone lost, ticket 881")
    assert result.code == 0, result.err
    assert "two-factor sign-in reset for sam.walker" in result.err
    assert not TOTPDevice.objects.filter(user=worker).exists()
    event = AccountEvent.objects.get(user=worker)
    assert event.action == AccountEvent.Action.TWO_FACTOR_RESET
    assert event.reason == "Phone lost, ticket 881"
    assert event.by.startswith("command line: ")
    # The session verified with the old app is verified no longer.
    assert client.get("/caseload")["Location"] == "/sign-in/two-factor?next=%2Fcaseload"


def test_the_reset_command_refuses_an_unknown_user_or_no_reason(cli, db):
    result = cli("users", "reset-2fa", "nobody.here", "--reason", "test")
    assert result.code != 0
    assert "There is no account with the username 'nobody.here'" in result.err
    result = cli("users", "reset-2fa", "nobody.here", "--reason", "  ")
    assert result.code != 0
    assert "Give a reason for the reset" in result.err
    assert not AccountEvent.objects.exists()


def test_with_two_factor_off_a_password_is_enough(client, make_staff):
    worker = make_staff(Role.SOCIAL_WORKER)
    with override_settings(SIGHTLINE_REQUIRE_TWO_FACTOR=False):
        sign_in_with_password(client, worker.username)
        assert client.get("/caseload").status_code == 200
