"""Break-glass access, the list of grants for managers, and subject access downloads.

Thin views: the access functions decide, the break-glass service and the
subject access document do the work. A role that may not break glass is
refused before the id it asked about is looked at, and an id that belongs to
no child is answered exactly as one the user may not see.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from sightline.accounts import access
from sightline.accounts.break_glass import (
    BreakGlassInvalid,
    break_glass_clean_id,
    break_glass_hours,
    break_glass_request,
)
from sightline.accounts.selectors import break_glass_live, break_glass_recent
from sightline.accounts.subject_access import subject_access_export
from sightline.linkage.selectors import person_get
from sightline.web.audit_forms import BreakGlassForm, SubjectAccessForm

GRANTS_SHOWN_DAYS = 30
PAGE_SIZE = 50


def _may_break_glass(request: HttpRequest) -> None:
    if not access.break_glass_may_request(user=request.user):
        raise PermissionDenied("Your role does not allow break-glass access")


@require_http_methods(["GET", "POST"])
def break_glass_view(request: HttpRequest) -> HttpResponse:
    _may_break_glass(request)
    form = BreakGlassForm(request.POST or None, initial={"person": request.GET.get("person", "")})
    if request.method == "POST" and form.is_valid():
        public_id = form.cleaned_data["person"]
        # Someone who may open the child already needs no grant: telling them so
        # reveals nothing they could not see by opening it.
        person = access.person_get_for_user(user=request.user, public_id=public_id)
        if person is not None and not access.person_viewed_under_break_glass(
            user=request.user, person=person
        ):
            return redirect("web:person", public_id=public_id)
        try:
            break_glass_request(
                user=request.user,
                public_id=public_id,
                reason=form.cleaned_data["reason"],
                path=request.get_full_path(),
                ip_address=request.META.get("REMOTE_ADDR"),
            )
        except BreakGlassInvalid as problem:
            form.add_error(problem.field, problem.message)
        else:
            url = reverse("web:break-glass-granted") + "?" + urlencode({"person": public_id})
            return redirect(url)
    return render(
        request, "web/audit/break_glass.html", {"form": form, "hours": break_glass_hours()}
    )


def break_glass_granted(request: HttpRequest) -> HttpResponse:
    """The same page for every id asked about: the grant, as the requester's own record shows it."""
    _may_break_glass(request)
    try:
        public_id = break_glass_clean_id(request.GET.get("person", ""))
    except BreakGlassInvalid:
        return redirect("web:break-glass")
    grant = break_glass_live(user=request.user, public_id=public_id)
    if grant is None:
        return redirect(reverse("web:break-glass") + "?" + urlencode({"person": public_id}))
    return render(request, "web/audit/break_glass_granted.html", {"grant": grant})


def break_glass_grants_page(request: HttpRequest) -> HttpResponse:
    if not access.break_glass_grants_may_view(user=request.user):
        raise PermissionDenied("Only team managers and the MASH see break-glass grants")
    since = timezone.now() - dt.timedelta(days=GRANTS_SHOWN_DAYS)
    page = Paginator(break_glass_recent(since=since), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/audit/break_glass_grants.html",
        {"page": page, "days": GRANTS_SHOWN_DAYS, "now": timezone.now()},
    )


def subject_access_page(request: HttpRequest) -> HttpResponse:
    if not access.subject_access_may_export(user=request.user):
        raise PermissionDenied("Only administrators export subject access requests")
    form = SubjectAccessForm(request.GET or None)
    if request.GET and form.is_valid():
        person = person_get(public_id=form.cleaned_data["person"])
        if person is None:
            form.add_error("person", "No person has this Sightline id: check it and try again")
        else:
            body = subject_access_export(
                person=person,
                user=request.user,
                path=request.get_full_path(),
                ip_address=request.META.get("REMOTE_ADDR"),
            )
            response = HttpResponse(body, content_type="application/json")
            response["Content-Disposition"] = (
                f'attachment; filename="subject-access-{person.public_id}.json"'
            )
            return response
    return render(request, "web/audit/subject_access.html", {"form": form})
