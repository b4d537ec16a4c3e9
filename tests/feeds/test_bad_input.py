"""Bad input: every kind gets a clear message naming the field and reason, and is kept."""

from __future__ import annotations

import json

import pytest

from sightline.feeds.models import FeedFile, QuarantinedLine, SourceRecord
from tests.conftest import FIXTURES, record

pytestmark = pytest.mark.django_db


def _reasons_for(cli, path) -> list[list[str]]:
    result = cli("ingest", str(path))
    assert result.code == 0, result.err
    return [q["reasons"] for q in cli("quarantine", "list", "--format", "jsonl").jsonl()]


def test_example_bad_feed_each_line_rejected_for_its_own_reason(cli):
    result = cli("ingest", str(FIXTURES / "example-bad-feed.jsonl"))
    assert "read 8, accepted 1, duplicates 0, superseded 0, stale 0, rejected 7" in result.out
    by_line = {
        q["line"]: " | ".join(q["reasons"])
        for q in cli("quarantine", "list", "--format", "jsonl").jsonl()
    }
    assert "subject: a person must carry at least one of: a name" in by_line[1]
    assert "type: 'teleportation' is not one of" in by_line[2]
    assert "agency: 'NHS HV' is not an agency code" in by_line[3]
    assert "occurred_at: 'not a date'" in by_line[4]
    assert "details.weight_kg: Input should be a valid number" in by_line[4]
    assert "not valid JSON" in by_line[5]
    assert "occurred_at: 2999-01-01 is later than the moment the record was received" in by_line[6]
    assert 7 not in by_line  # accepted, with a warning
    assert "line is an array, not a JSON object" in by_line[8]


def test_invalid_nhs_number_is_accepted_with_a_warning_and_not_used(cli):
    cli("ingest", str(FIXTURES / "example-bad-feed.jsonl"))
    rec = SourceRecord.objects.get(record_id="HV-20007")
    assert rec.warnings == [
        "subject.nhs_number: '1234567890' fails the NHS number check; kept as written and"
        " not used for matching"
    ]
    subject = rec.subjects.get()
    assert (subject.nhs_number_as_written, subject.nhs_number) == ("1234567890", "")


def test_markup_and_sql_in_text_are_stored_and_returned_byte_for_byte(cli):
    cli("ingest", str(FIXTURES / "example-bad-feed.jsonl"))
    hostile = "<script>alert(1)</script> Robert'); DROP TABLE students;--"
    assert SourceRecord.objects.get(record_id="HV-20007").summary == hostile
    exported = cli("export", "records").jsonl()
    assert [r["summary"] for r in exported] == [hostile]


def test_every_bad_line_is_kept_byte_for_byte(cli):
    raw_lines = (FIXTURES / "example-bad-feed.jsonl").read_bytes().splitlines()
    cli("ingest", str(FIXTURES / "example-bad-feed.jsonl"))
    for q in QuarantinedLine.objects.all():
        assert bytes(q.raw) == raw_lines[q.line_number - 1]
    shown = cli("quarantine", "show", str(QuarantinedLine.objects.get(line_number=5).pk))
    assert shown.out_bytes == raw_lines[4] + b"\n"
    assert "line 5" in shown.err and "not valid JSON" in shown.err


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"agency": "x", ', "line is not valid JSON"),
        (b"42", "line is a number, not a JSON object"),
        (b'"text"', "line is a string, not a JSON object"),
        (b"null", "line is null, not a JSON object"),
        (b'{"agency": "nhs-hv", "note": "caf\xe9"}', "line is not valid UTF-8: byte 0xe9"),
        (b'{"agency": "nhs\x00-hv"}', "NUL character"),
        (json.dumps(record(summary="a\u0000b")).encode(), "NUL character"),
        (b"[" * 5000 + b"]" * 5000, "line is not valid JSON"),
        (
            json.dumps(record(note=json.loads("[" * 80 + "]" * 80))).encode(),
            "nested more than 64 levels deep",
        ),
        (json.dumps(record(type="teleportation")).encode(), "type: 'teleportation' is not one of"),
        (
            json.dumps(
                record(related=[{"role": "uncle", "person": {"local_id": "X", "given_name": "A"}}])
            ).encode(),
            "related[0].role: 'uncle' is not one of",
        ),
        (
            json.dumps(record(record_version="2")).encode(),
            "record_version: Input should be a valid integer",
        ),
        (
            json.dumps(record(record_version=0)).encode(),
            "record_version: Input should be greater than or equal to 1",
        ),
        (json.dumps(record(subject="Leo")).encode(), "subject: Input should be a valid dictionary"),
        (
            json.dumps(record(details={"weight_kg": -4.2})).encode(),
            "details.weight_kg: -4.2 must be a number above zero",
        ),
        (json.dumps(record(details={})).encode(), "details: at least one of weight_kg, height_cm"),
        (
            json.dumps(record(occurred_at="2023-02-30")).encode(),
            "occurred_at: '2023-02-30' is not a real date",
        ),
        (
            json.dumps(record(occurred_at="2023-03-14T10:00:00")).encode(),
            "occurred_at: '2023-03-14T10:00:00' is neither",
        ),
        (
            json.dumps(record(occurred_at="2999-01-01T10:00:00+00:00")).encode(),
            "is later than the moment the record was received",
        ),
        (
            json.dumps(
                record(
                    subject={"local_id": "P1", "given_name": "Leo", "date_of_birth": "2023-13-01"}
                )
            ).encode(),
            "subject.date_of_birth: '2023-13-01' is not a real date",
        ),
        (
            json.dumps(
                record(subject={"local_id": "P1", "given_name": "Leo", "sex": "boy"})
            ).encode(),
            "subject.sex: 'boy' is not one of: female, male, unknown",
        ),
        (
            json.dumps(
                record(
                    type="school_attendance",
                    details={
                        "period_start": "2023-01-04",
                        "period_end": "2023-03-31",
                        "sessions_possible": 100,
                        "sessions_attended": 120,
                    },
                )
            ).encode(),
            "details: sessions_attended (120) is more than sessions_possible (100)",
        ),
        (
            json.dumps(
                record(
                    type="unscheduled_care",
                    details={
                        "setting": "emergency_department",
                        "reason": "injury",
                        "injury": {"kind": "burn", "explanation": "odd"},
                        "admitted": "yes",
                    },
                )
            ).encode(),
            "details.injury.explanation: 'odd' is not one of",
        ),
        (
            json.dumps(record(type="health_appointment", details={"service": "gp"})).encode(),
            "details.outcome: is required",
        ),
        (json.dumps(record(type="birth")).encode(), "details.birth_weight_kg: is required"),
        (
            json.dumps(record(summary="x" * 20_001)).encode(),
            "summary: String should have at most 20000 characters",
        ),
        (
            json.dumps({k: v for k, v in record().items() if k != "occurred_at"}).encode(),
            "occurred_at: is required",
        ),
        (json.dumps(record(agency=7)).encode(), "agency: Input should be a valid string"),
    ],
    ids=lambda v: v[:40].decode("utf-8", "replace") if isinstance(v, bytes) else None,
)
def test_each_kind_of_bad_line_is_rejected_with_a_message_naming_it(cli, write_feed, raw, expected):
    path = write_feed([raw])
    [reasons] = _reasons_for(cli, path)
    assert any(expected in r for r in reasons), reasons
    assert bytes(QuarantinedLine.objects.get().raw) == raw


