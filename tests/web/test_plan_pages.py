"""Plans and referrals to specialist services through HTTP: who may do what, and step-down."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sightline.accounts import access
from sightline.accounts.models import AccessLog
from sightline.casework.models import Plan, PlanAction, PlanMeeting, ServiceReferral
from sightline.casework.plans.services import (
    plan_action_add,
    plan_start,
    service_referral_create,
)
from sightline.casework.timescales import local_day, now
from sightline.indicators.models import LIVE, Flag
from tests.chronology.conftest import HV
from tests.web.people_fixtures import allocate

pytestmark = pytest.mark.django_db

TEAM = "Social care team 1"
D = dt.date


@pytest.fixture
def worker(family: Any, make_staff: Any) -> Any:
    user = make_staff("social_worker", team=TEAM)
    allocate(family.lacey, user)
    return user


@pytest.fixture
def health_visitor(make_staff: Any) -> Any:
    return make_staff("partner", agency=HV)


def _plan(person: Any, lead: Any) -> Plan:
    return plan_start(
        person=person,
        kind=Plan.Kind.CHILD_IN_NEED,
        started_on=D(2023, 5, 1),
        lead=lead,
        outcomes=["Lacey is brought to her health reviews"],
    )


def _html(response: Any) -> str:
    return str(response.content.decode())


def _plans_url(person: Any) -> str:
    return f"/people/{person.public_id}/plans"


def _open_flags(person: Any) -> int:
    live = Flag.objects.filter(scenario=LIVE, person=person, met=True)
    return int(live.exclude(status=Flag.Status.DISMISSED).count())


def test_a_social_worker_starts_a_plan_acts_meets_and_steps_it_down_with_a_note(
    client, family, worker
):
    client.force_login(worker)
    base = _plans_url(family.lacey)
    assert "Start a plan" in _html(client.get(base))

    started = client.post(
        f"{base}/start",
        {
            "plan-kind": "child_protection",
            "plan-category": "neglect",
            "plan-started_on": "1 5 2023",
            "plan-outcomes": "Lacey is brought to her health reviews\n\nLacey's home is warm",
        },
    )
    plan = Plan.objects.get(person=family.lacey)
    assert started.status_code == 302
    assert started["Location"] == f"{base}/{plan.pk}"
    assert (plan.kind, plan.category, plan.started_on, plan.lead) == (
        "child_protection",
        "neglect",
        D(2023, 5, 1),
        worker,
    )
    page = _html(client.get(started["Location"]))
    assert "Lacey Quennell: Child protection plan from 1 May 2023</h1>" in page
    assert "1. Lacey is brought to her health reviews" in page
    assert "2. Lacey&#x27;s home is warm" in page

    first = plan.outcomes.first()
    added = client.post(
        f"{base}/{plan.pk}/actions",
        {
            "action-outcome": first.pk,
            "action-description": "Book and attend the missed review",
            "action-owner": "Gemma, with the health visitor",
            "action-due_on": "01/06/2023",
        },
    )
    assert added.status_code == 302
    action = PlanAction.objects.get(outcome=first)
    assert (action.owner, action.due_on) == ("Gemma, with the health visitor", D(2023, 6, 1))
    page = _html(client.get(f"{base}/{plan.pk}"))
    row = page[page.index(f'data-action="{action.pk}"') :]
    assert "Overdue" in row[: row.index("</tr>")]

    met = client.post(
        f"{base}/{plan.pk}/meetings",
        {
            "meeting-kind": "core_group",
            "meeting-held_on": "12 5 2023",
            "meeting-attended_by": "Health visiting, school, social care, Gemma",
            "meeting-notes": "Gemma will keep the appointment diary",
        },
    )
    assert met.status_code == 302
    assert PlanMeeting.objects.get(plan=plan).kind == "core_group"
    assert "Gemma will keep the appointment diary" in _html(client.get(f"{base}/{plan.pk}"))

    # Before anything is submitted, the end form shows what is still open.
    end_url = f"{base}/{plan.pk}/end"
    asking = _html(client.get(end_url))
    assert family.flag.title in asking
    assert f"Open flags ({_open_flags(family.lacey)})" in asking
    assert "Outstanding actions (1, 1 overdue)" in asking
    assert "Book and attend the missed review" in asking
    assert 'for="id_review_note"' in asking

    today = local_day(now())
    ending = {
        "ending": "stepped_down",
        "ended_on": f"{today.day} {today.month} {today.year}",
        "reason": "Progress at the review conference",
        "review_note": "",
    }
    refused = client.post(end_url, ending)
    assert refused.status_code == 200
    html = _html(refused)
    assert html.count("Say what you made of the") == 2  # in the summary and by the field
    assert '<a href="#id_review_note">Say what you made of the' in html
    assert 'id="id_review_note-error"' in html
    plan.refresh_from_db()
    assert plan.ended_on is None

    ended = client.post(
        end_url, {**ending, "review_note": "Flag seen: both appointments since attended"}
    )
    assert ended.status_code == 302
    plan.refresh_from_db()
    assert (plan.ending, plan.ended_on, plan.ended_by) == ("stepped_down", today, worker)
    page = _html(client.get(f"{base}/{plan.pk}"))
    assert "Stepped down on" in page
    assert "Flag seen: both appointments since attended" in page
    assert "End this plan" not in page and "Add an action" not in page
    changes = AccessLog.objects.filter(person=family.lacey, user=worker, action="changed_plan")
    assert changes.count() == 4  # started, action added, meeting recorded, ended


def test_marking_an_action_done_shows_it_done_today(client, family, worker):
    plan = _plan(family.lacey, worker)
    action = plan_action_add(
        outcome=plan.outcomes.get(), description="Visit", owner="SW", due_on=D(2030, 1, 1)
    )
    client.force_login(worker)
    url = f"{_plans_url(family.lacey)}/{plan.pk}"
    assert "To do" in _html(client.get(url))
    assert client.post(f"{url}/actions/{action.pk}/done").status_code == 302
    action.refresh_from_db()
    assert action.done_on == local_day(now())
    page = _html(client.get(url))
    assert f"Done {action.done_on:%-d %b %Y}" in page
    assert "Mark as done" not in page


def test_the_plans_page_lists_plans_newest_first_with_how_they_ended(client, family, worker):
    older = _plan(family.lacey, worker)
    Plan.objects.filter(pk=older.pk).update(
        ended_on=D(2023, 9, 1), ending="closed", ending_reason="Outcomes met"
    )
    newer = plan_start(
        person=family.lacey,
        kind=Plan.Kind.CHILD_PROTECTION,
        category="neglect",
        started_on=D(2024, 2, 1),
        lead=worker,
        outcomes=["Safe"],
    )
    client.force_login(worker)
    html = _html(client.get(_plans_url(family.lacey)))
    rows = re.findall(r'data-plan="(\d+)"', html)
    assert rows == [str(newer.pk), str(older.pk)]
    assert "Closed on 1 September 2023" in html
    assert "neglect" in html and "Social Worker Tester" in html
    assert AccessLog.objects.filter(person=family.lacey, action="viewed_plans").count() == 1


def test_starting_a_plan_with_bad_input_names_each_field_and_starts_nothing(client, family, worker):
    client.force_login(worker)
    response = client.post(
        f"{_plans_url(family.lacey)}/start",
        {"plan-kind": "", "plan-started_on": "31 2 2023", "plan-outcomes": "  "},
    )
    html = _html(response)
    assert response.status_code == 200
    assert '<a href="#id_plan-kind_0">Select the kind of plan</a>' in html
    assert '<a href="#id_plan-started_on">Start date must be a real date, like 27 3' in html
    assert '<a href="#id_plan-outcomes">Enter at least one outcome the plan is for</a>' in html
    assert "<title>Error: Lacey Quennell, plans and services" in html
    assert not Plan.objects.exists()


def test_a_second_open_plan_of_a_kind_is_refused_by_the_field(client, family, worker):
    _plan(family.lacey, worker)
    client.force_login(worker)
    response = client.post(
        f"{_plans_url(family.lacey)}/start",
        {"plan-kind": "child_in_need", "plan-started_on": "2 5 2023", "plan-outcomes": "Safe"},
    )
    assert 'id="id_plan-kind-error"' in _html(response)
    assert "already has an open child in need plan" in _html(response)
    assert Plan.objects.count() == 1


def test_a_meeting_before_the_plan_started_is_refused_by_the_date(client, family, worker):
    plan = _plan(family.lacey, worker)
    client.force_login(worker)
    response = client.post(
        f"{_plans_url(family.lacey)}/{plan.pk}/meetings",
        {"meeting-kind": "review", "meeting-held_on": "1 4 2023"},
    )
    html = _html(response)
    assert '<a href="#id_meeting-held_on">The meeting date must be on or after' in html
    assert not PlanMeeting.objects.exists()


def test_a_referral_and_what_came_of_it(client, family, worker):
    client.force_login(worker)
    base = _plans_url(family.lacey)
    made = client.post(
        f"/people/{family.lacey.public_id}/referrals",
        {"refer-service": "da_substance", "refer-reason": "Mother's drinking <b>and</b> violence"},
    )
    assert made.status_code == 302
    referral = ServiceReferral.objects.get(person=family.lacey)
    assert (referral.referred_by, referral.referred_on) == (worker, local_day(now()))
    html = _html(client.get(base))
    assert "Intensive domestic abuse and substance misuse service" in html
    assert "Waiting for a response" in html
    assert "&lt;b&gt;and&lt;/b&gt;" in html  # shown as typed, never as markup

    outcome_url = f"/people/{family.lacey.public_id}/referrals/{referral.pk}/outcome"
    prefix = f"referral-{referral.pk}"
    too_early = client.post(
        outcome_url, {f"{prefix}-outcome": "accepted", f"{prefix}-outcome_on": "1 1 2020"}
    )
    html = _html(too_early)
    assert f'<a href="#id_{prefix}-outcome_on">The outcome date must be on or after' in html
    referral.refresh_from_db()
    assert referral.outcome == "waiting"

    recorded = client.post(
        outcome_url,
        {
            f"{prefix}-outcome": "declined_by_family",
            f"{prefix}-outcome_on": referral.referred_on.isoformat(),
            f"{prefix}-note": "Gemma said not now",
        },
    )
    assert recorded.status_code == 302
    html = _html(client.get(base))
    assert "Declined by the family" in html and "Gemma said not now" in html
    assert "Record what came of this referral" not in html
    assert AccessLog.objects.filter(action="referred_to_service", person=family.lacey).count() == 2


def test_a_partner_sees_the_plans_but_cannot_change_them(client, family, worker, health_visitor):
    plan = _plan(family.lacey, worker)
    action = plan_action_add(
        outcome=plan.outcomes.get(), description="Visit", owner="SW", due_on=D(2023, 6, 1)
    )
    referral = service_referral_create(
        person=family.lacey,
        service="early_help",
        referred_on=D(2023, 5, 2),
        reason="Support",
        by=worker,
    )
    client.force_login(health_visitor)
    base = _plans_url(family.lacey)
    listing = _html(client.get(base))
    assert "Child in need plan" in listing and "Early help" in listing
    assert "Start a plan" not in listing and "Refer to a specialist service" not in listing
    assert "Record what came of this referral" not in listing
    page = _html(client.get(f"{base}/{plan.pk}"))
    assert "Lacey is brought to her health reviews" in page
    assert "End this plan" not in page and "Mark as done" not in page

    pid = family.lacey.public_id
    posts = {
        f"{base}/start": {"plan-kind": "child_protection", "plan-started_on": "1 5 2023"},
        f"{base}/{plan.pk}/actions": {"action-outcome": plan.outcomes.get().pk},
        f"{base}/{plan.pk}/actions/{action.pk}/done": {},
        f"{base}/{plan.pk}/meetings": {"meeting-kind": "review", "meeting-held_on": "2 5 2023"},
        f"{base}/{plan.pk}/end": {"ending": "closed", "ended_on": "2 5 2023", "reason": "x"},
        f"/people/{pid}/referrals": {"refer-service": "early_help", "refer-reason": "x"},
        f"/people/{pid}/referrals/{referral.pk}/outcome": {},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403, url
    assert client.get(f"{base}/{plan.pk}/end").status_code == 403
    plan.refresh_from_db()
    action.refresh_from_db()
    referral.refresh_from_db()
    assert (plan.ended_on, action.done_on, referral.outcome) == (None, None, "waiting")
    assert Plan.objects.count() == 1 and ServiceReferral.objects.count() == 1
    assert not PlanMeeting.objects.exists() and PlanAction.objects.count() == 1
    assert not AccessLog.objects.filter(action__in=["changed_plan", "referred_to_service"]).exists()


def test_another_childs_plan_referral_or_action_is_not_found(client, family, worker):
    toms = _plan(family.tom, worker)
    toms_action = plan_action_add(
        outcome=toms.outcomes.get(), description="Visit", owner="SW", due_on=D(2023, 6, 1)
    )
    toms_referral = service_referral_create(
        person=family.tom, service="early_help", referred_on=D(2023, 5, 2), reason="x", by=worker
    )
    _plan(family.lacey, worker)
    client.force_login(worker)
    base = _plans_url(family.lacey)
    assert client.get(f"{base}/{toms.pk}").status_code == 404
    assert client.get(f"{base}/{toms.pk}/end").status_code == 404
    assert client.post(f"{base}/{toms.pk}/actions/{toms_action.pk}/done").status_code == 404
    assert (
        client.post(
            f"/people/{family.lacey.public_id}/referrals/{toms_referral.pk}/outcome",
            {f"referral-{toms_referral.pk}-outcome": "accepted"},
        ).status_code
        == 404
    )
    # Tom is not allocated to this worker: his own pages are not found either.
    assert client.get(_plans_url(family.tom)).status_code == 404
    toms_action.refresh_from_db()
    assert toms_action.done_on is None
    assert not AccessLog.objects.filter(person=family.tom).exists()


def test_the_childs_pages_link_to_plans_and_services(client, family, worker):
    client.force_login(worker)
    html = _html(client.get(f"/people/{family.lacey.public_id}"))
    assert f'href="{_plans_url(family.lacey)}"' in html
    html = _html(client.get(_plans_url(family.lacey)))
    assert re.search(r'href="[^"]+/plans" aria-current="page">Plans and services<', html)


@pytest.mark.parametrize(
    ("role", "agency", "allocated", "may_lead"),
    [
        ("social_worker", None, True, True),
        ("social_worker", None, False, False),
        ("team_manager", None, True, True),
        ("mash", None, False, True),
        ("partner", HV, False, False),
        ("partnership_officer", None, False, False),
    ],
)
def test_who_may_lead_casework(family, make_staff, role, agency, allocated, may_lead):
    user = make_staff(role, agency=agency, team=None if agency else TEAM)
    if allocated:
        allocate(family.lacey, user)
    assert access.casework_may_lead(user=user, person=family.lacey) is may_lead


def test_a_plans_page_costs_the_same_queries_however_many_actions_it_holds(client, family, worker):
    plan = _plan(family.lacey, worker)
    client.force_login(worker)
    url = f"{_plans_url(family.lacey)}/{plan.pk}"

    def queries() -> int:
        with CaptureQueriesContext(connection) as run:
            assert client.get(url).status_code == 200
        return len(run.captured_queries)

    plan_action_add(outcome=plan.outcomes.get(), description="A", owner="SW", due_on=D(2023, 6, 1))
    few = queries()
    for i in range(10):
        plan_action_add(
            outcome=plan.outcomes.get(), description=f"B{i}", owner="SW", due_on=D(2023, 6, 1)
        )
    assert queries() == few
