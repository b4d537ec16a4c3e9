"""Break-glass: emergency access to one child, with a written reason, for a few hours.

A social worker, team manager or partner practitioner who may not open a child
asks with a reason; the grant lets them open that child until it runs out
(``SIGHTLINE_BREAK_GLASS_HOURS``), every look under it is marked break-glass in
the access log, and the managers are told at once
(:func:`sightline.casework.notifications.break_glass_notify`).

An id that belongs to no child is answered exactly as one that does: the same
checks, a grant recorded with the id as asked for, the same report to
managers, the same reply. Someone who may not see a child therefore learns
nothing from asking that they could not learn from the 404 page, and every
probe costs a reason on record that their manager reads.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sightline.accounts import access
from sightline.accounts.models import AccessLog, BreakGlassGrant
from sightline.accounts.services import access_log_record
from sightline.linkage.selectors import person_get

# Long enough to say what the emergency is ("police called out of hours,
# child found alone"), short enough not to be a burden in one.
REASON_MIN_LENGTH = 20
_PUBLIC_ID = re.compile(r"P-[0-9A-Z]{10}")


class BreakGlassRefused(Exception):
    """The user's role may not break glass: nothing about the id was looked at."""


class BreakGlassInvalid(ValueError):
    """A field of the request is wrong; ``field`` names it, the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def break_glass_hours() -> int:
    return int(settings.SIGHTLINE_BREAK_GLASS_HOURS)


def break_glass_clean_reason(reason: str) -> str:
    """The reason, trimmed; refused when empty or too short to say what the emergency is."""
    text = reason.strip()
    if not text:
        raise BreakGlassInvalid("reason", "Enter why you need this child's record now")
    if len(text) < REASON_MIN_LENGTH:
        raise BreakGlassInvalid(
            "reason",
            f"The reason must be at least {REASON_MIN_LENGTH} characters: "
            "say what the emergency is",
        )
    return text


def break_glass_clean_id(public_id: str) -> str:
    """The Sightline id as asked for, upper-cased; refused unless it has the form of one."""
    text = public_id.strip().upper()
    if not _PUBLIC_ID.fullmatch(text):
        raise BreakGlassInvalid(
            "person", "Enter the child's Sightline id, in the form P- and 10 letters or digits"
        )
    return text


def break_glass_request(
    *,
    user: Any,
    public_id: str,
    reason: str,
    path: str,
    ip_address: str | None,
    now: dt.datetime | None = None,
) -> BreakGlassGrant:
    """Grant ``user`` emergency access to the child with ``public_id``, and tell the managers.

    Raises :class:`BreakGlassRefused` for a role that may not break glass (before
    the id is looked up) and :class:`BreakGlassInvalid` for a bad id or reason.
    """
    if not access.break_glass_may_request(user=user):
        raise BreakGlassRefused("your role does not allow break-glass access")
    clean_id = break_glass_clean_id(public_id)
    clean_reason = break_glass_clean_reason(reason)
    # Imported here: casework's notifications read accounts' models.
    from sightline.casework.notifications import break_glass_notify

    now = now or timezone.now()
    with transaction.atomic():
        grant = BreakGlassGrant(
            user=user,
            public_id=clean_id,
            person=person_get(public_id=clean_id),
            reason=clean_reason,
            granted_at=now,
            expires_at=now + dt.timedelta(hours=break_glass_hours()),
            ip_address=ip_address or None,
        )
        grant.save()
        if grant.person is not None:
            access_log_record(
                user=user,
                person=grant.person,
                action=AccessLog.Action.BROKE_GLASS,
                path=path,
                ip_address=ip_address,
            )
        break_glass_notify(grant=grant)
    return grant
