"""The administrators' API token pages: who may use them, and what each action does."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from sightline.accounts.models import Role
from sightline.api.models import ApiToken, ApiTokenEvent
from sightline.api.services import token_authenticate, token_revoke
from tests.api.conftest import HV
from tests.web.conftest import CheckedClient

PAGES = ["/api-tokens", "/api-tokens/new", "/api-tokens/{id}"]
ACTIONS = ["/api-tokens/{id}/rotate", "/api-tokens/{id}/revoke"]


@pytest.fixture
def admin(client, make_staff):
    client.force_login(make_staff(Role.ADMINISTRATOR))
    return client


def _secret_on(response) -> str:
    found = re.search(
        r'id="secret" name="secret" type="text" value="(sl_[^"]+)"', response.content.decode()
    )
    assert found, "the new token is shown"
    return found.group(1)


def test_the_list_shows_each_token_and_never_a_secret(admin, hv_token, police_token):
    token_revoke(token=police_token.token)
    page = admin.get("/api-tokens")
    text = page.content.decode()
    assert page.status_code == 200
    assert f"sl_{hv_token.token.prefix}" in text and f"sl_{police_token.token.prefix}" in text
    assert "Revoked" in text and "Active" in text
    assert hv_token.secret not in text


def test_creating_a_token_shows_it_once(admin, agencies):
    page = admin.post(
        "/api-tokens/new", {"agency": agencies[HV].pk, "name": "Maternity EPR export"}
    )

    assert page.status_code == 201
    assert "no-store" in page["Cache-Control"]
    secret = _secret_on(page)
    token = token_authenticate(secret=secret)
    assert token is not None and token.agency.code == HV and token.created_by.startswith("admin")
    again = admin.get(f"/api-tokens/{token.pk}").content.decode()
    assert secret not in again and "created by administrator" in again


def test_a_token_needs_an_agency_and_a_name(admin, agencies):
    page = admin.post("/api-tokens/new", {"agency": "", "name": ""})
    text = page.content.decode()
    assert page.status_code == 400
    assert "Select the agency the token sends records for" in text
    assert "Enter what the token is for" in text
    assert not ApiToken.objects.exists()


def test_rotating_from_the_page_shows_the_new_token(admin, hv_token):
    page = admin.post(f"/api-tokens/{hv_token.token.pk}/rotate", {"old_one": "overlap"})
    assert page.status_code == 201
    new = token_authenticate(secret=_secret_on(page))
    assert new is not None and new.pk != hv_token.token.pk
    assert "keeps working until" in page.content.decode()
    assert token_authenticate(secret=hv_token.secret) is not None


def test_rotating_and_stopping_the_old_one_now(admin, hv_token):
    page = admin.post(f"/api-tokens/{hv_token.token.pk}/rotate", {"old_one": "revoke"})
    assert page.status_code == 201
    assert token_authenticate(secret=hv_token.secret) is None


def test_rotating_needs_a_choice_for_the_old_token(admin, hv_token):
    page = admin.post(f"/api-tokens/{hv_token.token.pk}/rotate", {})
    assert page.status_code == 400
    assert "Select what happens to the old token" in page.content.decode()
    assert ApiToken.objects.count() == 1


def test_revoking_from_the_page(admin, hv_token):
    page = admin.post(f"/api-tokens/{hv_token.token.pk}/revoke", follow=True)
    text = page.content.decode()
    assert page.status_code == 200
    assert "is revoked" in text and "Revoke the token" not in text
    assert token_authenticate(secret=hv_token.secret) is None
    event = ApiTokenEvent.objects.get(action="revoked")
    assert event.by is not None and event.by.staff.role == Role.ADMINISTRATOR


def test_an_unknown_token_is_404(admin, db):
    assert admin.get("/api-tokens/999").status_code == 404


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.ADMINISTRATOR])
def test_every_other_role_is_refused_every_page_and_action(client, make_staff, hv_token, role):
    client.force_login(make_staff(role))
    for path in PAGES:
        assert client.get(path.format(id=hv_token.token.pk)).status_code == 403, path
    for path in [*ACTIONS, "/api-tokens/new"]:
        response = client.post(path.format(id=hv_token.token.pk), {"old_one": "revoke"})
        assert response.status_code == 403, path
    assert ApiToken.objects.count() == 1
    assert token_authenticate(secret=hv_token.secret) is not None


def test_signed_out_every_page_goes_to_sign_in(hv_token):
    for path in PAGES:
        response = Client().get(path.format(id=hv_token.token.pk))
        assert response.status_code == 302 and response["Location"].startswith("/sign-in")


def test_csrf_is_still_enforced_on_the_token_pages(make_staff, hv_token, agencies):
    strict = CheckedClient(enforce_csrf_checks=True)
    strict.force_login(make_staff(Role.ADMINISTRATOR))
    token_id = hv_token.token.pk
    assert (
        strict.post("/api-tokens/new", {"agency": agencies[HV].pk, "name": "x"}).status_code == 403
    )
    assert strict.post(f"/api-tokens/{token_id}/rotate", {"old_one": "revoke"}).status_code == 403
    assert strict.post(f"/api-tokens/{token_id}/revoke").status_code == 403
    assert ApiToken.objects.count() == 1
    assert token_authenticate(secret=hv_token.secret) is not None


def test_administrators_find_the_tokens_in_the_navigation(admin, make_staff, client):
    assert 'href="/api-tokens"' in admin.get("/api-tokens").content.decode()
    other = CheckedClient()
    other.force_login(make_staff(Role.DATA_ENGINEER))
    assert 'href="/api-tokens"' not in other.get("/").content.decode()
