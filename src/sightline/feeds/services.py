"""Ingesting feed v1 files: every line becomes a source record or a quarantined line.

The flow for one file: read a line, decode, validate, then decide against the
record's current version (new, duplicate, newer version, stale, conflict).
Decisions are made a batch at a time so that the database sees a few large
statements instead of one per record, and memory stays flat whatever the file
size. Each batch commits on its own: a crash loses at most the batch in hand,
and sending the file again fills the gap (everything already held is a
duplicate).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import orjson
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from sightline.chronology.services import events_refresh
from sightline.feeds import writer
from sightline.feeds.models import Agency, FeedFile, QuarantinedLine, SourceRecord
from sightline.feeds.reader import MAX_LINE_BYTES, HashingReader, Line
from sightline.feeds.validation import Checked, validate_record

BATCH_SIZE = 5000
MAX_JSON_DEPTH = 64


class IngestError(Exception):
    """The input could not be read at all (missing file, a directory, no permission)."""


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

    @property
    def adds_up(self) -> bool:
        return self.lines_read == (
            self.accepted + self.duplicates + self.superseded + self.stale + self.rejected
        )


@dataclass(slots=True)
class _Candidate:
    line: Line
    obj: dict[str, Any]
    checked: Checked
    content_hash: str
    text: str


@dataclass
class _Batch:
    candidates: list[_Candidate] = field(default_factory=list)
    rejects: list[tuple[Line, list[str], str, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.candidates) + len(self.rejects)


# ---- decoding one line ---------------------------------------------------------------


def _depth_exceeds(obj: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(obj, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values() if isinstance(v, dict | list))
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value if isinstance(v, dict | list))
    return False


def content_hash(obj: dict[str, Any]) -> str:
    """Identity of a record's content: key order and record_version do not count."""
    body = {k: val for k, val in obj.items() if k != "record_version"}
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def decode_line(line: Line, received_at: dt.datetime) -> _Candidate | list[str]:
    """Turn raw bytes into a validated candidate, or the list of reasons it fails."""
    if line.too_long:
        return [f"line is {len(line.raw):,} bytes long; the limit is {MAX_LINE_BYTES:,} (1 MiB)"]
    try:
        text = line.raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [
            f"line is not valid UTF-8: byte 0x{line.raw[exc.start]:02x} at position {exc.start}"
        ]
    if "\x00" in text or "\\u0000" in text:
        return ["line contains a NUL character, which cannot be stored; remove it and resend"]
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        return [f"line is not valid JSON: {exc}"]
    if not isinstance(obj, dict):
        kind = {
            list: "an array",
            str: "a string",
            int: "a number",
            float: "a number",
            bool: "true or false",
            type(None): "null",
        }.get(type(obj), "not an object")
        return [f"line is {kind}, not a JSON object; each line must be one record object"]
    if _depth_exceeds(obj, MAX_JSON_DEPTH):
        return [f"record is nested more than {MAX_JSON_DEPTH} levels deep"]
    checked = validate_record(obj, received_at=received_at)
    if not checked.ok:
        return checked.reasons
    return _Candidate(
        line=line, obj=obj, checked=checked, content_hash=content_hash(obj), text=text
    )


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


def _heads(keys: set[tuple[int, str]]) -> dict[tuple[int, str], tuple[int, str, int]]:
    """(agency id, record id) -> (version, content hash, head row id) for what is held."""
    found: dict[tuple[int, str], tuple[int, str, int]] = {}
    by_agency: dict[int, list[str]] = {}
    for agency_id, record_id in keys:
        by_agency.setdefault(agency_id, []).append(record_id)
    with connection.cursor() as cur:
        for agency_id, record_ids in by_agency.items():
            for start in range(0, len(record_ids), 900):
                chunk = record_ids[start : start + 900]
                marks = ",".join(["%s"] * len(chunk))
                cur.execute(
                    "SELECT record_id, version, content_hash, id FROM feeds_recordhead"
                    f" WHERE agency_id = %s AND record_id IN ({marks})",
                    [agency_id, *chunk],
                )
                for record_id, version, chash, head_id in cur.fetchall():
                    found[(agency_id, record_id)] = (version, chash, head_id)
    return found


