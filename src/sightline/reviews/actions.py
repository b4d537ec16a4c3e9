"""Writes for a review's recommendations and action plan, and raising overdue actions.

A recommendation is owned by one agency or by the partnership as a whole. Each
has actions with an owner, a due date and a status; every change of status is
kept (:class:`~sightline.reviews.models.ReviewActionUpdate`), with the evidence
when an action is done and the reason when it is dropped, because a partnership
must be able to show what came of its learning, not only that a box was ticked.

An action's due date may be moved (:func:`review_action_reschedule`) with a
reason; the old date stays in its history.

An action past its due date and neither done nor dropped is overdue.
:func:`review_actions_raise_overdue` tells the review's lead reviewer and the
partnership officers, once an action (``sightline review actions --raise-overdue``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from sightline.feeds.models import Agency
from sightline.reviews.models import (
    ACTION_OPEN_STATUSES,
    CaseReview,
    Recommendation,
    ReviewAction,
    ReviewActionUpdate,
)
from sightline.reviews.services import ReviewError

TEXT_MAX = 5000
OWNER_MAX = 200


def _text(field: str, value: str, *, what: str, limit: int = TEXT_MAX) -> str:
    """Stripped text, refused naming the field when empty, too long or carrying a NUL."""
    value = (value or "").strip()
    if not value:
        raise ReviewError(field, f"Enter {what}")
    if len(value) > limit:
        raise ReviewError(
            field, f"{what[0].upper()}{what[1:]} must be {limit:,} characters or fewer"
        )
    if "\x00" in value:
        raise ReviewError(field, f"{what[0].upper()}{what[1:]} must not contain a NUL character")
    return value


def _by(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


@transaction.atomic
def recommendation_add(
    *,
    review: CaseReview,
    text: str,
    agency: Agency | None = None,
    partnership_wide: bool = False,
    by: Any = None,
) -> Recommendation:
    """Add the review's next recommendation, owned by one agency or by the whole partnership."""
    text = _text("text", text, what="the recommendation")
    if (agency is None) == (not partnership_wide):
        raise ReviewError(
            "agency",
            "Select the agency that owns the recommendation, or the partnership as a whole",
        )
    # Locking the review makes two officers adding at once get 3 and 4, not 3 twice.
    CaseReview.objects.select_for_update().filter(pk=review.pk).first()
    top = review.recommendations.aggregate(top=Max("number"))["top"] or 0
    return Recommendation.objects.create(
        review=review,
        number=top + 1,
        text=text,
        agency=agency,
        partnership_wide=partnership_wide,
        created_by=_by(by),
        created_at=timezone.now(),
    )


def _due_after_start(review: CaseReview, due_on: dt.date) -> None:
    started = review.started_on
    if due_on < started:
        raise ReviewError(
            "due_on", f"The due date must be on or after the review started ({started:%-d %B %Y})"
        )


def review_action_add(
    *,
    recommendation: Recommendation,
    description: str,
    owner: str,
    due_on: dt.date,
    by: Any = None,
) -> ReviewAction:
    """Add an action towards a recommendation; it starts not started."""
    description = _text("description", description, what="what will be done")
    owner = _text("owner", owner, what="who owns the action", limit=OWNER_MAX)
    _due_after_start(recommendation.review, due_on)
    now = timezone.now()
    return ReviewAction.objects.create(
        recommendation=recommendation,
        description=description,
        owner=owner,
        due_on=due_on,
        created_at=now,
        updated_by=_by(by),
        updated_at=now,
    )


