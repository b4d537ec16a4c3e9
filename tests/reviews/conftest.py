"""One child with records from several agencies, and a review about them, made by the services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from sightline.feeds.services import feed_ingest_path
from sightline.indicators.models import Flag
from sightline.linkage.models import Person
from sightline.reviews.models import CaseReview
from sightline.reviews.services import review_child_add, review_create
from tests.conftest import record
from tests.reviews.case_fixtures import case  # noqa: F401
from tests.reviews.dashboard_fixtures import borough, contacts, flags  # noqa: F401
from tests.reviews.plan_fixtures import plan  # noqa: F401
from tests.web.casework_helpers import place
from tests.web.people_fixtures import family, make_staff  # noqa: F401

HV = "nhs-community-hv"
SCHOOL = "school-norwich-primary"
POLICE = "norfolk-police"
CSC = "norfolk-csc"
# The harm the review is about.
INCIDENT = dt.date(2024, 6, 1)

CHILD = {
    "given_name": "Ruby",
    "family_name": "Askew",
    "date_of_birth": "2020-04-02",
    "nhs_number": "943 476 5919",
}

_DETAILS: dict[str, dict[str, Any]] = {
    "was_not_brought": {"service": "health_visitor", "outcome": "was_not_brought"},
    "cause_for_concern": {"setting": "school", "category": "hunger"},
    "police_incident": {"category": "child_welfare"},
    "concern_reported": {"reporter": "professional", "category": "neglect"},
    "plan_end": {"status": "child_protection", "change": "end"},
}
_TYPES = {
    "was_not_brought": "health_appointment",
    "plan_end": "social_care_status",
}


class Records:
    """Feeds records about the child, one agency each, loaded and linked to one person."""

    def __init__(self, write_feed: Callable[..., Path]) -> None:
        self.write_feed = write_feed
        self.lines: list[dict[str, Any]] = []

    def add(self, agency: str, what: str, on: dt.date, *, restricted: bool = False) -> None:
        n = len(self.lines) + 1
        self.lines.append(
            record(
                agency=agency,
                record_id=f"RV-{n}",
                type=_TYPES.get(what, what),
                occurred_at=on.isoformat(),
                subject={"local_id": f"RUBY-{agency}", **CHILD},
                details=_DETAILS[what],
                summary="Ruby Askew was seen.",
                sensitivity="restricted" if restricted else "normal",
            )
        )

    def load(self) -> Person:
        result = feed_ingest_path(path=self.write_feed(self.lines), sent_by="test")
        assert not result.error and result.rejected == 0, result
        agencies = sorted({line["agency"] for line in self.lines})
        return place(*((a, f"RUBY-{a}") for a in agencies))


@pytest.fixture
def records(db: None, write_feed: Callable[..., Path]) -> Records:
    return Records(write_feed)


@pytest.fixture
def officer(db: None) -> Any:
    return get_user_model().objects.create_user(username="officer", password="x")


def review_of(person: Person, *, incident_on: dt.date = INCIDENT, code: str = "RA") -> CaseReview:
    review = review_create(
        kind=CaseReview.Kind.RAPID,
        title="Review of Child RA",
        incident_on=incident_on,
        started_on=incident_on + dt.timedelta(days=10),
    )
    review_child_add(review=review, person=person, code=code)
    return review


def flag_on(person: Person, rule_id: str, on: dt.date, title: str = "A flag") -> Flag:
    now = timezone.now()
    return Flag.objects.create(
        person=person,
        rule_id=rule_id,
        level="consider",
        title=title,
        source="test",
        first_triggered_on=on,
        last_triggered_on=on,
        seen_on=on,
        explanation="Ruby Askew: pattern complete.",
        created_at=now,
        updated_at=now,
    )
