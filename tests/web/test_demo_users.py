"""The demo's accounts: one a role, each with the staff profile its pages need, and a caseload."""

from __future__ import annotations

import pytest
from django.utils.html import escape

from sightline.accounts.access import person_may_view
from sightline.accounts.models import Role, StaffProfile
from sightline.casework.models import Allocation
from sightline.web.demo import DEMO_USERS, SOCIAL_CARE_TEAM, demo_users_create

pytestmark = pytest.mark.django_db


def test_there_is_one_demo_account_for_every_role():
    assert sorted(u.staff_role for u in DEMO_USERS) == sorted(Role.values)


def test_each_demo_user_gets_a_staff_profile_and_the_health_visitor_their_agency(family):
    demo_users_create()
    profiles = {p.user.username: p for p in StaffProfile.objects.select_related("agency", "team")}
    assert set(profiles) == {u.username for u in DEMO_USERS}
    assert profiles["health.visitor"].agency.code == "nhs-community-hv"
    assert profiles["social.worker"].team.name == SOCIAL_CARE_TEAM
    assert profiles["team.manager"].team.manager.username == "team.manager"


def test_flagged_children_are_allocated_to_the_social_workers_team_once(family, client):
    demo_users_create()
    worker = StaffProfile.objects.get(user__username="social.worker").user
    assert person_may_view(user=worker, person=family.lacey)  # Lacey has open flags
    assert not person_may_view(user=worker, person=family.tom)  # Tom has none
    held = Allocation.objects.count()
    demo_users_create()  # set up again: new passwords, no second allocation
    assert Allocation.objects.count() == held
    worker.refresh_from_db()  # a new password: sign in as the account now is
    client.force_login(worker)
    page = client.get(f"/people/{family.lacey.public_id}").content.decode()
    assert f"Sam Walker, {escape(SOCIAL_CARE_TEAM)}" in page


@pytest.mark.django_db
def test_demo_passwords_keep_the_password_rules_everyone_else_keeps():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password

    for credentials in demo_users_create():
        user = get_user_model().objects.get(username=credentials.username)
        assert len(credentials.password) >= 12
        validate_password(credentials.password, user)  # raises, naming the rule, if not
        assert user.check_password(credentials.password)
