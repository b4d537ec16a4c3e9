"""A child's ordinary contact with health services.

Birth, health visiting reviews with weights, GP appointments and
immunisations, school nurse measurements, and unscheduled care for the usual
illnesses and accidents of childhood. Each child's profile (trajectories bend
it) decides how often appointments are missed and where the weight centile goes.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sightline.synth import agencies as ag
from sightline.synth import events as ev
from sightline.synth import growth, text
from sightline.synth.model import Family, Person, Profile
from sightline.synth.records import Emitter
from sightline.synth.timeline import age_days, reception_year

# (age in days, name, measure length, measure head)
_HV_REVIEWS = (
    (12, "new birth visit", False, True),
    (49, "6-8 week review", True, True),
    (300, "9-12 month review", True, False),
    (800, "2-2.5 year review", True, False),
)
_IMMUNISATION_AGES = (56, 366, 1220)  # primary course, first birthday, pre-school booster
_GP_RATE = ((365, 0.8), (5 * 365, 0.3), (12 * 365, 0.1), (99 * 365, 0.12))


def _d(on: date, n: int) -> date:
    return on + timedelta(days=n)


def child_health(em: Emitter, family: Family, child: Person) -> None:
    profile = child.profile
    assert profile is not None
    _maternity(em, family, child)
    _health_visiting(em, family, child, profile)
    _gp(em, child, profile)
    _school_nurse(em, child, profile)
    _urgent_care(em, family, child, profile)


def _maternity(em: Emitter, family: Family, child: Person) -> None:
    rng = em.rng
    if not em.in_window(child.dob):
        return
    agency = ag.maternity_for(ev.area_on(child, child.dob))
    mother = family.mother
    if rng.random() < 0.2:
        booked = _d(child.dob, -rng.randint(60, 150))
        outcome = "attended" if rng.random() < 0.93 else "did_not_attend"
        em.emit(
            agency,
            "health_appointment",
            booked,
            child,
            {"service": "midwifery", "outcome": outcome},
            related=[("mother", mother)],
            summary="Antenatal appointment.",
        )
    weight = growth.birth_weight_kg(child.sex, child.gestation, child.birth_sds)
    em.emit(
        agency,
        "birth",
        child.dob,
        child,
        {"birth_weight_kg": weight, "gestation_weeks": child.gestation},
        related=[("mother", mother)],
        summary=text.BIRTH[4] if child.gestation < 35 else text.pick(rng, text.BIRTH[:4]),
    )


def _measure(
    em: Emitter,
    agency: ag.Agency,
    child: Person,
    profile: Profile,
    on: date,
    length: bool,
    head: bool,
) -> None:
    rng = em.rng
    age = age_days(child.dob, on)
    sds = profile.weight_sds_on(on) + rng.gauss(0, 0.12)
    weight = growth.weight_kg(child.sex, age, sds, child.gestation)
    height = (
        growth.length_cm(child.sex, age, profile.height_sds + rng.gauss(0, 0.1), child.gestation)
        if length
        else None
    )
    head_cm = (
        growth.head_cm(child.sex, age, profile.height_sds * 0.5, child.gestation) if head else None
    )
    roll = rng.random()
    if roll < 0.004:
        # A slipped decimal point, corrected a few days later as version 2.
        rec = ev.growth(em, agency, child, on, round(weight * 10, 1), height, head_cm)
        if rec is not None:
            fixed = dict(rec["details"], weight_kg=weight)
            em.correct(rec, fixed, "Weight corrected: decimal point entered in the wrong place.")
    elif roll < 0.01:
        rec = ev.growth(
            em,
            agency,
            child,
            on,
            round(weight + rng.choice((-0.2, -0.1, 0.1, 0.2)), 2),
            height,
            head_cm,
        )
        if rec is not None:
            fixed = dict(rec["details"], weight_kg=weight)
            em.correct(rec, fixed, "Corrected weight after scale calibration.")
    else:
        ev.growth(em, agency, child, on, weight, height, head_cm)


def _offer(
    em: Emitter,
    agency: ag.Agency,
    child: Person,
    profile: Profile,
    on: date,
    service: str,
    home_visit: bool = False,
) -> date | None:
    """Offer an appointment, re-offering once or twice if missed; the date attended, if any."""
    rng = em.rng
    for attempt in range(3):
        miss = profile.miss_rate_on(on)
        if rng.random() >= miss:
            summary = text.pick(rng, text.HV_ATTENDED) if service == "health_visitor" else None
            ev.appointment(em, agency, child, on, service, "attended", summary)
            return on
        if home_visit:
            outcome = "no_access"
        elif age_days(child.dob, on) >= 16 * 365:
            outcome = "did_not_attend"
        else:
            outcome = rng.choices(("was_not_brought", "cancelled_by_family"), (3, 1))[0]
        ev.appointment(
            em,
            agency,
            child,
            on,
            service,
            outcome,
            text.pick(rng, text.HV_MISSED if service == "health_visitor" else text.GP_MISSED),
        )
        if attempt < 2 and rng.random() < 0.1:
            ev.appointment(
                em, agency, child, _d(on, rng.randint(1, 5)), service, "cancelled_by_service"
            )
        on = _d(on, rng.randint(10, 35))
    return None


def _health_visiting(em: Emitter, family: Family, child: Person, profile: Profile) -> None:
    rng = em.rng
    agency = ag.HEALTH_VISITING
    for age, _, length, head in _HV_REVIEWS:
        on = _d(child.dob, age + rng.randint(0, 30 if age > 100 else 4))
        if on > em.until:
            break
        if on < em.since or (age > 100 and rng.random() < 0.22):
            continue  # the later reviews reach about four in five children nationally
        seen = _offer(em, agency, child, profile, on, "health_visitor", home_visit=age < 30)
        if seen is not None:
            _measure(em, agency, child, profile, seen, length, head)
    weighs = list(profile.extra_weighs)
    if rng.random() < 0.15:
        weighs.extend(_d(child.dob, rng.randint(20, 200)) for _ in range(rng.randint(1, 3)))
    for on in sorted(weighs):
        if em.in_window(on):
            _measure(em, agency, child, profile, on, False, False)


def _gp(em: Emitter, child: Person, profile: Profile) -> None:
    rng = em.rng
    for age in _IMMUNISATION_AGES:
        on = _d(child.dob, age + rng.randint(0, 20))
        if em.in_window(on):
            _offer(em, ag.gp_for(ev.area_on(child, on)), child, profile, on, "immunisation")
    start = max(em.since, child.dob)
    day = start
    while day <= em.until:
        age = age_days(child.dob, day)
        rate = next(r for limit, r in _GP_RATE if age < limit)
        gap = int(rng.expovariate(rate) * 365.25) + 1
        day = _d(day, gap)
        if day > em.until:
            break
        agency = ag.gp_for(ev.area_on(child, day))
        miss = profile.miss_rate_on(day)
        if rng.random() < miss:
            outcome = (
                "did_not_attend" if age_days(child.dob, day) >= 16 * 365 else "was_not_brought"
            )
            ev.appointment(em, agency, child, day, "gp", outcome, text.pick(rng, text.GP_MISSED))
        else:
            ev.appointment(em, agency, child, day, "gp", "attended", text.pick(rng, text.GP))
            if age < 5 * 365 and rng.random() < 0.05:
                _measure(em, agency, child, profile, day, False, False)


def _school_nurse(em: Emitter, child: Person, profile: Profile) -> None:
    """National Child Measurement Programme: weighed in reception and year 6."""
    rng = em.rng
    start = reception_year(child.dob)
    for offset in (1, 7):
        on = date(start + offset, 1, 10) + timedelta(days=rng.randrange(70))
        if em.in_window(on) and rng.random() < 0.93:
            _measure(em, ag.HEALTH_VISITING, child, profile, on, True, False)


def _urgent_care(em: Emitter, family: Family, child: Person, profile: Profile) -> None:
    rng = em.rng
    day = max(em.since, child.dob)
    while True:
        age = age_days(child.dob, day)
        rate = profile.urgent_rate + (0.25 if age < 365 else 0.08 if age < 5 * 365 else 0.0)
        day = _d(day, int(rng.expovariate(rate) * 365.25) + 1)
        if day > em.until:
            return
        _episode(em, family, child, day, rng, profile.urgent_rate > 1.5)


def _episode(
    em: Emitter, family: Family, child: Person, on: date, rng: random.Random, chronic: bool
) -> None:
    age = age_days(child.dob, on)
    mobile = age >= 300
    roll = rng.random()
    if chronic or not mobile:
        reason = "illness" if roll < 0.93 else "other"
    elif roll < 0.55:
        reason = "injury"
    elif roll < 0.95:
        reason = "illness"
    elif 365 <= age < 5 * 365:
        reason = "ingestion"
    else:
        reason = "other"
    carers = [("mother", family.mother)] if rng.random() < 0.5 else []
    minute = em.minute_for(ag.AMBULANCE)
    if rng.random() < (0.15 if reason != "illness" or chronic else 0.05):
        ev.unscheduled(
            em,
            child,
            on,
            setting="ambulance",
            reason=reason,
            summary=text.pick(rng, text.AMBULANCE),
            minute=minute,
        )
        minute += rng.randint(30, 90)
    if reason == "injury":
        kinds = (
            "laceration",
            "head_injury",
            "bruise",
            "bite",
            "other",
            "fracture",
            "scald",
            "burn",
        )
        weights = (25, 15, 10, 5, 25, 15 if age > 3 * 365 else 5, 4 if age < 5 * 365 else 1, 2)
        injury = rng.choices(kinds, weights)[0]
        setting = rng.choices(
            ("emergency_department", "minor_injuries", "urgent_care"), (70, 25, 5)
        )[0]
        explanation = "consistent" if rng.random() < 0.95 else "unknown"
        ev.unscheduled(
            em,
            child,
            on,
            setting=setting,
            reason="injury",
            injury=injury,
            explanation=explanation,
            mobile=True if rng.random() < 0.8 else None,
            admitted=rng.random() < 0.04,
            summary=text.pick(rng, text.ACCIDENT),
            minute=minute,
            carers=carers,
        )
    else:
        setting = rng.choices(
            ("emergency_department", "urgent_care", "out_of_hours"), (70, 15, 15)
        )[0]
        ev.unscheduled(
            em,
            child,
            on,
            setting=setting,
            reason=reason,
            mobile=(mobile if rng.random() < 0.6 else None),
            admitted=rng.random() < (0.12 if age < 365 else 0.05),
            summary=text.pick(rng, text.ILLNESS),
            minute=minute,
            carers=carers,
        )
