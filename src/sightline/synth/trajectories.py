"""Harm trajectories: the patterns behind real case reviews, injected into a few families.

Each kind bends an ordinary family in two steps. ``shape_family`` changes the
family's truth before any record exists (a falling weight centile, a window of
missed appointments, a new partner moving in); ``play`` writes the kind's own
events (plans, incidents, concerns, then the harm itself). Strength (0.3-1)
scales how many warning signs there are; timing varies per family, so a rule
that works only on the strongest, most typical case will show it.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import TYPE_CHECKING

from sightline.synth import agencies as ag
from sightline.synth import events as ev
from sightline.synth import text
from sightline.synth.model import Family, Harm, Person
from sightline.synth.records import Emitter
from sightline.synth.timeline import age_days, reception_year

if TYPE_CHECKING:
    from sightline.synth.families import Builder

KINDS: tuple[str, ...] = (
    "neglect_faltering_growth",
    "neglect_supervision",
    "toxic_trio",
    "non_mobile_injury",
    "cumulative_low_level",
    "new_adult_unassessed",
)

# The harmed child's age on the harm date, in days.
HARM_AGE_DAYS: dict[str, tuple[int, int]] = {
    "neglect_faltering_growth": (240, 1100),
    "neglect_supervision": (1300, 2200),
    "toxic_trio": (300, 4400),
    "non_mobile_injury": (42, 182),
    "cumulative_low_level": (1100, 5100),
    "new_adult_unassessed": (120, 3650),
}
NEEDS_SCHOOL_FEED = frozenset(("neglect_faltering_growth", "cumulative_low_level"))
# How long before the harm its warning signs begin: the harm date is at least
# this far into the window, so the warnings are in the feeds too.
LEAD_DAYS: dict[str, int] = {
    "neglect_faltering_growth": 620,
    "neglect_supervision": 640,
    "toxic_trio": 560,
    "non_mobile_injury": 200,
    "cumulative_low_level": 360,
    "new_adult_unassessed": 300,
}


def _d(on: date, n: int) -> date:
    return on + timedelta(days=n)


def shape_family(
    rng: random.Random, builder: Builder, family: Family, kind: str, child: Person, harm_on: date
) -> None:
    strength = rng.uniform(0.3, 1.0)
    family.harm = Harm(kind, child, harm_on, harm_on, strength)
    profile = child.profile
    assert profile is not None
    if family.father is None and family.partner is None:
        # The children's father, living elsewhere, named in incidents at the home.
        builder.other_adult(rng, family, 4, "X2", "male")
    siblings = [c for c in family.children if c is not child]
    if kind == "neglect_faltering_growth":
        family.traits.update(("poverty", "overcrowded"))
        start = max(_d(child.dob, 42), _d(harm_on, -int(180 + 270 * strength)))
        profile.weight_sds = min(profile.weight_sds, rng.uniform(-0.4, 0.4))
        profile.falter = (start, harm_on, 1.5 + 1.6 * strength)
        profile.miss_windows.append((_d(harm_on, -365), harm_on, 0.3 + 0.4 * strength))
        span = (harm_on - start).days
        profile.extra_weighs.extend(
            _d(start, rng.randrange(max(1, span))) for _ in range(1 + round(3 * strength))
        )
        for sib in siblings:
            assert sib.profile is not None
            sib.profile.attendance_windows.append(
                (_d(harm_on, -420), harm_on, rng.uniform(0.72, 0.88))
            )
            sib.profile.miss_windows.append((_d(harm_on, -365), harm_on, 0.2))
    elif kind == "neglect_supervision":
        family.traits.add("poverty")
        profile.miss_windows.append((_d(harm_on, -600), harm_on, 0.2 + 0.2 * strength))
        for sib in siblings:
            assert sib.profile is not None
            sib.profile.attendance_windows.append(
                (_d(harm_on, -500), harm_on, rng.uniform(0.8, 0.9))
            )
    elif kind == "toxic_trio":
        no_man = family.male_carer_on(_d(harm_on, -560)) is None or family.father_left is not None
        if no_man and family.partner is None:
            builder.add_partner(rng, family, _d(harm_on, -rng.randint(620, 900)))
        profile.miss_windows.append((_d(harm_on, -400), harm_on, 0.15 + 0.2 * strength))
    elif kind == "non_mobile_injury":
        profile.miss_windows.append((child.dob, harm_on, 0.25 * strength))
    elif kind == "cumulative_low_level":
        family.traits.add("poverty")
        profile.attendance_windows.append((_d(harm_on, -330), harm_on, rng.uniform(0.78, 0.88)))
        profile.miss_windows.append((_d(harm_on, -330), harm_on, 0.3 + 0.3 * strength))
        for sib in siblings:
            assert sib.profile is not None
            sib.profile.attendance_windows.append(
                (_d(harm_on, -330), harm_on, rng.uniform(0.82, 0.9))
            )
    elif kind == "new_adult_unassessed":
        joined = _d(harm_on, -rng.randint(45, 240))
        builder.add_partner(rng, family, joined)
        builder.other_adult(rng, family, 3, "X", "female")
    else:  # pragma: no cover - the census deals only known kinds
        raise ValueError(kind)


def play(em: Emitter, family: Family) -> None:
    harm = family.harm
    if harm is None:
        return
    player = _PLAYERS[harm.kind]
    started, description = player(em, family, harm)
    harm.started_on = max(em.since, min(started, harm.harm_on))
    harm.description = description


def _spread(rng: random.Random, start: date, end: date, n: int) -> list[date]:
    span = max(1, (end - start).days)
    return sorted(_d(start, rng.randrange(span)) for _ in range(n))


def _concern_setting(child: Person, on: date) -> str:
    return "early_years" if on < date(reception_year(child.dob), 9, 1) else "school"


def _perpetrator(family: Family, on: date) -> Person:
    carer = family.male_carer_on(on)
    if carer is not None:
        return carer
    if family.father is not None:
        return family.father
    for other in family.others:
        if other.sex == "male":
            return other
    raise AssertionError("shape_family gives every harmed family a man to name")


def _harm_followup(
    em: Emitter, family: Family, harm: Harm, category: str, plan_category: str
) -> None:
    rng = em.rng
    ev.concern_reported(
        em,
        [harm.child],
        harm.harm_on,
        "professional",
        category,
        "Referral from hospital after the child was seen today. Strategy discussion arranged.",
    )
    kids = family.children_on(harm.harm_on)
    ev.care_status(
        em,
        kids,
        _d(harm.harm_on, rng.randint(8, 20)),
        "child_protection",
        "start",
        plan_category,
        summary="Initial child protection conference: plan agreed.",
    )


def _faltering(em: Emitter, family: Family, harm: Harm) -> tuple[date, str]:
    rng, child, h, s = em.rng, harm.child, harm.harm_on, harm.strength
    mother = family.mother
    kids_then = family.children_on
    da_on = _d(h, -rng.randint(300, 600))
    ev.police_incident(
        em,
        kids_then(da_on),
        da_on,
        "domestic_abuse",
        present=rng.random() < 0.5,
        risk="standard",
        victim=mother,
        perpetrator=_perpetrator(family, da_on),
    )
    ev.concern_reported(em, kids_then(da_on), _d(da_on, 2), "professional", "domestic_abuse")
    housing_on = _d(h, -rng.randint(120, 500))
    ev.housing(em, mother, kids_then(housing_on), housing_on, "overcrowding")
    referral_on = _d(h, -rng.randint(200, 300))
    if s > 0.4:
        ev.cause_for_concern(
            em,
            child,
            _d(referral_on, -rng.randint(5, 30)),
            "health",
            "other",
            agency=ag.HEALTH_VISITING,
        )
    ev.concern_reported(
        em,
        kids_then(referral_on),
        referral_on,
        "professional",
        "neglect",
        "Midwife and health visitor concerned about baby's weight and home conditions.",
    )
    cin_on = _d(referral_on, rng.randint(20, 40))
    ev.care_status(em, kids_then(cin_on), cin_on, "child_in_need", "start", "neglect")
    ev.appointment(
        em,
        ag.acute_for(ev.area_on(child, h)),
        child,
        _d(h, -rng.randint(60, 150)),
        "paediatrics",
        "was_not_brought",
        "Dietetic clinic for faltering growth: not brought.",
    )
    down_on = _d(h, -rng.randint(5, 40))
    ev.care_status(
        em,
        kids_then(down_on),
        down_on,
        "child_in_need",
        "end",
        summary="Child in need plan closed; stepped down to early help.",
    )
    ev.care_status(em, kids_then(down_on), down_on, "early_help", "start")
    ev.unscheduled(
        em,
        child,
        h,
        setting="emergency_department",
        reason="injury",
        injury="fracture",
        site="both forearms",
        explanation=rng.choice(("absent", "inconsistent")),
        mobile=ev.is_mobile(child, h),
        admitted=True,
        always_summary=True,
        summary="Swollen arms, no history of injury given. Child small and withdrawn.",
        carers=[("mother", mother)],
    )
    ev.cp_medical(
        em,
        child,
        h,
        "concerns_confirmed",
        [
            "severe malnutrition",
            "fractures of both forearms",
            "vitamin D deficiency",
            "weight below 0.4th centile",
        ],
        "CP medical: severely malnourished; fractures; vitamin deficiencies.",
    )
    _harm_followup(em, family, harm, "neglect", "neglect")
    assert child.profile is not None and child.profile.falter is not None
    falling = (h - child.profile.falter[0]).days
    return da_on, (
        f"faltering growth over {falling} days, "
        f"not brought to appointments, siblings' poor attendance, overcrowding, earlier "
        f"DA allegation; CIN stepped down {(h - down_on).days} days before "
        "malnutrition and fractures found"
    )


def _supervision(em: Emitter, family: Family, harm: Harm) -> tuple[date, str]:
    rng, child, h, s = em.rng, harm.child, harm.harm_on, harm.strength
    kids_then = family.children_on
    contact_on = _d(h, -rng.randint(560, 620))
    ev.concern_reported(em, kids_then(contact_on), contact_on, "professional", "neglect")
    cp_on = _d(contact_on, rng.randint(15, 25))
    ev.care_status(em, kids_then(cp_on), cp_on, "child_protection", "start", "neglect")
    cin_on = _d(h, -rng.randint(230, 320))
    ev.care_status(
        em,
        kids_then(cin_on),
        cin_on,
        "child_protection",
        "end",
        summary="Review conference: plan ended, stepped down to child in need.",
    )
    ev.care_status(em, kids_then(cin_on), cin_on, "child_in_need", "start", "neglect")
    down_on = _d(h, -rng.randint(2, 14))
    ev.care_status(
        em,
        kids_then(down_on),
        down_on,
        "child_in_need",
        "end",
        summary="Child in need plan closed. Family to be supported by early help.",
    )
    for on in _spread(rng, _d(h, -540), _d(h, -5), 3 + round(5 * s)):
        reason = rng.choice(("injury", "injury", "ingestion", "illness"))
        injury = (
            rng.choice(("bruise", "head_injury", "laceration", "scald"))
            if reason == "injury"
            else None
        )
        ev.unscheduled(
            em,
            child,
            on,
            setting="ambulance",
            reason=reason,
            injury=injury,
            explanation="unknown" if injury else None,
            mobile=True if injury else None,
            summary="Crew attended; no adult supervising the children on arrival.",
        )
    for on in _spread(rng, _d(h, -540), _d(h, -5), 2 + round(4 * s)):
        category = rng.choice(("child_welfare", "child_welfare", "domestic_abuse", "missing_child"))
        young = "Young child found alone in the street by a member of the public; mum unaware."
        ev.police_incident(
            em,
            kids_then(on),
            on,
            category,
            present=True,
            risk="medium" if category == "domestic_abuse" else None,
            victim=family.mother if category == "domestic_abuse" else None,
            perpetrator=_perpetrator(family, on) if category == "domestic_abuse" else None,
            summary=young if category == "missing_child" else None,
        )
    categories = (
        "hunger",
        "hygiene",
        "clothing",
        "supervision",
        "supervision",
        "injury",
        "behaviour",
    )
    for on in _spread(rng, _d(h, -540), _d(h, -3), 5 + round(14 * s)):
        ev.cause_for_concern(em, child, on, _concern_setting(child, on), rng.choice(categories))
    called = rng.randrange(14 * 60, 21 * 60)  # the crew arrives first, the hospital follows
    she = "she" if child.sex == "female" else "he"
    ev.unscheduled(
        em,
        child,
        h,
        minute=called,
        setting="ambulance",
        reason="injury",
        injury="burn",
        site="torso",
        explanation="unknown",
        mobile=True,
        always_summary=True,
        summary="Child burned while playing with a lighter. No adult in the room.",
    )
    ev.unscheduled(
        em,
        child,
        h,
        setting="emergency_department",
        reason="injury",
        injury="burn",
        site=rng.choice(("torso and arm", "torso", "right arm")),
        explanation=rng.choice(("consistent", "unknown")),
        mobile=True,
        admitted=True,
        always_summary=True,
        carers=[("mother", family.mother)],
        minute=called + rng.randint(40, 90),
        summary=(
            f"Burns to torso and arm. Says {she} was playing with a lighter. "
            "Mother not present at the time."
        ),
    )
    _harm_followup(em, family, harm, "neglect", "neglect")
    return contact_on, (
        f"CP plan for neglect, then CIN, stepped down {(h - down_on).days} days "
        "before a burn; repeated ambulance and police attendances; many "
        "early years causes for concern"
    )


def _toxic_trio(em: Emitter, family: Family, harm: Harm) -> tuple[date, str]:
    rng, child, h, s = em.rng, harm.child, harm.harm_on, harm.strength
    mother = family.mother
    kids_then = family.children_on
    start = max(_d(h, -540), _d(child.dob, 14))
    dates: list[date] = []
    for on in _spread(rng, start, _d(h, -20), 1 + round(3 * s)):
        perp = _perpetrator(family, on)
        ev.police_incident(
            em,
            kids_then(on),
            on,
            "domestic_abuse",
            present=rng.random() < 0.75,
            risk=rng.choice(("medium", "medium", "high")),
            victim=mother,
            perpetrator=perp,
        )
        ev.concern_reported(em, kids_then(on), _d(on, 1), "professional", "domestic_abuse")
        dates.append(on)
    first = dates[0]
    ev.adult_factor(
        em,
        ag.DOMESTIC_ABUSE,
        mother,
        kids_then(first),
        _d(first, rng.randint(5, 30)),
        "domestic_abuse_victim",
        "identified",
    )
    ev.adult_factor(
        em,
        ag.DOMESTIC_ABUSE,
        mother,
        kids_then(first),
        _d(first, rng.randint(60, 150)),
        "domestic_abuse_victim",
        "disengaged",
    )
    factors = (
        ["substance", "mental_health"] if s >= 0.5 else [rng.choice(("substance", "mental_health"))]
    )
    for factor in factors:
        on = _d(start, rng.randint(0, 300))
        if factor == "substance":
            user = _perpetrator(family, on)
            what = rng.choice(("substance_misuse", "alcohol_misuse"))
            ev.adult_factor(em, ag.SUBSTANCE, user, kids_then(on), on, what, "identified")
            ev.adult_factor(
                em,
                ag.SUBSTANCE,
                user,
                kids_then(on),
                _d(on, rng.randint(20, 60)),
                what,
                "in_treatment",
            )
            ev.adult_factor(
                em,
                ag.SUBSTANCE,
                user,
                kids_then(on),
                _d(on, rng.randint(90, 200)),
                what,
                "disengaged",
            )
        else:
            restricted = rng.random() < 0.7
            ev.adult_factor(
                em,
                ag.MENTAL_HEALTH,
                mother,
                kids_then(on),
                on,
                "mental_health",
                "in_treatment",
                restricted=restricted,
            )
            ev.adult_factor(
                em,
                ag.MENTAL_HEALTH,
                mother,
                kids_then(on),
                _d(on, rng.randint(90, 220)),
                "mental_health",
                "disengaged",
                restricted=restricted,
            )
    carers = [("mother", mother)]
    if age_days(child.dob, h) < 1400 and rng.random() < 0.5:
        ev.unscheduled(
            em,
            child,
            h,
            setting="emergency_department",
            reason="ingestion",
            admitted=True,
            always_summary=True,
            carers=carers,
            summary="Found drowsy; suspected ingestion of parent's methadone.",
        )
        what = "ingestion of a parent's drugs"
    else:
        injury = rng.choice(("head_injury", "bruise", "fracture"))
        ev.unscheduled(
            em,
            child,
            h,
            setting="emergency_department",
            reason="injury",
            injury=injury,
            explanation="inconsistent",
            mobile=ev.is_mobile(child, h),
            admitted=True,
            always_summary=True,
            carers=carers,
            summary="Injury not consistent with account of a fall. Parents' accounts differ.",
        )
        what = f"{injury.replace('_', ' ')} with an inconsistent explanation"
    _harm_followup(em, family, harm, "physical", "multiple")
    return first, (
        f"domestic abuse ({len(dates)} incidents) with {' and '.join(factors)} in the "
        f"household, then {what}"
    )


def _non_mobile(em: Emitter, family: Family, harm: Harm) -> tuple[date, str]:
    rng, child, h, s = em.rng, harm.child, harm.harm_on, harm.strength
    signs: list[date] = []
    if s >= 0.4 or rng.random() < 0.5:
        on = _d(h, -rng.randint(7, 35))
        ev.cause_for_concern(
            em,
            child,
            on,
            "health",
            "injury",
            agency=ag.HEALTH_VISITING,
            summary=text.pick(rng, text.SENTINEL),
        )
        signs.append(on)
    else:
        on = _d(h, -rng.randint(5, 20))
        ev.appointment(
            em,
            ag.HEALTH_VISITING,
            child,
            on,
            "health_visitor",
            "was_not_brought",
            "Not brought to clinic. Letter sent offering new appointment.",
        )
        signs.append(on)
    if rng.random() < 0.45:
        on = _d(h, -rng.randint(30, 150))
        if on > child.dob:
            ev.police_incident(
                em,
                family.children_on(on),
                on,
                "domestic_abuse",
                present=True,
                risk="standard",
                victim=family.mother,
                perpetrator=_perpetrator(family, on),
            )
            signs.append(on)
    injury = rng.choice(("fracture", "fracture", "bruise", "head_injury"))
    site = {
        "fracture": rng.choice(("ribs", "left femur", "skull")),
        "bruise": rng.choice(("ears", "face", "torso")),
        "head_injury": "head",
    }[injury]
    ev.unscheduled(
        em,
        child,
        h,
        setting="emergency_department",
        reason="injury",
        injury=injury,
        site=site,
        explanation=rng.choice(("absent", "inconsistent")),
        mobile=False,
        admitted=True,
        always_summary=True,
        carers=[("mother", family.mother)],
        summary="Baby brought in crying and not moving limb. No history of injury offered.",
    )
    ev.cp_medical(
        em,
        child,
        _d(h, rng.randint(0, 2)),
        "concerns_confirmed",
        [
            f"{injury.replace('_', ' ')} to {site}",
            "skeletal survey: further injuries of differing ages",
        ],
        "CP medical: injuries in a non-mobile infant without explanation.",
    )
    _harm_followup(em, family, harm, "physical", "physical")
    return min(
        signs
    ), f"{injury.replace('_', ' ')} ({site}) in a non-mobile infant, {len(signs)} earlier signs"


def _cumulative(em: Emitter, family: Family, harm: Harm) -> tuple[date, str]:
    rng, child, h, s = em.rng, harm.child, harm.harm_on, harm.strength
    kids_then = family.children_on
    start = _d(h, -330)
    concerns = _spread(rng, start, _d(h, -10), 3 + round(6 * s))
    for on in concerns:
        ev.cause_for_concern(
            em,
            child,
            on,
            _concern_setting(child, on),
            rng.choice(("hunger", "hygiene", "clothing", "hygiene", "other")),
        )
    for on in _spread(rng, start, _d(h, -10), rng.randint(1, 2)):
        ev.appointment(
            em,
            ag.gp_for(ev.area_on(child, on)),
            child,
            on,
            "dental",
            "was_not_brought",
            "Not brought to dental appointment; toothache reported by school.",
        )
    for on in _spread(rng, start, _d(h, -10), round(2 * s)):
        ev.police_incident(em, kids_then(on), on, "child_welfare", present=True)
    housing_on = _d(start, rng.randint(0, 200))
    ev.housing(em, family.mother, kids_then(housing_on), housing_on, "poor_conditions")
    ev.concern_reported(
        em,
        [child],
        _d(h, -rng.randint(0, 5)),
        "professional",
        "neglect",
        "School referral: child hungry, unkempt, toothache for weeks.",
    )
    ev.cp_medical(
        em,
        child,
        h,
        "concerns_confirmed",
        [
            "severe dental decay needing extractions",
            "untreated scabies",
            "weight below 2nd centile",
        ],
        "CP medical: findings consistent with chronic neglect.",
    )
    ev.care_status(
        em, kids_then(h), _d(h, rng.randint(10, 20)), "child_protection", "start", "neglect"
    )
    return min(
        concerns[0], housing_on
    ), f"{len(concerns)} low-level concerns across agencies, then neglect confirmed"


def _new_adult(em: Emitter, family: Family, harm: Harm) -> tuple[date, str]:
    rng, child, h = em.rng, harm.child, harm.harm_on
    partner, joined = family.partner, family.partner_joined
    assert partner is not None and joined is not None
    ex = family.others[-1]
    # His history must be in the feeds to be a warning sign: an incident dated before
    # the feeds begin would never reach anyone, so the history starts no earlier.
    start = max(em.since, _d(joined, -1100))
    end = _d(joined, -60)
    if end <= start:
        end = max(start, _d(joined, -1))
    if start < joined:
        for on in _spread(rng, start, end, rng.randint(1, 3)):
            ev.adult_only_incident(em, ex, partner, on, rng.choice(("standard", "medium", "high")))
    recorded_on = max(_d(child.dob, 7), _d(joined, rng.randint(0, min(60, (h - joined).days - 5))))
    if age_days(child.dob, recorded_on) < 5 * 365:
        agency = ag.HEALTH_VISITING
    else:
        agency = ev.school_agency(child, recorded_on) or ag.housing_for(
            ev.area_on(child, recorded_on)
        )
    ev.household_change(
        em,
        agency,
        child,
        recorded_on,
        "joined",
        "partner_of_parent",
        partner,
        "Mum says her new partner has moved in.",
    )
    signs = [recorded_on]
    if rng.random() < 0.5:
        on = _d(h, -rng.randint(5, max(6, (h - recorded_on).days - 1)))
        if on > recorded_on:
            ev.cause_for_concern(em, child, on, _concern_setting(child, on), "injury")
            signs.append(on)
    injury = rng.choice(("bruise", "fracture", "burn", "head_injury"))
    ev.unscheduled(
        em,
        child,
        h,
        setting="emergency_department",
        reason="injury",
        injury=injury,
        explanation="inconsistent",
        mobile=ev.is_mobile(child, h),
        admitted=rng.random() < 0.6,
        always_summary=True,
        carers=[("mother", family.mother), ("partner_of_parent", partner)],
        summary=(
            "Mother's partner says child fell from the sofa. Injuries not consistent with this."
        ),
    )
    ev.cp_medical(
        em,
        child,
        _d(h, 1),
        "concerns_confirmed",
        [f"{injury.replace('_', ' ')} inflicted"],
        "CP medical: injuries consistent with non-accidental injury.",
    )
    _harm_followup(em, family, harm, "physical", "physical")
    return min(signs), (
        f"mother's partner (police history of domestic abuse) moved in "
        f"{(h - joined).days} days before; no assessment of him; then {injury.replace('_', ' ')}"
    )


_PLAYERS = {
    "neglect_faltering_growth": _faltering,
    "neglect_supervision": _supervision,
    "toxic_trio": _toxic_trio,
    "non_mobile_injury": _non_mobile,
    "cumulative_low_level": _cumulative,
    "new_adult_unassessed": _new_adult,
}
