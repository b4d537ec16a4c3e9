"""A worker's caseload, and allocating a child to a worker.

Thin views: the caseload selector reads only the user's own (or their team's)
allocations, and allocation goes through
:func:`sightline.accounts.access.allocation_may_change` and
:func:`sightline.casework.allocations.allocation_change`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from sightline.accounts import access
from sightline.accounts.models import AccessLog, Role
from sightline.casework.allocations import (
    AllocationError,
    allocation_change,
    allocation_history,
    caseload_of,
    workers_allocatable_by,
)
from sightline.web.child_selectors import person_identities
from sightline.web.mash_forms import GovukForm
from sightline.web.people_views import _audit, _child, _context


def caseload_page(request: HttpRequest) -> HttpResponse:
    staff = access.staff_of(request.user)
    if staff is None or staff.role not in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER):
        raise PermissionDenied("Caseloads are for social workers and team managers")
    today = timezone.localdate()
    team = staff.role == Role.TEAM_MANAGER or request.GET.get("team") == "1"
    cases = caseload_of(user=request.user, on=today, team=team)
    names = person_identities(person_ids=[c.allocation.person_id for c in cases])
    rows = [(c, names[c.allocation.person_id]) for c in cases]
    return render(
        request,
        "web/caseload.html",
        {"rows": rows, "team": team, "is_manager": staff.role == Role.TEAM_MANAGER},
    )


class AllocationForm(GovukForm):
    radio_fields = ("worker",)

    worker = forms.ChoiceField(
        label="Allocate to",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select who will hold the case",
            "invalid_choice": "Select who will hold the case",
        },
    )
    reason = forms.CharField(
        label="Why (optional)",
        required=False,
        max_length=1000,
        error_messages={"max_length": "Why must be 1,000 characters or fewer"},
    )

    def __init__(self, *args: Any, workers: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workers = {str(w.pk): w for w in workers}
        field = self.fields["worker"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (str(w.pk), f"{w.get_full_name() or w.get_username()}, {w.staff.team.name}")
            for w in workers
        ]


@require_http_methods(["GET", "POST"])
def allocation_page(request: HttpRequest, public_id: str) -> HttpResponse:
    person = _child(request, public_id)
    if not access.allocation_may_change(user=request.user, person=person):
        raise PermissionDenied("Only the MASH and team managers allocate children")
    workers = list(workers_allocatable_by(user=request.user))
    form = AllocationForm(request.POST or None, workers=workers)
    if request.method == "POST" and form.is_valid():
        try:
            allocation_change(
                person=person,
                worker=form.workers[form.cleaned_data["worker"]],
                by=request.user,
                on=timezone.localdate(),
                reason=form.cleaned_data["reason"],
            )
        except AllocationError as exc:
            form.add_error("worker" if exc.field == "worker" else None, str(exc))
        else:
            _audit(request, person, AccessLog.Action.CHANGED_ALLOCATION)
            messages.success(
                request, "Allocated: they and their manager will be told of what is new"
            )
            return redirect("web:person", public_id=public_id)
    context = _context(request, person, "summary")
    context.update(form=form, history=list(allocation_history(person=person)))
    return render(
        request, "web/people/allocation.html", context, status=400 if form.errors else 200
    )
