"""Other ways in: formats partners already hold, turned into feed v1 JSON Lines.

Health partners may send HL7 FHIR R4 bundles and schools a CSV attendance
return (feed v1, "Other ways in"). Each adapter maps its format to feed v1
records and writes them as JSON Lines, so the one ingest path
(:func:`sightline.feeds.services.feed_ingest_stream`) decides, stores and
quarantines them exactly as it does a feed v1 file: everything downstream sees
one shape. An entry an adapter cannot map becomes a line that validation
rejects with the adapter's reasons (see :mod:`.records`), so nothing is dropped.

Neither format names the sending agency the way feed v1 does, so the caller
gives it: the API from the token's agency, the command line from ``--agency``.
"""

from __future__ import annotations

import enum
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, BinaryIO

import orjson

# Bytes looked at to tell a FHIR bundle from JSON Lines.
SNIFF_BYTES = 64 * 1024
_BUNDLE = re.compile(rb'"resourceType"\s*:\s*"Bundle"')


class Format(enum.StrEnum):
    FEED_V1 = "feed-v1"
    FHIR_BUNDLE = "fhir-bundle"
    ATTENDANCE_CSV = "attendance-csv"

    @property
    def needs_agency(self) -> bool:
        """Whether the sending agency must be given: feed v1 records name their own."""
        return self is not Format.FEED_V1


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _looks_like_bundle(head: bytes) -> bool:
    """Whether the start of a .json file is a FHIR bundle rather than JSON Lines.

    A bundle written on one line is one JSON object whose resourceType is Bundle;
    a pretty-printed one has a first line that is not a whole object, and names
    its resourceType somewhere near the start.
    """
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not text.startswith(b"{"):
        return False
    first = text.split(b"\n", 1)[0]
    try:
        obj = orjson.loads(first)
    except orjson.JSONDecodeError:
        return bool(_BUNDLE.search(text))
    return isinstance(obj, dict) and obj.get("resourceType") == "Bundle"


def detect_format(*, content_type: str = "", filename: str = "", head: bytes = b"") -> Format:
    """Which adapter reads a body, from its media type, its file name and its first bytes.

    ``application/fhir+json`` is a FHIR bundle, ``text/csv`` an attendance
    return; otherwise a ``.csv`` name is an attendance return, and a ``.json``
    name (or ``application/json``) whose content is a Bundle is FHIR. Anything
    else is read as feed v1 JSON Lines.
    """
    media = _media_type(content_type)
    suffix = PurePath(filename).suffix.lower() if filename else ""
    if media == "application/fhir+json":
        return Format.FHIR_BUNDLE
    if media == "text/csv" or (suffix == ".csv" and media in ("", "application/octet-stream")):
        return Format.ATTENDANCE_CSV
    if (media == "application/json" or suffix == ".json") and _looks_like_bundle(head):
        return Format.FHIR_BUNDLE
    return Format.FEED_V1


def adapted_lines(*, data: bytes, fmt: Format, agency: str) -> Iterator[bytes]:
    """Feed v1 JSON Lines (each without its line break) from a FHIR bundle or a CSV return."""
    if fmt is Format.FHIR_BUNDLE:
        from sightline.feeds.adapters.fhir import bundle_lines

        yield from bundle_lines(data, agency=agency)
    elif fmt is Format.ATTENDANCE_CSV:
        from sightline.feeds.adapters.attendance_csv import return_lines

        yield from return_lines(data, agency=agency)
    else:
        raise ValueError(f"{fmt} needs no adapter: it is feed v1 already")


@dataclass(frozen=True)
class Adapted:
    """A body ready for ingest: feed v1 JSON Lines, and what the sender's own bytes were."""

    format: Format
    stream: BinaryIO
    # SHA-256 and size of the bytes as sent, for a body that was adapted (the
    # stream then holds the adapted lines, whose hash says nothing to the sender).
    sent_sha256: str = ""
    sent_size: int = 0


def adapt_body(
    *, body: bytes | BinaryIO, agency: str, content_type: str = "", filename: str = ""
) -> Adapted:
    """Open any body a partner may send as feed v1 JSON Lines.

    Feed v1 is streamed on as it is, after a look at its first bytes; a FHIR
    bundle or CSV return is read whole (one JSON document, or a school's
    return: both small) and adapted.
    """
    if isinstance(body, bytes):
        body = io.BytesIO(body)
    head = body.read(SNIFF_BYTES)
    fmt = detect_format(content_type=content_type, filename=filename, head=head)
    if fmt is Format.FEED_V1:
        return Adapted(fmt, io.BufferedReader(_Rejoined(head, body)))
    data = head + body.read()
    lines = b"".join(line + b"\n" for line in adapted_lines(data=data, fmt=fmt, agency=agency))
    return Adapted(fmt, io.BytesIO(lines), hashlib.sha256(data).hexdigest(), len(data))


class _Rejoined(io.RawIOBase):
    """A stream's first bytes, already read to sniff its format, put back in front of it."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        chunk = self._head[: len(view)] if self._head else self._rest.read(len(view))
        self._head = self._head[len(chunk) :]
        view[: len(chunk)] = chunk
        return len(chunk)
