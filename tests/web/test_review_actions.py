"""A review's recommendations page and the tracker across all reviews, through HTTP."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from html import unescape
from typing import Any

import pytest
from django.utils import timezone

from sightline.accounts import access
from sightline.casework.models import Notification
from sightline.reviews.actions import (
    recommendation_add,
    review_action_add,
    review_actions_raise_overdue,
)
from sightline.reviews.models import Recommendation, ReviewAction
from sightline.reviews.services import review_child_add, review_create
from tests.reviews.plan_fixtures import POLICE

pytestmark = pytest.mark.django_db

ROW = re.compile(r'<tr class="govuk-table__row" data-action="(\d+)">(.*?)</tr>', re.S)
CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def _rows(response: Any) -> list[list[str]]:
    """The tracker's rows as the eye reads them: each cell's text."""
    html = response.content.decode()
    return [[_text(c) for c in CELL.findall(row)] for _, row in ROW.findall(html)]


def _csv(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def _day(text: str) -> str:
    """A CSV date as the page writes it: 27 Nov 2026."""
    day = dt.date.fromisoformat(text)
    return f"{day.day} {day:%b %Y}"


def _recommendations(plan: Any) -> str:
    return f"/reviews/{plan.review.reference}/recommendations"


def test_the_tracker_shows_every_action_with_exactly_one_overdue(client, plan):
    client.force_login(plan.officer)
    page = client.get("/review-actions")
    assert page.status_code == 200
    rows = _rows(page)
    assert len(rows) == 3
    overdue = [r for r in rows if "Overdue" in r[-1]]
    assert len(overdue) == 1
    assert overdue[0][:5] == [
        plan.review.reference,
        "1",
        "Norfolk Constabulary",
        "Add household members to the domestic abuse form",
        "Police: DI Hale",
    ]
    assert page.content.decode().count("app-overdue") == 1
    assert "3 actions, 1 overdue" in _text(page.content.decode())
    # Soonest due first; the partnership's own recommendation says so.
    assert rows[-1][2] == "The partnership" and rows[-1][-1] == "In progress"


def test_an_overdue_action_raised_twice_makes_one_notification_a_person_shown_once(client, plan):
    review_actions_raise_overdue()
    review_actions_raise_overdue()
    notes = Notification.objects.filter(recipient=plan.officer)
    assert notes.count() == 1
    client.force_login(plan.officer)
    page = client.get("/notifications").content.decode()
    assert page.count("Case review action overdue") == 1
    assert 'href="/review-actions?overdue=on"' in page


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", 3),
        ("?overdue=on", 1),
        (f"?agency={POLICE}", 2),
        ("?agency=partnership", 1),
        ("?status=done", 1),
        ("?status=in_progress&agency=partnership", 1),
        ("?status=dropped", 0),
    ],
)
def test_the_csv_holds_exactly_the_rows_the_filtered_page_shows(client, plan, query, expected):
    client.force_login(plan.officer)
    rows = _rows(client.get(f"/review-actions{query}"))
    download = client.get(f"/review-actions.csv{query}")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith('attachment; filename="review-actions-')
    header, *lines = _csv(download)
    assert header[:3] == ["review", "recommendation", "owning agency"]
    assert len(rows) == len(lines) == expected
    for shown, line in zip(rows, lines, strict=True):
        assert shown[:5] == line[:5]
        assert shown[5] == _day(line[5])
        assert shown[6].startswith(line[6])
        assert ("Overdue" in shown[6]) is (line[7] == "yes")


def test_bad_filters_are_named_and_the_csv_goes_back_to_them(client, plan):
    client.force_login(plan.officer)
    page = client.get("/review-actions?status=finished&review=CR-1999-001")
    text = _text(page.content.decode())
    assert page.status_code == 200 and "There is a problem" in text
    assert "Select one of the options for status" in text
    assert "Select one of the options for review" in text
    assert _rows(page) == []
    download = client.get("/review-actions.csv?status=finished")
    assert download.status_code == 302
    assert download["Location"] == "/review-actions?status=finished"


def test_the_review_filter_lists_only_that_reviews_actions(client, plan):
    client.force_login(plan.officer)
    rows = _rows(client.get(f"/review-actions?review={plan.review.reference}&overdue=on"))
    assert [r[0] for r in rows] == [plan.review.reference]


def test_the_recommendations_page_shows_each_recommendation_its_actions_and_evidence(client, plan):
    client.force_login(plan.officer)
    page = client.get(_recommendations(plan))
    assert page.status_code == 200
    text = _text(page.content.decode())
    assert "Recommendation 1" in text and "Recommendation 2" in text
    assert "Owned by Norfolk Constabulary" in text and "Owned by The partnership" in text
    assert "Evidence: Briefing records for all 14 shifts" in text
    assert page.content.decode().count("app-overdue") == 1
    # The history of the action that was done keeps who said what.
    assert "Not started to Done" in text and "Draft circulated" in text


def test_no_page_names_the_child_a_review_is_about(client, plan, family):
    review_child_add(review=plan.review, person=family.lacey, code="AG")
    client.force_login(plan.officer)
    for url in (_recommendations(plan), "/review-actions", "/review-actions.csv"):
        body = client.get(url).content.decode()
        assert "Lacey" not in body and "Quennell" not in body, url
        assert family.lacey.public_id not in body, url


def test_an_officer_adds_a_recommendation_and_an_action(client, plan):
    client.force_login(plan.officer)
    added = client.post(
        f"/reviews/{plan.review.reference}/recommendations/add",
        {"rec-text": "Audit school attendance follow-up", "rec-owner": "norfolk-schools"},
    )
    assert added.status_code == 302 and added["Location"] == _recommendations(plan)
    rec = Recommendation.objects.get(review=plan.review, number=3)
    assert rec.agency == plan.schools and rec.created_by == plan.officer
    due = timezone.localdate() + dt.timedelta(days=30)
    action = client.post(
        f"/reviews/{plan.review.reference}/actions/add",
        {
            "action-recommendation": str(rec.pk),
            "action-description": "Sample 20 absence cases",
            "action-owner": "Education: attendance lead",
            "action-due_on": f"{due.day} {due.month} {due.year}",
        },
    )
    assert action.status_code == 302
    assert rec.actions.get().description == "Sample 20 absence cases"
    page = client.get(_recommendations(plan))
    assert "You added an action to recommendation 3" in page.content.decode()


def test_an_action_due_before_the_review_started_is_refused_by_its_field(client, plan):
    client.force_login(plan.officer)
    early = plan.review.started_on - dt.timedelta(days=1)
    page = client.post(
        f"/reviews/{plan.review.reference}/actions/add",
        {
            "action-recommendation": str(plan.police_rec.pk),
            "action-description": "Too early",
            "action-owner": "Police",
            "action-due_on": f"{early.day} {early.month} {early.year}",
        },
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert '<a href="#id_action-due_on">The due date must be on or after the review started' in html
    assert not ReviewAction.objects.filter(description="Too early").exists()


def _update(
    client: Any, plan: Any, action: ReviewAction, *, to: str = "status", **data: str
) -> Any:
    """Post an action's form: its status (prefix action-) or its due date (prefix due-)."""
    prefix = "action" if to == "status" else "due"
    return client.post(
        f"/reviews/{plan.review.reference}/actions/{action.pk}/{to}",
        {f"{prefix}-{action.pk}-{k}": v for k, v in data.items()},
    )


