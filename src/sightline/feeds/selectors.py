"""Reads of feed data. Feeds, counts and quarantine are operational data about
files, not about a child, so they need no per-child access check."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from django.conf import settings
from django.db.models import Count, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from sightline.feeds.models import (
    Agency,
    FeedFile,
    QuarantinedLine,
    RecordHead,
    RetentionRun,
    Tombstone,
)
from sightline.feeds.retention_policy import ANCHOR_WORDS, CLASSES


def quarantine_list(*, status: str | None = "open") -> QuerySet[QuarantinedLine]:
    qs = QuarantinedLine.objects.select_related("feed_file").defer("raw")
    return qs.filter(status=status) if status else qs


def quarantine_get(*, quarantine_id: int) -> QuarantinedLine | None:
    return QuarantinedLine.objects.select_related("feed_file").filter(pk=quarantine_id).first()


def feed_files_recent(*, limit: int = 50) -> QuerySet[FeedFile]:
    return FeedFile.objects.all()[:limit]


def agencies_with_counts() -> QuerySet[Agency]:
    """Each agency with how many records it currently holds.

    Counted from RecordHead alone, through its (agency, record id) index: joining
    every source record version to its head cost a second a page at a million.
    """
    current = (
        RecordHead.objects.filter(agency=OuterRef("pk"))
        .order_by()
        .values("agency")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Agency.objects.annotate(current_records=Coalesce(Subquery(current), Value(0))).order_by(
        "code"
    )


def records_export(*, agency_code: str | None = None, chunk: int = 5000) -> Iterator[bytes]:
    """Current version of every accepted record, as the feed v1 object that was sent.

    The payload is stored as received, so reading it back gives the agency's own
    words and values; only ``record_version`` is set, so that a consumer knows
    which version it holds.
    """
    qs = RecordHead.objects.order_by("agency__code", "record_id")
    if agency_code:
        qs = qs.filter(agency__code=agency_code)
    rows = qs.values_list("source_record__payload", "version")
    for payload, version in rows.iterator(chunk_size=chunk):
        obj: dict[str, Any] = orjson.loads(payload)
        obj["record_version"] = version
        yield orjson.dumps(obj)


def feed_integrity_problems() -> dict[str, int]:
    """Rows pointing at nothing, for the foreign keys the database does not check.

    See the module docstring of :mod:`sightline.feeds.models` for why those keys
    are not database constraints. Every count should be zero.
    """
    from django.db import connection

    checks = {
        "source records without their agency": (
            "feeds_sourcerecord s LEFT JOIN feeds_agency a ON a.id = s.agency_id",
            "a.id IS NULL",
        ),
        "source records without their feed file": (
            "feeds_sourcerecord s LEFT JOIN feeds_feedfile f ON f.id = s.feed_file_id",
            "f.id IS NULL",
        ),
        "subject records without their source record": (
            "feeds_subjectrecord p LEFT JOIN feeds_sourcerecord s ON s.id = p.source_record_id",
            "s.id IS NULL",
        ),
        "record heads without their source record": (
            "feeds_recordhead h LEFT JOIN feeds_sourcerecord s ON s.id = h.source_record_id",
            "s.id IS NULL",
        ),
        "record heads naming another record": (
            "feeds_recordhead h JOIN feeds_sourcerecord s ON s.id = h.source_record_id",
            "(s.agency_id <> h.agency_id OR s.record_id <> h.record_id OR s.version <> h.version)",
        ),
    }
    problems = {}
    with connection.cursor() as cur:
        for name, (tables, condition) in checks.items():
            cur.execute(f"SELECT COUNT(*) FROM {tables} WHERE {condition}")  # noqa: S608
            problems[name] = int(cur.fetchone()[0])
    return problems


# --- retention (sightline.feeds.retention) ------------------------------------------


@dataclass(frozen=True)
class ScheduleRow:
    """One class of the retention schedule as configured, for the page."""

    name: str
    title: str
    holds_what: str
    period: str
    anchor: str
    source: str
    tombstones: int


def retention_schedule() -> list[ScheduleRow]:
    """Every class with its configured period and the tombstones ever written for it (1 query)."""
    configured = getattr(settings, "SIGHTLINE_RETENTION", {}) or {}
    counts = dict(Tombstone.objects.values_list("record_class").annotate(n=Count("pk")).order_by())
    return [
        ScheduleRow(
            name=c.name,
            title=c.title,
            holds_what=c.holds_what,
            period=configured.get(c.name, c.default).text,
            anchor=ANCHOR_WORDS[c.anchor],
            source=c.source,
            tombstones=counts.get(c.name, 0),
        )
        for c in CLASSES
    ]


def retention_runs_recent(*, limit: int = 20) -> list[RetentionRun]:
    """The latest retention runs, newest first, dry runs included."""
    return list(RetentionRun.objects.order_by("-started_at", "-id")[:limit])
