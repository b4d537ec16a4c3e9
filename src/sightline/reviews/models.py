"""Case reviews: what the partnership reviews when a child is seriously harmed, and who it is about.

A review is about one or more children, each known in everything the review
publishes by a code of letters (AG, AI in the Norfolk reviews), never by name.
The code lives on the child's place in the review, not on the person, because a
child could be the subject of more than one review.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models


class CaseReview(models.Model):
    """One review: a rapid review, a local child safeguarding practice review, or a legacy SCR."""

    class Kind(models.TextChoices):
        # Working Together to Safeguard Children 2023, chapter 5: a serious incident
        # notification leads to a rapid review, which may lead to a local review.
        RAPID = "rapid", "Rapid review"
        LCSPR = "lcspr", "Local child safeguarding practice review"
        # Reviews commissioned before 29 June 2018 (the AG and AI reviews among them).
        SCR = "scr", "Serious case review (legacy)"

    class Status(models.TextChoices):
        SCOPING = "scoping", "Scoping"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"
        PUBLISHED = "published", "Published"
        CLOSED = "closed", "Closed"

    reference = models.CharField(max_length=20, unique=True, help_text="CR-2026-001")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCOPING)
    title = models.CharField(max_length=200)
    # The harm that led to the review: the end of the chronology's window by default.
    incident_on = models.DateField()
    notified_on = models.DateField(
        null=True, blank=True, help_text="serious incident notification to the national panel"
    )
    started_on = models.DateField()
    completed_on = models.DateField(null=True, blank=True)
    published_on = models.DateField(null=True, blank=True)
    lead_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviews_led",
    )
    # Local reviews are often written by an independent reviewer with no account.
    independent_reviewer = models.CharField(max_length=200, blank=True)
    terms_of_reference = models.TextField(blank=True)
    # What the partnership publishes: shown only through the anonymiser, so a name typed
    # here by mistake is replaced before anyone outside reads it.
    published_title = models.CharField(
        max_length=200, blank=True, help_text="Blank: 'Child AG: local child safeguarding ...'"
    )
    published_summary = models.TextField(blank=True)
    agencies = models.ManyToManyField("feeds.Agency", blank=True, related_name="reviews")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviews_created",
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-started_on", "-id"]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


# While a review is being done its officers need the children's records; once it is
# published or closed they work from the review's own chronology and report.
OPEN_STATUSES = frozenset(
    {CaseReview.Status.SCOPING, CaseReview.Status.IN_PROGRESS, CaseReview.Status.COMPLETED}
)


class ReviewChild(models.Model):
    """A child the review is about, and the code that stands for them in what it publishes."""

    review = models.ForeignKey(CaseReview, on_delete=models.CASCADE, related_name="children")
    person = models.ForeignKey(
        "linkage.Person", on_delete=models.PROTECT, related_name="review_places"
    )
    # Letters only, so "Child AG" can never carry part of a name or an identifier.
    code = models.CharField(max_length=8)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["review", "person"], name="review_child_once"),
            models.UniqueConstraint(fields=["review", "code"], name="review_child_code_once"),
        ]

    def __str__(self) -> str:
        return f"Child {self.code}"


class Finding(models.Model):
    """What the review learned: in the review's words, about agencies, tagged with themes.

    ``themes`` holds ids of :mod:`sightline.reviews.themes` (checked by the service
    that writes it), so the catalogue can change its wording without a migration.
    """

    review = models.ForeignKey(CaseReview, on_delete=models.CASCADE, related_name="findings")
    text = models.TextField()
    themes = models.JSONField(default=list)
    agencies = models.ManyToManyField("feeds.Agency", blank=True, related_name="review_findings")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="review_findings",
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"finding {self.pk} of {self.review.reference}"


# --- recommendations and their action plans ----------------------------------------------


class Recommendation(models.Model):
    """What a review says must change, and who owns making it change.

    Numbered within the review as published ("Recommendation 3"). One agency owns
    it, or the partnership as a whole when it falls to no single agency (a
    multi-agency neglect strategy, say); never both, never neither.
    """

    review = models.ForeignKey(CaseReview, on_delete=models.CASCADE, related_name="recommendations")
    number = models.PositiveIntegerField()
    text = models.TextField()
    agency = models.ForeignKey(
        "feeds.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="review_recommendations",
    )
    partnership_wide = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["review", "number"]
        constraints = [
            models.UniqueConstraint(fields=["review", "number"], name="recommendation_number_once"),
            models.CheckConstraint(
                condition=(
                    models.Q(agency__isnull=False, partnership_wide=False)
                    | models.Q(agency__isnull=True, partnership_wide=True)
                ),
                name="recommendation_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.review.reference} recommendation {self.number}"

    @property
    def owner_name(self) -> str:
        return "The partnership" if self.agency is None else str(self.agency)


class ReviewAction(models.Model):
    """One thing to be done towards a recommendation: by whom, by when, and how it stands."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="actions"
    )
    description = models.TextField()
    # The agency and a named person, as the action plan writes them: "Police: DI Hale".
    owner = models.CharField(max_length=200)
    due_on = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    completed_on = models.DateField(null=True, blank=True)
    # What shows it was done (an audit's findings, a revised procedure): the
    # partnership must be able to show its learning changed practice.
    evidence = models.TextField(blank=True)
    dropped_reason = models.TextField(blank=True)
    created_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"{self.recommendation}: {self.description[:60]}"

    def is_overdue(self, today: dt.date) -> bool:
        """Past its due date and neither done nor dropped."""
        return self.status in ACTION_OPEN_STATUSES and self.due_on < today


# An action still to be finished: only these can be overdue.
ACTION_OPEN_STATUSES = frozenset({ReviewAction.Status.NOT_STARTED, ReviewAction.Status.IN_PROGRESS})


class ReviewActionUpdate(models.Model):
    """One change of an action's status, kept so that nothing said about it is lost.

    ``note`` is what came with the change: the evidence when it was done, the
    reason when it was dropped, a word on progress otherwise.
    """

    action = models.ForeignKey(ReviewAction, on_delete=models.CASCADE, related_name="updates")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField()
    from_status = models.CharField(max_length=12, choices=ReviewAction.Status.choices)
    to_status = models.CharField(max_length=12, choices=ReviewAction.Status.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
