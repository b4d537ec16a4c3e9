"""The API's request and response shapes, as its OpenAPI description shows them."""

from __future__ import annotations

from typing import Literal

from ninja import Schema
from pydantic import Field

Outcome = Literal["accepted", "duplicate", "superseded", "stale", "rejected"]


class LineResult(Schema):
    line: int = Field(description="The line's number in the body, from 1")
    record_id: str | None = Field(
        description="The record's id, when the line could be read far enough to tell"
    )
    outcome: Outcome = Field(
        description=(
            "accepted: a new record; superseded: a higher version, now current; duplicate:"
            " already held, nothing changed; stale: lower than the version held, kept as"
            " history only; rejected: kept in quarantine, with the reasons"
        )
    )
    reasons: list[str] = Field(description="Why it was rejected, each naming the field")
    warnings: list[str] = Field(description="Problems that did not reject it")


class FeedResult(Schema):
    feed_file_id: int = Field(description="Sightline's id for this body, as a feed file")
    agency: str = Field(description="The agency the token belongs to")
    lines_read: int = Field(
        description="Non-blank lines: accepted + duplicates + superseded + stale + rejected"
    )
    accepted: int
    duplicates: int
    superseded: int
    stale: int
    rejected: int
    warnings: int = Field(description="Records taken with warnings")
    blank_lines: int = Field(description="Blank lines, which feed v1 ignores")
    records: list[LineResult] = Field(description="Every non-blank line's outcome, in order")


class ApiError(Schema):
    detail: str = Field(description="What went wrong and what to do about it")


class PartialFeedResult(ApiError):
    result: FeedResult = Field(description="What was taken before the failure: it is kept")
