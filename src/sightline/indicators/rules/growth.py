"""Faltering growth: weight falling across centile spaces, or below the 2nd centile.

NICE NG75 (Faltering growth) recommendation 1.2: a fall across 1 or more
centile spaces if birth weight was below the 9th centile, 2 or more if it was
between the 9th and 91st, 3 or more if above the 91st; or a weight below the
2nd centile whatever the birth weight. One centile space is 0.67 SDS on the
UK-WHO charts (RCPCH). A weight below the 0.4th centile raises the level to
suspect. The SDS come from the ``growth`` table (:mod:`sightline.indicators.
growth`), corrected for gestation as RCPCH says.

When no birth weight is known the middle band's threshold (2 spaces) is used:
it is the band most children are in, and a lower one would flag ordinary
wobble in children whose birth weight was simply not sent.

Weights are judged from 2 weeks of (corrected) age: earlier ones are on the
UK90 preterm chart, a low one then says how the baby was born, not how it is
fed, and NICE treats weight loss in the first days separately (a fall of 10%
or more from birth weight, recommendation 1.1).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sightline.indicators.rules.base import Hit, Param, Rule, age_words

NICE = "NICE NG75 (Faltering growth) recommendation 1.2"
RCPCH = "RCPCH UK-WHO growth charts: fact sheet and instructions"

BAND_WORDS = {
    "below_9th": "birth weight below the 9th centile",
    "9th_to_91st": "birth weight between the 9th and 91st centile",
    "above_91st": "birth weight above the 91st centile",
    None: "birth weight not known, so the middle band's threshold applies",
}


def _num(value: Any) -> str:
    """A parameter as a SQL number literal: it can only ever be a number."""
    return repr(float(value))


def _spaces_for(band: str | None, p: Mapping[str, Any]) -> float:
    if band == "below_9th":
        return float(p["spaces_below_9th"])
    if band == "above_91st":
        return float(p["spaces_above_91st"])
    return float(p["spaces_9th_to_91st"])


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _centile_words(centile: float) -> str:
    """'the 50th', 'below the 2nd', 'below the 0.4th': a centile as a chart reads."""
    if centile < 0.4:
        return "below the 0.4th"
    if centile < 2:
        return "below the 2nd"
    if centile > 99.6:
        return "above the 99.6th"
    return f"the {_ordinal(max(2, min(99, round(centile))))}"


def _number(x: float) -> str:
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _at(row: Any) -> str:
    words = f"at {age_words(row.corrected_age_days)}"
    if row.corrected_age_days != row.age_days:
        words += " (corrected for gestation)"
    return words


class FalteringGrowth(Rule):
    def sql(self, p: Mapping[str, Any]) -> str:
        space = _num(p["centile_space_sds"])
        return f"""
WITH weights AS (
    SELECT event_id, person_id, observed_on, sds, birth_band
    FROM growth
    WHERE measurement = 'weight' AND sds IS NOT NULL
      AND corrected_age_days >= {int(p["min_age_days"])}
),
later AS (
    SELECT event_id, person_id, observed_on, sds,
        CASE birth_band
            WHEN 'below_9th' THEN {_num(p["spaces_below_9th"])}
            WHEN 'above_91st' THEN {_num(p["spaces_above_91st"])}
            ELSE {_num(p["spaces_9th_to_91st"])}
        END * {space} AS fall_needed
    FROM weights
),
falls AS (
    SELECT l.person_id, l.event_id AS later_id, e.event_id AS earlier_id,
        ROW_NUMBER() OVER (
            PARTITION BY l.person_id, l.event_id ORDER BY e.sds DESC, e.observed_on, e.event_id
        ) AS rank_from_top
    FROM later AS l
    JOIN weights AS e ON e.person_id = l.person_id AND e.observed_on < l.observed_on
    WHERE e.sds - l.sds >= l.fall_needed - 1e-9
),
tops AS (
    SELECT l.event_id, max(e.sds) AS top_sds, arg_max(e.event_id, e.sds) AS top_id
    FROM later AS l
    JOIN weights AS e ON e.person_id = l.person_id AND e.observed_on < l.observed_on
    GROUP BY l.event_id
)
SELECT l.person_id, l.observed_on AS triggered_on,
    CASE WHEN l.sds < {_num(p["suspect_below_sds"])} THEN 'suspect' ELSE 'consider' END
        AS level,
    CASE WHEN f.earlier_id IS NOT NULL THEN ARRAY[f.earlier_id, l.event_id]
        WHEN t.top_id IS NOT NULL AND t.top_sds > l.sds THEN ARRAY[t.top_id, l.event_id]
        ELSE ARRAY[l.event_id] END AS evidence
