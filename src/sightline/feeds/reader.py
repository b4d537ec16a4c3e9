"""Splitting a feed into lines without ever holding more than one line in memory.

Python's own line iteration would read a 2 GB line into memory in one go; here
an over-long line is still kept whole (the spec says rejected lines are kept
whole), but a normal line never costs more than its own length.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import BinaryIO, NamedTuple

MAX_LINE_BYTES = 1024 * 1024
_BOM = b"\xef\xbb\xbf"


class Line(NamedTuple):
    """One line as read; a tuple because lines travel to decoding workers in bulk."""

    number: int
    raw: bytes
    too_long: bool


class HashingReader:
    """Reads lines from a binary stream, hashing every byte as it passes."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.sha256 = hashlib.sha256()
        self.size = 0

    def _readline(self) -> bytes:
        chunk = self._stream.readline(MAX_LINE_BYTES + 2)
        self.sha256.update(chunk)
        self.size += len(chunk)
        return chunk

    def lines(self) -> Iterator[Line]:
        number = 0
        while True:
            chunk = self._readline()
            if not chunk:
                return
            number += 1
            parts = [chunk]
            while not parts[-1].endswith(b"\n"):
                more = self._readline()
                if not more:
                    break
                parts.append(more)
            raw = parts[0] if len(parts) == 1 else b"".join(parts)
            if raw.endswith(b"\n"):
                raw = raw[:-1]
            if raw.endswith(b"\r"):
                raw = raw[:-1]
            if number == 1 and raw.startswith(_BOM):
                raw = raw[len(_BOM) :]
            yield Line(number=number, raw=raw, too_long=len(raw) > MAX_LINE_BYTES)
