"""The linkage review queue: candidate pairs side by side, and a person's decision.

Thin views over :mod:`sightline.linkage.selectors` and
:func:`sightline.linkage.decisions.pair_decide`, the same the ``sightline link
review`` commands use, so a decision made here is honoured by every later run.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from sightline.accounts.access_linkage import may_review_links
from sightline.linkage.decisions import DecisionError, pair_decide
from sightline.linkage.selectors import (
    candidate_pair_get,
    pair_comparisons,
    pair_side,
    review_queue,
)
from sightline.web.forms import LinkDecisionForm

REVIEW_PAGE_SIZE = 50


def _reviewer(request: HttpRequest) -> None:
    if not may_review_links(request.user):
        raise PermissionDenied("Only identity reviewers may see the linkage review queue")


def review_list(request: HttpRequest) -> HttpResponse:
    _reviewer(request)
    paginator = Paginator(review_queue(), REVIEW_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = [
        (pair, pair_side(pair.agency_person_a), pair_side(pair.agency_person_b)) for pair in page
    ]
    return render(request, "web/linkage/review_list.html", {"page": page, "rows": rows})


def review_pair(request: HttpRequest, pair_id: int) -> HttpResponse:
    _reviewer(request)
    pair = candidate_pair_get(pair_id=pair_id)
    if pair is None:
        raise Http404("No such candidate pair in the latest linkage run")
    form = LinkDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            decision = pair_decide(
                pair=pair,
                decision=form.cleaned_data["decision"],
                by=request.user.get_username(),
                reason=form.cleaned_data["reason"],
                user=request.user,
            )
        except DecisionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                f"Recorded: {decision.get_kind_display().lower()} (pair {pair.pk}). "
                "Every later linkage run will keep to it.",
            )
            return redirect("web:link-review")
    a = pair_side(pair.agency_person_a, as_written=True)
    b = pair_side(pair.agency_person_b, as_written=True)
    return render(
        request,
        "web/linkage/review_pair.html",
        {
            "pair": pair,
            "a": a,
            "b": b,
            "sides": (a, b),
            "comparisons": pair_comparisons(pair),
            "form": form,
        },
        status=400 if form.errors else 200,
    )