def test_done_without_evidence_is_refused_naming_the_evidence_field(client, plan):
    client.force_login(plan.officer)
    today = timezone.localdate()
    page = _update(
        client,
        plan,
        plan.overdue,
        status="done",
        completed_on=f"{today.day} {today.month} {today.year}",
    )
    html = page.content.decode()
    assert page.status_code == 200 and "Error: Recommendations and actions" in html
    anchor = f"#id_action-{plan.overdue.pk}-evidence"
    assert f'<a href="{anchor}">Enter the evidence that the action was done</a>' in html
    plan.overdue.refresh_from_db()
    assert plan.overdue.status == "not_started"


def test_done_with_evidence_ends_the_overdue_tag(client, plan):
    client.force_login(plan.officer)
    today = timezone.localdate()
    done = _update(
        client,
        plan,
        plan.overdue,
        status="done",
        completed_on=f"{today.day} {today.month} {today.year}",
        evidence="The revised form, issued 1 November",
    )
    assert done.status_code == 302
    tracker = client.get("/review-actions")
    assert tracker.content.decode().count("app-overdue") == 0
    assert _rows(client.get("/review-actions?overdue=on")) == []
    history = plan.overdue.updates.get()
    assert (history.by, history.note) == (plan.officer, "The revised form, issued 1 November")


