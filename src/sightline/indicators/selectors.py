"""Reading flags: for export, for a person's page, and for the catalogue."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet

from sightline.indicators.models import LIVE, DataQualityWarning, EvaluationRun, Flag, FlagEvidence
from sightline.linkage.models import Person


def flags_for_export(*, scenario: str = LIVE) -> QuerySet[Flag]:
    return (
        Flag.objects.filter(scenario=scenario)
        .select_related("person")
        .prefetch_related(
            Prefetch("evidence", queryset=FlagEvidence.objects.order_by("occurred_on", "pk"))
        )
        .order_by("person__public_id", "first_triggered_on", "rule_id", "pk")
    )


def flag_as_json(flag: Flag) -> dict[str, Any]:
    """A flag as the interfaces spec gives it, plus what a reader also needs."""
    return {
        "person_id": flag.person.public_id,
        "rule_id": flag.rule_id,
        "level": flag.level,
        "first_triggered_on": flag.first_triggered_on.isoformat(),
        "title": flag.title,
        "explanation": flag.explanation,
        "source": flag.source,
        "status": flag.status,
        "evidence": [
            {"agency": e.agency_code, "record_id": e.record_id} for e in flag.evidence.all()
        ],
        "last_triggered_on": flag.last_triggered_on.isoformat(),
        "seen_on": flag.seen_on.isoformat(),
        "met": flag.met,
    }


def flags_export_lines(*, scenario: str = LIVE) -> Iterator[str]:
    for flag in flags_for_export(scenario=scenario).iterator(chunk_size=2000):
        yield json.dumps(flag_as_json(flag), ensure_ascii=False)


def flags_of_person(*, person: Person, scenario: str = LIVE) -> QuerySet[Flag]:
    return flags_for_export(scenario=scenario).filter(person=person)


def evaluation_latest(*, scenario: str = LIVE) -> EvaluationRun | None:
    return EvaluationRun.objects.filter(scenario=scenario).order_by("-started_at", "-pk").first()


def quality_warnings(*, run: EvaluationRun) -> QuerySet[DataQualityWarning]:
    return run.quality.order_by("source_record_id", "field")
