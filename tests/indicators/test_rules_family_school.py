"""What holds for every family and school rule: portable SQL, and poverty is not neglect."""

from __future__ import annotations

import pytest
import sqlglot

from sightline.indicators.rules import family, school
from sightline.indicators.rules.base import Rule
from tests.indicators.rulekit import d, event, run

RULES: tuple[Rule, ...] = (*family.RULES, *school.RULES)
ADULT = 20


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_the_sql_transpiles_to_spark(rule: Rule) -> None:
    (sql,) = sqlglot.transpile(rule.sql(rule.defaults()), read="duckdb", write="spark")
    assert "SELECT" in sql


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_housing_problems_alone_never_raise_a_flag(rule: Rule) -> None:
    issues = ["poor_conditions", "overcrowding", "eviction_notice", "homeless"]
    rows = [
        event(n, "housing", d(f"2019-0{n}-01"), agency="housing", issue=issue)
        for n, issue in enumerate(issues * 2, start=1)
    ]
    rows += [
        event(20 + n, "housing", d(f"2019-0{n}-02"), person=ADULT, dob=None, issue=issue)
        for n, issue in enumerate(issues, start=1)
    ]
    relations = [{"person_id": 1, "other_id": ADULT, "role": "mother"}]
    # Every threshold at its lowest, so that housing counted by mistake would show.
    low = {name: 1 for name in rule.params}
    if "severe_below" in low:
        low = {"severe_below": 100, "persistent_below": 100}
    assert run(rule, events=rows, relations=relations, params=low) == []


def test_the_low_thresholds_do_raise_flags_on_a_real_concern() -> None:
    """The poverty test's settings are not too strict to fire at all."""
    rows = [event(1, "cause_for_concern", d("2019-02-01"), category="hunger")]
    low = {name: 1 for name in family.CUMULATIVE_CONCERNS.params}
    assert len(run(family.CUMULATIVE_CONCERNS, events=rows, params=low)) == 1


def test_every_rule_says_where_it_comes_from() -> None:
    for rule in RULES:
        assert rule.source and rule.rationale and rule.needs
        assert all(p.meaning and p.source for p in rule.params.values())
    assert [r.id for r in RULES] == [
        "cumulative-concerns",
        "concern-after-step-down",
        "toxic-trio",
        "new-adult-unassessed",
        "sibling-signal",
        "school-absence",
        "school-exclusion",
    ]
    assert [r.second_pass for r in RULES].count(True) == 1
