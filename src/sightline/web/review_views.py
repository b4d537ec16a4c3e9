"""Case reviews' pages: the list, opening and changing a review, its children, findings, themes.

Thin views over :mod:`sightline.reviews`. Reading is for
``access.reviews_may_view`` (partnership officers and team managers); every
change is for ``access.reviews_may_manage`` (partnership officers), refused with
403 before anything is read from the request.

A review page is not a child's record: it names each child by their review code
only, never by name, and links to the child's own page only for someone who may
open it (``access.person_get_for_user``), where the look is audited as any other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sightline.accounts import access
from sightline.casework import timescales
from sightline.linkage.models import Person
from sightline.reviews import selectors
from sightline.reviews.models import CaseReview
from sightline.reviews.services import (
    ReviewError,
    finding_add,
    review_child_add_by_id,
    review_create,
    review_set_status,
    review_update,
)
from sightline.reviews.suggestions import review_suggestions
from sightline.web.mash_forms import GovukForm
from sightline.web.review_forms import (
    ChildAddForm,
    FindingForm,
    ReviewFilterForm,
    ReviewForm,
    StatusForm,
)

T = TypeVar("T")


def _readers_only(request: HttpRequest) -> None:
    if not access.reviews_may_view(user=request.user):
        raise PermissionDenied("Case reviews are for partnership officers and team managers")


def _managers_only(request: HttpRequest) -> None:
    if not access.reviews_may_manage(user=request.user):
        raise PermissionDenied("Only partnership officers change case reviews")


def _review(reference: str) -> CaseReview:
    review = selectors.review_get(reference=reference)
    if review is None:
        raise Http404("No such case review")
    return review


def _attempt(form: GovukForm, act: Callable[[], T]) -> T | None:
    """Run a reviews service; when it refuses, put its reason by the field it names."""
    try:
        return act()
    except ReviewError as error:
        field = error.field
        if field not in form.fields and f"{field}_day" in form.fields:
            field = f"{field}_day"  # a date's error goes on the first box of its input
        form.add_error(field if field in form.fields else None, error.message)
        return None


def _today() -> dt.date:
    return timescales.local_day(timescales.now())


# --- the list and a new review ------------------------------------------------------------


@require_GET
def reviews_page(request: HttpRequest) -> HttpResponse:
    _readers_only(request)
    filters = ReviewFilterForm(request.GET or None)
    status = kind = ""
    if filters.is_valid():
        status, kind = filters.cleaned_data["status"], filters.cleaned_data["kind"]
    today = _today()
    rows = [
        (r, selectors.review_deadline(r)) for r in selectors.reviews_list(status=status, kind=kind)
    ]
    return render(
        request,
        "web/reviews/list.html",
        {
            "rows": rows,
            "filters": filters,
            "today": today,
            "may_manage": access.reviews_may_manage(user=request.user),
        },
    )


def _review_fields(form: ReviewForm) -> dict[str, Any]:
    d = form.cleaned_data
    return {
        "kind": d["kind"],
        "title": d["title"],
        "incident_on": d["incident_on"],
        "notified_on": d["notified_on"],
        "terms_of_reference": d["terms_of_reference"],
        "independent_reviewer": d["independent_reviewer"],
        "lead_reviewer": d["lead_reviewer"],
        "agencies": d["agencies"],
    }


@require_http_methods(["GET", "POST"])
def review_new_page(request: HttpRequest) -> HttpResponse:
    _managers_only(request)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        review = _attempt(
            form,
            lambda: review_create(
                **_review_fields(form),
                started_on=form.cleaned_data["started_on"],
                by=request.user,
            ),
        )
        if review is not None:
            messages.success(request, f"You opened {review.reference}")
            return redirect("web:review-detail", reference=review.reference)
    return render(request, "web/reviews/form.html", {"form": form, "review": None})


@require_http_methods(["GET", "POST"])
def review_edit_page(request: HttpRequest, reference: str) -> HttpResponse:
    _managers_only(request)
    review = _review(reference)
    form = ReviewForm(request.POST or None, initial=ReviewForm.initial_for(review))
    if request.method == "POST" and form.is_valid():
        changed = _attempt(
            form,
            lambda: review_update(
                review=review,
                **_review_fields(form),
                started_on=form.cleaned_data["started_on"] or review.started_on,
            ),
        )
        if changed is not None:
            messages.success(request, f"You changed {review.reference}")
            return redirect("web:review-detail", reference=review.reference)
    return render(request, "web/reviews/form.html", {"form": form, "review": review})


# --- one review -----------------------------------------------------------------------------


def _children(request: HttpRequest, review: CaseReview) -> list[tuple[str, Person | None]]:
    """Each child's code, with the person only for a user who may open their record."""
    return [
        (
            place.code,
            access.person_get_for_user(user=request.user, public_id=place.person.public_id),
        )
        for place in review.children.select_related("person")
    ]


