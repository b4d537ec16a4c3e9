"""``sightline export records`` gives back exactly what was accepted."""

from __future__ import annotations

import json

import pytest

from tests.conftest import FIXTURES

pytestmark = pytest.mark.django_db


def _sent() -> dict[tuple[str, str], dict]:
    latest: dict[tuple[str, str], dict] = {}
    for line in (FIXTURES / "example-feed.jsonl").read_text().splitlines():
        obj = json.loads(line)
        obj.setdefault("record_version", 1)
        key = (obj["agency"], obj["record_id"])
        if key not in latest or latest[key]["record_version"] < obj["record_version"]:
            latest[key] = obj
    return latest


def test_a_record_read_back_is_the_record_sent(cli):
    cli("ingest", str(FIXTURES / "example-feed.jsonl"))
    exported = cli("export", "records").jsonl()
    assert {(r["agency"], r["record_id"]): r for r in exported} == _sent()


def test_export_by_agency(cli):
    cli("ingest", str(FIXTURES / "example-feed.jsonl"))
    police = cli("export", "records", "--agency", "norfolk-police").jsonl()
    assert [r["record_id"] for r in police] == ["NP-DA-77120"]
    unknown = cli("export", "records", "--agency", "nobody")
    assert unknown.code == 1 and "no agency with code 'nobody'" in unknown.err


def test_sending_an_export_back_changes_nothing(cli, tmp_path):
    cli("ingest", str(FIXTURES / "example-feed.jsonl"))
    first = cli("export", "records")
    path = tmp_path / "export.jsonl"
    path.write_bytes(first.out_bytes)
    # Sending the export back is a no-op: every record is already held at that version.
    again = cli("ingest", str(path))
    assert "accepted 0, duplicates 4, superseded 0, stale 0, rejected 0" in again.out
