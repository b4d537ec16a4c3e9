"""``sightline ingest FILE...``: load feed v1 files and say what became of every line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import orjson
from django.core.management.base import BaseCommand, CommandParser

from sightline.feeds.services import FileResult, IngestError, feed_ingest_path


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

    def handle(self, *args: Any, **options: Any) -> None:
        unreadable = failed = False
        for name in options["files"]:
            try:
                result = feed_ingest_path(path=Path(name), sent_by=options["sent_by"])
            except IngestError as exc:
                self.stderr.write(f"sightline ingest: {exc}")
                unreadable = True
                continue
            if options["format"] == "json":
                counts = {k: v for k, v in result.__dict__.items() if k != "lines"}
                summary = counts | {"adds_up": result.adds_up}
                self.stdout.write(orjson.dumps(summary).decode())
            else:
                self.stdout.write(format_result(result))
            if result.error:
                self.stderr.write(
                    f"sightline ingest: {name}: stopped after {result.lines_read} records:"
                    f" {result.error}. What was read so far is kept; send the file again to"
                    " finish (records already held count as duplicates)."
                )
                failed = True
        self.stdout.flush()
        if failed:
            sys.exit(1)
        if unreadable:
            sys.exit(2)
