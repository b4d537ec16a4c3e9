"""An ingest that stops part way says so, and sending the file again continues it."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, OperationalError

from sightline.feeds import services
from sightline.feeds.models import FeedFile, QuarantinedLine, SourceRecord
from tests.conftest import record

pytestmark = pytest.mark.django_db


def _lines(n: int) -> list[Any]:
    lines: list[Any] = []
    for i in range(n):
        lines.append(record(record_id=f"HV-{i}"))
        if i % 10 == 4:
            lines.append("not json at all")
    return lines


def _failing_on(monkeypatch: pytest.MonkeyPatch, call: int, error: Exception) -> list[int]:
    real = services._apply_batch
    calls: list[int] = []

    def apply(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == call:
            raise error
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "_apply_batch", apply)
    return calls


def test_a_database_error_mid_ingest_is_a_clear_message_and_a_retry_finishes(
    cli, write_feed, monkeypatch
):
    path = write_feed(_lines(60))
    real_apply_batch = services._apply_batch
    _failing_on(monkeypatch, 3, OperationalError("database is locked\nDETAIL: driver noise"))
    first = cli("ingest", str(path), "--batch-size", "10")
    assert first.code == 1
    assert "Traceback" not in first.err
    feed = FeedFile.objects.get()
    assert feed.status == FeedFile.Status.INTERRUPTED
    # Two batches of ten lines, in line order, are held; the third was rolled back.
    assert feed.committed_line == 20
    assert f"sightline ingest: {path}: stopped: OperationalError: database is locked." in first.err
    assert "driver noise" not in first.err
    assert "Lines 1 to 20 are committed: each is held, or in quarantine" in first.err
    assert "Sending the same file again is safe" in first.err

    # Only the failure is undone: undo() would also undo the cli fixture's own patch.
    monkeypatch.setattr(services, "_apply_batch", real_apply_batch)
    again = cli("ingest", str(path), "--batch-size", "10")
    assert again.code == 0, again.err
    assert "continued an interrupted ingest after line 20" in again.out
    feed = FeedFile.objects.get()
    assert feed.status == FeedFile.Status.COMPLETE
    assert (feed.lines_read, feed.accepted, feed.rejected) == (66, 60, 6)
    assert SourceRecord.objects.count() == 60
    assert QuarantinedLine.objects.count() == 6


def test_a_batch_that_loses_a_race_for_a_record_is_tried_again(write_feed, monkeypatch):
    path = write_feed(_lines(30))
    calls = _failing_on(monkeypatch, 2, IntegrityError("duplicate key value"))
    result = services.feed_ingest_path(path=path, batch_size=10)
    assert not result.error
    assert len(calls) == 5  # four batches, the second twice
    assert (result.lines_read, result.accepted, result.rejected) == (33, 30, 3)
    assert SourceRecord.objects.count() == 30


def test_a_complete_file_sent_again_is_a_new_file_of_duplicates(write_feed):
    path = write_feed(_lines(12))
    services.feed_ingest_path(path=path)
    again = services.feed_ingest_path(path=path)
    assert again.resumed_after == 0
    assert (again.accepted, again.duplicates, again.rejected) == (0, 12, 1)
    assert FeedFile.objects.count() == 2


def test_the_unreachable_database_before_any_line_is_a_message_not_a_traceback(
    cli, write_feed, monkeypatch
):
    path = write_feed(_lines(3))

    def down(*args: Any, **kwargs: Any) -> None:
        raise OperationalError('connection to server at "db" failed: Connection refused')

    monkeypatch.setattr(services, "_resumable", down)
    result = cli("ingest", str(path))
    assert result.code == 1
    assert "the database could not be reached" in result.err
    assert "nothing from this file was kept" in result.err
    assert "Traceback" not in result.err


def test_a_resumed_file_skips_exactly_the_lines_it_holds():
    from sightline.feeds.reader import Block, block_lines

    data = b"one\ntwo\n\nfour\nfive"
    blocks = list(services._after_line(iter([Block(1, data)]), 3))
    assert [(line.number, line.raw) for b in blocks for line in block_lines(b)] == [
        (4, b"four"),
        (5, b"five"),
    ]
    assert list(services._after_line(iter([Block(1, data)]), 5)) == []
