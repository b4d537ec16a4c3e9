"""Changing your password: the password rules, in GOV.UK error messages."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from sightline.accounts.models import AccountEvent
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW = "kettle orbit meadow lantern"


def _change(client, old=PASSWORD, new=NEW, again=None):
    return client.post(
        "/account/password",
        {
            "old_password": old,
            "new_password1": new,
            "new_password2": new if again is None else again,
        },
    )


def test_the_page_is_a_gov_uk_form_linked_from_every_page(signed_in):
    html = signed_in.get("/account/password").content.decode()
    assert "<title>Change your password - Sightline</title>" in html
    assert (
        '<label class="govuk-label govuk-label--s" for="id_new_password1">New password</label>'
        in html
    )
    assert "Use at least 12 characters" in html
    assert 'autocomplete="new-password"' in html
    assert (
        'href="/account/password">Change your password</a>' in signed_in.get("/").content.decode()
    )


def test_a_good_new_password_is_kept_and_the_session_stays_signed_in(signed_in, engineer):
    response = _change(signed_in)
    assert response.status_code == 302 and response["Location"] == "/account/password"
    assert "Your password has been changed" in signed_in.get("/account/password").content.decode()
    assert signed_in.get("/").status_code == 200
    user = get_user_model().objects.get(pk=engineer.pk)
    assert user.check_password(NEW) and not user.check_password(PASSWORD)
    event = AccountEvent.objects.get(user=engineer)
    assert event.action == AccountEvent.Action.PASSWORD_CHANGED


@pytest.mark.parametrize(
    ("new", "field", "message"),
    [
        (
            "short words",
            "id_new_password1",
            "This password is too short. It must contain at least 12 characters.",
        ),
        ("123456789012345", "id_new_password1", "This password is entirely numeric."),
        ("password1234", "id_new_password1", "This password is too common."),
        ("data.engineer1", "id_new_password1", "The password is too similar to the username."),
    ],
)
def test_each_password_rule_is_named_on_the_new_password_field(
    signed_in, engineer, new, field, message
):
    response = _change(signed_in, new=new)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Change your password - Sightline</title>" in html
    assert f'<a href="#{field}">{message}</a>' in html
    assert get_user_model().objects.get(pk=engineer.pk).check_password(PASSWORD)
    assert not AccountEvent.objects.exists()


def test_a_wrong_current_password_or_a_mismatch_is_refused(signed_in, engineer):
    html = _change(signed_in, old="not it").content.decode()
    assert (
        '<a href="#id_old_password">Your current password is not right. Enter it again</a>' in html
    )
    html = _change(signed_in, again="kettle orbit meadow lanterns").content.decode()
    assert '<a href="#id_new_password2">Enter the same new password twice</a>' in html
    html = _change(signed_in, old="", new="").content.decode()
    assert '<a href="#id_old_password">Enter your current password</a>' in html
    assert '<a href="#id_new_password1">Enter a new password</a>' in html
    assert get_user_model().objects.get(pk=engineer.pk).check_password(PASSWORD)
