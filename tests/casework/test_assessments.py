"""The shared neglect assessment: several agencies contribute, one grade an area is agreed,
and repeated assessments show whether care is changing."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError

from sightline.accounts.models import Role, StaffProfile
from sightline.casework.assessments.selectors import assessment_get, grades_over_time
from sightline.casework.assessments.services import (
    AssessmentError,
    Grading,
    assessment_complete,
    assessment_contribute,
    assessment_start,
)
from sightline.casework.models import AgreedGrade, CareArea, NeglectAssessment
from sightline.feeds.models import Agency
from sightline.linkage.models import Person

pytestmark = pytest.mark.django_db


def _staff(username: str, role: str, agency: str | None = None) -> Any:
    user = get_user_model().objects.create_user(username=username, password="x" * 12)
    a = Agency.objects.create(code=agency, name=agency) if agency else None
    StaffProfile.objects.create(user=user, role=role, agency=a)
    return user


@pytest.fixture
def child() -> Person:
    return Person.objects.create()


@pytest.fixture
def worker() -> Any:
    return _staff("sw", Role.SOCIAL_WORKER)


def _all(grade: int) -> dict[str, Grading]:
    return {
        a: Grading(grade=grade, evidence=f"seen at home visit, grade {grade}")
        for a in CareArea.values
    }


def test_contributions_from_two_agencies_are_kept_with_who_and_which_agency(child, worker):
    hv = _staff("hv", Role.PARTNER, "nhs-community-hv")
    school = _staff("dsl", Role.PARTNER, "school-yarmouth-primary")
    assessment = assessment_start(person=child, by=worker)
    assessment_contribute(
        assessment=assessment,
        area=CareArea.PHYSICAL_CARE,
        grading=Grading(grade=4, evidence="Weight below 2nd centile; no food in the fridge"),
        by=hv,
    )
    assessment_contribute(
        assessment=assessment,
        area=CareArea.PHYSICAL_CARE,
        grading=Grading(grade=3, evidence="Comes to school hungry on Mondays", worries="Hunger"),
        by=school,
    )
    got = assessment_get(person=child, assessment_id=assessment.pk)
    assert got is not None
    seen = [(c.agency.code, c.grade, c.by.username) for c in got.contributions.all()]
    assert seen == [("nhs-community-hv", 4, "hv"), ("school-yarmouth-primary", 3, "dsl")]


def test_a_grade_needs_evidence_and_a_grade_from_1_to_5_and_the_error_names_the_field(
    child, worker
):
    assessment = assessment_start(person=child, by=worker)
    with pytest.raises(AssessmentError) as no_evidence:
        assessment_contribute(
            assessment=assessment,
            area=CareArea.SAFETY,
            grading=Grading(grade=2, evidence="   "),
            by=worker,
        )
    assert no_evidence.value.field == "safety_supervision-evidence"
    with pytest.raises(AssessmentError) as bad_grade:
        assessment_contribute(
            assessment=assessment,
            area=CareArea.SAFETY,
            grading=Grading(grade=6, evidence="x"),
            by=worker,
        )
    assert bad_grade.value.field == "safety_supervision-grade"
    assert str(bad_grade.value) == "Select a grade from 1 to 5"


def test_completing_needs_every_area_then_closes_the_assessment_to_contributions(child, worker):
    assessment = assessment_start(person=child, by=worker)
    partial = {CareArea.PHYSICAL_CARE.value: Grading(grade=3, evidence="e")}
    with pytest.raises(AssessmentError, match="Grade safety and supervision"):
        assessment_complete(assessment=assessment, grades=partial, summary="", by=worker)

    done = assessment_complete(assessment=assessment, grades=_all(3), summary="Agreed", by=worker)
    assert done.status == NeglectAssessment.Status.COMPLETED
    assert AgreedGrade.objects.filter(assessment=done).count() == 4
    with pytest.raises(AssessmentError, match="completed"):
        assessment_contribute(
            assessment=done, area=CareArea.WARMTH, grading=Grading(grade=1, evidence="e"), by=worker
        )


def test_one_open_assessment_at_a_time_so_contributions_meet_in_one_place(child, worker):
    assessment_start(person=child, by=worker)
    with pytest.raises(AssessmentError, match="already has an open assessment"):
        assessment_start(person=child, by=worker)


def test_repeated_assessments_show_each_areas_change_over_time(child, worker):
    for grade in (4, 3, 2):
        a = assessment_start(person=child, by=worker)
        grades = _all(grade)
        grades[CareArea.WARMTH.value] = Grading(grade=3, evidence="unchanged")
        assessment_complete(assessment=a, grades=grades, summary="", by=worker)
    series = {s.area: s for s in grades_over_time(person=child)}
    assert [p.grade for p in series[CareArea.PHYSICAL_CARE.value].points] == [4, 3, 2]
    assert series[CareArea.PHYSICAL_CARE.value].change == -2  # better care
    assert series[CareArea.WARMTH.value].change == 0


def test_another_childs_assessment_is_not_found_through_this_child(child, worker):
    other = Person.objects.create()
    theirs = assessment_start(person=other, by=worker)
    assert assessment_get(person=child, assessment_id=theirs.pk) is None


def test_the_database_refuses_a_grade_outside_1_to_5(child, worker):
    a = assessment_complete(
        assessment=assessment_start(person=child, by=worker), grades=_all(2), summary="", by=worker
    )
    with pytest.raises(IntegrityError):
        AgreedGrade.objects.filter(assessment=a, area=CareArea.WARMTH).update(grade=9)
