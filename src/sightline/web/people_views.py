"""Finding a person and the child's pages: thin views over the access functions and selectors.

Every view about a child starts with :func:`_child`, which asks
:func:`~sightline.accounts.access.person_get_for_user` and answers 404 both for an
id that does not exist and for a child the user has no reason to see, so a
refused id cannot be told from a wrong one. Every look is written to the access
log before the page is rendered.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from sightline.accounts import access
from sightline.accounts.models import AccessLog
from sightline.accounts.selectors import access_log_recent
from sightline.accounts.services import access_log_record
from sightline.accounts.viewer import viewer_for
from sightline.indicators.models import Flag
from sightline.indicators.services import flag_acknowledge, flag_dismiss
from sightline.linkage.models import Person
from sightline.web import child_selectors as cs
from sightline.web.forms import (
    ChronologyFilterForm,
    FlagAcknowledgeForm,
    FlagDismissForm,
    PersonSearchForm,
)
from sightline.web.person_search import Query, person_search

# What "who has looked" shows on the child's own page; the access log page shows more.
RECENT_LOOKS = 5


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
    """What every page about the child shows: its header and which tab is open."""
    return {
        "header": cs.child_header(person=person),
        "tab": tab,
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


def child_access_log_page(request: HttpRequest, public_id: str) -> HttpResponse:
    person = _child(request, public_id)
    if not access.access_log_may_view(user=request.user, person=person):
        raise PermissionDenied("Only team managers and the MASH see who has looked")
    _audit(request, person, AccessLog.Action.VIEWED_ACCESS_LOG)
    context = _context(request, person, "access-log")
    context["looks"] = list(access_log_recent(person=person))
    return render(request, "web/people/access_log.html", context)


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
