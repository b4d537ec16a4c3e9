"""Neglect seen across a family and over time: concerns that add up, the adults around a child.

No record here is enough alone. Case reviews keep finding the pattern was in
the records of several agencies at once, and nobody put it together: many
small concerns, concerns soon after a plan was stepped down, two of the toxic
trio at once, a man in the household nobody assessed, a sibling already of
serious concern. Housing and income problems are not read by any rule here:
poverty is not neglect.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sightline.indicators.rules.base import EvidenceRow, Hit, Param, Rule, plural, when

# Under 18 on the day: 18 years is 6574.5 days; age_days is whole days on occurred_on.
_ADULT_DAYS = 6575
# What an adult in a relation is to the child when they live with or care for them.
_HOUSEHOLD = (
    "('mother', 'father', 'parent', 'step_parent', 'carer', 'partner_of_parent', "
    "'household_member')"
)

# Every events row with whether its person was a child on the day: by age when the
# record carries a birth date, else by the person register, else by the role the
# record gives them (a named 'child', or the subject of a record that is about a child).
_PEOPLE = f"""
people AS (
    SELECT e.*, COALESCE(
        e.age_days < {_ADULT_DAYS},
        pr.is_child,
        e.role = 'child'
            OR (e.role = 'subject' AND e.type NOT IN ('adult_factor', 'police_incident'))
    ) AS is_child
    FROM events AS e
    LEFT JOIN persons AS pr ON pr.person_id = e.person_id
)"""


def _active(r: str, on: str) -> str:
    """The relation ``r`` held on the day ``on`` (open ends count as open)."""
    return (
        f"({r}.start_date IS NULL OR {r}.start_date <= {on}) "
        f"AND ({r}.end_date IS NULL OR {r}.end_date >= {on})"
    )


# Police incidents about a child: the child named as subject or victim, a child
# welfare or missing child incident, or any incident with the child present; and an
# incident at which a household adult was involved with a child present, reaching
# the children they then lived with through relations. One row per child and incident.
_POLICE_CONCERNS = f"""
SELECT person_id, event_id, occurred_on FROM people
WHERE is_child AND type = 'police_incident'
  AND (category IN ('child_welfare', 'missing_child') OR child_present = TRUE
       OR role IN ('subject', 'victim'))
UNION
SELECT r.person_id, a.event_id, a.occurred_on
FROM people AS a
JOIN relations AS r ON r.other_id = a.person_id AND r.role IN {_HOUSEHOLD}
WHERE a.type = 'police_incident' AND a.child_present = TRUE AND NOT a.is_child
  AND {_active("r", "a.occurred_on")}"""


def _what(row: EvidenceRow) -> str:
    """A record in a few words, the way a chronology names it."""
    kind = row.type
    if kind == "cause_for_concern":
        return "cause for concern" + (f" ({_words(row.category)})" if row.category else "")
    if kind == "police_incident":
        present = ", child present" if row.child_present else ""
        return "police incident" + (f" ({_words(row.category)}{present})" if row.category else "")
    if kind == "unscheduled_care":
        place = "ambulance call-out" if row.setting == "ambulance" else "unscheduled care"
        injury = f" ({_words(row.injury_kind)})" if row.injury_kind else ""
        return place + injury
    if kind == "concern_reported":
        return "concern reported to children's services" + (
            f" ({_words(row.category)})" if row.category else ""
        )
    if kind == "adult_factor":
        return _words(row.factor) + (f" ({_words(row.status)})" if row.status else "")
    return _words(kind)


def _span(days: int) -> str:
    """A window's length as people say it: 183 days is 6 months, 365 is 12."""
    return plural(days, "day") if days < 56 else plural(round(days / 30.4375), "month")


def _words(code: Any) -> str:
    return str(code).replace("_", " ")


def _dated(row: EvidenceRow) -> str:
    return f"{_what(row)} on {when(row.occurred_on)} ({row.agency})"


# -- cumulative-concerns --------------------------------------------------------------------


