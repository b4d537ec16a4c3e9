"""A few children with birth dates and postcodes from ingested records, and casework about them.

Shared by the dashboard's figure tests (tests/reviews) and page tests (tests/web).
Ann turns 5 on 10 March 2025; Ben is 10 and lives in NR1, Cat is 14, Dan lives
in NR10 (not NR1). "Today" is 15 July 2025, after the period of January to June.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from sightline.accounts.models import Role, Team
from sightline.casework.models import Contact, TriageDecision
from sightline.feeds.services import feed_ingest_path
from sightline.indicators.models import Flag
from sightline.linkage.models import Person
from sightline.reviews import dashboard
from sightline.reviews.dashboard import Filters
from tests.conftest import record
from tests.web.casework_helpers import london, place, staff

TODAY = dt.date(2025, 7, 15)
PERIOD = Filters(start=dt.date(2025, 1, 1), end=dt.date(2025, 6, 30))
MONTHS = ["Jan 2025", "Feb 2025", "Mar 2025", "Apr 2025", "May 2025", "Jun 2025"]


@dataclass
class Borough:
    # Ann turns 5 on 10 March 2025; Ben is 10, Cat 14; Dan lives in NR10, not NR1.
    ann: Person
    ben: Person
    cat: Person
    dan: Person
    worker: Any
    north: Team


def _child(local_id: str, given: str, dob: str, postcode: str) -> dict[str, Any]:
    return record(
        record_id=f"DASH-{local_id}",
        subject={
            "local_id": local_id,
            "given_name": given,
            "family_name": "Dash",
            "date_of_birth": dob,
            "postcode": postcode,
        },
    )


@pytest.fixture
def borough(db: None, write_feed: Any, monkeypatch: pytest.MonkeyPatch) -> Borough:
    monkeypatch.setattr(dashboard, "now", lambda: london(TODAY.year, TODAY.month, TODAY.day))
    feed_ingest_path(
        path=write_feed(
            [
                _child("D-ANN", "Ann", "2020-03-10", "NR30 1AA"),
                _child("D-BEN", "Ben", "2015-01-01", "NR1 2BB"),
                _child("D-CAT", "Cat", "2010-06-01", "NR30 3CC"),
                _child("D-DAN", "Dan", "2012-02-02", "NR10 4DD"),
            ]
        ),
        sent_by="test",
    )
    hv = "nhs-community-hv"
    return Borough(
        ann=place((hv, "D-ANN")),
        ben=place((hv, "D-BEN")),
        cat=place((hv, "D-CAT")),
        dan=place((hv, "D-DAN")),
        worker=staff("sam.worker", Role.SOCIAL_WORKER),
        north=Team.objects.create(name="North", kind=Team.Kind.SOCIAL_CARE),
    )


def make_flag(person: Person, on: dt.date, level: str = "consider", scenario: str = "") -> Flag:
    return Flag.objects.create(
        scenario=scenario,
        person=person,
        rule_id="was-not-brought",
        level=level,
        title="Was not brought",
        source="RCGP",
        first_triggered_on=on,
        last_triggered_on=on,
        seen_on=on,
        explanation="x",
        created_at=london(on.year, on.month, on.day),
        updated_at=london(on.year, on.month, on.day),
    )


def make_contact(
    person: Person | None, at: dt.datetime, source: str = "agency", **kw: Any
) -> Contact:
    return Contact.objects.create(
        received_at=at,
        source=source,
        concern="Worried",
        immediate_danger="no",
        person=person,
        matched_on="NHS number" if person else "",
        **kw,
    )


@pytest.fixture
def flags(borough: Borough) -> list[Flag]:
    b = borough
    return [
        make_flag(b.ann, dt.date(2025, 1, 5)),
        make_flag(b.ann, dt.date(2025, 1, 20), "suspect"),
        make_flag(b.ann, dt.date(2025, 3, 9)),  # aged 4, the day before her birthday
        make_flag(b.ann, dt.date(2025, 3, 10)),  # aged 5
        make_flag(b.ben, dt.date(2025, 3, 3)),
        make_flag(b.cat, dt.date(2025, 6, 30), "suspect"),
        make_flag(b.dan, dt.date(2025, 4, 1)),
        make_flag(b.cat, dt.date(2024, 12, 31)),  # before the period
        make_flag(b.ben, dt.date(2025, 2, 1), scenario="as-of-2025-02-01"),  # not a live flag
    ]


@pytest.fixture
def contacts(borough: Borough) -> list[Contact]:
    b = borough
    made = [
        make_contact(b.ann, london(2024, 3, 10), "agency"),
        make_contact(b.ann, london(2025, 2, 1), "agency"),
        make_contact(b.ann, london(2025, 4, 1), "public"),
        make_contact(b.ben, london(2024, 1, 1), "family"),
        make_contact(b.ben, london(2025, 2, 10), "family"),
        make_contact(b.cat, london(2025, 2, 11, 23, 30), "professional"),
        make_contact(None, london(2025, 3, 3), "public", child_date_of_birth=dt.date(2024, 9, 1)),
        make_contact(b.dan, london(2025, 7, 1), "agency"),  # after the period
    ]
    decided = made[1]
    TriageDecision.objects.create(
        contact=decided,
        person=b.ann,
        outcome="assessment",
        reason="x",
        decided_by=b.worker,
        decided_at=london(2025, 2, 3),
        received_at=decided.received_at,
        due_on=dt.date(2025, 2, 4),
    )
    return made
