"""Writes for the shared neglect assessment: start, contribute, complete.

Access (may this user work on this child?) is decided by the caller through
the access functions before any of these is called; these check what the
assessment itself requires.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from sightline.casework.models import (
    AgreedGrade,
    AssessmentContribution,
    CareArea,
    NeglectAssessment,
)
from sightline.linkage.models import Person


class AssessmentError(ValueError):
    """The assessment cannot take this; ``field`` names what to correct."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Grading:
    """One area's grade and what it rests on, as a practitioner enters it."""

    grade: int
    evidence: str
    working_well: str = ""
    worries: str = ""
    needs_to_happen: str = ""


def _checked(area: str, g: Grading) -> Grading:
    if area not in CareArea.values:
        raise AssessmentError("area", f"{area!r} is not an area of the assessment")
    if not isinstance(g.grade, int) or not 1 <= g.grade <= 5:
        raise AssessmentError(f"{area}-grade", "Select a grade from 1 to 5")
    if not g.evidence.strip():
        # A grade without evidence is an opinion; the next reader needs the facts.
        raise AssessmentError(f"{area}-evidence", "Enter the evidence for this grade")
    return Grading(
        grade=g.grade,
        evidence=g.evidence.strip(),
        working_well=g.working_well.strip(),
        worries=g.worries.strip(),
        needs_to_happen=g.needs_to_happen.strip(),
    )


def assessment_start(*, person: Person, by: Any) -> NeglectAssessment:
    """Open a new assessment of the child; one open at a time, so contributions meet."""
    with transaction.atomic():
        if NeglectAssessment.objects.filter(
            person=person, status=NeglectAssessment.Status.OPEN
        ).exists():
            raise AssessmentError(
                "assessment", "This child already has an open assessment: add to that one"
            )
        return NeglectAssessment.objects.create(
            person=person, started_at=timezone.now(), started_by=by
        )


def assessment_contribute(
    *, assessment: NeglectAssessment, area: str, grading: Grading, by: Any
) -> AssessmentContribution:
    """Add what one practitioner sees in one area. Their agency is recorded with it."""
    g = _checked(area, grading)
    with transaction.atomic():
        locked = NeglectAssessment.objects.select_for_update().get(pk=assessment.pk)
        if locked.status != NeglectAssessment.Status.OPEN:
            raise AssessmentError("assessment", "This assessment is completed: start a new one")
        staff = getattr(by, "staff", None)
        return AssessmentContribution.objects.create(
            assessment=locked,
            area=area,
            **asdict(g),
            recorded_at=timezone.now(),
            by=by,
            agency_id=staff.agency_id if staff is not None else None,
        )


def assessment_complete(
    *,
    assessment: NeglectAssessment,
    grades: Mapping[str, Grading],
    summary: str,
    by: Any,
) -> NeglectAssessment:
    """Agree one grade for every area and close the assessment to contributions."""
    missing = [a for a in CareArea.values if a not in grades]
    if missing:
        raise AssessmentError(
            f"{missing[0]}-grade",
            f"Grade {CareArea(missing[0]).label.lower()} before completing the assessment",
        )
    checked = {area: _checked(area, g) for area, g in grades.items()}
    now = timezone.now()
    with transaction.atomic():
        locked = NeglectAssessment.objects.select_for_update().get(pk=assessment.pk)
        if locked.status != NeglectAssessment.Status.OPEN:
            raise AssessmentError("assessment", "This assessment is already completed")
        AgreedGrade.objects.bulk_create(
            [
                AgreedGrade(
                    assessment=locked,
                    area=area,
                    **asdict(g),
                    recorded_at=now,
                )
                for area, g in checked.items()
            ]
        )
        locked.status = NeglectAssessment.Status.COMPLETED
        locked.completed_at = now
        locked.completed_by = by
        locked.summary = summary.strip()
        locked.save(update_fields=["status", "completed_at", "completed_by", "summary"])
    return locked
