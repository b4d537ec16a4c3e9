"""POST /api/v1/feeds: what a partner system sends, and what it is told back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from sightline.api.models import ApiToken
from sightline.api.services import token_revoke, token_rotate
from sightline.feeds.adapters import Format, adapted_lines
from sightline.feeds.models import FeedFile, QuarantinedLine, SourceRecord
from tests.api.conftest import API, HV, POLICE, jsonl
from tests.conftest import record


def _outcomes(answer):
    return [(r["line"], r["record_id"], r["outcome"]) for r in answer["records"]]


def _adds_up(answer) -> bool:
    parts = ("accepted", "duplicates", "superseded", "stale", "rejected")
    return answer["lines_read"] == sum(answer[p] for p in parts)


def test_records_sent_are_taken_and_each_line_is_answered_for(send, hv_token):
    body = jsonl([record(record_id="HV-1"), record(record_id="HV-2")])

    response = send(body, hv_token)

    assert response.status_code == 200
    answer = response.json()
    assert answer["agency"] == HV
    assert (answer["lines_read"], answer["accepted"], answer["rejected"]) == (2, 2, 0)
    assert _outcomes(answer) == [(1, "HV-1", "accepted"), (2, "HV-2", "accepted")]
    assert set(SourceRecord.objects.values_list("record_id", flat=True)) == {"HV-1", "HV-2"}
    feed = FeedFile.objects.get(pk=answer["feed_file_id"])
    assert feed.status == FeedFile.Status.COMPLETE
    assert hv_token.token.prefix in feed.sent_by


def test_sending_updates_the_tokens_last_used_time(send, hv_token):
    before = timezone.now()
    send(jsonl([record()]), hv_token)
    used = ApiToken.objects.get(pk=hv_token.token.pk).last_used_at
    assert used is not None and used >= before


def test_every_outcome_is_reported_per_line_and_the_counts_add_up(send, hv_token):
    send(jsonl([record(record_id="A", record_version=2), record(record_id="B")]), hv_token)
    body = jsonl(
        [
            record(record_id="A", record_version=2),  # the same again: duplicate
            record(record_id="A", record_version=1),  # lower than held: stale
            record(record_id="B", record_version=2, summary="corrected"),  # superseded
            record(record_id="B", record_version=2, summary="different"),  # conflict
            "",  # blank: ignored, not counted
            record(record_id="C"),
        ]
    )

    answer = send(body, hv_token, content_type="application/jsonl").json()

    assert _outcomes(answer) == [
        (1, "A", "duplicate"),
        (2, "A", "stale"),
        (3, "B", "superseded"),
        (4, "B", "rejected"),
        (6, "C", "accepted"),
    ]
    assert answer["records"][3]["reasons"][0].startswith("record_version:")
    assert (answer["duplicates"], answer["stale"], answer["superseded"]) == (1, 1, 1)
    assert (answer["rejected"], answer["accepted"], answer["blank_lines"]) == (1, 1, 1)
    assert answer["lines_read"] == 5 and _adds_up(answer)


def test_malformed_lines_are_quarantined_and_reported_line_by_line(send, hv_token):
    body = jsonl(
        [
            b"{not json",
            record(record_id="OK"),
            {"agency": HV, "record_id": "NO-TYPE", "occurred_at": "2023-01-01"},
            b"\xff\xfe not utf-8",
            b"[1, 2]",
        ]
    )

    answer = send(body, hv_token).json()

    assert _outcomes(answer) == [
        (1, None, "rejected"),
        (2, "OK", "accepted"),
        (3, "NO-TYPE", "rejected"),
        (4, None, "rejected"),
        (5, None, "rejected"),
    ]
    reasons = {r["line"]: r["reasons"] for r in answer["records"]}
    assert "not valid JSON" in reasons[1][0]
    assert any(r.startswith("type") for r in reasons[3])
    assert "UTF-8" in reasons[4][0]
    kept = QuarantinedLine.objects.filter(feed_file_id=answer["feed_file_id"])
    assert sorted(kept.values_list("line_number", flat=True)) == [1, 3, 4, 5]
    assert bytes(kept.get(line_number=4).raw) == b"\xff\xfe not utf-8"
    assert _adds_up(answer)


def test_a_record_for_another_agency_is_rejected_and_kept(send, hv_token):
    body = jsonl([record(record_id="MINE"), record(agency=POLICE, record_id="THEIRS")])

    answer = send(body, hv_token).json()

    assert _outcomes(answer) == [(1, "MINE", "accepted"), (2, "THEIRS", "rejected")]
    reason = answer["records"][1]["reasons"][0]
    assert reason.startswith("agency:") and POLICE in reason and HV in reason
    kept = QuarantinedLine.objects.get(record_id="THEIRS")
    assert kept.agency_code == POLICE and kept.reasons == [reason]
    assert not SourceRecord.objects.filter(record_id="THEIRS").exists()


def test_an_invalid_record_for_another_agency_says_both_reasons(send, hv_token):
    body = jsonl([record(agency=POLICE, record_id="BAD", type="no_such_type")])
    answer = send(body, hv_token).json()
    reasons = answer["records"][0]["reasons"]
    assert any(r.startswith("type") for r in reasons)
    assert any(r.startswith("agency:") and HV in r for r in reasons)


def test_the_other_agencys_token_is_held_to_its_own_agency_too(send, police_token):
    answer = send(jsonl([record()]), police_token).json()
    assert answer["rejected"] == 1 and answer["accepted"] == 0


def test_a_file_may_be_uploaded_as_multipart(hv_token, db):
    upload = Client(enforce_csrf_checks=True)
    from django.core.files.uploadedfile import SimpleUploadedFile

    feed = SimpleUploadedFile(
        "hv-2023-03.jsonl",
        jsonl([record(record_id="F1"), b"oops", record(record_id="F2")]),
        content_type="application/octet-stream",
    )

    response = upload.post(API, {"file": feed}, HTTP_AUTHORIZATION=f"Bearer {hv_token.secret}")

    assert response.status_code == 200
    answer = response.json()
    assert _outcomes(answer) == [
        (1, "F1", "accepted"),
        (2, None, "rejected"),
        (3, "F2", "accepted"),
    ]
    assert FeedFile.objects.get(pk=answer["feed_file_id"]).name == "hv-2023-03.jsonl"


def test_multipart_without_the_file_field_is_refused_naming_it(hv_token, db):
    response = Client().post(API, {"feed": "x"}, HTTP_AUTHORIZATION=f"Bearer {hv_token.secret}")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("file:")
    assert not FeedFile.objects.exists()


def test_a_broken_multipart_body_is_a_clear_400(send, hv_token):
    response = send(b"not multipart at all", hv_token, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "multipart" in response.json()["detail"]


def test_an_empty_body_is_a_clear_400(send, hv_token):
    # The test client drops the Content-Type of an empty body; a partner's would send it.
    response = send(b"", hv_token, CONTENT_TYPE="application/x-ndjson")
    assert response.status_code == 400
    assert "empty" in response.json()["detail"]
    assert not FeedFile.objects.exists()


def test_another_content_type_is_refused_with_415_before_reading(send, hv_token):
    response = send(b"<records/>", hv_token, content_type="application/xml")
    assert response.status_code == 415
    detail = response.json()["detail"]
    assert "application/xml" in detail and "application/x-ndjson" in detail
    assert "application/fhir+json" in detail and "text/csv" in detail
    assert not FeedFile.objects.exists()


ADAPTED = Path(__file__).resolve().parents[1] / "feeds" / "data"


@pytest.mark.parametrize(
    ("file", "content_type", "fmt"),
    [
        ("fhir-bundle.json", "application/fhir+json", Format.FHIR_BUNDLE),
        ("attendance-return.csv", "text/csv", Format.ATTENDANCE_CSV),
    ],
)
def test_a_fhir_bundle_or_school_csv_return_is_taken_as_the_tokens_agency(
    send, hv_token, file, content_type, fmt
):
    data = (ADAPTED / file).read_bytes()
    expected = list(adapted_lines(data=data, fmt=fmt, agency=HV))

    answer = send(data, hv_token, content_type=content_type).json()

    # Every record the adapter made is answered for, and held as the sending agency's.
    assert answer["lines_read"] == len(expected) and _adds_up(answer)
    assert answer["accepted"] > 0
    assert len(answer["records"]) == len(expected)
    assert set(SourceRecord.objects.values_list("agency__code", flat=True)) == {HV}


def test_a_body_over_the_limit_is_refused_with_413(send, hv_token, settings):
    settings.SIGHTLINE_API_MAX_BODY_BYTES = 1000
    body = jsonl([record(record_id=f"R{i}") for i in range(10)])
    assert len(body) > 1000

    response = send(body, hv_token)

    assert response.status_code == 413
    assert "1,000 bytes" in response.json()["detail"]
    assert not FeedFile.objects.exists()
    assert send(jsonl([record()]), hv_token).status_code == 200  # under it: taken


def test_an_upload_over_the_limit_is_refused_with_413(hv_token, settings, db):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.SIGHTLINE_API_MAX_BODY_BYTES = 1000
    feed = SimpleUploadedFile("big.jsonl", jsonl([record(record_id=f"R{i}") for i in range(10)]))
    response = Client().post(API, {"file": feed}, HTTP_AUTHORIZATION=f"Bearer {hv_token.secret}")
    assert response.status_code == 413
    assert not FeedFile.objects.exists()


def _unauthorised(response) -> str:
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    return response.json()["detail"]


def test_no_token_a_wrong_token_and_a_wrong_scheme_get_one_answer(send, hv_token):
    body = jsonl([record()])
    tampered = hv_token.secret[:-4] + ("AAAA" if not hv_token.secret.endswith("AAAA") else "BBBB")
    answers = {
        _unauthorised(send(body, None)),
        _unauthorised(send(body, "sl_000000000000_" + "x" * 43)),
        _unauthorised(send(body, tampered)),
        _unauthorised(send(body, "not-even-a-token")),
        _unauthorised(send(body, None, HTTP_AUTHORIZATION=f"Basic {hv_token.secret}")),
    }
    assert len(answers) == 1 and "token" in answers.pop()
    assert not SourceRecord.objects.exists()
    assert ApiToken.objects.get(pk=hv_token.token.pk).last_used_at is None


def test_a_revoked_token_is_refused_with_the_same_answer(send, hv_token, police_token):
    token_revoke(token=hv_token.token)
    refused = _unauthorised(send(jsonl([record()]), hv_token))
    assert refused == _unauthorised(send(jsonl([record()]), None))
    assert not SourceRecord.objects.exists()


def test_an_expired_token_is_refused_with_the_same_answer(send, hv_token):
    ApiToken.objects.filter(pk=hv_token.token.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    refused = _unauthorised(send(jsonl([record()]), hv_token))
    assert refused == _unauthorised(send(jsonl([record()]), None))
    assert not SourceRecord.objects.exists()


def test_a_rotated_token_works_for_the_overlap_and_the_new_one_at_once(send, hv_token):
    issued = token_rotate(token=hv_token.token)
    assert send(jsonl([record(record_id="OLD")]), hv_token).status_code == 200
    assert send(jsonl([record(record_id="NEW")]), issued).status_code == 200
    ApiToken.objects.filter(pk=hv_token.token.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert send(jsonl([record(record_id="LATE")]), hv_token).status_code == 401


def test_rotating_with_no_overlap_stops_the_old_token_at_once(send, hv_token):
    issued = token_rotate(token=hv_token.token, overlap=dt.timedelta(0))
    assert send(jsonl([record()]), hv_token).status_code == 401
    assert send(jsonl([record()]), issued).status_code == 200


def test_over_the_rate_limit_is_429_with_retry_after(send, hv_token, police_token, settings):
    settings.SIGHTLINE_API_RATE_LIMIT = "2/min"
    body = jsonl([record()])
    assert [send(body, hv_token).status_code for _ in range(2)] == [200, 200]

    refused = send(body, hv_token)

    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert "2/min" in refused.json()["detail"]
    assert FeedFile.objects.count() == 2
    # The limit is the token's: another agency's token is not held back.
    assert send(jsonl([record(agency=POLICE)]), police_token).status_code == 200


def test_the_api_needs_no_csrf_token_or_session(send, hv_token):
    # ``send`` enforces CSRF checks and has no session: a partner system's position.
    assert send(jsonl([record()]), hv_token).status_code == 200


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_other_methods_are_not_allowed(hv_token, method):
    response = getattr(Client(), method)(API, HTTP_AUTHORIZATION=f"Bearer {hv_token.secret}")
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_the_openapi_description_is_public_and_describes_the_endpoint(db):
    response = Client().get("/api/v1/schema")

    assert response.status_code == 200
    schema = response.json()
    post = schema["paths"]["/api/v1/feeds"]["post"]
    content = post["requestBody"]["content"]
    assert {"application/x-ndjson", "application/jsonl", "multipart/form-data"} <= set(content)
    assert content["multipart/form-data"]["schema"]["required"] == ["file"]
    assert {"200", "400", "401", "413", "415", "429"} <= set(post["responses"])
    assert all(r["description"] and "content" in r for r in post["responses"].values())
    assert "Retry-After" in post["responses"]["429"]["description"]
    assert schema["components"]["securitySchemes"]["AgencyToken"]["scheme"] == "bearer"


def test_a_database_failure_part_way_is_a_503_saying_to_send_again(send, hv_token, monkeypatch):
    from django.db import DatabaseError

    from sightline.feeds import services

    def fail(*args, **kwargs):
        raise DatabaseError("the database went away")

    monkeypatch.setattr(services, "_ingest_batch", fail)
    response = send(jsonl([record()]), hv_token)

    assert response.status_code == 503
    answer = response.json()
    assert "Send the same body again" in answer["detail"]
    assert answer["result"]["lines_read"] == 0
    assert FeedFile.objects.get(pk=answer["result"]["feed_file_id"]).status == "interrupted"
