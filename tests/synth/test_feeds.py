"""Every line the generator writes is a valid feed v1 record inside the window."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter

from sightline.synth.agencies import ALL
from tests.synth.conftest import SINCE, UNTIL, Borough
from tests.synth.feedcheck import problems


def _day(value: str) -> dt.date:
    return dt.date.fromisoformat(value[:10])


def test_one_file_per_agency_every_line_valid(borough: Borough) -> None:
    assert set(borough.lines) == {a.code for a in ALL}
    bad = [(rec["agency"], rec["record_id"], p) for rec in borough.records if (p := problems(rec))]
    assert bad == []
    for code, lines in borough.lines.items():
        assert all(json.loads(line)["agency"] == code for line in lines)


def test_files_are_plain_utf8_json_lines(borough: Borough) -> None:
    for feed in borough.path.glob("*.jsonl"):
        data = feed.read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf")
        assert data == b"" or data.endswith(b"\n")
        assert b"\n\n" not in data
    # Names with accents survive as UTF-8, not as escapes or mojibake.
    assert any(re.search("[ëéś]", line) for lines in borough.lines.values() for line in lines)


def test_accepted_by_the_feeds_validator_when_it_exists(borough: Borough) -> None:
    try:
        from sightline.feeds.validation import validate_record
    except ImportError:  # written by another part of the project; our own check above stands
        return
    received = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)
    rejected = []
    for rec in borough.records:
        checked = validate_record(rec, received_at=received)
        if checked.reasons:
            rejected.append((rec["agency"], rec["record_id"], checked.reasons))
    assert rejected[:5] == []


def test_nothing_dated_outside_the_window(borough: Borough) -> None:
    days = [_day(rec["occurred_at"]) for rec in borough.records]
    assert min(days) >= SINCE
    assert max(days) <= UNTIL
    recorded = [_day(rec["recorded_at"]) for rec in borough.records if "recorded_at" in rec]
    assert recorded and max(recorded) <= UNTIL
    for rec in borough.records:
        if "recorded_at" in rec and "T" in rec["occurred_at"]:
            occurred = dt.datetime.fromisoformat(rec["occurred_at"])
            assert dt.datetime.fromisoformat(rec["recorded_at"]) >= occurred


def test_offsets_follow_british_summer_time(borough: Borough) -> None:
    timed = [rec["occurred_at"] for rec in borough.records if "T" in rec["occurred_at"]]
    assert any(t.endswith("+01:00") and t[5:7] == "07" for t in timed)
    assert any(t.endswith("+00:00") and t[5:7] == "01" for t in timed)
    assert not any(t.endswith("+01:00") and t[5:7] in ("12", "01") for t in timed)


def test_record_ids_unique_per_agency_except_corrections(borough: Borough) -> None:
    seen = Counter(
        (rec["agency"], rec["record_id"], rec.get("record_version", 1)) for rec in borough.records
    )
    assert max(seen.values()) == 1
    versions = {(a, r): v for (a, r, v) in seen if v > 1}
    assert versions, "some records are corrected by a version 2"
    for agency, record_id in versions:
        assert (agency, record_id, 1) in seen


def test_corrections_change_a_weight(borough: Borough) -> None:
    by_key = {(r["agency"], r["record_id"], r.get("record_version", 1)): r for r in borough.records}
    weights = [
        (by_key[(a, i, 1)]["details"].get("weight_kg"), r["details"].get("weight_kg"))
        for (a, i, v), r in by_key.items()
        if v == 2 and r["type"] == "growth_measurement"
    ]
    assert weights and all(old != new for old, new in weights)


def test_some_records_are_restricted(borough: Borough) -> None:
    restricted = [r for r in borough.records if r.get("sensitivity") == "restricted"]
    assert restricted
    assert len(restricted) < len(borough.records) * 0.05
    assert {r["type"] for r in restricted} <= {"adult_factor", "concern_reported"}


def test_manifest_counts_match_the_files(borough: Borough) -> None:
    m = borough.manifest
    assert m["children"] == 2000
    assert m["seed"] == 7
    assert m["until"] == UNTIL.isoformat()
    assert m["records_by_agency"] == {code: len(lines) for code, lines in borough.lines.items()}
    assert m["records"] == len(borough.records)
    assert m["trajectories"] == dict(Counter(row["kind"] for row in borough.trajectories)) | {
        k: 0 for k in m["trajectories"] if k not in {row["kind"] for row in borough.trajectories}
    }
    assert m["generator_version"]


def test_volume_per_child_is_in_the_planned_range(borough: Borough) -> None:
    per_child = len(borough.records) / 2000
    assert 8 <= per_child <= 18