def _reschedule(client: Any, plan: Any, action: ReviewAction, **data: str) -> Any:
    return _update(client, plan, action, to="due", **data)


def test_moving_an_overdue_action_past_today_shows_the_new_date_and_ends_overdue(client, plan):
    client.force_login(plan.officer)
    old = plan.overdue.due_on
    new = timezone.localdate() + dt.timedelta(days=21)
    before = [r for r in _rows(client.get("/review-actions")) if "Add household" in r[3]]
    assert len(before) == 1 and "Overdue" in before[0][-1]
    moved = _reschedule(
        client,
        plan,
        plan.overdue,
        due_on=f"{new.day} {new.month} {new.year}",
        reason="Waiting for the national form",
    )
    assert moved.status_code == 302
    page = client.get(_recommendations(plan)).content.decode()
    assert f"now due on {new:%-d %B %Y}" in _text(page)
    row = dict(ROW.findall(page))[str(plan.overdue.pk)]
    assert f"{new.day} {new:%b %Y}" in _text(row) and "Overdue" not in _text(row)
    history = re.search(rf'data-history="{plan.overdue.pk}">(.*?)</details>', page, re.S)
    assert history is not None
    assert f"Due date moved from {old:%-d %B %Y} to {new:%-d %B %Y}" in _text(history.group(1))
    assert "Waiting for the national form" in _text(history.group(1))
    after = [r for r in _rows(client.get("/review-actions")) if "Add household" in r[3]]
    assert len(after) == 1 and "Overdue" not in after[0][-1]
    assert _day(new.isoformat()) in after[0]
    assert _rows(client.get("/review-actions?overdue=on")) == []


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"due_on": "1 1 2000", "reason": "Slipped"}, "due_on", "The due date must be on or after"),
        ({"due_on": "1 1 2030", "reason": ""}, "reason", "Enter why the due date is changing"),
    ],
)
def test_a_refused_due_date_move_names_its_field(client, plan, data, field, message):
    client.force_login(plan.officer)
    page = _reschedule(client, plan, plan.overdue, **data)
    html = page.content.decode()
    assert page.status_code == 200 and "Error: Recommendations and actions" in html
    assert f'<a href="#id_due-{plan.overdue.pk}-{field}">{message}' in html
    plan.overdue.refresh_from_db()
    assert plan.overdue.due_on == timezone.localdate() - dt.timedelta(days=1)


def test_only_those_who_may_update_an_action_may_move_its_date(client, plan, make_staff):
    police_manager = make_staff("team_manager", agency=POLICE)
    client.force_login(police_manager)
    page = client.get(_recommendations(plan)).content.decode()
    # The police's open action only: a done one is reopened first; the partnership's
    # is not theirs.
    assert page.count("Change the due date:") == 1
    new = timezone.localdate() + dt.timedelta(days=7)
    when = f"{new.day} {new.month} {new.year}"
    assert _reschedule(client, plan, plan.later, due_on=when, reason="x").status_code == 403
    assert _reschedule(client, plan, plan.overdue, due_on=when, reason="x").status_code == 302
    client.force_login(make_staff("team_manager"))
    assert "Change the due date:" not in client.get(_recommendations(plan)).content.decode()
    plan.later.refresh_from_db()
    assert plan.later.due_on == timezone.localdate() + dt.timedelta(days=1)


def test_dropping_needs_a_reason(client, plan):
    client.force_login(plan.officer)
    page = _update(client, plan, plan.later, status="dropped")
    assert f'<a href="#id_action-{plan.later.pk}-reason">' in page.content.decode()
    assert (
        _update(client, plan, plan.later, status="dropped", reason="Superseded").status_code == 302
    )


