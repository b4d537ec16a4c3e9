"""Casework: who holds each child's case, the contacts that reach the MASH, and what follows."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from sightline.casework.timescales import StepKind, is_overdue


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


class Contact(models.Model):
    """A concern about a child brought to children's social care: the MASH's front door.

    Kept as the reporter gave it, whether or not the child can be matched to a
    person: an unmatched contact is still a child someone is worried about. The
    reporter may stay anonymous; the child's details are whatever they knew.
    """

    class Source(models.TextChoices):
        PUBLIC = "public", "Member of the public"
        FAMILY = "family", "Family member"
        # Said they were a professional on the public form, without signing in.
        PROFESSIONAL = "professional", "Professional (not signed in)"
        # A signed-in partner agency practitioner's referral.
        AGENCY = "agency", "Partner agency referral"

    class Danger(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        NOT_SURE = "not_sure", "Not sure"

    # Given once saved: "C-", the year received and the row's number, e.g. C-2026-000123.
    reference = models.CharField(max_length=20, unique=True, null=True, blank=True)
    received_at = models.DateTimeField()
    source = models.CharField(max_length=16, choices=Source.choices)
    anonymous = models.BooleanField(default=False)
    reporter_name = models.CharField(max_length=200, blank=True)
    reporter_phone = models.CharField(max_length=40, blank=True)
    reporter_email = models.CharField(max_length=254, blank=True)
    reporter_relationship = models.CharField(
        max_length=200, blank=True, help_text="What the reporter is to the child, in their words"
    )
    reporter_agency = models.CharField(max_length=200, blank=True)
    reporter_job_title = models.CharField(max_length=200, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contacts_submitted",
        help_text="The signed-in professional who made the referral; none on the public form",
    )
    child_given_name = models.CharField(max_length=200, blank=True)
    child_family_name = models.CharField(max_length=200, blank=True)
    child_date_of_birth = models.DateField(null=True, blank=True)
    child_age = models.CharField(
        max_length=40, blank=True, help_text="When the birth date is not known"
    )
    child_address = models.TextField(blank=True)
    child_school = models.CharField(max_length=200, blank=True)
    child_nhs_number = models.CharField(max_length=10, blank=True, help_text="Only when valid")
    concern = models.TextField()
    immediate_danger = models.CharField(max_length=8, choices=Danger.choices)
    family_aware = models.CharField(
        max_length=8,
        blank=True,
        help_text="Professionals: whether the family knows of the referral",
    )
    person = models.ForeignKey(
        "linkage.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contacts",
    )
    matched_on = models.CharField(
        max_length=64, blank=True, help_text="What the match to the person rested on"
    )

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [models.Index(fields=["received_at"], name="contact_received")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(concern=""), name="contact_has_concern"),
            models.CheckConstraint(
                condition=models.Q(source__in=["public", "family", "professional", "agency"]),
                name="contact_source_known",
            ),
            # An anonymous reporter's contact holds nothing that could name them.
            models.CheckConstraint(
                condition=models.Q(anonymous=False)
                | models.Q(reporter_name="", reporter_phone="", reporter_email=""),
                name="contact_anonymous_has_no_reporter",
            ),
            models.CheckConstraint(
                condition=models.Q(person__isnull=True) | ~models.Q(matched_on=""),
                name="contact_match_says_why",
            ),
        ]

    def __str__(self) -> str:
        return self.reference or f"contact {self.pk}"

    @property
    def child_name(self) -> str:
        return " ".join(p for p in (self.child_given_name, self.child_family_name) if p)


class TriageDecision(models.Model):
    """What the MASH decided about a contact or a flag, with why: the end of its one-day clock."""

    class Outcome(models.TextChoices):
        NO_FURTHER_ACTION = "nfa", "No further action"
        INFORMATION_AND_ADVICE = "information_advice", "Information and advice"
        EARLY_HELP = "early_help", "Early help"
        ASSESSMENT = "assessment", "Child and family assessment"
        STRATEGY_DISCUSSION = "strategy_discussion", "Strategy discussion"
        CP_MEDICAL = "cp_medical", "Child protection medical"

    contact = models.OneToOneField(
        Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="triage"
    )
    # Not one-to-one: a dismissed flag that gains evidence comes back as new and
    # is triaged again.
    flag = models.ForeignKey(
        "indicators.Flag", null=True, blank=True, on_delete=models.PROTECT, related_name="triage"
    )
    person = models.ForeignKey(
        "linkage.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="triage_decisions",
    )
    outcome = models.CharField(max_length=24, choices=Outcome.choices)
    reason = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="triage_decisions"
    )
    decided_at = models.DateTimeField()
    received_at = models.DateTimeField(help_text="When the item arrived: its clock's start")
    due_on = models.DateField(help_text="The working day by whose end the decision was due")

    class Meta:
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contact__isnull=False, flag__isnull=True)
                | models.Q(contact__isnull=True, flag__isnull=False),
                name="triage_one_item",
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="triage_has_reason"),
            models.CheckConstraint(
                condition=models.Q(
                    outcome__in=[
                        "nfa",
                        "information_advice",
                        "early_help",
                        "assessment",
                        "strategy_discussion",
                        "cp_medical",
                    ]
                ),
                name="triage_outcome_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} ({self.decided_at:%Y-%m-%d})"

    @property
    def made_on_time(self) -> bool:
        return not is_overdue(self.due_on, at=self.decided_at)


class CaseStep(models.Model):
    """A statutory step a decision set going, with the day it is due by and the day it was done.

    Completing one can start the next (a strategy discussion starts the clock for
    the initial conference), each a row of its own with ``follows`` saying which.
    """

    decision = models.ForeignKey(TriageDecision, on_delete=models.PROTECT, related_name="steps")
    follows = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_steps"
    )
    person = models.ForeignKey(
        "linkage.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="case_steps"
    )
    kind = models.CharField(max_length=24, choices=StepKind.choices)
    started_on = models.DateField(help_text="The day its timescale is counted from")
    due_on = models.DateField(null=True, blank=True, help_text="None: no statutory timescale")
    timescale = models.CharField(max_length=200, help_text="The timescale in words, and its source")
    completed_on = models.DateField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case_steps_completed",
    )

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["completed_on", "due_on"], name="casestep_open_due")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due_on__isnull=True)
                | models.Q(due_on__gte=models.F("started_on")),
                name="casestep_due_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(completed_on__isnull=True)
                | models.Q(completed_on__gte=models.F("started_on")),
                name="casestep_done_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(completed_on__isnull=True)
                | models.Q(completed_by__isnull=False),
                name="casestep_done_says_who",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in StepKind]),
                name="casestep_kind_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} due {self.due_on or 'when needed'}"
