"""Injuries that guidance says need explaining: in babies who cannot yet move about,
fractures and burns without a suitable explanation, and injuries that point to a
child left unsupervised."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sightline.indicators.rules.base import (
    SETTING_WORDS,
    EvidenceRow,
    Hit,
    Param,
    Rule,
    age_words,
    plural,
    span_words,
    when,
)

_INJURIES = "('bruise', 'burn', 'scald', 'fracture', 'laceration', 'head_injury', 'bite')"


class _NotMobileInjury(Rule):
    def sql(self, p: Mapping[str, Any]) -> str:
        # Mobility as recorded wins; only when it is unknown does age stand in for it.
        # An injury a health visitor or nursery notices and logs as a concern counts
        # as much as one brought to hospital: the national panel found bruises on
        # babies seen by professionals and not acted on, before the serious injury.
        young = int(p["unknown_mobility_under_days"])
        return f"""
        SELECT person_id, occurred_on AS triggered_on, 'suspect' AS level,
               list(event_id) AS evidence
        FROM events
        WHERE role = 'subject'
          AND ((type = 'unscheduled_care' AND injury_kind IN {_INJURIES}
                AND (independently_mobile = FALSE
                     OR (independently_mobile IS NULL AND age_days IS NOT NULL
                         AND age_days < {young})))
               OR (type = 'cause_for_concern' AND category = 'injury'
                   AND age_days IS NOT NULL AND age_days BETWEEN 0 AND {young - 1}))
        GROUP BY person_id, occurred_on
        """

    def explain(self, hit: Hit, p: Mapping[str, Any]) -> str:
        parts = []
        for row in hit.evidence:
            if row.type == "cause_for_concern":
                parts.append(
                    f"An injury logged as a concern by {row.agency} on {when(row.occurred_on)}, "
                    f"aged {age_words(row.age_days)}"
                )
                continue
            kind = (row.injury_kind or "injury").replace("_", " ")
            site = (
                f" to the {row.injury_site}"
                if row.injury_site and row.injury_site.lower() not in kind
                else ""
            )
            mobile = (
                "recorded as not independently mobile"
                if row.independently_mobile is False
                else "mobility not recorded"
            )
            parts.append(
                f"{kind.capitalize()}{site} on {when(row.occurred_on)} "
                f"({row.agency}), aged {age_words(row.age_days)}, {mobile}"
            )
        return (
            "; ".join(parts)
            + ". Any injury in a child who is not independently mobile should be suspected "
            "of being non-accidental unless there is a suitable explanation."
        )


NOT_MOBILE_INJURY = _NotMobileInjury(
    id="not-mobile-injury",
    title="Injury in a child not independently mobile",
    level="suspect",
    rationale=(
        "Babies who cannot roll, crawl or walk rarely injure themselves. NICE CG89 lists "
        "bruising, fractures and burns in a child who is not independently mobile among "
        "the features for which maltreatment should be suspected, and the national panel "
        "found that bruising in non-mobile infants was repeatedly seen and not acted on."
    ),
    source=(
        "NICE CG89 Child maltreatment: when to suspect maltreatment in under 18s, section 1.1; "
        "Child Safeguarding Practice Review Panel, Bruising in non-mobile infants (2022)"
    ),
    needs=("unscheduled_care", "cause_for_concern"),
    params={
        "unknown_mobility_under_days": Param(
            183,
            "when mobility is not recorded, children younger than this (days) count as not "
            "independently mobile",
            "Sightline default of 6 months: most infants cannot crawl before then (domain notes)",
        ),
    },
)

# An unsuitable explanation, as far as a record can say: CG89 counts an absent
# explanation and one inconsistent with the injury. 'unknown' (the account was
# not recorded) is not evidence either way, so it does not raise a flag alone.
_UNSUITABLE = ("inconsistent", "absent")
_UNSUITABLE_SQL = "('inconsistent', 'absent')"

_EXPLANATION_WORDS = {
    "consistent": "explanation recorded as consistent with the injury",
    "inconsistent": "explanation recorded as inconsistent with the injury",
    "absent": "no explanation given",
    "unknown": "explanation not known",
}


# Burn sites CG89 names as ones an accident would not be expected to touch: the
# backs of hands, soles of feet, buttocks and back. Sites are free text from the
# agency ('back of left hand', 'Soles of both feet', 'lower back'), so they are
# matched as words, ignoring case; 'back of the head' or 'back of leg' is not the
# back, and a plain 'right hand' is not the back of the hand (palms are where
# children grasp hot things). No backslashes: the patterns read the same to
# DuckDB's RE2 and to Spark's Java regular expressions.
_HAND_BACK = "backs? of (the )?((left|right|both) )?hands?|dorsum|dorsal"
_SOLE = "(^|[^a-z])soles?([^a-z]|$)|plantar"
_BUTTOCK = "buttock"
_BACK = "(^|[^a-z])back([^a-z]|$)"
_BACK_OF = "(^|[^a-z])backs? of "


def _site_sql(column: str = "injury_site") -> str:
    site = f"lower({column})"
    return (
        f"(regexp_matches({site}, '{_HAND_BACK}') OR regexp_matches({site}, '{_SOLE}') "
        f"OR regexp_matches({site}, '{_BUTTOCK}') "
        f"OR (regexp_matches({site}, '{_BACK}') AND NOT regexp_matches({site}, '{_BACK_OF}')))"
    )


def _injury_words(row: EvidenceRow, *, mobility: bool = False) -> str:
    """'Fracture to the left wrist on 3 March 2019 (emergency department, nhs-acute), aged
    2 years, no explanation given'."""
    kind = (row.injury_kind or "injury").replace("_", " ")
    site = f" to the {row.injury_site}" if row.injury_site else ""
    setting = SETTING_WORDS.get(row.setting or "", "unscheduled care")
    explanation = _EXPLANATION_WORDS.get(row.injury_explanation or "", "explanation not recorded")
    words = (
        f"{kind.capitalize()}{site} on {when(row.occurred_on)} ({setting}, {row.agency}), "
        f"aged {age_words(row.age_days)}, {explanation}"
    )
    if mobility and row.independently_mobile is False:
        words += ", recorded as not independently mobile"
    return words


