"""Ingesting good feeds: counts, versions, provenance, idempotency."""

from __future__ import annotations

import hashlib
import json

import pytest

from sightline.chronology.models import Event
from sightline.feeds.models import FeedFile, RecordHead, SourceRecord, SubjectRecord
from tests.conftest import FIXTURES, record

pytestmark = pytest.mark.django_db


def test_example_feed_counts_add_up_and_correction_supersedes(cli):
    result = cli("ingest", str(FIXTURES / "example-feed.jsonl"))
    assert result.code == 0, result.err
    assert result.out.strip() == (
        "example-feed.jsonl: read 5, accepted 4, duplicates 0, superseded 1, stale 0, rejected 0"
    )
    head = RecordHead.objects.get(record_id="HV-10002")
    assert head.version == 2
    assert head.source_record.details == {"weight_kg": 5.2}
    # The first weight is still there: history is kept.
    assert SourceRecord.objects.filter(record_id="HV-10002").count() == 2


def test_sending_the_same_file_again_changes_nothing(cli):
    path = str(FIXTURES / "example-feed.jsonl")
    cli("ingest", path)
    before = SourceRecord.objects.count()
    again = cli("ingest", path)
    assert "accepted 0, duplicates 5, superseded 0, stale 0, rejected 0" in again.out
    assert SourceRecord.objects.count() == before


def test_every_record_keeps_its_provenance(cli):
    path = FIXTURES / "example-feed.jsonl"
    cli("ingest", str(path))
    feed = FeedFile.objects.get()
    assert feed.checksum == hashlib.sha256(path.read_bytes()).hexdigest()
    assert feed.size_bytes == path.stat().st_size
    assert feed.status == "complete"
    rec = SourceRecord.objects.get(record_id="NP-DA-77120")
    assert (rec.feed_file_id, rec.line_number) == (feed.pk, 4)
    assert rec.received_at == feed.received_at
    # A date-time keeps its moment; the date is the local date it happened.
    assert (
        rec.occurred_at is not None and rec.occurred_at.isoformat() == "2023-06-18T22:10:00+00:00"
    )
    assert str(rec.occurred_on) == "2023-06-18"


def test_each_person_named_becomes_a_subject_record_ready_for_linkage(cli):
    cli("ingest", str(FIXTURES / "example-feed.jsonl"))
    police = SubjectRecord.objects.filter(source_record__record_id="NP-DA-77120")
    assert sorted(police.values_list("role", "local_id")) == [
        ("perpetrator", "NP-A-3311"),
        ("subject", "NP-C-9912"),
        ("victim", "NP-A-3310"),
    ]
    birth = SubjectRecord.objects.get(source_record__record_id="HV-10001", role="subject")
    assert birth.nhs_number == "9434765919"  # spaces removed once it passes its check
    assert birth.nhs_number_as_written == "943 476 5919"
    assert birth.postcode == "NR31 0AA"


def test_each_current_record_is_one_chronology_event(cli):
    cli("ingest", str(FIXTURES / "example-feed.jsonl"))
    events = Event.objects.order_by("occurred_on", "record_id")
    assert [(e.record_id, e.type) for e in events] == [
        ("HV-10001", "birth"),
        ("HV-10002", "growth_measurement"),
        ("HV-10003", "health_appointment"),
        ("NP-DA-77120", "police_incident"),
    ]
    weighed = Event.objects.get(record_id="HV-10002")
    assert weighed.source_record.version == 2  # the correction, not the first weight


def test_a_newer_version_in_a_later_file_supersedes(cli, write_feed):
    cli("ingest", str(write_feed([record()])))
    result = cli("ingest", str(write_feed([record(record_version=2, details={"weight_kg": 5.1})])))
    assert "accepted 0, duplicates 0, superseded 1" in result.out
    assert Event.objects.get().source_record.details == {"weight_kg": 5.1}


def test_a_lower_version_after_a_higher_is_stale_kept_as_history_not_applied(cli, write_feed):
    cli("ingest", str(write_feed([record(record_version=3, details={"weight_kg": 5.4})])))
    result = cli("ingest", str(write_feed([record(record_version=2, details={"weight_kg": 5.0})])))
    assert "stale 1, rejected 0" in result.out
    assert RecordHead.objects.get().version == 3
    assert SourceRecord.objects.filter(version=2).exists()


def test_same_version_with_different_content_is_a_conflict_and_rejected(cli, write_feed):
    cli("ingest", str(write_feed([record()])))
    result = cli("ingest", str(write_feed([record(details={"weight_kg": 9.9})])))
    assert "rejected 1" in result.out
    listed = cli("quarantine", "list", "--format", "jsonl").jsonl()
    assert (
        "version 1 of record HV-1 is already held with different content" in listed[0]["reasons"][0]
    )
    assert RecordHead.objects.get().source_record.details == {"weight_kg": 5.3}


def test_duplicate_ids_in_one_file_with_different_content(cli, write_feed):
    path = write_feed([record(), record(details={"weight_kg": 7.0}), record()])
    result = cli("ingest", str(path))
    assert "read 3, accepted 1, duplicates 1, superseded 0, stale 0, rejected 1" in result.out
    [rejected] = cli("quarantine", "list", "--format", "jsonl").jsonl()
    assert rejected["line"] == 2


def test_key_order_does_not_make_a_resent_record_different(cli, write_feed):
    rec = record()
    reordered = dict(reversed(list(rec.items())))
    cli("ingest", str(write_feed([rec])))
    assert "duplicates 1" in cli("ingest", str(write_feed([reordered]))).out


def test_batches_split_a_file_without_changing_the_outcome(write_feed, db):
    from pathlib import Path

    from sightline.feeds.services import feed_ingest_path

    lines = [record(record_id=f"R{i}") for i in range(23)] + [
        record(record_id="R3", record_version=2)
    ]
    result = feed_ingest_path(path=Path(write_feed(lines)), batch_size=5)
    assert (result.accepted, result.superseded, result.lines_read) == (23, 1, 24)
    assert Event.objects.count() == 23


def test_json_output_for_scripts(cli):
    result = cli("ingest", "--format", "json", str(FIXTURES / "example-feed.jsonl"))
    [summary] = [json.loads(x) for x in result.out.splitlines()]
    assert summary["accepted"] == 4 and summary["adds_up"] is True


def test_decoding_in_worker_processes_gives_the_same_outcome(write_feed, db):
    from pathlib import Path

    from sightline.feeds.models import QuarantinedLine
    from sightline.feeds.services import feed_ingest_path

    lines = [record(record_id=f"W{i}") for i in range(40)]
    lines += [b"{broken", record(record_id="W1", record_version=2), record(record_id="W2")]
    result = feed_ingest_path(path=Path(write_feed(lines)), batch_size=7, workers=2)
    assert (result.accepted, result.superseded, result.duplicates, result.rejected) == (
        40,
        1,
        1,
        1,
    )
    assert QuarantinedLine.objects.get().line_number == 41
    assert RecordHead.objects.get(record_id="W1").version == 2
