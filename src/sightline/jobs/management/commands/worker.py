"""``sightline worker``: run queued background jobs, and those a restart interrupted."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from sightline.jobs.services import jobs_work

# Only these commands are run from the queue: each is idempotent (see sightline.jobs.models).
RUNNABLE = ("link", "evaluate")


def _run(command: str, argv: list[str]) -> None:
    if command not in RUNNABLE:
        raise ValueError(f"sightline {command} is not a background job")
    call_command(command, *argv)


class Command(BaseCommand):
    help = (
        "Run queued background jobs (linkage, evaluation). A job left running by a process"
        " that no longer exists (a crash or a restart) is queued again first. Runs until"
        " stopped, or with --once until nothing is queued; exits 1 if a job failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="stop when nothing is queued")
        parser.add_argument(
            "--poll", type=float, default=5.0, metavar="SECONDS", help="wait between looks"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        failed = jobs_work(
            run=_run,
            once=options["once"],
            poll_seconds=options["poll"],
            report=lambda text: self.stderr.write(f"sightline worker: {text}"),
        )
        if failed:
            sys.exit(1)