class _CumulativeConcerns(Rule):
    def sql(self, p: Mapping[str, Any]) -> str:
        # Each concern's day closes a window; the window holds every concern up to
        # window_days before it. Health concerns arrive as cause_for_concern with
        # setting 'health' (was-not-brought has its own rule).
        return f"""
        WITH {_PEOPLE},
        concerns AS (
            SELECT person_id, event_id, occurred_on FROM people
            WHERE is_child AND (type = 'cause_for_concern'
                                OR (type = 'unscheduled_care' AND setting = 'ambulance'))
            UNION
            {_POLICE_CONCERNS}
        ),
        moments AS (SELECT DISTINCT person_id, occurred_on FROM concerns)
        SELECT m.person_id, m.occurred_on AS triggered_on, 'consider' AS level,
               list(c.event_id) AS evidence
        FROM moments AS m
        JOIN concerns AS c ON c.person_id = m.person_id
          AND date_diff('day', c.occurred_on, m.occurred_on) BETWEEN 0 AND {int(p["window_days"])}
        GROUP BY m.person_id, m.occurred_on
        HAVING count(*) >= {int(p["concerns"])}
        """

    def explain(self, hit: Hit, p: Mapping[str, Any]) -> str:
        rows = list(hit.evidence)
        by_agency: dict[str, list[EvidenceRow]] = {}
        for row in rows:
            by_agency.setdefault(str(row.agency), []).append(row)
        parts = [
            f"{agency}: " + ", ".join(f"{_what(r)} on {when(r.occurred_on)}" for r in agency_rows)
            for agency, agency_rows in by_agency.items()
        ]
        return (
            f"{plural(len(rows), 'concern')} from {plural(len(by_agency), 'agency', 'agencies')} "
            f"in {_span(int(p['window_days']))}, to {when(hit.triggered_on)}: "
            + "; ".join(parts)
            + ". Each may be low-level alone; together they can show neglect, and case "
            "reviews found such concerns logged where nobody saw them all."
        )


CUMULATIVE_CONCERNS = _CumulativeConcerns(
    id="cumulative-concerns",
    title="Low-level concerns adding up across agencies",
    level="consider",
    rationale=(
        "Neglect is usually cumulative: many concerns, each below the level at which "
        "anyone acts, held by different agencies. In the AI review her early years "
        "setting logged 19 cause-for-concern forms while police and ambulance attended "
        "repeatedly. This counts causes for concern, police incidents about the child and "
        "ambulance call-outs together, whether or not the child is on a plan: when there "
        "is a plan, the allocated worker should see them."
    ),
    source=(
        "NSPCC, Neglect: learning from case reviews (2022); Norfolk Safeguarding Children "
        "Partnership, serious case review AI (2020)"
    ),
    needs=("cause_for_concern", "police_incident", "unscheduled_care", "relations"),
    params={
        "concerns": Param(
            5,
            "this many concerns or more within the window raise the flag",
            "Sightline default (domain notes): 5 in 6 months",
        ),
        "window_days": Param(
            183,
            "the most days between the first and last concern counted together",
            "Sightline default (domain notes): 6 months",
        ),
    },
)


# -- concern-after-step-down ----------------------------------------------------------------


