"""Bad input for evaluation (issue 4): nothing crashes it, and nothing unfit becomes evidence."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sightline.indicators.models import EvaluationRun
from tests.conftest import record
from tests.indicators.conftest import ingest_and_link

pytestmark = pytest.mark.django_db

CHILD = {
    "local_id": "C1",
    "given_name": "Mia",
    "family_name": "Cole",
    "date_of_birth": "2019-02-01",
    "nhs_number": "943 476 5919",
    "sex": "female",
    "postcode": "NR31 6QR",
}


def test_a_child_with_three_thousand_events_is_evaluated_and_explained_briefly(
    cli: Callable[..., Any], write_feed: Callable[..., Path]
) -> None:
    start = dt.date(2019, 3, 1)
    records = [
        record(
            agency="nhs-community-hv",
            record_id=f"HV-{n}",
            type="health_appointment",
            occurred_at=(start + dt.timedelta(days=n // 3)).isoformat(),
            subject=CHILD,
            details={
                "service": "health_visitor",
                "outcome": "was_not_brought" if n % 50 == 0 else "attended",
            },
        )
        for n in range(3000)
    ]
    records.append(
        record(
            agency="nhs-nnuh-ed",
            record_id="ED-1",
            type="unscheduled_care",
            occurred_at="2019-04-01",
            subject=CHILD,
            details={
                "setting": "emergency_department",
                "reason": "injury",
                "injury": {"kind": "bruise", "site": "cheek"},
            },
        )
    )
    ingest_and_link(cli, write_feed, records)
    result = cli("evaluate")
    assert result.code == 0, result.err
    run = EvaluationRun.objects.get()
    assert run.status == "done"
    assert run.events == 3001
    flags = cli("export", "flags").jsonl()
    assert "not-mobile-injury" in {f["rule_id"] for f in flags}
    for flag in flags:
        # A practitioner reads an explanation; a list of thousands is not one.
        assert len(flag["explanation"]) < 2000, flag["rule_id"]


def test_two_agencies_disagreeing_about_one_injury_does_not_stop_evaluation(
    cli: Callable[..., Any], write_feed: Callable[..., Path]
) -> None:
    baby = dict(CHILD, date_of_birth="2023-01-09")
    ed = record(
        agency="nhs-nnuh-ed",
        record_id="ED-9",
        type="unscheduled_care",
        occurred_at="2023-03-20T10:00:00+00:00",
        subject=baby,
        details={
            "setting": "emergency_department",
            "reason": "injury",
            "injury": {"kind": "fracture", "explanation": "consistent"},
            "independently_mobile": False,
        },
    )
    ambulance = record(
        agency="eeast-ambulance",
        record_id="AMB-9",
        type="unscheduled_care",
        occurred_at="2023-03-20T09:10:00+00:00",
        subject=baby,
        details={"setting": "ambulance", "reason": "illness"},
    )
    ingest_and_link(cli, write_feed, [ed, ambulance])
    result = cli("evaluate")
    assert result.code == 0, result.err
    flags = [f for f in cli("export", "flags").jsonl() if f["rule_id"] == "not-mobile-injury"]
    assert len(flags) == 1
    assert flags[0]["evidence"] == [{"agency": "nhs-nnuh-ed", "record_id": "ED-9"}]


def test_implausible_growth_is_reported_not_used_and_a_measurement_without_birth_date_too(
    cli: Callable[..., Any], write_feed: Callable[..., Path]
) -> None:
    baby = dict(CHILD, date_of_birth="2023-01-09")
    nobody_knows = {k: v for k, v in CHILD.items() if k != "date_of_birth"}
    nobody_knows.update(
        local_id="C9", given_name="Kai", family_name="Webb", nhs_number="401 023 2137"
    )
    records = [
        record(
            agency="nhs-community-hv",
            record_id="HV-1",
            type="growth_measurement",
            occurred_at="2023-08-01",
            subject=baby,
            details={"weight_kg": 40.0},
        ),
        record(
            agency="nhs-community-hv",
            record_id="HV-2",
            type="growth_measurement",
            occurred_at="2023-09-01",
            subject=baby,
            details={"height_cm": 300.0},
        ),
        record(
            agency="nhs-community-hv",
            record_id="HV-3",
            type="growth_measurement",
            occurred_at="2023-09-01",
            subject=nobody_knows,
            details={"weight_kg": 9.0},
        ),
    ]
    ingest_and_link(cli, write_feed, records)
    result = cli("evaluate")
    assert result.code == 0, result.err
    assert "3 data-quality warnings" in result.err
    from sightline.indicators.models import DataQualityWarning

    found = {
        (w.source_record.record_id, w.field): w.reason
        for w in DataQualityWarning.objects.select_related("source_record")
    }
    assert "not used" in found[("HV-1", "weight_kg")]
    assert "40" in found[("HV-1", "weight_kg")]
    assert ("HV-2", "height_cm") in found
    assert ("HV-3", "date_of_birth") in found
    assert [f for f in cli("export", "flags").jsonl() if f["rule_id"] == "faltering-growth"] == []
