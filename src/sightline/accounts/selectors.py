"""Accounts reads: the audit trail as a child's page shows it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from sightline.accounts.models import AccessLog, BreakGlassGrant
from sightline.linkage.models import Person

ACCESS_LOG_SHOWN = 50


def access_log_recent(*, person: Person, limit: int = ACCESS_LOG_SHOWN) -> QuerySet[AccessLog]:
    """The latest entries about this child, newest first, with who made them."""
    return (
        AccessLog.objects.filter(person=person)
        .select_related("user__staff__team", "user__staff__agency")
        .order_by("-at", "-id")[:limit]
    )


def break_glass_recent(*, since: dt.datetime) -> QuerySet[BreakGlassGrant]:
    """Break-glass grants made since ``since``, newest first, with who asked and for whom."""
    return (
        BreakGlassGrant.objects.filter(granted_at__gte=since)
        .select_related("user__staff__team", "user__staff__agency", "person")
        .order_by("-granted_at", "-id")
    )


def break_glass_live(*, user: Any, public_id: str) -> BreakGlassGrant | None:
    """The user's break-glass grant for this id that runs longest, if any is still live.

    By the id as asked for, so that it answers the same whether or not a child has it.
    """
    return (
        BreakGlassGrant.objects.filter(
            user=user, public_id=public_id, expires_at__gt=timezone.now()
        )
        .order_by("-expires_at")
        .first()
    )


def access_log_filtered(
    *,
    person: Person,
    start: dt.date | None = None,
    end: dt.date | None = None,
    action: str | None = None,
    break_glass_only: bool = False,
) -> QuerySet[AccessLog]:
    """Who has looked at this child, newest first: in a period (local days, both included),
    of one kind of action, or only under break-glass."""
    entries = AccessLog.objects.filter(person=person)
    if start is not None:
        entries = entries.filter(at__gte=_start_of(start))
    if end is not None:
        entries = entries.filter(at__lt=_start_of(end + dt.timedelta(days=1)))
    if action:
        entries = entries.filter(action=action)
    if break_glass_only:
        entries = entries.filter(break_glass=True)
    return entries.select_related("user__staff__team", "user__staff__agency").order_by("-at", "-id")


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


ACCESS_LOG_CSV_HEADER = [
    "when",
    "name",
    "username",
    "role",
    "agency",
    "team",
    "what",
    "break_glass",
    "from",
    "path",
]


def access_log_csv_rows(entries: QuerySet[AccessLog]) -> Any:
    """The entries as CSV rows (with the header first), the same columns the page shows."""
    yield ACCESS_LOG_CSV_HEADER
    for e in entries.iterator(chunk_size=2000):
        who = access_log_who(e)
        yield [
            timezone.localtime(e.at).isoformat(),
            who["name"],
            who["username"],
            who["role"],
            who["agency"],
            who["team"],
            e.get_action_display(),
            "yes" if e.break_glass else "no",
            e.ip_address or "",
            e.path,
        ]


def access_log_who(entry: AccessLog) -> dict[str, str]:
    """Who made an entry, in words: name, username, role, agency, team."""
    user = entry.user
    if user is None:
        return {
            "name": "Sightline command line",
            "username": "",
            "role": "",
            "agency": "",
            "team": "",
        }
    staff = getattr(user, "staff", None)
    return {
        "name": user.get_full_name() or user.get_username(),
        "username": user.get_username(),
        "role": staff.get_role_display() if staff is not None else "",
        "agency": staff.agency.name if staff is not None and staff.agency else "",
        "team": staff.team.name if staff is not None and staff.team else "",
    }
