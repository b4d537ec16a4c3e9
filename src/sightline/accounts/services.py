"""Accounts writes: the audit trail of who looked at which child's record, and account events."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from sightline.accounts.audit import chain_head, chain_lock, entry_hash
from sightline.accounts.models import AccessLog, AccountEvent
from sightline.linkage.models import Person


def _chained(
    *,
    user: Any,
    person: Person,
    action: str,
    path: str,
    ip_address: str | None,
    at: Any,
    prev_hash: str,
) -> AccessLog:
    """An unsaved entry that follows ``prev_hash`` in the chain; the caller holds the chain."""
    if action not in AccessLog.Action.values:
        raise ValueError(f"action: {action!r} is not an action the access log knows")
    # Imported here: the access rules read casework's allocations, which import accounts.
    from sightline.accounts.access import person_viewed_under_break_glass

    entry = AccessLog(
        user=user,
        person=person,
        action=action,
        # Paths are kept whole but bounded: a hostile query string cannot bloat the log.
        path=path[:2000],
        ip_address=ip_address or None,
        at=at,
        break_glass=user is not None and person_viewed_under_break_glass(user=user, person=person),
        prev_hash=prev_hash,
    )
    entry.entry_hash = entry_hash(prev_hash, entry)
    return entry


@transaction.atomic
def access_log_record(
    *, user: Any, person: Person, action: str, path: str, ip_address: str | None
) -> AccessLog:
    """Write down that ``user`` did ``action`` on ``person``'s record, at ``path``, now.

    ``user`` None is Sightline's own command line. A look that only a live
    break-glass grant allowed is marked so, here rather than by each page, so
    that no page can forget to.
    """
    chain_lock()
    entry = _chained(
        user=user,
        person=person,
        action=action,
        path=path,
        ip_address=ip_address,
        at=timezone.now(),
        prev_hash=chain_head(),
    )
    entry.save()
    return entry


@transaction.atomic
def access_log_record_many(
    *, user: Any, persons: Iterable[Person], action: str, path: str, ip_address: str | None
) -> int:
    """Write down that ``user`` did ``action`` on each of ``persons``' records, at once.

    For an export that names many children (the CIN census return): one entry a
    child, as :func:`access_log_record` writes, all at the same moment, chained
    in the order given under one hold of the chain and inserted together, so
    that a return of thousands of children is not thousands of round trips.
    Entries are chained in id order, and a single insert numbers its rows in
    the order given. Returns how many entries were written.
    """
    chain_lock()
    at, prev_hash = timezone.now(), chain_head()
    entries: list[AccessLog] = []
    for person in persons:
        entry = _chained(
            user=user,
            person=person,
            action=action,
            path=path,
            ip_address=ip_address,
            at=at,
            prev_hash=prev_hash,
        )
        prev_hash = entry.entry_hash
        entries.append(entry)
    AccessLog.objects.bulk_create(entries, batch_size=1000)
    return len(entries)


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
