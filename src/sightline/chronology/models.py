"""Chronology events: one per current version of each source record.

An event is derived entirely from feeds (the current version of a record and
the person it is about), so it is a database view rather than a table: it can
never disagree with the records, and ingest pays nothing to keep it up to date.
Later issues join events to persons through linkage.
"""

from __future__ import annotations

from django.db import models

from sightline.feeds.models import Agency, SourceRecord


class Event(models.Model):
    source_record = models.OneToOneField(
        SourceRecord, on_delete=models.DO_NOTHING, related_name="event"
    )
    agency = models.ForeignKey(Agency, on_delete=models.DO_NOTHING, related_name="+")
    record_id = models.CharField(max_length=128)
    type = models.CharField(max_length=40)
    occurred_on = models.DateField()
    occurred_at = models.DateTimeField(null=True, blank=True)
    subject_local_id = models.CharField(max_length=128)

    class Meta:
        managed = False
        db_table = "chronology_event"
