"""Writes for case reviews: opening one, naming the children it is about, moving it on."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import transaction
from django.utils import timezone

from sightline.linkage.models import Person
from sightline.reviews.models import CaseReview, ReviewChild

# Two to eight capital letters: "AG", "AI". Letters only, so a code cannot carry
# digits of an NHS number or a date of birth into what is published.
_CODE = re.compile(r"[A-Z]{1,8}")


class ReviewError(ValueError):
    """A request the rules refuse; ``field`` names the input at fault, for the form."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _next_reference(year: int) -> str:
    prefix = f"CR-{year}-"
    taken = CaseReview.objects.filter(reference__startswith=prefix).values_list(
        "reference", flat=True
    )
    numbers = [int(r.removeprefix(prefix)) for r in taken if r.removeprefix(prefix).isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


@transaction.atomic
def review_create(
    *,
    kind: str,
    title: str,
    incident_on: dt.date,
    started_on: dt.date | None = None,
    by: Any = None,
    terms_of_reference: str = "",
    independent_reviewer: str = "",
    lead_reviewer: Any = None,
    notified_on: dt.date | None = None,
) -> CaseReview:
    """Open a review; its reference is the next free ``CR-<year>-NNN`` of its start year."""
    if kind not in CaseReview.Kind.values:
        raise ReviewError("kind", f"must be one of {', '.join(CaseReview.Kind.values)}")
    title = title.strip()
    if not title:
        raise ReviewError("title", "Enter a title for the review")
    if len(title) > 200:
        raise ReviewError("title", "The title must be 200 characters or fewer")
    started = started_on or timezone.localdate()
    if incident_on > started:
        raise ReviewError("incident_on", "The incident must be on or before the review starts")
    return CaseReview.objects.create(
        reference=_next_reference(started.year),
        kind=kind,
        title=title,
        incident_on=incident_on,
        notified_on=notified_on,
        started_on=started,
        terms_of_reference=terms_of_reference,
        independent_reviewer=independent_reviewer,
        lead_reviewer=lead_reviewer,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        created_at=timezone.now(),
    )


def review_child_add(*, review: CaseReview, person: Person, code: str) -> ReviewChild:
    """Name a child the review is about, with the letters that stand for them."""
    code = code.strip().upper()
    if not _CODE.fullmatch(code):
        raise ReviewError("code", "The code must be 1 to 8 letters, such as AG")
    if review.children.filter(code=code).exists():
        raise ReviewError("code", f"Child {code} is already in this review")
    if review.children.filter(person=person).exists():
        raise ReviewError("person", "This child is already in this review")
    return ReviewChild.objects.create(review=review, person=person, code=code)


def review_set_status(*, review: CaseReview, status: str, on: dt.date | None = None) -> CaseReview:
    """Move a review on; completing and publishing record the day they happened."""
    if status not in CaseReview.Status.values:
        raise ReviewError("status", f"must be one of {', '.join(CaseReview.Status.values)}")
    day = on or timezone.localdate()
    review.status = status
    if status == CaseReview.Status.COMPLETED and review.completed_on is None:
        review.completed_on = day
    if status == CaseReview.Status.PUBLISHED and review.published_on is None:
        review.published_on = day
    review.save(update_fields=["status", "completed_on", "published_on"])
    return review


# What an officer writes for publication: generous for a long summary, bounded all the same.
SUMMARY_MAX_LENGTH = 50_000


@transaction.atomic
def review_publication_update(*, review: CaseReview, title: str, summary: str) -> CaseReview:
    """Keep what the officer wrote for publication; it is anonymised whenever it is shown."""
    title = title.strip()
    if len(title) > 200:
        raise ReviewError("published_title", "The title must be 200 characters or fewer")
    if len(summary) > SUMMARY_MAX_LENGTH:
        raise ReviewError(
            "published_summary", f"The summary must be {SUMMARY_MAX_LENGTH:,} characters or fewer"
        )
    review.published_title = title
    review.published_summary = summary.strip()
    review.save(update_fields=["published_title", "published_summary"])
    return review
