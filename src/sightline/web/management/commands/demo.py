"""``sightline demo``: a generated borough, loaded and served, with sign-in details printed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sightline.web import serving
from sightline.web.demo import DEFAULT_CHILDREN, DEFAULT_SEED, DemoError, DemoSetup, demo_setup
from sightline.web.management.commands.serve import add_server_arguments, positive


class Command(BaseCommand):
    help = (
        "Set up the database, generate a synthetic demo borough, load it through the real"
        " ingest, create demo users with fresh passwords, then serve the web application"
        " and print where to look and how to sign in. Re-running skips what is already"
        " generated and loaded; --reset starts again from an empty database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--children",
            metavar="N",
            type=positive,
            default=DEFAULT_CHILDREN,
            help=f"children in the generated borough (default {DEFAULT_CHILDREN})",
        )
        parser.add_argument(
            "--seed",
            metavar="S",
            type=int,
            default=DEFAULT_SEED,
            help=f"the generator's seed; the same seed, the same borough (default {DEFAULT_SEED})",
        )
        parser.add_argument(
            "--feeds",
            metavar="DIR",
            type=Path,
            help="load the feed v1 files in DIR instead of generating a borough",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="empty the database and the demo folder first (everything in them is lost)",
        )
        parser.add_argument(
            "--no-serve",
            action="store_true",
            help="set everything up and print the sign-in details, but do not serve",
        )
        add_server_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.SIGHTLINE_ENV == "production":
            raise CommandError(
                "sightline demo will not run with SIGHTLINE_ENV=production: it loads synthetic"
                " children, can empty the database and prints passwords"
            )
        feeds: Path | None = options["feeds"]
        if feeds is not None and not feeds.is_dir():
            raise CommandError(f"--feeds {feeds}: no such folder", returncode=2)
        host, port = options["host"], options["port"]
        serve = not options["no_serve"]
        if serve:
            # Before minutes of setup, not after: a taken port is quick to fix.
            try:
                serving.check_port(host, port)
            except serving.ServeError as exc:
                raise CommandError(str(exc)) from None
        try:
            setup = demo_setup(
                children=options["children"],
                seed=options["seed"],
                feeds=feeds,
                reset=options["reset"],
                log=self.stderr.write,
            )
        except DemoError as exc:
            raise CommandError(str(exc)) from None
        if serve:
            serving.collect_static_if_needed()
        self.stderr.write(self._banner(setup, serving.site_url(host, port), serve))
        if serve:
            serving.exec_gunicorn(
                serving.gunicorn_argv(
                    host=host, port=port, workers=options["workers"], log_level="warning"
                )
            )

    def _banner(self, setup: DemoSetup, url: str, serving_now: bool) -> str:
        t = setup.totals
        width = max(len(c.username) for c in setup.credentials)
        lines = [
            "",
            "Sightline demo is ready." if serving_now else "Sightline demo is set up.",
            "",
            f"  Open      {url}" + ("" if serving_now else "  (after 'sightline serve')"),
        ]
        for i, c in enumerate(setup.credentials):
            label = "Sign in  " if i == 0 else "         "
            lines.append(
                f"  {label} username {c.username.ljust(width)}  password {c.password}  ({c.role})"
            )
        lines += [
            "",
            f"  Loaded    {t.current_records:,} current records from {t.feed_files:,} feed files;"
            f" {t.quarantined:,} rejected lines in quarantine",
            f"  From      {setup.feeds_dir}",
            "",
            "The data is synthetic: no real child is in it."
            if setup.generated
            else "These are the files you gave: handle the pages as you would the files.",
            "Passwords change at every setup.",
        ]
        if settings.SIGHTLINE_REQUIRE_TWO_FACTOR:
            lines.append(
                "Two-factor sign-in is on: at first sign-in each account shows a QR code to"
                " scan with an authenticator app (or its key, for oathtool --totp -b KEY)."
            )
        if not serving_now:
            lines.append("Serve it with: sightline serve")
        else:
            lines.append("Press Ctrl+C to stop.")
        if not serving.static_files_ready():
            lines.append(
                "GOV.UK Frontend is missing, so pages will have no styles: run 'make install'."
            )
        return "\n".join(lines)