def _detail(
    request: HttpRequest, review: CaseReview, *, status_form: StatusForm | None = None
) -> HttpResponse:
    may_manage = access.reviews_may_manage(user=request.user)
    status_form = status_form or StatusForm(initial={"status": review.status})
    return render(
        request,
        "web/reviews/detail.html",
        {
            "review": review,
            "children": _children(request, review),
            "deadline": selectors.review_deadline(review),
            "today": _today(),
            "by_theme": selectors.findings_by_theme(review),
            "suggestions": review_suggestions(review),
            "may_manage": may_manage,
            "status_form": status_form,
            "failed": status_form if status_form.is_bound and status_form.errors else None,
        },
    )


@require_GET
def review_detail_page(request: HttpRequest, reference: str) -> HttpResponse:
    _readers_only(request)
    return _detail(request, _review(reference))


@require_POST
def review_status_view(request: HttpRequest, reference: str) -> HttpResponse:
    _managers_only(request)
    review = _review(reference)
    form = StatusForm(request.POST)
    if form.is_valid():
        done = _attempt(
            form,
            lambda: review_set_status(
                review=review, status=form.cleaned_data["status"], on=_today()
            ),
        )
        if done is not None:
            messages.success(
                request, f"{review.reference} is now {done.get_status_display().lower()}"
            )
            return redirect("web:review-detail", reference=review.reference)
    return _detail(request, review, status_form=form)


@require_http_methods(["GET", "POST"])
def review_children_page(request: HttpRequest, reference: str) -> HttpResponse:
    """Naming a child the review is about, by the person id the officer was given.

    The officer cannot search for a child not yet under review (they may not open
    them), so the id is taken as typed and only checked to exist: the answer
    says nothing else about the person.
    """
    _managers_only(request)
    review = _review(reference)
    form = ChildAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        added = _attempt(
            form,
            lambda: review_child_add_by_id(
                review=review,
                public_id=form.cleaned_data["person"],
                code=form.cleaned_data["code"],
            ),
        )
        if added is not None:
            messages.success(request, f"You added Child {added.code} to {review.reference}")
            return redirect("web:review-detail", reference=review.reference)
    codes = list(review.children.values_list("code", flat=True))
    return render(
        request, "web/reviews/children.html", {"review": review, "form": form, "codes": codes}
    )


@require_http_methods(["GET", "POST"])
def review_findings_page(request: HttpRequest, reference: str) -> HttpResponse:
    """Adding a finding; a suggestion's "Add as a finding" opens this form filled in."""
    _managers_only(request)
    review = _review(reference)
    if request.method == "POST":
        form = FindingForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            finding = _attempt(
                form,
                lambda: finding_add(
                    review=review,
                    text=d["text"],
                    themes=d["themes"],
                    agencies=d["agencies"],
                    by=request.user,
                ),
            )
            if finding is not None:
                messages.success(request, "You added a finding")
                return redirect("web:review-detail", reference=review.reference)
    else:
        form = FindingForm(initial=_suggested(review, request.GET.get("theme", "")))
    return render(request, "web/reviews/finding.html", {"review": review, "form": form})


def _suggested(review: CaseReview, theme_id: str) -> dict[str, Any]:
    """The form's first draft from the suggestion for ``theme_id``, if the records still make it."""
    for s in review_suggestions(review) if theme_id else []:
        if s.theme.id == theme_id:
            return {"text": s.finding_text(), "themes": [s.theme.id]}
    return {}


# --- the learning themes ------------------------------------------------------------------


@require_GET
def learning_themes_page(request: HttpRequest) -> HttpResponse:
    _readers_only(request)
    return render(request, "web/reviews/themes.html", {"rows": selectors.theme_counts()})