def _held_version_hash(agency_id: int, record_id: str, version: int) -> str | None:
    row = (
        SourceRecord.objects.filter(agency_id=agency_id, record_id=record_id, version=version)
        .values_list("content_hash", flat=True)
        .first()
    )
    return row


def _conflict(c: _Candidate, version: int) -> list[str]:
    rid = c.obj["record_id"]
    return [
        f"record_version: version {version} of record {rid} is already held with different"
        " content; send the correction with a higher record_version"
    ]


# ---- writing -------------------------------------------------------------------------

_SOURCE_COLUMNS = (
    "id",
    "agency_id",
    "record_id",
    "version",
    "type",
    "occurred_on",
    "occurred_at",
    "recorded_at",
    "received_at",
    "details",
    "summary",
    "sensitivity",
    "warnings",
    "payload",
    "content_hash",
    "feed_file_id",
    "line_number",
)
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


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _source_row(
    rec_id: int, agency_id: int, c: _Candidate, feed_file_id: int, received: Any
) -> tuple[Any, ...]:
    env = c.checked.envelope
    assert env is not None
    adapt = writer.adapt_datetime
    return (
        rec_id,
        agency_id,
        env.record_id,
        env.record_version,
        env.type,
        c.checked.occurred_on,
        adapt(c.checked.occurred_at),
        adapt(c.checked.recorded_at),
        received,
        _json(c.obj.get("details") or {}),
        env.summary or "",
        env.sensitivity,
        _json(c.checked.warnings),
        c.text,
        c.content_hash,
        feed_file_id,
        c.line.number,
    )


def _subject_rows(rec_id: int, agency_id: int, c: _Candidate) -> list[tuple[Any, ...]]:
    return [
        (
            rec_id,
            agency_id,
            p.local_id,
            p.role,
            p.given_name,
            p.family_name,
            _json(p.other_names),
            p.date_of_birth,
            p.expected_date_of_birth,
            p.sex,
            p.nhs_number_as_written,
            p.nhs_number,
            p.upn_as_written,
            p.upn,
            p.postcode_as_written,
            p.postcode,
            p.address,
        )
        for p in c.checked.people
    ]


def _quarantine_rows(
    rejects: Sequence[tuple[Line, list[str], str, str]], feed_file_id: int, now: Any
) -> list[tuple[Any, ...]]:
    return [
        (
            feed_file_id,
            line.number,
            line.raw,
            _json(reasons),
            agency[:200],
            rid[:200],
            "open",
            now,
            0,
        )
        for line, reasons, agency, rid in rejects
    ]


def _ids_of(obj: Any) -> tuple[str, str]:
    """Agency code and record id, as far as a rejected line lets us read them."""
    if isinstance(obj, dict):
        agency, rid = obj.get("agency"), obj.get("record_id")
        return (agency if isinstance(agency, str) else "", rid if isinstance(rid, str) else "")
    return "", ""


@dataclass
class _Outcome:
    accepted: int = 0
    superseded: int = 0
    duplicates: int = 0
    stale: int = 0
    warnings: int = 0
    rejects: list[tuple[Line, list[str], str, str]] = field(default_factory=list)
    # line number -> the source record it became (or already was, for duplicates)
    written: dict[int, int] = field(default_factory=dict)