class _FractureUnexplained(Rule):
    def sql(self, p: Mapping[str, Any]) -> str:
        # An episode is a day: an ambulance conveyance and the emergency department
        # that took the child in send two records of one fracture. For each day with
        # a fracture, every fracture record in the window up to it is evidence; the
        # pattern is complete when that day's fracture is unexplained, or when the
        # window holds fractures on more than one day.
        return f"""
        WITH fractures AS (
            SELECT event_id, person_id, occurred_on, injury_explanation
            FROM events
            WHERE role = 'subject' AND type = 'unscheduled_care' AND injury_kind = 'fracture'
        ),
        days AS (SELECT DISTINCT person_id, occurred_on FROM fractures)
        SELECT d.person_id, d.occurred_on AS triggered_on, 'suspect' AS level,
               list(f.event_id) AS evidence
        FROM days AS d
        JOIN fractures AS f
          ON f.person_id = d.person_id
         AND f.occurred_on BETWEEN d.occurred_on - INTERVAL {int(p["episode_window_days"])} DAY
                               AND d.occurred_on
        GROUP BY d.person_id, d.occurred_on
        HAVING count(DISTINCT f.occurred_on) > 1
            OR max(CASE WHEN f.occurred_on = d.occurred_on
                             AND f.injury_explanation IN {_UNSUITABLE_SQL}
                        THEN 1 ELSE 0 END) = 1
        """

    def explain(self, hit: Hit, p: Mapping[str, Any]) -> str:
        episodes = len({row.occurred_on for row in hit.evidence})
        unexplained = sum(1 for row in hit.evidence if row.injury_explanation in _UNSUITABLE)
        lead = []
        if episodes > 1:
            window = span_words(int(p["episode_window_days"]))
            lead.append(f"{plural(episodes, 'fracture episode')} in {window}")
        if unexplained:
            lead.append(
                f"{plural(unexplained, 'fracture')} without a suitable explanation"
                if episodes > 1
                else "a fracture without a suitable explanation"
            )
        head = " and ".join(lead)
        return (
            f"{head[0].upper()}{head[1:]}: "
            + "; ".join(_injury_words(row, mobility=True) for row in hit.evidence)
            + ". NICE CG89 advises suspecting maltreatment when a child has a fracture with an "
            "absent or unsuitable explanation, or fractures of different ages, unless a medical "
            "condition makes the bones fragile."
        )


