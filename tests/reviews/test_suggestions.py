"""Each suggested theme fires for its pattern before the harm, and not for its near miss."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from sightline.casework.models import Plan
from sightline.casework.plans.services import plan_end, plan_start
from sightline.reviews.services import finding_add
from sightline.reviews.suggestions import review_suggestions
from tests.reviews.conftest import CSC, HV, INCIDENT, POLICE, SCHOOL, flag_on, review_of

pytestmark = pytest.mark.django_db


def _days(n: int) -> dt.date:
    return INCIDENT - dt.timedelta(days=n)


def _themes(review) -> dict[str, object]:
    return {s.theme.id: s for s in review_suggestions(review)}


def _plan_ended(person, ended_on: dt.date, ending: str = Plan.Ending.STEPPED_DOWN) -> None:
    lead = get_user_model().objects.create_user(username=f"sw-{ended_on}", password="x")
    plan = plan_start(
        person=person,
        kind=Plan.Kind.CHILD_PROTECTION,
        category="neglect",
        started_on=ended_on - dt.timedelta(days=200),
        lead=lead,
        outcomes=["Ruby is fed every day"],
    )
    plan_end(
        plan=plan,
        ending=ending,
        ended_on=ended_on,
        reason="Things are better",
        review_note="No open flags",
        by=lead,
    )


@pytest.mark.parametrize(
    ("ended_days_before", "ending", "fires"),
    [
        (60, Plan.Ending.STEPPED_DOWN, True),
        (90, Plan.Ending.CLOSED, True),
        (120, Plan.Ending.STEPPED_DOWN, False),  # too long before the harm
        (-30, Plan.Ending.STEPPED_DOWN, False),  # ended 30 days after the harm
        (20, Plan.Ending.STEPPED_UP, False),  # more help, not less
    ],
)
def test_a_plan_ended_shortly_before_the_harm_suggests_step_down(
    records, ended_days_before, ending, fires
):
    records.add(HV, "cause_for_concern", _days(300))
    child = records.load()
    _plan_ended(child, _days(ended_days_before), ending)
    found = _themes(review_of(child))
    assert ("step-down-then-harm" in found) is fires
    if fires:
        evidence = found["step-down-then-harm"].evidence
        assert [e.on for e in evidence] == [_days(ended_days_before)]
        assert "Child RA's child protection plan" in evidence[0].what


def test_a_plan_ending_in_a_feed_counts_as_a_step_down_too(records):
    records.add(CSC, "plan_end", _days(45))
    found = _themes(review_of(records.load()))
    assert found["step-down-then-harm"].evidence[0].on == _days(45)


@pytest.mark.parametrize(
    ("days_before", "fires"),
    [((200, 40), True), ((40,), False), ((-10, -40), False)],
    ids=["two before", "only one", "both after the harm"],
)
def test_missed_appointments_before_the_harm_suggest_was_not_brought(records, days_before, fires):
    for n in days_before:
        records.add(HV, "was_not_brought", _days(n))
    records.add(SCHOOL, "cause_for_concern", _days(500))
    found = _themes(review_of(records.load()))
    assert ("was-not-brought" in found) is fires
    if fires:
        assert [e.on for e in found["was-not-brought"].evidence] == [_days(200), _days(40)]


def test_restricted_records_suggest_nothing(records):
    # Read across the partnership, a review's pages must not rest on records its
    # readers could not see on the child's own page.
    records.add(HV, "was_not_brought", _days(200), restricted=True)
    records.add(HV, "was_not_brought", _days(40))
    assert "was-not-brought" not in _themes(review_of(records.load()))


@pytest.mark.parametrize(
    ("rule_id", "theme"),
    [
        ("cumulative-concerns", "cumulative-harm"),
        ("toxic-trio", "toxic-trio"),
        ("new-adult-unassessed", "hidden-men"),
        ("was-not-brought", "was-not-brought"),
    ],
)
def test_a_flag_raised_before_the_harm_suggests_its_theme_and_one_after_does_not(
    records, rule_id, theme
):
    records.add(HV, "cause_for_concern", _days(300))
    child = records.load()
    review = review_of(child)
    flag_on(child, rule_id, INCIDENT + dt.timedelta(days=5))
    assert theme not in _themes(review)
    flag_on(child, rule_id, _days(30), title="Seen before")
    evidence = _themes(review)[theme].evidence
    assert [e.on for e in evidence] == [_days(30)]
    assert "'Seen before'" in evidence[0].what


def test_another_rules_flag_suggests_nothing(records):
    records.add(HV, "cause_for_concern", _days(300))
    child = records.load()
    flag_on(child, "school-absence", _days(30))
    assert _themes(review_of(child)) == {}


def test_concerns_from_three_agencies_with_no_referral_suggest_poor_information_sharing(records):
    records.add(HV, "cause_for_concern", _days(100))
    records.add(SCHOOL, "cause_for_concern", _days(80))
    records.add(POLICE, "police_incident", _days(20))
    evidence = _themes(review_of(records.load()))["poor-information-sharing"].evidence
    assert [e.on for e in evidence] == [_days(100), _days(80), _days(20)]


@pytest.mark.parametrize("near_miss", ["two agencies", "referred"])
def test_concerns_not_shared_near_misses(records, near_miss):
    records.add(HV, "cause_for_concern", _days(100))
    records.add(SCHOOL, "cause_for_concern", _days(80))
    if near_miss == "referred":
        records.add(POLICE, "police_incident", _days(20))
        records.add(CSC, "concern_reported", _days(15))
    assert "poor-information-sharing" not in _themes(review_of(records.load()))


def test_evidence_names_the_child_by_code_never_by_name(records):
    records.add(HV, "was_not_brought", _days(200))
    records.add(HV, "was_not_brought", _days(100))
    records.add(HV, "cause_for_concern", _days(90))
    records.add(SCHOOL, "cause_for_concern", _days(80))
    records.add(POLICE, "police_incident", _days(20))
    child = records.load()
    flag_on(child, "toxic-trio", _days(10))
    suggestions = review_suggestions(review_of(child))
    assert len(suggestions) == 3
    text = " ".join(s.finding_text() for s in suggestions)
    assert "Child RA" in text
    assert "Ruby" not in text and "Askew" not in text


def test_a_theme_already_among_the_findings_is_not_suggested_again(records):
    records.add(HV, "was_not_brought", _days(200))
    records.add(HV, "was_not_brought", _days(100))
    review = review_of(records.load())
    assert "was-not-brought" in _themes(review)
    finding_add(review=review, text="Appointments missed", themes=["was-not-brought"])
    assert "was-not-brought" not in _themes(review)
