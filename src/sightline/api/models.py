"""Agency API tokens, and the record of what administrators did with them.

A token is shown once, when it is made, and only its SHA-256 is kept: a copy of
the database is not a key to the API. The short public prefix finds the row;
the hash is then compared in constant time.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models

from sightline.feeds.models import Agency


class ApiToken(models.Model):
    """One agency's key to ``POST /api/v1/feeds``; it can send records for that agency only."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=200, help_text="What it is for: the sending system")
    prefix = models.CharField(max_length=16, unique=True, help_text="Public: names the token")
    secret_hash = models.CharField(max_length=64, help_text="SHA-256 of the whole token")
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=200, help_text="Who made it (a username, or cli)")
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # Set on the old token when it is rotated; it may stay valid for an overlap.
    replaced_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaces"
    )

    class Meta:
        ordering = ["agency__code", "-created_at", "-id"]

    def __str__(self) -> str:
        # The throttle keys request counts by this: the prefix is unique and public.
        return f"sl_{self.prefix}"

    def is_valid(self, at: dt.datetime) -> bool:
        if self.revoked_at is not None and self.revoked_at <= at:
            return False
        return self.expires_at is None or self.expires_at > at

    def status(self, at: dt.datetime) -> str:
        """In words, for lists: active, revoked, expired, or valid until a rotation ends."""
        if self.revoked_at is not None and self.revoked_at <= at:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= at:
            return "expired"
        if self.replaced_by_id is not None:
            return "rotated"
        return "active"


class ApiTokenEvent(models.Model):
    """Who made, rotated or revoked a token, when: append-only, never edited."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        ROTATED = "rotated", "Rotated"
        REVOKED = "revoked", "Revoked"

    token = models.ForeignKey(ApiToken, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=16, choices=Action.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The username, or "cli" for the command: kept as text so it outlives the account.
    by_name = models.CharField(max_length=200)
    at = models.DateTimeField()
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]
