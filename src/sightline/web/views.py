"""Thin views: read through selectors, render a template, nothing else.

Sign-in is enforced for every view by ``LoginRequiredMiddleware`` (see
settings), so a view added later is closed unless it opts out on purpose.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from sightline.accounts import access
from sightline.feeds.selectors import (
    agencies_with_counts,
    feed_files_recent,
    quarantine_get,
    quarantine_list,
    retention_runs_recent,
    retention_schedule,
)
from sightline.feeds.services import feed_files_mark_interrupted
from sightline.web import selectors

OVERVIEW_FEED_FILES = 20
OVERVIEW_QUARANTINE = 10
QUARANTINE_PAGE_SIZE = 50
# A whole file can be rejected or warned about; its page shows the start, the CLI the rest.
FEED_FILE_LINES_SHOWN = 200


# Where each practitioner's work starts, instead of the data engineers' feeds overview.
HOME_OF_ROLE = {
    "mash": "web:mash",
    "social_worker": "web:caseload",
    "team_manager": "web:caseload",
    "partner": "web:person-search",
    # Partnership officers start at the partnership's view; the case reviews are a
    # click away in the navigation.
    "partnership_officer": "web:dashboard",
}


def overview(request: HttpRequest) -> HttpResponse:
    staff = getattr(request.user, "staff", None)
    if staff is not None and staff.role in HOME_OF_ROLE:
        return redirect(HOME_OF_ROLE[staff.role])
    _feeds_only(request)
    # A file left "receiving" by a process that crashed shows as interrupted here.
    feed_files_mark_interrupted()
    return render(
        request,
        "web/overview.html",
        {
            "agencies": agencies_with_counts(),
            "feed_files": feed_files_recent(limit=OVERVIEW_FEED_FILES),
            "quarantine": quarantine_list()[:OVERVIEW_QUARANTINE],
            "quarantine_open": selectors.quarantine_open_count(),
        },
    )


def _feeds_only(request: HttpRequest) -> None:
    if not access.feeds_may_view(user=request.user):
        raise PermissionDenied("The feeds pages are for data engineers and administrators")


def feed_file_detail(request: HttpRequest, feed_file_id: int) -> HttpResponse:
    _feeds_only(request)
    feed_files_mark_interrupted()
    feed_file = selectors.feed_file_get(feed_file_id=feed_file_id)
    if feed_file is None:
        raise Http404("No such feed file")
    return render(
        request,
        "web/feed_file_detail.html",
        {
            "feed_file": feed_file,
            "warned": selectors.feed_file_records_with_warnings(feed_file_id=feed_file.pk)[
                :FEED_FILE_LINES_SHOWN
            ],
            "quarantined": selectors.quarantine_for_feed_file(feed_file_id=feed_file.pk)[
                :FEED_FILE_LINES_SHOWN
            ],
            "shown": FEED_FILE_LINES_SHOWN,
        },
    )


def quarantine_index(request: HttpRequest) -> HttpResponse:
    _feeds_only(request)
    paginator = Paginator(quarantine_list(), QUARANTINE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "web/quarantine_list.html", {"page": page})


def retention_page(request: HttpRequest) -> HttpResponse:
    """The retention schedule as configured, the tombstones by class, and the latest runs."""
    if not access.retention_may_view(user=request.user):
        raise PermissionDenied("The retention page is for administrators and data engineers")
    return render(
        request,
        "web/retention.html",
        {"schedule": retention_schedule(), "runs": retention_runs_recent()},
    )


def quarantine_detail(request: HttpRequest, quarantine_id: int) -> HttpResponse:
    _feeds_only(request)
    line = quarantine_get(quarantine_id=quarantine_id)
    if line is None:
        raise Http404("No such quarantined line")
    return render(
        request,
        "web/quarantine_detail.html",
        {"line": line, "raw": selectors.quarantine_raw_text(line=line)},
    )
