"""Splitting a feed into blocks of whole lines, and blocks into lines.

The file is read in blocks of about 4 MiB that end at a line break, so memory
does not grow with the file, and a block is one cheap object to hand to a
decoding worker (handing over lines one by one cost more than decoding them).
An over-long line is still kept whole, since the spec says rejected lines are
kept whole, but a normal line never costs more than its block.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import BinaryIO, NamedTuple

MAX_LINE_BYTES = 1024 * 1024
BLOCK_BYTES = 4 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"


class Line(NamedTuple):
    number: int
    raw: bytes
    too_long: bool
    offset: int = 0  # where raw starts in its block


class Block(NamedTuple):
    """Whole lines from a file, the first of them being line ``first_line``."""

    first_line: int
    data: bytes


def block_lines(block: Block) -> Iterator[Line]:
    data = block.data
    end = len(data) - 1 if data.endswith(b"\n") else len(data)
    start = 0
    number = block.first_line
    while start <= end:
        stop = data.find(b"\n", start, end)
        if stop == -1:
            stop = end
        raw = data[start:stop]
        offset = start
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        if number == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
            offset += len(_BOM)
        yield Line(number, raw, len(raw) > MAX_LINE_BYTES, offset)
        number += 1
        start = stop + 1


class HashingReader:
    """Reads blocks of whole lines from a binary stream, hashing every byte."""

    def __init__(self, stream: BinaryIO, block_bytes: int = BLOCK_BYTES) -> None:
        self._stream = stream
        self._block_bytes = block_bytes
        self.sha256 = hashlib.sha256()
        self.size = 0

    def _read(self, n: int) -> bytes:
        chunk = self._stream.read(n)
        self.sha256.update(chunk)
        self.size += len(chunk)
        return chunk

    def blocks(self) -> Iterator[Block]:
        line = 1
        carry = b""
        while True:
            chunk = self._read(self._block_bytes)
            if not chunk:
                if carry:
                    yield Block(line, carry)
                return
            data = carry + chunk if carry else chunk
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                # One line longer than a block: keep reading until it ends.
                carry = data
                continue
            whole, carry = data[:cut], data[cut:]
            yield Block(line, whole)
            line += whole.count(b"\n")
