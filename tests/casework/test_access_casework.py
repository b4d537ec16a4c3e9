"""Each condition in accounts/access_casework.py, one test a line."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from sightline.accounts.access_casework import (
    case_step_get_for_user,
    contact_get_for_user,
    flag_get_for_triage,
    may_make_referral,
    may_work_in_mash,
)
from sightline.accounts.models import Role
from sightline.casework.models import Contact
from sightline.casework.services import ContactDetails, contact_create, triage_decide
from sightline.linkage.models import Person
from tests.web.casework_helpers import flag, london, staff

pytestmark = pytest.mark.django_db


def test_signed_out_may_not_use_the_mash():
    assert may_work_in_mash(AnonymousUser()) is False


def test_a_switched_off_account_may_not_use_the_mash():
    user = staff("mo.hub", Role.MASH)
    user.is_active = False
    assert may_work_in_mash(user) is False


def test_a_mash_practitioner_may_use_the_mash():
    assert may_work_in_mash(staff("mo.hub", Role.MASH)) is True


def test_a_team_manager_may_use_the_mash():
    assert may_work_in_mash(staff("tess.manager", Role.TEAM_MANAGER)) is True


@pytest.mark.parametrize(
    "role",
    [
        Role.SOCIAL_WORKER,
        Role.PARTNER,
        Role.PARTNERSHIP_OFFICER,
        Role.ADMINISTRATOR,
        Role.DATA_ENGINEER,
        None,
    ],
)
def test_no_other_role_may_use_the_mash(role):
    assert may_work_in_mash(staff("someone", role)) is False


def test_signed_out_may_not_use_the_referral_form():
    assert may_make_referral(AnonymousUser()) is False


def test_a_switched_off_account_may_not_refer():
    user = staff("hana.visitor", Role.PARTNER)
    user.is_active = False
    assert may_make_referral(user) is False


@pytest.mark.parametrize(
    ("role", "may"),
    [
        (Role.PARTNER, True),
        (Role.SOCIAL_WORKER, True),
        (Role.MASH, True),
        (Role.TEAM_MANAGER, True),
        (Role.PARTNERSHIP_OFFICER, False),
        (Role.ADMINISTRATOR, False),
        (Role.DATA_ENGINEER, False),
        (None, False),
    ],
)
def test_only_roles_that_work_with_children_may_refer(role, may):
    assert may_make_referral(staff("someone", role)) is may


def test_items_for_triage_are_fetched_only_for_the_mash():
    c = contact_create(
        details=ContactDetails(concern="c", immediate_danger="no", child_given_name="A"),
        source=Contact.Source.PUBLIC,
    )
    f = flag(Person.objects.create(), created_at=london(2026, 12, 1))
    hub, worker = staff("mo.hub", Role.MASH), staff("sam.worker", Role.SOCIAL_WORKER)
    decision = triage_decide(contact=c, outcome="assessment", reason="r", by=hub)
    step = decision.steps.get()
    assert contact_get_for_user(user=hub, contact_id=c.pk) == c
    assert flag_get_for_triage(user=hub, flag_id=f.pk) == f
    assert case_step_get_for_user(user=hub, step_id=step.pk) == step
    assert contact_get_for_user(user=worker, contact_id=c.pk) is None
    assert flag_get_for_triage(user=worker, flag_id=f.pk) is None
    assert case_step_get_for_user(user=worker, step_id=step.pk) is None
    assert contact_get_for_user(user=hub, contact_id=c.pk + 1) is None
