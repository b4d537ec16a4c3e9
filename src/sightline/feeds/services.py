"""Ingesting feed v1 files: every line becomes a source record or a quarantined line.

The flow for one file: read a line, decode and validate it (see
:mod:`sightline.feeds.decoding`), then decide against the record's current
version: new, duplicate, newer version, stale, or conflict. Decisions are made a
batch at a time so that the database sees a few large statements instead of one
per record, and memory stays flat whatever the file size. Each batch commits on
its own, in line order, and records the last line it holds: a crash loses at
most the batch in hand, and sending the same file again continues after that
line, in the same feed file, so nothing is doubled or quarantined twice (see
"Resilience" in docs/architecture.md).

Large files are decoded by worker processes while this process writes, because
validation and writing each take about half the time and the machine has two
cores.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple, cast

import orjson
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from sightline.feeds import writer
from sightline.feeds.adapters import adapt_body
from sightline.feeds.decoding import (
    AGENCY,
    CONTENT_HASH,
    LINE_NUMBER,
    PEOPLE,
    RECORD_ID,
    STORED,
    STORED_COLUMNS,
    TEXT,
    VERSION,
    WARNINGS,
    CandidateRow,
    DecodedBlock,
    Rejected,
    decode_block,
    decode_line,
    decoded_candidates,
    no_cyclic_gc,
)
from sightline.feeds.models import Agency, FeedFile, QuarantinedLine, SourceRecord
from sightline.feeds.reader import BLOCK_BYTES, MAX_LINE_BYTES, Block, HashingReader, Line
from sightline.jobs.processes import owner_is_gone, process_owner

# Records decided and written per transaction. Large enough that a block read
# from the file (about 9,000 records) is one transaction: on PostgreSQL fewer,
# larger transactions cut the server's work per record by a sixth.
BATCH_SIZE = 20_000
# Files smaller than this are decoded in-process: starting workers costs more.
PARALLEL_FROM_BYTES = 8 * 1024 * 1024
# Tries of one batch that loses a race for a record to a concurrent ingest of the same file.
BATCH_ATTEMPTS = 3


class IngestError(Exception):
    """The input could not be read at all (missing file, a directory, no permission)."""


class LineOutcome(NamedTuple):
    """What became of one line: for senders who want an answer line by line (the API)."""

    line: int
    record_id: str  # "" when the line could not be read far enough to tell
    outcome: str  # accepted, duplicate, superseded, stale or rejected
    reasons: list[str]  # why it was rejected; empty otherwise
    warnings: list[str]  # problems that did not reject it


@dataclass
class FileResult:
    name: str
    feed_file_id: int | None = None
    lines_read: int = 0
    blank_lines: int = 0
    accepted: int = 0
    duplicates: int = 0
    superseded: int = 0
    stale: int = 0
    rejected: int = 0
    warnings: int = 0
    error: str = ""
    # Every non-blank line's outcome, in line order; only when asked for
    # (report_lines), since a million-line file would hold a million of them.
    lines: list[LineOutcome] | None = None
    # The last line of the file whose outcome is committed; after an interruption
    # everything up to it is held and sending the file again continues after it.
    committed_line: int = 0
    # Set when this ingest continued an interrupted one: the line it started after.
    resumed_after: int = 0

    @property
    def adds_up(self) -> bool:
        return self.lines_read == (
            self.accepted + self.duplicates + self.superseded + self.stale + self.rejected
        )


@dataclass
class _Outcome:
    accepted: int = 0
    superseded: int = 0
    duplicates: int = 0
    stale: int = 0
    warnings: int = 0
    rejects: list[Rejected] = field(default_factory=list)
    # line number -> the source record it became
    written: dict[int, int] = field(default_factory=dict)
    # (line number, record id, outcome) of every record decided, rejects aside
    decided: list[tuple[int, str, str]] = field(default_factory=list)


# ---- deciding against what is held ---------------------------------------------------


def _agency_ids(codes: Iterable[str], cache: dict[str, int]) -> None:
    missing = sorted(set(codes) - cache.keys())
    if not missing:
        return
    for agency in Agency.objects.filter(code__in=missing):
        cache[agency.code] = agency.pk
    for code in missing:
        if code not in cache:
            cache[code] = Agency.objects.create(code=code).pk


def _heads(keys: set[tuple[int, str]]) -> dict[tuple[int, str], tuple[int, str]]:
    """(agency id, record id) -> (version, content hash) of the current version held."""
    found: dict[tuple[int, str], tuple[int, str]] = {}
    by_agency: dict[int, list[str]] = {}
    for agency_id, record_id in keys:
        by_agency.setdefault(agency_id, []).append(record_id)
    with connection.cursor() as cur:
        for agency_id, record_ids in by_agency.items():
            if writer.is_postgres():
                # One array parameter: PostgreSQL plans a 900-item IN list slowly.
                cur.execute(
                    "SELECT record_id, version, content_hash FROM feeds_recordhead"
                    " WHERE agency_id = %s AND record_id = ANY(%s)",
                    [agency_id, record_ids],
                )
                rows = cur.fetchall()
            else:
                rows = []
                for start in range(0, len(record_ids), 900):
                    chunk = record_ids[start : start + 900]
                    marks = ",".join(["%s"] * len(chunk))
                    cur.execute(
                        "SELECT record_id, version, content_hash FROM feeds_recordhead"
                        f" WHERE agency_id = %s AND record_id IN ({marks})",
                        [agency_id, *chunk],
                    )
                    rows.extend(cur.fetchall())
            for record_id, version, chash in rows:
                found[(agency_id, record_id)] = (version, chash)
    return found


def _held_version_hash(agency_id: int, record_id: str, version: int) -> str | None:
    return (
        SourceRecord.objects.filter(agency_id=agency_id, record_id=record_id, version=version)
        .values_list("content_hash", flat=True)
        .first()
    )


def _conflict(c: CandidateRow) -> Rejected:
    return Rejected(
        c[LINE_NUMBER],
        c[TEXT].encode("utf-8"),
        [
            f"record_version: version {c[VERSION]} of record {c[RECORD_ID]} is already held"
            " with different content; send the correction with a higher record_version"
        ],
        c[AGENCY],
        c[RECORD_ID],
    )


# ---- writing -------------------------------------------------------------------------

_SOURCE_COLUMNS = ("id", "agency_id", "received_at", "feed_file_id", *STORED_COLUMNS)
_SUBJECT_COLUMNS = (
    "source_record_id",
    "agency_id",
    "local_id",
    "role",
    "given_name",
    "family_name",
    "other_names",
    "date_of_birth",
    "expected_date_of_birth",
    "sex",
    "nhs_number_as_written",
    "nhs_number",
    "upn_as_written",
    "upn",
    "postcode_as_written",
    "postcode",
    "address",
)
_HEAD_COLUMNS = ("agency_id", "record_id", "version", "content_hash", "source_record_id")
_QUARANTINE_COLUMNS = (
    "feed_file_id",
    "line_number",
    "raw",
    "reasons",
    "agency_code",
    "record_id",
    "status",
    "created_at",
    "retry_count",
)


def _json_list(values: list[str]) -> str:
    return orjson.dumps(values).decode()


def _apply_batch(
    candidates: Sequence[CandidateRow],
    feed_file_id: int,
    agencies: dict[str, int],
    received_at: dt.datetime,
) -> _Outcome:
    """Decide and write one batch's records. The caller holds the transaction.

    This loop runs once per record of every feed, so the common case (a record
    never seen before) takes the shortest path.
    """
    writer.lock_for_ingest()
    out = _Outcome()
    _agency_ids({c[AGENCY] for c in candidates}, agencies)
    keys = [(agencies[c[AGENCY]], c[RECORD_ID]) for c in candidates]
    heads = _heads(set(keys))
    in_db = set(heads)

    new_records: list[tuple[int, CandidateRow]] = []  # (agency id, candidate)
    current: dict[tuple[int, str], int] = {}  # key -> index into new_records
    in_batch: dict[tuple[int, str, int], str] = {}  # versions this batch adds -> hash

    for key, c in zip(keys, candidates, strict=True):
        held = heads.get(key)
        if held is None and key not in current:
            in_batch[(*key, c[VERSION])] = c[CONTENT_HASH]
            current[key] = len(new_records)
            new_records.append((key[0], c))
            heads[key] = (c[VERSION], c[CONTENT_HASH])
            out.accepted += 1
            out.decided.append((c[LINE_NUMBER], c[RECORD_ID], "accepted"))
            continue
        added = in_batch.get((*key, c[VERSION]))
        if added is not None or (held is not None and held[0] == c[VERSION]):
            if (added or (held[1] if held else "")) == c[CONTENT_HASH]:
                out.duplicates += 1
                out.decided.append((c[LINE_NUMBER], c[RECORD_ID], "duplicate"))
            else:
                out.rejects.append(_conflict(c))
            continue
        assert held is not None  # a key seen earlier in this batch is in heads too
        if c[VERSION] < held[0]:
            old_hash = _held_version_hash(key[0], c[RECORD_ID], c[VERSION])
            if old_hash is None:
                # History the agency never sent before: kept, but not made current.
                new_records.append((key[0], c))
                in_batch[(*key, c[VERSION])] = c[CONTENT_HASH]
                out.stale += 1
                out.decided.append((c[LINE_NUMBER], c[RECORD_ID], "stale"))
            elif old_hash == c[CONTENT_HASH]:
                out.duplicates += 1
                out.decided.append((c[LINE_NUMBER], c[RECORD_ID], "duplicate"))
            else:
                out.rejects.append(_conflict(c))
            continue
        in_batch[(*key, c[VERSION])] = c[CONTENT_HASH]
        current[key] = len(new_records)
        new_records.append((key[0], c))
        heads[key] = (c[VERSION], c[CONTENT_HASH])
        out.superseded += 1
        out.decided.append((c[LINE_NUMBER], c[RECORD_ID], "superseded"))

    received = writer.datetime_adapter()(received_at)
    ids = writer.allocate_ids("feeds_sourcerecord", len(new_records))
    pairs = list(zip(ids, new_records, strict=True))
    writer.write_rows(
        "feeds_sourcerecord",
        _SOURCE_COLUMNS,
        [
            (rec_id, agency_id, received, feed_file_id, *c[STORED:])
            for rec_id, (agency_id, c) in pairs
        ],
    )
    writer.write_rows(
        "feeds_subjectrecord",
        _SUBJECT_COLUMNS,
        [(rec_id, agency_id, *person) for rec_id, (agency_id, c) in pairs for person in c[PEOPLE]],
    )
    out.written = {c[LINE_NUMBER]: rec_id for rec_id, (_, c) in pairs}
    out.warnings = sum(1 for _, c in new_records if c[WARNINGS] != "[]")

    head_rows = [
        (key[0], key[1], new_records[i][1][VERSION], new_records[i][1][CONTENT_HASH], ids[i])
        for key, i in current.items()
    ]
    writer.write_rows(
        "feeds_recordhead", _HEAD_COLUMNS, [row for row in head_rows if row[:2] not in in_db]
    )
    updates = [(v, h, rid, a, r) for a, r, v, h, rid in head_rows if (a, r) in in_db]
    if updates:
        with connection.cursor() as cur:
            cur.executemany(
                "UPDATE feeds_recordhead SET version = %s, content_hash = %s,"
                " source_record_id = %s WHERE agency_id = %s AND record_id = %s",
                updates,
            )
    return out


def _quarantine(rejects: Sequence[Rejected], feed_file_id: int, now: Any) -> None:
    writer.write_rows(
        "feeds_quarantinedline",
        _QUARANTINE_COLUMNS,
        [
            (
                feed_file_id,
                r.line_number,
                r.raw,
                _json_list(r.reasons),
                r.agency,
                r.record_id,
                "open",
                now,
                0,
            )
            for r in rejects
        ],
    )


def _line_of(row: CandidateRow | Rejected) -> int:
    if isinstance(row, Rejected):
        return row.line_number
    number: int = cast(Sequence[Any], row)[LINE_NUMBER]
    return number


_COUNTS = ("lines_read", "accepted", "duplicates", "superseded", "stale", "rejected", "warnings")


def _ingest_batch(
    decoded: Sequence[CandidateRow | Rejected],
    feed: FeedFile,
    result: FileResult,
    agencies: dict[str, int],
    received_at: dt.datetime,
) -> None:
    """Decide, write and count one batch (whole lines, in line order) in one transaction."""
    candidates = [d for d in decoded if not isinstance(d, Rejected)]
    last_line = _line_of(decoded[-1])
    for attempt in range(1, BATCH_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                out = _apply_batch(candidates, feed.pk, agencies, received_at)
                rejects = [d for d in decoded if isinstance(d, Rejected)] + out.rejects
                _quarantine(rejects, feed.pk, writer.datetime_adapter()(received_at))
                added = (
                    len(decoded),
                    out.accepted,
                    out.duplicates,
                    out.superseded,
                    out.stale,
                    len(rejects),
                    out.warnings,
                )
                totals = {
                    name: getattr(result, name) + n for name, n in zip(_COUNTS, added, strict=True)
                }
                FeedFile.objects.filter(pk=feed.pk).update(
                    **totals, committed_line=last_line, progress_at=timezone.now()
                )
        except IntegrityError:
            # Another ingest of the same records committed first. The advisory lock
            # (PostgreSQL) and the IMMEDIATE transaction (SQLite) make this rare;
            # trying again reads its rows and counts them as duplicates.
            agencies.clear()  # an agency made in the rolled-back transaction is gone
            if attempt == BATCH_ATTEMPTS:
                raise
            continue
        # Counted only once committed, so a rolled-back try counts nothing.
        for name, value in totals.items():
            setattr(result, name, value)
        result.committed_line = last_line
        if result.lines is not None:
            _report_lines(result.lines, candidates, out.decided, rejects)
        return


def _report_lines(
    lines: list[LineOutcome],
    candidates: Sequence[CandidateRow],
    decided: Sequence[tuple[int, str, str]],
    rejects: Sequence[Rejected],
) -> None:
    warned = {c[LINE_NUMBER]: c[WARNINGS] for c in candidates if c[WARNINGS] != "[]"}
    for number, record_id, outcome in decided:
        warnings = orjson.loads(warned[number]) if number in warned else []
        lines.append(LineOutcome(number, record_id, outcome, [], warnings))
    for r in rejects:
        lines.append(LineOutcome(r.line_number, r.record_id, "rejected", r.reasons, []))


def _sort_lines(result: FileResult) -> None:
    if result.lines is not None:
        result.lines.sort(key=lambda o: o.line)


def _only_from(
    agency: str, candidates: Sequence[CandidateRow], rejects: list[Rejected]
) -> list[CandidateRow]:
    """Reject every record naming an agency other than ``agency`` (the sender's own).

    A sender authenticated as one agency (an API token) may send records only
    for itself. Such a line is kept in quarantine like any other reject, and a
    line already rejected for other reasons gets this reason too.
    """

    def reason(named: str) -> str:
        return (
            f"agency: {named!r} is not the sending agency ({agency}); an agency may send"
            " only its own records"
        )

    for i, r in enumerate(rejects):
        if r.agency and r.agency != agency:
            rejects[i] = r._replace(reasons=[*r.reasons, reason(r.agency)])
    own: list[CandidateRow] = []
    for c in candidates:
        if c[AGENCY] == agency:
            own.append(c)
        else:
            raw = c[TEXT].encode("utf-8")
            rejects.append(
                Rejected(c[LINE_NUMBER], raw, [reason(c[AGENCY])], c[AGENCY], c[RECORD_ID])
            )
    return own


# ---- decoding, in this process or in workers -----------------------------------------


def _decoded_blocks(
    blocks: Iterator[Block], received_at: dt.datetime, workers: int
) -> Iterator[tuple[Block, DecodedBlock]]:
    if workers <= 0:
        for block in blocks:
            yield block, decode_block(block, received_at)
        return
    # Bounded look-ahead keeps memory flat: at most 2 blocks per worker in flight.
    # Workers are forked while this process has the cyclic collector paused;
    # they turn it back on, and pause it only while decoding a block.
    with ProcessPoolExecutor(max_workers=workers, initializer=gc.enable) as pool:
        pending: list[tuple[Block, Any]] = []
        for block in blocks:
            pending.append((block, pool.submit(decode_block, block, received_at)))
            if len(pending) >= workers * 2:
                done, future = pending.pop(0)
                yield done, future.result()
        for done, future in pending:
            yield done, future.result()


def _after_line(blocks: Iterator[Block], line: int) -> Iterator[Block]:
    """The blocks of a file less its lines up to ``line`` (already held: a resumed ingest)."""
    for block in blocks:
        data = block.data
        lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        if block.first_line + lines - 1 <= line:
            continue
        if block.first_line > line:
            yield block
            continue
        cut = 0
        for _ in range(line - block.first_line + 1):
            cut = data.index(b"\n", cut) + 1
        yield Block(line + 1, data[cut:])


def _in_line_order(
    decoded: DecodedBlock, block: Block, only_agency: str | None = None
) -> list[CandidateRow | Rejected]:
    """A block's candidates and rejects by line number, so each batch is a run of whole lines.

    With ``only_agency``, records naming another agency join the rejects first.
    """
    candidates: Sequence[CandidateRow] = decoded_candidates(block, decoded)
    rejects = list(decoded.rejects)
    if only_agency is not None:
        candidates = _only_from(only_agency, candidates, rejects)
    rows: list[CandidateRow | Rejected] = [*rejects, *candidates]
    # Runs already in order: the sort merges them in linear time.
    rows.sort(key=_line_of)
    return rows


def _stopped(feed: FeedFile, result: FileResult, exc: Exception) -> None:
    """Record that an ingest stopped part way, if the database can still be reached."""
    result.error = f"{type(exc).__name__}: {exc}".strip()
    if not connection.in_atomic_block:
        # A connection the server dropped is unusable: this opens a fresh one.
        connection.close_if_unusable_or_obsolete()
    # If it is still away, the file stays "receiving" under a process that is about
    # to exit, and feed_files_mark_interrupted finds it so at the next look.
    with contextlib.suppress(DatabaseError):
        FeedFile.objects.filter(pk=feed.pk).update(
            status=FeedFile.Status.INTERRUPTED,
            error=_interrupted_message(result.committed_line, result.error)[:2000],
        )


def _interrupted_message(line: int, cause: str) -> str:
    return (
        f"Stopped after line {line:,}: {cause}. Every line up to {line:,} is held."
        " Sending the same file again is safe: it continues after that line, and"
        " nothing already held is doubled."
    )


def feed_files_mark_interrupted(*, now: dt.datetime | None = None) -> int:
    """Mark interrupted every file left "receiving" by a process that no longer exists.

    A killed ingest cannot say it stopped, so this runs where operators look
    (the feeds pages) and before every ingest. Returns how many were marked.
    """
    now = now or timezone.now()
    marked = 0
    receiving = FeedFile.objects.filter(status=FeedFile.Status.RECEIVING).only(
        "owner", "progress_at", "received_at", "committed_line"
    )
    for feed in receiving:
        if not owner_is_gone(feed.owner, feed.progress_at or feed.received_at, now):
            continue
        cause = "the process receiving it stopped (a crash or a restart)"
        marked += FeedFile.objects.filter(
            pk=feed.pk, status=FeedFile.Status.RECEIVING, owner=feed.owner
        ).update(
            status=FeedFile.Status.INTERRUPTED,
            error=_interrupted_message(feed.committed_line, cause),
        )
    return marked


def _resumable(checksum: str) -> FeedFile | None:
    """Claim the latest interrupted ingest of a file with these bytes, if there is one."""
    feed_files_mark_interrupted()
    candidates = FeedFile.objects.filter(
        checksum=checksum, status=FeedFile.Status.INTERRUPTED
    ).order_by("-received_at", "-pk")
    for feed in candidates[:5]:
        # Claimed by a conditional update: of two processes resuming at once, one
        # wins, and the other ingests the file as a new one (all duplicates).
        claimed = FeedFile.objects.filter(pk=feed.pk, status=FeedFile.Status.INTERRUPTED).update(
            status=FeedFile.Status.RECEIVING,
            owner=process_owner(),
            progress_at=timezone.now(),
            error="",
        )
        if claimed:
            feed.refresh_from_db()
            return feed
    return None


# ---- the public services -------------------------------------------------------------


def feed_ingest_stream(
    *,
    stream: BinaryIO,
    name: str,
    sent_by: str = "",
    batch_size: int = BATCH_SIZE,
    received_at: dt.datetime | None = None,
    workers: int = 0,
    block_bytes: int = BLOCK_BYTES,
    only_agency: str | None = None,
    report_lines: bool = False,
    checksum: str = "",
    resume: FeedFile | None = None,
) -> FileResult:
    """Ingest one feed from an open binary stream; see the module docstring.

    ``workers`` is the number of decoding processes; 0 decodes in this process.
    ``checksum``, when known beforehand, is recorded at once so that an
    interrupted ingest can be found again; ``resume`` is such an interrupted
    feed file, claimed, whose lines after its ``committed_line`` are ingested.
    ``only_agency``: records for any other agency are rejected (an API sender's
    own agency). ``report_lines``: fill ``FileResult.lines`` with every line's outcome.
    """
    received_at = received_at or timezone.now()
    result = FileResult(name=name, lines=[] if report_lines else None)
    if resume is None:
        feed = FeedFile.objects.create(
            name=name[:500],
            checksum=checksum,
            received_at=received_at,
            sent_by=sent_by[:200],
            owner=process_owner(),
            progress_at=timezone.now(),
        )
    else:
        feed = resume
        for count in _COUNTS:
            setattr(result, count, getattr(feed, count))
        result.committed_line = result.resumed_after = feed.committed_line
    result.feed_file_id = feed.pk
    reader = HashingReader(stream, block_bytes)
    agencies: dict[str, int] = {}
    try:
        with no_cyclic_gc():
            blocks = _after_line(reader.blocks(), result.committed_line)
            for block, decoded in _decoded_blocks(blocks, received_at, workers):
                result.blank_lines += decoded.blank_lines
                rows = _in_line_order(decoded, block, only_agency)
                for start in range(0, len(rows), batch_size):
                    batch = rows[start : start + batch_size]
                    _ingest_batch(batch, feed, result, agencies, received_at)
    except (DatabaseError, OSError) as exc:
        _sort_lines(result)
        _stopped(feed, result, exc)
        return result
    _sort_lines(result)
    FeedFile.objects.filter(pk=feed.pk).update(
        status=FeedFile.Status.COMPLETE,
        checksum=reader.sha256.hexdigest(),
        size_bytes=reader.size,
        progress_at=timezone.now(),
    )
    return result


def _sha256_of(stream: BinaryIO) -> str:
    digest = hashlib.sha256()
    # Small reads, so that memory stays flat whatever the size of the file.
    while chunk := stream.read(256 * 1024):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def feed_ingest_path(
    *,
    path: Path,
    sent_by: str = "",
    batch_size: int = BATCH_SIZE,
    workers: int | None = None,
    block_bytes: int = BLOCK_BYTES,
) -> FileResult:
    """Ingest a file on disk. Raises :class:`IngestError` if it cannot be opened at all."""
    if path.is_dir():
        raise IngestError(f"{path}: is a directory, not a feed file")
    try:
        stream = path.open("rb")
    except FileNotFoundError:
        raise IngestError(f"{path}: no such file") from None
    except OSError as exc:
        raise IngestError(f"{path}: cannot be read ({exc.strerror})") from None
    if workers is None:
        big = path.stat().st_size >= PARALLEL_FROM_BYTES
        workers = min(2, os.cpu_count() or 1) if big else 0
    with stream:
        # Hashed first (about a second a gigabyte), so that a file whose ingest was
        # interrupted is known when it is sent again and continued, not doubled.
        checksum = _sha256_of(stream)
        return feed_ingest_stream(
            stream=stream,
            name=path.name,
            sent_by=sent_by,
            batch_size=batch_size,
            workers=workers,
            block_bytes=block_bytes,
            checksum=checksum,
            resume=_resumable(checksum),
        )


@dataclass(frozen=True)
class RetryResult:
    quarantine_id: int
    status: str
    reasons: list[str]
    source_record_id: int | None = None


def quarantine_retry(
    *,
    line: QuarantinedLine,
    replacement: bytes | None = None,
    received_at: dt.datetime | None = None,
) -> RetryResult:
    """Run a quarantined line (or its corrected replacement) through ingest again.

    The original bytes stay in quarantine whatever happens; a replacement is
    recorded as the payload of the source record it becomes, with the original
    file and line as its provenance.
    """
    received_at = received_at or timezone.now()
    if line.status != QuarantinedLine.Status.OPEN:
        return RetryResult(line.pk, line.status, list(line.reasons), line.resolved_by_id)
    raw = bytes(line.raw) if replacement is None else replacement.rstrip(b"\r\n")
    decoded = decode_line(
        Line(number=line.line_number, raw=raw, too_long=len(raw) > MAX_LINE_BYTES), received_at
    )
    updates: dict[str, Any] = {"retried_at": received_at, "retry_count": line.retry_count + 1}
    with transaction.atomic():
        if isinstance(decoded, Rejected):
            updates["reasons"] = decoded.reasons
        else:
            out = _apply_batch([decoded], line.feed_file_id, {}, received_at)
            if out.rejects:
                updates["reasons"] = out.rejects[0].reasons
            elif out.written:
                updates["status"] = QuarantinedLine.Status.ACCEPTED
                updates["resolved_by_id"] = next(iter(out.written.values()))
            else:
                updates["status"] = QuarantinedLine.Status.ALREADY_HELD
        QuarantinedLine.objects.filter(pk=line.pk).update(**updates)
    line.refresh_from_db()
    return RetryResult(line.pk, line.status, list(line.reasons), line.resolved_by_id)


def feed_ingest_adapted(
    *,
    body: bytes | BinaryIO,
    filename: str,
    agency: str,
    content_type: str = "",
    sent_by: str = "",
    received_at: dt.datetime | None = None,
) -> FileResult:
    """Ingest a body in any format Sightline reads: feed v1, a FHIR bundle or a CSV return.

    The format comes from ``content_type``, ``filename`` and the first bytes
    (:func:`sightline.feeds.adapters.detect_format`); ``agency`` is the sending
    agency's code, which FHIR and CSV do not carry (feed v1 records name their
    own). The feed file keeps the SHA-256 and size of the bytes as sent.
    """
    adapted = adapt_body(body=body, agency=agency, content_type=content_type, filename=filename)
    result = feed_ingest_stream(
        stream=adapted.stream,
        name=filename or f"{adapted.format}-body",
        sent_by=sent_by,
        received_at=received_at,
    )
    if adapted.sent_sha256 and result.feed_file_id is not None:
        FeedFile.objects.filter(pk=result.feed_file_id).update(
            checksum=adapted.sent_sha256, size_bytes=adapted.sent_size
        )
    return result
