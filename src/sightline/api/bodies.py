"""From a request body to feed v1 JSON Lines, by the body's content type.

This is the one place that decides which formats the API takes. Each entry of
``BODY_FORMATS`` turns a body of its media type into feed v1 JSON Lines, the
shape ingest reads. Feed v1 itself passes through unchanged; an HL7 FHIR R4
bundle or a school's CSV attendance return goes through its adapter
(:mod:`sightline.feeds.adapters`), which needs the sending agency: the token's.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import BinaryIO

from sightline.feeds.adapters import Format, adapted_lines

# Media type -> a function turning such a body, sent by this agency, into feed v1 JSON Lines.
BodyToFeedLines = Callable[[BinaryIO, str], BinaryIO]


def _feed_v1(body: BinaryIO, agency: str) -> BinaryIO:
    return body


def _adapter(fmt: Format) -> BodyToFeedLines:
    def adapt(body: BinaryIO, agency: str) -> BinaryIO:
        # A bundle or a school's return is one document, within the body size limit.
        lines = adapted_lines(data=body.read(), fmt=fmt, agency=agency)
        return io.BytesIO(b"".join(line + b"\n" for line in lines))

    return adapt


FEED_V1_TYPES = ("application/x-ndjson", "application/jsonl")
BODY_FORMATS: dict[str, BodyToFeedLines] = {
    **{media: _feed_v1 for media in FEED_V1_TYPES},
    "application/fhir+json": _adapter(Format.FHIR_BUNDLE),
    # A JSON document (not lines) can only be a bundle; anything else is quarantined as
    # not one, with the reason.
    "application/json": _adapter(Format.FHIR_BUNDLE),
    "text/csv": _adapter(Format.ATTENDANCE_CSV),
}
# A file part that says nothing of its type (curl sends .jsonl files as
# application/octet-stream) is read as feed v1.
UNTYPED = ("", "application/octet-stream", "text/plain")


class UnsupportedBodyType(Exception):
    """The body's content type is not one the API reads."""

    def __init__(self, media_type: str) -> None:
        accepted = ", ".join(BODY_FORMATS)
        shown = media_type or "no Content-Type"
        super().__init__(
            f"Content-Type: {shown} is not a format this API reads. Send one of {accepted}"
            " as the body, or as a multipart/form-data file field named 'file'."
        )


def media_type_of_file(declared: str | None) -> str:
    """The media type to read an uploaded file part as: its own, or feed v1 when it has none."""
    media = (declared or "").split(";", 1)[0].strip().lower()
    return FEED_V1_TYPES[0] if media in UNTYPED else media


def body_reader_for(media_type: str) -> BodyToFeedLines:
    """The conversion for this media type; raises :class:`UnsupportedBodyType` for any other."""
    reader = BODY_FORMATS.get(media_type.split(";", 1)[0].strip().lower())
    if reader is None:
        raise UnsupportedBodyType(media_type)
    return reader


def feed_lines_from_body(*, media_type: str, body: BinaryIO, agency: str) -> BinaryIO:
    """The body as feed v1 JSON Lines, read as its media type says, sent by ``agency``."""
    return body_reader_for(media_type)(body, agency)
