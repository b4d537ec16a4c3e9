"""Writes for case reviews: opening one, naming the children it is about, moving it on."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from sightline.feeds.models import Agency
from sightline.linkage.models import Person
from sightline.reviews.models import CaseReview, Finding, ReviewChild
from sightline.reviews.themes import THEME_BY_ID

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
    agencies: Iterable[Agency] = (),
) -> CaseReview:
    """Open a review; its reference is the next free ``CR-<year>-NNN`` of its start year."""
    if kind not in CaseReview.Kind.values:
        raise ReviewError("kind", f"must be one of {', '.join(CaseReview.Kind.values)}")
    title = _title(title)
    started = started_on or timezone.localdate()
    _check_dates(incident_on=incident_on, notified_on=notified_on, started_on=started)
    review = CaseReview.objects.create(
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
    review.agencies.set(agencies)
    return review


def _title(title: str) -> str:
    title = title.strip()
    if not title:
        raise ReviewError("title", "Enter a title for the review")
    if len(title) > 200:
        raise ReviewError("title", "The title must be 200 characters or fewer")
    return title


def _check_dates(*, incident_on: dt.date, notified_on: dt.date | None, started_on: dt.date) -> None:
    if incident_on > started_on:
        raise ReviewError("incident_on", "The incident must be on or before the review starts")
    # The notification is of the incident, so it cannot come before it.
    if notified_on is not None and notified_on < incident_on:
        raise ReviewError("notified_on", "The notification must be on or after the incident")


@transaction.atomic
def review_update(
    *,
    review: CaseReview,
    kind: str,
    title: str,
    incident_on: dt.date,
    started_on: dt.date,
    notified_on: dt.date | None = None,
    terms_of_reference: str = "",
    independent_reviewer: str = "",
    lead_reviewer: Any = None,
    agencies: Iterable[Agency] = (),
) -> CaseReview:
    """Change what the review is: its reference stays, whatever its start year becomes."""
    if kind not in CaseReview.Kind.values:
        raise ReviewError("kind", f"must be one of {', '.join(CaseReview.Kind.values)}")
    review.title = _title(title)
    _check_dates(incident_on=incident_on, notified_on=notified_on, started_on=started_on)
    review.kind = kind
    review.incident_on = incident_on
    review.notified_on = notified_on
    review.started_on = started_on
    review.terms_of_reference = terms_of_reference
    review.independent_reviewer = independent_reviewer
    review.lead_reviewer = lead_reviewer
    review.save()
    review.agencies.set(agencies)
    return review


FINDING_MAX = 5000


@transaction.atomic
def finding_add(
    *,
    review: CaseReview,
    text: str,
    themes: Iterable[str],
    agencies: Iterable[Agency] = (),
    by: Any = None,
) -> Finding:
    """Record what the review learned, tagged with one or more themes of the catalogue."""
    text = text.strip()
    if not text:
        raise ReviewError("text", "Enter the finding")
    if len(text) > FINDING_MAX:
        raise ReviewError("text", f"The finding must be {FINDING_MAX:,} characters or fewer")
    chosen = list(dict.fromkeys(themes))
    if not chosen:
        raise ReviewError("themes", "Select at least one learning theme")
    unknown = [t for t in chosen if t not in THEME_BY_ID]
    if unknown:
        raise ReviewError("themes", f"No such learning theme: {', '.join(unknown)}")
    finding = Finding.objects.create(
        review=review,
        text=text,
        themes=chosen,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        created_at=timezone.now(),
    )
    finding.agencies.set(agencies)
    return finding


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


def review_child_add_by_id(*, review: CaseReview, public_id: str, code: str) -> ReviewChild:
    """Name a child by the person id the officer was given, as typed.

    A partnership officer may not search for or open a child until the child is
    in a review being done, so this is how one is added: the id is checked to
    exist and nothing else about the person is said.
    """
    public_id = public_id.strip().upper()
    person = Person.objects.filter(public_id=public_id).first()
    if person is None:
        raise ReviewError("person", f"There is no person with the id {public_id}: check it")
    return review_child_add(review=review, person=person, code=code)


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
