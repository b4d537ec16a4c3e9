"""Finding a person and the child's pages: thin views over the access functions and selectors.

Every view about a child starts with :func:`_child`, which asks
:func:`~sightline.accounts.access.person_get_for_user` and answers 404 both for an
id that does not exist and for a child the user has no reason to see, so a
refused id cannot be told from a wrong one. Every look is written to the access
log before the page is rendered.
"""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from sightline.accounts import access
from sightline.accounts.models import AccessLog
from sightline.accounts.selectors import (
    access_log_csv_rows,
    access_log_filtered,
    access_log_recent,
    break_glass_live,
)
from sightline.accounts.services import access_log_record
from sightline.accounts.viewer import viewer_for
from sightline.indicators.models import Flag
from sightline.indicators.services import flag_acknowledge, flag_dismiss
from sightline.linkage.models import Person
from sightline.web import child_selectors as cs
from sightline.web.audit_forms import AccessLogFilterForm
from sightline.web.forms import (
    ChronologyFilterForm,
    FlagAcknowledgeForm,
    FlagDismissForm,
    PersonSearchForm,
)
from sightline.web.person_search import Query, person_search

# What "who has looked" shows on the child's own page; the access log page shows more,
# and its CSV download everything the filters ask for.
RECENT_LOOKS = 5
ACCESS_LOG_PAGE = 200


def _child(request: HttpRequest, public_id: str) -> Person:
    person = access.person_get_for_user(user=request.user, public_id=public_id)
    if person is None:
        raise Http404("No such person, or none you may see")
    return person


def _audit(request: HttpRequest, person: Person, action: str) -> None:
    access_log_record(
        user=request.user,
        person=person,
        action=action,
        path=request.get_full_path(),
        ip_address=request.META.get("REMOTE_ADDR"),
    )


def _context(request: HttpRequest, person: Person, tab: str) -> dict[str, Any]:
    """What every page about the child shows: its header and which tab is open.

    ``break_glass`` is the live grant the user is looking under, when only a
    grant lets them in, for the banner saying so and when it ends.
    """
    under_grant = access.person_viewed_under_break_glass(user=request.user, person=person)
    return {
        "header": cs.child_header(person=person),
        "tab": tab,
        "break_glass": (
            break_glass_live(user=request.user, public_id=person.public_id) if under_grant else None
        ),
        "may_see_access_log": access.access_log_may_view(user=request.user, person=person),
        "may_allocate": access.allocation_may_change(user=request.user, person=person),
    }


def person_search_page(request: HttpRequest) -> HttpResponse:
    form = PersonSearchForm(request.GET or None)
    results = None
    if form.is_valid():
        query = Query(text=form.cleaned_data["q"], date_of_birth=form.cleaned_data["date_of_birth"])
        results = person_search(user=request.user, query=query)
    return render(request, "web/people/search.html", {"form": form, "results": results})


def child_page(request: HttpRequest, public_id: str) -> HttpResponse:
    person = _child(request, public_id)
    _audit(request, person, AccessLog.Action.VIEWED_PAGE)
    viewer = viewer_for(request.user)
    context = _context(request, person, "summary")
    looks = (
        list(access_log_recent(person=person, limit=RECENT_LOOKS))
        if context["may_see_access_log"]
        else None
    )
    context.update(
        flags=cs.child_flags(person=person, viewer=viewer),
        may_change_flags=access.flag_may_change(user=request.user, person=person),
        looks=looks,
    )
    return render(request, "web/people/child.html", context)


def child_chronology_page(request: HttpRequest, public_id: str) -> HttpResponse:
    person = _child(request, public_id)
    _audit(request, person, AccessLog.Action.VIEWED_CHRONOLOGY)
    viewer = viewer_for(request.user)
    flags = cs.child_flags(person=person, viewer=viewer)
    chronology = cs.child_chronology(person=person, viewer=viewer, evidence=flags.evidence_titles())
    form = ChronologyFilterForm(
        request.GET or None, agencies=chronology.agencies, types=chronology.types
    )
    filters = form.filters() if request.GET and form.is_valid() else cs.Filters()
    context = _context(request, person, "chronology")
    context.update(form=form, page=chronology.page(filters))
    return render(request, "web/people/chronology.html", context)


