"""Injuries that guidance says need explaining: in babies who cannot yet move about."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sightline.indicators.rules.base import Hit, Param, Rule, age_words, when

_INJURIES = "('bruise', 'burn', 'scald', 'fracture', 'laceration', 'head_injury', 'bite')"


class _NotMobileInjury(Rule):
    def sql(self, p: Mapping[str, Any]) -> str:
        # Mobility as recorded wins; only when it is unknown does age stand in for it.
        return f"""
        SELECT person_id, occurred_on AS triggered_on, 'suspect' AS level,
               list(event_id) AS evidence
        FROM events
        WHERE role = 'subject' AND type = 'unscheduled_care'
          AND injury_kind IN {_INJURIES}
          AND (independently_mobile = FALSE
               OR (independently_mobile IS NULL AND age_days IS NOT NULL
                   AND age_days < {int(p["unknown_mobility_under_days"])}))
        GROUP BY person_id, occurred_on
        """

    def explain(self, hit: Hit, p: Mapping[str, Any]) -> str:
        parts = []
        for row in hit.evidence:
            kind = (row.injury_kind or "injury").replace("_", " ")
            site = f" to the {row.injury_site}" if row.injury_site else ""
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
    needs=("unscheduled_care",),
    params={
        "unknown_mobility_under_days": Param(
            183,
            "when mobility is not recorded, children younger than this (days) count as not "
            "independently mobile",
            "Sightline default of 6 months: most infants cannot crawl before then (domain notes)",
        ),
    },
)

RULES: tuple[Rule, ...] = (NOT_MOBILE_INJURY,)
