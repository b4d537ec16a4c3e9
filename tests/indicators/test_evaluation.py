"""Evaluation end to end: records in through ``sightline ingest``, flags out through export.

A baby's records are built by hand in feed v1, linked with ``sightline link``
and evaluated with ``sightline evaluate``, as a data engineer would run it; what
practitioners do to the flags goes through the services the web will call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sightline.indicators.engine import RawHit
from sightline.indicators.models import DataQualityWarning, Flag
from sightline.indicators.services import episodes_of, flag_acknowledge, flag_dismiss
from tests.conftest import record
from tests.indicators.conftest import ingest_and_link

pytestmark = pytest.mark.django_db

ED = "nhs-nnuh-ed"
BABY = {
    "local_id": "B1",
    "given_name": "Ava",
    "family_name": "Ingram",
    "date_of_birth": "2023-01-09",
    "nhs_number": "943 476 5919",
    "sex": "female",
    "postcode": "NR30 2AB",
}


def _injury(
    rid: str,
    on: str,
    *,
    kind: str = "bruise",
    version: int = 1,
    recorded_at: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    details: dict[str, Any] = {
        "setting": "emergency_department",
        "reason": "injury",
        "injury": {"kind": kind, "site": "face", "explanation": "absent"},
    }
    details.update(extra)
    rec = record(
        agency=ED,
        record_id=rid,
        type="unscheduled_care",
        occurred_at=on,
        subject=BABY,
        details=details,
        record_version=version,
    )
    if recorded_at:
        rec["recorded_at"] = recorded_at
    return rec


def _evaluate(cli: Callable[..., Any], *args: str) -> Any:
    result = cli("evaluate", *args)
    assert result.code == 0, result.err
    return result


def test_a_bruised_baby_is_flagged_with_evidence_and_explanation_in_the_spec_format(
    cli: Callable[..., Any], write_feed: Callable[..., Path]
) -> None:
    ingest_and_link(cli, write_feed, [_injury("ED-1", "2023-03-20T10:00:00+00:00")])
    result = _evaluate(cli)
    assert "1 flags raised" in result.err
    flags = cli("export", "flags").jsonl()
    assert len(flags) == 1
    flag = flags[0]
    assert set(flag) >= {
        "person_id",
        "rule_id",
        "level",
        "first_triggered_on",
        "title",
        "explanation",
        "source",
        "status",
        "evidence",
    }
    assert flag["rule_id"] == "not-mobile-injury"
    assert flag["level"] == "suspect"
    assert flag["first_triggered_on"] == "2023-03-20"
    assert flag["status"] == "new"
    assert flag["evidence"] == [{"agency": ED, "record_id": "ED-1"}]
    assert "Bruise to the face on 20 March 2023" in flag["explanation"]
    assert "NICE CG89" in flag["source"]
    links = {r.split(",")[1]: r.split(",")[2] for r in cli("export", "links").out.splitlines()[1:]}
    assert flag["person_id"] == links["B1"]


def test_status_survives_reevaluation_and_a_second_run_changes_nothing(
    cli: Callable[..., Any], write_feed: Callable[..., Path]
) -> None:
    ingest_and_link(cli, write_feed, [_injury("ED-1", "2023-03-20")])
    _evaluate(cli)
    flag = Flag.objects.get()
    flag_acknowledge(flag=flag, by="Sam Worker", reason="Discussed with health visitor")
    result = _evaluate(cli)
    assert "0 flags raised, 0 updated, 0 no longer met" in result.err
    flag.refresh_from_db()
    assert flag.status == "acknowledged"
    assert Flag.objects.count() == 1
    assert [c.by for c in flag.changes.all()] == ["Sam Worker"]


def test_dismissal_needs_a_reason(cli: Callable[..., Any], write_feed: Callable[..., Path]) -> None:
    ingest_and_link(cli, write_feed, [_injury("ED-1", "2023-03-20")])
    _evaluate(cli)
    flag = Flag.objects.get()
    with pytest.raises(ValueError, match="reason"):
        flag_dismiss(flag=flag, by="Sam Worker", reason="  ")
    flag_dismiss(flag=flag, by="Sam Worker", reason="Birth mark seen by GP, documented")
    flag.refresh_from_db()
    assert (flag.status, flag.status_reason) == ("dismissed", "Birth mark seen by GP, documented")
    assert cli("export", "flags").jsonl()[0]["status"] == "dismissed"


def test_a_dismissed_flag_reopened_by_new_evidence_waits_for_the_mash_from_the_reopening(
    cli: Callable[..., Any], write_feed: Callable[..., Path]
) -> None:
    """Its one-working-day clock starts again: the MASH sees it as new, not late from before."""
    from django.utils import timezone

    from sightline.casework.selectors import mash_queue, mash_queue_counts, work_items

    ingest_and_link(cli, write_feed, [_injury("ED-1", "2023-03-20")])
    _evaluate(cli)
    flag = Flag.objects.get()
    flag_dismiss(flag=flag, by="Sam Worker", reason="Birth mark seen by GP, documented")
    raised = timezone.now() - dt.timedelta(days=10)
    Flag.objects.filter(pk=flag.pk).update(created_at=raised)
    ingest_and_link(cli, write_feed, [_injury("ED-2", "2023-03-24")])
    _evaluate(cli)
    flag.refresh_from_db()
    assert flag.status == "new" and flag.created_at == raised
    assert flag.reopened_at is not None and flag.reopened_at > raised
    assert flag.waiting_since == flag.reopened_at
    assert [c.reason for c in flag.changes.order_by("at")][
        -1
    ] == "New evidence after it was dismissed"
    now = timezone.now()
    (item,) = work_items(list(mash_queue()), at=now)
    assert (item.kind, item.received_at) == ("flag", flag.reopened_at)
    assert not item.overdue
    assert mash_queue_counts(at=now).overdue == 0


def test_a_corrected_record_that_no_longer_meets_the_rule_leaves_the_flag_not_met(
    cli: Callable[..., Any], write_feed: Callable[..., Path]
) -> None:
    ingest_and_link(cli, write_feed, [_injury("ED-1", "2023-03-20")])
    _evaluate(cli)
    corrected = _injury("ED-1", "2023-03-20", version=2)
    corrected["details"] = {"setting": "emergency_department", "reason": "illness"}
    ingest_and_link(cli, write_feed, [corrected])
    result = _evaluate(cli)
    assert "1 no longer met" in result.err
    assert cli("export", "flags").jsonl()[0]["met"] is False


def test_as_of_sees_only_what_had_happened_and_been_recorded_by_then(
    cli: Callable[..., Any], write_feed: Callable[..., Path]
) -> None:
    ingest_and_link(
        cli,
        write_feed,
        [
            _injury("ED-1", "2023-03-20T10:00:00+00:00", recorded_at="2023-04-02T09:00:00+01:00"),
        ],
    )
    _evaluate(cli, "--as-of", "2023-03-31", "--known-by", "recorded")
    assert cli("export", "flags", "--as-of", "2023-03-31").jsonl() == []
    _evaluate(cli, "--as-of", "2023-04-02", "--known-by", "recorded")
    seen = cli("export", "flags", "--as-of", "2023-04-02").jsonl()
    assert [(f["first_triggered_on"], f["seen_on"]) for f in seen] == [("2023-03-20", "2023-04-02")]
    # Received today, so nothing had been received by then: the default basis.
    _evaluate(cli, "--as-of", "2023-04-02")
    assert cli("export", "flags", "--as-of", "2023-04-02").jsonl() == []
    # The live flags are untouched by looking back.
    assert cli("export", "flags").jsonl() == []


def test_as_of_in_the_wrong_shape_is_refused_naming_the_option(
    cli: Callable[..., Any],
) -> None:
    result = cli("evaluate", "--as-of", "31/03/2023")
    assert result.code == 2
    assert "--as-of '31/03/2023' is not a date" in result.err


def test_records_that_cannot_be_evidence_are_warned_about_not_used(
    cli: Callable[..., Any], write_feed: Callable[..., Path]
) -> None:
    before_birth = _injury("ED-0", "2022-12-01")
    attendance = record(
        agency="school-yarmouth-primary",
        record_id="ATT-1",
        type="school_attendance",
        occurred_at="2023-04-01",
        subject=BABY,
        details={
            "period_start": "2023-01-09",
            "period_end": "2023-03-31",
            "sessions_possible": 0,
            "sessions_attended": 0,
        },
    )
    ingest_and_link(cli, write_feed, [before_birth, attendance])
    result = _evaluate(cli)
    assert "2 data-quality warnings" in result.err
    reasons = {w.field: w.reason for w in DataQualityWarning.objects.all()}
    assert reasons["occurred_at"] == (
        "dated 39 days before the child's birth on 9 January 2023: a unscheduled care "
        "cannot happen before birth, so it is not used as evidence"
    )
    assert "0.0 possible sessions cannot be measured" in reasons["details.sessions_possible"]
    assert cli("export", "flags").jsonl() == []  # the pre-birth injury is not evidence


def test_one_person_can_be_evaluated_alone(
    cli: Callable[..., Any], write_feed: Callable[..., Path]
) -> None:
    other = dict(
        BABY,
        local_id="B2",
        given_name="Zoe",
        family_name="Quinn",
        nhs_number="401 023 2137",
        date_of_birth="2023-02-01",
    )
    second = _injury("ED-2", "2023-03-21")
    second["subject"] = other
    ingest_and_link(cli, write_feed, [_injury("ED-1", "2023-03-20"), second])
    links = {r.split(",")[1]: r.split(",")[2] for r in cli("export", "links").out.splitlines()[1:]}
    _evaluate(cli, "--person", links["B2"])
    assert [f["person_id"] for f in cli("export", "flags").jsonl()] == [links["B2"]]
    missing = cli("evaluate", "--person", "P-NOBODY")
    assert missing.code == 1
    assert "no person with id P-NOBODY" in missing.err


def test_moments_sharing_evidence_or_close_in_time_are_one_episode_and_a_gap_starts_another() -> (
    None
):
    day = dt.date(2023, 1, 1)
    hits = [
        RawHit("r", 1, day, "consider", (1, 2)),
        RawHit("r", 1, day + dt.timedelta(days=30), "suspect", (2, 3)),
        RawHit("r", 1, day + dt.timedelta(days=200), "consider", (5,)),
        RawHit("r", 1, day + dt.timedelta(days=600), "consider", (7, 8)),
        RawHit("r", 2, day, "consider", (1, 2)),
    ]
    episodes = sorted(episodes_of(hits), key=lambda e: (e.person_id, e.first.triggered_on))
    assert [(e.person_id, e.first.triggered_on, e.level, sorted(e.evidence)) for e in episodes] == [
        (1, day, "suspect", [1, 2, 3, 5]),
        (1, day + dt.timedelta(days=600), "consider", [7, 8]),
        (2, day, "consider", [1, 2]),
    ]


def test_new_records_reevaluate_only_the_people_they_name(
    cli: Callable[..., Any], write_feed: Callable[..., Path]
) -> None:
    ingest_and_link(cli, write_feed, [_injury("ED-1", "2023-03-20")])
    _evaluate(cli)
    assert "nothing new to evaluate" in _evaluate(cli, "--new").err
    other = dict(
        BABY,
        local_id="B2",
        given_name="Zoe",
        family_name="Quinn",
        nhs_number="401 023 2137",
        date_of_birth="2023-02-01",
    )
    second = _injury("ED-2", "2023-03-21")
    second["subject"] = other
    ingest_and_link(cli, write_feed, [second])
    result = _evaluate(cli, "--new")
    assert "evaluated 1 persons" in result.err
    assert "1 flags raised" in result.err
    assert len(cli("export", "flags").jsonl()) == 2


def test_faltering_growth_with_another_sign_of_neglect_close_by_is_raised_to_suspect() -> None:
    from sightline.indicators.catalogue import catalogue_load
    from sightline.indicators.services import _raise_with_others

    day = dt.date(2023, 1, 1)
    growth = RawHit("faltering-growth", 1, day, "consider", (1, 2))
    near = RawHit("was-not-brought", 1, day + dt.timedelta(days=200), "consider", (5, 6))
    far = RawHit("was-not-brought", 2, day + dt.timedelta(days=500), "consider", (5, 6))
    alone = RawHit("faltering-growth", 2, day, "consider", (3, 4))
    episodes = episodes_of([growth, near, far, alone])
    _raise_with_others(episodes, catalogue_load())
    levels = {(e.person_id, e.rule_id): (e.level, e.raised_by) for e in episodes}
    assert levels[(1, "faltering-growth")] == ("suspect", ["was-not-brought"])
    assert levels[(2, "faltering-growth")] == ("consider", [])
    # The other rule's own flag is not changed by it.
    assert levels[(1, "was-not-brought")] == ("consider", [])
