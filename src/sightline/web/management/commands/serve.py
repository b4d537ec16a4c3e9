"""``sightline serve [--host H] [--port P]``: the web application behind gunicorn."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sightline.web import serving


def port_number(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number: use 1 to 65535")
    return port


def positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def add_server_arguments(parser: CommandParser) -> None:
    parser.add_argument(
        "--host",
        metavar="H",
        default=serving.DEFAULT_HOST,
        help=f"address to listen on (default {serving.DEFAULT_HOST}: this machine only)",
    )
    parser.add_argument(
        "--port",
        metavar="P",
        type=port_number,
        default=serving.DEFAULT_PORT,
        help=f"port to listen on (default {serving.DEFAULT_PORT})",
    )
    parser.add_argument(
        "--workers",
        metavar="N",
        type=positive,
        default=serving.DEFAULT_WORKERS,
        help=f"gunicorn worker processes (default {serving.DEFAULT_WORKERS})",
    )


class Command(BaseCommand):
    help = (
        "Serve the web application with gunicorn, a production-grade server, on"
        " http://127.0.0.1:8000 unless told otherwise. Collects static files first"
        " in production. Runs until stopped with Ctrl+C."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_server_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        try:
            serving.check_port(host, port)
        except serving.ServeError as exc:
            raise CommandError(str(exc)) from None
        serving.collect_static_if_needed()
        if not serving.static_files_ready():
            self.stderr.write(
                "sightline serve: GOV.UK Frontend is missing, so pages will have no styles;"
                " run 'make install' (it needs npm) to fetch it"
            )
        self.stderr.write(f"Serving Sightline on {serving.site_url(host, port)} (Ctrl+C stops)")
        serving.exec_gunicorn(
            serving.gunicorn_argv(host=host, port=port, workers=options["workers"])
        )
