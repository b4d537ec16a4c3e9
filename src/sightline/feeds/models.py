"""What arrives from agencies, kept exactly as it arrived.

Source records are written once and never updated (architecture invariant 2);
which version is current is held in :class:`RecordHead`, a small index that the
ingest service maintains, so that superseding a record never touches the
record itself.

The foreign keys that every ingested row carries (a source record's agency and
file; a subject record's and a head's source record) are not database
constraints. Checking them cost PostgreSQL a trigger call per key per row, a
third of its ingest time, and they are true by construction: ingest allocates
the ids and writes a source record with its subjects and head in one
transaction, and nothing else writes these tables. Deletion is still guarded:
``on_delete=PROTECT`` refuses, in the ORM, to delete anything they point at, and
the test suite checks every ingested database for orphans.
"""

from __future__ import annotations

from django.db import models


class AgencyKind(models.TextChoices):
    HEALTH = "health", "Health"
    EDUCATION = "education", "Education"
    EARLY_YEARS = "early_years", "Early years"
    POLICE = "police", "Police"
    HOUSING = "housing", "Housing"
    ADULT_SERVICES = "adult_services", "Adult services"
    CHILDRENS_SERVICES = "childrens_services", "Children's services"
    VOLUNTARY = "voluntary", "Voluntary sector"
    OTHER = "other", "Other"


class Agency(models.Model):
    """A partner agency, known by the code it writes in every feed record."""

    code = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=32, choices=AgencyKind.choices, default=AgencyKind.OTHER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name or self.code


class FeedFile(models.Model):
    """One file (or API body) received, with the outcome of every line in it."""

    class Status(models.TextChoices):
        RECEIVING = "receiving", "Receiving"
        COMPLETE = "complete", "Complete"
        # Stopped part way (a crash, a restart, the database going away): every line
        # up to committed_line is held; sending the same file again continues after it.
        INTERRUPTED = "interrupted", "Interrupted"
        FAILED = "failed", "Failed"

    name = models.CharField(max_length=500)
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the file's bytes")
    size_bytes = models.BigIntegerField(default=0)
    received_at = models.DateTimeField()
    sent_by = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVING)
    error = models.TextField(blank=True)
    lines_read = models.IntegerField(default=0)
    accepted = models.IntegerField(default=0)
    duplicates = models.IntegerField(default=0)
    superseded = models.IntegerField(default=0)
    stale = models.IntegerField(default=0)
    rejected = models.IntegerField(default=0)
    warnings = models.IntegerField(default=0)
    # Resilience (see docs/architecture.md, "Resilience"): who is receiving the file,
    # when it last committed a batch, and the last line whose outcome is committed.
    owner = models.CharField(max_length=200, blank=True, help_text="host, process id, start")
    progress_at = models.DateTimeField(null=True, blank=True)
    committed_line = models.IntegerField(default=0)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="feedfile_counts_add_up",
                condition=models.Q(status="receiving")
                | models.Q(
                    lines_read=models.F("accepted")
                    + models.F("duplicates")
                    + models.F("superseded")
                    + models.F("stale")
                    + models.F("rejected")
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name


class SourceRecord(models.Model):
    """One version of one agency record. Immutable once written."""

    class Sensitivity(models.TextChoices):
        NORMAL = "normal", "Normal"
        RESTRICTED = "restricted", "Restricted"

    # Not indexed alone: the unique (agency, record_id, version) index serves it.
    # Not a database constraint either: see the module docstring.
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="records",
        db_index=False,
        db_constraint=False,
    )
    record_id = models.CharField(max_length=128)
    version = models.PositiveIntegerField()
    type = models.CharField(max_length=40)
    occurred_on = models.DateField(help_text="The date it happened")
    occurred_at = models.DateTimeField(
        null=True, blank=True, help_text="The moment it happened, when the agency gave a time"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField()
    details = models.JSONField(default=dict)
    summary = models.TextField(blank=True)
    sensitivity = models.CharField(
        max_length=16, choices=Sensitivity.choices, default=Sensitivity.NORMAL
    )
    warnings = models.JSONField(default=list, help_text="Problems that did not reject it")
    payload = models.TextField(help_text="The record exactly as the agency sent it")
    content_hash = models.CharField(max_length=64)
    # Records are found by file through (feed_file, line_number), an index that
    # also gives provenance look-ups their order.
    feed_file = models.ForeignKey(
        FeedFile,
        on_delete=models.PROTECT,
        related_name="records",
        db_index=False,
        db_constraint=False,
    )
    line_number = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "record_id", "version"], name="sourcerecord_unique_version"
            ),
            models.CheckConstraint(
                name="sourcerecord_version_positive", condition=models.Q(version__gte=1)
            ),
        ]
        # No index by file: every index here costs every ingested record, and
        # reading a file's records back is rare enough to scan for.

    def __str__(self) -> str:
        return f"{self.agency_id}:{self.record_id} v{self.version}"


