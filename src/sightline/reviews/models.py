"""Case reviews: what the partnership reviews when a child is seriously harmed, and who it is about.

A review is about one or more children, each known in everything the review
publishes by a code of letters (AG, AI in the Norfolk reviews), never by name.
The code lives on the child's place in the review, not on the person, because a
child could be the subject of more than one review.
"""

from __future__ import annotations

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
