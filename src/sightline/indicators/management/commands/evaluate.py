"""``sightline evaluate``: run the indicator rules, backtest them, or print their catalogue.

``sightline evaluate [--as-of DATE] [--known-by received|recorded] [--person ID]``
``sightline evaluate --backtest DIR [--as-of DATE] [--format text|json]``
``sightline evaluate --catalogue [--backtest-results FILE]``
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from sightline.config.env import ConfigurationError
from sightline.jobs.services import job_running
from sightline.options import option_date


def _job_argv(options: dict[str, Any]) -> list[str]:
    """The options that say what an evaluation does, as given, to run it again the same way."""
    argv = []
    if options.get("as_of"):
        argv += ["--as-of", options["as_of"], "--known-by", options["known_by"]]
    for person in options.get("person") or []:
        argv += ["--person", person]
    return argv


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
        parser.add_argument(
            "--backtest",
            metavar="DIR",
            help="evaluate as of --as-of (default: the latest date anything happened) on the "
            "recorded basis and compare the flags with the truth of the generated borough in DIR "
            "(DIR/truth/): sensitivity and lead time per harm kind, false flags among children "
            "not harmed, and flag rates by family, poverty, sex, age band and area",
        )
        parser.add_argument(
            "--format",
            choices=("text", "json"),
            default="text",
            help="with --backtest: a readable report (default) or JSON",
        )
        parser.add_argument(
            "--catalogue",
            action="store_true",
            help="print docs/indicators.md: every rule with its thresholds, and the backtest",
        )
        parser.add_argument(
            "--backtest-results",
            metavar="FILE",
            help="with --catalogue: the JSON of 'evaluate --backtest --format json' to put in "
            "the backtest section",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("catalogue"):
            self._catalogue(options.get("backtest_results"))
            return
        from sightline.indicators.services import evaluation_run, evaluation_run_new_records
        from sightline.linkage.engine import EngineUnavailable
        from sightline.linkage.models import Person

        as_of = None
        if options.get("as_of"):
            try:
                as_of = option_date(options["as_of"], "--as-of")
            except ValueError as exc:
                self.stderr.write(f"sightline evaluate: {exc}")
                sys.exit(2)
            if as_of > timezone.localdate():
                self.stderr.write(f"sightline evaluate: --as-of {as_of} is in the future")
                sys.exit(2)
        if options.get("backtest"):
            self._backtest(Path(options["backtest"]), as_of, options["format"])
            return
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
                with job_running(command="evaluate", argv=["--new"]):
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
            # Recorded as a job: a run a restart cuts short is run again by 'sightline worker'.
            with job_running(command="evaluate", argv=_job_argv(options)):
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
        if as_of is None:
            # Live flags go to the people holding each child's case straight away:
            # push, not pull (see sightline.casework.notifications).
            from sightline.casework.notifications import notifications_push

            pushed = notifications_push()
            if pushed.notifications:
                self.stderr.write(
                    f"notified allocated workers and managers: {pushed.notifications:,} "
                    f"notifications, {pushed.emails:,} emails"
                )

    def _backtest(self, folder: Path, as_of: dt.date | None, fmt: str) -> None:
        from sightline.indicators.backtest import TruthMissing, backtest
        from sightline.linkage.engine import EngineUnavailable

        if not (folder / "truth").is_dir():
            self.stderr.write(
                f"sightline evaluate: no truth/ in {folder}: is it a generated borough?"
            )
            sys.exit(2)
        try:
            result = backtest(truth_dir=folder, as_of=as_of)
        except (TruthMissing, ConfigurationError, EngineUnavailable) as exc:
            self.stderr.write(f"sightline evaluate: {exc}")
            sys.exit(1)
        if fmt == "json":
            self.stdout.write(json.dumps(result.as_json(), indent=2, ensure_ascii=False))
        else:
            self.stdout.write(result.report(), ending="")

    def _catalogue(self, results: str | None) -> None:
        from sightline.indicators.docs import render_document

        data = None
        if results:
            try:
                data = json.loads(Path(results).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                self.stderr.write(f"sightline evaluate: --backtest-results {results}: {exc}")
                sys.exit(2)
        self.stdout.write(render_document(backtest=data), ending="")