FROM later AS l
LEFT JOIN falls AS f
    ON f.person_id = l.person_id AND f.later_id = l.event_id AND f.rank_from_top = 1
LEFT JOIN tops AS t ON t.event_id = l.event_id
WHERE f.earlier_id IS NOT NULL
    OR l.sds < {_num(p["suspect_below_sds"])}
    OR (l.sds < {_num(p["low_below_sds"])}
        AND ({_num(p["low_after_fall_spaces"])} <= 0
             OR t.top_sds - l.sds >= {_num(p["low_after_fall_spaces"])} * {space} - 1e-9))
"""

    def explain(self, hit: Hit, p: Mapping[str, Any]) -> str:
        weights = sorted(
            (row for row in hit.growth if row.measurement == "weight" and row.sds is not None),
            key=lambda row: (row.observed_on, row.event_id),
        )
        if not weights:
            return "Weight measurements met the faltering growth threshold."
        last = weights[-1]
        space = float(p["centile_space_sds"])
        needed = _spaces_for(last.birth_band, p)
        earlier = [row for row in weights if row.observed_on < last.observed_on]
        top = max(earlier, key=lambda row: row.sds, default=None)
        sentences = []
        fall = (top.sds - last.sds) / space if top is not None else 0.0
        if top is not None and fall >= needed - 1e-9:
            sentences.append(
                f"Weight fell from {_centile_words(top.centile)} centile {_at(top)} to"
                f" {_centile_words(last.centile)} {_at(last)}: {_number(fall)} centile spaces"
                f" ({BAND_WORDS.get(last.birth_band)}: a fall of {_number(needed)} or more is"
                " the threshold)."
            )
        else:
            sds = f"{last.sds:.2f}".replace("-", "\u2212")
            down = (
                f", down from {_centile_words(top.centile)} {_at(top)}"
                if top is not None and top.sds > last.sds
                else ""
            )
            sentences.append(
                f"Weight was {_centile_words(last.centile)} centile {_at(last)} (SDS {sds}){down}."
            )
        if last.sds < float(p["suspect_below_sds"]):
            sentences.append("Below the 0.4th centile, the level is suspect.")
        return " ".join(sentences)


FALTERING_GROWTH = FalteringGrowth(
    id="faltering-growth",
    title="Faltering growth",
    level="consider",
    rationale=(
        "A child's weight falling across centile lines, or very low for age, is how"
        " neglect of a young child's feeding shows on the growth chart; the AG review"
        " found his faltering growth had not been considered."
    ),
    source=f"{NICE}; {RCPCH}; computed with rcpchgrowth (UK-WHO)",
    needs=("birth", "growth_measurement", "growth"),
    suspect_with_others_within_days=365,
    params={
        "centile_space_sds": Param(
            0.67, "the width of one centile space, in SDS", f"{RCPCH} (centile lines 2/3 SD apart)"
        ),
        "spaces_below_9th": Param(
            1, "centile spaces of fall that count if birth weight was below the 9th centile", NICE
        ),
        "spaces_9th_to_91st": Param(
            2,
            "centile spaces of fall that count if birth weight was between the 9th and 91st"
            " centile, or is not known",
            NICE,
        ),
        "spaces_above_91st": Param(
            3, "centile spaces of fall that count if birth weight was above the 91st centile", NICE
        ),
        "low_below_sds": Param(
            -2.05,
            "weight SDS below which a weight counts (the 2nd centile), once it has fallen to "
            "there (see low_after_fall_spaces)",
            NICE,
        ),
        "low_after_fall_spaces": Param(
            1,
            "a weight below the 2nd centile counts when it is at least this many centile "
            "spaces below the child's highest earlier weight; 0 counts every such weight",
            "Sightline default: NICE NG75 asks for weight to be judged against birth weight "
            "and earlier measurements; a child small from birth who grows along their own "
            "centile is about 2 in 100 children by definition, and on its own that is "
            "constitutional smallness more often than neglect. Below the 0.4th centile "
            "always counts",
        ),
        "suspect_below_sds": Param(
            -2.67,
            "weight SDS below which the level is suspect (the 0.4th centile)",
            f"{RCPCH} (below the 0.4th centile needs assessment); Sightline domain table",
        ),
        "min_age_days": Param(
            14,
            "corrected age in days from which weights are compared (UK-WHO's WHO 2006 part)",
            f"{RCPCH}; {NICE} (early weight loss is recommendation 1.1)",
        ),
    },
)


RULES: tuple[Rule, ...] = (FALTERING_GROWTH,)
