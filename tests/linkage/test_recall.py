"""Recall: the links a child's picture needs that the model alone would miss or hold back.

Each test adds a few hand-built records to the generated borough (the model
needs its variants to train on) and checks who ends up as one person.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sightline.linkage.models import AgencyPerson
from sightline.linkage.services import linkage_run_full
from tests.conftest import record

pytestmark = pytest.mark.django_db

HOUSING = "housing-norwich"
GP = "gp-norwich-pcn"
SCHOOL = "school-norwich-primary"
POSTCODE = "NR3 4QZ"


def _person_of(agency: str, local_id: str) -> int | None:
    return AgencyPerson.objects.get(agency__code=agency, local_id=local_id).person_id


def _ingest(cli: Callable[..., Any], write_feed: Callable[..., Any], records: list[Any]) -> None:
    result = cli("ingest", str(write_feed(records)))
    assert result.code == 0, result.err


def _tenancy(rid: str, children: list[dict[str, Any]]) -> dict[str, Any]:
    # A mother's housing record: her address, and her children by name only.
    return record(
        agency=HOUSING,
        record_id=rid,
        type="housing",
        occurred_at="2024-02-01",
        subject={
            "local_id": f"{rid}-T",
            "given_name": "Verity",
            "family_name": "Quennell",
            "sex": "female",
            "postcode": POSTCODE,
            "address": "7 Tombland Yard, Norwich",
        },
        related=[{"role": "child", "person": child} for child in children],
        details={"issue": "overcrowding"},
    )


def _child(agency: str, rid: str, local_id: str, given: str, born: str, **ids: str) -> Any:
    subject = {
        "local_id": local_id,
        "given_name": given,
        "family_name": "Quennell",
        "date_of_birth": born,
        "sex": "male",
        "postcode": POSTCODE,
        **ids,
    }
    return record(agency=agency, record_id=rid, occurred_at="2024-03-01", subject=subject)


def test_a_child_named_only_in_a_parents_housing_record_joins_the_child(cli, ingested, write_feed):
    # The housing record names "Barnaby Quennell" and nothing else about him;
    # his school knows his birth date and address, the tenancy's address.
    _ingest(
        cli,
        write_feed,
        [
            _tenancy(
                "HQ-1", [{"local_id": "HQ-1-C", "given_name": "Barnaby", "family_name": "Quennell"}]
            ),
            _child(SCHOOL, "SQ-1", "SQ-B", "Barnaby", "2016-04-02"),
            _child(GP, "GQ-1", "GQ-B", "Barnaby", "2016-04-02"),
        ],
    )
    linkage_run_full()
    assert _person_of(HOUSING, "HQ-1-C") == _person_of(SCHOOL, "SQ-B") == _person_of(GP, "GQ-B")
    assert _person_of(HOUSING, "HQ-1-C") != _person_of(HOUSING, "HQ-1-T")


def test_two_brothers_of_one_name_in_one_record_stay_two_boys(cli, ingested, write_feed):
    # One tenancy names two sons both called Ollie (an Oliver and an Ollie, as
    # written), one without a birth date. Each matches the other on name and
    # address; the record itself says they are two people.
    _ingest(
        cli,
        write_feed,
        [
            _tenancy(
                "HQ-2",
                [
                    {"local_id": "HQ-2-A", "given_name": "Ollie", "family_name": "Quennell"},
                    {
                        "local_id": "HQ-2-B",
                        "given_name": "Ollie",
                        "family_name": "Quennell",
                        "date_of_birth": "2019-08-24",
                    },
                ],
            ),
            _child(GP, "GQ-2", "GQ-O", "Ollie", "2019-08-24"),
        ],
    )
    linkage_run_full()
    assert _person_of(HOUSING, "HQ-2-A") != _person_of(HOUSING, "HQ-2-B")
    # The son with the birth date is the GP's Ollie; his brother is not.
    assert _person_of(HOUSING, "HQ-2-B") == _person_of(GP, "GQ-O")


def test_two_letters_swapped_in_a_short_name_is_one_child_but_another_name_is_a_twin(
    cli, ingested, write_feed
):
    # "Mxa" is Max typed in a hurry; Jax, born the same day at the same
    # address, is his twin.
    _ingest(
        cli,
        write_feed,
        [
            _child(GP, "GQ-3", "GQ-M", "Max", "2018-11-03", nhs_number="943 476 5919"),
            _child(SCHOOL, "SQ-3", "SQ-M", "Mxa", "2018-11-03"),
            _child(SCHOOL, "SQ-4", "SQ-J", "Jax", "2018-11-03"),
        ],
    )
    linkage_run_full()
    assert _person_of(GP, "GQ-M") == _person_of(SCHOOL, "SQ-M")
    assert _person_of(SCHOOL, "SQ-J") != _person_of(GP, "GQ-M")