class _ConcernAfterStepDown(Rule):
    def sql(self, p: Mapping[str, Any]) -> str:
        # A plan "ending" is a child protection or child in need plan's end; it is a
        # step-down when lower-level support (child in need or early help after child
        # protection, early help after child in need) starts within step_down_days, and
        # the evidence then shows that start too. Either way a new concern within
        # within_days counts, unless the child was stepped up again first (a new child
        # protection plan, or looked after) on or after the end.
        within, gap = int(p["within_days"]), int(p["step_down_days"])
        return f"""
        WITH {_PEOPLE},
        ends AS (
            SELECT person_id, event_id, occurred_on, status FROM events
            WHERE type = 'social_care_status' AND role = 'subject' AND change = 'end'
              AND status IN ('child_protection', 'child_in_need')
        ),
        concerns AS (
            SELECT person_id, event_id, occurred_on FROM people
            WHERE is_child AND (
                type IN ('concern_reported', 'cause_for_concern')
                OR (type = 'unscheduled_care'
                    AND (reason = 'injury' OR injury_kind IS NOT NULL)))
            UNION
            {_POLICE_CONCERNS}
        ),
        pairs AS (
            SELECT c.person_id, c.occurred_on AS triggered_on, c.event_id AS concern_id,
                   e.event_id AS end_id, e.occurred_on AS ended_on, e.status
            FROM concerns AS c
            JOIN ends AS e ON e.person_id = c.person_id
              AND date_diff('day', e.occurred_on, c.occurred_on) BETWEEN 0 AND {within}
            WHERE c.event_id <> e.event_id AND NOT EXISTS (
                SELECT 1 FROM events AS u
                WHERE u.person_id = c.person_id AND u.type = 'social_care_status'
                  AND u.change = 'start' AND u.status IN ('child_protection', 'looked_after')
                  AND u.occurred_on >= e.occurred_on AND u.occurred_on <= c.occurred_on)
        ),
        ids AS (
            SELECT person_id, triggered_on, concern_id AS event_id FROM pairs
            UNION
            SELECT person_id, triggered_on, end_id FROM pairs
            UNION
            SELECT q.person_id, q.triggered_on, s.event_id
            FROM pairs AS q
            JOIN events AS s ON s.person_id = q.person_id AND s.type = 'social_care_status'
              AND s.change = 'start'
              AND ((q.status = 'child_protection' AND s.status IN ('child_in_need', 'early_help'))
                   OR (q.status = 'child_in_need' AND s.status = 'early_help'))
              AND date_diff('day', q.ended_on, s.occurred_on) BETWEEN 0 AND {gap}
        )
        SELECT person_id, triggered_on, 'consider' AS level, list(event_id) AS evidence
        FROM ids
        GROUP BY person_id, triggered_on
        """

    def explain(self, hit: Hit, p: Mapping[str, Any]) -> str:
        status = [r for r in hit.evidence if r.type == "social_care_status"]
        ends = [r for r in status if r.change == "end"]
        starts = [r for r in status if r.change == "start"]
        concerns = [r for r in hit.evidence if r.type != "social_care_status"]
        parts = []
        for end in ends:
            lower = [s for s in starts if s.occurred_on >= end.occurred_on]
            text = f"The {_words(end.status)} plan ended on {when(end.occurred_on)}"
            if lower:
                text += (
                    f" and {_words(lower[0].status)} support started on "
                    f"{when(lower[0].occurred_on)}: a step-down"
                )
            else:
                text += " with no lower-level support recorded as starting"
            parts.append(text)
        last_end = max(e.occurred_on for e in ends) if ends else hit.triggered_on
        days = (hit.triggered_on - last_end).days
        return (
            "; ".join(parts)
            + f". {plural(days, 'day')} later: "
            + "; ".join(_dated(c) for c in concerns)
            + ". In both the AG and AI reviews harm followed soon after involvement was "
            "lowered: a new concern now is a reason to look again at that decision."
        )


CONCERN_AFTER_STEP_DOWN = _ConcernAfterStepDown(
    id="concern-after-step-down",
    title="A new concern soon after a plan ended or stepped down",
    level="consider",
    rationale=(
        "AG's neglect was found by a medical held shortly after the level of intervention "
        "was lowered; AI was badly burned two days after children's services lowered their "
        "involvement, having moved from a child protection plan to a child in need plan. "
        "A concern in the months after a plan ends or steps down tests whether the "
        "change held."
    ),
    source=(
        "Norfolk Safeguarding Children Partnership, serious case reviews AG and AI (2020); "
        "Brandon et al., triennial analyses (step-down followed by harm)"
    ),
    needs=(
        "social_care_status",
        "concern_reported",
        "cause_for_concern",
        "police_incident",
        "unscheduled_care",
        "relations",
    ),
    params={
        "within_days": Param(
            90,
            "a concern this many days or fewer after a plan ends counts",
            "Sightline default (domain notes): 90 days",
        ),
        "step_down_days": Param(
            14,
            "lower-level support starting this many days or fewer after a plan ends makes "
            "the end a step-down (said in the explanation; the flag is raised either way)",
            "Sightline default: a step-down is usually recorded the same day or soon after",
        ),
    },
)


