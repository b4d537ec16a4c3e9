"""Staff: who works for which agency and team, in which role.

A role is what someone does in the partnership, not a permission: what each
role may see and do is decided by the access functions, one condition per
line, so that the rules can be read and audited in one place.
"""

from __future__ import annotations

from typing import TypeVar

from django.conf import settings
from django.db import models

_M = TypeVar("_M", bound=models.Model)


class Role(models.TextChoices):
    MASH = "mash", "MASH practitioner"
    SOCIAL_WORKER = "social_worker", "Social worker"
    TEAM_MANAGER = "team_manager", "Team manager"
    # Health, school, police, housing staff: they contribute and see their own
    # agency's records plus what is shared.
    PARTNER = "partner", "Partner agency practitioner"
    PARTNERSHIP_OFFICER = "partnership_officer", "Partnership officer"
    ADMINISTRATOR = "administrator", "Administrator"
    # Feeds, quarantine, linkage runs: no case pages.
    DATA_ENGINEER = "data_engineer", "Data engineer"


class Team(models.Model):
    """A team of staff: the MASH, a children's social care team, a school's safeguarding team."""

    class Kind(models.TextChoices):
        MASH = "mash", "Multi-agency safeguarding hub"
        SOCIAL_CARE = "social_care", "Children's social care"
        PARTNER = "partner", "Partner agency"
        PARTNERSHIP = "partnership", "Safeguarding partnership"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_teams",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StaffProfile(models.Model):
    """What Sightline knows of a user beyond Django's account: role, agency, team."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff"
    )
    role = models.CharField(max_length=24, choices=Role.choices)
    # The agency whose records are this person's own (None for council staff
    # who work for no sending agency, such as the partnership's officers).
    agency = models.ForeignKey(
        "feeds.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    job_title = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.get_role_display()})"


class _AppendOnlyQuerySet(models.QuerySet[_M]):
    """Rows can be added and read, never changed or removed in bulk."""

    def update(self, **kwargs: object) -> int:
        raise AppendOnlyError("the access log is append-only: entries cannot be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("the access log is append-only: entries cannot be deleted")


class AccessLogQuerySet(_AppendOnlyQuerySet["AccessLog"]):
    pass


class BreakGlassQuerySet(_AppendOnlyQuerySet["BreakGlassGrant"]):
    pass


class AppendOnlyError(Exception):
    """Someone tried to change or remove what the audit trail holds."""


class AccessLog(models.Model):
    """One look at (or action on) a child's record: who, which child, what, from where, when.

    Append-only: a review of who knew what relies on it, so the model refuses
    updates and deletes, and each entry is chained to the one before by a hash
    (:mod:`sightline.accounts.audit`), so an edit made outside Django shows. Written only by
    :func:`sightline.accounts.services.access_log_record` (or, for an export
    naming many children at once, ``access_log_record_many``).
    """

    class Action(models.TextChoices):
        VIEWED_PAGE = "viewed_page", "Viewed the child's page"
        VIEWED_CHRONOLOGY = "viewed_chronology", "Viewed the chronology"
        VIEWED_FAMILY = "viewed_family", "Viewed the family network"
        VIEWED_ACCESS_LOG = "viewed_access_log", "Viewed who has looked at the record"
        ACKNOWLEDGED_FLAG = "acknowledged_flag", "Acknowledged a flag"
        DISMISSED_FLAG = "dismissed_flag", "Dismissed a flag"
        VIEWED_ASSESSMENTS = "viewed_assessments", "Viewed the neglect assessments"
        CHANGED_ASSESSMENT = "changed_assessment", "Contributed to or completed an assessment"
        CHANGED_ALLOCATION = "changed_allocation", "Allocated the child to a worker"
        VIEWED_TRIAGE = "viewed_triage", "Viewed a contact or flag on the MASH worklist"
        VIEWED_PLANS = "viewed_plans", "Viewed plans and services"
        CHANGED_PLAN = "changed_plan", "Started, changed or ended a plan"
        REFERRED_TO_SERVICE = "referred_to_service", "Referred to a specialist service"
        BROKE_GLASS = "broke_glass", "Asked for break-glass access"
        DOWNLOADED_ACCESS_LOG = "downloaded_access_log", "Downloaded who has looked at the record"
        EXPORTED_SUBJECT_ACCESS = (
            "exported_subject_access",
            "Exported everything held (subject access)",
        )
        EXPORTED_CENSUS = "exported_census", "Exported in the Children in Need census return"

    # None: Sightline's own command line (``sightline export subject-access``),
    # run by whoever runs the system; ``path`` then names the command and the
    # operating-system account that ran it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="access_log",
    )
    person = models.ForeignKey(
        "linkage.Person", on_delete=models.PROTECT, related_name="access_log"
    )
    action = models.CharField(max_length=32, choices=Action.choices)
    path = models.CharField(max_length=2000)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField()
    # The look was allowed only by a break-glass grant: the user's role and
    # relationship to the child alone would not have let them in.
    break_glass = models.BooleanField(default=False)
    # The hash chain (accounts.audit): each entry's hash covers its own fields and
    # the hash of the entry before it, so an entry changed or removed outside
    # Django breaks the chain at that point, and `sightline audit verify` says where.
    prev_hash = models.CharField(max_length=64, default="")
    entry_hash = models.CharField(max_length=64, default="")

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["person", "at"], name="accesslog_person_at")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} {self.person_id} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise AppendOnlyError("the access log is append-only: entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("the access log is append-only: entries cannot be deleted")


class BreakGlassGrant(models.Model):
    """Emergency access to one child for one member of staff, with why, for a few hours.

    Asked for by someone whose role and relationship to the child would not let
    them open the record. Kept for ever, like the access log: a grant is never
    changed or removed, it simply runs out at ``expires_at``. ``public_id`` is
    the id as asked for; ``person`` is None when no child has that id, so that
    asking about an id that does not exist is answered, recorded and reported
    exactly like asking about one that does.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_grants"
    )
    public_id = models.CharField(max_length=16)
    person = models.ForeignKey(
        "linkage.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="break_glass_grants",
    )
    reason = models.TextField()
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = BreakGlassQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at", "-id"]
        indexes = [models.Index(fields=["user", "person", "expires_at"], name="breakglass_live")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="breakglass_has_reason"),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("granted_at")),
                name="breakglass_expires_after_grant",
            ),
        ]

    def __str__(self) -> str:
        return f"break-glass {self.public_id} for {self.user_id} until {self.expires_at}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise AppendOnlyError("a break-glass grant cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("a break-glass grant cannot be deleted")


