"""``sightline evaluate [--as-of DATE] [--person ID]``: run the indicator rules."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from sightline.config.env import ConfigurationError


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--as-of {text!r} is not a date: write it as YYYY-MM-DD") from None


class Command(BaseCommand):
    help = (
        "Run the indicator rules over every child's records and raise, update or retire flags. "
        "With --as-of, see only what had happened and been received by that date; its flags are "
        "kept apart from the live ones."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", metavar="DATE", help="evaluate as of this date (YYYY-MM-DD)")
        parser.add_argument(
            "--known-by",
            choices=("received", "recorded"),
            default="received",
            help="with --as-of, count a record as held from the day Sightline received it "
            "(default) or from the day the agency recorded it: use 'recorded' to ask what "
            "would have been seen for history loaded later",
        )
        parser.add_argument(
            "--new",
            action="store_true",
            help="only the people named in records received since the last evaluation "
            "(and those around them)",
        )
        parser.add_argument(
            "--person", metavar="ID", action="append", help="only this person (repeatable)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from sightline.indicators.services import evaluation_run, evaluation_run_new_records
        from sightline.linkage.engine import EngineUnavailable
        from sightline.linkage.models import Person

        as_of = None
        if options.get("as_of"):
            try:
                as_of = _date(options["as_of"])
            except ValueError as exc:
                self.stderr.write(f"sightline evaluate: {exc}")
                sys.exit(2)
            if as_of > timezone.localdate():
                self.stderr.write(f"sightline evaluate: --as-of {as_of} is in the future")
                sys.exit(2)
        persons = None
        if options.get("person"):
            wanted = options["person"]
            found = dict(Person.objects.filter(public_id__in=wanted).values_list("public_id", "pk"))
            missing = [p for p in wanted if p not in found]
            if missing:
                self.stderr.write(f"sightline evaluate: no person with id {', '.join(missing)}")
                sys.exit(1)
            persons = set(found.values())
        if options.get("new"):
            if as_of is not None or persons is not None:
                self.stderr.write(
                    "sightline evaluate: --new cannot be used with --as-of or --person"
                )
                sys.exit(2)
            try:
                found_new = evaluation_run_new_records()
            except (ConfigurationError, EngineUnavailable) as exc:
                self.stderr.write(f"sightline evaluate: {exc}")
                sys.exit(1)
            if found_new is None:
                self.stderr.write("nothing new to evaluate since the last evaluation")
                return
            self._report(found_new, None, options)
            return
        try:
            result = evaluation_run(as_of=as_of, persons=persons, basis=options["known_by"])
        except (ConfigurationError, EngineUnavailable) as exc:
            self.stderr.write(f"sightline evaluate: {exc}")
            sys.exit(1)
        self._report(result, as_of, options)

    def _report(self, result: Any, as_of: dt.date | None, options: dict[str, Any]) -> None:
        run = result.run
        what = f"as of {as_of}" if as_of else "now"
        self.stderr.write(
            f"evaluated {run.persons:,} persons and {run.events:,} events ({what}, {run.engine}): "
            f"{run.flags_raised:,} flags raised, {run.flags_updated:,} updated, "
            f"{run.flags_no_longer_met:,} no longer met; {run.warnings:,} data-quality "
            f"warnings; in {result.seconds:.1f}s"
        )
        if run.notes:
            for line in run.notes.splitlines():
                self.stderr.write(f"  {line}")
        if options.get("verbosity", 1) >= 2:
            for name, seconds in result.steps.items():
                self.stderr.write(f"  {name}: {seconds:.2f}s")