# -- toxic-trio -----------------------------------------------------------------------------

_FACTOR_GROUP = """CASE
    WHEN factor IN ('domestic_abuse_victim', 'domestic_abuse_perpetrator') THEN 'domestic_abuse'
    WHEN factor IN ('substance_misuse', 'alcohol_misuse') THEN 'substance'
    ELSE 'mental_health' END"""


class _ToxicTrio(Rule):
    def sql(self, p: Mapping[str, Any]) -> str:
        # A factor record reaches a child two ways, either or both: the record names the
        # child (adult_factor with the child in related as 'child'; a domestic abuse
        # incident naming the child, present), or its adult lives with the child
        # (relations). A record counts from its day for window_days, or until an
        # adult_factor 'ended' for the same adult and factor; a named adult stops
        # counting once a relation records them leaving. Moments are the days of
        # records and of household relations starting; evidence is each record live then.
        window = int(p["window_days"])
        return f"""
        WITH {_PEOPLE},
        adult_records AS (
            SELECT event_id, person_id AS adult_id, occurred_on, factor,
                   {_FACTOR_GROUP} AS grp
            FROM events
            WHERE type = 'adult_factor' AND role = 'subject'
              AND factor IN ('domestic_abuse_victim', 'domestic_abuse_perpetrator',
                             'substance_misuse', 'alcohol_misuse', 'mental_health')
              AND (status IS NULL OR status <> 'ended')
        ),
        factors AS (
            SELECT c.person_id AS child_id, a.adult_id, TRUE AS named, a.grp, a.factor,
                   a.event_id, a.occurred_on
            FROM adult_records AS a
            JOIN events AS c ON c.event_id = a.event_id AND c.role = 'child'
            UNION
            SELECT r.person_id, a.adult_id, FALSE, a.grp, a.factor, a.event_id, a.occurred_on
            FROM adult_records AS a
            JOIN relations AS r ON r.other_id = a.adult_id AND r.role IN {_HOUSEHOLD}
            UNION
            SELECT person_id, CAST(NULL AS BIGINT), TRUE, 'domestic_abuse', 'incident',
                   event_id, occurred_on
            FROM people
            WHERE is_child AND type = 'police_incident' AND category = 'domestic_abuse'
              AND child_present = TRUE
            UNION
            SELECT r.person_id, a.person_id, FALSE, 'domestic_abuse', 'incident',
                   a.event_id, a.occurred_on
            FROM people AS a
            JOIN relations AS r ON r.other_id = a.person_id AND r.role IN {_HOUSEHOLD}
            WHERE a.type = 'police_incident' AND a.category = 'domestic_abuse'
              AND a.child_present = TRUE AND NOT a.is_child
        ),
        moments AS (
            SELECT child_id, occurred_on AS t FROM factors
            UNION
            SELECT person_id, start_date FROM relations
            WHERE role IN {_HOUSEHOLD} AND start_date IS NOT NULL
        ),
        live AS (
            SELECT DISTINCT m.child_id, m.t, f.event_id, f.grp
            FROM moments AS m
            JOIN factors AS f ON f.child_id = m.child_id
              AND date_diff('day', f.occurred_on, m.t) BETWEEN 0 AND {window}
            WHERE NOT EXISTS (
                SELECT 1 FROM events AS z
                WHERE z.type = 'adult_factor' AND z.role = 'subject' AND z.status = 'ended'
                  AND z.person_id = f.adult_id AND z.factor = f.factor
                  AND z.occurred_on >= f.occurred_on AND z.occurred_on <= m.t)
              AND (f.adult_id IS NULL
                   OR EXISTS (
                       SELECT 1 FROM relations AS r
                       WHERE r.person_id = f.child_id AND r.other_id = f.adult_id
                         AND r.role IN {_HOUSEHOLD} AND {_active("r", "m.t")})
                   OR (f.named AND NOT EXISTS (
                       SELECT 1 FROM relations AS r
                       WHERE r.person_id = f.child_id AND r.other_id = f.adult_id
                         AND r.end_date < m.t)))
        ),
        complete AS (
            SELECT child_id, t FROM live GROUP BY child_id, t HAVING count(DISTINCT grp) >= 2
        ),
        ids AS (
            SELECT DISTINCT l.child_id, l.t, l.event_id
            FROM live AS l JOIN complete AS k ON k.child_id = l.child_id AND k.t = l.t
        )
        SELECT child_id AS person_id, t AS triggered_on, 'consider' AS level,
               list(event_id) AS evidence
        FROM ids
        GROUP BY child_id, t
        """

    def explain(self, hit: Hit, p: Mapping[str, Any]) -> str:
        groups: dict[str, list[str]] = {}
        for row in hit.evidence:
            if row.type == "police_incident":
                group = "domestic abuse"
                what = "police domestic abuse incident with the child present on " + when(
                    row.occurred_on
                )
            else:
                factor = str(row.factor)
                group = (
                    "domestic abuse"
                    if factor.startswith("domestic_abuse")
                    else "parental mental health"
                    if factor == "mental_health"
                    else "parental substance or alcohol misuse"
                )
                status = f", {_words(row.status)}" if row.status else ""
                what = f"{_words(factor)} recorded on {when(row.occurred_on)}{status}"
            who = f" (person {row.person_id})" if row.person_id != hit.person_id else ""
            groups.setdefault(group, []).append(f"{what}{who} by {row.agency}")
        parts = [f"{group}: " + "; ".join(items) for group, items in groups.items()]
        return (
            f"On {when(hit.triggered_on)} {len(groups)} of the three factors "
            "together called the toxic trio were present among the adults caring for the child "
            "at the same time. "
            + ". ".join(s[0].upper() + s[1:] for s in parts)
            + ". Pathways to harm found domestic abuse, parental mental health problems and "
            "substance misuse together in many serious case reviews; each raises the risk "
            "of the others' harm."
        )