def child_family_page(request: HttpRequest, public_id: str) -> HttpResponse:
    person = _child(request, public_id)
    _audit(request, person, AccessLog.Action.VIEWED_FAMILY)
    context = _context(request, person, "family")
    context["network"] = cs.family_network(
        person=person,
        user=request.user,
        viewer=viewer_for(request.user),
        child_name=context["header"].identity.name,
    )
    return render(request, "web/people/family.html", context)


def _access_log_entries(
    request: HttpRequest, public_id: str, action: str
) -> tuple[Person, AccessLogFilterForm, QuerySet[AccessLog] | None]:
    """The child, the filter form, and the entries it asks for (None when the form has errors).

    The look is written to the log before it is read, so it is on the list it shows.
    """
    person = _child(request, public_id)
    if not access.access_log_may_view(user=request.user, person=person):
        raise PermissionDenied("Only team managers and the MASH see who has looked")
    _audit(request, person, action)
    form = AccessLogFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        return person, form, None
    data = form.cleaned_data if request.GET else {}
    entries = access_log_filtered(
        person=person,
        start=data.get("start"),
        end=data.get("end"),
        action=data.get("action") or None,
        break_glass_only=bool(data.get("break_glass")),
    )
    return person, form, entries


def child_access_log_page(request: HttpRequest, public_id: str) -> HttpResponse:
    person, form, entries = _access_log_entries(
        request, public_id, AccessLog.Action.VIEWED_ACCESS_LOG
    )
    context = _context(request, person, "access-log")
    total = entries.count() if entries is not None else 0
    context.update(
        form=form,
        looks=list(entries[:ACCESS_LOG_PAGE]) if entries is not None else [],
        total=total,
        shown_limit=ACCESS_LOG_PAGE,
        csv_query=request.GET.urlencode(),
    )
    return render(request, "web/people/access_log.html", context)


def child_access_log_csv(request: HttpRequest, public_id: str) -> HttpResponse:
    person, _form, entries = _access_log_entries(
        request, public_id, AccessLog.Action.DOWNLOADED_ACCESS_LOG
    )
    if entries is None:
        # Bad filters: the page shows the same form with its errors.
        return redirect(
            reverse("web:person-access-log", args=[public_id]) + "?" + request.GET.urlencode()
        )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="who-has-looked-{person.public_id}-{stamp}.csv"'
    )
    csv.writer(response).writerows(access_log_csv_rows(entries))
    return response


def _flag_for_change(request: HttpRequest, public_id: str, flag_id: int) -> tuple[Person, Flag]:
    person = _child(request, public_id)
    if not access.flag_may_change(user=request.user, person=person):
        raise PermissionDenied("Only children's social care acknowledge or dismiss flags")
    flag = cs.flag_of_child(person=person, flag_id=flag_id)
    if flag is None:
        raise Http404("No such flag for this child")
    return person, flag


@require_POST
def flag_acknowledge_view(request: HttpRequest, public_id: str, flag_id: int) -> HttpResponse:
    person, flag = _flag_for_change(request, public_id, flag_id)
    form = FlagAcknowledgeForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    flag_acknowledge(flag=flag, by=request.user.get_username(), reason=reason)
    _audit(request, person, AccessLog.Action.ACKNOWLEDGED_FLAG)
    messages.success(request, f"You acknowledged the flag: {flag.title}")
    return redirect("web:person", public_id=person.public_id)


@require_http_methods(["GET", "POST"])
def flag_dismiss_view(request: HttpRequest, public_id: str, flag_id: int) -> HttpResponse:
    person, flag = _flag_for_change(request, public_id, flag_id)
    form = FlagDismissForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        flag_dismiss(flag=flag, by=request.user.get_username(), reason=form.cleaned_data["reason"])
        _audit(request, person, AccessLog.Action.DISMISSED_FLAG)
        messages.success(request, f"You dismissed the flag: {flag.title}")
        return redirect("web:person", public_id=person.public_id)
    # The form shows the flag's explanation: a look at the record like any other.
    _audit(request, person, AccessLog.Action.VIEWED_PAGE)
    context = _context(request, person, "summary")
    context.update(form=form, flag=flag)
    return render(request, "web/people/flag_dismiss.html", context)
