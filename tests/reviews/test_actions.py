"""Recommendations and action plans: numbering, owners, the rules of each status, overdue raised."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core import mail
from django.utils import timezone

from sightline.casework.models import Notification
from sightline.reviews.action_selectors import review_actions_overdue, tracker_actions
from sightline.reviews.actions import (
    recommendation_add,
    review_action_add,
    review_action_reschedule,
    review_action_update,
    review_actions_raise_overdue,
)
from sightline.reviews.models import ReviewAction
from sightline.reviews.services import ReviewError, review_create

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def test_recommendations_are_numbered_within_their_review(plan):
    third = recommendation_add(review=plan.review, text="Audit attendance", agency=plan.schools)
    other = review_create(kind="rapid", title="Child AI", incident_on=TODAY())
    first_of_other = recommendation_add(review=other, text="Share the plan", agency=plan.police)
    assert [plan.police_rec.number, plan.partnership_rec.number, third.number] == [1, 2, 3]
    assert first_of_other.number == 1
    assert plan.partnership_rec.owner_name == "The partnership"
    assert third.owner_name == "Norfolk schools"


@pytest.mark.parametrize("agency, partnership_wide", [(None, False), ("police", True)])
def test_a_recommendation_has_one_owner_exactly(plan, agency, partnership_wide):
    with pytest.raises(ReviewError) as refused:
        recommendation_add(
            review=plan.review,
            text="Something",
            agency=plan.police if agency else None,
            partnership_wide=partnership_wide,
        )
    assert refused.value.field == "agency"
    assert plan.review.recommendations.count() == 2


def test_a_recommendation_needs_its_text(plan):
    with pytest.raises(ReviewError) as refused:
        recommendation_add(review=plan.review, text="   ", agency=plan.police)
    assert (refused.value.field, refused.value.message) == ("text", "Enter the recommendation")


def test_an_action_is_not_due_before_the_review_started(plan):
    started = plan.review.started_on
    with pytest.raises(ReviewError) as refused:
        review_action_add(
            recommendation=plan.police_rec,
            description="Too early",
            owner="Police",
            due_on=started - dt.timedelta(days=1),
        )
    assert refused.value.field == "due_on"
    assert f"{started:%-d %B %Y}" in refused.value.message
    on_the_day = review_action_add(
        recommendation=plan.police_rec, description="On the day", owner="Police", due_on=started
    )
    assert on_the_day.status == ReviewAction.Status.NOT_STARTED


def test_done_without_evidence_is_refused_naming_the_field(plan):
    with pytest.raises(ReviewError) as refused:
        review_action_update(
            action=plan.overdue, status="done", evidence="  ", completed_on=TODAY()
        )
    assert refused.value.field == "evidence"
    assert "evidence" in refused.value.message
    plan.overdue.refresh_from_db()
    assert plan.overdue.status == "not_started" and not plan.overdue.updates.exists()


@pytest.mark.parametrize("days_ahead, message", [(None, "Enter the date"), (1, "future")])
def test_done_needs_a_completion_date_not_in_the_future(plan, days_ahead, message):
    on = None if days_ahead is None else TODAY() + dt.timedelta(days=days_ahead)
    with pytest.raises(ReviewError) as refused:
        review_action_update(
            action=plan.overdue, status="done", evidence="Form changed", completed_on=on
        )
    assert refused.value.field == "completed_on"
    assert message in refused.value.message


def test_dropped_needs_a_reason(plan):
    with pytest.raises(ReviewError) as refused:
        review_action_update(action=plan.overdue, status="dropped")
    assert refused.value.field == "reason"
    dropped = review_action_update(
        action=plan.overdue, status="dropped", reason="The national form replaced ours"
    )
    assert dropped.dropped_reason == "The national form replaced ours"


def test_an_unknown_status_is_refused_naming_the_field(plan):
    with pytest.raises(ReviewError) as refused:
        review_action_update(action=plan.overdue, status="finished")
    assert refused.value.field == "status"


def test_every_change_is_kept_and_reopening_keeps_the_evidence_in_the_history(plan):
    action = plan.done
    assert action.evidence == "Briefing records for all 14 shifts"
    reopened = review_action_update(
        action=action, status="in_progress", note="Two shifts were missed", by=plan.lead
    )
    assert reopened.evidence == "" and reopened.completed_on is None
    history = [(u.from_status, u.to_status, u.note, u.by) for u in action.updates.all()]
    assert history == [
        ("not_started", "done", "Briefing records for all 14 shifts", plan.officer),
        ("done", "in_progress", "Two shifts were missed", plan.lead),
    ]


def test_the_same_status_with_nothing_said_is_refused(plan):
    with pytest.raises(ReviewError) as refused:
        review_action_update(action=plan.later, status="in_progress")
    assert refused.value.field == "status"


def test_only_the_action_past_due_and_not_finished_is_overdue(plan):
    assert list(review_actions_overdue(today=TODAY())) == [plan.overdue]
    assert not plan.done.is_overdue(TODAY()) and not plan.later.is_overdue(TODAY())
    # Two days on, the one due tomorrow and still in progress is overdue too.
    later = TODAY() + dt.timedelta(days=2)
    assert set(review_actions_overdue(today=later)) == {plan.overdue, plan.later}
    # An action due today is not yet overdue.
    assert plan.later not in review_actions_overdue(today=plan.later.due_on)


def test_an_overdue_action_is_raised_once_to_the_lead_reviewer_and_the_officers(plan, make_staff):
    manager = make_staff("team_manager")
    leaver = make_staff("partnership_officer")
    leaver.is_active = False
    leaver.save()
    plan.lead.email = "lead@example.org"
    plan.lead.save()
    first = review_actions_raise_overdue(today=TODAY())
    assert (first.overdue, first.notifications) == (1, 2)
    notes = Notification.objects.filter(kind=Notification.Kind.OVERDUE_ACTION)
    assert {n.recipient for n in notes} == {plan.lead, plan.officer}
    assert not Notification.objects.filter(recipient__in=[manager, leaver]).exists()
    note = notes.get(recipient=plan.lead)
    assert note.person is None
    assert plan.review.reference in note.title and "recommendation 1" in note.title
    assert "Add household members" in note.body
    # The email says only that there is something to see.
    assert len(mail.outbox) == 1 and "Add household members" not in mail.outbox[0].body
    again = review_actions_raise_overdue(today=TODAY())
    assert (again.overdue, again.notifications) == (1, 0)
    assert notes.count() == 2


def test_an_officer_who_joins_later_is_told_of_what_is_still_overdue(plan, make_staff):
    review_actions_raise_overdue(today=TODAY())
    newcomer = make_staff("partnership_officer")
    assert review_actions_raise_overdue(today=TODAY()).notifications == 1
    assert Notification.objects.filter(recipient=newcomer).count() == 1


def test_moving_the_due_date_keeps_the_old_one_and_the_reason_in_the_history(plan):
    old = plan.overdue.due_on
    new = TODAY() + dt.timedelta(days=14)
    moved = review_action_reschedule(
        action=plan.overdue, due_on=new, reason="The national form is late", by=plan.lead
    )
    assert moved.due_on == new and moved.status == "not_started"
    entry = moved.updates.get()
    assert (entry.from_status, entry.to_status, entry.by) == (
        "not_started",
        "not_started",
        plan.lead,
    )
    assert f"from {old:%-d %B %Y} to {new:%-d %B %Y}" in entry.note
    assert "The national form is late" in entry.note
    # Due in a fortnight, it is no longer overdue.
    assert plan.overdue not in review_actions_overdue(today=TODAY())


@pytest.mark.parametrize(
    "days_from_start, reason, field, message",
    [
        (-1, "Slipped", "due_on", "on or after the review started"),
        (400, "   ", "reason", "Enter why the due date is changing"),
        (None, "Slipped", "due_on", "Enter the new due date"),
    ],
)
def test_a_due_date_move_is_refused_naming_the_field(plan, days_from_start, reason, field, message):
    start = plan.review.started_on
    due = None if days_from_start is None else start + dt.timedelta(days=days_from_start)
    with pytest.raises(ReviewError) as refused:
        review_action_reschedule(action=plan.overdue, due_on=due, reason=reason)
    assert refused.value.field == field
    assert message in refused.value.message
    plan.overdue.refresh_from_db()
    assert plan.overdue.due_on == TODAY() - dt.timedelta(days=1)
    assert not plan.overdue.updates.exists()


def test_a_done_action_or_the_same_date_is_not_a_move(plan):
    with pytest.raises(ReviewError) as done:
        review_action_reschedule(action=plan.done, due_on=TODAY(), reason="Later")
    assert done.value.field == "due_on" and "reopen it" in done.value.message
    with pytest.raises(ReviewError) as same:
        review_action_reschedule(action=plan.later, due_on=plan.later.due_on, reason="Same")
    assert same.value.field == "due_on" and "already due" in same.value.message


def test_an_action_moved_and_missed_again_is_raised_again(plan):
    assert review_actions_raise_overdue(today=TODAY()).notifications == 2
    review_action_reschedule(action=plan.overdue, due_on=TODAY(), reason="Two more weeks")
    # Missing the new date tells the lead reviewer and the officer again, once.
    tomorrow = TODAY() + dt.timedelta(days=1)
    assert review_actions_raise_overdue(today=tomorrow).notifications >= 2
    titles = Notification.objects.filter(recipient=plan.lead).values_list("title", flat=True)
    assert sum(f"Overdue since {TODAY():%-d %B %Y}" in t for t in titles) == 1
    assert review_actions_raise_overdue(today=tomorrow).notifications == 0


def test_the_tracker_filters_by_agency_status_overdue_and_review(plan):
    def pks(**filters):
        return [a.pk for a in tracker_actions(today=TODAY(), **filters)]

    assert pks() == [plan.overdue.pk, plan.done.pk, plan.later.pk]  # soonest due first
    assert pks(agency="norfolk-police") == [plan.overdue.pk, plan.done.pk]
    assert pks(agency="partnership") == [plan.later.pk]
    assert pks(agency="norfolk-schools") == []
    assert pks(status="done") == [plan.done.pk]
    assert pks(overdue=True) == [plan.overdue.pk]
    assert pks(review=plan.review.reference, overdue=True) == [plan.overdue.pk]
    assert pks(review="CR-1999-001") == []


def test_the_command_lists_the_overdue_actions_as_csv(plan, cli):
    result = cli("review", "actions", "--overdue", "--format", "csv")
    assert result.code == 0, result.err
    rows = list(csv.reader(io.StringIO(result.out)))
    assert rows[0][:3] == ["review", "recommendation", "owning agency"]
    assert rows[1:] == [
        [
            plan.review.reference,
            "1",
            "Norfolk Constabulary",
            "Add household members to the domestic abuse form",
            "Police: DI Hale",
            plan.overdue.due_on.isoformat(),
            "Not started",
            "yes",
            "",
        ]
    ]


def test_the_command_lists_every_action_in_text_marking_the_overdue(plan, cli):
    result = cli("review", "actions")
    lines = result.out.splitlines()
    assert len(lines) == 3
    assert [line for line in lines if "OVERDUE" in line] == [lines[0]]
    assert "Add household members" in lines[0]


def test_the_command_raises_overdue_actions_once(plan, cli):
    first = cli("review", "actions", "--raise-overdue")
    assert first.code == 0, first.err
    assert first.out.strip() == "1 overdue action: 2 new notifications"
    assert cli("review", "actions", "--raise-overdue").out.strip() == (
        "1 overdue action: 0 new notifications"
    )


def test_the_command_judges_overdue_on_another_day_and_refuses_a_bad_one(plan, cli):
    ahead = (TODAY() + dt.timedelta(days=2)).isoformat()
    result = cli("review", "actions", "--overdue", "--as-of", ahead)
    assert len(result.out.splitlines()) == 2
    bad = cli("review", "actions", "--overdue", "--as-of", "27/11/2026")
    assert bad.code != 0 and "YYYY-MM-DD" in bad.err
    assert Notification.objects.count() == 0