def test_every_problem_in_a_record_is_reported_not_just_the_first(cli, write_feed):
    bad = record(agency="Bad Agency", occurred_at="yesterday", details={"weight_kg": "heavy"})
    [reasons] = _reasons_for(cli, write_feed([bad]))
    assert [r.split(":")[0] for r in reasons] == ["agency", "occurred_at", "details.weight_kg"]


def test_a_line_over_one_mebibyte_is_kept_whole_and_rejected(cli, write_feed):
    huge = json.dumps(record(summary="x" * (1024 * 1024 + 10))).encode()
    [reasons] = _reasons_for(cli, write_feed([huge, record(record_id="after")]))
    assert reasons == [f"line is {len(huge):,} bytes long; the limit is 1,048,576 (1 MiB)"]
    assert bytes(QuarantinedLine.objects.get().raw) == huge
    assert SourceRecord.objects.filter(record_id="after").exists()


def test_a_byte_order_mark_and_blank_lines_are_tolerated(cli, tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(record()).encode() + b"\r\n\n   \n")
    result = cli("ingest", str(path))
    assert "read 1, accepted 1" in result.out and "2 blank lines ignored" in result.out


def test_an_empty_file_reads_nothing_and_says_so(cli, tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    result = cli("ingest", str(path))
    assert result.code == 0
    assert result.out.strip() == (
        "empty.jsonl: read 0, accepted 0, duplicates 0, superseded 0, stale 0, rejected 0"
    )
    assert FeedFile.objects.get().status == "complete"


def test_a_missing_file_and_a_directory_are_named_and_the_rest_still_load(
    cli, tmp_path, write_feed
):
    good = write_feed([record()])
    result = cli("ingest", str(tmp_path / "nope.jsonl"), str(tmp_path), str(good))
    assert result.code == 2
    assert f"{tmp_path / 'nope.jsonl'}: no such file" in result.err
    assert f"{tmp_path}: is a directory, not a feed file" in result.err
    assert "accepted 1" in result.out
    assert "Traceback" not in result.err


def test_a_record_before_the_subjects_birth_is_accepted_with_a_warning(cli, write_feed):
    cli("ingest", str(write_feed([record(occurred_at="2022-11-01")])))
    assert SourceRecord.objects.get().warnings == [
        "occurred_at: 2022-11-01 is before the subject's date of birth (2023-01-09)"
    ]


def test_unparseable_postcode_and_bad_upn_are_warnings(cli, write_feed):
    subject = {
        "local_id": "P1",
        "given_name": "Leo",
        "postcode": "not a postcode",
        "upn": "A12345678901B",
    }
    cli("ingest", str(write_feed([record(subject=subject)])))
    warnings = SourceRecord.objects.get().warnings
    assert any(
        w.startswith("subject.postcode: 'not a postcode' is not a UK postcode") for w in warnings
    )
    assert any(
        w.startswith("subject.upn: 'A12345678901B' fails the UPN check letter") for w in warnings
    )


def test_unknown_envelope_fields_are_kept_with_the_record(cli, write_feed):
    cli("ingest", str(write_feed([record(x_local_reference="abc-1")])))
    [exported] = cli("export", "records").jsonl()
    assert exported["x_local_reference"] == "abc-1"


def test_counts_add_up_for_a_mixed_file(cli, write_feed):
    lines = [record(record_id=f"R{i}") for i in range(10)]
    lines += [b"not json", record(record_id="R1"), record(record_id="R2", record_version=2)]
    cli("ingest", str(write_feed(lines)))
    feed = FeedFile.objects.get()
    assert (feed.accepted, feed.duplicates, feed.superseded, feed.rejected) == (10, 1, 1, 1)
    assert feed.lines_read == 13 == SourceRecord.objects.count() + 1 + 1  # + duplicate + reject
