"""``sightline export chronology --person ID``: one person's events as the spec says."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.chronology.conftest import LACEY_ORDER, RESTRICTED_SUMMARY, Family

pytestmark = pytest.mark.django_db

SPEC_FIELDS = {"agency", "record_id", "type", "occurred_at", "details", "summary"}


def test_exports_every_event_in_time_order_with_the_spec_fields(
    family: Family, cli: Callable[..., Any]
):
    result = cli("export", "chronology", "--person", family.lacey.public_id)
    assert result.code == 0, result.err
    lines = result.jsonl()
    # The system viewer: the restricted note is there too.
    assert [(line["agency"], line["record_id"]) for line in lines] == LACEY_ORDER
    for line in lines:
        assert line.keys() >= SPEC_FIELDS
    by_id = {line["record_id"]: line for line in lines}
    police = by_id["CHR-PO-1"]
    assert police["type"] == "police_incident"
    # The time as the police sent it, offset and all, not converted to UTC.
    assert police["occurred_at"] == "2023-04-02T22:40:00+01:00"
    assert police["details"] == {
        "category": "domestic_abuse",
        "child_present": True,
        "risk": "high",
    }
    assert police["summary"] == "Neighbours called. Lacey was in the flat."
    assert by_id["CHR-HV-1"]["occurred_at"] == "2023-03-14"
    assert by_id["CHR-HV-1"]["summary"] == ""
    assert by_id["CHR-AF-1"]["role"] == "child"
    assert by_id["CHR-HV-3"]["summary"] == RESTRICTED_SUMMARY


def test_an_unknown_person_is_an_error_naming_the_id(family: Family, cli: Callable[..., Any]):
    result = cli("export", "chronology", "--person", "P-NOSUCHPRSN")
    assert result.code == 1
    assert "P-NOSUCHPRSN" in result.err
    assert "no person" in result.err
    assert result.out == ""


def test_the_person_is_required(cli: Callable[..., Any]):
    result = cli("export", "chronology")
    assert result.code == 2
    assert "--person" in result.err
