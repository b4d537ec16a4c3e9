"""The casework services refuse what the rules refuse, whichever way a request arrives."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from sightline.accounts.models import Role
from sightline.casework import timescales
from sightline.casework.models import CaseStep, Contact, TriageDecision
from sightline.casework.services import (
    CaseworkError,
    ContactDetails,
    case_step_complete,
    contact_create,
    contacts_demo_create,
    triage_decide,
)
from sightline.casework.timescales import is_overdue, working_day_deadline
from sightline.feeds.services import feed_ingest_path
from sightline.linkage.models import Person
from tests.conftest import record
from tests.web.casework_helpers import flag, london, place, staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    # Late enough that every step these tests complete is in the past.
    monkeypatch.setattr(timescales, "now", lambda: london(2027, 7, 1, 9))


DETAILS = ContactDetails(concern="Worried.", immediate_danger="no", child_given_name="Amy")


def _contact(**kw) -> Contact:
    return contact_create(details=DETAILS, source="public", received_at=london(2026, 12, 1), **kw)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"concern": "  "}, "concern"),
        ({"concern": "x" * 5001}, "concern"),
        ({"immediate_danger": "maybe"}, "immediate_danger"),
        ({"anonymous": True, "reporter_name": "Jo"}, "anonymous"),
    ],
)
def test_a_contact_the_rules_refuse_is_not_made(change, field):
    with pytest.raises(CaseworkError) as error:
        contact_create(details=ContactDetails(**{**vars(DETAILS), **change}), source="public")
    assert error.value.field == field
    assert not Contact.objects.exists()


def test_an_unknown_source_is_refused():
    with pytest.raises(CaseworkError, match="source"):
        contact_create(details=DETAILS, source="rumour")


def test_the_database_itself_refuses_a_decision_without_a_reason():
    c = _contact()
    user = staff("mo.hub", Role.MASH)
    with pytest.raises(IntegrityError), transaction.atomic():
        TriageDecision.objects.create(
            contact=c,
            outcome="nfa",
            reason="",
            decided_by=user,
            decided_at=london(2026, 12, 1),
            received_at=c.received_at,
            due_on=dt.date(2026, 12, 2),
        )


def test_a_decision_needs_a_reason_an_outcome_and_one_item():
    c, user = _contact(), staff("mo.hub", Role.MASH)
    f = flag(Person.objects.create(), created_at=london(2026, 12, 1))
    with pytest.raises(CaseworkError, match="reason"):
        triage_decide(contact=c, outcome="nfa", reason=" ", by=user)
    with pytest.raises(CaseworkError, match="outcome"):
        triage_decide(contact=c, outcome="shrug", reason="r", by=user)
    with pytest.raises(CaseworkError, match="item"):
        triage_decide(contact=c, flag=f, outcome="nfa", reason="r", by=user)
    with pytest.raises(CaseworkError, match="item"):
        triage_decide(outcome="nfa", reason="r", by=user)
    assert not TriageDecision.objects.exists()


def test_a_decision_after_the_deadline_is_marked_late():
    c, user = _contact(), staff("mo.hub", Role.MASH)
    decision = triage_decide(
        contact=c, outcome="nfa", reason="r", by=user, at=london(2026, 12, 3, 9)
    )
    assert decision.due_on == dt.date(2026, 12, 2) and not decision.made_on_time


def test_a_step_cannot_be_done_before_it_started_or_twice():
    c, user = _contact(), staff("mo.hub", Role.MASH)
    step = triage_decide(contact=c, outcome="assessment", reason="r", by=user).steps.get()
    with pytest.raises(CaseworkError, match="before it started"):
        case_step_complete(step=step, completed_on=dt.date(2026, 11, 30), by=user)
    assert case_step_complete(step=step, completed_on=dt.date(2026, 12, 2), by=user) == []
    with pytest.raises(CaseworkError, match="was recorded as done"):
        case_step_complete(step=step, completed_on=dt.date(2026, 12, 2), by=user)


def test_a_review_conference_starts_the_next_within_six_months():
    c, user = _contact(), staff("mo.hub", Role.MASH)
    decision = triage_decide(
        contact=c, outcome="strategy_discussion", reason="r", by=user, at=london(2026, 12, 1, 12)
    )
    strategy = decision.steps.get(kind="strategy_discussion")
    (icpc,) = case_step_complete(step=strategy, completed_on=dt.date(2026, 12, 1), by=user)
    core, review = case_step_complete(step=icpc, completed_on=dt.date(2026, 12, 15), by=user)
    assert (core.kind, review.kind, review.due_on) == (
        "first_core_group",
        "review_conference",
        dt.date(2027, 3, 15),
    )
    (later,) = case_step_complete(step=review, completed_on=dt.date(2026, 12, 16), by=user)
    assert later.due_on == dt.date(2027, 6, 16)
    assert CaseStep.objects.filter(decision=decision).count() == 6


def test_demo_contacts_match_known_children_include_overdue_ones_and_are_made_once(write_feed):
    feed_ingest_path(
        sent_by="test",
        path=write_feed(
            [
                record(
                    record_id=f"HV-{i}",
                    subject={
                        "local_id": f"HV-P-{i}",
                        "given_name": name,
                        "family_name": "Marsh",
                        "date_of_birth": f"2022-0{i}-09",
                        "postcode": "NR31 0AA",
                    },
                )
                for i, name in enumerate(["Leo", "Mia", "Ada"], start=1)
            ]
        ),
    )
    persons = [place(("nhs-community-hv", f"HV-P-{i}")) for i in (1, 2, 3)]
    today = dt.date(2026, 12, 2)
    made = contacts_demo_create(count=5, today=today)
    assert len(made) == 5
    assert {c.person for c in made if c.person} <= set(persons)
    assert sum(c.person is not None for c in made) == 3
    at = london(2026, 12, 2, 18)
    assert sum(is_overdue(working_day_deadline(c.received_at), at=at) for c in made) >= 2
    assert all(c.received_at.date() <= today for c in made)
    assert contacts_demo_create(count=5, today=today) == []
    assert Contact.objects.count() == 5
