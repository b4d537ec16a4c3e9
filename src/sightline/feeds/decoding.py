"""From one line of bytes to a validated record, or the reasons it was rejected.

Pure Python with no database access, so that big files can be decoded in worker
processes while the main process writes: everything returned here is plain
values that pickle cheaply.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

import orjson

from sightline.feeds.reader import MAX_LINE_BYTES, Block, Line, block_lines
from sightline.feeds.validation import validate_record

MAX_JSON_DEPTH = 64

# (local_id, role, given_name, family_name, other_names as JSON, date_of_birth,
#  expected_date_of_birth, sex, nhs_number_as_written, nhs_number, upn_as_written, upn,
#  postcode_as_written, postcode, address)
PersonRow = tuple[Any, ...]


class Candidate(NamedTuple):
    """A line that passed validation, reduced to the values ingest stores.

    Every value is a string, a number or None, already in the form both
    databases store (dates ISO, date-times naive UTC text, JSON as text), so
    that a block of candidates crosses from a worker as one JSON document:
    pickling dates and nested tuples cost more than decoding them.
    """

    agency: str
    people: list[PersonRow]
    # From here on, the fields are the source record's columns in STORED_COLUMNS
    # order, so that ingest can write ``candidate[STORED:]`` without touching each.
    record_id: str
    version: int
    type: str
    occurred_on: str
    occurred_at: str | None
    recorded_at: str | None
    details_json: str
    summary: str
    sensitivity: str
    warnings_json: str
    text: str
    content_hash: str
    line_number: int


# Positions of Candidate's fields. Ingest's hot loop reads candidates as the plain
# lists they arrive as from workers; building a named tuple for each cost more
# than everything else the loop does.
(
    AGENCY,
    PEOPLE,
    RECORD_ID,
    VERSION,
    TYPE,
    OCCURRED_ON,
    OCCURRED_AT,
    RECORDED_AT,
    DETAILS,
    SUMMARY,
    SENSITIVITY,
    WARNINGS,
    TEXT,
    CONTENT_HASH,
    LINE_NUMBER,
) = range(15)
assert Candidate._fields[TEXT] == "text" and Candidate._fields[LINE_NUMBER] == "line_number"
# A candidate as a row: a Candidate, or the list a worker's JSON gives back.
CandidateRow = Sequence[Any]

STORED = RECORD_ID
# The source record columns filled from ``candidate[STORED:]``, in that order.
STORED_COLUMNS = (
    "record_id",
    "version",
    "type",
    "occurred_on",
    "occurred_at",
    "recorded_at",
    "details",
    "summary",
    "sensitivity",
    "warnings",
    "payload",
    "content_hash",
    "line_number",
)


class Rejected(NamedTuple):
    line_number: int
    raw: bytes
    reasons: list[str]
    agency: str = ""
    record_id: str = ""


_KINDS = {
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "true or false",
    type(None): "null",
}


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


def _utc_text(value: dt.datetime | None) -> str | None:
    """A moment as naive UTC text: how Django stores it on SQLite, and what PostgreSQL
    reads correctly because Django sets every connection's time zone to UTC."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")


def _ids_of(obj: Any) -> tuple[str, str]:
    """Agency code and record id, as far as a rejected record lets us read them."""
    if isinstance(obj, dict):
        agency, rid = obj.get("agency"), obj.get("record_id")
        return (
            agency[:200] if isinstance(agency, str) else "",
            rid[:200] if isinstance(rid, str) else "",
        )
    return "", ""


