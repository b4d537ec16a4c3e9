"""Plans and referrals: stepping a plan down asks first about open flags and outstanding actions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError

from sightline.casework.models import Plan, PlanMeeting, ServiceReferral
from sightline.casework.plans.selectors import plan_get, step_down_checks
from sightline.casework.plans.services import (
    PlanError,
    plan_action_add,
    plan_action_done,
    plan_end,
    plan_meeting_record,
    plan_start,
    service_referral_create,
    service_referral_outcome,
)
from sightline.indicators.models import Flag
from sightline.indicators.services import flag_dismiss
from sightline.linkage.models import Person
from tests.indicators.conftest import ingest_and_link
from tests.indicators.test_evaluation import _injury

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def lead() -> Any:
    return get_user_model().objects.create_user(username="sw", password="x" * 12)


@pytest.fixture
def flagged_baby(cli: Callable[..., Any], write_feed: Callable[..., Any]) -> Person:
    """A baby with a bruise and no explanation: a real flag, raised by real evaluation."""
    ingest_and_link(cli, write_feed, [_injury("ED-1", "2023-04-02")])
    assert cli("evaluate").code == 0
    flag = Flag.objects.get()
    return flag.person


def _plan(person: Person, lead: Any) -> Plan:
    return plan_start(
        person=person,
        kind=Plan.Kind.CHILD_PROTECTION,
        category="neglect",
        started_on=D(2023, 5, 1),
        lead=lead,
        outcomes=["Ava is fed and gaining weight", "Ava is seen by her health visitor"],
    )


def test_stepping_down_with_an_open_flag_and_an_overdue_action_needs_a_note(flagged_baby, lead):
    plan = _plan(flagged_baby, lead)
    outcome = plan.outcomes.first()
    action = plan_action_add(
        outcome=outcome, description="Weekly weighing", owner="Health visitor", due_on=D(2023, 6, 1)
    )
    checks = step_down_checks(plan=plan, today=D(2023, 7, 1))
    assert [f.rule_id for f in checks.open_flags] == ["not-mobile-injury"]
    assert checks.overdue_actions == [action]

    with pytest.raises(PlanError) as asked:
        plan_end(
            plan=plan,
            ending=Plan.Ending.STEPPED_DOWN,
            ended_on=D(2023, 7, 1),
            reason="Progress at review",
            review_note="",
            by=lead,
        )
    assert asked.value.field == "review_note"
    assert "1 open flags and 1 outstanding actions" in str(asked.value)
    assert plan_get(person=flagged_baby, plan_id=plan.pk).ended_on is None

    ended = plan_end(
        plan=plan,
        ending=Plan.Ending.STEPPED_DOWN,
        ended_on=D(2023, 7, 1),
        reason="Progress at review",
        review_note="Bruise explained at strategy discussion; weighing goes on under early help",
        by=lead,
    )
    assert (ended.ending, ended.ended_by) == ("stepped_down", lead)


def test_nothing_open_means_nothing_to_answer(flagged_baby, lead):
    plan = _plan(flagged_baby, lead)
    for flag in Flag.objects.filter(person=flagged_baby):
        flag_dismiss(flag=flag, by="sw", reason="Seen by paediatrician: birthmark")
    action = plan_action_add(
        outcome=plan.outcomes.first(), description="Visit", owner="SW", due_on=D(2023, 5, 8)
    )
    plan_action_done(action=action, done_on=D(2023, 5, 8))
    assert not step_down_checks(plan=plan, today=D(2023, 7, 1)).anything
    ended = plan_end(
        plan=plan,
        ending=Plan.Ending.CLOSED,
        ended_on=D(2023, 7, 1),
        reason="Outcomes met",
        review_note="",
        by=lead,
    )
    assert ended.ending == "closed"


def test_a_plan_needs_an_outcome_and_a_child_has_one_open_plan_of_a_kind(lead):
    child = Person.objects.create()
    with pytest.raises(PlanError) as empty:
        plan_start(
            person=child,
            kind=Plan.Kind.CHILD_IN_NEED,
            started_on=D(2024, 1, 1),
            lead=lead,
            outcomes=["  "],
        )
    assert empty.value.field == "outcomes"
    _plan(child, lead)
    with pytest.raises(PlanError, match="already has an open child protection plan"):
        _plan(child, lead)


def test_reviews_and_core_groups_are_recorded_and_cannot_predate_the_plan(lead):
    plan = _plan(Person.objects.create(), lead)
    plan_meeting_record(plan=plan, kind=PlanMeeting.Kind.CORE_GROUP, held_on=D(2023, 5, 12))
    with pytest.raises(PlanError) as early:
        plan_meeting_record(plan=plan, kind=PlanMeeting.Kind.REVIEW, held_on=D(2023, 4, 1))
    assert early.value.field == "held_on"
    assert [m.kind for m in plan.meetings.all()] == ["core_group"]


def test_a_referral_to_a_specialist_service_records_what_came_of_it(lead):
    child = Person.objects.create()
    referral = service_referral_create(
        person=child,
        service=ServiceReferral.Service.DOMESTIC_ABUSE_SUBSTANCE,
        referred_on=D(2024, 2, 1),
        reason="Mother's drinking and partner's violence",
        by=lead,
    )
    assert referral.outcome == ServiceReferral.Outcome.WAITING
    with pytest.raises(PlanError) as too_early:
        service_referral_outcome(referral=referral, outcome="accepted", on=D(2024, 1, 1))
    assert too_early.value.field == "outcome_on"
    service_referral_outcome(referral=referral, outcome="declined_by_family", on=D(2024, 2, 20))
    referral.refresh_from_db()
    assert referral.get_outcome_display() == "Declined by the family"


def test_the_database_refuses_a_plan_ended_without_saying_how(lead):
    plan = _plan(Person.objects.create(), lead)
    with pytest.raises(IntegrityError):
        Plan.objects.filter(pk=plan.pk).update(ended_on=D(2023, 6, 1))