FRACTURE_UNEXPLAINED = _FractureUnexplained(
    id="fracture-unexplained",
    title="Fracture without a suitable explanation",
    level="suspect",
    rationale=(
        "A broken bone needs force, and the account of how it happened should fit the "
        "injury and the child's age and development. NICE CG89 says to suspect maltreatment "
        "when a child has one or more fractures and the explanation is absent or unsuitable "
        "(with no medical condition that makes bones fragile), and counts fractures of "
        "different ages among the signs. The records show the account the clinician "
        "recorded and each separate attendance for a fracture, so this flags a fracture "
        "recorded as unexplained or explained inconsistently, and a second fracture episode "
        "within the look-back window whatever was said about each."
    ),
    source=(
        "NICE CG89 Child maltreatment: when to suspect maltreatment in under 18s, section 1.1 "
        "(fractures)"
    ),
    needs=("unscheduled_care",),
    params={
        "episode_window_days": Param(
            365,
            "fractures on different days within this many days (counting back from the latest) "
            "are more than one fracture episode",
            "Sightline default of 12 months: CG89 sets no interval. Accidental fractures are "
            "common in active children over years (CORE-INFO: up to two thirds of boys break "
            "a bone by 15), so a second fracture years later says little, while two within a "
            "year deserve the question; the same 12 months as the other health look-backs",
        ),
    },
)


class _BurnUnexplained(Rule):
    def sql(self, p: Mapping[str, Any]) -> str:
        # Mobility as recorded: a burn in a baby whose mobility is unknown is for
        # not-mobile-injury, which stands age in for it.
        return f"""
        SELECT person_id, occurred_on AS triggered_on, 'suspect' AS level,
               list(event_id) AS evidence
        FROM events
        WHERE role = 'subject' AND type = 'unscheduled_care'
          AND injury_kind IN ('burn', 'scald')
          AND (injury_explanation IN {_UNSUITABLE_SQL}
               OR independently_mobile = FALSE
               OR {_site_sql()})
        GROUP BY person_id, occurred_on
        """

    def explain(self, hit: Hit, p: Mapping[str, Any]) -> str:
        parts = []
        for row in hit.evidence:
            words = _injury_words(row, mobility=True)
            if row.injury_site and _site_matches(row.injury_site):
                words += ", a site an accident would not usually reach"
            parts.append(words)
        return (
            "; ".join(parts)
            + ". NICE CG89 advises suspecting maltreatment when a burn or scald has an absent "
            "or unsuitable explanation, is on a child who is not independently mobile, or is "
            "on the backs of the hands, soles of the feet, buttocks or back."
        )


def _site_matches(site: str) -> bool:
    """The SQL's site test in Python, to say in the explanation why the site counted."""
    site = site.lower()
    if any(re.search(pattern, site) for pattern in (_HAND_BACK, _SOLE, _BUTTOCK)):
        return True
    return bool(re.search(_BACK, site)) and not re.search(_BACK_OF, site)


BURN_UNEXPLAINED = _BurnUnexplained(
    id="burn-unexplained",
    title="Burn or scald without a suitable explanation",
    level="suspect",
    rationale=(
        "Most burns and scalds in children are accidents: a hand on something hot, a drink "
        "pulled off a table, and they fit the account given. NICE CG89 says to suspect "
        "maltreatment when the explanation is absent or unsuitable, when the child is not "
        "independently mobile, or when the burn is somewhere an accident would not usually "
        "reach: the backs of the hands, the soles of the feet, the buttocks or the back. "
        "Patterns a record cannot show (the shape of an implement, signs of forced "
        "immersion) are for the clinician who sees the child."
    ),
    source=(
        "NICE CG89 Child maltreatment: when to suspect maltreatment in under 18s, section 1.1 "
        "(burns and scalds)"
    ),
    needs=("unscheduled_care",),
)


_CONCERN_SETTING_WORDS = {
    "school": "the school",
    "early_years": "the early years setting",
    "health": "a health setting",
}


