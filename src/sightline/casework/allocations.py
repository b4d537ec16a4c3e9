"""Who holds each child's case: allocating a child to a worker, and a worker's caseload.

An allocation is ended, never deleted or edited: who held the case when is
part of the record a review will read. Changing the worker ends the current
allocation on the day and starts the new one on the same day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q, QuerySet

from sightline.accounts.models import Role, Team
from sightline.casework.models import Allocation
from sightline.indicators.models import LIVE, Flag
from sightline.linkage.models import Person

# Who can hold a case: the people a child may be allocated to.
HOLDER_ROLES = (Role.SOCIAL_WORKER, Role.TEAM_MANAGER)


class AllocationError(ValueError):
    """The allocation cannot be made; ``field`` names what to correct."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _current(on: dt.date) -> Q:
    return Q(started_on__lte=on) & (Q(ended_on__isnull=True) | Q(ended_on__gt=on))


def allocation_current(*, person: Person, on: dt.date) -> Allocation | None:
    return (
        Allocation.objects.filter(_current(on), person=person)
        .select_related("worker", "team")
        .order_by("-started_on", "-id")
        .first()
    )


def allocation_history(*, person: Person) -> QuerySet[Allocation]:
    return Allocation.objects.filter(person=person).select_related("worker", "team", "allocated_by")


def workers_allocatable_by(*, user: Any) -> QuerySet[Any]:
    """The staff this user may allocate a child to.

    The MASH allocates to anyone who can hold a case, in any team (its decision
    sends a child into a team); a team manager, to the members of their teams.
    """
    staff = getattr(user, "staff", None)
    holders = get_user_model().objects.filter(
        is_active=True, staff__role__in=HOLDER_ROLES, staff__team__isnull=False
    )
    if staff is None:
        return holders.none()
    if staff.role == Role.MASH:
        return holders.select_related("staff__team").order_by("staff__team__name", "last_name")
    if staff.role == Role.TEAM_MANAGER:
        teams = Q(staff__team__manager=user)
        if staff.team_id is not None:
            teams |= Q(staff__team_id=staff.team_id)
        return holders.filter(teams).select_related("staff__team").order_by("last_name")
    return holders.none()


def allocation_change(
    *, person: Person, worker: Any, by: Any, on: dt.date, reason: str
) -> Allocation:
    """Allocate the child to ``worker`` (in the worker's team) from ``on``, ending any other."""
    if not workers_allocatable_by(user=by).filter(pk=worker.pk).exists():
        raise AllocationError("worker", "Select a worker you may allocate children to")
    team: Team = worker.staff.team
    with transaction.atomic():
        current = (
            Allocation.objects.select_for_update()
            .filter(_current(on), person=person)
            .order_by("-started_on", "-id")
            .first()
        )
        if current is not None and current.worker_id == worker.pk:
            raise AllocationError("worker", "The child is already allocated to this worker")
        if current is not None:
            if on < current.started_on:
                raise AllocationError("on", "The date must be on or after the current allocation")
            current.ended_on = on
            current.save(update_fields=["ended_on"])
        return Allocation.objects.create(
            person=person,
            worker=worker,
            team=team,
            started_on=on,
            allocated_by=by,
            reason=reason.strip(),
        )


@dataclass(frozen=True)
class Case:
    """One child on a caseload: whose, since when, and what is open."""

    allocation: Allocation
    open_flags: int
    suspect_flags: int


def caseload_of(*, user: Any, on: dt.date, team: bool = False) -> list[Case]:
    """The children allocated to the user (with ``team``, to their team or teams they manage)."""
    mine = Q(worker=user)
    if team:
        staff = getattr(user, "staff", None)
        mine |= Q(team__manager=user)
        if staff is not None and staff.team_id is not None:
            mine |= Q(team_id=staff.team_id)
    allocations = list(
        Allocation.objects.filter(_current(on), mine)
        .select_related("person", "worker", "team")
        .order_by("started_on", "id")
    )
    counts = {
        row["person_id"]: row
        for row in Flag.objects.filter(
            scenario=LIVE, met=True, person_id__in=[a.person_id for a in allocations]
        )
        .exclude(status=Flag.Status.DISMISSED)
        .values("person_id")
        .annotate(open=Count("id"), suspect=Count("id", filter=Q(level="suspect")))
    }
    return [
        Case(
            allocation=a,
            open_flags=counts.get(a.person_id, {}).get("open", 0),
            suspect_flags=counts.get(a.person_id, {}).get("suspect", 0),
        )
        for a in allocations
    ]
