"""Who is who: agency persons, the people they resolve to, and each linkage run.

Linkage is derived (architecture invariant 3): everything here can be rebuilt
from the subject records, except the public ``Person.public_id``, which must
survive every re-run because other stages and people quote it.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from sightline.feeds.models import Agency

# Crockford's base32: no I, L, O or U, so an id read aloud or retyped is unambiguous.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_public_id() -> str:
    """A short opaque id ("P-" and 10 base32 characters, 50 bits).

    Random rather than sequential so that an id says nothing about when or in
    what order a child became known, and is never reused or renumbered.
    """
    return "P-" + "".join(secrets.choice(_ALPHABET) for _ in range(10))


class Person(models.Model):
    """One real person, as linkage believes: the stable id AgencyPersons resolve to."""

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["public_id"]

    def __str__(self) -> str:
        return self.public_id


class AgencyPerson(models.Model):
    """One agency's view of one person (agency, local id): the unit linkage links.

    Every spelling, address and identifier the agency has used for them lives in
    its subject records; this row only names the view and says which person it
    belongs to (null until a linkage run has placed it).
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    local_id = models.CharField(max_length=128)
    person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agency_persons",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "local_id"], name="agencyperson_unique")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}:{self.local_id}"


class LinkRun(models.Model):
    """One linkage run: what it did, with the trained model, so a result can be explained."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        COMPLETE = "complete", "Complete"
        FAILED = "failed", "Failed"

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    kind = models.CharField(max_length=16, default="full")
    engine = models.CharField(max_length=16)
    error = models.TextField(blank=True)
    notes = models.TextField(blank=True, help_text="What the run could not do, and why")
    agency_persons = models.IntegerField(default=0)
    agency_persons_created = models.IntegerField(default=0)
    persons = models.IntegerField(default=0)
    persons_created = models.IntegerField(default=0)
    pairs_scored = models.IntegerField(
        default=0, help_text="Pairs of identity variants scored at match probability 0.5 or more"
    )
    links = models.IntegerField(default=0, help_text="Pairs at or above the match threshold")
    links_refused = models.IntegerField(
        default=0, help_text="Links above the threshold refused: conflicting NHS numbers or UPNs"
    )
    links_held_back = models.IntegerField(
        default=0,
        help_text="Pairs above the threshold not linked: twin or evidence guard",
    )
    memberships_changed = models.IntegerField(default=0)
    review_pairs = models.IntegerField(
        default=0, help_text="Pairs left for a person to decide: review, held or refused bands"
    )
    match_threshold = models.FloatField(help_text="Match probability at or above which to link")
    model_json = models.TextField(blank=True, help_text="The trained Splink model")
    # Pairwise figures against a known truth, when the run was scored (synthetic data only).
    precision = models.FloatField(null=True, blank=True)
    recall = models.FloatField(null=True, blank=True)
    f1 = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"link run {self.pk} ({self.status})"


class CandidatePair(models.Model):
    """A pair of agency persons a run scored high enough to link or to show a reviewer.

    Kept for the latest run only (each run replaces the last run's pairs): the
    review queue and the explanations are about the model as it stands now. The
    explanation is the match weight of each comparison, with the level it
    reached, for the best pair of the two agency persons' identity variants.
    """

    class Band(models.TextChoices):
        LINKED = "linked", "Linked automatically"
        REVIEW = "review", "Between the thresholds: for a person to decide"
        HELD = "held", "Above the match threshold, held back by the twin or evidence guard"
        REFUSED = "refused", "Linked by score, refused by clustering (identifiers or a decision)"

    # Not database constraints: a run writes hundreds of thousands of these
    # rows, all derived from its own agency persons, and PostgreSQL checking
    # three deferred foreign keys per row at commit took a sixth of a
    # million-record run. The ORM still cascades deletes.
    run = models.ForeignKey(
        LinkRun, on_delete=models.CASCADE, related_name="candidate_pairs", db_constraint=False
    )
    agency_person_a = models.ForeignKey(
        AgencyPerson, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    agency_person_b = models.ForeignKey(
        AgencyPerson, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    band = models.CharField(max_length=8, choices=Band.choices)
    probability = models.FloatField(help_text="Match probability of the best variant pair")
    guard_reason = models.TextField(blank=True, help_text="Why it was not linked automatically")
    explanation = models.JSONField(
        default=dict, help_text="Match weight and level of each comparison, the prior, the total"
    )

    class Meta:
        ordering = ["-probability", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "agency_person_a", "agency_person_b"], name="candidatepair_unique"
            ),
        ]
        indexes = [models.Index(fields=["run", "band"], name="candidatepair_run_band")]

    def __str__(self) -> str:
        return f"pair {self.pk} ({self.band}, {self.probability:.3f})"


class LinkDecision(models.Model):
    """A person's ruling on who is who. Every later run honours it; the newest wins."""

    class Kind(models.TextChoices):
        SAME = "same", "The same person"
        DIFFERENT = "different", "Not the same person"
        SPLIT = "split", "Split a person"
        MERGE = "merge", "Merge two persons"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    decided_by = models.CharField(max_length=200, help_text="Who decided, as they gave their name")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_at", "-id"]
        constraints = [
            # A decision nobody can account for is not one: who and why are required.
            models.CheckConstraint(
                condition=~models.Q(reason=""), name="linkdecision_reason_required"
            ),
            models.CheckConstraint(
                condition=~models.Q(decided_by=""), name="linkdecision_decided_by_required"
            ),
        ]

    def __str__(self) -> str:
        return f"decision {self.pk} ({self.kind} by {self.decided_by})"


class LinkDecisionMember(models.Model):
    """An agency person a decision is about, and its side.

    same/merge: both sides are one person. different: side a is not side b.
    split: side a (split off, kept together) is not side b (the rest).
    """

    class Side(models.TextChoices):
        A = "a", "A"
        B = "b", "B"

    decision = models.ForeignKey(LinkDecision, on_delete=models.CASCADE, related_name="members")
    agency_person = models.ForeignKey(AgencyPerson, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=1, choices=Side.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "agency_person"], name="linkdecisionmember_unique"
            ),
        ]


