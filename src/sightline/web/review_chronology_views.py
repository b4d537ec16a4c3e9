"""A case review's chronology (form, preview, downloads) and its publication pages.

Who may use them is asked of :mod:`sightline.accounts.access` before the review
is looked up, so someone refused learns nothing about a reference. Reading the
chronology reads the children's records, so each time it is shown or
downloaded every child of the review is written to the access log.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from sightline.accounts import access
from sightline.accounts.models import AccessLog
from sightline.accounts.services import access_log_record
from sightline.accounts.viewer import viewer_for
from sightline.reviews.chronology import (
    ReviewChronology,
    review_children,
    review_chronology,
    review_window,
)
from sightline.reviews.exports import CONTENT_TYPES, FORMATS, chronology_export, html_pdf
from sightline.reviews.models import CaseReview
from sightline.reviews.publication import (
    partnership_name,
    publication_anonymiser,
    publication_sections,
    publication_title,
)
from sightline.reviews.selectors import review_get
from sightline.reviews.services import ReviewError, review_publication_update
from sightline.web.review_chronology_forms import PublicationForm, ReviewChronologyForm


def _review(request: HttpRequest, reference: str, *, manage: bool) -> CaseReview:
    allowed = (access.reviews_may_manage if manage else access.reviews_may_view)(user=request.user)
    if not allowed:
        raise PermissionDenied
    review = review_get(reference=reference)
    if review is None:
        raise Http404("No such review")
    return review


def _chronology_review(request: HttpRequest, reference: str) -> CaseReview:
    review = _review(request, reference, manage=True)
    # A review whose children the officer may no longer open (published or closed) is
    # answered as absent: the chronology is their records.
    if not access.review_chronology_may_view(user=request.user, review=review):
        raise Http404("No such review, or none whose children you may see")
    return review


def _form(request: HttpRequest, review: CaseReview) -> ReviewChronologyForm:
    if request.GET:
        return ReviewChronologyForm(request.GET)
    start, end = review_window(review)
    return ReviewChronologyForm(
        initial={
            "start": start.isoformat(),
            "end": end.isoformat(),
            "anonymise": "yes",
            "dates": "keep",
        }
    )


def _read(request: HttpRequest, review: CaseReview, form: ReviewChronologyForm) -> ReviewChronology:
    start, end = form.window
    chronology = review_chronology(
        children=review_children(review),
        start=start,
        end=end,
        viewer=viewer_for(request.user),
        anonymise=form.cleaned_data["anonymise"] == "yes",
        shift_days=form.shift,
    )
    for person in chronology.persons:
        access_log_record(
            user=request.user,
            person=person,
            action=AccessLog.Action.VIEWED_CHRONOLOGY,
            path=request.get_full_path(),
            ip_address=request.META.get("REMOTE_ADDR"),
        )
    return chronology


@require_GET
def review_chronology_page(request: HttpRequest, reference: str) -> HttpResponse:
    review = _chronology_review(request, reference)
    form = _form(request, review)
    chronology = None
    downloads: list[tuple[str, str]] = []
    if request.GET and form.is_valid():
        chronology = _read(request, review, form)
        query = urlencode({k: v for k, v in request.GET.items() if k in form.fields})
        downloads = [
            (
                fmt,
                reverse("web:review-chronology-download", args=[review.reference, fmt])
                + "?"
                + query,
            )
            for fmt in FORMATS
        ]
    return render(
        request,
        "web/reviews/chronology.html",
        {"review": review, "form": form, "chronology": chronology, "downloads": downloads},
    )


@require_GET
def review_chronology_download(request: HttpRequest, reference: str, fmt: str) -> HttpResponse:
    review = _chronology_review(request, reference)
    if fmt not in FORMATS:
        raise Http404("No such format")
    form = ReviewChronologyForm(request.GET)
    if not form.is_valid():
        # Back to the form, which says what is wrong with each field.
        page = reverse("web:review-chronology", args=[review.reference])
        return redirect(f"{page}?{urlencode(request.GET)}")
    chronology = _read(request, review, form)
    response = HttpResponse(
        chronology_export(chronology, fmt, review=review), content_type=CONTENT_TYPES[fmt]
    )
    kind = "anonymised" if chronology.anonymised else "named"
    response["Content-Disposition"] = (
        f'attachment; filename="{review.reference}-chronology-{kind}.{fmt}"'
    )
    return response


def _published_context(review: CaseReview) -> dict[str, object]:
    anonymiser = publication_anonymiser(review)
    return {
        "review": review,
        "title": publication_title(review, anonymiser),
        "partnership": partnership_name(),
        "sections": publication_sections(review, anonymiser=anonymiser),
    }


@require_http_methods(["GET", "POST"])
def review_publication_page(request: HttpRequest, reference: str) -> HttpResponse:
    review = _review(request, reference, manage=True)
    if request.method == "POST":
        form = PublicationForm(request.POST)
        if form.is_valid():
            try:
                review_publication_update(
                    review=review,
                    title=form.cleaned_data["published_title"],
                    summary=form.cleaned_data["published_summary"],
                )
            except ReviewError as exc:
                form.add_error(exc.field, exc.message)
            else:
                messages.success(request, "The summary for publication is saved")
                return redirect("web:review-publication", review.reference)
    else:
        form = PublicationForm(
            initial={
                "published_title": review.published_title,
                "published_summary": review.published_summary,
            }
        )
    context = _published_context(review)
    context["form"] = form
    return render(request, "web/reviews/publication.html", context)


@require_GET
def review_published_page(request: HttpRequest, reference: str) -> HttpResponse:
    review = _review(request, reference, manage=False)
    return render(request, "web/reviews/published.html", _published_context(review))


@require_GET
def review_published_pdf(request: HttpRequest, reference: str) -> HttpResponse:
    review = _review(request, reference, manage=False)
    html = render_to_string("reviews/published_document.html", _published_context(review))
    response = HttpResponse(html_pdf(html), content_type=CONTENT_TYPES["pdf"])
    response["Content-Disposition"] = f'attachment; filename="{review.reference}-published.pdf"'
    return response
