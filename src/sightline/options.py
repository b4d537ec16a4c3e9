"""Parsing the values people type on the command line, with one wording for every command."""

from __future__ import annotations

import datetime as dt


def option_date(text: str, option: str) -> dt.date:
    """``text`` as a date, or a ValueError naming the option and the form it wants.

    Each command reports the error its own way (a usage error, or a CommandError
    when called from code); the message is the same everywhere.
    """
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{option} {text!r} is not a date: write it as YYYY-MM-DD") from None