def _apply_batch(
    batch: _Batch, feed_file_id: int, agencies: dict[str, int], received_at: dt.datetime
) -> _Outcome:
    """Decide and write one batch's records. The caller holds the transaction."""
    writer.lock_for_ingest()
    out = _Outcome(rejects=list(batch.rejects))
    candidates = batch.candidates
    _agency_ids((c.obj["agency"] for c in candidates), agencies)
    heads = _heads({(agencies[c.obj["agency"]], c.obj["record_id"]) for c in candidates})
    in_db = set(heads)

    new_records: list[tuple[int, _Candidate]] = []  # (agency id, candidate)
    head_inserts: dict[tuple[int, str], int] = {}  # key -> index into new_records
    head_updates: dict[tuple[int, str], int] = {}
    in_batch: dict[tuple[int, str, int], str] = {}  # versions this batch is adding

    for c in candidates:
        env = c.checked.envelope
        assert env is not None
        agency_id = agencies[env.agency]
        key = (agency_id, env.record_id)
        version = env.record_version
        held = heads.get(key)
        added = in_batch.get((agency_id, env.record_id, version))
        if added is not None or (held is not None and held[0] == version):
            same = (added or (held[1] if held else "")) == c.content_hash
            if same:
                out.duplicates += 1
            else:
                out.rejects.append((c.line, _conflict(c, version), env.agency, env.record_id))
            continue
        if held is not None and version < held[0]:
            old_hash = _held_version_hash(agency_id, env.record_id, version)
            if old_hash is None:
                # History the agency never sent before: kept, but not made current.
                new_records.append((agency_id, c))
                in_batch[(agency_id, env.record_id, version)] = c.content_hash
                out.stale += 1
            elif old_hash == c.content_hash:
                out.duplicates += 1
            else:
                out.rejects.append((c.line, _conflict(c, version), env.agency, env.record_id))
            continue
        new_records.append((agency_id, c))
        in_batch[(agency_id, env.record_id, version)] = c.content_hash
        index = len(new_records) - 1
        if held is None:
            out.accepted += 1
        else:
            out.superseded += 1
        if key in in_db:
            head_updates[key] = index
        else:
            head_inserts[key] = index
        heads[key] = (version, c.content_hash, held[2] if held else 0)

    received = writer.adapt_datetime(received_at)
    ids = writer.allocate_ids("feeds_sourcerecord", len(new_records))
    pairs = list(zip(ids, new_records, strict=True))
    writer.write_rows(
        "feeds_sourcerecord",
        _SOURCE_COLUMNS,
        [_source_row(i, a, c, feed_file_id, received) for i, (a, c) in pairs],
    )
    subjects: list[tuple[Any, ...]] = []
    for rec_id, (agency_id, c) in pairs:
        subjects.extend(_subject_rows(rec_id, agency_id, c))
        out.written[c.line.number] = rec_id
        if c.checked.warnings:
            out.warnings += 1
    writer.write_rows("feeds_subjectrecord", _SUBJECT_COLUMNS, subjects)

    def head_values(i: int) -> tuple[int, str, int]:
        c = new_records[i][1]
        assert c.checked.envelope is not None
        return (c.checked.envelope.record_version, c.content_hash, ids[i])

    writer.write_rows(
        "feeds_recordhead",
        ("agency_id", "record_id", "version", "content_hash", "source_record_id"),
        [(key[0], key[1], *head_values(i)) for key, i in head_inserts.items()],
    )
    if head_updates:
        with connection.cursor() as cur:
            cur.executemany(
                "UPDATE feeds_recordhead SET version = %s, content_hash = %s,"
                " source_record_id = %s WHERE agency_id = %s AND record_id = %s",
                [(*head_values(i), key[0], key[1]) for key, i in head_updates.items()],
            )
    current = sorted(ids[i] for i in [*head_inserts.values(), *head_updates.values()])
    events_refresh(source_record_ids=current)
    return out


def _ingest_batch(
    batch: _Batch,
    feed: FeedFile,
    result: FileResult,
    agencies: dict[str, int],
    received_at: dt.datetime,
) -> None:
    with transaction.atomic():
        out = _apply_batch(batch, feed.pk, agencies, received_at)
        writer.write_rows(
            "feeds_quarantinedline",
            _QUARANTINE_COLUMNS,
            _quarantine_rows(out.rejects, feed.pk, writer.adapt_datetime(received_at)),
        )
        result.accepted += out.accepted
        result.superseded += out.superseded
        result.duplicates += out.duplicates
        result.stale += out.stale
        result.rejected += len(out.rejects)
        result.warnings += out.warnings
        result.lines_read += len(batch)
        FeedFile.objects.filter(pk=feed.pk).update(
            lines_read=result.lines_read,
            accepted=result.accepted,
            duplicates=result.duplicates,
            superseded=result.superseded,
            stale=result.stale,
            rejected=result.rejected,
            warnings=result.warnings,
        )


