"""The columns of the tables indicator rules read, in one place.

:mod:`sightline.indicators.tables` fills them from the operational database;
tests fill them from a few dicts with :func:`arrow_table`. Both go through the
same schema, so a rule tested on hand-made rows sees exactly the types it will
see in a run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]

EVENT_DETAIL_COLUMNS: dict[str, Any] = {
    "setting": pa.string(),
    "reason": pa.string(),
    "injury_kind": pa.string(),
    "injury_site": pa.string(),
    "injury_explanation": pa.string(),
    "independently_mobile": pa.bool_(),
    "admitted": pa.bool_(),
    "service": pa.string(),
    "outcome": pa.string(),
    "category": pa.string(),
    "child_present": pa.bool_(),
    "risk": pa.string(),
    "factor": pa.string(),
    "status": pa.string(),
    "change": pa.string(),
    "member_role": pa.string(),
    "issue": pa.string(),
    "exclusion_kind": pa.string(),
    "sessions": pa.float64(),
    "period_start": pa.date32(),
    "period_end": pa.date32(),
    "sessions_possible": pa.float64(),
    "sessions_attended": pa.float64(),
    "weight_kg": pa.float64(),
    "height_cm": pa.float64(),
    "head_circumference_cm": pa.float64(),
    "birth_weight_kg": pa.float64(),
    "gestation_weeks": pa.float64(),
}

EVENTS = pa.schema(
    [
        ("event_id", pa.int64()),
        ("person_id", pa.int64()),
        ("role", pa.string()),
        ("agency", pa.string()),
        ("record_id", pa.string()),
        ("type", pa.string()),
        ("occurred_on", pa.date32()),
        ("received_on", pa.date32()),
        ("dob", pa.date32()),
        ("age_days", pa.int32()),
        *EVENT_DETAIL_COLUMNS.items(),
    ]
)

PERSONS = pa.schema(
    [
        ("person_id", pa.int64()),
        ("dob", pa.date32()),
        ("sex", pa.string()),
        ("area", pa.string()),
        ("is_child", pa.bool_()),
    ]
)

RELATIONS = pa.schema(
    [
        ("person_id", pa.int64()),
        ("other_id", pa.int64()),
        ("role", pa.string()),
        ("start_date", pa.date32()),
        ("end_date", pa.date32()),
        ("first_recorded", pa.date32()),
    ]
)

GROWTH = pa.schema(
    [
        ("event_id", pa.int64()),
        ("person_id", pa.int64()),
        ("observed_on", pa.date32()),
        ("age_days", pa.int32()),
        ("corrected_age_days", pa.int32()),
        ("measurement", pa.string()),
        ("value", pa.float64()),
        ("sds", pa.float64()),
        ("centile", pa.float64()),
        ("birth_band", pa.string()),
    ]
)

# Flags from the first pass, for rules that read other rules' results (the sibling signal).
# ``evidence`` is the flag's event ids, so a rule built on another's flag can show and
# explain the records behind it (a rule's hit must name at least one record).
PRIOR_FLAGS = pa.schema(
    [
        ("person_id", pa.int64()),
        ("rule_id", pa.string()),
        ("level", pa.string()),
        ("triggered_on", pa.date32()),
        ("evidence", pa.list_(pa.int64())),
    ]
)

SCHEMAS: dict[str, Any] = {
    "events": EVENTS,
    "persons": PERSONS,
    "relations": RELATIONS,
    "growth": GROWTH,
    "prior_flags": PRIOR_FLAGS,
}


def arrow_table(schema: Any, rows: Iterable[Mapping[str, Any]]) -> Any:
    """A table of the schema from dicts; columns a row leaves out are NULL.

    For ``events``, ``age_days`` is worked out from ``dob`` when a row does not give it.
    """
    rows = list(rows)
    columns: dict[str, list[Any]] = {name: [] for name in schema.names}
    for row in rows:
        unknown = set(row) - set(schema.names)
        if unknown:
            raise KeyError(f"no such column: {', '.join(sorted(unknown))}")
        for name in schema.names:
            columns[name].append(row.get(name))
    if "age_days" in columns and "dob" in columns:
        columns["age_days"] = [
            age if age is not None or dob is None or on is None else (on - dob).days
            for age, dob, on in zip(
                columns["age_days"], columns["dob"], columns["occurred_on"], strict=True
            )
        ]
    return pa.table(columns, schema=schema)
