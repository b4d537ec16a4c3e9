"""``sightline retention run|hold|release``: apply the retention schedule, and keep what must stay.

``run`` deletes what has expired (``--dry-run`` only counts) and prints the report:
per class, how many records had expired, how many a hold kept and why, how many
were deleted and the tombstones written. ``hold`` places a legal hold on a child
(a case review, a claim); ``release`` lifts it.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sightline.feeds.retention import (
    HOLD_WORDS,
    RetentionReport,
    legal_hold_place,
    legal_hold_release,
    retention_run,
)
from sightline.options import command_date


class Command(BaseCommand):
    help = "Apply the retention schedule: delete what has expired, with tombstones, and report."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        run = sub.add_parser("run", help="delete what has expired and print the report")
        run.add_argument("--dry-run", action="store_true", help="count only; delete nothing")
        run.add_argument("--as-of", metavar="DATE", help="count periods to this day (YYYY-MM-DD)")
        run.add_argument("--format", choices=["text", "json"], default="text")
        run.add_argument("--batch", type=int, default=500, help="records a transaction")
        hold = sub.add_parser("hold", help="keep a child's records past their periods")
        hold.add_argument("--person", required=True, metavar="P-ID")
        hold.add_argument("--reason", required=True)
        hold.add_argument("--by", required=True, help="your name, for the record")
        release = sub.add_parser("release", help="lift a legal hold")
        release.add_argument("hold_id", type=int, metavar="HOLD")
        release.add_argument("--by", required=True, help="your name, for the record")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "hold":
            try:
                held = legal_hold_place(
                    public_id=options["person"], reason=options["reason"], by=options["by"]
                )
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"legal hold {held.pk} placed on {options['person']}")
            return
        if action == "release":
            try:
                legal_hold_release(hold_id=options["hold_id"], by=options["by"])
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"legal hold {options['hold_id']} released")
            return
        if options["batch"] < 1:
            raise CommandError("--batch must be 1 or more")
        as_of = command_date(options["as_of"], "--as-of") if options.get("as_of") else None
        report = retention_run(as_of=as_of, dry_run=options["dry_run"], batch=options["batch"])
        if options["format"] == "json":
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            self.stdout.write(_text(report))


def _text(report: RetentionReport) -> str:
    head = "dry run: nothing deleted" if report.dry_run else "deleted"
    lines = [f"retention run {report.run_id} as of {report.as_of} ({head})", ""]
    width = max(len(c.name) for c in report.classes)
    verb = "would delete" if report.dry_run else "deleted"
    for c in report.classes:
        lines.append(
            f"  {c.name.ljust(width)}  {c.period:>10}  expired {c.expired:>7,}  "
            f"held {c.held:>7,}  {verb} {(c.expired - c.held if report.dry_run else c.deleted):>7,}"
            f"  tombstones {c.tombstones:>7,}"
        )
        for hold, n in sorted(c.held_by.items()):
            lines.append(f"  {'':{width}}  held: {n:,} {HOLD_WORDS[hold]}")
    if report.derived:
        lines += ["", "derived rows kept consistent:"]
        lines += [f"  {name}: {n:,}" for name, n in sorted(report.derived.items())]
    lines.append("")
    lines.append("the counts add up" if report.adds_up else "THE COUNTS DO NOT ADD UP")
    return "\n".join(lines)
