"""One function per kind of event, each writing the records agencies would make of it.

Ordinary lives (health.py, community.py) and harm trajectories (trajectories.py)
share these, so a warning sign in a harmed child's history looks exactly like
the same event in an ordinary child's: only the pattern differs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sightline.synth import agencies as ag
from sightline.synth import text
from sightline.synth.agencies import Agency
from sightline.synth.model import Person
from sightline.synth.records import Emitter
from sightline.synth.timeline import age_days, reception_year, school_terms

SITES = {
    "fracture": (
        "left wrist",
        "right forearm",
        "left forearm",
        "right clavicle",
        "left ankle",
        "right humerus",
        "finger",
    ),
    "burn": ("right hand", "left forearm", "torso", "face", "leg"),
    "scald": ("chest", "left arm", "right hand", "thigh"),
    "bruise": ("forehead", "shin", "knee", "left cheek", "back", "upper arm"),
    "laceration": ("chin", "forehead", "scalp", "hand", "knee", "eyebrow"),
    "head_injury": ("head", "forehead", "occiput"),
    "bite": ("hand", "face", "leg"),
    "other": ("ankle", "knee", "wrist", "shoulder"),
}


def area_on(person: Person, on: date) -> str:
    return person.home_on(on).area


def appointment(
    em: Emitter,
    agency: Agency,
    child: Person,
    on: date,
    service: str,
    outcome: str,
    summary: str | None = None,
) -> dict[str, Any] | None:
    return em.emit(
        agency,
        "health_appointment",
        on,
        child,
        {"service": service, "outcome": outcome},
        summary=summary,
    )


def growth(
    em: Emitter,
    agency: Agency,
    child: Person,
    on: date,
    weight: float | None,
    height: float | None = None,
    head: float | None = None,
    summary: str | None = None,
) -> dict[str, Any] | None:
    details: dict[str, Any] = {}
    if weight is not None:
        details["weight_kg"] = weight
    if height is not None:
        details["height_cm"] = height
    if head is not None:
        details["head_circumference_cm"] = head
    return em.emit(agency, "growth_measurement", on, child, details, summary=summary)


def unscheduled(
    em: Emitter,
    child: Person,
    on: date,
    *,
    setting: str,
    reason: str,
    injury: str | None = None,
    explanation: str | None = None,
    site: str | None = None,
    mobile: bool | None = None,
    admitted: bool | None = None,
    summary: str | None = None,
    always_summary: bool = False,
    minute: int | None = None,
    carers: Sequence[tuple[str, Person]] = (),
) -> dict[str, Any] | None:
    agency = ag.AMBULANCE if setting == "ambulance" else ag.acute_for(area_on(child, on))
    details: dict[str, Any] = {"setting": setting, "reason": reason}
    if injury is not None:
        inj: dict[str, Any] = {"kind": injury}
        if site is None:
            site = em.rng.choice(SITES[injury])
        inj["site"] = site
        if explanation is not None:
            inj["explanation"] = explanation
        details["injury"] = inj
    if mobile is not None:
        details["independently_mobile"] = mobile
    if admitted is not None:
        details["admitted"] = admitted
    return em.emit(
        agency,
        "unscheduled_care",
        on,
        child,
        details,
        related=carers,
        summary=summary,
        always_summary=always_summary,
        minute=minute,
    )


def cp_medical(
    em: Emitter,
    child: Person,
    on: date,
    outcome: str,
    findings: list[str],
    summary: str,
) -> dict[str, Any] | None:
    agency = ag.acute_for(area_on(child, on))
    details: dict[str, Any] = {"outcome": outcome}
    if findings:
        details["findings"] = findings
    return em.emit(
        agency,
        "child_protection_medical",
        on,
        child,
        details,
        summary=summary,
        always_summary=True,
        minute=em.rng.randrange(9 * 60, 17 * 60),
    )


def cause_for_concern(
    em: Emitter,
    child: Person,
    on: date,
    setting: str,
    category: str,
    agency: Agency | None = None,
    summary: str | None = None,
) -> dict[str, Any] | None:
    if setting == "school":
        on = in_term(on)
    if agency is None:
        agency = school_agency(child, on) if setting == "school" else ag.EARLY_YEARS
    if agency is None:
        return None
    return em.emit(
        agency,
        "cause_for_concern",
        on,
        child,
        {"setting": setting, "category": category},
        summary=summary or text.pick(em.rng, text.CONCERN[category]),
    )


def in_term(on: date) -> date:
    """A school day on or before ``on``: concerns are not logged in the holidays."""
    year = on.year if on.month >= 9 else on.year - 1
    for y in (year, year - 1):
        for term in reversed(school_terms(y)):
            if term.start <= on:
                return min(on, term.end)
    return on


def school_agency(child: Person, on: date) -> Agency | None:
    """The school a child attends on a date, or None outside reception to year 11."""
    start = reception_year(child.dob)
    year = on.year if on.month >= 9 else on.year - 1
    grade = year - start  # 0 = reception
    if grade < 0 or grade > 11:
        return None
    return ag.school_for(area_on(child, on), secondary=grade >= 7)


def police_incident(
    em: Emitter,
    children: Sequence[Person],
    on: date,
    category: str,
    *,
    present: bool | None = None,
    risk: str | None = None,
    victim: Person | None = None,
    perpetrator: Person | None = None,
    summary: str | None = None,
) -> None:
    """One incident: police send a record for each child in the household."""
    details: dict[str, Any] = {"category": category}
    if present is not None:
        details["child_present"] = present
    if risk is not None:
        details["risk"] = risk
    related: list[tuple[str, Person]] = []
    if victim is not None:
        related.append(("victim", victim))
    if perpetrator is not None:
        related.append(("perpetrator", perpetrator))
    if summary is None:
        summary = text.pick(em.rng, text.POLICE[category])
    minute = em.minute_for(ag.POLICE)
    for child in children:
        if child.dob <= on:
            em.emit(
                ag.POLICE,
                "police_incident",
                on,
                child,
                details,
                related=related,
                summary=summary,
                minute=minute,
            )


def adult_only_incident(
    em: Emitter,
    victim: Person,
    perpetrator: Person,
    on: date,
    risk: str,
) -> None:
    """A domestic incident with no child: the record is about the victim."""
    em.emit(
        ag.POLICE,
        "police_incident",
        on,
        victim,
        {"category": "domestic_abuse", "child_present": False, "risk": risk},
        related=[("perpetrator", perpetrator)],
        summary=text.pick(em.rng, text.EX_PARTNER),
    )


def adult_factor(
    em: Emitter,
    agency: Agency,
    adult: Person,
    children: Sequence[Person],
    on: date,
    factor: str,
    status: str,
    *,
    restricted: bool = False,
) -> None:
    em.emit(
        agency,
        "adult_factor",
        on,
        adult,
        {"factor": factor, "status": status},
        related=[("child", c) for c in children if c.dob <= on],
        summary=text.pick(em.rng, text.ADULT[factor]),
        restricted=restricted,
    )


def housing(em: Emitter, tenant: Person, children: Sequence[Person], on: date, issue: str) -> None:
    agency = ag.housing_for(area_on(tenant, on))
    summary = text.pick(em.rng, text.HOUSING[issue]).format(n=len(children) + 1)
    live = [c for c in children if c.dob <= on]
    if live and em.rng.random() < 0.2:
        # Some housing systems file the case under the child named on a medical priority form.
        em.emit(
            agency,
            "housing",
            on,
            live[-1],
            {"issue": issue},
            related=[("parent", tenant)],
            summary=summary,
        )
        return
    em.emit(
        agency,
        "housing",
        on,
        tenant,
        {"issue": issue},
        related=[("child", c) for c in live],
        summary=summary,
    )


def household_change(
    em: Emitter,
    agency: Agency,
    child: Person,
    on: date,
    change: str,
    role: str,
    who: Person,
    summary: str,
) -> None:
    em.emit(
        agency,
        "household_change",
        on,
        child,
        {"change": change, "member_role": role},
        related=[(role, who)],
        summary=summary,
    )


def concern_reported(
    em: Emitter,
    children: Sequence[Person],
    on: date,
    reporter: str,
    category: str,
    summary: str | None = None,
) -> None:
    if summary is None:
        summary = text.pick(em.rng, text.CONCERN_REPORTED[category])
    restricted = category == "sexual"
    for child in children:
        if child.dob <= on:
            em.emit(
                ag.CHILDRENS_SERVICES,
                "concern_reported",
                on,
                child,
                {"reporter": reporter, "category": category},
                summary=summary,
                restricted=restricted,
            )


def care_status(
    em: Emitter,
    children: Sequence[Person],
    on: date,
    status: str,
    change: str,
    category: str | None = None,
    summary: str | None = None,
) -> None:
    details: dict[str, Any] = {"status": status, "change": change}
    if category is not None:
        details["category"] = category
    for child in children:
        if child.dob <= on:
            em.emit(
                ag.CHILDRENS_SERVICES, "social_care_status", on, child, details, summary=summary
            )


def note(em: Emitter, agency: Agency, child: Person, on: date, category: str, summary: str) -> None:
    em.emit(agency, "note", on, child, {"category": category}, summary=summary, always_summary=True)


def is_mobile(child: Person, on: date) -> bool:
    return age_days(child.dob, on) >= 300
