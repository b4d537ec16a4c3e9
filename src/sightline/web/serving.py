"""Serving the web application with gunicorn, shared by ``sightline serve`` and ``demo``.

Gunicorn replaces the ``sightline`` process (``exec``) rather than running as a
child of it, so Ctrl+C, SIGTERM from a process manager and the exit status all
reach gunicorn directly, with no supervisor of ours in between to get wrong.
"""

from __future__ import annotations

import errno
import os
import socket
import sys
from typing import NoReturn

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.db import connections

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# Two cores is the machine Sightline is sized for; one worker per core.
DEFAULT_WORKERS = 2
GOVUK_CSS = "govuk/govuk-frontend.min.css"


class ServeError(Exception):
    """The server cannot start (the port is taken, the address is not this machine's)."""


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def site_url(host: str, port: int) -> str:
    return f"http://{bind_address(host, port)}/"


def gunicorn_argv(*, host: str, port: int, workers: int, log_level: str = "info") -> list[str]:
    return [
        "--bind",
        bind_address(host, port),
        "--workers",
        str(workers),
        "--name",
        "sightline",
        "--log-level",
        log_level,
        "sightline.config.wsgi:application",
    ]


def check_port(host: str, port: int) -> None:
    """Fail now, with a useful message, if gunicorn would fail to bind later.

    The demo prints where to look before gunicorn starts; without this check it
    could print a URL and then die because another server holds the port.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ServeError(
                    f"port {port} on {host} is already in use: stop the other server,"
                    f" or choose another port with --port {port + 1}"
                ) from None
            raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def static_files_ready() -> bool:
    """Whether GOV.UK Frontend has been copied in (``make install`` does it, with npm)."""
    return finders.find(GOVUK_CSS) is not None


def collect_static_if_needed() -> None:
    # Outside production WhiteNoise serves from the apps' folders (WHITENOISE_USE_FINDERS),
    # so only production needs the hashed copies in STATIC_ROOT.
    if not getattr(settings, "WHITENOISE_USE_FINDERS", False):
        call_command("collectstatic", interactive=False, verbosity=0)


def exec_gunicorn(argv: list[str]) -> NoReturn:
    # Nothing of this process survives exec: close what it holds so no database
    # connection or buffered message is lost or leaked into the server.
    connections.close_all()
    sys.stdout.flush()
    sys.stderr.flush()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sightline.config.settings")
    # A fixed program (this Python) and an argument list: no shell ever parses it.
    os.execv(sys.executable, [sys.executable, "-m", "gunicorn", *argv])  # noqa: S606  # nosec B606
