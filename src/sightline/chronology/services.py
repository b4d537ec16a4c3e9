"""Writes to the chronology: kept set-based so an ingest of a million records
refreshes its events in a handful of statements rather than a million."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection


def events_refresh(*, source_record_ids: Sequence[int]) -> int:
    """Make each given source record (now its record's current version) the event.

    An older version's event is replaced, because the chronology shows what
    the agency currently says happened; the older version stays in feeds.
    """
    if not source_record_ids:
        return 0
    with connection.cursor() as cur:
        total = 0
        for start in range(0, len(source_record_ids), 900):
            chunk = list(source_record_ids[start : start + 900])
            marks = ",".join(["%s"] * len(chunk))
            cur.execute(
                "DELETE FROM chronology_event WHERE id IN ("
                " SELECT e.id FROM feeds_sourcerecord s JOIN chronology_event e"
                " ON e.agency_id = s.agency_id AND e.record_id = s.record_id"
                " WHERE s.id IN (" + marks + "))",
                chunk,
            )
            cur.execute(
                "INSERT INTO chronology_event (agency_id, record_id, source_record_id, type,"
                " occurred_on, occurred_at, subject_local_id)"
                " SELECT s.agency_id, s.record_id, s.id, s.type, s.occurred_on, s.occurred_at,"
                " sr.local_id FROM feeds_sourcerecord s"
                " JOIN feeds_subjectrecord sr ON sr.source_record_id = s.id AND sr.role = 'subject'"
                " WHERE s.id IN (" + marks + ")",
                chunk,
            )
            total += cur.rowcount
    return total
