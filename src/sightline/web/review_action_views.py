"""A review's recommendations and action plan, and the tracker of every review's actions.

Thin views: ``access`` decides, the reviews' action services and selectors do
the work. Anyone who may see the reviews (``access.reviews_may_view``) sees
both pages; the officers who run reviews (``access.reviews_may_manage``) add
recommendations and actions; ``access.review_action_may_update`` says who
records an action's progress and may move its due date. A role that may not see reviews is refused
before the reference it asked about is looked at. No page here names a child:
a review is known by its reference.

Each form posts to its own address; when it does not validate, the
recommendations page is shown again with its errors, the other forms empty.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from sightline.accounts import access
from sightline.feeds.models import Agency
from sightline.reviews import action_selectors as selectors
from sightline.reviews.action_selectors import PARTNERSHIP, TrackerRow
from sightline.reviews.actions import (
    recommendation_add,
    review_action_add,
    review_action_reschedule,
    review_action_update,
)
from sightline.reviews.models import ACTION_OPEN_STATUSES, CaseReview, ReviewAction
from sightline.reviews.selectors import review_get
from sightline.reviews.services import ReviewError
from sightline.web.mash_forms import GovukForm
from sightline.web.plan_forms import day_text
from sightline.web.review_action_forms import (
    ActionAddForm,
    ActionRescheduleForm,
    ActionUpdateForm,
    RecommendationForm,
    TrackerFilterForm,
)

T = TypeVar("T")


def _today() -> dt.date:
    return timezone.localdate()


def _may_view(request: HttpRequest) -> None:
    if not access.reviews_may_view(user=request.user):
        raise PermissionDenied("Only partnership officers and team managers see case reviews")


def _may_manage(request: HttpRequest) -> None:
    if not access.reviews_may_manage(user=request.user):
        raise PermissionDenied("Only partnership officers add recommendations and actions")


def _review(reference: str) -> CaseReview:
    review = review_get(reference=reference)
    if review is None:
        raise Http404("No case review has this reference")
    return review


def _attempt(form: GovukForm, act: Callable[[], T]) -> T | None:
    """Run a service; when it refuses, put its reason by the field it names."""
    try:
        return act()
    except ReviewError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return None


def _changed(request: HttpRequest, review: CaseReview, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("web:review-recommendations", reference=review.reference)


# --- one review's recommendations ------------------------------------------------------


def _recommendations_page(
    request: HttpRequest,
    review: CaseReview,
    *,
    recommendation: RecommendationForm | None = None,
    action: ActionAddForm | None = None,
    update: tuple[int, ActionUpdateForm] | None = None,
    reschedule: tuple[int, ActionRescheduleForm] | None = None,
) -> HttpResponse:
    today = _today()
    recommendations = list(selectors.recommendations_of(review=review))
    agencies = list(Agency.objects.order_by("name", "code"))
    recommendation = recommendation or RecommendationForm(prefix="rec", agencies=agencies)
    action = action or ActionAddForm(prefix="action", recommendations=recommendations)
    update_forms: dict[int, ActionUpdateForm] = {}
    reschedule_forms: dict[int, ActionRescheduleForm] = {}
    for rec in recommendations:
        for a in rec.actions.all():
            if access.review_action_may_update(user=request.user, action=a):
                update_forms[a.pk] = ActionUpdateForm(
                    prefix=f"action-{a.pk}",
                    initial={"status": a.status, "completed_on": day_text(today)},
                )
                # Only an open action's date can move: a finished one is reopened first.
                if a.status in ACTION_OPEN_STATUSES:
                    reschedule_forms[a.pk] = ActionRescheduleForm(prefix=f"due-{a.pk}")
    if update is not None:
        update_forms[update[0]] = update[1]
    if reschedule is not None:
        reschedule_forms[reschedule[0]] = reschedule[1]
    # What the template shows by each action: whether it is overdue, and its forms.
    for rec in recommendations:
        for a in rec.actions.all():
            a.overdue = a.is_overdue(today)  # type: ignore[attr-defined]
            a.update_form = update_forms.get(a.pk)  # type: ignore[attr-defined]
            a.reschedule_form = reschedule_forms.get(a.pk)  # type: ignore[attr-defined]
    forms = (recommendation, action, *update_forms.values(), *reschedule_forms.values())
    failed = next((f for f in forms if f.is_bound and f.errors), None)
    return render(
        request,
        "web/reviews/actions/recommendations.html",
        {
            "review": review,
            "recommendations": recommendations,
            "may_manage": access.reviews_may_manage(user=request.user),
            "recommendation_form": recommendation,
            "action_form": action,
            "failed": failed,
            "today": today,
        },
    )


@require_GET
def recommendations_page(request: HttpRequest, reference: str) -> HttpResponse:
    _may_view(request)
    return _recommendations_page(request, _review(reference))


@require_POST
def recommendation_add_view(request: HttpRequest, reference: str) -> HttpResponse:
    _may_manage(request)
    review = _review(reference)
    agencies = list(Agency.objects.order_by("name", "code"))
    form = RecommendationForm(request.POST, prefix="rec", agencies=agencies)
    if form.is_valid():
        owner = form.cleaned_data["owner"]
        added = _attempt(
            form,
            lambda: recommendation_add(
                review=review,
                text=form.cleaned_data["text"],
                agency=next((a for a in agencies if a.code == owner), None),
                partnership_wide=owner == PARTNERSHIP,
                by=request.user,
            ),
        )
        if added is not None:
            return _changed(request, review, f"You added recommendation {added.number}")
    return _recommendations_page(request, review, recommendation=form)


@require_POST
def review_action_add_view(request: HttpRequest, reference: str) -> HttpResponse:
    _may_manage(request)
    review = _review(reference)
    recommendations = list(review.recommendations.order_by("number"))
    form = ActionAddForm(request.POST, prefix="action", recommendations=recommendations)
    if form.is_valid():
        d = form.cleaned_data
        towards = next(r for r in recommendations if r.pk == d["recommendation"])
        added = _attempt(
            form,
            lambda: review_action_add(
                recommendation=towards,
                description=d["description"],
                owner=d["owner"],
                due_on=d["due_on"],
                by=request.user,
            ),
        )
        if added is not None:
            message = f"You added an action to recommendation {towards.number}"
            return _changed(request, review, message)
    return _recommendations_page(request, review, action=form)


def _action_to_update(
    request: HttpRequest, reference: str, review_action_id: int
) -> tuple[CaseReview, ReviewAction]:
    """The review and its action, when this user may update the action."""
    _may_view(request)
    review = _review(reference)
    action = selectors.review_action_get(review=review, action_id=review_action_id)
    if action is None:
        raise Http404("No such action in this review")
    if not access.review_action_may_update(user=request.user, action=action):
        raise PermissionDenied("Only partnership officers, or the owning agency's managers")
    return review, action


@require_POST
def review_action_update_view(
    request: HttpRequest, reference: str, review_action_id: int
) -> HttpResponse:
    review, action = _action_to_update(request, reference, review_action_id)
    form = ActionUpdateForm(request.POST, prefix=f"action-{action.pk}")
    if form.is_valid():
        d = form.cleaned_data
        updated = _attempt(
            form,
            lambda: review_action_update(
                action=action,
                status=d["status"],
                by=request.user,
                evidence=d["evidence"],
                completed_on=d["completed_on"],
                reason=d["reason"],
                note=d["note"],
                today=_today(),
            ),
        )
        if updated is not None:
            number = action.recommendation.number
            status = updated.get_status_display().lower()
            message = f"An action of recommendation {number} is now {status}"
            return _changed(request, review, message)
    return _recommendations_page(request, review, update=(action.pk, form))


@require_POST
def review_action_reschedule_view(
    request: HttpRequest, reference: str, review_action_id: int
) -> HttpResponse:
    review, action = _action_to_update(request, reference, review_action_id)
    form = ActionRescheduleForm(request.POST, prefix=f"due-{action.pk}")
    if form.is_valid():
        d = form.cleaned_data
        moved = _attempt(
            form,
            lambda: review_action_reschedule(
                action=action, due_on=d["due_on"], reason=d["reason"], by=request.user
            ),
        )
        if moved is not None:
            number = action.recommendation.number
            message = f"An action of recommendation {number} is now due on {moved.due_on:%-d %B %Y}"
            return _changed(request, review, message)
    return _recommendations_page(request, review, reschedule=(action.pk, form))


# --- the tracker across all reviews ----------------------------------------------------


def _tracker(request: HttpRequest) -> tuple[TrackerFilterForm, list[TrackerRow] | None]:
    """The filter form, and the rows it asks for (None when the form has errors)."""
    _may_view(request)
    form = TrackerFilterForm(
        request.GET or None,
        agencies=list(selectors.tracker_agencies()),
        reviews=list(selectors.tracker_reviews()),
    )
    if request.GET and not form.is_valid():
        return form, None
    data: dict[str, Any] = form.cleaned_data if request.GET else {}
    today = _today()
    actions = selectors.tracker_actions(
        today=today,
        agency=data.get("agency") or "",
        status=data.get("status") or "",
        overdue=bool(data.get("overdue")),
        review=data.get("review") or "",
    )
    return form, selectors.tracker_rows(actions, today=today)


@require_GET
def tracker_page(request: HttpRequest) -> HttpResponse:
    form, rows = _tracker(request)
    return render(
        request,
        "web/reviews/actions/tracker.html",
        {
            "form": form,
            "rows": rows or [],
            "overdue": sum(r.overdue for r in rows or []),
            "csv_query": request.GET.urlencode(),
            "statuses": ReviewAction.Status,
        },
    )


@require_GET
def tracker_csv(request: HttpRequest) -> HttpResponse:
    _form, rows = _tracker(request)
    if rows is None:
        # Bad filters: the page shows the same form with its errors.
        return redirect(reverse("web:review-actions") + "?" + request.GET.urlencode())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = _today().isoformat()
    response["Content-Disposition"] = f'attachment; filename="review-actions-{stamp}.csv"'
    csv.writer(response).writerows(selectors.tracker_csv_rows(rows))
    return response
