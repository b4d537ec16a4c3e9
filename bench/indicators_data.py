"""Synthetic fill for the indicators benchmark: 100,000 children and 5,000,000 events.

Written straight into the operational tables with ``executemany`` on one SQLite
connection, not through the generator and ingest: the generator gives about 15
records a child (100,000 children make 1.5 million records, a third of the
target), and generating then ingesting 5 million records would take most of an
hour; this takes a few minutes and is reused while its size matches.

The shapes follow the generator's: families of a mother, often a partner, and
one to three children; each child about 50 records across nine agencies (a
birth, health appointments, growth measurements under five with weights from
the generator's UK-WHO-like medians, unscheduled care, school attendance
periods, causes for concern, police incidents naming the adults, adult-factor
and housing records about a parent naming the child with role ``child``, social
care status starts and ends, household changes). Every ``details`` is valid
feed v1.

Risk is concentrated in a few families, as in the generator (families.py's
ordinary profile, trajectories.py) and in real populations, so the rules flag a
realistic few children rather than almost all. Each family has a kind that sets
its rates (``RISKS``): ordinary (about 78% of families) are mostly routine
records (attended appointments, about 2.5% was-not-brought; growth; school
attendance near 95%; illness and minor accidents in mobile children, explained
consistently; a police, adult-factor, concern or social care record rarely, no
housing); poverty (about 20%) has a few more missed appointments and
unscheduled visits, housing problems, now and then a police incident or a
spell of early help; high-risk (about 2%) has the rest: missed appointments,
police incidents about domestic abuse and child welfare, the toxic trio among
the adults, injuries with inconsistent or absent explanations, ingestions,
causes for concern, social care plans, faltering growth and severe absence. A
small fill (2,000 children, 100,000 events) flags about 6% of children, nearly
all in high-risk families and about 3% of ordinary children. Linkage is filled in as if already run: one
agency person per (agency, local id), each placed on its person, and the
relationships the records state. Deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import sqlite3
import sys
import time
from collections.abc import Callable
from typing import Any

import orjson

from sightline.synth import growth

END = dt.date(2026, 10, 31)  # the last day anything happened (fixed, so the data is)
FIRST_DOB = dt.date(2008, 11, 1)
LAST_DOB = dt.date(2026, 6, 30)
BATCH = 200_000
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

# code, kind, name, local-id prefix
AGENCIES = (
    ("nhs-acute-nnuh", "health", "Norfolk and Norwich University Hospital", "NNUH"),
    ("gp-norwich", "health", "Norwich GP practices", "GP"),
    ("community-health", "health", "Community health services", "CH"),
    ("school-norfolk", "education", "Norfolk schools", "UPNX"),
    ("early-years-norfolk", "early_years", "Norfolk early years", "EY"),
    ("police-norfolk", "police", "Norfolk Constabulary", "NC"),
    ("adult-services", "adult_services", "Adult social care and mental health", "AS"),
    ("childrens-services", "childrens_services", "Children's services", "CS"),
    ("housing-norwich", "housing", "Norwich housing", "HN"),
)
(ACUTE, GP, COMMUNITY, SCHOOL, EARLY_YEARS, POLICE, ADULT, CHILDRENS, HOUSING) = range(1, 10)

GIVEN_F = ("Amelia", "Olivia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Freya", "Grace", "Poppy")
GIVEN_M = ("Oliver", "George", "Noah", "Arthur", "Leo", "Harry", "Oscar", "Jack", "Alfie", "Finn")
ADULT_F = ("Sarah", "Emma", "Laura", "Kerry", "Jade", "Natalie", "Claire", "Gemma", "Amy")
ADULT_M = ("Daniel", "Lee", "Craig", "Darren", "Ryan", "Mark", "Wayne", "Scott", "Jamie")
FAMILY = (
    "Smith", "Jones", "Taylor", "Brown", "Wilson", "Davies", "Evans", "Thomas", "Johnson",
    "Roberts", "Walker", "Wright", "Thompson", "White", "Hughes", "Edwards", "Green", "Hall",
    "Wood", "Harris", "Lewis", "Martin", "Jackson", "Clarke", "Clark", "Turner", "Hill",
)  # fmt: skip

# Each family has a kind, and the kind sets its children's rates: as in the
# generator (families.py, trajectories.py), most families are ordinary, about a
# fifth live in poverty (a few more missed appointments, housing problems), and a
# few are on a path to harm, where the records that raise flags cluster.
KINDS = ("ordinary", "poverty", "high_risk")
KIND_WEIGHTS = (78, 20, 2)


class _Risk:
    """One kind of family's rates: record types by weight, and what a record says."""

    def __init__(
        self,
        under5: tuple[tuple[str, float], ...],
        over5: tuple[tuple[str, float], ...],
        *,
        not_brought: float,  # share of health appointments the child was not brought to
        hurt: float,  # weight of injury among unscheduled care reasons, mobile children
        baby_hurt: float,  # the same before nine months, when few children move about
        ingestion: float,  # weight of ingestion among them
        unsuitable: float,  # share of injuries explained inconsistently, not at all, or unknown
        injuries: tuple[float, ...],  # weights of _INJURY_KINDS
        missed: float,  # mean school sessions missed of 60 in a period
        police: tuple[float, ...],  # weights of _POLICE categories
        child_present: float,
        factors_ended: float,  # weight of 'ended' among adult-factor statuses
        plans: tuple[float, ...],  # weights of early help, child in need, child protection
        falters: float,  # chance a child's growth falters from some point under five
    ) -> None:
        self.u5 = ([k for k, _ in under5], [w for _, w in under5])
        self.o5 = ([k for k, _ in over5], [w for _, w in over5])
        self.not_brought = not_brought
        self.hurt, self.baby_hurt, self.ingestion = hurt, baby_hurt, ingestion
        self.unsuitable = unsuitable
        self.injuries = injuries
        self.missed = missed
        self.police = police
        self.child_present = child_present
        self.factors_ended = factors_ended
        self.plans = plans
        self.falters = falters


