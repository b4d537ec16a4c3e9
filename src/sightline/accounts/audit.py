"""The access log's hash chain: written one entry at a time, verified end to end.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's
own fields, in a fixed text form. Changing any entry, or removing one, outside
Django (the model already refuses both inside it) leaves the next hash not
matching; :func:`audit_verify` reads the log in order and names the first entry
where the chain breaks. Entries are chained in the order of their ids, one
writer at a time: SQLite's immediate transactions serialise writers already,
and on PostgreSQL an advisory lock held to the end of the transaction does.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db import connection

from sightline.accounts.models import AccessLog

# An arbitrary constant naming this lock among the database's advisory locks.
_CHAIN_LOCK = 7_301_946_113


def entry_text(entry: AccessLog) -> str:
    """The fields the hash covers, in a fixed order and form.

    ``break_glass`` is covered too, added at the end only when set: entries
    written before the field existed (all of them not break-glass) keep the
    text, and so the hash, they were chained with, and an entry whose mark was
    added or removed outside Sightline no longer matches its hash.
    """
    fields = [
        "" if entry.user_id is None else str(entry.user_id),
        str(entry.person_id),
        entry.action,
        entry.path,
        entry.ip_address or "",
        entry.at.isoformat(),
    ]
    if entry.break_glass:
        fields.append("break-glass")
    return "\x1f".join(fields)


def entry_hash(prev_hash: str, entry: AccessLog) -> str:
    return hashlib.sha256(f"{prev_hash}\x1e{entry_text(entry)}".encode()).hexdigest()


def chain_lock() -> None:
    """Hold the chain for this transaction (PostgreSQL; SQLite writers are serialised)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])


def chain_head() -> str:
    last = AccessLog.objects.order_by("-id").values_list("entry_hash", flat=True).first()
    return last or ""


@dataclass(frozen=True)
class Verified:
    entries: int
    broken_at: int | None  # the id of the first entry whose hash does not follow
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def audit_verify() -> Verified:
    """Read the whole log in order and check every link of the chain."""
    prev = ""
    count = 0
    for entry in AccessLog.objects.order_by("id").iterator(chunk_size=5000):
        count += 1
        if entry.prev_hash != prev:
            return Verified(
                count,
                entry.pk,
                "it does not follow the entry before it: an entry was removed or changed",
            )
        if entry.entry_hash != entry_hash(prev, entry):
            return Verified(count, entry.pk, "its fields do not match its hash: it was changed")
        prev = entry.entry_hash
    return Verified(count, None)
