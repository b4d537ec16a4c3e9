"""Casework: who holds each child's case."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Allocation(models.Model):
    """A child allocated to a worker in a team, from a date until (if ended) another.

    Allocations are ended, never deleted: who held a case when is part of the
    record a review will read.
    """

    person = models.ForeignKey(
        "linkage.Person", on_delete=models.PROTECT, related_name="allocations"
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="allocations"
    )
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="allocations")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    allocated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="allocations_made",
    )
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_on", "-id"]
        indexes = [models.Index(fields=["person", "ended_on"])]

    def __str__(self) -> str:
        return f"{self.person} to {self.worker} from {self.started_on}"
