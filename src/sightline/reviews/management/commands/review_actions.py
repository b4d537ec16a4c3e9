"""``sightline review actions``: the case reviews' action plans from the command line.

``--overdue`` lists the actions past their due date and neither done nor
dropped (``--format csv`` for a spreadsheet: the same columns as the web
tracker's download). ``--raise-overdue`` tells each overdue action's lead
reviewer and the partnership officers, once an action and missed due date: run
it every morning from a schedule. ``--as-of`` judges "overdue" on another day.
"""

from __future__ import annotations

import csv
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from sightline.options import command_date
from sightline.reviews.action_selectors import tracker_actions, tracker_csv_rows, tracker_rows
from sightline.reviews.actions import review_actions_raise_overdue


class Command(BaseCommand):
    help = (
        "List the case reviews' actions (--overdue), or raise the overdue ones (--raise-overdue)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        what = parser.add_mutually_exclusive_group()
        what.add_argument("--overdue", action="store_true", help="list only overdue actions")
        what.add_argument(
            "--raise-overdue",
            action="store_true",
            help="notify lead reviewers and partnership officers of overdue actions, once each",
        )
        parser.add_argument("--format", choices=["text", "csv"], default="text")
        parser.add_argument(
            "--as-of", metavar="DATE", help="judge overdue on this day (YYYY-MM-DD)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = (
            command_date(options["as_of"], "--as-of")
            if options.get("as_of")
            else timezone.localdate()
        )
        if options["raise_overdue"]:
            raised = review_actions_raise_overdue(today=today)
            self.stdout.write(
                f"{raised.overdue:,} overdue action{'s' if raised.overdue != 1 else ''}: "
                f"{raised.notifications:,} new notification"
                f"{'s' if raised.notifications != 1 else ''}"
            )
            return
        rows = tracker_rows(tracker_actions(today=today, overdue=options["overdue"]), today=today)
        if options["format"] == "csv":
            csv.writer(self.stdout, lineterminator="\n").writerows(tracker_csv_rows(rows))
            return
        if not rows:
            self.stdout.write("no overdue actions" if options["overdue"] else "no actions")
            return
        for r in rows:
            tag = " OVERDUE" if r.overdue else ""
            self.stdout.write(
                f"{r.reference} rec {r.recommendation}\tdue {r.due_on.isoformat()}\t"
                f"{r.status_label}{tag}\t{r.agency}\t{r.owner}\t{r.description.splitlines()[0]}"
            )
