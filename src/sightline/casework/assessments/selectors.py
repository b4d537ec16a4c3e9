"""Reads for the shared neglect assessment: one assessment, a child's history, and change."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from sightline.casework.models import (
    AgreedGrade,
    AssessmentContribution,
    CareArea,
    NeglectAssessment,
)
from sightline.linkage.models import Person


def assessments_of(*, person: Person) -> QuerySet[NeglectAssessment]:
    """A child's assessments, newest first, with their grades and contributions (3 queries)."""
    return (
        NeglectAssessment.objects.filter(person=person)
        .select_related("started_by", "completed_by")
        .prefetch_related(
            "agreed_grades",
            Prefetch(
                "contributions",
                queryset=AssessmentContribution.objects.select_related("by", "agency"),
            ),
        )
    )


def assessment_get(*, person: Person, assessment_id: int) -> NeglectAssessment | None:
    """One of this child's assessments: another child's id gives None, never theirs."""
    return assessments_of(person=person).filter(pk=assessment_id).first()


@dataclass(frozen=True)
class GradePoint:
    on: dt.date
    grade: int
    assessment_id: int


@dataclass(frozen=True)
class AreaSeries:
    """One area's agreed grades over time: a line on the change-over-time chart."""

    area: str
    label: str
    points: tuple[GradePoint, ...]

    @property
    def change(self) -> int | None:
        """Latest grade minus the first: negative is better care, positive worse."""
        if len(self.points) < 2:
            return None
        return self.points[-1].grade - self.points[0].grade


def grades_over_time(*, person: Person) -> list[AreaSeries]:
    """Each area's agreed grade at each completed assessment, oldest first (one query)."""
    rows = (
        AgreedGrade.objects.filter(
            assessment__person=person, assessment__status=NeglectAssessment.Status.COMPLETED
        )
        .order_by("assessment__completed_at", "assessment_id")
        .values_list("area", "grade", "assessment_id", "assessment__completed_at")
    )
    by_area: dict[str, list[GradePoint]] = {a: [] for a in CareArea.values}
    for area, grade, assessment_id, completed_at in rows:
        assert completed_at is not None  # a completed assessment has its date (a constraint)
        by_area[area].append(GradePoint(completed_at.date(), grade, assessment_id))
    return [
        AreaSeries(area=a, label=CareArea(a).label, points=tuple(points))
        for a, points in by_area.items()
    ]
