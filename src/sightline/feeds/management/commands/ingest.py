"""``sightline ingest FILE...``: load feed v1 files (and FHIR bundles and CSV attendance
returns, with ``--agency``) and say what became of every line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import orjson
from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError

from sightline.feeds.adapters import SNIFF_BYTES, Format, detect_format
from sightline.feeds.services import (
    BATCH_SIZE,
    FileResult,
    IngestError,
    feed_ingest_adapted,
    feed_ingest_path,
)
from sightline.feeds.validation import AGENCY_CODE


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
        "Load feed v1 files, FHIR R4 bundles (.json) and CSV school attendance returns"
        " (.csv; both need --agency). Prints, per file, records read, accepted, duplicates,"
        " superseded, stale and rejected; rejected lines are kept in quarantine"
        " ('sightline quarantine list'). Exits 0 when every file was read, 1 when the"
        " database failed, 2 when a file could not be read at all."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "files",
            nargs="+",
            metavar="FILE",
            help="feed v1 JSON Lines files, FHIR bundles (.json) or attendance returns (.csv)",
        )
        parser.add_argument(
            "--agency",
            metavar="CODE",
            help="the sending agency's code, required for FHIR bundles and CSV returns",
        )
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

    def _formats(self, names: list[str], agency: str | None) -> dict[str, Format]:
        """Each readable file's format; a usage error (exit 2) before anything is loaded."""
        formats: dict[str, Format] = {}
        for name in names:
            path = Path(name)
            try:
                with path.open("rb") as f:
                    head = f.read(SNIFF_BYTES)
            except OSError:
                continue  # reported, with the reason, when its turn comes
            formats[name] = detect_format(filename=path.name, head=head)
        needing = [n for n, fmt in formats.items() if fmt.needs_agency]
        if needing and not agency:
            described = ", ".join(f"{n} ({formats[n]})" for n in needing)
            self.stderr.write(
                f"sightline ingest: --agency CODE is required for {described}: FHIR bundles"
                " and CSV returns do not name the sending agency"
            )
            sys.exit(2)
        if agency and not AGENCY_CODE.match(agency):
            self.stderr.write(
                f"sightline ingest: --agency {agency!r} is not an agency code: 2 to 64"
                " lower-case letters, digits and hyphens, such as nhs-acute-gyh"
            )
            sys.exit(2)
        return formats

    def _ingest(self, name: str, fmt: Format | None, options: dict[str, Any]) -> FileResult:
        path = Path(name)
        if fmt is None or not fmt.needs_agency:
            return feed_ingest_path(
                path=path, sent_by=options["sent_by"], batch_size=options["batch_size"]
            )
        try:
            with path.open("rb") as body:
                return feed_ingest_adapted(
                    body=body,
                    filename=path.name,
                    agency=options["agency"],
                    sent_by=options["sent_by"],
                )
        except OSError as exc:
            raise IngestError(f"{path}: cannot be read ({exc.strerror})") from None

    def handle(self, *args: Any, **options: Any) -> None:
        unreadable = failed = False
        if options["batch_size"] < 1:
            self.stderr.write("sightline ingest: --batch-size must be 1 or more")
            sys.exit(2)
        formats = self._formats(options["files"], options.get("agency"))
        for name in options["files"]:
            try:
                result = self._ingest(name, formats.get(name), options)
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
                counts = {k: v for k, v in result.__dict__.items() if k != "lines"}
                summary = counts | {"adds_up": result.adds_up}
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
