"""What an indicator rule is: guidance turned into SQL, and evidence turned into words.

A rule is data (id, title, level, rationale, source, thresholds) plus two
functions: ``sql`` writes, in DuckDB's dialect, the query that finds every
moment the pattern was complete, and ``explain`` writes a sentence from the
evidence records. The same SQL runs on DuckDB and, transpiled by sqlglot, on
Spark, for one child or for the whole population, so the rule is written once.

The tables a rule's SQL may read (built by :mod:`sightline.indicators.tables`):

``events``: one row for each person a current record names.
    event_id BIGINT (the source record's id), person_id BIGINT, role VARCHAR
    ('subject' or the role in ``related``), agency VARCHAR, record_id VARCHAR,
    type VARCHAR, occurred_on DATE, received_on DATE, dob DATE (the person's
    birth date, when known), age_days INTEGER (age on occurred_on), and the
    details flattened, NULL where the type has none: setting, reason,
    injury_kind, injury_site, injury_explanation, independently_mobile BOOLEAN,
    admitted BOOLEAN, service, outcome, category, child_present BOOLEAN, risk,
    factor, status, change, member_role, issue, exclusion_kind, sessions DOUBLE,
    period_start DATE, period_end DATE, sessions_possible DOUBLE,
    sessions_attended DOUBLE, weight_kg DOUBLE, height_cm DOUBLE,
    head_circumference_cm DOUBLE, birth_weight_kg DOUBLE, gestation_weeks DOUBLE.
    Rows the data-quality checks refused (events before birth for types that
    cannot happen then, impossible attendance) are not in it.
``persons``: person_id BIGINT, dob DATE, sex VARCHAR, area VARCHAR
    (postcode district), is_child BOOLEAN (under 18 on the evaluation date).
``relations``: person_id BIGINT (a child), other_id BIGINT, role VARCHAR (what
    the other is to the child: mother, father, parent, step_parent, carer,
    partner_of_parent, sibling, half_sibling, household_member, grandparent,
    other_relative, victim, perpetrator, witness, other), start_date DATE,
    end_date DATE (NULL when open), first_recorded DATE.
``growth``: one row per plausible weight or length measurement of a child, with
    UK-WHO SDS from rcpchgrowth: event_id, person_id, observed_on DATE,
    age_days, corrected_age_days, measurement ('weight', 'height', 'ofc'),
    value DOUBLE, sds DOUBLE, centile DOUBLE, birth_band ('below_9th',
    '9th_to_91st', 'above_91st', NULL when no birth weight is known).

A rule's query returns one row for each moment its pattern was complete:
``person_id``, ``triggered_on`` (DATE: the date of the event that completed
the pattern), ``level`` ('consider' or 'suspect') and ``evidence`` (a list of
event_id: every record that satisfied it). Returning every moment, not just
the first, lets evaluation group moments into episodes: a later event that
strengthens a flag updates it instead of raising a second one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Level = Literal["consider", "suspect"]

# Unscheduled care settings as practitioners say them, for every rule's explanation.
SETTING_WORDS = {
    "emergency_department": "emergency department",
    "minor_injuries": "minor injuries unit",
    "urgent_care": "urgent care",
    "out_of_hours": "out of hours",
    "ambulance": "ambulance",
}


@dataclass(frozen=True)
class Param:
    """A threshold a partnership may change, with where its default comes from."""

    default: int | float
    meaning: str
    source: str = ""


@dataclass(frozen=True)
class EvidenceRow:
    """One evidence record as the explanation sees it: the events row, by column name."""

    values: Mapping[str, Any]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def occurred_on(self) -> dt.date:
        value: dt.date = self.values["occurred_on"]
        return value


@dataclass(frozen=True)
class Hit:
    """One episode of a rule's pattern for one person, ready to be explained."""

    person_id: int
    triggered_on: dt.date
    level: Level
    evidence: Sequence[EvidenceRow]
    growth: Sequence[EvidenceRow] = ()  # the growth rows of evidence events, when any
    # For second-pass rules: the first-pass flags of other people this hit rests on,
    # each with person_id, public_id, sex, rule_id, title, level and triggered_on.
    related: Sequence[Mapping[str, Any]] = ()


@dataclass(frozen=True)
class Rule:
    """An indicator: a pattern in the records that guidance says deserves a look."""

    id: str
    title: str
    level: Level  # the usual level; a hit may be raised to suspect by its own query
    rationale: str
    source: str
    # Event types (and 'growth', 'relations', 'prior_flags') it reads; 'latest_received'
    # when it reads the newest receipt date of all records. Complete, because a small
    # run does not run a rule again while these are unchanged (engine.HitMemo).
    needs: tuple[str, ...]
    params: Mapping[str, Param] = field(default_factory=dict)
    # Evaluated after the others, over their flags (the sibling signal).
    second_pass: bool = False
    # Raised from consider to suspect when another rule's flag (not a second-pass
    # one) falls within this many days of it: faltering growth "with other neglect
    # indicators" (the domain notes, after NICE NG75 and CG89).
    suspect_with_others_within_days: int | None = None

    def sql(self, p: Mapping[str, Any]) -> str:
        raise NotImplementedError

    def explain(self, hit: Hit, p: Mapping[str, Any]) -> str:
        raise NotImplementedError

    def defaults(self) -> dict[str, Any]:
        return {name: param.default for name, param in self.params.items()}


def plural(n: int, one: str, many: str | None = None) -> str:
    """'1 attendance', '3 attendances': numbers in explanations read as a person writes them."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def when(day: dt.date) -> str:
    """A date the way a practitioner writes it: 3 March 2019."""
    return f"{day.day} {day:%B %Y}"


def age_words(days: int | None) -> str:
    """An age in the unit people use for it: weeks for babies, months to two, then years."""
    if days is None:
        return "of unknown age"
    if days < 84:
        return plural(days // 7, "week")
    if days < 730:
        return plural(int(days / 30.4375), "month")
    return plural(int(days / 365.25), "year")


def span_words(days: int) -> str:
    """A look-back window as people say it: '12 months' for 365 days, '2 years', else days."""
    if days > 0 and days % 365 == 0:
        return "12 months" if days == 365 else plural(days // 365, "year")
    return plural(days, "day")