def decode_line(line: Line, received_at: dt.datetime) -> Candidate | Rejected:
    raw = line.raw
    if line.too_long:
        return Rejected(
            line.number,
            raw,
            [f"line is {len(raw):,} bytes long; the limit is {MAX_LINE_BYTES:,} (1 MiB)"],
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Rejected(
            line.number,
            raw,
            [f"line is not valid UTF-8: byte 0x{raw[exc.start]:02x} at position {exc.start}"],
        )
    # PostgreSQL cannot store NUL in text or jsonb, so it is refused on every database alike.
    if "\x00" in text or "\\u0000" in text:
        return Rejected(
            line.number,
            raw,
            ["line contains a NUL character, which cannot be stored; remove it and resend"],
        )
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        return Rejected(line.number, raw, [f"line is not valid JSON: {exc}"])
    if not isinstance(obj, dict):
        kind = _KINDS.get(type(obj), "not an object")
        return Rejected(
            line.number,
            raw,
            [f"line is {kind}, not a JSON object; each line must be one record object"],
        )
    # Walking the tree is only worth it when there are enough brackets to go deep.
    if text.count("{") + text.count("[") > MAX_JSON_DEPTH and _depth_exceeds(obj, MAX_JSON_DEPTH):
        return Rejected(
            line.number,
            raw,
            [f"record is nested more than {MAX_JSON_DEPTH} levels deep"],
            *_ids_of(obj),
        )
    checked = validate_record(obj, received_at=received_at)
    if not checked.ok:
        return Rejected(line.number, raw, checked.reasons, *_ids_of(obj))
    env = checked.envelope
    assert env is not None and checked.occurred_on is not None
    return Candidate(
        line_number=line.number,
        text=text,
        agency=env.agency,
        record_id=env.record_id,
        version=env.record_version,
        type=env.type,
        occurred_on=checked.occurred_on.isoformat(),
        occurred_at=_utc_text(checked.occurred_at),
        recorded_at=_utc_text(checked.recorded_at),
        details_json=orjson.dumps(obj.get("details") or {}).decode(),
        summary=env.summary or "",
        sensitivity=env.sensitivity,
        warnings_json=orjson.dumps(checked.warnings).decode(),
        content_hash=content_hash(obj),
        people=[
            (
                p.local_id,
                p.role,
                p.given_name,
                p.family_name,
                orjson.dumps(p.other_names).decode(),
                p.date_of_birth and p.date_of_birth.isoformat(),
                p.expected_date_of_birth and p.expected_date_of_birth.isoformat(),
                p.sex,
                p.nhs_number_as_written,
                p.nhs_number,
                p.upn_as_written,
                p.upn,
                p.postcode_as_written,
                p.postcode,
                p.address,
            )
            for p in checked.people
        ],
    )


class DecodedBlock(NamedTuple):
    # JSON array of candidates, each with its text replaced by [offset, length] in
    # the block: the main process still holds the block, and slicing it is far
    # cheaper than escaping and unescaping every record's text as JSON.
    candidates: bytes
    rejects: list[Rejected]
    blank_lines: int


def decode_block(block: Block, received_at: dt.datetime) -> DecodedBlock:
    """Decode every line of a block; blank lines, which the spec ignores, are only counted."""
    candidates: list[list[Any]] = []
    rejects: list[Rejected] = []
    blank = 0
    with no_cyclic_gc():
        for line in block_lines(block):
            if not line.raw.strip():
                blank += 1
                continue
            decoded = decode_line(line, received_at)
            if isinstance(decoded, Rejected):
                rejects.append(decoded)
            else:
                row: list[Any] = list(decoded)
                row[TEXT] = [line.offset, len(line.raw)]
                candidates.append(row)
    return DecodedBlock(orjson.dumps(candidates), rejects, blank)


@contextlib.contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector for a stretch of allocation-heavy work.

    Decoding and ingesting allocate millions of short-lived containers that are
    freed by reference counting; the cyclic collector kept re-scanning them and
    cost a fifth of ingest time. Anything cyclic (an exception's traceback) is
    collected once the stretch ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def decoded_candidates(block: Block, decoded: DecodedBlock) -> list[list[Any]]:
    """The candidates of a decoded block as rows, with their text back in place."""
    rows: list[list[Any]] = orjson.loads(decoded.candidates)
    data = block.data
    for row in rows:
        start, length = row[TEXT]
        row[TEXT] = data[start : start + length].decode("utf-8")
    return rows
