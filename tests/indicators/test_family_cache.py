"""A family's records are kept between re-evaluations, and anything that changes them is seen.

``tables._Families`` reads, after a new record, only the new records and builds
their events onto the kept ones. Each test changes the family one way (a new
record, a new version, a record deleted under retention, a re-link, a birth
date that changes who the child is) and checks that the tables evaluation gets
are exactly those a fresh build gives, which is what decides every flag.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sightline.feeds.models import RecordHead, SourceRecord, SubjectRecord
from sightline.indicators.models import Flag
from sightline.indicators.services import _with_people_around, evaluation_run, memo_clear
from sightline.indicators.tables import FAMILIES, Tables, tables_build
from sightline.linkage.models import AgencyPerson, Person
from tests.conftest import record
from tests.indicators.conftest import ingest_and_link

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 27)
ED = "nhs-nnuh-ed"
HV = "nhs-community-hv"
BABY = {
    "local_id": "P1",
    "given_name": "Leo",
    "family_name": "Marsh",
    "date_of_birth": "2023-01-09",
    "nhs_number": "943 476 5919",
    "sex": "male",
    "postcode": "NR30 2AB",
}
BABY_AT_ED = {**BABY, "local_id": "E1"}
OTHER = {
    "local_id": "P2",
    "given_name": "Ava",
    "family_name": "Stone",
    "date_of_birth": "2021-05-03",
    "nhs_number": "401 023 2137",
    "sex": "female",
    "postcode": "NR31 6QR",
}


def _injury(rid: str, on: str, *, subject: dict[str, Any] = BABY_AT_ED, **extra: Any) -> Any:
    return record(
        agency=ED,
        record_id=rid,
        type="unscheduled_care",
        occurred_at=on,
        subject=subject,
        details={
            "setting": "emergency_department",
            "reason": "injury",
            "injury": {"kind": "bruise", "site": "face", "explanation": "absent"},
        },
        **extra,
    )


def _weight(rid: str, on: str, kg: float, *, subject: dict[str, Any] = BABY) -> Any:
    return record(
        agency=HV,
        record_id=rid,
        type="growth_measurement",
        occurred_at=on,
        subject=subject,
        details={"weight_kg": kg},
    )


def _baby() -> int:
    person = AgencyPerson.objects.get(local_id="P1").person_id
    assert person is not None
    return person


def _build(person: int) -> Tables:
    return tables_build(persons=_with_people_around({person}), today=TODAY)


def _seen(built: Tables) -> tuple[Any, ...]:
    """Everything evaluation takes from a build, in an order that does not depend on reading."""
    return (
        sorted(map(repr, built.tables["events"].to_pylist())),
        sorted(map(repr, built.tables["persons"].to_pylist())),
        sorted(built.warnings),
        built.unlinked_records,
    )


def _fresh(person: int) -> tuple[Any, ...]:
    FAMILIES.clear()
    return _seen(_build(person))


@pytest.fixture
def family(cli: Callable[..., Any], write_feed: Callable[..., Path]) -> Callable[..., Any]:
    """A baby seen at two agencies and another child; the baby built once, so kept."""
    ingest_and_link(
        cli,
        write_feed,
        [
            _injury("ED-1", "2023-03-20"),
            _weight("HV-1", "2023-02-01", 4.1),
            _weight("HV-2", "2023-04-01", 5.6),
            _weight("HV-9", "2023-02-01", 3.9, subject=OTHER),
        ],
    )
    # The baby's two agency persons one person, as a reviewer's decision would make them.
    AgencyPerson.objects.filter(local_id="E1").update(person_id=_baby())
    FAMILIES.clear()
    _build(_baby())

    def arrive(*records: Any) -> None:
        result = cli("ingest", str(write_feed(list(records))))
        assert result.code == 0, result.err

    return arrive


def test_a_new_record_is_added_to_the_kept_family_and_gives_what_a_fresh_build_gives(
    family: Callable[..., Any],
) -> None:
    family(_injury("ED-2", "2023-05-02"))
    reused = FAMILIES.reused
    built = _build(_baby())
    assert FAMILIES.reused == reused + 1, "the kept family was not used"
    assert "ED-2" in built.tables["events"].column("record_id").to_pylist()
    assert _seen(built) == _fresh(_baby())


def test_a_new_record_unfit_to_be_evidence_is_warned_about_as_in_a_fresh_build(
    family: Callable[..., Any],
) -> None:
    family(_injury("ED-0", "2022-12-01"))  # before the baby was born
    built = _build(_baby())
    assert "ED-0" not in built.tables["events"].column("record_id").to_pylist()
    assert any("before the child's birth" in reason for _, _, reason in built.warnings)
    assert _seen(built) == _fresh(_baby())


def test_a_new_version_of_a_kept_record_replaces_it(family: Callable[..., Any]) -> None:
    family(_weight("HV-2", "2023-04-01", 5.9) | {"record_version": 2})
    built = _build(_baby())
    weights = {
        (r["record_id"], r["weight_kg"])
        for r in built.tables["events"].to_pylist()
        if r["type"] == "growth_measurement"
    }
    assert ("HV-2", 5.9) in weights and ("HV-2", 5.6) not in weights
    assert _seen(built) == _fresh(_baby())


def test_a_record_deleted_under_retention_is_gone(family: Callable[..., Any]) -> None:
    ids = list(SourceRecord.objects.filter(record_id="HV-1").values_list("pk", flat=True))
    # As retention deletes a record (feeds/retention.py): its head, whom it names, itself.
    RecordHead.objects.filter(source_record_id__in=ids).delete()
    SubjectRecord.objects.filter(source_record_id__in=ids).delete()
    SourceRecord.objects.filter(pk__in=ids).delete()
    built = _build(_baby())
    assert "HV-1" not in built.tables["events"].column("record_id").to_pylist()
    assert _seen(built) == _fresh(_baby())


def test_a_relink_moving_a_record_to_another_person_takes_it_out_of_the_family(
    family: Callable[..., Any],
) -> None:
    baby = _baby()
    moved = Person.objects.create()
    AgencyPerson.objects.filter(local_id="E1").update(person=moved)
    built = _build(baby)
    assert "ED-1" not in built.tables["events"].column("record_id").to_pylist()
    assert _seen(built) == _fresh(baby)


def test_linking_someone_named_in_the_family_s_records_is_seen(
    cli: Callable[..., Any], family: Callable[..., Any]
) -> None:
    baby = _baby()
    family(
        _injury("ED-3", "2023-06-01")
        | {"related": [{"role": "sibling", "person": {**OTHER, "local_id": "E2"}}]}
    )
    _build(baby)
    assert cli("link").code == 0  # the sibling's agency person exists, linked or not
    other = AgencyPerson.objects.get(local_id="P2").person_id
    AgencyPerson.objects.filter(local_id="E1").update(person_id=baby)
    _build(baby)
    AgencyPerson.objects.filter(local_id="E2").update(person_id=other)
    built = _build(baby)
    named = {(r["record_id"], r["person_id"]) for r in built.tables["events"].to_pylist()}
    assert ("ED-3", other) in named
    assert _seen(built) == _fresh(baby)


def test_a_new_birth_date_that_changes_the_child_rebuilds_every_event(
    family: Callable[..., Any],
) -> None:
    later = {**BABY, "date_of_birth": "2023-01-20"}
    family(*(_weight(f"HV-{n}", "2023-05-01", 6.0, subject=later) for n in range(3, 7)))
    built = _build(_baby())
    ages = {r["record_id"]: r["age_days"] for r in built.tables["events"].to_pylist()}
    assert ages["ED-1"] == (dt.date(2023, 3, 20) - dt.date(2023, 1, 20)).days
    assert _seen(built) == _fresh(_baby())


def test_a_child_reevaluated_from_the_kept_family_gets_the_flags_a_fresh_run_gives(
    family: Callable[..., Any],
) -> None:
    from tests.indicators.test_incremental import _state

    evaluation_run(persons={_baby()})
    family(_injury("ED-4", "2023-07-01"))
    evaluation_run(persons={_baby()})
    seen = _state(_baby())
    assert seen, "the bruised baby has a flag"
    memo_clear()
    evaluation_run(persons={_baby()})
    assert _state(_baby()) == seen


def test_a_record_arriving_while_the_family_is_read_is_not_kept_twice(
    family: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sightline.indicators import tables

    FAMILIES.clear()
    read = tables._read_named

    def arriving_meanwhile(*args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(tables, "_read_named", read)
        family(_injury("ED-5", "2023-08-01"))  # after the ids were read, before the rest
        return read(*args, **kwargs)

    monkeypatch.setattr(tables, "_read_named", arriving_meanwhile)
    _build(_baby())
    built = _build(_baby())
    record_ids = built.tables["events"].column("record_id").to_pylist()
    assert record_ids.count("ED-5") == 1
    assert _seen(built) == _fresh(_baby())


def test_a_new_record_from_another_area_moves_the_child_as_a_fresh_build_does(
    family: Callable[..., Any],
) -> None:
    moved = {**BABY_AT_ED, "postcode": "IP1 1AA"}
    family(_injury("ED-6", "2024-01-10", subject=moved))
    built = _build(_baby())
    areas = {p["person_id"]: p["area"] for p in built.tables["persons"].to_pylist()}
    assert areas[_baby()] == "IP1"
    assert _seen(built) == _fresh(_baby())


def test_a_new_record_giving_the_child_another_sex_is_counted_as_a_fresh_build_does(
    family: Callable[..., Any],
) -> None:
    family(
        *(
            _injury(f"ED-{n}", "2023-09-01", subject={**BABY_AT_ED, "sex": "female"})
            for n in (7, 8, 9, 10)
        )
    )
    built = _build(_baby())
    sexes = {p["person_id"]: p["sex"] for p in built.tables["persons"].to_pylist()}
    assert sexes[_baby()] == "female"  # four records of seven now say so
    assert _seen(built) == _fresh(_baby())


def _digest_changes(before: Tables, after: Tables) -> set[str]:
    assert before.digests is not None and after.digests is not None
    return {
        part
        for part in set(before.digests) | set(after.digests)
        if before.digests.get(part) != after.digests.get(part)
    }


def test_a_new_record_changes_the_digest_of_its_own_type_only(
    family: Callable[..., Any],
) -> None:
    """The kept family's digests (what decides which rules run again) follow its new rows.

    A part left unchanged that should have changed would keep a rule's old
    result after a record it reads arrived: a flag missing or stale.
    """
    before = _build(_baby())
    family(_injury("ED-4", "2023-07-01"))
    reused = FAMILIES.reused
    after_injury = _build(_baby())
    assert FAMILIES.reused == reused + 1, "the second build added to the kept family"
    assert _digest_changes(before, after_injury) == {"events:unscheduled_care"}

    # Records naming the baby and the other child (each already linked at the health
    # visitors): the first brings the other child into the family's persons, so the
    # family is built afresh; the second adds to it, as shared records.
    def incident(rid: str) -> Any:
        return record(
            agency=HV,
            record_id=rid,
            type="police_incident",
            occurred_at="2023-08-01",
            subject=BABY,
            related=[{"role": "other", "person": OTHER}],
            details={"category": "child_welfare", "child_present": True},
        )

    family(incident("HV-POL-1"))
    first_incident = _build(_baby())
    family(incident("HV-POL-2"))
    reused = FAMILIES.reused
    second_incident = _build(_baby())
    assert FAMILIES.reused == reused + 1
    assert _digest_changes(first_incident, second_incident) == {
        "events:police_incident",
        "shared_records",
    }


def test_an_explanation_is_written_again_when_the_records_it_rests_on_read_otherwise(
    family: Callable[..., Any],
) -> None:
    """The bruise flag's episode is unchanged by a new birth date, but the age it gives is not.

    Explanations are kept between re-evaluations of a kept family and written
    again only for what changed: a flag must not go on saying the age the old
    birth date gave.
    """
    from tests.indicators.test_incremental import _state

    evaluation_run(persons={_baby()})
    (before,) = Flag.objects.filter(person_id=_baby(), rule_id="not-mobile-injury")
    assert "aged 10 weeks" in before.explanation
    later = {**BABY, "date_of_birth": "2023-01-20"}
    family(
        *(
            record(
                agency=HV,
                record_id=f"HV-A{n}",
                type="health_appointment",
                occurred_at=f"2023-06-0{n}",
                subject=later,
                details={"service": "health_visitor", "outcome": "attended"},
            )
            for n in range(1, 5)
        )
    )
    evaluation_run(persons={_baby()})
    (after,) = Flag.objects.filter(person_id=_baby(), rule_id="not-mobile-injury")
    assert after.first_triggered_on == before.first_triggered_on
    assert "aged 8 weeks" in after.explanation
    seen = _state(_baby())
    memo_clear()
    evaluation_run(persons={_baby()})
    assert _state(_baby()) == seen


def test_an_id_given_out_again_is_another_record_and_is_seen(family: Callable[..., Any]) -> None:
    """The kept family knows its records by id: an id can come back as another record.

    SQLite's ingest takes max(id) + 1, so retention deleting the newest record
    frees its id for the next; on PostgreSQL a flush restarts the sequence.
    """
    from django.db import connection

    family(_injury("ED-11", "2023-10-02"))
    _build(_baby())  # kept with ED-11, the newest record
    ids = list(SourceRecord.objects.filter(record_id="ED-11").values_list("pk", flat=True))
    RecordHead.objects.filter(source_record_id__in=ids).delete()
    SubjectRecord.objects.filter(source_record_id__in=ids).delete()
    SourceRecord.objects.filter(pk__in=ids).delete()
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "SELECT setval(pg_get_serial_sequence('feeds_sourcerecord', 'id'), %s)",
                [min(ids) - 1],
            )
    family(_injury("ED-12", "2023-10-03"))
    assert SourceRecord.objects.get(record_id="ED-12").pk == min(ids)
    built = _build(_baby())
    record_ids = built.tables["events"].column("record_id").to_pylist()
    assert "ED-11" not in record_ids and "ED-12" in record_ids
    assert _seen(built) == _fresh(_baby())
