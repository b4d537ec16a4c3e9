"""Flags: a rule's pattern found in a child's records, with its evidence and what people did.

A flag is derived (evaluation can always rebuild its evidence and explanation)
but its status is a person's decision, so re-evaluation updates the first and
never touches the second. Flags of an ``--as-of`` evaluation are kept apart in
their own scenario, so asking "what would we have seen then?" never disturbs
the flags practitioners are working on.
"""

from __future__ import annotations

import datetime as dt

from django.db import models

from sightline.feeds.models import SourceRecord
from sightline.linkage.models import Person

LIVE = ""  # the scenario of the flags practitioners work on


class EvaluationRun(models.Model):
    """One evaluation: the whole population or one child, now or as of a date."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    scope = models.CharField(max_length=16, default="population", help_text="population or person")
    scenario = models.CharField(max_length=32, blank=True, default=LIVE)
    as_of = models.DateField(null=True, blank=True)
    engine = models.CharField(max_length=16)
    error = models.TextField(blank=True)
    notes = models.TextField(blank=True, help_text="What the run could not do, and why")
    events = models.IntegerField(default=0)
    persons = models.IntegerField(default=0)
    hits = models.IntegerField(default=0, help_text="Moments a rule's pattern was complete")
    flags_raised = models.IntegerField(default=0)
    flags_updated = models.IntegerField(default=0)
    flags_no_longer_met = models.IntegerField(default=0)
    warnings = models.IntegerField(default=0)
    timings = models.JSONField(default=dict)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"evaluation {self.pk} ({self.scope}, {self.status})"


class Flag(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "New"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        DISMISSED = "dismissed", "Dismissed"

    scenario = models.CharField(max_length=32, blank=True, default=LIVE)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="flags")
    rule_id = models.CharField(max_length=64)
    level = models.CharField(max_length=8)
    title = models.CharField(max_length=200)
    source = models.TextField()
    first_triggered_on = models.DateField(
        help_text="The date of the event that first completed the pattern"
    )
    last_triggered_on = models.DateField(help_text="The latest event that completed it again")
    seen_on = models.DateField(
        help_text="When it could first have been seen: the evidence that completed it had arrived"
    )
    explanation = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    status_reason = models.TextField(blank=True)
    met = models.BooleanField(
        default=True, help_text="Still met at the latest evaluation (records can be withdrawn)"
    )
    created_at = models.DateTimeField()
    reopened_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When new evidence last reopened it after a dismissal: it waits for the "
        "MASH again from then",
    )
    updated_at = models.DateTimeField()
    run = models.ForeignKey(EvaluationRun, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        indexes = [
            models.Index(fields=["scenario", "person", "rule_id"], name="flag_person_rule"),
            models.Index(fields=["scenario", "status"], name="flag_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__in=["consider", "suspect"]), name="flag_level_known"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="dismissed") | ~models.Q(status_reason=""),
                name="flag_dismissed_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} for {self.person_id} ({self.level}, {self.status})"

    @property
    def waiting_since(self) -> dt.datetime:
        """When its one-working-day MASH clock started: raised, or reopened by new evidence."""
        return self.reopened_at or self.created_at


class FlagEvidence(models.Model):
    """A record that satisfied the rule, named the way agencies name it (stable across versions)."""

    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="evidence")
    agency_code = models.CharField(max_length=64)
    record_id = models.CharField(max_length=128)
    source_record = models.ForeignKey(
        SourceRecord, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    occurred_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["flag", "agency_code", "record_id"], name="flagevidence_unique"
            )
        ]


class FlagStatusChange(models.Model):
    """Who changed a flag's status, when and why: the history a review will ask for."""

    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="changes")
    status = models.CharField(max_length=16, choices=Flag.Status.choices)
    reason = models.TextField(blank=True)
    by = models.CharField(max_length=200)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]


class DataQualityWarning(models.Model):
    """A record evaluation would not use as evidence, and why (a 40 kg infant, say)."""

    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="quality")
    source_record = models.ForeignKey(
        SourceRecord, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    field = models.CharField(max_length=64)
    reason = models.TextField()