TOXIC_TRIO = _ToxicTrio(
    id="toxic-trio",
    title="Two or more of the toxic trio among the adults caring for the child",
    level="consider",
    rationale=(
        "Domestic abuse, parental mental ill health and parental substance or alcohol "
        "misuse often occur together in the families of children who die or are seriously "
        "harmed, and are usually known to different services: police, adult mental health, "
        "drug and alcohol services. Two at once among the adults a child lives with is "
        "a reason to bring those services' knowledge together."
    ),
    source=(
        "Sidebotham et al., Pathways to harm, pathways to protection: a triennial analysis "
        "of serious case reviews 2011 to 2014 (DfE 2016)"
    ),
    needs=("adult_factor", "police_incident", "relations"),
    params={
        "window_days": Param(
            365,
            "a factor still counts this many days after its last record, unless a record "
            "says it ended",
            "Sightline default: a year without a record is taken as no longer current",
        ),
    },
)


# -- new-adult-unassessed -------------------------------------------------------------------


class _NewAdultUnassessed(Rule):
    def sql(self, p: Mapping[str, Any]) -> str:
        # An adult joins: a household_change 'joined' naming them with the child, or a
        # relation as partner of a parent, step-parent or household member starting.
        # Joins of the same adult within the window are one joining. Assessed means a
        # children's social care record naming the adult, on or after the joining and
        # within the window: a social_care_status record, or a note whose category says
        # assessment. The pattern is complete the day the window closes unassessed, and
        # only once the records reach that day (the latest day a record was received).
        # The evidence is the joining and every record naming both in the window; a
        # relation with no such record cannot be explained, so raises nothing.
        w = int(p["within_days"])
        known = int(p["involvement_within_days"])
        return f"""
        WITH {_PEOPLE},
        joins AS (
            SELECT c.person_id AS child_id, a.person_id AS adult_id, a.occurred_on AS joined_on
            FROM people AS a
            JOIN people AS c ON c.event_id = a.event_id AND c.person_id <> a.person_id
              AND c.role IN ('subject', 'child') AND c.is_child
            WHERE a.type = 'household_change' AND a.change = 'joined'
              AND a.role NOT IN ('subject', 'child') AND NOT a.is_child
              AND (a.member_role IS NULL
                   OR a.member_role NOT IN ('sibling', 'half_sibling', 'child'))
            UNION
            SELECT r.person_id, r.other_id, r.start_date
            FROM relations AS r
            LEFT JOIN persons AS pa ON pa.person_id = r.other_id
            WHERE r.role IN ('partner_of_parent', 'household_member', 'step_parent')
              AND r.start_date IS NOT NULL AND (pa.is_child IS NULL OR NOT pa.is_child)
              AND NOT EXISTS (SELECT 1 FROM relations AS k WHERE k.person_id = r.other_id)
        ),
        firsts AS (
            SELECT j.child_id, j.adult_id, j.joined_on,
                   CAST(j.joined_on + INTERVAL {w} DAY AS DATE) AS due_on
            FROM joins AS j
            WHERE NOT EXISTS (
                SELECT 1 FROM joins AS k
                WHERE k.child_id = j.child_id AND k.adult_id = j.adult_id
                  AND k.joined_on < j.joined_on
                  AND date_diff('day', k.joined_on, j.joined_on) <= {w})
        ),
        due AS (
            SELECT f.* FROM firsts AS f
            WHERE f.due_on <= (SELECT max(received_on) FROM events)
              AND EXISTS (
                SELECT 1 FROM events AS k
                WHERE k.person_id = f.child_id
                  AND k.type IN ('social_care_status', 'concern_reported')
                  AND k.occurred_on BETWEEN f.joined_on - INTERVAL {known} DAY AND f.due_on)
              AND NOT EXISTS (
                SELECT 1 FROM events AS s
                WHERE s.person_id = f.adult_id
                  AND (s.type = 'social_care_status'
                       OR (s.type = 'note' AND lower(s.category) LIKE '%assessment%'))
                  AND date_diff('day', f.joined_on, s.occurred_on) BETWEEN 0 AND {w})
        ),
        ids AS (
            SELECT DISTINCT d.child_id, d.due_on, c.event_id
            FROM due AS d
            JOIN events AS c ON c.person_id = d.child_id
            JOIN events AS a ON a.event_id = c.event_id AND a.person_id = d.adult_id
            WHERE date_diff('day', d.joined_on, c.occurred_on) BETWEEN 0 AND {w}
        ),
        known AS (
            SELECT f.child_id, f.adult_id, f.joined_on, h.event_id
            FROM firsts AS f
            JOIN events AS h ON h.person_id = f.adult_id AND h.occurred_on < f.joined_on
            WHERE (h.type = 'police_incident' AND h.role = 'perpetrator'
                   AND h.category IN ('domestic_abuse', 'violence'))
               OR (h.type = 'adult_factor' AND h.role = 'subject'
                   AND h.factor = 'domestic_abuse_perpetrator')
        ),
        known_ids AS (
            SELECT child_id, joined_on, event_id FROM known
            UNION
            SELECT DISTINCT k.child_id, k.joined_on, c.event_id
            FROM known AS k
            JOIN events AS c ON c.person_id = k.child_id AND c.occurred_on = k.joined_on
            JOIN events AS a ON a.event_id = c.event_id AND a.person_id = k.adult_id
        )
        SELECT child_id AS person_id, due_on AS triggered_on, 'consider' AS level,
               list(event_id) AS evidence
        FROM ids
        GROUP BY child_id, due_on
        UNION ALL
        SELECT child_id AS person_id, joined_on AS triggered_on, 'consider' AS level,
               list(event_id) AS evidence
        FROM known_ids
        GROUP BY child_id, joined_on
        """

    def explain(self, hit: Hit, p: Mapping[str, Any]) -> str:
        w = int(p["within_days"])
        joins = [r for r in hit.evidence if r.type == "household_change" and r.change == "joined"]
        # Records of violence dated before the joining are the adult's history (the
        # records about the joining itself come on or after it).
        joined_on = (
            min(r.occurred_on for r in joins) if joins else hit.triggered_on - dt.timedelta(days=w)
        )
        history = [
            r
            for r in hit.evidence
            if r.occurred_on < joined_on
            and (
                (r.type == "police_incident" and r.category in ("domestic_abuse", "violence"))
                or (r.type == "adult_factor" and r.factor == "domestic_abuse_perpetrator")
            )
        ]
        if history:
            # Known to police for violence before they moved in: the panel's warning,
            # worth a look on the day they join rather than weeks later.
            joined = (
                f"An adult joined the household on {when(joins[0].occurred_on)} ({joins[0].agency})"
                if joins
                else f"An adult became part of the household on {when(hit.triggered_on)}"
            )
            past = "; ".join(_dated(r) for r in history[:5])
            more = f" and {plural(len(history) - 5, 'more')}" if len(history) > 5 else ""
            return (
                f"{joined}. Before then the records name them as responsible for domestic "
                f"abuse or violence: {past}{more}. The national panel found men with such "
                "histories living with children unknown to the professionals: who they are "
                "and what risk they pose should be asked now."
            )
        joined_on = hit.triggered_on - dt.timedelta(days=w)
        joins = [r for r in hit.evidence if r.type == "household_change" and r.change == "joined"]
        if joins:
            row = joins[0]
            as_role = f" as {_words(row.member_role)}" if row.member_role else ""
            start = (
                f"An adult joined the household{as_role} on {when(row.occurred_on)} ({row.agency})"
            )
        else:
            start = f"An adult became part of the household on {when(joined_on)}"
        others = [r for r in hit.evidence if r not in joins]
        named = (
            "; named with the child in: " + "; ".join(_dated(r) for r in others) if others else ""
        )
        return (
            f"{start}{named}. By {when(hit.triggered_on)}, {plural(w, 'day')} later, no "
            "assessment of them by children's social care is recorded. The national panel "
            "found men in children's lives repeatedly unknown to the professionals: "
            "who they are and what risk they pose should be asked."
        )


