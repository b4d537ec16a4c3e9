"""Measurements the indicators benchmark runs in a child process (so its memory is sampled).

``python -m bench.indicators_probe floor``: one bare scan of the records in the
engine evaluation uses (see :func:`floor`). ``python -m bench.indicators_probe
child PERSON_PK RUNS``: re-evaluate one child after each of RUNS new records
(see :func:`child`). Each prints one JSON object on its last line.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import sys
import time
from typing import Any


def _setup() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sightline.config.settings")
    django.setup()


def floor() -> dict[str, Any]:
    """Read the same records evaluation reads into DuckDB, and run one aggregate over them.

    The read is :func:`sightline.indicators.tables.raw_tables` (the current
    version of every record, and whom each names, as Arrow: evaluation's own
    two queries), then ``SELECT count(*), max(occurred_on)`` over the records
    joined to whom they name, in DuckDB. Everything evaluation does beyond this
    (flattening details, persons, data-quality checks, relations, the rules,
    writing flags) is what the ratio measures.
    """
    import duckdb

    from sightline.indicators.catalogue import catalogue_load
    from sightline.indicators.tables import raw_tables

    rules = [r.id for r in catalogue_load().rules]

    started = time.perf_counter()
    records, named = raw_tables()
    read = time.perf_counter() - started
    con = duckdb.connect()
    con.register("raw_records", records)
    con.register("raw_named", named)
    rows, last = con.execute(
        "SELECT count(*), max(r.occurred_on) FROM raw_named n JOIN raw_records r USING (event_id)"
    ).fetchall()[0]
    con.close()
    return {
        "seconds": time.perf_counter() - started,
        "read_seconds": read,
        "records": records.num_rows,
        "rows": rows,
        "max_occurred_on": str(last),
        "rules": rules,
    }


def _new_record(pk: int, n: int) -> bytes:
    """One new record about the child: an unscheduled-care visit under its school's agency."""
    from sightline.feeds.models import SubjectRecord
    from sightline.linkage.models import AgencyPerson

    ap = AgencyPerson.objects.filter(person_id=pk).select_related("agency").order_by("id").first()
    assert ap is not None, f"person {pk} has no agency person"
    s = SubjectRecord.objects.filter(agency_id=ap.agency_id, local_id=ap.local_id).first()
    assert s is not None
    subject = {
        "local_id": ap.local_id,
        "given_name": s.given_name,
        "family_name": s.family_name,
        "date_of_birth": s.date_of_birth.isoformat() if s.date_of_birth else None,
        "sex": s.sex,
        "postcode": s.postcode,
    }
    record = {
        "agency": ap.agency.code,
        "record_id": f"BENCH-NEW-{pk}-{n}",
        "type": "unscheduled_care",
        "occurred_at": "2026-11-20",
        "subject": {k: v for k, v in subject.items() if v},
        "details": {
            "setting": "emergency_department",
            "reason": "injury",
            "injury": {"kind": "bruise", "site": "face", "explanation": "absent"},
            "independently_mobile": False,
        },
    }
    return (json.dumps(record) + "\n").encode()


def child(pk: int, runs: int) -> dict[str, Any]:
    """Re-evaluate one child (``persons={pk}``), in process, after each new record.

    Each run: ingest one new record about the child (through ingest, not
    timed), then time ``evaluation_run(persons={pk})``. One warm-up run first
    (imports, DuckDB's first connection); the median and 95th percentile are of
    the rest.
    """
    from sightline.feeds.services import feed_ingest_stream
    from sightline.indicators.services import evaluation_run

    times: list[float] = []
    cpu: list[float] = []  # the process's CPU time (all its threads): less swayed by load
    steps: list[dict[str, float]] = []
    events = 0
    for n in range(runs + 1):
        result = feed_ingest_stream(stream=io.BytesIO(_new_record(pk, n)), name=f"bench-new-{n}")
        assert result.accepted == 1, result
        started, cpu_started = time.perf_counter(), time.process_time()
        out = evaluation_run(persons={pk})
        took = time.perf_counter() - started
        if n:
            times.append(took)
            cpu.append(time.process_time() - cpu_started)
            steps.append(out.steps)
        events = out.run.events
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(DISTINCT sr.source_record_id) FROM feeds_subjectrecord sr"
            " JOIN linkage_agencyperson ap"
            " ON ap.agency_id = sr.agency_id AND ap.local_id = sr.local_id"
            " WHERE ap.person_id = %s",
            [pk],
        )
        own = int(cur.fetchone()[0])
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    mean_steps = {k: statistics.median(s.get(k, 0.0) for s in steps) for k in steps[-1]}
    return {
        "median": statistics.median(times),
        "cpu_median": statistics.median(cpu),
        "p95": p95,
        "min": ordered[0],
        "max": ordered[-1],
        "runs": len(times),
        "events": events,
        "own_events": own,
        "steps": mean_steps,
    }


def main(argv: list[str]) -> int:
    _setup()
    what = argv[0]
    if what == "floor":
        out = floor()
    elif what == "child":
        out = child(int(argv[1]), int(argv[2]))
    else:
        print(f"unknown probe {what}", file=sys.stderr)
        return 2
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
