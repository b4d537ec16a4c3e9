"""Quarantine: rejected lines listed, shown and retried; nothing lost on the way."""

from __future__ import annotations

import json

import pytest

from sightline.feeds.models import QuarantinedLine, RecordHead
from tests.conftest import FIXTURES, record

pytestmark = pytest.mark.django_db


def test_retry_with_a_corrected_line_accepts_it_and_keeps_the_original(cli, tmp_path):
    cli("ingest", str(FIXTURES / "example-bad-feed.jsonl"))
    q = QuarantinedLine.objects.get(line_number=4)
    original = bytes(q.raw)
    fixed = tmp_path / "fixed.jsonl"
    fixed.write_text(json.dumps(record(record_id="HV-20004", details={"weight_kg": 5.1})) + "\n")
    result = cli("quarantine", "retry", str(q.pk), "--replace", str(fixed))
    assert result.out.strip() == f"{q.pk}\taccepted"
    q.refresh_from_db()
    assert q.status == "accepted" and bytes(q.raw) == original
    head = RecordHead.objects.get(record_id="HV-20004")
    # Provenance still points at the file and line the record first came in on.
    assert (head.source_record.feed_file_id, head.source_record.line_number) == (
        q.feed_file_id,
        4,
    )
    assert q.resolved_by_id == head.source_record_id
    assert str(q.pk) not in cli("quarantine", "list").out.split("\t")[0::3]


def test_retry_without_a_fix_reports_the_same_reasons_and_keeps_the_line_open(cli):
    cli("ingest", str(FIXTURES / "example-bad-feed.jsonl"))
    result = cli("quarantine", "retry")
    assert result.err.strip().endswith("0 accepted, 7 still rejected")
    assert QuarantinedLine.objects.filter(status="open", retry_count=1).count() == 7
    assert "still rejected\ttype: 'teleportation'" in result.out


def test_a_line_fixed_by_a_later_resend_is_already_held_on_retry(cli, write_feed):
    good = record(record_id="X1")
    broken = json.dumps(good)[:-1].encode()  # truncated: not JSON
    cli("ingest", str(write_feed([broken])))
    cli("ingest", str(write_feed([good])))
    q = QuarantinedLine.objects.get()
    replacement = write_feed([good])
    result = cli("quarantine", "retry", str(q.pk), "--replace", str(replacement))
    assert result.out.strip() == f"{q.pk}\talready_held"


def test_list_jsonl_has_the_interface_fields(cli):
    cli("ingest", str(FIXTURES / "example-bad-feed.jsonl"))
    rows = cli("quarantine", "list", "--format", "jsonl").jsonl()
    assert len(rows) == 7
    assert set(rows[0]) >= {"id", "file", "line", "reasons"}
    assert rows[0]["file"] == "example-bad-feed.jsonl"
    assert all(isinstance(r["reasons"], list) and r["reasons"] for r in rows)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("quarantine", "show", "999"), 1, "no quarantined line with id 999"),
        (("quarantine", "retry", "1", "2", "--replace", "x"), 2, "--replace needs exactly one ID"),
        (("quarantine", "retry", "1", "--replace", "/nope/x"), 2, "/nope/x: cannot be read"),
        (("quarantine", "frobnicate"), 2, "invalid choice: 'frobnicate'"),
    ],
)
def test_wrong_use_gets_a_clear_message_and_exit_code(cli, args, code, message):
    cli("ingest", str(FIXTURES / "example-bad-feed.jsonl"))
    result = cli(*args)
    assert result.code == code
    assert message in result.err
    assert "Traceback" not in result.err