class _Supervision(Rule):
    def sql(self, p: Mapping[str, Any]) -> str:
        young = int(p["young_child_under_days"])
        count, window = int(p["accidents"]), int(p["accidents_window_days"])
        # What each agency records when supervision is the question. A police call
        # about a child's welfare (a child found alone, left at home) or a setting's
        # concern about supervision counts on its own. A young child's ingestion, or a
        # burn or scald the carer's account explains as an accident, counts when it
        # happens again: one is the kind of accident most toddlers' families have.
        return f"""
        WITH accidents AS (
            SELECT event_id, person_id, occurred_on FROM events
            WHERE role = 'subject' AND type = 'unscheduled_care'
              AND age_days IS NOT NULL AND age_days < {young}
              AND (reason = 'ingestion'
                   OR (injury_kind IN ('burn', 'scald') AND injury_explanation = 'consistent'))
        ),
        repeated AS (
            SELECT a.person_id, a.occurred_on AS triggered_on, list(b.event_id) AS evidence
            FROM accidents AS a
            JOIN accidents AS b ON b.person_id = a.person_id
             AND b.occurred_on BETWEEN a.occurred_on - INTERVAL {window} DAY AND a.occurred_on
            GROUP BY a.person_id, a.occurred_on
            HAVING count(DISTINCT b.occurred_on) >= {count}
        ),
        direct AS (
            SELECT person_id, occurred_on AS triggered_on, list(event_id) AS evidence
            FROM events
            WHERE role = 'subject'
              AND ((type = 'police_incident' AND category = 'child_welfare')
                   OR (type = 'cause_for_concern' AND category = 'supervision'))
            GROUP BY person_id, occurred_on
        )
        SELECT person_id, triggered_on, 'consider' AS level, evidence FROM repeated
        UNION ALL
        SELECT person_id, triggered_on, 'consider' AS level, evidence FROM direct
        """

    def explain(self, hit: Hit, p: Mapping[str, Any]) -> str:
        parts = []
        for row in hit.evidence:
            on = f"on {when(row.occurred_on)} ({row.agency})"
            if row.type == "police_incident":
                parts.append(f"Police called about the child's welfare {on}")
            elif row.type == "cause_for_concern":
                setting = _CONCERN_SETTING_WORDS.get(row.setting or "", "a setting")
                parts.append(f"A concern about supervision logged by {setting} {on}")
            elif row.reason == "ingestion":
                setting = SETTING_WORDS.get(row.setting or "", "unscheduled care")
                parts.append(
                    f"Swallowed something harmful: {setting} on {when(row.occurred_on)} "
                    f"({row.agency}), aged {age_words(row.age_days)}"
                )
            else:
                parts.append(
                    _injury_words(row) + ": an accident, which asks who was watching the child"
                )
        return (
            "; ".join(parts)
            + ". NICE CG89 advises considering neglect when the account of an injury or "
            "ingestion suggests a lack of appropriate supervision."
        )


SUPERVISION = _Supervision(
    id="supervision",
    title="Injury, ingestion or incident pointing to a lack of supervision",
    level="consider",
    rationale=(
        "Neglect is not only what a child lacks but who is watching them. NICE CG89 asks "
        "professionals to consider neglect when the account of how a child came to harm (a "
        "burn, sunburn, swallowing something harmful) suggests they were not being "
        "supervised as their age needs. The records show it as a young child's ingestion or "
        "burn with an account that fits an accident, happening again; police called about a "
        "child's welfare; and a school or early years setting's concern about supervision. "
        "One accident is common in toddlers; a repeat, or a welfare call, is a prompt to ask; "
        "several, across agencies, are the pattern the case reviews found."
    ),
    source=(
        "NICE CG89 Child maltreatment: when to suspect maltreatment in under 18s, section 1.3 "
        "(neglect: failure of supervision)"
    ),
    needs=("unscheduled_care", "police_incident", "cause_for_concern"),
    params={
        "young_child_under_days": Param(
            1826,
            "ingestions and consistently explained burns or scalds count for children younger "
            "than this (days)",
            "Sightline default of 5 years: NICE PH30 (Unintentional injuries in the home) "
            "directs home safety work at the under-5s, among whom burns, scalds and poisonings "
            "at home are most common; in older children an ingestion is more often deliberate, "
            "which is a different concern",
        ),
        "accidents": Param(
            2,
            "ingestions or accidental burns and scalds (on separate days) within the window "
            "that raise the flag",
            "Sightline default: NICE PH29/PH30 treat unintentional injury in the under-5s as "
            "common and mostly preventable by home safety; it is the repeat, not the single "
            "accident, that asks whether the child is supervised",
        ),
        "accidents_window_days": Param(
            365,
            "the window in days for counting those accidents",
            "Sightline default of 12 months, the window the other repeat rules use",
        ),
    },
)

RULES: tuple[Rule, ...] = (NOT_MOBILE_INJURY, FRACTURE_UNEXPLAINED, BURN_UNEXPLAINED, SUPERVISION)
