"""Reads for plans: a child's plans, and what stepping a plan down must look at first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from sightline.casework.models import Plan, PlanAction, PlanOutcome, ServiceReferral
from sightline.indicators.models import LIVE, Flag
from sightline.linkage.models import Person


def plans_of(*, person: Person) -> QuerySet[Plan]:
    """A child's plans, newest first, with outcomes, actions and meetings (4 queries)."""
    return (
        Plan.objects.filter(person=person)
        .select_related("lead", "ended_by")
        .prefetch_related(
            Prefetch(
                "outcomes",
                queryset=PlanOutcome.objects.prefetch_related("actions"),
            ),
            "meetings",
        )
    )


def plan_get(*, person: Person, plan_id: int) -> Plan | None:
    """One of this child's plans: another child's plan id gives None."""
    return plans_of(person=person).filter(pk=plan_id).first()


def referrals_of(*, person: Person) -> QuerySet[ServiceReferral]:
    return ServiceReferral.objects.filter(person=person).select_related("referred_by", "plan")


@dataclass(frozen=True)
class StepDownChecks:
    """What must be looked at before a plan ends: the reviews' step-down finding, as a list."""

    open_flags: list[Flag]
    outstanding_actions: list[PlanAction]
    overdue_actions: list[PlanAction]

    @property
    def anything(self) -> bool:
        return bool(self.open_flags or self.outstanding_actions)


def step_down_checks(*, plan: Plan, today: dt.date) -> StepDownChecks:
    """The child's flags not dismissed and still met, and the plan's actions not done."""
    flags = list(
        Flag.objects.filter(scenario=LIVE, person_id=plan.person_id, met=True)
        .exclude(status=Flag.Status.DISMISSED)
        .order_by("-level", "first_triggered_on")
    )
    actions = list(
        PlanAction.objects.filter(outcome__plan=plan, done_on__isnull=True).order_by("due_on")
    )
    return StepDownChecks(
        open_flags=flags,
        outstanding_actions=actions,
        overdue_actions=[a for a in actions if a.due_on < today],
    )


def referral_get(*, person: Person, referral_id: int) -> ServiceReferral | None:
    """One of this child's referrals: another child's referral id gives None."""
    return referrals_of(person=person).filter(pk=referral_id).first()
