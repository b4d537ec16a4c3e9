"""Reads the data engineers' pages need beyond those in :mod:`sightline.feeds.selectors`.

Like those, they read operational data about files and lines, not a child's
case, so they need no per-child access check. They belong with the feeds
selectors; they live here only until that module takes them in.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from sightline.feeds.models import FeedFile, QuarantinedLine, RecordHead, SourceRecord

# A line can be up to 1 MiB; a page shows this much and says where to get the rest.
RAW_DISPLAY_LIMIT = 64 * 1024


def quarantine_open_count() -> int:
    return QuarantinedLine.objects.filter(status=QuarantinedLine.Status.OPEN).count()


@dataclass(frozen=True)
class Totals:
    feed_files: int
    current_records: int
    quarantined: int


def totals_get() -> Totals:
    return Totals(
        feed_files=FeedFile.objects.count(),
        current_records=RecordHead.objects.count(),
        quarantined=quarantine_open_count(),
    )


def quarantine_for_feed_file(*, feed_file_id: int) -> QuerySet[QuarantinedLine]:
    return (
        QuarantinedLine.objects.filter(feed_file_id=feed_file_id)
        .defer("raw")
        .order_by("line_number")
    )


def feed_file_get(*, feed_file_id: int) -> FeedFile | None:
    return FeedFile.objects.filter(pk=feed_file_id).first()


def feed_file_records_with_warnings(*, feed_file_id: int) -> QuerySet[SourceRecord]:
    """Records from one file that were accepted with warnings, in line order.

    Only what a data engineer needs to trace the warning back to the sender is
    loaded: no payload, details or summary, which are about the child.
    """
    return (
        SourceRecord.objects.filter(feed_file_id=feed_file_id)
        .exclude(warnings=[])
        .select_related("agency")
        .only("line_number", "record_id", "version", "type", "warnings", "agency__code")
        .order_by("line_number")
    )


def feed_file_loaded(*, name: str, checksum: str) -> bool:
    """Whether this file, with these exact bytes, has already been read to the end.

    The name counts too: two agencies' empty files have the same checksum, and
    each should still show as received.
    """
    return FeedFile.objects.filter(
        name=name, checksum=checksum, status=FeedFile.Status.COMPLETE
    ).exists()


@dataclass(frozen=True)
class RawText:
    text: str
    size_bytes: int
    truncated: bool
    valid_utf8: bool


def quarantine_raw_text(*, line: QuarantinedLine, limit: int = RAW_DISPLAY_LIMIT) -> RawText:
    """The quarantined bytes as text to show, with any byte that is not UTF-8 made visible.

    Invalid bytes are shown as ``\\xNN`` rather than replaced, because the
    engineer fixing the sender's export needs to see exactly what arrived.
    """
    raw = bytes(line.raw)
    try:
        raw.decode("utf-8")
        valid = True
    except UnicodeDecodeError:
        valid = False
    shown = raw[:limit]
    return RawText(
        text=shown.decode("utf-8", errors="backslashreplace"),
        size_bytes=len(raw),
        truncated=len(raw) > limit,
        valid_utf8=valid,
    )
