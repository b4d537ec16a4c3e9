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
        BREAK_GLASS = "break_glass", "Break-glass access to a child"
        # About no child: an action from a case review's plan past its due date.
        OVERDUE_ACTION = "overdue", "Case review action overdue"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    person = models.ForeignKey(
        "linkage.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What it is about, so that the same thing is never notified twice to one person:
    # "flag:123", "record:456", "escalation:123", "digest:2026-11-27", "break-glass:7",
    # "review-action:12:2026-12-01" (an action of a case review's plan overdue
    # against that due date).
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
