"""Parsing the values people type on the command line, with one wording for every command."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError


def option_date(text: str, option: str) -> dt.date:
    """``text`` as a date, or a ValueError naming the option and the form it wants.

    Each command reports the error its own way (a usage error, or a CommandError
    when called from code); the message is the same everywhere.
    """
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{option} {text!r} is not a date: write it as YYYY-MM-DD") from None


def command_date(text: str, option: str) -> dt.date:
    """:func:`option_date` for a command that reports a bad value as a CommandError."""
    try:
        return option_date(text, option)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
