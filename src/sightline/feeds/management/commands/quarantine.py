"""``sightline quarantine list|show|retry``: the rejected lines, and a second chance."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import orjson
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sightline.feeds.models import QuarantinedLine
from sightline.feeds.selectors import quarantine_get, quarantine_list
from sightline.feeds.services import quarantine_retry


class Command(BaseCommand):
    help = "List, show or retry rejected feed lines. Rejected lines are never dropped."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        lst = sub.add_parser("list", help="rejected lines with their reasons")
        lst.add_argument("--format", choices=["text", "jsonl"], default="text")
        lst.add_argument(
            "--all", action="store_true", help="include lines already accepted on retry"
        )
        show = sub.add_parser("show", help="one rejected line, byte for byte, with its reasons")
        show.add_argument("id", type=int)
        retry = sub.add_parser(
            "retry", help="validate rejected lines again (all open ones when no ID is given)"
        )
        retry.add_argument("ids", type=int, nargs="*", metavar="ID")
        retry.add_argument(
            "--replace",
            metavar="FILE",
            help="a file holding the corrected line, for a single ID; the original is kept",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "list":
            self._list(options["format"], options["all"])
        elif action == "show":
            self._show(options["id"])
        else:
            self._retry(options["ids"], options.get("replace"))

    def _list(self, fmt: str, include_all: bool) -> None:
        rows = quarantine_list(status=None if include_all else QuarantinedLine.Status.OPEN)
        for q in rows.iterator(chunk_size=2000):
            if fmt == "jsonl":
                self.stdout.write(
                    orjson.dumps(
                        {
                            "id": q.pk,
                            "file": q.feed_file.name,
                            "line": q.line_number,
                            "reasons": q.reasons,
                            "status": q.status,
                        }
                    ).decode()
                )
            else:
                self.stdout.write(
                    f"{q.pk}\t{q.feed_file.name}:{q.line_number}\t{q.status}\t"
                    + " | ".join(q.reasons)
                )

    def _show(self, quarantine_id: int) -> None:
        q = quarantine_get(quarantine_id=quarantine_id)
        if q is None:
            raise CommandError(f"no quarantined line with id {quarantine_id}")
        self.stderr.write(
            f"quarantined line {q.pk}: {q.feed_file.name} line {q.line_number}"
            f" (received {q.feed_file.received_at:%Y-%m-%d %H:%M}, status {q.status},"
            f" retried {q.retry_count} times)"
        )
        for reason in q.reasons:
            self.stderr.write(f"  - {reason}")
        # The line itself goes to stdout exactly as received, so it can be piped to a fix.
        sys.stdout.buffer.write(bytes(q.raw) + b"\n")
        sys.stdout.buffer.flush()

    def _retry(self, ids: list[int], replace: str | None) -> None:
        if replace and len(ids) != 1:
            raise CommandError("--replace needs exactly one ID", returncode=2)
        replacement = None
        if replace:
            try:
                replacement = Path(replace).read_bytes()
            except OSError as exc:
                raise CommandError(
                    f"{replace}: cannot be read ({exc.strerror})", returncode=2
                ) from None
        if ids:
            lines = []
            for i in ids:
                q = quarantine_get(quarantine_id=i)
                if q is None:
                    raise CommandError(f"no quarantined line with id {i}")
                lines.append(q)
        else:
            lines = list(quarantine_list(status=QuarantinedLine.Status.OPEN).defer(None))
        accepted = still = 0
        for q in lines:
            result = quarantine_retry(line=q, replacement=replacement)
            if result.status == QuarantinedLine.Status.OPEN:
                still += 1
                self.stdout.write(f"{q.pk}\tstill rejected\t" + " | ".join(result.reasons))
            else:
                accepted += 1
                self.stdout.write(f"{q.pk}\t{result.status}")
        self.stderr.write(f"{accepted} accepted, {still} still rejected")
