"""The review chronology through the command a reviewer types: what it shows, and what it hides."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from pypdf import PdfReader

from sightline.accounts.models import AccessLog
from tests.reviews.case_fixtures import AREAS, SECRETS, Case
from tests.web.casework_helpers import flag as make_flag

pytestmark = pytest.mark.django_db

WINDOW = ("--from", "2023-01-01", "--to", "2023-09-01")


def _csv(out: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(out)))


def _pdf_text(data: bytes) -> str:
    """The PDF's words, with line breaks as spaces: a table cell wraps where it likes."""
    text = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())


def _leaks(text: str) -> list[str]:
    """Every secret found, as a whole word in any case (the area names stay)."""
    found = []
    for secret in SECRETS:
        pattern = r"(?<![\w])" + re.escape(secret) + r"(?![\w])"
        if re.search(pattern, text, re.IGNORECASE):
            found.append(secret)
    return found


def _run(cli: Callable[..., Any], case: Case, fmt: str, *extra: str) -> Any:
    result = cli(
        "review", "chronology", "--review", case.review.reference, *WINDOW, "--format", fmt, *extra
    )
    assert result.code == 0, result.err
    return result


def test_anonymised_exports_hold_no_name_identifier_or_address(
    cli: Callable[..., Any], case: Case
) -> None:
    texts = {
        "csv": _run(cli, case, "csv", "--anonymise").out,
        "html": _run(cli, case, "html", "--anonymise").out,
        "pdf": _pdf_text(_run(cli, case, "pdf", "--anonymise").out_bytes),
    }
    for fmt, text in texts.items():
        assert _leaks(text) == [], fmt
        # The area stays, and so does what happened.
        for area in AREAS:
            assert area in text, (fmt, area)
        assert "Child AG" in text, fmt
        assert "hungry" in text, fmt


def test_pseudonyms_are_consistent_across_rows_and_exports(
    cli: Callable[..., Any], case: Case
) -> None:
    rows = _csv(_run(cli, case, "csv", "--anonymise").out)
    by_type = {}
    for row in rows:
        by_type.setdefault(row["type"], []).append(row)
    labels = {row["about"] for row in rows}
    # Each person has one label, and different people different labels.
    assert {"Child AG", "Mother", "Sibling 1"} <= labels
    assert by_type["Adult factor"][0]["about"] == "Mother"
    assert by_type["Health appointment"][0]["about"] == "Sibling 1"
    household = by_type["Household change"][0]
    assert household["about"] == "Child AG"
    assert "Parent's partner (partner of parent)" in household["details"]
    police = by_type["Police incident"][0]
    assert "Mother (victim)" in police["details"]
    assert "Parent's partner (perpetrator)" in police["details"]
    # The same person in the text of another row gets the same label.
    assert "Parent's partner" in household["summary"]
    assert "Parent's partner" in police["summary"]
    # Someone the records name whom no linkage run has placed: named as nobody.
    late = next(r for r in rows if r["summary"].startswith("Neighbour "))
    assert late["summary"] == "Neighbour another person heard crying all evening."
    html = _run(cli, case, "html", "--anonymise").out
    pdf = _pdf_text(_run(cli, case, "pdf", "--anonymise").out_bytes)
    for label in labels:
        assert label.replace("'", "&#x27;") in html
        assert label in pdf.replace("\u2019", "'")


def test_without_anonymise_the_names_are_kept(cli: Callable[..., Any], case: Case) -> None:
    text = _run(cli, case, "csv").out
    assert "Jayden Fairweather-Cole" in text
    assert "Kerry" in text
    assert "Child AG" not in text


def test_dates_shift_by_exactly_the_offset(cli: Callable[..., Any], case: Case) -> None:
    kept = _csv(_run(cli, case, "csv", "--anonymise").out)
    shifted = _csv(_run(cli, case, "csv", "--anonymise", "--shift-dates", "-100").out)
    assert len(kept) == len(shifted) > 5
    for a, b in zip(kept, shifted, strict=True):
        gap = dt.date.fromisoformat(a["date"]) - dt.date.fromisoformat(b["date"])
        assert gap.days == 100
        assert (a["time"], a["type"], a["about"]) == (b["time"], b["type"], b["about"])