_INJURY_KINDS = ("bruise", "laceration", "fracture", "burn", "head_injury", "other")
_POLICE = ("domestic_abuse", "child_welfare", "antisocial_behaviour", "other")

# Ordinary families: mostly routine records (attended appointments, growth, school
# attendance near 95%, illness and minor accidents explained consistently), and a
# police, adult-factor, concern or social care record only now and then.
# fmt: off
RISKS = {
    "ordinary": _Risk(
        (("health_appointment", 16), ("growth_measurement", 52), ("unscheduled_care", 4),
         ("cause_for_concern", 0.25), ("police_incident", 0.08), ("adult_factor", 0.15),
         ("social_care_status", 0.08), ("housing", 0), ("household_change", 0.4)),
        (("health_appointment", 10), ("school_attendance", 62), ("unscheduled_care", 4),
         ("cause_for_concern", 0.5), ("school_exclusion", 0.1), ("police_incident", 0.1),
         ("adult_factor", 0.15), ("social_care_status", 0.08), ("housing", 0),
         ("household_change", 0.4)),
        not_brought=0.025, hurt=20, baby_hurt=0, ingestion=0.3, unsuitable=0.01,
        injuries=(40, 35, 4, 1, 10, 8), missed=2.7, police=(20, 5, 40, 35), child_present=0.3,
        factors_ended=40, plans=(85, 15, 0), falters=0.0,
    ),
    # Poverty: a few more missed appointments and unscheduled visits, housing
    # problems, and now and then a police incident (a few families have one about
    # domestic abuse) or a short spell of early help.
    "poverty": _Risk(
        (("health_appointment", 16), ("growth_measurement", 50), ("unscheduled_care", 5),
         ("cause_for_concern", 0.5), ("police_incident", 0.2), ("adult_factor", 0.2),
         ("social_care_status", 0.3), ("housing", 1.5), ("household_change", 0.8)),
        (("health_appointment", 10), ("school_attendance", 60), ("unscheduled_care", 5),
         ("cause_for_concern", 1), ("school_exclusion", 0.3), ("police_incident", 0.3),
         ("adult_factor", 0.2), ("social_care_status", 0.3), ("housing", 1.5),
         ("household_change", 0.8)),
        not_brought=0.035, hurt=22, baby_hurt=0, ingestion=0.3, unsuitable=0.015,
        injuries=(40, 33, 5, 1, 10, 8), missed=4, police=(40, 10, 30, 20), child_present=0.5,
        factors_ended=30, plans=(70, 28, 2), falters=0.0,
    ),
    # On a path to harm: the mix the whole fill had before, and more (missed
    # appointments, police and adult-factor records, injuries badly explained,
    # causes for concern, social care plans, faltering growth, absence).
    "high_risk": _Risk(
        (("health_appointment", 30), ("growth_measurement", 30), ("unscheduled_care", 8),
         ("cause_for_concern", 4), ("police_incident", 5), ("adult_factor", 6),
         ("social_care_status", 3), ("housing", 3), ("household_change", 1.5)),
        (("health_appointment", 18), ("school_attendance", 36), ("unscheduled_care", 8),
         ("cause_for_concern", 9), ("school_exclusion", 1.5), ("police_incident", 7),
         ("adult_factor", 6), ("social_care_status", 3), ("housing", 3),
         ("household_change", 1.5)),
        not_brought=0.15, hurt=45, baby_hurt=3, ingestion=8, unsuitable=0.25,
        injuries=(30, 20, 15, 15, 12, 8), missed=12, police=(45, 25, 15, 15), child_present=0.7,
        factors_ended=15, plans=(45, 35, 20), falters=0.3,
    ),
}
# fmt: on