class RecordHead(models.Model):
    """The current version of each (agency, record id): the index idempotency reads.

    Keyed by (agency, record id) itself: a surrogate id would be one more index
    for every record ingested, and nothing refers to a head by id.
    """

    pk = models.CompositePrimaryKey("agency", "record_id")
    # The agency is implied by the source record (and not a database constraint:
    # see the module docstring).
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    record_id = models.CharField(max_length=128)
    version = models.PositiveIntegerField()
    content_hash = models.CharField(max_length=64)
    source_record = models.OneToOneField(
        SourceRecord, on_delete=models.PROTECT, related_name="head", db_constraint=False
    )


class SubjectRecord(models.Model):
    """One person as named in one source record version: the input to linkage.

    Identifiers are kept as written; the normalised form is filled only when
    the identifier passes its check, so an invalid one can never drive a match.
    """

    source_record = models.ForeignKey(
        SourceRecord, on_delete=models.PROTECT, related_name="subjects", db_constraint=False
    )
    # Implied by the source record, as on RecordHead.
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    local_id = models.CharField(max_length=128)
    role = models.CharField(max_length=32, help_text="'subject', or the role in `related`")
    given_name = models.CharField(max_length=200, blank=True)
    family_name = models.CharField(max_length=200, blank=True)
    other_names = models.JSONField(default=list)
    date_of_birth = models.DateField(null=True, blank=True)
    expected_date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=8, blank=True)
    nhs_number_as_written = models.CharField(max_length=32, blank=True)
    nhs_number = models.CharField(max_length=10, blank=True, help_text="Only when valid")
    upn_as_written = models.CharField(max_length=32, blank=True)
    upn = models.CharField(max_length=13, blank=True, help_text="Only when valid")
    postcode_as_written = models.CharField(max_length=32, blank=True)
    postcode = models.CharField(max_length=8, blank=True, help_text="Normalised, when it parses")
    address = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["agency", "local_id"])]


class QuarantinedLine(models.Model):
    """A rejected line, kept byte for byte with every reason, until retried."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACCEPTED = "accepted", "Accepted on retry"
        ALREADY_HELD = "already_held", "Already held when retried"

    feed_file = models.ForeignKey(FeedFile, on_delete=models.PROTECT, related_name="quarantined")
    line_number = models.IntegerField()
    raw = models.BinaryField(help_text="The line's bytes, exactly as received")
    reasons = models.JSONField(default=list)
    agency_code = models.CharField(max_length=200, blank=True)
    record_id = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField()
    retried_at = models.DateTimeField(null=True, blank=True)
    retry_count = models.IntegerField(default=0)
    resolved_by = models.ForeignKey(
        SourceRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status"])]


class RetentionRun(models.Model):
    """One pass of the retention schedule (``sightline retention run``), with its report."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    as_of = models.DateField(help_text="The day periods were counted to")
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    error = models.TextField(blank=True)
    # Per class: the period, how many records had expired, were held (and why),
    # were deleted, and the tombstones written. Counts only, never a record.
    report = models.JSONField(default=dict)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"retention run {self.pk} ({'dry run, ' if self.dry_run else ''}{self.status})"

    @property
    def totals(self) -> dict[str, int]:
        """Expired, held and deleted over every class of the report."""
        classes = self.report.get("classes", []) if isinstance(self.report, dict) else []
        return {k: sum(int(c.get(k, 0)) for c in classes) for k in ("expired", "held", "deleted")}


class Tombstone(models.Model):
    """What remains of a deleted record: that it existed, and which rule removed it.

    No personal data: the class, the agency and the agency's own record id (or,
    for Sightline's own records, the kind and row number), the version, the rule
    and period that expired it, when, and by which run. Never deleted.
    """

    run = models.ForeignKey(RetentionRun, on_delete=models.PROTECT, related_name="tombstones")
    record_class = models.CharField(max_length=32)
    # "source_record", "quarantined_line", "contact", "triage_decision",
    # "notification", "plan", "neglect_assessment", "service_referral".
    kind = models.CharField(max_length=32)
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    record_id = models.CharField(max_length=128, help_text="The agency's id, or the row's number")
    version = models.PositiveIntegerField(null=True, blank=True)
    rule = models.CharField(max_length=200)
    period = models.CharField(max_length=40)
    deleted_at = models.DateTimeField()

    class Meta:
        ordering = ["-deleted_at", "-id"]
        indexes = [models.Index(fields=["record_class"], name="tombstone_class")]

    def __str__(self) -> str:
        return f"{self.record_class} {self.kind} {self.record_id} v{self.version or '-'}"


class LegalHold(models.Model):
    """A child whose records must be kept past their period: a case review, a claim, an inquiry.

    Placed and released by name with a reason, never deleted, so the report of
    every retention run can say what was held and why.
    """

    person = models.ForeignKey("linkage.Person", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    placed_by = models.CharField(max_length=200)
    placed_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="legalhold_has_reason"),
        ]

    def __str__(self) -> str:
        return f"legal hold {self.pk} on {self.person_id}"