NEW_ADULT_UNASSESSED = _NewAdultUnassessed(
    id="new-adult-unassessed",
    title="A new adult in the household not assessed",
    level="consider",
    rationale=(
        "The national panel found that fathers, stepfathers and mothers' partners were "
        "often invisible to the professionals around a child: not seen, not asked about, "
        "not assessed, though they were caring for the child and some posed a risk. An "
        "adult joining the household is worth a look at once when the records already name "
        "them as responsible for domestic abuse or violence; and, where children's social "
        "care is involved with the child, an adult who joins with no record of them being "
        "assessed within weeks is a gap to close. Where no service is involved, a new "
        "partner without such a history is ordinary family life and raises nothing."
    ),
    source=(
        "Child Safeguarding Practice Review Panel, The myth of invisible men: safeguarding "
        "children under 1 from non-accidental injury caused by male carers (2021)"
    ),
    needs=(
        "household_change",
        "social_care_status",
        "concern_reported",
        "note",
        "police_incident",
        "adult_factor",
        "relations",
        # An assessment is due only once the records run past its window: the
        # newest receipt date of any record says how far they run.
        "latest_received",
        # The evidence is every record naming the child and the adult, of any type:
        # records naming more than one person (not every record, which re-ran the
        # rule, 15 ms of a child's re-evaluation, after each record about the child alone).
        "shared_records",
    ),
    params={
        "within_days": Param(
            42,
            "an assessment recorded this many days or fewer after the adult joins counts",
            "Sightline default: 6 weeks, about the 45 working days a child and family "
            "assessment may take (Working Together)",
        ),
        "involvement_within_days": Param(
            365,
            "the no-assessment check applies when children's social care had a plan or a "
            "contact about the child this many days before the adult joined, or since",
            "Sightline default of 12 months: an assessment of a new adult is expected where "
            "children's social care is involved, which is where the panel found them missing",
        ),
    },
)


