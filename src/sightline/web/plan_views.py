"""A child's plans and referrals to specialist services: thin views over the plans services.

Anyone who may see the child sees their plans (:func:`people_views._child` 404s
everyone else). Only those who lead casework (``access.casework_may_lead``) get
the forms, and a POST from anyone else is refused with 403 before anything is
read from it. Every page shown is written to the access log, and so is every
change.

Each form posts to its own address; when it does not validate, the page it
came from is shown again with the errors, the other forms empty.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sightline.accounts import access
from sightline.accounts.models import AccessLog
from sightline.casework import timescales
from sightline.casework.models import Plan, PlanAction, PlanOutcome, ServiceReferral
from sightline.casework.plans import selectors
from sightline.casework.plans.services import (
    PlanError,
    plan_action_add,
    plan_action_done,
    plan_end,
    plan_meeting_record,
    plan_start,
    service_referral_create,
    service_referral_outcome,
)
from sightline.linkage.models import Person
from sightline.web.mash_forms import GovukForm
from sightline.web.people_views import _audit, _child, _context
from sightline.web.plan_forms import (
    ActionAddForm,
    MeetingRecordForm,
    PlanEndForm,
    PlanStartForm,
    ReferralForm,
    ReferralOutcomeForm,
    day_text,
)

T = TypeVar("T")


def _today() -> dt.date:
    return timescales.local_day(timescales.now())


def _lead(request: HttpRequest, public_id: str) -> Person:
    """The child, for someone who may lead their casework: 404 if unseen, 403 if only seen."""
    person = _child(request, public_id)
    if not access.casework_may_lead(user=request.user, person=person):
        raise PermissionDenied("Only children's social care start, change or end plans")
    return person


def _plan(person: Person, plan_id: int) -> Plan:
    plan = selectors.plan_get(person=person, plan_id=plan_id)
    if plan is None:
        raise Http404("No such plan for this child")
    return plan


def _attempt(form: GovukForm, act: Callable[[], T]) -> T | None:
    """Run a plans service; when it refuses, put its reason by the field it names."""
    try:
        return act()
    except PlanError as error:
        form.add_error(error.field if error.field in form.fields else None, str(error))
        return None


def _changed(
    request: HttpRequest, person: Person, action: str, message: str, *, plan: Plan | None = None
) -> HttpResponse:
    """Write the change to the access log, say what was done, and go back to where it shows."""
    _audit(request, person, action)
    messages.success(request, message)
    if plan is not None:
        return redirect("web:person-plan", public_id=person.public_id, plan_id=plan.pk)
    return redirect("web:person-plans", public_id=person.public_id)


# --- the child's plans and referrals ---------------------------------------------------


def _plans_page(
    request: HttpRequest,
    person: Person,
    *,
    start: PlanStartForm | None = None,
    referral: ReferralForm | None = None,
    outcome: tuple[int, ReferralOutcomeForm] | None = None,
) -> HttpResponse:
    _audit(request, person, AccessLog.Action.VIEWED_PLANS)
    may_lead = access.casework_may_lead(user=request.user, person=person)
    referrals = list(selectors.referrals_of(person=person))
    outcome_forms: dict[int, ReferralOutcomeForm] = {}
    if may_lead:
        for r in referrals:
            if r.outcome == ServiceReferral.Outcome.WAITING:
                outcome_forms[r.pk] = ReferralOutcomeForm(
                    prefix=f"referral-{r.pk}", initial={"outcome_on": day_text(_today())}
                )
        if outcome is not None:
            outcome_forms[outcome[0]] = outcome[1]
    start = start or PlanStartForm(prefix="plan", initial={"started_on": day_text(_today())})
    referral = referral or ReferralForm(prefix="refer")
    failed = next(
        (f for f in (start, referral, *outcome_forms.values()) if f.is_bound and f.errors), None
    )
    context = _context(request, person, "plans")
    context.update(
        plans=list(selectors.plans_of(person=person)),
        referrals=[(r, outcome_forms.get(r.pk)) for r in referrals],
        may_lead=may_lead,
        start_form=start,
        referral_form=referral,
        failed=failed,
    )
    return render(request, "web/people/plans.html", context)


@require_GET
def plans_page(request: HttpRequest, public_id: str) -> HttpResponse:
    return _plans_page(request, _child(request, public_id))


@require_POST
def plan_start_view(request: HttpRequest, public_id: str) -> HttpResponse:
    person = _lead(request, public_id)
    form = PlanStartForm(request.POST, prefix="plan")
    if form.is_valid():
        d = form.cleaned_data
        plan = _attempt(
            form,
            lambda: plan_start(
                person=person,
                kind=d["kind"],
                category=d["category"],
                started_on=d["started_on"],
                lead=request.user,
                outcomes=form.outcome_list(),
            ),
        )
        if plan is not None:
            message = f"You started a {plan.get_kind_display().lower()}"
            return _changed(request, person, AccessLog.Action.CHANGED_PLAN, message, plan=plan)
    return _plans_page(request, person, start=form)


@require_POST
def referral_create_view(request: HttpRequest, public_id: str) -> HttpResponse:
    person = _lead(request, public_id)
    form = ReferralForm(request.POST, prefix="refer")
    if form.is_valid():
        d = form.cleaned_data
        referral = _attempt(
            form,
            lambda: service_referral_create(
                person=person,
                service=d["service"],
                referred_on=_today(),
                reason=d["reason"],
                by=request.user,
            ),
        )
        if referral is not None:
            message = f"You referred to {referral.get_service_display()}"
            return _changed(request, person, AccessLog.Action.REFERRED_TO_SERVICE, message)
    return _plans_page(request, person, referral=form)


@require_POST
def referral_outcome_view(request: HttpRequest, public_id: str, referral_id: int) -> HttpResponse:
    person = _lead(request, public_id)
    referral = selectors.referral_get(person=person, referral_id=referral_id)
    if referral is None:
        raise Http404("No such referral for this child")
    form = ReferralOutcomeForm(request.POST, prefix=f"referral-{referral.pk}")
    if form.is_valid():
        d = form.cleaned_data
        done = _attempt(
            form,
            lambda: service_referral_outcome(
                referral=referral, outcome=d["outcome"], on=d["outcome_on"], note=d["note"]
            ),
        )
        if done is not None:
            message = f"You recorded what came of the referral to {done.get_service_display()}"
            return _changed(request, person, AccessLog.Action.REFERRED_TO_SERVICE, message)
    return _plans_page(request, person, outcome=(referral.pk, form))


# --- one plan --------------------------------------------------------------------------


def _open_actions(plan: Plan) -> list[PlanAction]:
    return [a for o in plan.outcomes.all() for a in o.actions.all() if a.done_on is None]


def _plan_page(
    request: HttpRequest,
    person: Person,
    plan: Plan,
    *,
    action: ActionAddForm | None = None,
    meeting: MeetingRecordForm | None = None,
) -> HttpResponse:
    _audit(request, person, AccessLog.Action.VIEWED_PLANS)
    outcomes: list[PlanOutcome] = list(plan.outcomes.all())
    action = action or ActionAddForm(prefix="action", outcomes=outcomes)
    meeting = meeting or MeetingRecordForm(prefix="meeting")
    context = _context(request, person, "plans")
    context.update(
        plan=plan,
        today=_today(),
        may_lead=access.casework_may_lead(user=request.user, person=person),
        action_form=action,
        meeting_form=meeting,
        failed=next((f for f in (action, meeting) if f.is_bound and f.errors), None),
        tab_title=f"{plan.get_kind_display()} from {plan.started_on:%-d %B %Y}",
    )
    return render(request, "web/people/plan.html", context)


@require_GET
def plan_page(request: HttpRequest, public_id: str, plan_id: int) -> HttpResponse:
    person = _child(request, public_id)
    return _plan_page(request, person, _plan(person, plan_id))


@require_POST
def plan_action_add_view(request: HttpRequest, public_id: str, plan_id: int) -> HttpResponse:
    person = _lead(request, public_id)
    plan = _plan(person, plan_id)
    outcomes = list(plan.outcomes.all())
    form = ActionAddForm(request.POST, prefix="action", outcomes=outcomes)
    if form.is_valid():
        d = form.cleaned_data
        outcome = next(o for o in outcomes if o.pk == d["outcome"])
        added = _attempt(
            form,
            lambda: plan_action_add(
                outcome=outcome, description=d["description"], owner=d["owner"], due_on=d["due_on"]
            ),
        )
        if added is not None:
            message = f"You added an action: {added.description}"
            return _changed(request, person, AccessLog.Action.CHANGED_PLAN, message, plan=plan)
    return _plan_page(request, person, plan, action=form)


@require_POST
def plan_action_done_view(
    request: HttpRequest, public_id: str, plan_id: int, action_id: int
) -> HttpResponse:
    person = _lead(request, public_id)
    plan = _plan(person, plan_id)
    action = next((a for a in _open_actions(plan) if a.pk == action_id), None)
    if action is None:
        raise Http404("No such outstanding action in this plan")
    plan_action_done(action=action, done_on=_today())
    message = f"You marked as done: {action.description}"
    return _changed(request, person, AccessLog.Action.CHANGED_PLAN, message, plan=plan)


@require_POST
def plan_meeting_view(request: HttpRequest, public_id: str, plan_id: int) -> HttpResponse:
    person = _lead(request, public_id)
    plan = _plan(person, plan_id)
    form = MeetingRecordForm(request.POST, prefix="meeting")
    if form.is_valid():
        d = form.cleaned_data
        meeting = _attempt(
            form,
            lambda: plan_meeting_record(
                plan=plan,
                kind=d["kind"],
                held_on=d["held_on"],
                attended_by=d["attended_by"],
                notes=d["notes"],
            ),
        )
        if meeting is not None:
            message = f"You recorded the {meeting.get_kind_display().lower()}"
            return _changed(request, person, AccessLog.Action.CHANGED_PLAN, message, plan=plan)
    return _plan_page(request, person, plan, meeting=form)


@require_http_methods(["GET", "POST"])
def plan_end_view(request: HttpRequest, public_id: str, plan_id: int) -> HttpResponse:
    """Ending a plan: what is still open is shown first, and must be answered if anything is."""
    person = _lead(request, public_id)
    plan = _plan(person, plan_id)
    if plan.ended_on is not None:
        return redirect("web:person-plan", public_id=person.public_id, plan_id=plan.pk)
    form = PlanEndForm(request.POST or None, initial={"ended_on": day_text(_today())})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ended = _attempt(
            form,
            lambda: plan_end(
                plan=plan,
                ending=d["ending"],
                ended_on=d["ended_on"],
                reason=d["reason"],
                review_note=d["review_note"],
                by=request.user,
            ),
        )
        if ended is not None:
            kind, ending = ended.get_kind_display().lower(), ended.get_ending_display().lower()
            message = f"The {kind} ended: {ending}"
            return _changed(request, person, AccessLog.Action.CHANGED_PLAN, message, plan=ended)
    # The checks show the child's flags: a look at the record like any other.
    _audit(request, person, AccessLog.Action.VIEWED_PLANS)
    context = _context(request, person, "plans")
    context.update(
        plan=plan,
        form=form,
        checks=selectors.step_down_checks(plan=plan, today=_today()),
        today=_today(),
    )
    return render(request, "web/people/plan_end.html", context)
