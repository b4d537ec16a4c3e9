"""The shared neglect assessment's pages: the child's assessments with their change over time,
and one assessment, to contribute to and, for the lead, to complete.

Anyone who may open the child's record may contribute what their agency sees:
that is the point of a shared assessment. Starting and completing one is for
children's social care (:func:`sightline.accounts.access.casework_may_lead`, the
same rule as deciding what a flag means).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from sightline.accounts import access
from sightline.accounts.models import AccessLog
from sightline.casework.assessments.selectors import (
    assessment_get,
    assessments_of,
    grades_over_time,
)
from sightline.casework.assessments.services import (
    AssessmentError,
    assessment_complete,
    assessment_contribute,
    assessment_start,
)
from sightline.casework.models import GRADE_WORDS, CareArea, NeglectAssessment
from sightline.linkage.models import Person
from sightline.web.assessment_chart import grades_chart
from sightline.web.assessment_forms import CompleteForm, ContributionForm
from sightline.web.people_views import _audit, _child, _context


def _may_lead(request: HttpRequest, person: Person) -> bool:
    return access.casework_may_lead(user=request.user, person=person)


def assessments_page(request: HttpRequest, public_id: str) -> HttpResponse:
    person = _child(request, public_id)
    _audit(request, person, AccessLog.Action.VIEWED_ASSESSMENTS)
    assessments = list(assessments_of(person=person))
    series = grades_over_time(person=person)
    context = _context(request, person, "assessments")
    context.update(
        assessments=assessments,
        open=next((a for a in assessments if a.status == NeglectAssessment.Status.OPEN), None),
        series=series,
        chart=grades_chart(series),
        may_lead=_may_lead(request, person),
        grade_words=GRADE_WORDS,
    )
    return render(request, "web/people/assessments.html", context)


@require_POST
def assessment_start_view(request: HttpRequest, public_id: str) -> HttpResponse:
    person = _child(request, public_id)
    if not _may_lead(request, person):
        raise PermissionDenied("Only children's social care starts an assessment")
    try:
        started = assessment_start(person=person, by=request.user)
    except AssessmentError as exc:
        messages.error(request, str(exc))
        return redirect("web:person-assessments", public_id=public_id)
    _audit(request, person, AccessLog.Action.CHANGED_ASSESSMENT)
    messages.success(
        request, "Assessment started: every agency working with the child can add to it"
    )
    return redirect("web:person-assessment", public_id=public_id, assessment_id=started.pk)


@require_http_methods(["GET", "POST"])
def assessment_page(request: HttpRequest, public_id: str, assessment_id: int) -> HttpResponse:
    person = _child(request, public_id)
    assessment = assessment_get(person=person, assessment_id=assessment_id)
    if assessment is None:
        raise Http404("No such assessment of this child")
    may_lead = _may_lead(request, person)
    is_open = assessment.status == NeglectAssessment.Status.OPEN
    action = request.POST.get("action") if request.method == "POST" else None
    contribution = ContributionForm(request.POST if action == "contribute" else None)
    complete = CompleteForm(request.POST if action == "complete" else None)
    status = 200
    if action is not None:
        if not is_open:
            raise PermissionDenied("This assessment is completed")
        if action == "complete" and not may_lead:
            raise PermissionDenied("Only children's social care completes an assessment")
        form: Any = complete if action == "complete" else contribution
        if form.is_valid():
            try:
                if action == "complete":
                    assessment_complete(
                        assessment=assessment,
                        grades=complete.gradings(),
                        summary=complete.cleaned_data["summary"],
                        by=request.user,
                    )
                    done = "Assessment completed: its grades are on the chart of change"
                else:
                    area, grading = contribution.grading()
                    assessment_contribute(
                        assessment=assessment, area=area, grading=grading, by=request.user
                    )
                    done = "Your contribution has been added"
            except AssessmentError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc))
            else:
                _audit(request, person, AccessLog.Action.CHANGED_ASSESSMENT)
                messages.success(request, done)
                return redirect(
                    "web:person-assessment", public_id=public_id, assessment_id=assessment.pk
                )
        status = 400
    else:
        _audit(request, person, AccessLog.Action.VIEWED_ASSESSMENTS)
    by_area: dict[str, list[Any]] = defaultdict(list)
    for c in assessment.contributions.all():
        by_area[c.area].append(c)
    agreed = {g.area: g for g in assessment.agreed_grades.all()}
    context = _context(request, person, "assessments")
    context.update(
        assessment=assessment,
        is_open=is_open,
        may_lead=may_lead,
        areas=[
            (label, by_area.get(area, []), agreed.get(area)) for area, label in CareArea.choices
        ],
        contribution=contribution,
        complete=complete,
        form=complete if action == "complete" else contribution,
        grade_words=GRADE_WORDS,
    )
    return render(request, "web/people/assessment.html", context, status=status)
