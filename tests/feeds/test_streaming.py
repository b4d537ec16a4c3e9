"""Memory does not grow with the size of the file being ingested."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest

from sightline.feeds.services import feed_ingest_path
from tests.conftest import record

pytestmark = pytest.mark.django_db


def _peak_ingesting(path: Path) -> int:
    tracemalloc.start()
    try:
        result = feed_ingest_path(path=path, batch_size=500, workers=0, block_bytes=64 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.accepted == sum(1 for _ in path.open())
    return peak


def _feed(path: Path, n: int, prefix: str) -> Path:
    with path.open("w") as f:
        for i in range(n):
            f.write(json.dumps(record(record_id=f"{prefix}{i}", summary="s" * 300)) + "\n")
    return path


def test_peak_memory_is_the_same_for_a_file_four_times_larger(tmp_path):
    small = _peak_ingesting(_feed(tmp_path / "small.jsonl", 1500, "a"))
    large = _peak_ingesting(_feed(tmp_path / "large.jsonl", 6000, "b"))
    # Four times the records, but memory is bounded by the batch, not the file.
    assert large < small * 1.5, (small, large)


def test_blocks_keep_lines_whole_whatever_their_length():
    import io

    from sightline.feeds.reader import HashingReader, block_lines

    long_line = b"x" * 300
    data = b"\xef\xbb\xbfone\r\n" + long_line + b"\n\nlast-without-newline"
    reader = HashingReader(io.BytesIO(data), block_bytes=64)
    lines = [line for block in reader.blocks() for line in block_lines(block)]
    assert [(line.number, line.raw) for line in lines] == [
        (1, b"one"),
        (2, long_line),
        (3, b""),
        (4, b"last-without-newline"),
    ]
    assert reader.size == len(data)
