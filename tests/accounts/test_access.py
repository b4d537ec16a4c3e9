"""Who may see which child: every rule of sightline.accounts.access, allowed and refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from sightline.accounts.access import (
    access_log_may_view,
    break_glass_grants_may_view,
    break_glass_may_request,
    dashboard_may_view,
    flag_may_change,
    person_get_for_user,
    person_may_view,
    persons_viewable,
    retention_may_view,
    returns_may_view,
    review_action_may_update,
    review_chronology_may_view,
    reviews_may_manage,
    reviews_may_view,
    subject_access_may_export,
)
from sightline.accounts.models import Team
from sightline.feeds.models import Agency
from sightline.linkage.models import Person
from sightline.reviews.actions import recommendation_add, review_action_add
from sightline.reviews.services import review_child_add, review_create, review_set_status
from tests.web.people_fixtures import allocate

pytestmark = pytest.mark.django_db

TEAM = "Social care team 1"


def test_nobody_signed_in_sees_no_child(family):
    assert not person_may_view(user=AnonymousUser(), person=family.lacey)


def test_a_user_without_a_staff_profile_sees_no_child(family, django_user_model):
    user = django_user_model.objects.create_user(username="no.profile")
    assert not person_may_view(user=user, person=family.lacey)


def test_a_switched_off_account_sees_no_child(family, make_staff):
    mash = make_staff("mash")
    mash.is_active = False
    mash.save()
    assert not person_may_view(user=mash, person=family.lacey)


def test_mash_sees_every_child_allocated_or_not(family, make_staff):
    mash = make_staff("mash")
    assert person_may_view(user=mash, person=family.lacey)
    assert person_may_view(user=mash, person=family.tom)


def test_a_social_worker_sees_a_child_allocated_to_them(family, make_staff):
    worker = make_staff("social_worker", team=TEAM)
    allocate(family.lacey, worker)
    assert person_may_view(user=worker, person=family.lacey)


def test_a_social_worker_sees_a_child_allocated_to_their_team(family, make_staff):
    worker = make_staff("social_worker", team=TEAM)
    colleague = make_staff("social_worker", team=TEAM)
    allocate(family.lacey, colleague)
    assert person_may_view(user=worker, person=family.lacey)


def test_a_social_worker_does_not_see_another_teams_child(family, make_staff):
    worker = make_staff("social_worker", team=TEAM)
    other = make_staff("social_worker", team="Social care team 2")
    allocate(family.lacey, other, team="Social care team 2")
    assert not person_may_view(user=worker, person=family.lacey)


def test_a_child_with_no_allocation_is_for_the_mash_only(family, make_staff):
    worker = make_staff("social_worker", team=TEAM)
    manager = make_staff("team_manager", team=TEAM)
    assert not person_may_view(user=worker, person=family.tom)
    assert not person_may_view(user=manager, person=family.tom)


def test_an_ended_allocation_no_longer_lets_the_worker_see(family, make_staff):
    worker = make_staff("social_worker", team=TEAM)
    today = timezone.localdate()
    allocate(family.lacey, worker, started_on=today - dt.timedelta(days=90), ended_on=today)
    assert not person_may_view(user=worker, person=family.lacey)


def test_an_allocation_starting_tomorrow_does_not_yet(family, make_staff):
    worker = make_staff("social_worker", team=TEAM)
    allocate(family.lacey, worker, started_on=timezone.localdate() + dt.timedelta(days=1))
    assert not person_may_view(user=worker, person=family.lacey)


def test_a_team_manager_sees_their_teams_children(family, make_staff):
    manager = make_staff("team_manager", team=TEAM)
    worker = make_staff("social_worker", team=TEAM)
    allocate(family.lacey, worker)
    assert person_may_view(user=manager, person=family.lacey)
    assert not person_may_view(user=manager, person=family.tom)


def test_a_manager_sees_the_children_of_a_team_they_manage_but_do_not_sit_in(family, make_staff):
    manager = make_staff("team_manager", team="Service managers")
    worker = make_staff("social_worker", team=TEAM)
    Team.objects.filter(name=TEAM).update(manager=manager)
    allocate(family.lacey, worker)
    assert person_may_view(user=manager, person=family.lacey)


def test_a_partner_sees_a_child_their_agency_holds_records_about(family, make_staff):
    health_visitor = make_staff("partner", agency="nhs-community-hv")
    assert person_may_view(user=health_visitor, person=family.lacey)


def test_a_partner_does_not_see_a_child_their_agency_does_not_know(family, make_staff):
    health_visitor = make_staff("partner", agency="nhs-community-hv")
    assert not person_may_view(user=health_visitor, person=family.tom)


def test_a_partner_with_no_agency_sees_no_child(family, make_staff):
    partner = make_staff("partner")
    assert not person_may_view(user=partner, person=family.lacey)


@pytest.mark.parametrize("role", ["partnership_officer", "administrator", "data_engineer"])
def test_roles_without_casework_see_no_individual_child(family, make_staff, role):
    user = make_staff(role, team=TEAM)
    allocate(family.lacey, user)  # even an allocation made by mistake opens nothing
    assert not person_may_view(user=user, person=family.lacey)


def test_get_for_user_answers_the_same_for_a_refused_and_a_missing_id(family, make_staff):
    worker = make_staff("social_worker", team=TEAM)
    allocate(family.lacey, worker)
    assert person_get_for_user(user=worker, public_id=family.lacey.public_id) == family.lacey
    assert person_get_for_user(user=worker, public_id=family.tom.public_id) is None
    assert person_get_for_user(user=worker, public_id="P-0000000000") is None


def test_only_childrens_social_care_change_flags(family, make_staff):
    worker = make_staff("social_worker", team=TEAM)
    allocate(family.lacey, worker)
    assert flag_may_change(user=worker, person=family.lacey)
    assert flag_may_change(user=make_staff("mash"), person=family.lacey)
    assert not flag_may_change(
        user=make_staff("partner", agency="nhs-community-hv"), person=family.lacey
    )
    outsider = make_staff("social_worker", team="Social care team 2")
    assert not flag_may_change(user=outsider, person=family.lacey)
    assert not flag_may_change(user=AnonymousUser(), person=family.lacey)


def test_only_managers_and_the_mash_see_who_has_looked(family, make_staff):
    worker = make_staff("social_worker", team=TEAM)
    manager = make_staff("team_manager", team=TEAM)
    allocate(family.lacey, worker)
    assert access_log_may_view(user=manager, person=family.lacey)
    assert access_log_may_view(user=make_staff("mash"), person=family.lacey)
    assert not access_log_may_view(user=worker, person=family.lacey)
    assert not access_log_may_view(
        user=make_staff("partner", agency="nhs-community-hv"), person=family.lacey
    )
    other_manager = make_staff("team_manager", team="Social care team 2")
    assert not access_log_may_view(user=other_manager, person=family.lacey)
    assert not access_log_may_view(user=AnonymousUser(), person=family.lacey)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("social_worker", True),
        ("team_manager", True),
        ("partner", True),
        ("mash", False),
        ("partnership_officer", False),
        ("administrator", False),
        ("data_engineer", False),
    ],
)
def test_who_may_ask_for_break_glass_access(family, make_staff, role, allowed):
    assert break_glass_may_request(user=make_staff(role)) is allowed


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("team_manager", True), ("mash", True), ("social_worker", False), ("partner", False)],
)
def test_who_sees_the_break_glass_grants(family, make_staff, role, allowed):
    assert break_glass_grants_may_view(user=make_staff(role)) is allowed


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("administrator", True), ("mash", False), ("team_manager", False), ("data_engineer", False)],
)
def test_only_administrators_export_subject_access(family, make_staff, role, allowed):
    assert subject_access_may_export(user=make_staff(role)) is allowed


def test_nobody_signed_in_may_break_glass_or_export(family):
    assert not break_glass_may_request(user=AnonymousUser())
    assert not break_glass_grants_may_view(user=AnonymousUser())
    assert not subject_access_may_export(user=AnonymousUser())


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("administrator", True),
        ("data_engineer", True),
        ("mash", False),
        ("social_worker", False),
        ("team_manager", False),
        ("partner", False),
        ("partnership_officer", False),
    ],
)
def test_only_administrators_and_data_engineers_see_the_retention_page(make_staff, role, allowed):
    assert retention_may_view(user=make_staff(role)) is allowed


def test_nobody_signed_in_sees_the_retention_page():
    assert not retention_may_view(user=AnonymousUser())


def test_a_partnership_officer_sees_the_children_of_a_review_until_it_is_published(
    family, make_staff
):
    officer = make_staff("partnership_officer")
    review = review_create(kind="rapid", title="Child AG", incident_on=dt.date(2026, 10, 1))
    review_child_add(review=review, person=family.lacey, code="AG")
    assert person_may_view(user=officer, person=family.lacey)
    # Only the child the review is about: her mother is not opened by it.
    assert list(persons_viewable(user=officer, persons=Person.objects.all())) == [family.lacey]
    review_set_status(review=review, status="published")
    assert not person_may_view(user=officer, person=family.lacey)


def test_a_review_opens_a_child_to_partnership_officers_only(family, make_staff):
    review = review_create(kind="lcspr", title="Child AI", incident_on=dt.date(2026, 10, 1))
    review_child_add(review=review, person=family.lacey, code="AI")
    for role in ("administrator", "data_engineer", "social_worker"):
        assert not person_may_view(user=make_staff(role, team=TEAM), person=family.lacey), role


@pytest.mark.parametrize(
    ("role", "sees", "manages"),
    [
        ("partnership_officer", True, True),
        ("team_manager", True, False),
        ("mash", False, False),
        ("social_worker", False, False),
        ("partner", False, False),
        ("administrator", False, False),
        ("data_engineer", False, False),
    ],
)
def test_who_sees_and_runs_case_reviews(make_staff, role, sees, manages):
    user = make_staff(role)
    assert reviews_may_view(user=user) is sees
    assert reviews_may_manage(user=user) is manages


def test_who_records_progress_on_a_review_action(make_staff):
    """Officers on every action; a team manager only on their own agency's recommendations."""
    police = Agency.objects.create(code="norfolk-police", name="Norfolk Constabulary")
    schools = Agency.objects.create(code="norfolk-schools", name="Norfolk schools")
    review = review_create(kind="lcspr", title="Child AG", incident_on=dt.date(2026, 1, 1))

    def action_of(**owner):
        rec = recommendation_add(review=review, text="Learn", **owner)
        return review_action_add(
            recommendation=rec, description="Do", owner="Someone", due_on=review.started_on
        )

    police_action = action_of(agency=police)
    schools_action = action_of(agency=schools)
    shared_action = action_of(partnership_wide=True)
    officer = make_staff("partnership_officer")
    police_manager = make_staff("team_manager", agency="norfolk-police")
    manager_of_no_agency = make_staff("team_manager", team=TEAM)
    police_partner = make_staff("partner", agency="norfolk-police")
    for action in (police_action, schools_action, shared_action):
        assert review_action_may_update(user=officer, action=action)
        assert not review_action_may_update(user=manager_of_no_agency, action=action)
        assert not review_action_may_update(user=police_partner, action=action)
        assert not review_action_may_update(user=AnonymousUser(), action=action)
    assert review_action_may_update(user=police_manager, action=police_action)
    assert not review_action_may_update(user=police_manager, action=schools_action)
    assert not review_action_may_update(user=police_manager, action=shared_action)


