"""Health care a child needed and did not get, and care sought again and again: children
not brought to appointments, and repeated unscheduled attendances."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sightline.indicators.rules.base import (
    SETTING_WORDS,
    EvidenceRow,
    Hit,
    Param,
    Rule,
    plural,
    span_words,
    when,
)

_SERVICE_WORDS = {
    "gp": "GP",
    "health_visitor": "health visitor",
    "school_nurse": "school nurse",
    "midwifery": "midwifery",
    "paediatrics": "paediatrics",
    "dental": "dental",
    "immunisation": "immunisation",
    "audiology": "audiology",
    "ophthalmology": "ophthalmology",
    "mental_health": "mental health",
}

_PLAN_WORDS = {
    "child_in_need": "a child in need plan",
    "child_protection": "a child protection plan",
}


class _WasNotBrought(Rule):
    def sql(self, p: Mapping[str, Any]) -> str:
        window = int(p["window_days"])
        count = int(p["count"])
        # Two patterns, each one row per day it was complete:
        # - count or more appointments not brought to in the window ending that day
        #   (every appointment in the window is evidence);
        # - any one while a child in need or child protection plan was open. A plan
        #   runs from its start to the first end of the same status on or after it
        #   (open when none); the appointment on the day it ended still counts, as the
        #   plan's professionals were still responsible. Evidence: the appointment and
        #   the plan's start.
        return f"""
        WITH wnb AS (
            SELECT event_id, person_id, occurred_on
            FROM events
            WHERE role = 'subject' AND type = 'health_appointment'
              AND outcome = 'was_not_brought'
        ),
        days AS (SELECT DISTINCT person_id, occurred_on FROM wnb),
        plan_changes AS (
            SELECT event_id, person_id, occurred_on, status, change
            FROM events
            WHERE role = 'subject' AND type = 'social_care_status'
              AND status IN ('child_in_need', 'child_protection')
        ),
        plans AS (
            SELECT s.event_id, s.person_id, s.occurred_on AS start_on,
                   min(e.occurred_on) AS end_on
            FROM plan_changes AS s
            LEFT JOIN plan_changes AS e
              ON e.person_id = s.person_id AND e.status = s.status AND e.change = 'end'
             AND e.occurred_on >= s.occurred_on
            WHERE s.change = 'start'
            GROUP BY s.event_id, s.person_id, s.occurred_on
        ),
        on_plan AS (
            SELECT w.person_id, w.occurred_on, w.event_id AS appointment_id,
                   p.event_id AS plan_id
            FROM wnb AS w
            JOIN plans AS p
              ON p.person_id = w.person_id AND w.occurred_on >= p.start_on
             AND (p.end_on IS NULL OR w.occurred_on <= p.end_on)
        ),
        on_plan_ids AS (
            SELECT person_id, occurred_on, appointment_id AS event_id FROM on_plan
            UNION
            SELECT person_id, occurred_on, plan_id AS event_id FROM on_plan
        )
        SELECT d.person_id, d.occurred_on AS triggered_on, 'consider' AS level,
               list(w.event_id) AS evidence
        FROM days AS d
        JOIN wnb AS w
          ON w.person_id = d.person_id
         AND w.occurred_on BETWEEN d.occurred_on - INTERVAL {window} DAY AND d.occurred_on
        GROUP BY d.person_id, d.occurred_on
        HAVING count(*) >= {count}
        UNION ALL
        SELECT person_id, occurred_on AS triggered_on, 'consider' AS level,
               list(event_id) AS evidence
        FROM on_plan_ids
        GROUP BY person_id, occurred_on
        """

    def explain(self, hit: Hit, p: Mapping[str, Any]) -> str:
        appointments = [r for r in hit.evidence if r.type == "health_appointment"]
        plans = [r for r in hit.evidence if r.type == "social_care_status"]
        listed = ", ".join(
            f"{_SERVICE_WORDS.get(r.service or '', 'health')} ({r.agency}) on {when(r.occurred_on)}"
            for r in appointments
        )
        n = len(appointments)
        if plans:
            plan_words = " and ".join(
                f"{_PLAN_WORDS.get(r.status, 'a plan')} (started {when(r.occurred_on)})"
                for r in plans
            )
            head = f"Not brought to {plural(n, 'health appointment')} while on {plan_words}"
        else:
            window = span_words(int(p["window_days"]))
            head = f"Not brought to {plural(n, 'health appointment')} in {window}"
        return (
            f"{head}: {listed}. A child cannot take themselves to an appointment; the RCGP "
            "safeguarding toolkit asks practices to treat a child not brought as a possible "
            "sign of neglect and to follow it up."
        )


WAS_NOT_BROUGHT = _WasNotBrought(
    id="was-not-brought",
    title="Not brought to health appointments",
    level="consider",
    rationale=(
        "Children depend on their carers to take them to the GP, the health visitor, the "
        "dentist or the hospital. Recording a missed appointment as 'was not brought' rather "
        "than 'did not attend' keeps the child's dependence in view. The RCGP safeguarding "
        "toolkit and case reviews ask professionals to follow up a child not brought, and to "
        "see a pattern of missed care as possible neglect of health needs. Once a child is on "
        "a child in need or child protection plan, a single appointment not brought is worth "
        "the plan's professionals knowing about."
    ),
    source=(
        "RCGP Safeguarding Children toolkit for general practice (was not brought); "
        "local safeguarding partnership procedures"
    ),
    needs=("health_appointment", "social_care_status"),
    params={
        "count": Param(
            2,
            "appointments not brought to within the window that raise a flag",
            "domain notes: 2 or more in 12 months, as in local was-not-brought procedures",
        ),
        "window_days": Param(
            365,
            "the rolling window in days, counted back from the latest appointment",
            "12 months, as in local was-not-brought procedures (domain notes)",
        ),
    },
)


class _RepeatedUnscheduledCare(Rule):
    def sql(self, p: Mapping[str, Any]) -> str:
        window = int(p["window_days"])
        count = int(p["count"])
        # Illness is left out unless the partnership counts it: a child with asthma or
        # epilepsy attends often because they are ill, not because they are neglected.
        reasons = "" if int(p["count_illness"]) else "AND reason IN ('injury', 'ingestion')"
        # An attendance is a day: an ambulance crew that conveys a child to the
        # emergency department, or an out-of-hours GP who sends them on, makes two or
        # three records of one episode. Counting days keeps one bad night from
        # looking like a pattern; every record stays in the evidence.
        return f"""
        WITH care AS (
            SELECT event_id, person_id, occurred_on
            FROM events
            WHERE role = 'subject' AND type = 'unscheduled_care' {reasons}
        ),
        days AS (SELECT DISTINCT person_id, occurred_on FROM care)
        SELECT d.person_id, d.occurred_on AS triggered_on, 'consider' AS level,
               list(c.event_id) AS evidence
        FROM days AS d
        JOIN care AS c
          ON c.person_id = d.person_id
         AND c.occurred_on BETWEEN d.occurred_on - INTERVAL {window} DAY AND d.occurred_on
        GROUP BY d.person_id, d.occurred_on
        HAVING count(DISTINCT c.occurred_on) >= {count}
        """

    def explain(self, hit: Hit, p: Mapping[str, Any]) -> str:
        by_day: dict[dt.date, list[EvidenceRow]] = {}
        for row in hit.evidence:
            by_day.setdefault(row.occurred_on, []).append(row)
        parts = []
        for day, rows in sorted(by_day.items()):
            settings = " then ".join(
                f"{SETTING_WORDS.get(r.setting or '', 'unscheduled care')} ({r.agency})"
                for r in rows
            )
            reasons = sorted({_reason_words(r) for r in rows})
            parts.append(f"{when(day)}: {settings}, {', '.join(reasons)}")
        window = span_words(int(p["window_days"]))
        return (
            f"{plural(len(by_day), 'unscheduled care attendance')}"
            f"{'' if int(p['count_illness']) else ' for injury or ingestion'} in {window} "
            f"(records on the same day counted as one): {'; '.join(parts)}. "
            "Repeated attendances can mean a child's needs are not being met at home or that "
            "injuries keep happening; the threshold is a local one, not national guidance."
        )


def _reason_words(row: EvidenceRow) -> str:
    if row.injury_kind:
        return str(row.injury_kind).replace("_", " ")
    return str(row.reason or "reason not recorded")


REPEATED_UNSCHEDULED_CARE = _RepeatedUnscheduledCare(
    id="repeated-unscheduled-care",
    title="Repeated unscheduled care",
    level="consider",
    rationale=(
        "One trip to the emergency department says little: children fall ill and hurt "
        "themselves. Several in a year, across ambulance, out-of-hours, minor injuries and "
        "emergency departments, may each be seen by a different clinician who never sees the "
        "rest. In the AI review, ambulance and police attended repeatedly before the burn. "
        "Bringing the attendances together lets someone ask whether they share a cause. The "
        "NHS Child Protection Information Sharing service (CP-IS) tells unscheduled care "
        "settings when a child is on a plan or looked after, and attendances go back to the "
        "child's social worker; there is no national count that should raise concern, so "
        "this is a local threshold."
    ),
    source=(
        "Local practice; NHS England Child Protection Information Sharing (CP-IS); "
        "Norfolk Safeguarding Children Partnership, AI serious case review (2020)"
    ),
    needs=("unscheduled_care",),
    params={
        "count": Param(
            3,
            "separate days with unscheduled care within the window that raise a flag",
            "local threshold, not national: 3 in 12 months (domain notes)",
        ),
        "window_days": Param(
            365,
            "the rolling window in days, counted back from the latest attendance",
            "local threshold, not national: 12 months (domain notes)",
        ),
        "count_illness": Param(
            0,
            "1 to count attendances for illness too; 0 (the default) counts injuries and "
            "ingestions only",
            "Sightline default: NICE CG89's neglect features are injuries and ingestions "
            "that point to care or supervision; frequent attendance for a long-term illness "
            "such as asthma points to the illness",
        ),
    },
)

RULES: tuple[Rule, ...] = (WAS_NOT_BROUGHT, REPEATED_UNSCHEDULED_CARE)
