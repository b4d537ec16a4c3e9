"""What an adapter produces: feed v1 records, or entries it could not map, with why.

An entry that cannot be mapped still becomes a line of the adapted feed: an
object carrying the adapter's reasons under ``adapter_rejected`` and the entry
as it arrived under ``source``. It has no ``type``, ``occurred_at`` or
``subject``, so it could never be a valid feed v1 record; validation sees the
carried reasons and quarantines the line with them (see
:func:`sightline.feeds.validation.validate_record`). So the adapters need no
path of their own into quarantine, and a rejected entry is counted, kept and
retried like any other rejected line.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import orjson

from sightline.feeds.validation import ADAPTER_REJECTED


@dataclass(frozen=True)
class Reject:
    agency: str
    record_id: str
    reasons: list[str]
    # The entry as it arrived: a FHIR entry, a CSV row (column -> text), or the bytes
    # of something that could not be read at all.
    source: dict[str, Any]


# A feed v1 record as a JSON object, or an entry that could not be mapped.
Result = dict[str, Any] | Reject


def _plain(value: Any) -> Any:
    """Bytes made JSON-safe: as text when they are UTF-8, otherwise base64."""
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return {"base64": base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def reject_line(reject: Reject) -> bytes:
    return orjson.dumps(
        {
            "agency": reject.agency,
            "record_id": reject.record_id,
            ADAPTER_REJECTED: reject.reasons,
            "source": _plain(reject.source),
        }
    )
