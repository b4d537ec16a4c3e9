"""A chronology reads in a few queries, however many events the child has."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sightline.accounts.viewer import Viewer
from sightline.chronology.selectors import household_chronology, person_chronology
from tests.chronology.conftest import HV, SCHOOL, Family, lacey
from tests.conftest import record

pytestmark = pytest.mark.django_db

TEACHER = Viewer(name="Ms Okafor", agency_code=SCHOOL, may_see_restricted=False)
ON = dt.date(2023, 6, 1)


def _queries(read: Callable[[], Any]) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as ctx:
        result = read()
    return len(ctx.captured_queries), result


def test_queries_do_not_grow_with_the_number_of_events(
    family: Family, cli: Callable[..., Any], write_feed: Callable[..., Any]
):
    def person() -> Any:
        return person_chronology(person=family.lacey, viewer=TEACHER)

    def household() -> Any:
        return household_chronology(person=family.lacey, viewer=TEACHER, on=ON)

    few_person, few = _queries(person)
    few_household, _ = _queries(household)
    # Agency persons, events, and the count of withheld records.
    assert few_person <= 3
    # Plus linkage's household: the child's relationships, each parent's, who is born.
    assert few_household <= 10

    measurements = [
        record(
            agency=HV,
            record_id=f"CHR-GROWTH-{i}",
            occurred_at=(dt.date(2020, 1, 1) + dt.timedelta(days=i)).isoformat(),
            subject=lacey("CHR-HV-LACEY"),
            details={"weight_kg": 12 + i / 1000},
        )
        for i in range(300)
    ]
    assert cli("ingest", str(write_feed(measurements))).code == 0

    many_person, many = _queries(person)
    many_household, many_in_household = _queries(household)
    assert len(many.entries) == len(few.entries) + 300
    assert len(many_in_household.entries) > 300
    assert (many_person, many_household) == (few_person, few_household)
