"""``sightline review chronology``: a case review's multi-agency chronology, on standard output.

CSV and HTML as text, PDF as bytes. The children come from ``--person`` (one
or more) or from ``--review`` (its children, their codes and, unless given,
its window: the two years before the incident). Each child whose records are
read is written to the access log, as Sightline's command line run by this
operating-system account.
"""

from __future__ import annotations

import datetime as dt
import getpass
import sys
from typing import Any, NoReturn

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from sightline.accounts.models import AccessLog
from sightline.accounts.services import access_log_record
from sightline.accounts.viewer import Viewer
from sightline.linkage.selectors import person_get
from sightline.options import option_date
from sightline.reviews.chronology import (
    ChildInReview,
    review_children,
    review_chronology,
    review_window,
)
from sightline.reviews.exports import FORMATS, chronology_export
from sightline.reviews.models import CaseReview

# Far enough either way for any record, near enough that a typing slip is caught.
MAX_SHIFT_DAYS = 3650


class Command(BaseCommand):
    help = (
        "Case reviews: the multi-agency chronology (review chronology --help) and the"
        " action tracker (review actions --help)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        # Listed here so that `review --help` names it; `sightline review actions` is
        # routed to the review_actions command before this parser sees it (see cli.py).
        sub.add_parser(
            "actions",
            help="the action tracker across reviews: overdue actions, --raise-overdue "
            "(review actions --help)",
        )
        chron = sub.add_parser(
            "chronology",
            help="the multi-agency chronology for a case review, as CSV, HTML or PDF",
            description="Every agency's events about the children and their household, "
            "and Sightline's casework, over a window; anonymised with --anonymise.",
        )
        chron.add_argument(
            "--person",
            action="append",
            default=[],
            metavar="ID",
            help="a child's person id (P-...); repeat for several children",
        )
        chron.add_argument(
            "--review",
            metavar="REFERENCE",
            help="take the children, their codes and the window from this review (CR-YYYY-NNN)",
        )
        chron.add_argument("--from", dest="start", metavar="DATE", help="first day, YYYY-MM-DD")
        chron.add_argument("--to", dest="end", metavar="DATE", help="last day, YYYY-MM-DD")
        chron.add_argument(
            "--anonymise",
            action="store_true",
            help="pseudonyms for everyone, names and identifiers taken out of the text",
        )
        chron.add_argument(
            "--shift-dates",
            type=int,
            default=0,
            metavar="DAYS",
            help="move every date by this many days (negative for earlier); default: keep",
        )
        chron.add_argument("--format", choices=FORMATS, default="csv", help="default: csv")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "chronology":
            self._chronology(options)
        elif options["action"] == "actions":
            call_command("review_actions", stdout=self.stdout, stderr=self.stderr)

    def _fail(self, message: str) -> NoReturn:
        self.stderr.write(f"sightline review chronology: {message}")
        sys.exit(2)

    def _date(self, value: str | None, option: str) -> dt.date | None:
        if value is None:
            return None
        try:
            return option_date(value, option)
        except ValueError as exc:
            self._fail(str(exc))

    def _chronology(self, options: dict[str, Any]) -> None:
        start = self._date(options["start"], "--from")
        end = self._date(options["end"], "--to")
        shift = options["shift_dates"]
        if abs(shift) > MAX_SHIFT_DAYS:
            self._fail(f"--shift-dates {shift} is more than {MAX_SHIFT_DAYS} days either way")
        children: list[ChildInReview] = []
        review = None
        if options["review"]:
            reference = options["review"].strip().upper()
            review = CaseReview.objects.filter(reference=reference).first()
            if review is None:
                self._fail(f"no review with reference {options['review']!r}")
            children = review_children(review)
            if not children:
                self._fail(f"review {review.reference} names no children yet")
            default_start, default_end = review_window(review)
            start, end = start or default_start, end or default_end
        for public_id in options["person"]:
            person = person_get(public_id=public_id.strip().upper())
            if person is None:
                self._fail(f"no person with id {public_id!r}")
            if all(c.person.pk != person.pk for c in children):
                children.append(ChildInReview(person=person))
        if not children:
            self._fail("give --person ID (one or more) or --review REFERENCE")
        if start is None or end is None:
            self._fail("give the window with --from DATE and --to DATE")
        if start > end:
            self._fail(f"--from {start} is after --to {end}")
        chronology = review_chronology(
            children=children,
            start=start,
            end=end,
            # The CLI is run by those who run Sightline, who see every record.
            viewer=Viewer.system(),
            anonymise=options["anonymise"],
            shift_days=shift,
        )
        asked = " ".join(
            [f"--review {review.reference}"]
            if review
            else [] + [f"--person {c.person.public_id}" for c in children if not review]
        )
        path = f"sightline review chronology {asked} --from {start} --to {end}"
        for child in children:
            access_log_record(
                user=None,
                person=child.person,
                action=AccessLog.Action.VIEWED_CHRONOLOGY,
                path=f"{path} (run by {getpass.getuser()})",
                ip_address=None,
            )
        out = sys.stdout.buffer
        out.write(chronology_export(chronology, options["format"], review=review))
        out.flush()
