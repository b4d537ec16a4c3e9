"""A small structural check of feed v1 records, written from shared/spec/feed-v1.md.

Independent of sightline.feeds on purpose: the generator is tested against the
spec itself, so a mistake shared by both sides cannot hide.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

AGENCY = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)$")

ROLES = {
    "mother",
    "father",
    "parent",
    "step_parent",
    "carer",
    "partner_of_parent",
    "sibling",
    "half_sibling",
    "grandparent",
    "other_relative",
    "household_member",
    "victim",
    "perpetrator",
    "witness",
    "child",
    "other",
}
SERVICES = {
    "gp",
    "health_visitor",
    "school_nurse",
    "midwifery",
    "paediatrics",
    "dental",
    "immunisation",
    "audiology",
    "ophthalmology",
    "mental_health",
    "other",
}
OUTCOMES = {
    "attended",
    "was_not_brought",
    "did_not_attend",
    "cancelled_by_family",
    "cancelled_by_service",
    "no_access",
}
SETTINGS = {"emergency_department", "minor_injuries", "urgent_care", "out_of_hours", "ambulance"}
REASONS = {"injury", "illness", "ingestion", "other"}
INJURIES = {"fracture", "burn", "scald", "bruise", "laceration", "head_injury", "bite", "other"}
EXPLANATIONS = {"consistent", "inconsistent", "absent", "unknown"}
CP_OUTCOMES = {"concerns_confirmed", "no_concerns", "inconclusive"}
CFC_SETTINGS = {"school", "early_years", "health", "other"}
CFC_CATEGORIES = {
    "hunger",
    "hygiene",
    "clothing",
    "injury",
    "supervision",
    "behaviour",
    "disclosure",
    "attendance",
    "other",
}
POLICE = {
    "domestic_abuse",
    "child_welfare",
    "missing_child",
    "drugs",
    "violence",
    "antisocial_behaviour",
    "other",
}
RISKS = {"standard", "medium", "high"}
FACTORS = {
    "domestic_abuse_victim",
    "domestic_abuse_perpetrator",
    "substance_misuse",
    "alcohol_misuse",
    "mental_health",
    "learning_disability",
}
STATUSES = {"identified", "in_treatment", "disengaged", "ended"}
HOUSING = {"poor_conditions", "overcrowding", "eviction_notice", "homeless", "hoarding", "other"}
REPORTERS = {"public", "professional", "family", "anonymous", "self"}
CONCERNS = {"neglect", "physical", "emotional", "sexual", "domestic_abuse", "other"}
CARE = {"early_help", "child_in_need", "child_protection", "looked_after"}
CARE_CATEGORIES = {"neglect", "physical", "emotional", "sexual", "multiple"}
TYPES = {
    "birth",
    "growth_measurement",
    "health_appointment",
    "unscheduled_care",
    "child_protection_medical",
    "school_attendance",
    "school_exclusion",
    "cause_for_concern",
    "police_incident",
    "adult_factor",
    "housing",
    "household_change",
    "concern_reported",
    "social_care_status",
    "note",
}
ENVELOPE = {
    "agency",
    "record_id",
    "record_version",
    "type",
    "occurred_at",
    "recorded_at",
    "subject",
    "related",
    "details",
    "summary",
    "sensitivity",
}
PERSON = {
    "local_id",
    "nhs_number",
    "upn",
    "given_name",
    "family_name",
    "other_names",
    "date_of_birth",
    "expected_date_of_birth",
    "sex",
    "postcode",
    "address",
}


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def _is_date(value: Any) -> bool:
    if not isinstance(value, str) or not DATE.match(value):
        return False
    dt.date.fromisoformat(value)
    return True


def _is_datetime(value: Any) -> bool:
    if not isinstance(value, str) or not DATETIME.match(value):
        return False
    return dt.datetime.fromisoformat(value).tzinfo is not None


def person_problems(p: Any, where: str) -> list[str]:
    if not isinstance(p, dict):
        return [f"{where}: not an object"]
    out = [f"{where}.{k}: not in the spec" for k in p if k not in PERSON]
    lid = p.get("local_id")
    if not isinstance(lid, str) or not 1 <= len(lid) <= 128:
        out.append(f"{where}.local_id: missing or wrong length")
    if not (p.get("given_name") or p.get("family_name") or p.get("nhs_number") or p.get("upn")):
        out.append(f"{where}: needs a name, NHS number or UPN")
    nhs = p.get("nhs_number")
    if nhs is not None and (
        not isinstance(nhs, str)
        or not re.fullmatch(r"[0-9 ]+", nhs)
        or len(nhs.replace(" ", "")) != 10
    ):
        out.append(f"{where}.nhs_number: not 10 digits")
    if "upn" in p and (not isinstance(p["upn"], str) or len(p["upn"]) != 13):
        out.append(f"{where}.upn: not 13 characters")
    for key in ("date_of_birth", "expected_date_of_birth"):
        if key in p and not _is_date(p[key]):
            out.append(f"{where}.{key}: not an ISO date")
    if "sex" in p and p["sex"] not in ("female", "male", "unknown"):
        out.append(f"{where}.sex: {p['sex']!r}")
    if "other_names" in p and not (
        isinstance(p["other_names"], list) and all(isinstance(n, str) for n in p["other_names"])
    ):
        out.append(f"{where}.other_names: not a list of strings")
    for key in ("given_name", "family_name", "postcode", "address"):
        if key in p and not isinstance(p[key], str):
            out.append(f"{where}.{key}: not a string")
    return out


def _details_problems(rtype: str, d: dict[str, Any]) -> list[str]:
    bad: list[str] = []

    def need(key: str, ok: bool) -> None:
        if not ok:
            bad.append(f"details.{key}: {d.get(key)!r}")

    if rtype == "birth":
        need("birth_weight_kg", _number(d.get("birth_weight_kg")))
        need("gestation_weeks", isinstance(d.get("gestation_weeks"), int))
    elif rtype == "growth_measurement":
        present = [k for k in ("weight_kg", "height_cm", "head_circumference_cm") if k in d]
        if not present:
            bad.append("details: no measurement")
        for k in present:
            need(k, _number(d[k]))
    elif rtype == "health_appointment":
        need("service", d.get("service") in SERVICES)
        need("outcome", d.get("outcome") in OUTCOMES)
    elif rtype == "unscheduled_care":
        need("setting", d.get("setting") in SETTINGS)
        need("reason", d.get("reason") in REASONS)
        if "injury" in d:
            inj = d["injury"]
            need(
                "injury",
                isinstance(inj, dict)
                and inj.get("kind") in INJURIES
                and inj.get("explanation", "unknown") in EXPLANATIONS,
            )
        for k in ("independently_mobile", "admitted"):
            if k in d:
                need(k, isinstance(d[k], bool))
    elif rtype == "child_protection_medical":
        need("outcome", d.get("outcome") in CP_OUTCOMES)
        if "findings" in d:
            need("findings", isinstance(d["findings"], list))
    elif rtype == "school_attendance":
        need("period_start", _is_date(d.get("period_start")))
        need("period_end", _is_date(d.get("period_end")))
        need("sessions_possible", isinstance(d.get("sessions_possible"), int))
        need(
            "sessions_attended",
            isinstance(d.get("sessions_attended"), int)
            and 0 <= d["sessions_attended"] <= d.get("sessions_possible", -1),
        )
        if "unauthorised_absence_sessions" in d:
            need(
                "unauthorised_absence_sessions", isinstance(d["unauthorised_absence_sessions"], int)
            )
    elif rtype == "school_exclusion":
        need("kind", d.get("kind") in ("suspension", "permanent"))
    elif rtype == "cause_for_concern":
        need("setting", d.get("setting") in CFC_SETTINGS)
        need("category", d.get("category") in CFC_CATEGORIES)
    elif rtype == "police_incident":
        need("category", d.get("category") in POLICE)
        if "risk" in d:
            need("risk", d["risk"] in RISKS)
        if "child_present" in d:
            need("child_present", isinstance(d["child_present"], bool))
    elif rtype == "adult_factor":
        need("factor", d.get("factor") in FACTORS)
        need("status", d.get("status") in STATUSES)
    elif rtype == "housing":
        need("issue", d.get("issue") in HOUSING)
    elif rtype == "household_change":
        need("change", d.get("change") in ("joined", "left"))
        need("member_role", d.get("member_role") in ROLES)
    elif rtype == "concern_reported":
        need("reporter", d.get("reporter") in REPORTERS)
        need("category", d.get("category") in CONCERNS)
    elif rtype == "social_care_status":
        need("status", d.get("status") in CARE)
        need("change", d.get("change") in ("start", "end"))
        if "category" in d:
            need("category", d["category"] in CARE_CATEGORIES)
    return bad


def problems(rec: Any) -> list[str]:
    """Every way a decoded line breaks feed v1; empty when it is valid."""
    if not isinstance(rec, dict):
        return ["not an object"]
    out = [f"{k}: not in the spec" for k in rec if k not in ENVELOPE]
    if not isinstance(rec.get("agency"), str) or not AGENCY.match(rec["agency"]):
        out.append(f"agency: {rec.get('agency')!r}")
    rid = rec.get("record_id")
    if not isinstance(rid, str) or not 1 <= len(rid) <= 128:
        out.append("record_id")
    if "record_version" in rec and not (
        isinstance(rec["record_version"], int) and rec["record_version"] >= 1
    ):
        out.append("record_version")
    rtype = rec.get("type")
    if rtype not in TYPES:
        out.append(f"type: {rtype!r}")
    occurred = rec.get("occurred_at")
    if not (_is_date(occurred) or _is_datetime(occurred)):
        out.append(f"occurred_at: {occurred!r}")
    if "recorded_at" in rec and not _is_datetime(rec["recorded_at"]):
        out.append(f"recorded_at: {rec['recorded_at']!r}")
    out += person_problems(rec.get("subject"), "subject")
    for i, rel in enumerate(rec.get("related", [])):
        if not isinstance(rel, dict) or rel.get("role") not in ROLES:
            out.append(f"related[{i}].role")
            continue
        out += person_problems(rel.get("person"), f"related[{i}].person")
    if "summary" in rec and not (isinstance(rec["summary"], str) and len(rec["summary"]) <= 20_000):
        out.append("summary")
    if rec.get("sensitivity", "normal") not in ("normal", "restricted"):
        out.append("sensitivity")
    details = rec.get("details")
    if rtype != "note" or details is not None:
        if not isinstance(details, dict):
            out.append("details: missing")
        elif rtype in TYPES:
            out += _details_problems(rtype, details)
    return out
