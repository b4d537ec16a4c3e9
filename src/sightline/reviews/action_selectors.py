"""Reads for recommendations and action plans: one review's, and the tracker across all reviews.

The tracker's page and its CSV download are made from the same rows
(:func:`tracker_rows`), so the download holds exactly what the page shows.
Nothing here names a child: a review is known by its reference.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from sightline.feeds.models import Agency
from sightline.reviews.exports import spreadsheet_text
from sightline.reviews.models import (
    ACTION_OPEN_STATUSES,
    CaseReview,
    Recommendation,
    ReviewAction,
)

# The agency filter's value for recommendations the partnership owns as a whole.
PARTNERSHIP = "partnership"


def recommendations_of(*, review: CaseReview) -> QuerySet[Recommendation]:
    """The review's recommendations in order, each with its actions and their history."""
    actions = ReviewAction.objects.select_related("updated_by").prefetch_related("updates__by")
    return (
        review.recommendations.select_related("agency")
        .prefetch_related(Prefetch("actions", queryset=actions))
        .order_by("number")
    )


def review_action_get(*, review: CaseReview, action_id: int) -> ReviewAction | None:
    """The action, only if it belongs to this review."""
    return (
        ReviewAction.objects.select_related("recommendation__review", "recommendation__agency")
        .filter(pk=action_id, recommendation__review=review)
        .first()
    )


def _overdue(today: dt.date) -> Q:
    return Q(due_on__lt=today, status__in=ACTION_OPEN_STATUSES)


def review_actions_overdue(*, today: dt.date) -> QuerySet[ReviewAction]:
    """Every action past its due date and neither done nor dropped, oldest due first."""
    return (
        ReviewAction.objects.filter(_overdue(today))
        .select_related("recommendation__review__lead_reviewer", "recommendation__agency")
        .order_by("due_on", "pk")
    )


def tracker_agencies() -> QuerySet[Agency]:
    """The agencies that own at least one recommendation: the tracker's agency filter."""
    return Agency.objects.filter(review_recommendations__isnull=False).distinct().order_by("name")


def tracker_reviews() -> QuerySet[CaseReview]:
    """The reviews that have at least one action: the tracker's review filter."""
    return (
        CaseReview.objects.filter(recommendations__actions__isnull=False)
        .distinct()
        .order_by("reference")
    )


def tracker_actions(
    *,
    today: dt.date,
    agency: str = "",
    status: str = "",
    overdue: bool = False,
    review: str = "",
) -> QuerySet[ReviewAction]:
    """Every action of every review, soonest due first, narrowed by the filters given.

    ``agency`` is an agency's code, or :data:`PARTNERSHIP` for recommendations the
    partnership owns as a whole; ``review`` a review's reference.
    """
    actions = ReviewAction.objects.select_related(
        "recommendation__review", "recommendation__agency"
    )
    if agency == PARTNERSHIP:
        actions = actions.filter(recommendation__partnership_wide=True)
    elif agency:
        actions = actions.filter(recommendation__agency__code=agency)
    if status:
        actions = actions.filter(status=status)
    if overdue:
        actions = actions.filter(_overdue(today))
    if review:
        actions = actions.filter(recommendation__review__reference=review)
    return actions.order_by(
        "due_on", "recommendation__review__reference", "recommendation__number", "pk"
    )


@dataclass(frozen=True)
class TrackerRow:
    """One action as the tracker shows it."""

    action_id: int
    reference: str
    recommendation: int
    agency: str
    description: str
    owner: str
    due_on: dt.date
    status: str
    status_label: str
    overdue: bool
    completed_on: dt.date | None


def tracker_rows(actions: QuerySet[ReviewAction], *, today: dt.date) -> list[TrackerRow]:
    return [
        TrackerRow(
            action_id=a.pk,
            reference=a.recommendation.review.reference,
            recommendation=a.recommendation.number,
            agency=a.recommendation.owner_name,
            description=a.description,
            owner=a.owner,
            due_on=a.due_on,
            status=a.status,
            status_label=a.get_status_display(),
            overdue=a.is_overdue(today),
            completed_on=a.completed_on,
        )
        for a in actions
    ]


TRACKER_CSV_HEADER = [
    "review",
    "recommendation",
    "owning agency",
    "action",
    "owner",
    "due",
    "status",
    "overdue",
    "completed",
]


def tracker_csv_rows(rows: list[TrackerRow]) -> Iterator[list[str]]:
    """The rows as CSV (the header first), the same columns the page shows."""
    yield TRACKER_CSV_HEADER
    for r in rows:
        yield [
            r.reference,
            str(r.recommendation),
            spreadsheet_text(r.agency),
            spreadsheet_text(r.description),
            spreadsheet_text(r.owner),
            r.due_on.isoformat(),
            r.status_label,
            "yes" if r.overdue else "no",
            r.completed_on.isoformat() if r.completed_on else "",
        ]
