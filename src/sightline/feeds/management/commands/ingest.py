"""``sightline ingest FILE...``: load feed v1 files and say what became of every line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import orjson
from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError

from sightline.feeds.services import BATCH_SIZE, FileResult, IngestError, feed_ingest_path


def format_result(r: FileResult) -> str:
    text = (
        f"{r.name}: read {r.lines_read}, accepted {r.accepted}, duplicates {r.duplicates},"
        f" superseded {r.superseded}, stale {r.stale}, rejected {r.rejected}"
    )
    extras = []
    if r.warnings:
        extras.append(f"{r.warnings} with warnings")
    if r.blank_lines:
        extras.append(f"{r.blank_lines} blank lines ignored")
    if r.resumed_after:
        extras.append(f"continued an interrupted ingest after line {r.resumed_after}")
    return text + (f" ({'; '.join(extras)})" if extras else "")


class Command(BaseCommand):
    help = (
        "Load feed v1 files. Prints, per file, records read, accepted, duplicates,"
        " superseded, stale and rejected; rejected lines are kept in quarantine"
        " ('sightline quarantine list'). Exits 0 when every file was read, 1 when the"
        " database failed, 2 when a file could not be read at all."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="feed v1 JSON Lines files")
        parser.add_argument(
            "--format",
            choices=["text", "json"],
            default="text",
            help="text (default) or one JSON object a file",
        )
        parser.add_argument("--sent-by", default="cli", help="who sent the files (recorded)")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            metavar="N",
            help=f"records decided and committed per transaction (default {BATCH_SIZE:,})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        unreadable = failed = False
        if options["batch_size"] < 1:
            self.stderr.write("sightline ingest: --batch-size must be 1 or more")
            sys.exit(2)
        for name in options["files"]:
            try:
                result = feed_ingest_path(
                    path=Path(name), sent_by=options["sent_by"], batch_size=options["batch_size"]
                )
            except IngestError as exc:
                self.stderr.write(f"sightline ingest: {exc}")
                unreadable = True
                continue
            except DatabaseError as exc:
                # Before a single line was taken: nothing of this file is held.
                self.stderr.write(
                    f"sightline ingest: {name}: the database could not be reached"
                    f" ({_first_line(exc)}); nothing from this file was kept. Send it again"
                    " once the database is back."
                )
                failed = True
                continue
            if options["format"] == "json":
                summary = result.__dict__ | {"adds_up": result.adds_up}
                self.stdout.write(orjson.dumps(summary).decode())
            else:
                self.stdout.write(format_result(result))
            if result.error:
                self.stderr.write(
                    f"sightline ingest: {name}: stopped: {_first_line(result.error)}."
                    f" Lines 1 to {result.committed_line:,} are committed: each is held,"
                    " or in quarantine with its reasons. Sending the same file again is safe:"
                    f" it continues after line {result.committed_line:,}, and nothing already"
                    " held is doubled."
                )
                failed = True
        self.stdout.flush()
        if failed:
            sys.exit(1)
        if unreadable:
            sys.exit(2)


def _first_line(error: object) -> str:
    """A database error's first line: the rest is the driver's detail, not for operators."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