class PersonChange(models.Model):
    """One step in a person id's history: its members merged into another, or split from one.

    ``merged_into``: ``person`` lost all its members to ``other`` (the id stays,
    empty, so that anyone quoting it can be told where the child went).
    ``split_from``: ``person`` took members that ``other`` held before.
    """

    class Kind(models.TextChoices):
        MERGED_INTO = "merged_into", "Merged into"
        SPLIT_FROM = "split_from", "Split from"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    other = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    agency_persons = models.IntegerField(help_text="How many agency persons moved")
    run = models.ForeignKey(LinkRun, null=True, blank=True, on_delete=models.SET_NULL)
    decision = models.ForeignKey(LinkDecision, null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind} {self.other_id}"


class Relationship(models.Model):
    """One person named beside another in agency records, with the role the records give.

    Read it as "``related_person`` is the ``role`` of ``person``" (a record
    about a child naming its mother gives role ``mother``; an adult's record
    naming the children in their care gives role ``child``). One row per pair
    of agency persons and role, however many records said so: derived, and
    rebuilt after every full run by
    :func:`sightline.linkage.households.relationships_rebuild`.
    """

    agency_person = models.ForeignKey(AgencyPerson, on_delete=models.CASCADE, related_name="+")
    related_agency_person = models.ForeignKey(
        AgencyPerson, on_delete=models.CASCADE, related_name="+"
    )
    # Null until a linkage run has placed the agency person (a record that
    # arrived after the last run): the relationship is still kept, so nobody
    # named beside a child disappears from view for want of a link.
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="relationships"
    )
    related_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="related_to"
    )
    role = models.CharField(max_length=32)
    start_date = models.DateField(
        null=True, blank=True, help_text="When a record said they joined the household"
    )
    end_date = models.DateField(
        null=True, blank=True, help_text="When a record said they left, if nothing later undid it"
    )
    first_recorded = models.DateField(help_text="The earliest record naming them together")
    last_recorded = models.DateField(help_text="The latest record naming them together")
    # Not a database constraint, like every key into the ingested tables.
    source_record = models.ForeignKey(
        "feeds.SourceRecord",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        help_text="The first record that said so",
    )
    records = models.IntegerField(default=1, help_text="How many records said so")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency_person", "related_agency_person", "role"],
                name="relationship_unique",
            )
        ]
        indexes = [
            models.Index(fields=["person"], name="relationship_person"),
            models.Index(fields=["related_person"], name="relationship_related"),
        ]

    def __str__(self) -> str:
        return f"{self.related_agency_person_id} is {self.role} of {self.agency_person_id}"