@pytest.mark.parametrize(
    ("role", "makes"),
    [
        ("partnership_officer", True),
        ("administrator", True),
        ("team_manager", False),
        ("mash", False),
        ("social_worker", False),
        ("partner", False),
        ("data_engineer", False),
    ],
)
def test_who_makes_the_cin_census_return(make_staff, role, makes):
    assert returns_may_view(user=make_staff(role)) is makes


def test_nobody_signed_in_makes_returns():
    assert not returns_may_view(user=AnonymousUser())


def test_a_review_chronology_is_for_officers_while_they_may_open_every_child(family, make_staff):
    officer = make_staff("partnership_officer")
    review = review_create(kind="lcspr", title="Child AG", incident_on=dt.date(2026, 10, 1))
    # No child named yet: nothing to read.
    assert not review_chronology_may_view(user=officer, review=review)
    review_child_add(review=review, person=family.lacey, code="AG")
    assert review_chronology_may_view(user=officer, review=review)
    # The MASH may open the child, but the review's chronology is the officers' work.
    assert not review_chronology_may_view(user=make_staff("mash"), review=review)
    assert not review_chronology_may_view(user=make_staff("team_manager", team=TEAM), review=review)
    review_set_status(review=review, status="closed")
    assert not review_chronology_may_view(user=officer, review=review)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("partnership_officer", True),
        ("team_manager", True),
        ("mash", False),
        ("social_worker", False),
        ("partner", False),
        ("administrator", False),
        ("data_engineer", False),
    ],
)
def test_who_sees_the_partnerships_dashboard(make_staff, role, allowed):
    assert dashboard_may_view(user=make_staff(role)) is allowed


def test_nobody_signed_in_or_without_a_profile_sees_the_dashboard(django_user_model):
    assert not dashboard_may_view(user=AnonymousUser())
    assert not dashboard_may_view(user=django_user_model.objects.create_user(username="bare"))
