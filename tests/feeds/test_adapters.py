"""FHIR R4 bundles and CSV attendance returns, mapped to feed v1 and ingested like any feed."""

from __future__ import annotations

import copy
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from sightline.feeds.adapters import Format, adapted_lines, detect_format
from sightline.feeds.models import FeedFile, QuarantinedLine, SourceRecord
from sightline.feeds.services import feed_ingest_adapted
from tests.conftest import record

DATA = Path(__file__).parent / "data"
BUNDLE = DATA / "fhir-bundle.json"
RETURN = DATA / "attendance-return.csv"
HEALTH = "nhs-acute-gyh"
SCHOOL = "school-gy-primary"

AVA = {
    "local_id": "pat-88213",
    "nhs_number": "9434765919",
    "given_name": "Ava",
    "family_name": "Ingram",
    "other_names": ["Ava May Ingram", "Avie"],
    "date_of_birth": "2014-02-03",
    "sex": "female",
    "postcode": "NR30 2AB",
    "address": "12 Marine Parade, Great Yarmouth",
}


def _bundle() -> dict[str, Any]:
    bundle: dict[str, Any] = json.loads(BUNDLE.read_text())
    return bundle


def _write_bundle(tmp_path: Path, bundle: dict[str, Any], name: str = "bundle.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(bundle, indent=2))
    return path


def _lines(path: Path, agency: str) -> list[dict[str, Any]]:
    data = path.read_bytes()
    fmt = detect_format(filename=path.name, head=data)
    return [json.loads(line) for line in adapted_lines(data=data, fmt=fmt, agency=agency)]


def _reasons(cli) -> dict[str, list[str]]:
    """Quarantined lines' record ids (as the adapter named the entry) and their reasons."""
    by_line = {q.pk: q.record_id for q in QuarantinedLine.objects.all()}
    rows = cli("quarantine", "list", "--format", "jsonl").jsonl()
    return {by_line[r["id"]]: r["reasons"] for r in rows}


# ---- FHIR: each field of each mapping --------------------------------------------------


def test_an_emergency_encounter_becomes_an_unscheduled_care_record_field_by_field():
    records = {r["record_id"]: r for r in _lines(BUNDLE, HEALTH)}
    assert records["Encounter/enc-4471"] == {
        "agency": HEALTH,  # the sending agency, from the caller, not the bundle
        "record_id": "Encounter/enc-4471",
        "record_version": 2,  # meta.versionId
        "type": "unscheduled_care",
        "occurred_at": "2019-08-12T19:40:00+01:00",  # period.start, offset kept
        "recorded_at": "2019-08-12T23:10:00+01:00",  # meta.lastUpdated
        # The subject reference is the Patient's fullUrl (urn:uuid:...).
        "subject": AVA,
        "details": {"setting": "emergency_department", "reason": "other"},
        "summary": "Burns to torso and arm",  # reasonCode text
    }


def test_a_patient_gives_the_subject_official_name_nhs_number_and_current_home_address():
    subject = _lines(BUNDLE, HEALTH)[0]["subject"]
    # The NHS number comes from the identifier with the NHS number system, not the local one;
    # the address is the home one, not the old one; middle names and the nickname are kept.
    assert subject == AVA


def test_weight_and_height_observations_become_growth_measurements_in_kg_and_cm():
    records = {r["record_id"]: r for r in _lines(BUNDLE, HEALTH)}
    weight = records["Observation/obs-weight-1"]
    assert weight["type"] == "growth_measurement"
    assert weight["details"] == {"weight_kg": 18.4}
    assert weight["occurred_at"] == "2019-08-12T20:15:00+01:00"  # effectiveDateTime
    assert weight["recorded_at"] == "2019-08-12T20:20:00+01:00"  # issued
    assert weight["record_version"] == 1 and weight["subject"] == AVA
    height = records["Observation/obs-height-1"]
    assert height["details"] == {"height_cm": 109.0}  # 1.09 m
    assert height["occurred_at"] == "2019-08-12"
    assert "recorded_at" not in height
    # No meta.versionId: version 1.
    assert height["record_version"] == 1


def test_weights_in_grams_and_pounds_are_converted_and_restricted_patients_stay_restricted():
    bundle = _bundle()
    patient = bundle["entry"][0]["resource"]
    patient["meta"]["security"] = [
        {"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R"}
    ]
    weight = bundle["entry"][2]["resource"]
    weight["valueQuantity"] = {"value": 3250, "system": "http://unitsofmeasure.org", "code": "g"}
    pounds = copy.deepcopy(weight)
    pounds["id"] = "obs-weight-lb"
    pounds["valueQuantity"] = {
        "value": 10,
        "system": "http://unitsofmeasure.org",
        "code": "[lb_av]",
    }
    bundle["entry"].append({"resource": pounds})
    data = json.dumps(bundle).encode()
    records = {
        json.loads(line)["record_id"]: json.loads(line)
        for line in adapted_lines(data=data, fmt=Format.FHIR_BUNDLE, agency=HEALTH)
    }
    assert records["Observation/obs-weight-1"]["details"] == {"weight_kg": 3.25}
    assert records["Observation/obs-weight-lb"]["details"] == {"weight_kg": 4.536}
    assert {r["sensitivity"] for r in records.values()} == {"restricted"}


# ---- FHIR: ingest, export, versions ------------------------------------------------------


@pytest.mark.django_db
def test_an_ingested_bundle_reads_back_through_export_as_the_adapter_made_it(cli):
    result = cli("ingest", "--agency", HEALTH, str(BUNDLE))
    assert result.code == 0, result.err
    assert "read 3, accepted 3, duplicates 0, superseded 0, stale 0, rejected 0" in result.out
    exported = {r["record_id"]: r for r in cli("export", "records").jsonl()}
    assert exported == {r["record_id"]: r for r in _lines(BUNDLE, HEALTH)}


@pytest.mark.django_db
def test_the_same_bundle_twice_gives_duplicates_and_a_newer_version_supersedes(cli, tmp_path):
    cli("ingest", "--agency", HEALTH, str(BUNDLE))
    again = cli("ingest", "--agency", HEALTH, str(BUNDLE))
    assert "read 3, accepted 0, duplicates 3, superseded 0" in again.out
    bundle = _bundle()
    weight = bundle["entry"][2]["resource"]
    weight["meta"]["versionId"] = "2"
    weight["valueQuantity"]["value"] = 18.9
    newer = cli("ingest", "--agency", HEALTH, str(_write_bundle(tmp_path, bundle)))
    assert "read 3, accepted 0, duplicates 2, superseded 1, stale 0, rejected 0" in newer.out
    exported = {r["record_id"]: r for r in cli("export", "records").jsonl()}
    assert exported["Observation/obs-weight-1"]["details"] == {"weight_kg": 18.9}
    assert exported["Observation/obs-weight-1"]["record_version"] == 2
    # The first version is kept as history.
    versions = SourceRecord.objects.filter(record_id="Observation/obs-weight-1")
    assert sorted(versions.values_list("version", flat=True)) == [1, 2]


@pytest.mark.django_db
def test_unmappable_entries_are_quarantined_with_the_element_named(cli, tmp_path):
    bundle = _bundle()
    entries = bundle["entry"]
    no_value = copy.deepcopy(entries[2]["resource"])
    no_value["id"] = "obs-7"
    del no_value["valueQuantity"]
    stones = copy.deepcopy(entries[2]["resource"])
    stones["id"] = "obs-8"
    stones["valueQuantity"] = {"value": 3, "unit": "st"}
    clinic = copy.deepcopy(entries[1]["resource"])
    clinic["id"] = "enc-amb"
    clinic["class"]["code"] = "AMB"
    opaque = copy.deepcopy(entries[3]["resource"])
    opaque["id"] = "obs-9"
    opaque["meta"] = {"versionId": "v3a"}
    nobody = copy.deepcopy(entries[3]["resource"])
    nobody["id"] = "obs-10"
    nobody["subject"] = {"reference": "Patient/missing"}
    partial = {
        "resourceType": "Patient",
        "id": "pat-2",
        "name": [{"family": "Lowe", "given": ["Kai"]}],
        "birthDate": "2015-03",
    }
    of_partial = copy.deepcopy(entries[3]["resource"])
    of_partial["id"] = "obs-11"
    of_partial["subject"] = {"reference": "Patient/pat-2"}
    lonely = {"resourceType": "Patient", "id": "pat-3", "name": [{"family": "Hale"}]}
    bad_date = copy.deepcopy(entries[3]["resource"])
    bad_date["id"] = "obs-12"
    bad_date["effectiveDateTime"] = "2019-13-45"
    entries += [
        {"resource": r}
        for r in (no_value, stones, clinic, opaque, nobody, partial, of_partial, lonely, bad_date)
    ]
    entries.append({"resource": {"resourceType": "MedicationRequest", "id": "med-1"}})
    entries.append({"request": {"method": "DELETE", "url": "Observation/obs-1"}})

    result = cli("ingest", "--agency", HEALTH, str(_write_bundle(tmp_path, bundle)))
    assert "read 14, accepted 3, duplicates 0, superseded 0, stale 0, rejected 11" in result.out
    reasons = _reasons(cli)
    assert reasons["Observation/obs-7"] == ["Observation/obs-7 valueQuantity: missing"]
    assert reasons["Observation/obs-8"][0].startswith(
        "Observation/obs-8 valueQuantity.code: 'st' is not a UCUM unit"
    )
    assert reasons["Encounter/enc-amb"][0].startswith(
        "Encounter/enc-amb class: 'AMB' is not an emergency attendance (EMER)"
    )
    assert reasons["Observation/obs-9"][0].startswith(
        "Observation/obs-9 meta.versionId: 'v3a' is not a whole number"
    )
    assert reasons["Observation/obs-10"] == [
        "Observation/obs-10 subject: Patient/missing is not a Patient in this bundle"
    ]
    partial_reason = "Patient/pat-2 birthDate: '2015-03' is not a full date (YYYY-MM-DD)"
    assert reasons["Patient/pat-2"] == [partial_reason]
    assert reasons["Observation/obs-11"] == [
        "Observation/obs-11 subject: Patient/pat-2 cannot be mapped",
        partial_reason,
    ]
    assert reasons["Patient/pat-3"][0].startswith(
        "Patient/pat-3: no Encounter or Observation in the bundle refers to this patient"
    )
    assert reasons["Observation/obs-12"][0].startswith("Observation/obs-12 effectiveDateTime:")
    assert reasons["MedicationRequest/med-1"][0].startswith(
        "MedicationRequest/med-1 resourceType: 'MedicationRequest' is not mapped to feed v1"
    )
    assert reasons["entry[14]"] == [
        "entry[14] request: DELETE Observation/obs-1; feed v1 cannot withdraw a record"
    ]
    # Each entry is kept whole in quarantine, as it arrived in the bundle.
    kept = json.loads(bytes(QuarantinedLine.objects.get(record_id="Observation/obs-7").raw))
    assert kept["source"]["entry"]["resource"] == no_value


@pytest.mark.django_db
def test_a_bundle_that_is_not_json_is_kept_whole_in_quarantine():
    body = b'{"resourceType": "Bundle", "entry": [ oops'
    result = feed_ingest_adapted(
        body=io.BytesIO(body), content_type="application/fhir+json", filename="", agency=HEALTH
    )
    assert (result.lines_read, result.rejected) == (1, 1)
    line = QuarantinedLine.objects.get()
    assert line.reasons[0].startswith("bundle: not valid JSON")
    assert json.loads(bytes(line.raw))["source"]["bundle_bytes"] == body.decode()


@pytest.mark.django_db
def test_the_api_service_takes_any_format_and_keeps_the_checksum_of_the_bytes_sent():
    data = BUNDLE.read_bytes()
    result = feed_ingest_adapted(
        body=io.BytesIO(data),
        content_type="application/fhir+json; charset=utf-8",
        filename="upload",
        agency=HEALTH,
        sent_by="api:nhs-acute-gyh",
    )
    assert (result.accepted, result.rejected, result.adds_up) == (3, 0, True)
    feed = FeedFile.objects.get(pk=result.feed_file_id)
    assert feed.checksum == hashlib.sha256(data).hexdigest() and feed.size_bytes == len(data)
    assert feed.sent_by == "api:nhs-acute-gyh" and feed.status == "complete"
    # Feed v1 goes through unchanged; the agency given is not forced on its records.
    line = json.dumps(record(record_id="HV-1")).encode() + b"\n"
    plain = feed_ingest_adapted(
        body=io.BytesIO(line), content_type="application/x-ndjson", filename="", agency=HEALTH
    )
    assert plain.accepted == 1
    assert SourceRecord.objects.get(record_id="HV-1").agency.code == record()["agency"]


# ---- CSV attendance returns ------------------------------------------------------------


def test_a_return_row_becomes_an_attendance_record_field_by_field():
    records = {r["record_id"]: r for r in _lines(RETURN, SCHOOL)}
    assert records["attendance:D926022100001:2019-09-02:2019-12-20"] == {
        "agency": SCHOOL,
        "record_id": "attendance:D926022100001:2019-09-02:2019-12-20",
        "record_version": 1,
        "type": "school_attendance",
        "occurred_at": "2019-12-20",  # the end of the period
        "subject": {
            "local_id": "D926022100001",
            "upn": "D926022100001",
            "given_name": "Ava",
            "family_name": "Ingram",
            "date_of_birth": "2014-02-03",  # from 03/02/2014, day first
            "sex": "female",
            "postcode": "NR30 2AB",
        },
        "details": {
            "period_start": "2019-09-02",
            "period_end": "2019-12-20",
            "sessions_possible": 140,
            "sessions_attended": 118,
            "unauthorised_absence_sessions": 16,
            "authorised_absence_sessions": 6,
        },
    }


def test_attendance_is_worked_out_from_absences_and_an_exclusion_becomes_its_own_record():
    records = {r["record_id"]: r for r in _lines(RETURN, SCHOOL)}
    noah = records["attendance:T926022100002:2019-09-02:2019-12-20"]
    assert noah["details"]["sessions_attended"] == 110  # 140 - 10 - 20
    assert noah["subject"]["other_names"] == ["Noa", "Smith"]
    assert records["exclusion:T926022100002:2019-11-14"] == {
        "agency": SCHOOL,
        "record_id": "exclusion:T926022100002:2019-11-14",
        "record_version": 1,
        "type": "school_exclusion",
        "occurred_at": "2019-11-14",
        "subject": noah["subject"],
        "details": {"kind": "suspension", "sessions": 4},
    }


@pytest.mark.django_db
def test_a_return_ingests_reads_back_and_twice_is_duplicates(cli):
    first = cli("ingest", "--agency", SCHOOL, str(RETURN))
    assert "read 3, accepted 3, duplicates 0, superseded 0, stale 0, rejected 0" in first.out
    exported = {r["record_id"]: r for r in cli("export", "records").jsonl()}
    assert exported == {r["record_id"]: r for r in _lines(RETURN, SCHOOL)}
    again = cli("ingest", "--agency", SCHOOL, str(RETURN))
    assert "read 3, accepted 0, duplicates 3" in again.out


@pytest.mark.django_db
def test_bad_rows_are_quarantined_whole_with_the_line_and_column_named(cli, tmp_path):
    path = tmp_path / "return.csv"
    path.write_text(
        "upn,forename,surname,period_start,period_end,sessions_possible,sessions_attended\n"
        "D926022100001,Ava,Ingram,2019-09-02,2019-12-20,abc,118\n"
        "T926022100002,Noah,Ingram,2019-09-02,31/02/2019,140,\n"
        ",Kai,Lowe,2019-09-02,2019-12-20,140,150\n"
        "D926022100001,Ava,Ingram,2099-01-06,2099-03-27,110,99\n"
    )
    result = cli("ingest", "--agency", SCHOOL, str(path))
    assert "read 4, accepted 0, duplicates 0, superseded 0, stale 0, rejected 4" in result.out
    reasons = _reasons(cli)
    assert reasons["line 2 UPN D926022100001"] == [
        "line 2 sessions_possible: 'abc' is not a whole number"
    ]
    assert reasons["line 3 UPN T926022100002"][0] == (
        "line 3 period_end: '31/02/2019' is not a date (2024-09-02 or 02/09/2024)"
    )
    assert reasons["line 4"] == ["line 4 upn: is empty"]
    # A row the adapter maps can still break feed v1's rules: validation names the field.
    assert reasons["attendance:D926022100001:2099-01-06:2099-03-27"][0].startswith(
        "occurred_at: 2099-03-27 is later than the moment the record was received"
    )
    kept = json.loads(bytes(QuarantinedLine.objects.get(record_id="line 4").raw))
    assert kept["source"]["row"] == ["", "Kai", "Lowe", "2019-09-02", "2019-12-20", "140", "150"]


@pytest.mark.django_db
def test_a_return_missing_a_column_or_not_utf8_is_still_kept(cli, tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("upn,period_start,period_end\nD926022100001,2019-09-02,2019-12-20\n")
    cli("ingest", "--agency", SCHOOL, str(path))
    reasons = _reasons(cli)["line 2 UPN D926022100001"]
    assert reasons[0] == "line 2 sessions_possible: column is missing from the header"
    assert reasons[1].startswith("line 2 sessions_attended: is empty, and cannot be worked out")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("upn,forename\nD926022100001,Zoë\n".encode("cp1252"))
    result = cli("ingest", "--agency", SCHOOL, str(latin))
    assert "read 1, accepted 0, duplicates 0, superseded 0, stale 0, rejected 1" in result.out
    assert _reasons(cli)[""][0].startswith("file: not UTF-8 text (byte 0xeb at position 29)")


# ---- the command line and format detection ----------------------------------------------


@pytest.mark.django_db
def test_ingest_without_agency_for_a_bundle_or_return_is_a_usage_error(cli):
    result = cli("ingest", str(BUNDLE), str(RETURN))
    assert result.code == 2
    assert "--agency CODE is required for" in result.err
    assert "fhir-bundle.json (fhir-bundle)" in result.err
    assert "attendance-return.csv (attendance-csv)" in result.err
    assert not FeedFile.objects.exists()  # nothing was loaded
    bad = cli("ingest", "--agency", "Not A Code", str(BUNDLE))
    assert bad.code == 2 and "is not an agency code" in bad.err


@pytest.mark.parametrize(
    ("content_type", "filename", "head", "expected"),
    [
        ("application/fhir+json", "", b"{}", Format.FHIR_BUNDLE),
        ("text/csv; charset=utf-8", "", b"upn", Format.ATTENDANCE_CSV),
        ("", "return.CSV", b"upn", Format.ATTENDANCE_CSV),
        ("", "bundle.json", b'{\n  "resourceType": "Bundle",\n', Format.FHIR_BUNDLE),
        ("", "bundle.json", b'{"entry": [], "resourceType": "Bundle"}', Format.FHIR_BUNDLE),
        (
            "application/json",
            "",
            b'{"resourceType":"Bundle","type":"collection"}',
            Format.FHIR_BUNDLE,
        ),
        # JSON Lines named .json: its first line is a whole object, not a bundle.
        (
            "",
            "feed.json",
            b'{"agency": "a1", "summary": "resourceType Bundle"}\n{}',
            Format.FEED_V1,
        ),
        ("", "feed.jsonl", b'{"resourceType": "Bundle"}', Format.FEED_V1),
        ("application/x-ndjson", "", b"{}", Format.FEED_V1),
    ],
)
def test_detect_format(content_type, filename, head, expected):
    assert detect_format(content_type=content_type, filename=filename, head=head) is expected


@pytest.mark.django_db
def test_a_partner_feed_v1_line_carrying_adapter_rejected_is_judged_as_feed_v1(cli, write_feed):
    # Only an object that can never be a record has its carried reasons read.
    valid = record(record_id="X1") | {"adapter_rejected": ["please reject me"]}
    invalid = {"agency": "nhs-acute-gyh", "record_id": "X2", "adapter_rejected": "not a list"}
    result = cli("ingest", str(write_feed([valid, invalid])))
    assert "accepted 1" in result.out and "rejected 1" in result.out
    reasons = QuarantinedLine.objects.get().reasons
    assert "type: is required" in reasons


@pytest.mark.django_db
def test_attendance_that_cannot_be_worked_out_and_an_unknown_exclusion_are_named(cli, tmp_path):
    path = tmp_path / "return.csv"
    path.write_text(
        "UPN,Period start,Period end,Possible sessions,Sessions attended,"
        "Exclusion type,Exclusion start date\n"
        "D926022100001,2019-09-02,2019-12-20,140,,,\n"
        "T926022100002,2019-09-02,2019-12-20,140,120,expelled,2019-11-14\n"
    )
    result = cli("ingest", "--agency", SCHOOL, str(path))
    assert "read 2, accepted 0, duplicates 0, superseded 0, stale 0, rejected 2" in result.out
    reasons = _reasons(cli)
    assert reasons["line 2 UPN D926022100001"] == [
        "line 2 sessions_attended: is empty, and cannot be worked out without both"
        " authorised_absence_sessions and unauthorised_absence_sessions"
    ]
    assert reasons["line 3 UPN T926022100002"] == [
        "line 3 exclusion_type: 'expelled' is not one of fixd, fixed, fixed_period, perm,"
        " permanent, suspension"
    ]


@pytest.mark.django_db
def test_a_feed_v1_body_longer_than_the_sniffed_start_streams_through_whole():
    lines = [json.dumps(record(record_id=f"HV-{i}", summary="x" * 200)) for i in range(600)]
    body = ("\n".join(lines) + "\n").encode()
    assert len(body) > 2 * 64 * 1024  # the first 64 KiB are read to tell the format

    class OneWay(io.RawIOBase):
        """A body that can only be read forwards, like a request body."""

        def __init__(self) -> None:
            self._data = io.BytesIO(body)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            chunk = self._data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    result = feed_ingest_adapted(
        body=io.BufferedReader(OneWay()), filename="feed.jsonl", agency=HEALTH
    )
    assert (result.lines_read, result.accepted, result.rejected) == (600, 600, 0)
    feed = FeedFile.objects.get(pk=result.feed_file_id)
    assert feed.checksum == hashlib.sha256(body).hexdigest() and feed.size_bytes == len(body)
    as_bytes = feed_ingest_adapted(body=body, filename="feed.jsonl", agency=HEALTH)
    assert as_bytes.duplicates == 600
