"""The ``sightline`` command.

Most subcommands are Django management commands living in the app for their
stage of the data flow (``ingest`` in feeds, ``link`` in linkage, ...). A few
need no database and are plain functions, so that generating a synthetic
borough never touches configuration. Anything not listed here is passed to
Django's own command runner (``sightline migrate``, ``sightline check``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence

# name -> (one-line help, plain function or None for a Django management command)
PlainMain = Callable[[Sequence[str]], int]


def _generate(argv: Sequence[str]) -> int:
    from sightline.synth.cli import main as generate_main

    code: int = generate_main(argv)
    return code


def _review(argv: Sequence[str]) -> int:
    # `sightline review actions` is the review_actions management command: its options
    # (--overdue, --raise-overdue) have nothing in common with the chronology's.
    if list(argv[:1]) == ["actions"]:
        return _django(["review_actions", *argv[1:]])
    return _django(["review", *argv])


COMMANDS: dict[str, tuple[str, PlainMain | None]] = {
    "demo": ("set up a demo borough, create demo users and serve it", None),
    "serve": ("serve the web application with a production-grade server", None),
    "generate": ("write a synthetic borough as feed v1 files plus truth/", _generate),
    "ingest": ("load feed v1 files, FHIR bundles, CSV returns; print per-file counts", None),
    "quarantine": ("list, show or retry rejected lines", None),
    "link": ("link agency persons into persons (Splink); --score DIR to measure", None),
    "evaluate": ("run the indicator rules and raise flags; --as-of DATE to look back", None),
    "export": ("export records, links, flags, a chronology or the CIN census (XML)", None),
    "review": (
        "case reviews: the multi-agency chronology (CSV, HTML, PDF), actions (--raise-overdue)",
        _review,
    ),
    "audit": ("verify the access log's hash chain (audit verify)", None),
    "notify": ("tell allocated workers and managers of new flags and records", None),
    "tokens": ("create, list, rotate or revoke agency API tokens", None),
    "users": ("staff accounts: reset-2fa USERNAME --reason TEXT after a lost phone", None),
    "worker": ("run queued linkage and evaluation jobs, and those a restart interrupted", None),
    "retention": ("delete what the retention schedule says has expired (run --dry-run)", None),
}


def _usage() -> str:
    width = max(len(n) for n in COMMANDS)
    lines = ["usage: sightline COMMAND [ARGS...]", "", "commands:"]
    lines += [f"  {name.ljust(width)}  {text}" for name, (text, _) in COMMANDS.items()]
    lines += [
        "",
        "Run 'sightline COMMAND --help' for a command's options. Django's own",
        "commands (migrate, check, createsuperuser...) are available too.",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(_usage())
        return 0 if args else 2
    name = args[0]
    entry = COMMANDS.get(name)
    if entry is not None and entry[1] is not None:
        return entry[1](args[1:])
    return _django(args)


def _django(args: list[str]) -> int:
    """Run a Django management command (Sightline's or Django's own) as ``sightline``."""
    name = args[0]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sightline.config.settings")
    from sightline.config.env import ConfigurationError

    try:
        import django
        from django.core.management import execute_from_command_line, get_commands

        # Set up first: before it, get_commands() knows only Django's core commands.
        django.setup()
        if name not in COMMANDS and name not in get_commands():
            print(f"sightline: unknown command {name!r}\n\n{_usage()}", file=sys.stderr)
            return 2

        execute_from_command_line(["sightline", *args])
    except ConfigurationError as exc:
        print(f"sightline: configuration error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (``sightline export records | head``): not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("sightline: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