class AccountEventQuerySet(models.QuerySet["AccountEvent"]):
    """Entries can be added and read, never changed or removed in bulk."""

    def update(self, **kwargs: object) -> int:
        raise AppendOnlyError("account events are append-only: entries cannot be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("account events are append-only: entries cannot be deleted")


class AccountEvent(models.Model):
    """A change to how someone signs in: two-factor set up or reset, password changed.

    Kept apart from the access log, which is about children's records: these
    are about accounts, and an investigation of a misused account reads them
    together with django-axes' record of failed sign-ins. Append-only, like the
    access log. Written only by
    :func:`sightline.accounts.services.account_event_record`.
    """

    class Action(models.TextChoices):
        TWO_FACTOR_SET_UP = "two_factor_set_up", "Set up two-factor sign-in"
        TWO_FACTOR_RESET = "two_factor_reset", "Two-factor sign-in reset"
        PASSWORD_CHANGED = "password_changed", "Changed their password"

    # Whose account it is.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="account_events"
    )
    action = models.CharField(max_length=32, choices=Action.choices)
    # Who did it: the user themself on a page, or who ran a command and as which
    # operating-system account, so a reset made at a terminal is traceable too.
    by = models.CharField(max_length=300)
    reason = models.TextField(blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField()

    objects = AccountEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} by {self.by} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise AppendOnlyError("account events are append-only: entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("account events are append-only: entries cannot be deleted")