@pytest.mark.parametrize("role", ["partnership_officer", "team_manager"])
def test_officers_and_managers_see_both_pages(client, plan, make_staff, role):
    client.force_login(make_staff(role))
    assert client.get("/review-actions").status_code == 200
    assert client.get("/review-actions.csv").status_code == 200
    assert client.get(_recommendations(plan)).status_code == 200


@pytest.mark.parametrize(
    "role", ["social_worker", "partner", "administrator", "mash", "data_engineer"]
)
def test_other_roles_are_refused_every_page(client, plan, make_staff, role):
    client.force_login(make_staff(role))
    for url in ("/review-actions", "/review-actions.csv", _recommendations(plan)):
        assert client.get(url).status_code == 403, url
    assert client.get("/reviews/CR-1999-001/recommendations").status_code == 403
    done = _update(client, plan, plan.overdue, status="dropped", reason="No")
    assert done.status_code == 403
    plan.overdue.refresh_from_db()
    assert plan.overdue.status == "not_started"


def test_an_unknown_review_is_not_found(client, plan):
    client.force_login(plan.officer)
    assert client.get("/reviews/CR-1999-001/recommendations").status_code == 404


def test_a_manager_sees_the_plan_but_does_not_add_to_it(client, plan, make_staff):
    manager = make_staff("team_manager")
    client.force_login(manager)
    page = client.get(_recommendations(plan)).content.decode()
    assert "Add a recommendation" not in page and "Update the action" not in page
    refused = client.post(
        f"/reviews/{plan.review.reference}/recommendations/add",
        {"rec-text": "Mine", "rec-owner": "partnership"},
    )
    assert refused.status_code == 403
    assert plan.review.recommendations.count() == 2


def test_a_manager_of_the_owning_agency_records_progress_on_its_actions_only(
    client, plan, make_staff
):
    police_manager = make_staff("team_manager", agency=POLICE)
    assert access.review_action_may_update(user=police_manager, action=plan.overdue)
    assert not access.review_action_may_update(user=police_manager, action=plan.later)
    client.force_login(police_manager)
    page = client.get(_recommendations(plan)).content.decode()
    assert page.count("Update the action:") == 2  # the police's two, not the partnership's
    assert "Update the action: Agree the neglect strategy" not in page
    moved = _update(client, plan, plan.overdue, status="in_progress", note="Form in testing")
    assert moved.status_code == 302
    refused = _update(client, plan, plan.later, status="in_progress", note="Not ours")
    assert refused.status_code == 403
    plan.later.refresh_from_db()
    assert plan.later.updates.count() == 1


def test_an_action_of_another_review_is_not_found_under_this_one(client, plan):
    other = review_create(kind="rapid", title="Child AI", incident_on=timezone.localdate())
    theirs = review_action_add(
        recommendation=recommendation_add(review=other, text="x", partnership_wide=True),
        description="Theirs",
        owner="Partnership",
        due_on=timezone.localdate(),
    )
    client.force_login(plan.officer)
    answer = client.post(
        f"/reviews/{plan.review.reference}/actions/{theirs.pk}/status",
        {f"action-{theirs.pk}-status": "dropped", f"action-{theirs.pk}-reason": "No"},
    )
    assert answer.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "not_started"


def test_text_a_spreadsheet_would_run_as_a_formula_is_downloaded_as_text(client, plan):
    review_action_add(
        recommendation=plan.partnership_rec,
        description='=HYPERLINK("http://example.org","Click")',
        owner="@owner",
        due_on=timezone.localdate(),
    )
    client.force_login(plan.officer)
    lines = _csv(client.get("/review-actions.csv?agency=partnership"))
    formula = next(line for line in lines if "HYPERLINK" in line[3])
    assert formula[3] == '\'=HYPERLINK("http://example.org","Click")'
    assert formula[4] == "'@owner"
    # The page shows the text as it was typed.
    page = client.get("/review-actions?agency=partnership").content.decode()
    assert "=HYPERLINK(&quot;http://example.org&quot;" in page