def _public_id(n: int) -> str:
    # A bijection of n on 50 bits (an odd multiplier), written in Crockford's base32.
    x = (n * 0x2F0F_7C2B_D1A5) % (1 << 50)
    return "P-" + "".join(_ALPHABET[(x >> (5 * i)) & 31] for i in range(9, -1, -1))


class _Fill:
    def __init__(self, con: sqlite3.Connection, seed: int, log: Callable[[str], None]) -> None:
        self.con = con
        self.rng = random.Random(seed)
        self.log = log
        self.record_id = 0
        self.line = [0] * (len(AGENCIES) + 1)
        self.ap: dict[tuple[int, int], int] = {}  # (agency, person) -> agency person id
        self.next_ap = 1
        self.ap_rows: list[tuple[Any, ...]] = []
        self.people: dict[int, tuple[str, str, str | None, str, str]] = {}
        self.rels: dict[tuple[int, int, str], list[Any]] = {}
        self.src: list[tuple[Any, ...]] = []
        self.subj: list[tuple[Any, ...]] = []
        self.heads: list[tuple[Any, ...]] = []
        self.events = 0
        self.subjects = 0
        self.kinds = dict.fromkeys(KINDS, 0)  # families of each kind

    # ---- people --------------------------------------------------------------------

    def person(
        self, n: int, given: str, family: str, dob: dt.date | None, sex: str, pc: str
    ) -> None:
        self.people[n] = (given, family, dob.isoformat() if dob else None, sex, pc)

    def agency_person(self, agency: int, person: int) -> tuple[int, str]:
        local = f"{AGENCIES[agency - 1][3]}{person:08d}"
        key = (agency, person)
        ap = self.ap.get(key)
        if ap is None:
            ap = self.next_ap
            self.next_ap += 1
            self.ap[key] = ap
            self.ap_rows.append((ap, agency, local, person, "2026-11-01 00:00:00"))
        return ap, local

    # ---- one record ----------------------------------------------------------------

    def record(
        self,
        agency: int,
        kind: str,
        day: dt.date,
        subject: int,
        details: dict[str, Any],
        related: tuple[tuple[str, int], ...] = (),
    ) -> None:
        self.record_id += 1
        rid = self.record_id
        self.line[agency] += 1
        code = AGENCIES[agency - 1][0]
        record_id = f"{AGENCIES[agency - 1][3]}-R{rid:09d}"
        on = day.isoformat()
        received = f"{(day + dt.timedelta(days=1 + rid % 9)).isoformat()} 02:{rid % 60:02d}:00"
        named = []
        for role, who in (("subject", subject), *related):
            ap, local = self.agency_person(agency, who)
            given, family, dob, sex, pc = self.people[who]
            person: dict[str, Any] = {"local_id": local, "given_name": given, "family_name": family}
            if dob:
                person["date_of_birth"] = dob
            person["sex"] = sex
            person["postcode"] = pc
            named.append((role, person))
            self.subj.append(
                (rid, agency, local, role, given, family, "[]", dob, None, sex, "", "", "", "",
                 pc, pc, "")
            )  # fmt: skip
            self.subjects += 1
            if role != "subject":
                sub_ap = self.ap[(agency, subject)]
                key = (sub_ap, ap, role)
                rel = self.rels.get(key)
                if rel is None:
                    self.rels[key] = [subject, who, on, on, rid, 1]
                else:
                    rel[2], rel[3], rel[5] = min(rel[2], on), max(rel[3], on), rel[5] + 1
        details_json = orjson.dumps(details).decode()
        envelope: dict[str, Any] = {
            "agency": code,
            "record_id": record_id,
            "type": kind,
            "occurred_at": on,
            "subject": named[0][1],
            "details": details,
        }
        if related:
            envelope["related"] = [{"role": r, "person": p} for r, p in named[1:]]
        payload = orjson.dumps(envelope)
        digest = hashlib.sha256(payload).hexdigest()
        self.src.append(
            (rid, agency, received, agency, record_id, 1, kind, on, None, None, details_json,
             "", "normal", "[]", payload.decode(), digest, self.line[agency])
        )  # fmt: skip
        self.heads.append((agency, record_id, 1, digest, rid))
        self.events += 1
        if len(self.src) >= BATCH:
            self.flush()

    def flush(self) -> None:
        cur = self.con.cursor()
        cur.executemany(
            f"INSERT INTO feeds_sourcerecord ({_SRC}) VALUES ({_marks(_SRC)})", self.src
        )
        cur.executemany(
            f"INSERT INTO feeds_subjectrecord ({_SUBJ}) VALUES ({_marks(_SUBJ)})", self.subj
        )
        cur.executemany(
            f"INSERT INTO feeds_recordhead ({_HEAD}) VALUES ({_marks(_HEAD)})", self.heads
        )
        self.src, self.subj, self.heads = [], [], []
        self.log(f"{self.events:,} events written")

    # ---- a family ------------------------------------------------------------------

    def family(self, first_person: int, children: list[int]) -> int:
        """One family of a kind: a mother, perhaps a partner, and children with their budgets."""
        rng = self.rng
        kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
        self.kinds[kind] += 1
        surname = rng.choice(FAMILY)
        pc = f"NR{rng.randint(1, 34)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        n = first_person
        mother = n
        kids_dobs = [
            dt.date.fromordinal(rng.randint(FIRST_DOB.toordinal(), LAST_DOB.toordinal()))
            for _ in children
        ]
        mdob = min(kids_dobs) - dt.timedelta(days=rng.randint(18 * 365, 38 * 365))
        self.person(mother, rng.choice(ADULT_F), surname, mdob, "female", pc)
        n += 1
        partner = None
        if rng.random() < (0.65 if kind == "high_risk" else 0.5):
            partner = n
            pdob = mdob - dt.timedelta(days=rng.randint(-3 * 365, 8 * 365))
            self.person(partner, rng.choice(ADULT_M), rng.choice(FAMILY), pdob, "male", pc)
            n += 1
        adults = (mother,) if partner is None else (mother, partner)
        for budget, dob in zip(children, kids_dobs, strict=True):
            child = n
            n += 1
            sex = rng.choice(("female", "male"))
            given = rng.choice(GIVEN_F if sex == "female" else GIVEN_M)
            self.person(child, given, surname, dob, sex, pc)
            self.child(child, dob, budget, mother, partner, adults, kind)
        return n

    def child(
        self,
        child: int,
        dob: dt.date,
        budget: int,
        mother: int,
        partner: int | None,
        adults: tuple[int, ...],
        family_kind: str,
        birth: bool = True,
    ) -> None:
        rng = self.rng
        risk = RISKS[family_kind]
        sex = str(self.people[child][3])
        # Weights as the generator gives them (its UK-WHO-like medians and spread, by
        # sex, corrected for gestation): a child tracks a centile near its birth one,
        # give or take a little each time it is weighed.
        birth_sds = rng.gauss(0, 1)
        weight_sds = birth_sds * 0.6 + rng.gauss(0, 0.6)
        height_sds = rng.gauss(0, 1)
        # A child whose growth falters falls away from its centile from some age.
        falter_from = rng.randint(60, 900) if rng.random() < risk.falters else None
        gest = rng.choices((36, 38, 39, 40, 41, 42), (5, 15, 25, 30, 20, 5))[0]
        if birth:
            self.record(
            ACUTE,
            "birth",
            dob,
            child,
            {"birth_weight_kg": round(growth.birth_weight_kg(sex, gest, birth_sds), 2),
             "gestation_weeks": gest},
            (("mother", mother),),
        )  # fmt: skip
        start, end = dob.toordinal(), END.toordinal()
        days = sorted(rng.randint(start, end) for _ in range(budget - int(birth)))
        in_care: str | None = None
        for o in days:
            day = dt.date.fromordinal(o)
            age = o - start
            under5 = age < 5 * 365
            kind = rng.choices(*risk.u5)[0] if under5 else rng.choices(*risk.o5)[0]
            if kind == "health_appointment":
                service = (
                    rng.choice(("health_visitor", "gp", "gp", "immunisation"))
                    if under5
                    else rng.choice(("gp", "gp", "school_nurse", "dental"))
                )
                if rng.random() < risk.not_brought:
                    outcome = "was_not_brought"
                else:
                    outcome = rng.choices(
                        ("attended", "cancelled_by_family", "cancelled_by_service"), (92, 4, 4)
                    )[0]
                if outcome == "was_not_brought" and age >= 16 * 365:
                    outcome = "did_not_attend"
                agency = GP if service in ("gp", "dental") else COMMUNITY
                rel = (("mother", mother),) if under5 and rng.random() < 0.5 else ()
                self.record(agency, kind, day, child, {"service": service, "outcome": outcome}, rel)
            elif kind == "growth_measurement":
                sds = weight_sds + rng.gauss(0, 0.05)
                if falter_from is not None and age > falter_from:
                    sds -= min(2.5, (age - falter_from) / 150)
                d: dict[str, Any] = {"weight_kg": growth.weight_kg(sex, age, sds, gest)}
                if rng.random() < 0.5:
                    d["height_cm"] = growth.length_cm(sex, age, height_sds, gest)
                self.record(COMMUNITY, kind, day, child, d)
            elif kind == "unscheduled_care":
                # Babies who cannot move about are rarely injured: most of the injuries
                # they do have are what the not-mobile rule exists for, so outside
                # families on a path to harm they have none.
                hurt = risk.hurt if age > 270 else risk.baby_hurt
                reason = rng.choices(
                    ("injury", "illness", "ingestion", "other"), (hurt, 60, risk.ingestion, 6)
                )[0]
                d = {
                    "setting": rng.choice(
                        ("emergency_department", "minor_injuries", "urgent_care", "out_of_hours")
                    ),
                    "reason": reason,
                }
                if reason == "injury":
                    explanation = (
                        rng.choice(("inconsistent", "absent", "unknown"))
                        if rng.random() < risk.unsuitable
                        else "consistent"
                    )
                    d["injury"] = {
                        "kind": rng.choices(_INJURY_KINDS, risk.injuries)[0],
                        "site": rng.choice(("arm", "leg", "head", "face", "hand", "torso")),
                        "explanation": explanation,
                    }
                if rng.random() < (0.6 if family_kind == "high_risk" else 0.9):
                    d["independently_mobile"] = age > 270
                d["admitted"] = rng.random() < 0.1
                self.record(ACUTE, kind, day, child, d)
            elif kind == "school_attendance":
                possible = 60
                missed = min(possible, int(rng.expovariate(1 / risk.missed)))
                d = {
                    "period_start": (day - dt.timedelta(days=41)).isoformat(),
                    "period_end": day.isoformat(),
                    "sessions_possible": possible,
                    "sessions_attended": possible - missed,
                    "unauthorised_absence_sessions": missed // 2,
                }
                self.record(SCHOOL, kind, day, child, d)
            elif kind == "school_exclusion":
                self.record(
                    SCHOOL, kind, day, child, {"kind": "suspension", "sessions": rng.randint(2, 10)}
                )
            elif kind == "cause_for_concern":
                setting = "early_years" if under5 else "school"
                d = {
                    "setting": setting,
                    "category": rng.choice(
                        ("hunger", "hygiene", "clothing", "injury", "supervision", "behaviour",
                         "attendance", "other")
                        if family_kind == "high_risk"
                        else ("hygiene", "clothing", "behaviour", "attendance", "other")
                    ),
                }  # fmt: skip
                self.record(EARLY_YEARS if under5 else SCHOOL, kind, day, child, d)
            elif kind == "police_incident":
                d = {
                    "category": rng.choices(_POLICE, risk.police)[0],
                    "child_present": rng.random() < risk.child_present,
                    "risk": rng.choices(("standard", "medium", "high"), (70, 25, 5))[0],
                }
                rel2: tuple[tuple[str, int], ...] = (("mother", mother),)
                if partner is not None:
                    rel2 += (("partner_of_parent", partner),)
                self.record(POLICE, kind, day, child, d, rel2)
            elif kind == "adult_factor":
                adult = rng.choice(adults)
                # Outside families on a path to harm, mostly a parent's mental health,
                # treated or over.
                d = {
                    "factor": rng.choices(
                        ("domestic_abuse_victim" if adult == mother else "domestic_abuse_perpetrator",
                         "substance_misuse", "alcohol_misuse", "mental_health"),
                        (1, 1, 1, 1) if family_kind == "high_risk" else (1, 1, 1, 12),
                    )[0],
                    "status": rng.choices(
                        ("identified", "in_treatment", "disengaged", "ended"),
                        (25, 35, 25 if family_kind == "high_risk" else 5, risk.factors_ended),
                    )[0],
                }  # fmt: skip
                self.record(ADULT, kind, day, adult, d, (("child", child),))
            elif kind == "social_care_status":
                if in_care is None:
                    in_care = rng.choices(
                        ("early_help", "child_in_need", "child_protection"), risk.plans
                    )[0]
                    d = {"status": in_care, "change": "start"}
                else:
                    d = {"status": in_care, "change": "end"}
                    in_care = None
                if d["status"] == "child_protection":
                    d["category"] = "neglect"
                self.record(CHILDRENS, kind, day, child, d)
            elif kind == "housing":
                d = {"issue": rng.choice(("poor_conditions", "overcrowding", "eviction_notice"))}
                self.record(HOUSING, kind, day, mother, d, (("child", child),))
            else:  # household_change
                if partner is None:
                    d = {"change": "left", "member_role": "father"}
                    self.record(CHILDRENS, kind, day, child, d, (("mother", mother),))
                else:
                    d = {
                        "change": rng.choice(("joined", "left")),
                        "member_role": "partner_of_parent",
                    }
                    self.record(CHILDRENS, kind, day, child, d, (("partner_of_parent", partner),))


