"""A person's chronology (issue 4): their events across agencies, in time order.

Built on one family (see conftest.py): records from five agencies, ingested
through the feeds services and linked by the linkage service.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from sightline.accounts.viewer import Viewer
from sightline.chronology.selectors import person_chronology
from tests.chronology.conftest import (
    CSC,
    HV,
    LACEY_ORDER,
    NSFT,
    POLICE,
    RESTRICTED_SUMMARY,
    SCHOOL,
    Family,
    lacey,
)
from tests.conftest import record

pytestmark = pytest.mark.django_db

TEACHER = Viewer(name="Ms Okafor", agency_code=SCHOOL, may_see_restricted=False)
HEALTH_VISITOR = Viewer(name="Jo Baines", agency_code=HV, may_see_restricted=False)
SAFEGUARDING_LEAD = Viewer(name="Sam Reid", agency_code=None, may_see_restricted=True)


def _by_id(person: Any, viewer: Viewer) -> dict[str, Any]:
    return {e.record_id: e for e in person_chronology(person=person, viewer=viewer).entries}


def _ids(chronology: Any) -> list[tuple[str, str]]:
    return [(e.agency_code, e.record_id) for e in chronology.entries]


def test_events_from_every_agency_come_in_time_order(family: Family):
    chronology = person_chronology(person=family.lacey, viewer=Viewer.system())
    assert _ids(chronology) == LACEY_ORDER
    assert chronology.withheld == 0
    # Her sister's and Darren's own records are not hers.
    assert not {"CHR-HV-M1", "CHR-PO-2"} & {e.record_id for e in chronology.entries}


def test_each_event_carries_its_provenance(family: Family):
    entries = _by_id(family.lacey, TEACHER)
    police = entries["CHR-PO-1"]
    assert (police.agency_code, police.agency_name) == (POLICE, "")
    assert police.version == 1
    assert police.type == "police_incident"
    assert police.occurred_on == dt.date(2023, 4, 2)
    assert police.occurred_at == dt.datetime(2023, 4, 2, 21, 40, tzinfo=dt.UTC)
    assert police.occurred_at_as_sent == "2023-04-02T22:40:00+01:00"
    assert police.details == {"category": "domestic_abuse", "child_present": True, "risk": "high"}
    assert police.summary == "Neighbours called. Lacey was in the flat."
    assert police.sensitivity == "normal"
    assert police.feed_file.endswith(".jsonl")
    assert police.line_number == 1  # the first line of the family's file
    assert police.received_at is not None
    assert entries["CHR-HV-1"].occurred_at is None
    assert entries["CHR-HV-1"].occurred_at_as_sent == "2023-03-14"


def test_a_record_naming_the_child_in_related_is_in_her_chronology_with_her_role(family: Family):
    entries = _by_id(family.lacey, TEACHER)
    # Her mother's mental health record names Lacey as her child.
    assert entries["CHR-AF-1"].agency_code == NSFT
    assert entries["CHR-AF-1"].role == "child"
    assert entries["CHR-PO-1"].role == "subject"
    # In her mother's chronology, the same police incident names Gemma as the victim.
    mothers = _by_id(family.gemma, TEACHER)
    assert mothers["CHR-PO-1"].role == "victim"
    assert mothers["CHR-AF-1"].role == "subject"
    assert mothers["CHR-PO-1"].whose.person_id == family.gemma.public_id


def test_filters_by_agency_type_and_period_with_both_ends_included(family: Family):
    def ids(**filters: Any) -> list[str]:
        chron = person_chronology(person=family.lacey, viewer=Viewer.system(), **filters)
        return [e.record_id for e in chron.entries]

    assert ids(agencies=[HV]) == ["CHR-HV-2", "CHR-HV-1", "CHR-HV-3"]
    assert ids(agencies=[SCHOOL, CSC]) == ["CHR-CSC-1", "CHR-SC-1"]
    assert ids(types=["police_incident", "adult_factor"]) == ["CHR-AF-1", "CHR-PO-1"]
    assert ids(start=dt.date(2023, 3, 14), end=dt.date(2023, 3, 14)) == [
        "CHR-HV-1",
        "CHR-CSC-1",
        "CHR-SC-1",
    ]
    assert ids(start=dt.date(2023, 4, 2)) == ["CHR-PO-1", "CHR-HV-3"]
    assert ids(end=dt.date(2023, 1, 10)) == ["CHR-AF-1", "CHR-HV-2"]
    assert ids(agencies=[HV], types=["note"], start=dt.date(2023, 5, 2)) == []


def test_a_restricted_record_is_withheld_from_another_agency_and_counted(family: Family):
    chronology = person_chronology(person=family.lacey, viewer=TEACHER)
    assert "CHR-HV-3" not in [e.record_id for e in chronology.entries]
    assert len(chronology.entries) == len(LACEY_ORDER) - 1
    assert chronology.withheld == 1
    # Nothing of what it says reaches the outsider.
    assert RESTRICTED_SUMMARY not in repr(chronology)
    # Counted only within what was asked for.
    assert person_chronology(person=family.lacey, viewer=TEACHER, agencies=[SCHOOL]).withheld == 0
    assert person_chronology(person=family.lacey, viewer=TEACHER, types=["note"]).withheld == 1


def test_a_restricted_record_is_shown_to_the_sending_agency_and_to_those_allowed(family: Family):
    for viewer in (HEALTH_VISITOR, SAFEGUARDING_LEAD, Viewer.system()):
        chronology = person_chronology(person=family.lacey, viewer=viewer)
        (note,) = [e for e in chronology.entries if e.record_id == "CHR-HV-3"]
        assert note.sensitivity == "restricted"
        assert note.summary == RESTRICTED_SUMMARY
        assert chronology.withheld == 0, viewer


def test_a_corrected_record_shows_its_newest_version_only(
    family: Family, cli: Callable[..., Any], write_feed: Callable[..., Any]
):
    corrected = record(
        agency=HV,
        record_id="CHR-HV-1",
        record_version=2,
        type="growth_measurement",
        occurred_at="2023-03-15",
        subject=lacey("CHR-HV-LACEY"),
        details={"weight_kg": 14.6},
    )
    result = cli("ingest", str(write_feed([corrected])))
    assert "superseded 1" in result.out, result.out
    entries = person_chronology(person=family.lacey, viewer=Viewer.system()).entries
    (measurement,) = [e for e in entries if e.record_id == "CHR-HV-1"]
    assert measurement.version == 2
    assert measurement.details == {"weight_kg": 14.6}
    # The correction moved it to the next day: after the school's concern.
    assert [e.record_id for e in entries].index("CHR-HV-1") == 4
    assert len(entries) == len(LACEY_ORDER)
