"""Chronology events: one per current version of each source record.

Events are derived (rebuilt from feeds by :func:`sightline.chronology.services.
events_refresh`), so unlike source records they may be replaced when a newer
version arrives. Later issues join them to persons through linkage.
"""

from __future__ import annotations

from django.db import models

from sightline.feeds.models import Agency, SourceRecord


class Event(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    record_id = models.CharField(max_length=128)
    source_record = models.OneToOneField(
        SourceRecord, on_delete=models.PROTECT, related_name="event"
    )
    type = models.CharField(max_length=40)
    occurred_on = models.DateField()
    occurred_at = models.DateTimeField(null=True, blank=True)
    subject_local_id = models.CharField(max_length=128)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "record_id"], name="event_unique_record"),
        ]
        indexes = [
            models.Index(fields=["agency", "subject_local_id", "occurred_on"]),
            models.Index(fields=["occurred_on"]),
        ]
