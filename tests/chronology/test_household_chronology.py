"""A household chronology (issue 4): the child's events with those of the people around her."""

from __future__ import annotations

import datetime as dt

import pytest

from sightline.accounts.viewer import Viewer
from sightline.chronology.selectors import household_chronology
from tests.chronology.conftest import HV, POLICE, SCHOOL, Family

pytestmark = pytest.mark.django_db

TEACHER = Viewer(name="Ms Okafor", agency_code=SCHOOL, may_see_restricted=False)


def test_includes_her_sisters_and_her_mothers_partners_events_saying_whose(family: Family):
    chronology = household_chronology(
        person=family.lacey, viewer=Viewer.system(), on=dt.date(2023, 6, 1)
    )
    entries = {e.record_id: e for e in chronology.entries}
    # Maisie's missed appointment: no record of it names Lacey.
    sister = entries["CHR-HV-M1"].whose
    assert (sister.person_id, sister.relationship, sister.role) == (
        family.maisie.public_id,
        "sibling",
        "subject",
    )
    # Darren's arrest the year before he moved in: his history matters to her now.
    partner = entries["CHR-PO-2"].whose
    assert partner.person_id == family.darren.public_id
    assert partner.relationship == "partner_of_parent"
    # Her mother's own record is hers, naming Lacey as her child.
    mother = entries["CHR-AF-1"]
    assert mother.whose.person_id == family.gemma.public_id
    assert mother.whose.relationship == "mother"
    assert [(i.person_id, i.role) for i in mother.involved] == [
        (family.gemma.public_id, "subject"),
        (family.lacey.public_id, "child"),
    ]
    # Lacey's own event, where her mother and Darren are named too: one entry.
    incident = entries["CHR-PO-1"]
    assert incident.whose.relationship == "self"
    assert {(i.relationship, i.role) for i in incident.involved} == {
        ("self", "subject"),
        ("mother", "victim"),
        ("partner_of_parent", "perpetrator"),
    }
    assert [e.record_id for e in chronology.entries].count("CHR-PO-1") == 1
    # Everyone followed, with every relationship the records give, closest first.
    assert [(m.person, m.relationships) for m in chronology.members] == [
        (family.lacey, ("self",)),
        (family.gemma, ("mother", "victim")),
        (family.darren, ("partner_of_parent", "perpetrator")),
        (family.maisie, ("sibling",)),
    ]


def test_is_in_time_order_across_the_household(family: Family):
    chronology = household_chronology(
        person=family.lacey, viewer=Viewer.system(), on=dt.date(2023, 6, 1)
    )
    assert [e.record_id for e in chronology.entries] == [
        "CHR-PO-2",  # 2022-06-01, Darren
        "CHR-AF-1",  # 2023-01-05, Gemma (naming Lacey)
        "CHR-HV-2",  # 2023-01-10
        "CHR-HV-M1",  # 2023-02-01, Maisie
        "CHR-HV-1",
        "CHR-CSC-1",
        "CHR-SC-1",
        "CHR-PO-1",
        "CHR-HV-3",
    ]


def test_membership_is_taken_on_the_day_asked_so_a_partner_not_yet_around_is_left_out(
    family: Family,
):
    before = household_chronology(
        person=family.lacey, viewer=Viewer.system(), on=dt.date(2022, 12, 1)
    )
    assert before.on == dt.date(2022, 12, 1)
    assert family.darren not in {m.person for m in before.members}
    assert "CHR-PO-2" not in {e.record_id for e in before.entries}
    assert "CHR-HV-M1" in {e.record_id for e in before.entries}
    # Without a day, the end of the period asked for.
    ended = household_chronology(
        person=family.lacey, viewer=Viewer.system(), end=dt.date(2022, 12, 31)
    )
    assert ended.on == dt.date(2022, 12, 31)
    assert family.darren not in {m.person for m in ended.members}


def test_filters_and_restricted_records_apply_to_the_household_too(family: Family):
    chronology = household_chronology(
        person=family.lacey, viewer=TEACHER, on=dt.date(2023, 6, 1), agencies=[HV, POLICE]
    )
    assert [e.record_id for e in chronology.entries] == [
        "CHR-PO-2",
        "CHR-HV-2",
        "CHR-HV-M1",
        "CHR-HV-1",
        "CHR-PO-1",
    ]
    assert chronology.withheld == 1  # Lacey's restricted health visiting note
