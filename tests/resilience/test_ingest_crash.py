"""Ingest killed part way, sent twice at once, or cut off from its database: every record
is held exactly once afterwards, and the counts say where each line went."""

from __future__ import annotations

import signal
import time

import pytest

from tests.resilience.conftest import Feed, LiveDb, feed_file, held_through

pytestmark = pytest.mark.slow

BATCH = "100"
FILE_SQL = (
    "SELECT status, lines_read, accepted, duplicates, superseded, stale, rejected,"
    " committed_line FROM feeds_feedfile ORDER BY id"
)


def _assert_held_once(db: LiveDb, feed: Feed, files: int = 1) -> None:
    """Every record of the file held exactly once, and every rejected line kept once a file."""
    assert db.value("SELECT COUNT(*) FROM feeds_sourcerecord") == feed.held
    assert (
        db.value(
            "SELECT COUNT(*) FROM (SELECT DISTINCT agency_id, record_id, version"
            " FROM feeds_sourcerecord) AS d"
        )
        == feed.held
    )
    assert db.value("SELECT COUNT(*) FROM feeds_quarantinedline") == feed.invalid * files
    assert (
        db.value(
            "SELECT COUNT(*) FROM (SELECT DISTINCT feed_file_id, line_number"
            " FROM feeds_quarantinedline) AS d"
        )
        == feed.invalid * files
    )


def test_an_ingest_killed_part_way_is_continued_with_nothing_lost_or_doubled(live_db, tmp_path):
    feed = feed_file(tmp_path / "health-visits.jsonl", 6000)
    proc = live_db.start("ingest", str(feed.path), "--batch-size", BATCH)
    started = time.monotonic()
    # Killed once about a fifth of the file is committed: mid-way, with no warning.
    live_db.wait_for(
        "SELECT MAX(committed_line) FROM feeds_feedfile", lambda n: n > feed.lines // 5, proc
    )
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    [left] = live_db.rows(FILE_SQL)
    status, lines_read, *_, committed = left
    assert status == "receiving", "a killed ingest cannot mark itself: it must not say complete"
    assert 0 < lines_read < feed.lines
    # What is held is exactly the lines up to the last committed one, no more, no less.
    lines_through, records_through = held_through(feed, committed)
    assert lines_read == lines_through
    assert live_db.value("SELECT COUNT(*) FROM feeds_sourcerecord") == records_through

    again = live_db.run("ingest", str(feed.path), "--batch-size", BATCH)
    seconds = time.monotonic() - started
    assert again.returncode == 0, again.stderr
    assert f"continued an interrupted ingest after line {committed}" in again.stdout

    [done] = live_db.rows(FILE_SQL)
    status, lines_read, accepted, duplicates, superseded, stale, rejected, _ = done
    assert status == "complete"
    assert lines_read == feed.lines
    assert lines_read == accepted + duplicates + superseded + stale + rejected
    assert accepted + superseded + stale == feed.held
    assert rejected == feed.invalid
    _assert_held_once(live_db, feed)
    print(f"kill-during-ingest: {feed.lines} lines, killed after line {committed}, {seconds:.1f}s")


def test_the_same_file_sent_twice_at_once_is_held_once(live_db, tmp_path):
    feed = feed_file(tmp_path / "police.jsonl", 3000)
    first = live_db.start("ingest", str(feed.path), "--batch-size", BATCH)
    second = live_db.start("ingest", str(feed.path), "--batch-size", BATCH)
    outputs = [p.communicate(timeout=300) for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outputs

    files = live_db.rows(FILE_SQL)
    assert [f[0] for f in files] == ["complete", "complete"]
    for _status, lines_read, accepted, duplicates, superseded, stale, rejected, _ in files:
        assert lines_read == feed.lines
        assert lines_read == accepted + duplicates + superseded + stale + rejected
    # Between them the two files made each record once; the rest they counted as duplicates.
    assert sum(f[2] + f[4] + f[5] for f in files) == feed.held
    # Each file received keeps its own rejected lines: a receipt for each.
    _assert_held_once(live_db, feed, files=2)


def test_the_database_going_away_mid_ingest_is_reported_and_a_retry_finishes(live_db, tmp_path):
    if not live_db.postgres:
        pytest.skip("terminating a server connection needs PostgreSQL; see test_database_error")
    feed = feed_file(tmp_path / "school.jsonl", 6000)
    proc = live_db.start("ingest", str(feed.path), "--batch-size", BATCH)
    live_db.wait_for(
        "SELECT MAX(committed_line) FROM feeds_feedfile", lambda n: n > feed.lines // 5, proc
    )
    name = live_db.url.rsplit("/", 1)[1]
    terminated = live_db.value(
        "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        f" WHERE datname = '{name}' AND pid <> pg_backend_pid()) AS t"
    )
    assert terminated >= 1
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, (out, err)
    assert "Traceback" not in err, err
    [left] = live_db.rows(FILE_SQL)
    committed = left[-1]
    assert left[0] == "interrupted"
    assert f"sightline ingest: {feed.path}: stopped:" in err
    assert f"Lines 1 to {committed:,} are committed: each is held" in err
    assert "Sending the same file again is safe" in err

    again = live_db.run("ingest", str(feed.path), "--batch-size", BATCH)
    assert again.returncode == 0, again.stderr
    [done] = live_db.rows(FILE_SQL)
    assert done[0] == "complete" and done[1] == feed.lines
    _assert_held_once(live_db, feed)
