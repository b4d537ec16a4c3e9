"""Reads for case reviews: lists, one review, its statutory deadline, findings by theme."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import QuerySet

from sightline.casework import timescales
from sightline.linkage.models import Person
from sightline.reviews.models import OPEN_STATUSES, CaseReview, Finding
from sightline.reviews.themes import THEMES, Theme

# Working Together to Safeguard Children 2023, chapter 5 (and the Child Safeguarding
# Practice Review Panel's practice guidance): a rapid review within 15 working days
# of the serious incident notification; a local review completed and published
# within 6 months of the decision to do one.
RAPID_WORKING_DAYS = 15
LCSPR_MONTHS = 6
WT2023_CH5 = "Working Together to Safeguard Children 2023, chapter 5"


def reviews_all() -> QuerySet[CaseReview]:
    return CaseReview.objects.prefetch_related("children", "agencies")


def reviews_list(*, status: str = "", kind: str = "") -> QuerySet[CaseReview]:
    """Every review, newest first, optionally of one status or kind."""
    reviews = reviews_all()
    if status:
        reviews = reviews.filter(status=status)
    if kind:
        reviews = reviews.filter(kind=kind)
    return reviews


def review_get(*, reference: str) -> CaseReview | None:
    return (
        reviews_all()
        .select_related("lead_reviewer")
        .filter(reference=reference.strip().upper())
        .first()
    )


def persons_under_open_review() -> QuerySet[Person]:
    """The children of every review still being done."""
    return Person.objects.filter(review_places__review__status__in=OPEN_STATUSES).distinct()


@dataclass(frozen=True)
class Deadline:
    """When the review is due, what being done means for it, and whether it is late."""

    due_on: dt.date | None
    what: str  # what must be done by then
    rule: str  # the timescale in words, with its source
    done_on: dt.date | None
    missing: str = ""  # what is needed to work out the due date, when it is not known

    def overdue(self, today: dt.date) -> bool:
        if self.due_on is None:
            return False
        if self.done_on is not None:
            return self.done_on > self.due_on
        return today > self.due_on


def review_deadline(review: CaseReview) -> Deadline | None:
    """The statutory timescale the review runs to; None for a legacy serious case review."""
    if review.kind == CaseReview.Kind.RAPID:
        rule = (
            f"A rapid review is due within {RAPID_WORKING_DAYS} working days of the serious "
            f"incident notification ({WT2023_CH5})"
        )
        due = (
            timescales.working_days_add(review.notified_on, RAPID_WORKING_DAYS)
            if review.notified_on
            else None
        )
        return Deadline(
            due_on=due,
            what="completed",
            rule=rule,
            done_on=review.completed_on,
            missing="" if due else "Enter the date of the serious incident notification",
        )
    if review.kind == CaseReview.Kind.LCSPR:
        rule = (
            f"A local child safeguarding practice review is completed and published within "
            f"{LCSPR_MONTHS} months of the decision to do it, taken here as its start "
            f"({WT2023_CH5})"
        )
        return Deadline(
            due_on=timescales.months_add(review.started_on, LCSPR_MONTHS),
            what="published",
            rule=rule,
            done_on=review.published_on,
        )
    return None


def findings_of(review: CaseReview) -> list[Finding]:
    return list(review.findings.prefetch_related("agencies").select_related("created_by"))


def findings_by_theme(review: CaseReview) -> list[tuple[Theme, list[Finding]]]:
    """Each theme with the review's findings that carry it, in the catalogue's order.

    A finding with several themes appears under each of them.
    """
    findings = findings_of(review)
    grouped = [(t, [f for f in findings if t.id in f.themes]) for t in THEMES]
    return [(t, fs) for t, fs in grouped if fs]


def theme_counts() -> list[tuple[Theme, int, int]]:
    """Every theme with how many findings carry it, and in how many reviews, across all reviews."""
    findings = Counter[str]()
    reviews: dict[str, set[int]] = {}
    for review_id, themes in Finding.objects.values_list("review_id", "themes"):
        for theme_id in set(themes or ()):
            findings[theme_id] += 1
            reviews.setdefault(theme_id, set()).add(review_id)
    return [(t, findings[t.id], len(reviews.get(t.id, ()))) for t in THEMES]
