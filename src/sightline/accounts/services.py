"""Accounts writes: the audit trail of who looked at which child's record, and account events."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from sightline.accounts.audit import chain_head, chain_lock, entry_hash
from sightline.accounts.models import AccessLog, AccountEvent
from sightline.linkage.models import Person


@transaction.atomic
def access_log_record(
    *, user: Any, person: Person, action: str, path: str, ip_address: str | None
) -> AccessLog:
    """Write down that ``user`` did ``action`` on ``person``'s record, at ``path``, now.

    ``user`` None is Sightline's own command line. A look that only a live
    break-glass grant allowed is marked so, here rather than by each page, so
    that no page can forget to.
    """
    if action not in AccessLog.Action.values:
        raise ValueError(f"action: {action!r} is not an action the access log knows")
    # Imported here: the access rules read casework's allocations, which import accounts.
    from sightline.accounts.access import person_viewed_under_break_glass

    break_glass = user is not None and person_viewed_under_break_glass(user=user, person=person)
    chain_lock()
    entry = AccessLog(
        user=user,
        person=person,
        action=action,
        # Paths are kept whole but bounded: a hostile query string cannot bloat the log.
        path=path[:2000],
        ip_address=ip_address or None,
        at=timezone.now(),
        break_glass=break_glass,
        prev_hash=chain_head(),
    )
    entry.entry_hash = entry_hash(entry.prev_hash, entry)
    entry.save()
    return entry


@transaction.atomic
def password_change(*, user: Any, password: str, ip_address: str | None) -> None:
    """Give ``user`` a new password (already checked by the password rules) and note it."""
    user.set_password(password)
    user.save(update_fields=["password"])
    account_event_record(
        user=user,
        action=AccountEvent.Action.PASSWORD_CHANGED,
        by=user.get_username(),
        ip_address=ip_address,
    )


def account_event_record(
    *, user: Any, action: str, by: str, reason: str = "", ip_address: str | None = None
) -> AccountEvent:
    """Write down a change to how ``user`` signs in."""
    if action not in AccountEvent.Action.values:
        raise ValueError(f"action: {action!r} is not an account event")
    return AccountEvent.objects.create(
        user=user,
        action=action,
        by=by[:300],
        reason=reason,
        ip_address=ip_address or None,
        at=timezone.now(),
    )
