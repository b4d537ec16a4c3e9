"""School: attendance and exclusions, the signs a school sees first.

The Norfolk partnership's response to the AG and AI reviews included family
support attached to schools for attendance and exclusions: AG's siblings' poor
attendance was known to the school and not to the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sightline.indicators.rules.base import Hit, Param, Rule, plural, when


def _span(days: int) -> str:
    """A window's length as people say it: 183 days is 6 months, 365 is 12."""
    return plural(days, "day") if days < 56 else plural(round(days / 30.4375), "month")


def _percent(value: float) -> str:
    text = f"{value:.1f}".removesuffix(".0")
    return f"{text}%"


class _SchoolAbsence(Rule):
    def sql(self, p: Mapping[str, Any]) -> str:
        # One hit a period of severe absence; a period with no possible sessions says
        # nothing about attendance and is skipped, never divided by.
        return f"""
        SELECT person_id, occurred_on AS triggered_on, 'consider' AS level,
               list(event_id) AS evidence
        FROM events
        WHERE role = 'subject' AND type = 'school_attendance'
          AND sessions_possible > 0 AND sessions_attended IS NOT NULL
          AND 100.0 * sessions_attended / sessions_possible
              < {max(float(p["severe_below"]), float(p["persistent_below"]))}
        GROUP BY person_id, occurred_on
        """

    def explain(self, hit: Hit, p: Mapping[str, Any]) -> str:
        severe, persistent = float(p["severe_below"]), float(p["persistent_below"])
        parts = []
        for row in hit.evidence:
            rate = 100.0 * row.sessions_attended / row.sessions_possible
            kind = (
                f"severe absence (below {_percent(severe)})"
                if rate < severe
                else f"persistent absence (below {_percent(persistent)})"
            )
            period = (
                f" between {when(row.period_start)} and {when(row.period_end)}"
                if row.period_start and row.period_end
                else f" in the period to {when(row.occurred_on)}"
            )
            parts.append(
                f"Attended {row.sessions_attended:g} of {row.sessions_possible:g} possible "
                f"sessions ({_percent(rate)}){period} ({row.agency}): {kind}"
            )
        return (
            "; ".join(parts)
            + ". A child missing half their schooling is out of sight of the adults who see "
            "them most; the DfE asks schools and the local authority to treat severe absence "
            "as a priority and to consider whether it is a safeguarding concern."
        )


SCHOOL_ABSENCE = _SchoolAbsence(
    id="school-absence",
    title="Severe (or, where chosen, persistent) absence from school",
    level="consider",
    rationale=(
        "The DfE counts a pupil missing 50% or more of possible sessions as severely absent "
        "and expects schools and the local authority to make them a priority, considering "
        "whether the absence is a safeguarding concern. Persistent absence (missing 10% or "
        "more) does not raise a flag on its own: about a fifth of pupils in England were "
        "persistently absent in 2022/23, most often through illness, so on its own it "
        "cannot single out neglect; it stays in the chronology for the people who read it. "
        "The level is consider, because even severe absence has many causes."
    ),
    source=(
        "DfE, Working together to improve school attendance (statutory guidance, 2024); "
        "DfE, Pupil absence in schools in England, 2022/23 (persistent absence 21.2%)"
    ),
    needs=("school_attendance",),
    params={
        "severe_below": Param(
            50,
            "attendance below this percentage of possible sessions in a period is severe "
            "absence and raises the flag",
            "DfE: missing 50% or more of possible sessions",
        ),
        "persistent_below": Param(
            0,
            "attendance below this percentage also raises the flag, as persistent absence; 0 "
            "(the default) leaves persistent absence to the chronology, 90 follows the DfE's "
            "measure",
            "DfE: missing 10% or more is persistent absence; off by default because about a "
            "fifth of pupils are persistently absent (DfE 2022/23), most often through illness",
        ),
    },
)


class _SchoolExclusion(Rule):
    def sql(self, p: Mapping[str, Any]) -> str:
        # Each exclusion's day closes a window of window_days; a permanent exclusion, or
        # enough suspensions in it, completes the pattern. Evidence: every exclusion in it.
        return f"""
        WITH exclusions AS (
            SELECT person_id, event_id, occurred_on, exclusion_kind FROM events
            WHERE role = 'subject' AND type = 'school_exclusion'
              AND exclusion_kind IN ('suspension', 'permanent')
        )
        SELECT m.person_id, m.occurred_on AS triggered_on, 'consider' AS level,
               list(x.event_id) AS evidence
        FROM exclusions AS m
        JOIN exclusions AS x ON x.person_id = m.person_id
          AND date_diff('day', x.occurred_on, m.occurred_on) BETWEEN 0 AND {int(p["window_days"])}
        GROUP BY m.person_id, m.occurred_on
        HAVING max(CASE WHEN m.exclusion_kind = 'permanent' THEN 1 ELSE 0 END) = 1
            OR sum(CASE WHEN x.exclusion_kind = 'suspension' THEN 1 ELSE 0 END)
               >= {int(p["suspensions"])}
        """

    def explain(self, hit: Hit, p: Mapping[str, Any]) -> str:
        rows = list(hit.evidence)
        permanent = [r for r in rows if r.exclusion_kind == "permanent"]
        suspensions = [r for r in rows if r.exclusion_kind == "suspension"]
        parts = []
        if permanent:
            parts.append(
                "Permanently excluded on "
                + " and ".join(f"{when(r.occurred_on)} ({r.agency})" for r in permanent)
            )
        if suspensions:
            dates = ", ".join(
                when(r.occurred_on) + (f" ({r.sessions:g} sessions)" if r.sessions else "")
                for r in suspensions
            )
            parts.append(
                f"{plural(len(suspensions), 'suspension')} in "
                f"{_span(int(p['window_days']))} to {when(hit.triggered_on)}: {dates}"
            )
        return (
            "; ".join(parts)
            + ". Exclusion takes a child out of a setting that sees them every day; the "
            "DfE asks schools to consider whether unmet needs, including safeguarding "
            "ones, lie behind the behaviour."
        )


SCHOOL_EXCLUSION = _SchoolExclusion(
    id="school-exclusion",
    title="Permanent exclusion or repeated suspensions",
    level="consider",
    rationale=(
        "A child excluded or repeatedly suspended loses the adults who see them every "
        "day, and the behaviour behind it may come from neglect or harm at home. The DfE "
        "asks schools to consider underlying causes, and the Norfolk partnership "
        "strengthened school family support for exclusions after the AG and AI reviews."
    ),
    source=(
        "DfE, Suspension and permanent exclusion from maintained schools, academies and "
        "pupil referral units in England (2023); Norfolk Safeguarding Children Partnership "
        "(2020), school family support"
    ),
    needs=("school_exclusion",),
    params={
        "suspensions": Param(
            2,
            "this many suspensions or more within the window raise the flag",
            "Sightline default: a second suspension in a year",
        ),
        "window_days": Param(
            365,
            "the most days between the first and last suspension counted together",
            "Sightline default: 12 months",
        ),
    },
)

RULES: tuple[Rule, ...] = (SCHOOL_ABSENCE, SCHOOL_EXCLUSION)