_SRC = (
    "id, agency_id, received_at, feed_file_id, record_id, version, type, occurred_on,"
    " occurred_at, recorded_at, details, summary, sensitivity, warnings, payload,"
    " content_hash, line_number"
)
_SUBJ = (
    "source_record_id, agency_id, local_id, role, given_name, family_name, other_names,"
    " date_of_birth, expected_date_of_birth, sex, nhs_number_as_written, nhs_number,"
    " upn_as_written, upn, postcode_as_written, postcode, address"
)
_HEAD = "agency_id, record_id, version, content_hash, source_record_id"


def _marks(columns: str) -> str:
    return ", ".join("?" for _ in columns.split(","))


def budgets(children: int, events: int, rng: random.Random) -> list[int]:
    """Events a child, about events/children each, varied in pairs so they sum exactly."""
    mean = events // children
    out: list[int] = []
    for _ in range(children // 2):
        d = rng.randint(-mean * 3 // 5, mean * 3 // 5)
        out += [mean + d, mean - d]
    if children % 2:
        out.append(mean)
    out[-1] += events - sum(out)
    rng.shuffle(out)
    return out


def fill(
    path: str, *, children: int, events: int, seed: int, log: Callable[[str], None]
) -> dict[str, int]:
    """Fill a migrated, empty SQLite database at ``path``; return what was written."""
    started = time.perf_counter()
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-1000000")
    con.execute("BEGIN")
    f = _Fill(con, seed, log)
    now = "2026-11-01 00:00:00"
    con.executemany(
        "INSERT INTO feeds_agency (id, code, name, kind, created_at) VALUES (?, ?, ?, ?, ?)",
        [(i + 1, code, name, kind, now) for i, (code, kind, name, _) in enumerate(AGENCIES)],
    )
    plan = budgets(children, events, f.rng)
    person = 1
    i = 0
    while i < len(plan):
        size = min(f.rng.choices((1, 2, 3), (45, 35, 20))[0], len(plan) - i)
        person = f.family(person, plan[i : i + size])
        i += size
    f.flush()
    con.executemany(
        "INSERT INTO feeds_feedfile (id, name, checksum, size_bytes, received_at, sent_by, status,"
        " error, lines_read, accepted, duplicates, superseded, stale, rejected, warnings,"
        " owner, committed_line)"
        " VALUES (?, ?, ?, 0, ?, '', 'complete', '', ?, ?, 0, 0, 0, 0, 0, '', ?)",
        [
            (a, f"{AGENCIES[a - 1][0]}-bench.jsonl", "0" * 64, now, f.line[a], f.line[a], f.line[a])
            for a in range(1, len(AGENCIES) + 1)
        ],
    )
    con.executemany(
        "INSERT INTO linkage_person (id, public_id, created_at) VALUES (?, ?, ?)",
        [(n, _public_id(n), now) for n in sorted(f.people)],
    )
    con.executemany(
        "INSERT INTO linkage_agencyperson (id, agency_id, local_id, person_id, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        f.ap_rows,
    )
    con.executemany(
        "INSERT INTO linkage_relationship (agency_person_id, related_agency_person_id, person_id,"
        " related_person_id, role, start_date, end_date, first_recorded, last_recorded,"
        " source_record_id, records) VALUES (?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, ?)",
        [(a, b, p, q, role, first, last, src, n) for (a, b, role), (p, q, first, last, src, n)
         in f.rels.items()],
    )  # fmt: skip
    con.execute("COMMIT")
    con.execute("PRAGMA journal_mode=WAL")
    con.close()
    counts = {
        "children": children,
        "events": f.events,
        "persons": len(f.people),
        "subject_records": f.subjects,
        "agency_persons": len(f.ap_rows),
        "relationships": len(f.rels),
        "seconds": round(time.perf_counter() - started),
        **{f"families_{kind}": n for kind, n in f.kinds.items()},
    }
    return counts


def top_up(path: str, pk: int, to: int, *, seed: int, log: Callable[[str], None]) -> int:
    """Give child ``pk`` more records, shaped like a high-risk family's, until ``to`` name them."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    f = _Fill(con, seed, log)
    f.record_id = con.execute("SELECT max(id) FROM feeds_sourcerecord").fetchone()[0]
    family = {pk: "subject"}
    for other, role in con.execute(
        "SELECT related_person_id, role FROM linkage_relationship WHERE person_id = ?", (pk,)
    ):
        family.setdefault(other, role)
    marks = ",".join("?" for _ in family)
    for ap, agency, person in con.execute(
        f"SELECT id, agency_id, person_id FROM linkage_agencyperson WHERE person_id IN ({marks})",
        list(family),
    ):
        f.ap[(agency, person)] = ap
    for person, given, fam, dob, sex, pc in con.execute(
        "SELECT ap.person_id, sr.given_name, sr.family_name, sr.date_of_birth, sr.sex, sr.postcode"
        " FROM feeds_subjectrecord sr JOIN linkage_agencyperson ap"
        " ON ap.agency_id = sr.agency_id AND ap.local_id = sr.local_id"
        f" WHERE ap.person_id IN ({marks})",
        list(family),
    ):
        f.people[person] = (given, fam, dob, sex, pc)
    have = con.execute(
        "SELECT count(DISTINCT sr.source_record_id) FROM feeds_subjectrecord sr"
        " JOIN linkage_agencyperson ap ON ap.agency_id = sr.agency_id AND ap.local_id = sr.local_id"
        " WHERE ap.person_id = ?",
        (pk,),
    ).fetchone()[0]
    mother = next(p for p, r in family.items() if r == "mother")
    partner = next((p for p, r in family.items() if r == "partner_of_parent"), None)
    adults = (mother,) if partner is None else (mother, partner)
    dob = dt.date.fromisoformat(str(f.people[pk][2]))
    f.next_ap = con.execute("SELECT max(id) + 1 FROM linkage_agencyperson").fetchone()[0]
    # The high-risk mix, whatever the child's family was: it has every record type in
    # number, so re-evaluating the child exercises every rule.
    f.child(pk, dob, to - have, mother, partner, adults, "high_risk", birth=False)
    f.flush()
    # Agency persons the new records needed (an agency that had not named them before).
    con.executemany(
        "INSERT INTO linkage_agencyperson (id, agency_id, local_id, person_id, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        f.ap_rows,
    )
    con.execute("COMMIT")
    con.close()
    return to - have


if __name__ == "__main__":  # a quick look: python -m bench.indicators_data PATH CHILDREN EVENTS
    print(fill(sys.argv[1], children=int(sys.argv[2]), events=int(sys.argv[3]), seed=1, log=print))