def test_casework_shows_what_the_mash_and_social_care_did(
    cli: Callable[..., Any], case: Case
) -> None:
    rows = _csv(_run(cli, case, "csv", "--anonymise").out)
    types = [r["type"] for r in rows]
    assert "Contact to the MASH" in types
    assert "MASH decision: Child and family assessment" in types
    assert "Plan started: Child in need plan" in types
    assert "Plan stepped down: Child in need plan" in types
    decision = next(r for r in rows if r["type"].startswith("MASH decision"))
    # The practitioner is named by role, the teacher as the referrer, her number taken out.
    assert "MASH practitioner" in decision["details"]
    assert "the referrer" in decision["summary"]
    assert "[phone]" in decision["summary"]
    assert "Venkataraman" not in decision["summary"]


def test_flags_raised_show_on_the_day_sightline_raised_them(
    cli: Callable[..., Any], case: Case
) -> None:
    raised = dt.datetime(2023, 6, 1, 9, 30, tzinfo=dt.UTC)  # 10:30 in London
    make_flag(case.ava, created_at=raised, title="Was not brought")
    make_flag(case.ava, created_at=raised + dt.timedelta(days=400), title="Outside the window")
    rows = _csv(_run(cli, case, "csv", "--anonymise").out)
    flags = [r for r in rows if r["type"].startswith("Flag raised")]
    assert [(r["date"], r["time"], r["about"], r["type"]) for r in flags] == [
        ("2023-06-01", "10:30", "Sibling 1", "Flag raised: Was not brought (consider)")
    ]
    assert flags[0]["agency"] == "Sightline indicator flags"


def test_each_run_writes_the_access_log(cli: Callable[..., Any], case: Case) -> None:
    _run(cli, case, "csv", "--anonymise")
    entry = AccessLog.objects.get(person=case.jayden)
    assert entry.action == AccessLog.Action.VIEWED_CHRONOLOGY
    assert entry.user is None
    assert case.review.reference in entry.path


def test_person_without_review_is_child_a(cli: Callable[..., Any], case: Case) -> None:
    result = cli("review", "chronology", "--person", case.jayden.public_id, *WINDOW, "--anonymise")
    assert result.code == 0, result.err
    assert {r["about"] for r in _csv(result.out) if r["relationship_to_child"] == "the child"} == {
        "Child A"
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--person", "P-NOSUCH", *WINDOW), "no person with id 'P-NOSUCH'"),
        (("--review", "CR-1999-001", *WINDOW), "no review with reference"),
        (("--from", "2023-01-01", "--to", "2023-09-01"), "give --person ID"),
        (
            ("--person", "{jayden}", "--from", "01/01/2023", "--to", "2023-09-01"),
            "--from '01/01/2023' is not a date",
        ),
        (("--person", "{jayden}", "--from", "2023-09-02", "--to", "2023-09-01"), "is after --to"),
        (
            (
                "--person",
                "{jayden}",
            ),
            "give the window with --from DATE and --to DATE",
        ),
    ],
)
def test_bad_input_exits_2_with_a_message(
    cli: Callable[..., Any], case: Case, args: tuple[str, ...], message: str
) -> None:
    argv = [a.replace("{jayden}", case.jayden.public_id) for a in args]
    result = cli("review", "chronology", *argv)
    assert result.code == 2
    assert message in result.err
    assert result.out == ""
    assert not AccessLog.objects.exists()


def test_bad_format_is_refused(cli: Callable[..., Any], case: Case) -> None:
    result = cli(
        "review", "chronology", "--person", case.jayden.public_id, *WINDOW, "--format", "xml"
    )
    assert result.code == 2
    assert "invalid choice: 'xml'" in result.err


def test_two_children_are_child_a_and_b_with_each_event_once(
    cli: Callable[..., Any], case: Case
) -> None:
    ids = sorted([case.jayden.public_id, case.ava.public_id])
    result = cli(
        "review", "chronology", "--person", ids[1], "--person", ids[0], *WINDOW, "--anonymise"
    )
    assert result.code == 0, result.err
    rows = _csv(result.out)
    first = "Child A" if ids[0] == case.jayden.public_id else "Child B"
    # Letters follow the person ids, not the order given.
    assert next(r for r in rows if r["type"] == "Cause for concern")["about"] == first
    missed = next(r for r in rows if r["type"] == "Health appointment")
    assert missed["about"] != first and missed["relationship_to_child"] == "the child"
    keys = [(r["date"], r["time"], r["agency"], r["type"], r["summary"]) for r in rows]
    assert len(keys) == len(set(keys))
    assert {r["about"] for r in rows} == {"Child A", "Child B", "Mother"}
    assert AccessLog.objects.filter(person__in=[case.jayden, case.ava]).count() == 2
