"""The export formats on their own: the CSV's header and cells, the command's help."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

from sightline.reviews.chronology import ReviewChronology, Row
from sightline.reviews.exports import CSV_HEADER, chronology_csv


def test_csv_has_its_header_and_keeps_formulas_as_text() -> None:
    row = Row(
        on=dt.date(2023, 4, 2),
        at=dt.time(22, 40),
        agency="Police",
        about="Mother",
        relationship="mother",
        type="Police incident",
        summary='=HYPERLINK("http://x")',
        details="@SUM(1)",
    )
    chronology = ReviewChronology(
        children=["Child AG"],
        start=dt.date(2023, 1, 1),
        end=dt.date(2023, 9, 1),
        anonymised=True,
        shift_days=0,
        rows=[row],
        withheld=0,
    )
    read = list(csv.reader(io.StringIO(chronology_csv(chronology).decode())))
    assert tuple(read[0]) == CSV_HEADER
    assert read[1][:3] == ["2023-04-02", "22:40", "Police"]
    # A spreadsheet opening the file shows the text; it does not run it.
    assert read[1][6] == '\'=HYPERLINK("http://x")'
    assert read[1][7] == "'@SUM(1)"


def test_the_command_is_listed_and_explains_itself(cli: Callable[..., Any]) -> None:
    listed = cli("--help")
    assert "review" in listed.out and "multi-agency chronology" in listed.out
    review = cli("review", "--help")
    assert "chronology" in review.out and "actions" in review.out
    helped = cli("review", "chronology", "--help")
    assert helped.code == 0
    for option in ("--person", "--review", "--from", "--to", "--anonymise", "--shift-dates"):
        assert option in helped.out
