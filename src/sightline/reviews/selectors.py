"""Reads for case reviews."""

from __future__ import annotations

from django.db.models import QuerySet

from sightline.linkage.models import Person
from sightline.reviews.models import OPEN_STATUSES, CaseReview


def reviews_all() -> QuerySet[CaseReview]:
    return CaseReview.objects.prefetch_related("children", "agencies")


def persons_under_open_review() -> QuerySet[Person]:
    """The children of every review still being done."""
    return Person.objects.filter(review_places__review__status__in=OPEN_STATUSES).distinct()


def review_get(*, reference: str) -> CaseReview | None:
    """The review with this reference (``CR-2026-001``), any case, or None."""
    return reviews_all().filter(reference=reference.strip().upper()).first()
