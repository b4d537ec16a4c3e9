"""``sightline export KIND``: data out, on standard output, in the formats others rely on.

Each kind is read through the selector of the stage that owns it; this command
only formats and writes. Kinds owned by later stages (``links``, ``chronology``)
import their stage's selector where they use it.
"""

from __future__ import annotations

import csv
import sys
from typing import Any

import orjson
from django.core.management.base import BaseCommand, CommandParser

from sightline.feeds.models import Agency
from sightline.feeds.selectors import records_export


class Command(BaseCommand):
    help = "Export data as JSON Lines or CSV to standard output."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
        records = sub.add_parser(
            "records",
            help="the current version of every accepted record, as feed v1 JSON Lines",
        )
        records.add_argument("--agency", help="only this agency's records (its code)")
        sub.add_parser(
            "links",
            help="which person each agency person is, as CSV (agency,local_id,person_id)",
        )
        chronology = sub.add_parser(
            "chronology",
            help="one person's events in time order, as JSON Lines",
        )
        chronology.add_argument(
            "--person", required=True, metavar="ID", help="the person's id (P-...)"
        )
        subject_access = sub.add_parser(
            "subject-access",
            help="everything held about one person, as one JSON document (a subject access "
            "request); the export is written to the access log",
        )
        subject_access.add_argument(
            "--person", required=True, metavar="ID", help="the person's id (P-...)"
        )

        flags = sub.add_parser(
            "flags",
            help="indicator flags as JSON Lines, with their evidence and status",
        )
        flags.add_argument(
            "--as-of", metavar="DATE", help="the flags of 'sightline evaluate --as-of DATE'"
        )

        census = sub.add_parser(
            "cin-census",
            help="the DfE Children in Need census return for a year, as XML; --validate checks"
            " it with the DfE's rules (csc-validator-be-cin, 'make install-cin')",
        )
        census.add_argument(
            "--year",
            required=True,
            help="the year the census ends in: 2026 is April 2025 to March 2026",
        )
        census.add_argument(
            "--validate",
            action="store_true",
            help="print the validator's findings to standard error; exit 1 when there are errors",
        )
        census.add_argument(
            "--out", metavar="FILE", help="write the XML here, not to standard output"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["kind"] == "cin-census":
            # Imported here: reviews owns the census; this command only writes it.
            from sightline.reviews.census_command import cin_census_export

            sys.exit(
                cin_census_export(
                    year=options["year"],
                    validate=options["validate"],
                    out=options.get("out"),
                    stdout=sys.stdout.buffer,
                    stderr=self.stderr,
                )
            )
        if options["kind"] == "records":
            self._records(options.get("agency"))
        elif options["kind"] == "links":
            self._links()
        elif options["kind"] == "flags":
            self._flags(options.get("as_of"))
        elif options["kind"] == "chronology":
            self._chronology(options["person"])
        elif options["kind"] == "subject-access":
            self._subject_access(options["person"])

    def _subject_access(self, public_id: str) -> None:
        # Imported here: accounts owns the subject access document, feeds only writes it.
        from sightline.accounts.subject_access import subject_access_export
        from sightline.linkage.selectors import person_get

        person = person_get(public_id=public_id.strip().upper())
        if person is None:
            self.stderr.write(f"sightline export subject-access: no person with id {public_id!r}")
            sys.exit(1)
        out = sys.stdout.buffer
        out.write(
            subject_access_export(
                person=person,
                user=None,
                path=f"sightline export subject-access --person {person.public_id}",
                ip_address=None,
            )
        )
        out.write(b"\n")
        out.flush()

    def _flags(self, as_of: str | None) -> None:
        import datetime as dt

        from sightline.indicators.models import LIVE
        from sightline.indicators.selectors import flags_export_lines

        scenario = LIVE
        if as_of:
            try:
                scenario = f"as-of {dt.date.fromisoformat(as_of).isoformat()}"
            except ValueError:
                self.stderr.write(
                    f"sightline export flags: --as-of {as_of!r} is not a YYYY-MM-DD date"
                )
                sys.exit(2)
        out = sys.stdout
        for line in flags_export_lines(scenario=scenario):
            out.write(line + "\n")
        out.flush()

    def _chronology(self, public_id: str) -> None:
        # Imported here: the chronology stage owns the selector, feeds only formats it.
        from sightline.accounts.viewer import Viewer
        from sightline.chronology.selectors import person_chronology
        from sightline.linkage.selectors import person_get

        person = person_get(public_id=public_id)
        if person is None:
            self.stderr.write(f"sightline export chronology: no person with id {public_id!r}")
            sys.exit(1)
        out = sys.stdout.buffer
        # The CLI is run by those who run Sightline, who see every record.
        for entry in person_chronology(person=person, viewer=Viewer.system()).entries:
            out.write(
                orjson.dumps(
                    {
                        "agency": entry.agency_code,
                        "record_id": entry.record_id,
                        "type": entry.type,
                        "occurred_at": entry.occurred_at_as_sent,
                        "details": entry.details,
                        "summary": entry.summary,
                        "record_version": entry.version,
                        "role": entry.role,
                        "sensitivity": entry.sensitivity,
                    }
                )
            )
            out.write(b"\n")
        out.flush()

    def _links(self) -> None:
        # Imported here: the linkage stage owns the selector, feeds only formats it.
        from sightline.linkage.selectors import links_export

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["agency", "local_id", "person_id"])
        writer.writerows(links_export())
        sys.stdout.flush()

    def _records(self, agency: str | None) -> None:
        if agency and not Agency.objects.filter(code=agency).exists():
            self.stderr.write(f"sightline export records: no agency with code {agency!r}")
            sys.exit(1)
        out = sys.stdout.buffer
        for line in records_export(agency_code=agency):
            out.write(line)
            out.write(b"\n")
        out.flush()