# -- sibling-signal -------------------------------------------------------------------------


class _SiblingSignal(Rule):
    def sql(self, p: Mapping[str, Any]) -> str:
        # Brothers and sisters: relations as sibling or half-sibling (either way round),
        # a household member on the flag's day, or two children with the same mother,
        # father or parent. A child is someone the register says is one, or who has
        # relations of their own (relations are kept for children only).
        return f"""
        WITH kids AS (
            SELECT person_id FROM persons WHERE is_child
            UNION
            SELECT person_id FROM relations
        ),
        pairs AS (
            SELECT person_id AS child_id, other_id AS sibling_id, role, start_date, end_date
            FROM relations WHERE role IN ('sibling', 'half_sibling', 'household_member')
            UNION
            SELECT other_id, person_id, role, start_date, end_date
            FROM relations WHERE role IN ('sibling', 'half_sibling', 'household_member')
            UNION
            SELECT a.person_id, b.person_id, 'sibling', CAST(NULL AS DATE), CAST(NULL AS DATE)
            FROM relations AS a
            JOIN relations AS b ON b.other_id = a.other_id AND b.person_id <> a.person_id
            WHERE a.role IN ('mother', 'father', 'parent')
              AND b.role IN ('mother', 'father', 'parent')
        ),
        signals AS (
            SELECT DISTINCT q.child_id, f.person_id AS sibling_id, f.rule_id, f.triggered_on,
                   f.evidence
            FROM pairs AS q
            JOIN kids AS k1 ON k1.person_id = q.child_id
            JOIN kids AS k2 ON k2.person_id = q.sibling_id
            JOIN prior_flags AS f ON f.person_id = q.sibling_id
            WHERE f.level = 'suspect' AND f.rule_id <> 'sibling-signal'
              AND array_length(f.evidence) > 0 AND q.child_id <> q.sibling_id
              AND (q.role <> 'household_member' OR ({_active("q", "f.triggered_on")}))
        )
        SELECT child_id AS person_id, triggered_on, 'consider' AS level,
               list_distinct(flatten(list(evidence))) AS evidence
        FROM signals
        GROUP BY child_id, triggered_on
        """

    def explain(self, hit: Hit, p: Mapping[str, Any]) -> str:
        flags = [f for f in hit.related if f.get("level") == "suspect"]
        if flags:
            parts = []
            for f in flags:
                who = {"male": "A brother", "female": "A sister"}.get(
                    f.get("sex") or "", "A brother or sister"
                )
                named = f" ({f['public_id']})" if f.get("public_id") else ""
                parts.append(
                    f"{who}{named} has a suspect flag, {str(f['title']).lower()}, raised on "
                    f"{when(f['triggered_on'])}"
                )
            head = "; ".join(parts)
        else:
            head = f"A brother or sister has a suspect flag raised on {when(hit.triggered_on)}"
        return (
            f"{head}, on the evidence of: "
            + "; ".join(_dated(r) for r in hit.evidence)
            + ". A serious concern about one child in a family is a reason to consider the "
            "others: in the AG review, what was known about his siblings was held by "
            "different agencies."
        )


SIBLING_SIGNAL = _SiblingSignal(
    id="sibling-signal",
    title="A brother or sister has a suspect flag",
    level="consider",
    rationale=(
        "Neglect is rarely confined to one child in a family. When one child has a flag "
        "at the suspect level, the other children in the family or household should be "
        "considered too; the Norfolk partnership committed to looking at wider family "
        "networks after the AG and AI reviews."
    ),
    source=(
        "Norfolk Safeguarding Children Partnership, serious case reviews AG and AI (2020); "
        "case review learning (domain notes)"
    ),
    needs=("relations", "prior_flags"),
    second_pass=True,
)

RULES: tuple[Rule, ...] = (
    CUMULATIVE_CONCERNS,
    CONCERN_AFTER_STEP_DOWN,
    TOXIC_TRIO,
    NEW_ADULT_UNASSESSED,
    SIBLING_SIGNAL,
)
