"""A family's ordinary contact with schools, early years, police, housing and services.

Most of this is unremarkable by design: termly attendance, the odd teenage
suspension, one domestic incident that led nowhere, a family in poverty with
damp housing and an early help plan. These are what an indicator rule must not
mistake for neglect.
"""

from __future__ import annotations

from datetime import date, timedelta

from sightline.synth import agencies as ag
from sightline.synth import events as ev
from sightline.synth import text
from sightline.synth.model import Family, Person, Profile
from sightline.synth.records import Emitter
from sightline.synth.timeline import age_days, reception_year, school_feed_start, school_terms


def _d(on: date, n: int) -> date:
    return on + timedelta(days=n)


def child_community(em: Emitter, family: Family, child: Person) -> None:
    profile = child.profile
    assert profile is not None
    _school(em, family, child, profile)
    _early_years(em, family, child)
    _teenager(em, child)


def _school(em: Emitter, family: Family, child: Person, profile: Profile) -> None:
    rng = em.rng
    start = reception_year(child.dob)
    poverty = "poverty" in family.traits
    feed_start = school_feed_start(em.since, em.until)
    first_year = max(start, feed_start.year)
    for year in range(first_year, start + 12):
        if date(year, 9, 1) > em.until:
            break
        grade = year - start
        for term in school_terms(year):
            if term.end > em.until or term.start < feed_start:
                continue
            agency = ag.school_for(ev.area_on(child, term.end), secondary=grade >= 7)
            rate = min(1.0, max(0.3, profile.attendance_on(term.end) + rng.gauss(0, 0.02)))
            attended = round(term.sessions * rate)
            details: dict[str, object] = {
                "period_start": term.start.isoformat(),
                "period_end": term.end.isoformat(),
                "sessions_possible": term.sessions,
                "sessions_attended": attended,
            }
            if rng.random() < 0.7:
                share = 0.45 if rate < 0.9 else 0.3 if poverty else 0.2
                details["unauthorised_absence_sessions"] = round((term.sessions - attended) * share)
            summary = text.pick(rng, text.ATTENDANCE_LOW) if rate < 0.9 else None
            rec = em.emit(agency, "school_attendance", term.end, child, details, summary=summary)
            if rec is not None and rng.random() < 0.003:
                now = min(term.sessions, attended + rng.randint(2, 8))
                fixed = dict(details, sessions_attended=now)
                if "unauthorised_absence_sessions" in fixed:
                    fixed["unauthorised_absence_sessions"] = min(
                        details["unauthorised_absence_sessions"], term.sessions - now
                    )  # type: ignore[call-overload]
                em.correct(
                    rec, fixed, "Register corrected: sessions at alternative provision added."
                )
            if grade >= 5 and rng.random() < (0.018 if poverty else 0.007):
                on = term.start + timedelta(
                    days=rng.randrange(max(1, (term.end - term.start).days))
                )
                em.emit(
                    agency,
                    "school_exclusion",
                    on,
                    child,
                    {
                        "kind": "permanent" if rng.random() < 0.02 else "suspension",
                        "sessions": rng.randint(1, 10),
                    },
                    summary=text.pick(rng, text.EXCLUSION),
                )
            if rng.random() < (0.02 if poverty else 0.006):
                on = term.start + timedelta(
                    days=rng.randrange(max(1, (term.end - term.start).days))
                )
                category = rng.choice(
                    ("clothing", "hunger", "hygiene", "attendance")
                    if poverty
                    else ("behaviour", "injury", "other", "attendance")
                )
                ev.cause_for_concern(em, child, on, "school", category, agency=agency)


def _early_years(em: Emitter, family: Family, child: Person) -> None:
    """Early years settings log a concern now and then, more so for families under strain."""
    rng = em.rng
    start = _d(child.dob, 2 * 365)
    end = date(reception_year(child.dob), 9, 1)
    rate = 0.08 if "poverty" in family.traits else 0.025
    on = start
    while True:
        on = _d(on, int(rng.expovariate(rate) * 365.25) + 1)
        if on >= end:
            return
        category = rng.choice(
            ("clothing", "hunger", "behaviour", "other")
            if "poverty" in family.traits
            else ("behaviour", "injury", "other")
        )
        ev.cause_for_concern(em, child, on, "early_years", category)


def _teenager(em: Emitter, child: Person) -> None:
    rng = em.rng
    for age in range(12, 18):
        birthday = _d(child.dob, int(age * 365.25))
        if not em.in_window(birthday):
            continue
        if rng.random() < 0.012:
            on = _d(birthday, rng.randrange(365))
            ev.police_incident(em, [child], on, "missing_child")
        if rng.random() < 0.02:
            on = _d(birthday, rng.randrange(365))
            ev.police_incident(
                em, [child], on, rng.choice(("antisocial_behaviour", "violence", "drugs"))
            )