@transaction.atomic
def review_action_update(
    *,
    action: ReviewAction,
    status: str,
    by: Any = None,
    evidence: str = "",
    completed_on: dt.date | None = None,
    reason: str = "",
    note: str = "",
    today: dt.date | None = None,
) -> ReviewAction:
    """Move an action on, keeping what was said about it in its history.

    Done needs the evidence that it was done and the day it was, not in the
    future; dropped needs the reason. Leaving done or dropped (a partnership
    may reopen an action whose evidence did not convince) clears them from the
    action; its history still holds them.
    """
    today = today or timezone.localdate()
    if status not in ReviewAction.Status.values:
        labels = ", ".join(str(label).lower() for label in ReviewAction.Status.labels)
        raise ReviewError("status", f"Select the action's status: {labels}")
    action = ReviewAction.objects.select_for_update().get(pk=action.pk)
    said = ""
    action.completed_on, action.evidence, action.dropped_reason = None, "", ""
    if status == ReviewAction.Status.DONE:
        said = _text("evidence", evidence, what="the evidence that the action was done")
        if completed_on is None:
            raise ReviewError("completed_on", "Enter the date the action was done")
        if completed_on > today:
            raise ReviewError(
                "completed_on", "The date the action was done must not be in the future"
            )
        action.completed_on, action.evidence = completed_on, said
    elif status == ReviewAction.Status.DROPPED:
        said = _text("reason", reason, what="why the action was dropped")
        action.dropped_reason = said
    elif note.strip():
        said = _text("note", note, what="a note on progress")
    elif status == action.status:
        raise ReviewError("status", "The action already has this status: change it or add a note")
    now = timezone.now()
    ReviewActionUpdate.objects.create(
        action=action, by=_by(by), at=now, from_status=action.status, to_status=status, note=said
    )
    action.status = status
    action.updated_by, action.updated_at = _by(by), now
    action.save()
    return action


@transaction.atomic
def review_action_reschedule(
    *,
    action: ReviewAction,
    due_on: dt.date | None,
    reason: str,
    by: Any = None,
) -> ReviewAction:
    """Move an open action's due date, keeping the old date and the reason in its history.

    Plans slip, and a partnership must be able to show when and why an action's
    date moved rather than quietly lose the date it first agreed; the history
    entry keeps the action's status unchanged and says both dates.
    """
    reason = _text("reason", reason, what="why the due date is changing")
    if due_on is None:
        raise ReviewError("due_on", "Enter the new due date")
    action = (
        ReviewAction.objects.select_related("recommendation__review")
        .select_for_update(of=("self",))
        .get(pk=action.pk)
    )
    if action.status not in ACTION_OPEN_STATUSES:
        status = action.get_status_display().lower()
        raise ReviewError("due_on", f"The action is {status}: reopen it to change its due date")
    _due_after_start(action.recommendation.review, due_on)
    if due_on == action.due_on:
        raise ReviewError("due_on", f"The action is already due on {due_on:%-d %B %Y}")
    now = timezone.now()
    ReviewActionUpdate.objects.create(
        action=action,
        by=_by(by),
        at=now,
        from_status=action.status,
        to_status=action.status,
        note=f"Due date moved from {action.due_on:%-d %B %Y} to {due_on:%-d %B %Y}: {reason}",
    )
    action.due_on = due_on
    action.updated_by, action.updated_at = _by(by), now
    action.save()
    return action


@dataclass
class RaiseResult:
    overdue: int = 0
    notifications: int = 0


def review_actions_raise_overdue(*, today: dt.date | None = None) -> RaiseResult:
    """Tell the lead reviewer and every partnership officer of each overdue action, once.

    Running it again tells nobody anything new; an officer who joins later is
    told of the actions still overdue. The notification names the review and the
    recommendation, never a child.
    """
    from sightline.accounts.models import Role, StaffProfile
    from sightline.casework.models import Notification
    from sightline.casework.notifications import notifications_raise
    from sightline.reviews.action_selectors import review_actions_overdue

    today = today or timezone.localdate()
    officers = [
        s.user
        for s in StaffProfile.objects.filter(role=Role.PARTNERSHIP_OFFICER).select_related("user")
    ]
    result = RaiseResult()
    for action in review_actions_overdue(today=today):
        result.overdue += 1
        review = action.recommendation.review
        lead = [review.lead_reviewer] if review.lead_reviewer is not None else []
        made = notifications_raise(
            recipients=[*lead, *officers],
            kind=Notification.Kind.OVERDUE_ACTION,
            # The due date is in the key: an action moved to a new date and
            # missing that one too is raised again.
            key=f"review-action:{action.pk}:{action.due_on.isoformat()}",
            title=(
                f"Overdue since {action.due_on:%-d %B %Y}: {review.reference} "
                f"recommendation {action.recommendation.number}"
            )[:200],
            body=f"{action.description}\nOwner: {action.owner}",
        )
        result.notifications += len(made)
    return result
