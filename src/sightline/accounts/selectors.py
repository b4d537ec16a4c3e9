"""Accounts reads: the audit trail as a child's page shows it."""

from __future__ import annotations

from django.db.models import QuerySet

from sightline.accounts.models import AccessLog
from sightline.linkage.models import Person

ACCESS_LOG_SHOWN = 50


def access_log_recent(*, person: Person, limit: int = ACCESS_LOG_SHOWN) -> QuerySet[AccessLog]:
    """The latest entries about this child, newest first, with who made them."""
    return (
        AccessLog.objects.filter(person=person)
        .select_related("user__staff__team", "user__staff__agency")
        .order_by("-at", "-id")[:limit]
    )
