"""Writes for plans and referrals: start, act, meet, end; refer and record the outcome.

Ending a plan (stepping it down above all) first asks for the child's open
flags and the plan's outstanding actions to be looked at: the person ending it
must say, on record, what they made of them. One of the reviews behind
Sightline found a plan stepped down days before the harm.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from sightline.casework.models import (
    Plan,
    PlanAction,
    PlanMeeting,
    PlanOutcome,
    ServiceReferral,
)
from sightline.casework.plans.selectors import step_down_checks
from sightline.linkage.models import Person


class PlanError(ValueError):
    """The plan cannot take this; ``field`` names what to correct."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _required(field: str, value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise PlanError(field, message)
    return value


def plan_start(
    *,
    person: Person,
    kind: str,
    started_on: dt.date,
    lead: Any,
    outcomes: Sequence[str],
    category: str = "",
) -> Plan:
    """Start a plan with the outcomes it is for; one open plan of a kind a child."""
    if kind not in Plan.Kind.values:
        raise PlanError("kind", "Select the kind of plan")
    wanted = [o.strip() for o in outcomes if o.strip()]
    if not wanted:
        raise PlanError("outcomes", "Enter at least one outcome the plan is for")
    with transaction.atomic():
        if Plan.objects.filter(person=person, kind=kind, ended_on__isnull=True).exists():
            raise PlanError(
                "kind", f"This child already has an open {Plan.Kind(kind).label.lower()}"
            )
        plan = Plan.objects.create(
            person=person, kind=kind, category=category, started_on=started_on, lead=lead
        )
        PlanOutcome.objects.bulk_create([PlanOutcome(plan=plan, description=o) for o in wanted])
    return plan


def plan_action_add(
    *, outcome: PlanOutcome, description: str, owner: str, due_on: dt.date
) -> PlanAction:
    if outcome.plan.ended_on is not None:
        raise PlanError("outcome", "This plan has ended: actions cannot be added to it")
    return PlanAction.objects.create(
        outcome=outcome,
        description=_required("description", description, "Enter what will be done"),
        owner=_required("owner", owner, "Enter who will do it"),
        due_on=due_on,
    )


def plan_action_done(*, action: PlanAction, done_on: dt.date) -> PlanAction:
    action.done_on = done_on
    action.save(update_fields=["done_on"])
    return action


def plan_meeting_record(
    *, plan: Plan, kind: str, held_on: dt.date, attended_by: str = "", notes: str = ""
) -> PlanMeeting:
    if kind not in PlanMeeting.Kind.values:
        raise PlanError("kind", "Select review or core group")
    if held_on < plan.started_on:
        raise PlanError("held_on", "The meeting date must be on or after the plan started")
    return PlanMeeting.objects.create(
        plan=plan, kind=kind, held_on=held_on, attended_by=attended_by, notes=notes
    )


def plan_end(
    *,
    plan: Plan,
    ending: str,
    ended_on: dt.date,
    reason: str,
    review_note: str,
    by: Any,
) -> Plan:
    """End a plan. With open flags or outstanding actions, ``review_note`` must answer them."""
    if ending not in Plan.Ending.values:
        raise PlanError("ending", "Select how the plan ends")
    reason = _required("reason", reason, "Enter why the plan is ending")
    with transaction.atomic():
        locked = Plan.objects.select_for_update().get(pk=plan.pk)
        if locked.ended_on is not None:
            raise PlanError("ending", "This plan has already ended")
        if ended_on < locked.started_on:
            raise PlanError("ended_on", "The end date must be on or after the plan started")
        checks = step_down_checks(plan=locked, today=ended_on)
        if checks.anything and not review_note.strip():
            raise PlanError(
                "review_note",
                f"Say what you made of the {len(checks.open_flags)} open flags and "
                f"{len(checks.outstanding_actions)} outstanding actions before ending the plan",
            )
        locked.ended_on = ended_on
        locked.ending = ending
        locked.ending_reason = reason
        locked.ending_review_note = review_note.strip()
        locked.ended_by = by
        locked.save(
            update_fields=["ended_on", "ending", "ending_reason", "ending_review_note", "ended_by"]
        )
    return locked


def service_referral_create(
    *,
    person: Person,
    service: str,
    referred_on: dt.date,
    reason: str,
    by: Any,
    plan: Plan | None = None,
) -> ServiceReferral:
    if service not in ServiceReferral.Service.values:
        raise PlanError("service", "Select the service")
    return ServiceReferral.objects.create(
        person=person,
        plan=plan,
        service=service,
        referred_on=referred_on,
        referred_by=by,
        reason=_required("reason", reason, "Enter why the family is being referred"),
    )


def service_referral_outcome(
    *, referral: ServiceReferral, outcome: str, on: dt.date, note: str = ""
) -> ServiceReferral:
    if outcome not in ServiceReferral.Outcome.values or outcome == ServiceReferral.Outcome.WAITING:
        raise PlanError("outcome", "Select what came of the referral")
    if on < referral.referred_on:
        raise PlanError("outcome_on", "The outcome date must be on or after the referral")
    referral.outcome = outcome
    referral.outcome_on = on
    referral.outcome_note = note.strip()
    referral.save(update_fields=["outcome", "outcome_on", "outcome_note"])
    return referral