def family_life(em: Emitter, family: Family) -> None:
    """Events about the whole household rather than one child."""
    rng = em.rng
    poverty = "poverty" in family.traits
    mother = family.mother
    span = max(1, (em.until - em.since).days)

    def some_day() -> date:
        return _d(em.since, rng.randrange(span))

    def kids(on: date) -> list[Person]:
        return family.children_on(on)

    # Housing trouble is common where money is short; it is not neglect on its own.
    if poverty:
        for _ in range(rng.choices((0, 1, 2, 3, 4), (15, 35, 25, 15, 10))[0]):
            on = some_day()
            issue = rng.choices(
                ("poor_conditions", "overcrowding", "eviction_notice", "homeless", "other"),
                (35, 25, 20, 10, 10),
            )[0]
            if issue == "homeless" and len(family.homes) > 1:
                on = _d(rng.choice(family.homes[1:]).start, -rng.randint(5, 60))
            ev.housing(em, mother, kids(on), on, issue)
    elif rng.random() < 0.03:
        on = some_day()
        ev.housing(em, mother, kids(on), on, "poor_conditions")
    if "overcrowded" in family.traits:
        on = some_day()
        ev.housing(em, mother, kids(on), on, "overcrowding")

    # One domestic incident that went no further.
    if family.harm is None and rng.random() < (0.08 if poverty else 0.025):
        on = some_day()
        carer = family.male_carer_on(on)
        if carer is not None and kids(on):
            present = rng.random() < 0.4
            ev.police_incident(
                em,
                kids(on),
                on,
                "domestic_abuse",
                present=present,
                risk="standard",
                victim=mother,
                perpetrator=carer,
            )
            ev.concern_reported(
                em,
                kids(on),
                _d(on, rng.randint(1, 4)),
                "professional",
                "domestic_abuse",
                "Police notification of domestic incident. " + text.NFA,
            )

    # A contact to children's services that was screened out.
    if rng.random() < (0.06 if poverty else 0.02):
        on = some_day()
        if kids(on):
            ev.concern_reported(
                em,
                kids(on)[:1],
                on,
                rng.choice(("public", "anonymous", "professional")),
                rng.choice(("neglect", "other", "emotional")),
                text.NFA,
            )

    # Early help: support offered to families under strain, closed when things improve.
    if family.harm is None and rng.random() < (0.2 if poverty else 0.02):
        on = some_day()
        if kids(on):
            ev.care_status(
                em,
                kids(on),
                on,
                "early_help",
                "start",
                summary="Early help assessment; family support worker allocated.",
            )
            ev.care_status(
                em,
                kids(on),
                _d(on, rng.randint(90, 300)),
                "early_help",
                "end",
                summary="Early help plan closed: outcomes met.",
            )
            family.traits.add("known_to_csc")

    # A child in need plan that worked: concerns, support, closure, no harm after.
    if family.harm is None and poverty and rng.random() < 0.04:
        on = some_day()
        if kids(on):
            ev.concern_reported(em, kids(on), on, "professional", "neglect")
            ev.care_status(em, kids(on), _d(on, 30), "child_in_need", "start", "neglect")
            ev.care_status(
                em,
                kids(on),
                _d(on, rng.randint(200, 400)),
                "child_in_need",
                "end",
                summary="Plan closed; home conditions and attendance improved.",
            )
            family.traits.add("known_to_csc")

    # One parent's own difficulty, without the others: a single factor is not a toxic trio.
    if family.harm is None and rng.random() < (0.09 if poverty else 0.05):
        on = some_day()
        restricted = rng.random() < 0.7
        ev.adult_factor(
            em,
            ag.MENTAL_HEALTH,
            mother,
            kids(on),
            on,
            "mental_health",
            "in_treatment",
            restricted=restricted,
        )
        if rng.random() < 0.6:
            ev.adult_factor(
                em,
                ag.MENTAL_HEALTH,
                mother,
                kids(on),
                _d(on, rng.randint(120, 500)),
                "mental_health",
                "ended",
                restricted=restricted,
            )
    if family.harm is None and rng.random() < 0.02:
        on = some_day()
        carer = family.male_carer_on(on)
        if carer is not None:
            ev.adult_factor(em, ag.SUBSTANCE, carer, kids(on), on, "alcohol_misuse", "in_treatment")

    _household_changes(em, family)


def _household_changes(em: Emitter, family: Family) -> None:
    rng = em.rng
    if family.father is not None and family.father_left is not None and rng.random() < 0.35:
        on = _d(family.father_left, rng.randint(0, 60))
        for child in family.children_on(on)[:1]:
            agency = _setting_for(child, on)
            ev.household_change(
                em,
                agency,
                child,
                on,
                "left",
                "father",
                family.father,
                "Mum says dad has moved out; children see him at weekends.",
            )
    partner, joined = family.partner, family.partner_joined
    if partner is None or joined is None or family.harm is not None:
        return
    on = _d(joined, rng.randint(0, 90))
    told = [c for c in family.children_on(on) if rng.random() < 0.5]
    for child in told:
        ev.household_change(
            em,
            _setting_for(child, on),
            child,
            on,
            "joined",
            "partner_of_parent",
            partner,
            "Mum's new partner has moved in.",
        )
    if told and ("known_to_csc" in family.traits or rng.random() < 0.3):
        # The counterpart of the 'new adult not assessed' pattern: checks were done.
        ev.note(
            em,
            ag.CHILDRENS_SERVICES,
            told[0],
            _d(on, rng.randint(5, 30)),
            "new_adult_assessed",
            "Police and children's services checks completed on mother's new partner. No concerns.",
        )


def _setting_for(child: Person, on: date) -> ag.Agency:
    school = ev.school_agency(child, on)
    if school is not None:
        return school
    if age_days(child.dob, on) < 5 * 365:
        return ag.HEALTH_VISITING
    return ag.housing_for(ev.area_on(child, on))