# ---- the public services -------------------------------------------------------------


def feed_ingest_stream(
    *,
    stream: BinaryIO,
    name: str,
    sent_by: str = "",
    batch_size: int = BATCH_SIZE,
    received_at: dt.datetime | None = None,
) -> FileResult:
    """Ingest one feed from an open binary stream; see the module docstring."""
    received_at = received_at or timezone.now()
    result = FileResult(name=name)
    feed = FeedFile.objects.create(
        name=name[:500], checksum="", received_at=received_at, sent_by=sent_by[:200]
    )
    result.feed_file_id = feed.pk
    reader = HashingReader(stream)
    agencies: dict[str, int] = {}
    batch = _Batch()
    try:
        for line in reader.lines():
            if not line.raw.strip():
                result.blank_lines += 1
                continue
            outcome = decode_line(line, received_at)
            if isinstance(outcome, list):
                obj: Any = None
                if not line.too_long:
                    try:
                        obj = orjson.loads(line.raw)
                    except orjson.JSONDecodeError:
                        obj = None
                batch.rejects.append((line, outcome, *_ids_of(obj)))
            else:
                batch.candidates.append(outcome)
            if len(batch) >= batch_size:
                _ingest_batch(batch, feed, result, agencies, received_at)
                batch = _Batch()
        if len(batch):
            _ingest_batch(batch, feed, result, agencies, received_at)
    except (DatabaseError, OSError) as exc:
        result.error = f"{type(exc).__name__}: {exc}"
        FeedFile.objects.filter(pk=feed.pk).update(
            status=FeedFile.Status.FAILED,
            error=result.error[:2000],
            checksum=reader.sha256.hexdigest(),
            size_bytes=reader.size,
        )
        return result
    FeedFile.objects.filter(pk=feed.pk).update(
        status=FeedFile.Status.COMPLETE,
        checksum=reader.sha256.hexdigest(),
        size_bytes=reader.size,
    )
    return result


def feed_ingest_path(*, path: Path, sent_by: str = "", batch_size: int = BATCH_SIZE) -> FileResult:
    """Ingest a file on disk. Raises :class:`IngestError` if it cannot be opened at all."""
    if path.is_dir():
        raise IngestError(f"{path}: is a directory, not a feed file")
    try:
        stream = path.open("rb")
    except FileNotFoundError:
        raise IngestError(f"{path}: no such file") from None
    except OSError as exc:
        raise IngestError(f"{path}: cannot be read ({exc.strerror})") from None
    with stream:
        return feed_ingest_stream(
            stream=stream, name=path.name, sent_by=sent_by, batch_size=batch_size
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
    candidate = Line(number=line.line_number, raw=raw, too_long=len(raw) > MAX_LINE_BYTES)
    with transaction.atomic():
        outcome = decode_line(candidate, received_at)
        batch = _Batch()
        if isinstance(outcome, list):
            batch.rejects.append((candidate, outcome, "", ""))
        else:
            batch.candidates.append(outcome)
        out = _apply_batch(batch, line.feed_file_id, {}, received_at)
        updates: dict[str, Any] = {"retried_at": received_at, "retry_count": line.retry_count + 1}
        if out.rejects:
            updates["reasons"] = out.rejects[0][1]
        elif out.written:
            updates["status"] = QuarantinedLine.Status.ACCEPTED
            updates["resolved_by_id"] = next(iter(out.written.values()))
        else:
            updates["status"] = QuarantinedLine.Status.ALREADY_HELD
        QuarantinedLine.objects.filter(pk=line.pk).update(**updates)
    line.refresh_from_db()
    return RetryResult(line.pk, line.status, list(line.reasons), line.resolved_by_id)
