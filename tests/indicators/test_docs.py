"""docs/indicators.md is the catalogue the code renders, so a rule changed alone fails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sightline.indicators.docs import (
    BACKTEST_END,
    BACKTEST_START,
    CATALOGUE_END,
    CATALOGUE_START,
    render_catalogue,
    render_document,
    section,
)
from sightline.indicators.rules.base import Param, Rule

DOC = Path(__file__).resolve().parents[2] / "docs" / "indicators.md"


def test_the_documented_catalogue_is_the_one_the_code_renders() -> None:
    documented = section(DOC.read_text(encoding="utf-8"), CATALOGUE_START, CATALOGUE_END)
    assert documented is not None, f"{DOC} has no {CATALOGUE_START} section"
    assert documented == render_catalogue().strip("\n") + "\n", (
        "docs/indicators.md is out of date with the rules: run 'make indicators-doc'"
    )


def test_every_rule_and_threshold_is_rendered_with_how_to_change_it() -> None:
    rule = Rule(
        id="made-up",
        title="A made-up rule",
        level="consider",
        rationale="Because | pipes must not break the table.",
        source="A source",
        needs=("appointment",),
        params={
            "count": Param(2, "how many | in a year", "RCGP toolkit"),
            "ratio": Param(0.5, "x"),
        },
    )
    text = render_catalogue([rule])
    assert "### `made-up`: A made-up rule" in text
    assert "| `count` | 2 | how many \\| in a year | RCGP toolkit |" in text
    assert "| `ratio` | 0.5 | x | - |" in text
    assert "[rules.made-up]\ncount = 2\nratio = 0.5\n" in text
    assert "- **Level**: consider" in text and "`appointment`" in text


def test_backtest_figures_go_between_their_markers(cli: Any, tmp_path: Path) -> None:
    data: dict[str, Any] = {
        "as_of": "2026-03-31",
        "scenario": "as-of 2026-03-31",
        "children": 10,
        "known": 10,
        "harmed": 1,
        "kinds": [
            {
                "kind": "non_mobile_injury",
                "children": 1,
                "flagged_before_harm": 1,
                "flagged_only_after": 0,
                "sensitivity": 1.0,
                "lead_days_median": 30,
                "lead_days_min": 30,
                "lead_days_max": 30,
                "first_rules": {"not-mobile-injury": 1},
                "missed": [],
            }
        ],
        "sensitivity": 1.0,
        "targets": {
            "every_trajectory_flagged_before_harm": True,
            "at_most_2_percent_of_ordinary_children_flagged": True,
        },
        "ordinary": {
            "group": "not harmed",
            "children": 9,
            "flagged": 0,
            "share": 0.0,
            "flags": 0,
            "child_years": 40.0,
            "per_1000_child_years": 0.0,
        },
        "by_rule": [],
        "by_family": [],
        "by_poverty": [],
        "by_sex": [],
        "by_age_band": [],
        "by_area": [],
        "harmed_after_as_of": 0,
        "borough": {"seed": 3, "children": 10, "since": "2019-01-01", "until": "2026-03-31"},
        "notes": [],
    }
    doc = render_document(backtest=data)
    figures = section(doc, BACKTEST_START, BACKTEST_END)
    assert figures is not None
    assert "| non_mobile_injury | 1 | 1 | 0 | 100.0% | 30 | 30 to 30 | not-mobile-injury (1) |" in (
        figures
    )
    assert "--children 10 --seed 3" in figures
    assert section(doc, CATALOGUE_START, CATALOGUE_END) == render_catalogue().strip("\n") + "\n"

    import json

    results = tmp_path / "bt.json"
    results.write_text(json.dumps(data), encoding="utf-8")
    printed = cli("evaluate", "--catalogue", "--backtest-results", str(results))
    assert printed.code == 0, printed.err
    assert printed.out == doc
    bare = cli("evaluate", "--catalogue")
    assert bare.code == 0 and "Not measured yet" in bare.out


@pytest.mark.parametrize("text", ["no markers", f"{CATALOGUE_START} unterminated"])
def test_a_missing_section_is_none(text: str) -> None:
    assert section(text, CATALOGUE_START, CATALOGUE_END) is None
