"""The keys ingest writes hold, though the database does not check them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import ProtectedError

from sightline.feeds.models import SourceRecord
from sightline.feeds.selectors import feed_integrity_problems
from tests.conftest import FIXTURES

pytestmark = pytest.mark.django_db


def test_the_integrity_check_finds_a_subject_record_left_without_its_record(cli):
    cli("ingest", str(FIXTURES / "example-feed.jsonl"))
    assert not any(feed_integrity_problems().values())
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE feeds_subjectrecord SET source_record_id = 999999 WHERE id = "
            "(SELECT MIN(id) FROM feeds_subjectrecord)"
        )
    assert feed_integrity_problems()["subject records without their source record"] == 1
    with connection.cursor() as cur:  # put it back for the autouse check
        cur.execute("DELETE FROM feeds_subjectrecord WHERE source_record_id = 999999")


def test_a_record_with_people_named_in_it_cannot_be_deleted(cli):
    cli("ingest", str(FIXTURES / "example-feed.jsonl"))
    record = SourceRecord.objects.get(record_id="NP-DA-77120")
    with pytest.raises(ProtectedError):
        record.delete()
    assert SourceRecord.objects.filter(pk=record.pk).exists()
