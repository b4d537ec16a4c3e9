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


class CareArea(models.TextChoices):
    """The four areas Sightline's neglect assessment grades (domain notes, "Assessing neglect")."""

    PHYSICAL_CARE = "physical_care", "Physical care"
    SAFETY = "safety_supervision", "Safety and supervision"
    WARMTH = "emotional_warmth", "Emotional warmth"
    STIMULATION = "stimulation_approval", "Stimulation and approval"


# Sightline's own words for each grade, from "needs fully met, child first" (1) to
# "needs unmet, child not considered" (5), the ends the domain notes give.
GRADE_WORDS = {
    1: "Needs fully met: the child comes first",
    2: "Needs met well enough: the child usually comes first",
    3: "Needs met some of the time: the child's needs and the carer's compete",
    4: "Needs often unmet: the carer's needs usually come first",
    5: "Needs unmet: the child is not considered",
}


class NeglectAssessment(models.Model):
    """One shared, graded assessment of the care a child receives, at one time.

    Any agency working with the child contributes what it sees in each area;
    the lead practitioner agrees one grade an area and completes it. Repeated
    assessments of the same child show whether care is getting better or worse.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open for contributions"
        COMPLETED = "completed", "Completed"

    person = models.ForeignKey(
        "linkage.Person", on_delete=models.PROTECT, related_name="neglect_assessments"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments_started"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessments_completed",
    )
    summary = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open", completed_at__isnull=True)
                | models.Q(status="completed", completed_at__isnull=False),
                name="assessment_completed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"neglect assessment {self.pk} of {self.person}"


class _Grading(models.Model):
    """A grade for one area with what it rests on: the shape of both kinds of grading."""

    area = models.CharField(max_length=24, choices=CareArea.choices)
    grade = models.PositiveSmallIntegerField()
    evidence = models.TextField()
    working_well = models.TextField(blank=True)
    worries = models.TextField(blank=True)
    needs_to_happen = models.TextField(blank=True)
    recorded_at = models.DateTimeField()

    class Meta:
        abstract = True


class AssessmentContribution(_Grading):
    """What one practitioner of one agency sees in one area, with the grade they would give."""

    assessment = models.ForeignKey(
        NeglectAssessment, on_delete=models.CASCADE, related_name="contributions"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessment_contributions"
    )
    agency = models.ForeignKey(
        "feeds.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["area", "recorded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(grade__gte=1, grade__lte=5), name="contribution_grade_1_to_5"
            ),
        ]


class AgreedGrade(_Grading):
    """The grade an area was given when the assessment was completed: one an area."""

    assessment = models.ForeignKey(
        NeglectAssessment, on_delete=models.CASCADE, related_name="agreed_grades"
    )

    class Meta:
        ordering = ["area"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(grade__gte=1, grade__lte=5), name="agreed_grade_1_to_5"
            ),
            models.UniqueConstraint(fields=["assessment", "area"], name="agreed_grade_one_an_area"),
        ]


class Plan(models.Model):
    """A child in need or child protection plan: outcomes, actions, reviews, core groups.

    A plan ends by stepping down (to a lower level of help), by closing, or by
    stepping up; how it ended is kept, because a step-down followed by harm is
    one of the case reviews' recurring findings.
    """

    class Kind(models.TextChoices):
        CHILD_IN_NEED = "child_in_need", "Child in need plan"
        CHILD_PROTECTION = "child_protection", "Child protection plan"

    class Ending(models.TextChoices):
        STEPPED_DOWN = "stepped_down", "Stepped down"
        STEPPED_UP = "stepped_up", "Stepped up"
        CLOSED = "closed", "Closed"

    person = models.ForeignKey("linkage.Person", on_delete=models.PROTECT, related_name="plans")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Child protection plans say under which category of abuse (neglect here, mostly).
    category = models.CharField(max_length=40, blank=True)
    started_on = models.DateField()
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="plans_led"
    )
    ended_on = models.DateField(null=True, blank=True)
    ending = models.CharField(max_length=16, choices=Ending.choices, blank=True)
    ending_reason = models.TextField(blank=True)
    # What the person ending it said about the open flags and outstanding actions
    # they were shown first: the question the step-down asks, answered on record.
    ending_review_note = models.TextField(blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plans_ended",
    )

    class Meta:
        ordering = ["-started_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True, ending="")
                | models.Q(ended_on__isnull=False) & ~models.Q(ending=""),
                name="plan_ended_says_how",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.person} from {self.started_on}"


class PlanOutcome(models.Model):
    """What the plan is for, in words the family would recognise."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="outcomes")
    description = models.TextField()

    class Meta:
        ordering = ["id"]


class PlanAction(models.Model):
    """Who will do what by when, towards an outcome."""

    outcome = models.ForeignKey(PlanOutcome, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    # An owner may be a family member or another agency's worker with no account.
    owner = models.CharField(max_length=200)
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]


class PlanMeeting(models.Model):
    """A review of the plan (a review conference or a child in need review), or a core group."""

    class Kind(models.TextChoices):
        REVIEW = "review", "Review"
        CORE_GROUP = "core_group", "Core group"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    held_on = models.DateField()
    attended_by = models.TextField(blank=True, help_text="Who came, agency by agency")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["held_on", "id"]


class ServiceReferral(models.Model):
    """A referral to a specialist service, and what came of it."""

    class Service(models.TextChoices):
        # The services the Norfolk reviews' partnership committed to (domain notes).
        DOMESTIC_ABUSE_SUBSTANCE = (
            "da_substance",
            "Intensive domestic abuse and substance misuse service",
        )
        SCHOOL_FAMILY_SUPPORT = "school_family_support", "Family support attached to schools"
        EARLY_HELP = "early_help", "Early help"

    class Outcome(models.TextChoices):
        WAITING = "waiting", "Waiting for a response"
        ACCEPTED = "accepted", "Accepted: working with the family"
        DECLINED_BY_FAMILY = "declined_by_family", "Declined by the family"
        NOT_ACCEPTED = "not_accepted", "Not accepted by the service"
        COMPLETED = "completed", "Completed"

    person = models.ForeignKey(
        "linkage.Person", on_delete=models.PROTECT, related_name="service_referrals"
    )
    plan = models.ForeignKey(
        Plan, null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals"
    )
    service = models.CharField(max_length=24, choices=Service.choices)
    referred_on = models.DateField()
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="service_referrals"
    )
    reason = models.TextField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.WAITING)
    outcome_on = models.DateField(null=True, blank=True)
    outcome_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-referred_on", "-id"]


class Notification(models.Model):
    """Something a worker must know about a child, pushed to them rather than waiting to be found.

    One of the reviews behind Sightline found that information merely being on
    a system did not reach the people who had to act. Each notification is
    shown in the application and sent by email; the email says only that there
    is something to see, never what, because email leaves the partnership.
    """

    class Kind(models.TextChoices):
        NEW_FLAG = "new_flag", "New flag"
        NEW_RECORD = "new_record", "New record from another agency"
        ESCALATION = "escalation", "Suspect flag not acknowledged"
        DIGEST = "digest", "What changed for the children you work with"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    person = models.ForeignKey(
        "linkage.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What it is about, so that the same thing is never notified twice to one person:
    # "flag:123", "record:456", "escalation:123", "digest:2026-11-27".
    subject_key = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "subject_key"], name="notification_once_a_subject"
            ),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.recipient}: {self.title}"


class NotificationMark(models.Model):
    """How far each kind of notification pass has read: the newest flag and record it saw."""

    name = models.CharField(max_length=32, unique=True)
    last_id = models.BigIntegerField(default=0)
