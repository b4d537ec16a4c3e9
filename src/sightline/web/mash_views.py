"""The front door and the MASH: reporting a concern, the worklist, triage, what is due.

Thin views: a form parses, one service or selector acts, a template renders.
Who may see the MASH's pages is decided in ``accounts/access_casework.py``; a
page refused answers 403, an item not found (or not the viewer's to see) 404.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from sightline.accounts.access_casework import (
    case_step_get_for_user,
    contact_get_for_user,
    flag_get_for_triage,
    may_make_referral,
    may_work_in_mash,
)
from sightline.accounts.models import AccessLog
from sightline.casework import selectors, timescales
from sightline.casework.models import Contact, TriageDecision
from sightline.casework.services import (
    CaseworkError,
    case_step_complete,
    contact_create,
    triage_decide,
)
from sightline.casework.timescales import (
    is_overdue,
    local_day,
    working_day_deadline,
)
from sightline.indicators.models import Flag
from sightline.web.client import client_ip
from sightline.web.mash_forms import ConcernForm, GovukForm, ReferralForm, TriageForm
from sightline.web.people_views import _audit
from sightline.web.throttle import concern_allowance, concern_counted

WORKLIST_PAGE_SIZE = 50
STEPS_SHOWN = 200
HISTORY_SHOWN = 20
SENT = "concern_sent"


def _form_error(form: GovukForm, error: CaseworkError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _receive(
    request: HttpRequest,
    *,
    form: GovukForm,
    template: str,
    create: Callable[[], Contact],
    sent_to: str,
) -> HttpResponse:
    """A concern form: on a valid POST make the contact and go to its confirmation."""
    if request.method == "POST" and form.is_valid():
        try:
            contact = create()
        except CaseworkError as error:
            _form_error(form, error)
        else:
            # The confirmation page reads the reference from the session, so a
            # refresh or a shared link shows nothing of anyone else's report.
            request.session[SENT] = {
                "reference": contact.reference,
                "danger": contact.immediate_danger,
            }
            return redirect(sent_to)
    return render(request, template, {"form": form})


def _show_sent(request: HttpRequest, *, form_url: str, referral: bool) -> HttpResponse:
    sent = request.session.get(SENT)
    if not sent:
        return redirect(form_url)
    return render(request, "web/concern/sent.html", {"sent": sent, "referral": referral})


@login_not_required
def report_concern(request: HttpRequest) -> HttpResponse:
    form = ConcernForm(request.POST or None)
    address = client_ip(request)
    if request.method == "POST":
        allowance = concern_allowance(address)
        if not allowance.allowed:
            # Nothing is sent, and the page says so: the answers stay in the form,
            # so nothing typed is lost, with when to try again and what to do now.
            return render(
                request,
                "web/concern/report.html",
                {"form": form, "paused_until": allowance.resets_at},
                status=429,
            )
    response = _receive(
        request,
        form=form,
        template="web/concern/report.html",
        create=lambda: contact_create(
            details=form.details(), source=form.cleaned_data["reporter_type"]
        ),
        sent_to="web:concern-sent",
    )
    if request.method == "POST" and response.status_code == 302:
        concern_counted(address)
    return response


@login_not_required
def concern_sent(request: HttpRequest) -> HttpResponse:
    return _show_sent(request, form_url="web:report-concern", referral=False)


def referral_new(request: HttpRequest) -> HttpResponse:
    if not may_make_referral(request.user):
        raise PermissionDenied
    form = ReferralForm(request.POST or None)
    return _receive(
        request,
        form=form,
        template="web/concern/referral.html",
        create=lambda: contact_create(
            details=form.details(user=request.user),
            source=Contact.Source.AGENCY,
            submitted_by=request.user,
        ),
        sent_to="web:referral-sent",
    )


def referral_sent(request: HttpRequest) -> HttpResponse:
    if not may_make_referral(request.user):
        raise PermissionDenied
    return _show_sent(request, form_url="web:referral-new", referral=True)


def _mash_only(request: HttpRequest) -> None:
    if not may_work_in_mash(request.user):
        raise PermissionDenied


def mash_worklist(request: HttpRequest) -> HttpResponse:
    _mash_only(request)
    at = timescales.now()
    page = Paginator(selectors.mash_queue(), WORKLIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/mash/worklist.html",
        {
            "page": page,
            "items": selectors.work_items(list(page.object_list), at=at),
            "counts": selectors.mash_queue_counts(at=at),
            "steps": selectors.case_steps_open_counts(today=local_day(at)),
            "today": local_day(at),
        },
    )


def _triage(
    request: HttpRequest,
    *,
    template: str,
    context: dict[str, Any],
    received_at: dt.datetime,
    decision: TriageDecision | None,
    open_for_decision: bool,
    decide: Callable[[str, str], TriageDecision],
) -> HttpResponse:
    """The triage page of a contact or a flag: the item, its clock, and the decision."""
    form = TriageForm(request.POST or None)
    if request.method == "POST" and open_for_decision and form.is_valid():
        try:
            decide(form.cleaned_data["outcome"], form.cleaned_data["reason"])
        except CaseworkError as error:
            _form_error(form, error)
        else:
            return HttpResponseRedirect(request.path)
    at = timescales.now()
    due_on = working_day_deadline(received_at)
    return render(
        request,
        template,
        {
            **context,
            "form": form,
            "open_for_decision": open_for_decision,
            "received_at": received_at,
            "due_on": due_on,
            "overdue": is_overdue(due_on, at=at),
            "decision": decision,
            "steps": selectors.case_steps_due(
                today=local_day(at), steps=list(selectors.decision_steps(decision=decision))
            )
            if decision
            else [],
        },
    )


def mash_contact(request: HttpRequest, contact_id: int) -> HttpResponse:
    _mash_only(request)
    contact = contact_get_for_user(user=request.user, contact_id=contact_id)
    if contact is None:
        raise Http404("No such contact")
    if contact.person is not None:
        _audit(request, contact.person, AccessLog.Action.VIEWED_TRIAGE)
    decision = getattr(contact, "triage", None)
    return _triage(
        request,
        template="web/mash/contact.html",
        context={
            "contact": contact,
            "history": selectors.contacts_about(person=contact.person, leaving_out=contact)[
                :HISTORY_SHOWN
            ]
            if contact.person
            else [],
        },
        received_at=contact.received_at,
        decision=decision,
        open_for_decision=decision is None,
        decide=lambda outcome, reason: triage_decide(
            outcome=outcome, reason=reason, by=request.user, contact=contact
        ),
    )


def mash_flag(request: HttpRequest, flag_id: int) -> HttpResponse:
    _mash_only(request)
    flag = flag_get_for_triage(user=request.user, flag_id=flag_id)
    if flag is None:
        raise Http404("No such flag")
    _audit(request, flag.person, AccessLog.Action.VIEWED_TRIAGE)
    is_new = flag.status == Flag.Status.NEW
    return _triage(
        request,
        template="web/mash/flag.html",
        context={
            "flag": flag,
            "evidence": list(flag.evidence.order_by("occurred_on", "agency_code", "record_id")),
            "history": selectors.contacts_about(person=flag.person)[:HISTORY_SHOWN],
        },
        received_at=flag.waiting_since,
        # A flag raised again after a decision is decided afresh; an older
        # decision stays in the flag's history, not on this page.
        decision=None if is_new else selectors.flag_decisions(flag=flag).first(),
        open_for_decision=is_new,
        decide=lambda outcome, reason: triage_decide(
            outcome=outcome, reason=reason, by=request.user, flag=flag
        ),
    )


def mash_steps(request: HttpRequest) -> HttpResponse:
    _mash_only(request)
    today = local_day(timescales.now())
    steps = list(selectors.case_steps_open()[:STEPS_SHOWN])
    return render(
        request,
        "web/mash/steps.html",
        {
            "steps": selectors.case_steps_due(today=today, steps=steps),
            "counts": selectors.case_steps_open_counts(today=today),
            "shown": STEPS_SHOWN,
            "today": today,
        },
    )


@require_POST
def mash_step_done(request: HttpRequest, step_id: int) -> HttpResponse:
    _mash_only(request)
    step = case_step_get_for_user(user=request.user, step_id=step_id)
    if step is None:
        raise Http404("No such step")
    # Already recorded (a second click, or a colleague first): the list shows it.
    with contextlib.suppress(CaseworkError):
        case_step_complete(step=step, completed_on=local_day(timescales.now()), by=request.user)
    return redirect(reverse("web:mash-steps"))
