"""The partner agencies of the synthetic borough and how each keeps its records.

How an agency records people is what makes linkage hard, so each carries its
own habits: which identifiers it holds, how informal its names are, whether it
writes surnames in capitals, how long it takes to learn of a house move, how
often it registers someone twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from sightline.synth.identifiers import Permutation
from sightline.synth.places import AREAS


@dataclass(frozen=True, slots=True)
class Agency:
    code: str
    kind: str
    id_prefix: str
    record_prefix: str
    timed: bool  # occurred_at carries a time and offset (calls, attendances, incidents)
    nhs_share: float  # share of people whose NHS number this agency holds
    upn_share: float
    nickname_rate: float
    upper_surname: float  # share of people whose surname the system holds in capitals
    dob_missing: float
    address_style: str  # full, abbrev, upper, street, or none
    address_lag: tuple[int, int]  # days to learn of a move
    duplicate_rate: float  # chance of a second registration of one person
    recorded_lag_hours: tuple[int, int] | None
    summary_rate: float

    def local_perm(self, seed: int) -> Permutation:
        return Permutation(f"{seed}|{self.code}|person", 10**4)

    def record_perm(self, seed: int) -> Permutation:
        return Permutation(f"{seed}|{self.code}|record", 10**5)


def _a(
    code: str,
    kind: str,
    id_prefix: str,
    record_prefix: str,
    *,
    timed: bool = False,
    nhs: float = 0.0,
    upn: float = 0.0,
    nick: float = 0.03,
    upper: float = 0.0,
    dob_missing: float = 0.0,
    address: str = "full",
    lag: tuple[int, int] = (0, 90),
    dup: float = 0.01,
    recorded: tuple[int, int] | None = None,
    summary: float = 0.4,
) -> Agency:
    return Agency(
        code,
        kind,
        id_prefix,
        record_prefix,
        timed,
        nhs,
        upn,
        nick,
        upper,
        dob_missing,
        address,
        lag,
        dup,
        recorded,
        summary,
    )


_HOSPITALS = {
    "norwich": "nnuh",
    "north": "nnuh",
    "south": "nnuh",
    "yarmouth": "jpuh",
    "lynn": "qeh",
}
_HOSPITAL_PREFIX = {"nnuh": "N", "jpuh": "J", "qeh": "Q"}

MATERNITY = {
    h: _a(
        f"nhs-{h}-maternity",
        "maternity",
        f"{p}MAT",
        f"{p}M-",
        nhs=0.99,
        lag=(0, 30),
        dup=0.005,
        summary=0.3,
    )
    for h, p in _HOSPITAL_PREFIX.items()
}
ACUTE = {
    h: _a(
        f"nhs-{h}-ed",
        "acute",
        f"{p}RN",
        f"{p}ED-",
        timed=True,
        nhs=0.93,
        upper=0.15,
        address="upper",
        lag=(0, 200),
        dup=0.02,
        recorded=(0, 6),
        summary=0.6,
    )
    for h, p in _HOSPITAL_PREFIX.items()
}
AMBULANCE = _a(
    "eeast-ambulance",
    "ambulance",
    "EEAST-",
    "CAD-",
    timed=True,
    nhs=0.55,
    upper=0.4,
    dob_missing=0.08,
    address="upper",
    lag=(0, 0),
    dup=0.5,
    recorded=(0, 3),
    summary=0.7,
)
HEALTH_VISITING = _a("nhs-community-hv", "hv", "HV-P-", "HV-", nhs=0.98, lag=(0, 45), dup=0.005)
GP = {
    area: _a(
        f"gp-{area}-pcn",
        "gp",
        "S1",
        f"GP{area[:2].upper()}-",
        nhs=0.99,
        address="abbrev",
        lag=(0, 365),
        dup=0.008,
        summary=0.25,
    )
    for area in AREAS
}
SCHOOL = {
    (area, phase): _a(
        f"school-{area}-{phase}",
        "school",
        "ADM",
        f"SC{area[:2].upper()}{phase[0].upper()}-",
        upn=0.995,
        nhs=0.02,
        nick=0.2,
        address="street",
        lag=(0, 120),
        dup=0.004,
        summary=0.5,
    )
    for area in AREAS
    for phase in ("primary", "secondary")
}
EARLY_YEARS = _a(
    "norfolk-early-years",
    "early_years",
    "EY",
    "EYC-",
    nick=0.25,
    address="street",
    lag=(0, 60),
    dup=0.01,
    summary=0.9,
)
POLICE = _a(
    "norfolk-police",
    "police",
    "NP-",
    "NP-",
    timed=True,
    nhs=0.0,
    nick=0.15,
    upper=0.6,
    dob_missing=0.12,
    address="upper",
    lag=(0, 30),
    dup=0.04,
    recorded=(1, 48),
    summary=0.9,
)
HOUSING = {
    area: _a(
        f"housing-{area}",
        "housing",
        "HSG",
        f"HO{area[:2].upper()}-",
        nick=0.08,
        dob_missing=0.3,
        address="full",
        lag=(0, 0),
        dup=0.01,
        summary=0.7,
    )
    for area in AREAS
}
SUBSTANCE = _a(
    "cgl-norfolk",
    "substance",
    "CGL",
    "CGL-",
    nhs=0.7,
    nick=0.1,
    dob_missing=0.02,
    address="full",
    lag=(0, 60),
    dup=0.02,
    summary=0.6,
)
MENTAL_HEALTH = _a(
    "nsft-adult-mental-health",
    "mental_health",
    "NSFT",
    "NSFT-",
    nhs=0.97,
    address="full",
    lag=(0, 90),
    dup=0.01,
    summary=0.6,
)
DOMESTIC_ABUSE = _a(
    "norfolk-da-service",
    "da_service",
    "DAS",
    "DAS-",
    nick=0.1,
    dob_missing=0.1,
    address="none",
    lag=(0, 0),
    dup=0.01,
    summary=0.7,
)
CHILDRENS_SERVICES = _a(
    "norfolk-csc",
    "csc",
    "",
    "CSC-",
    nhs=0.7,
    upn=0.5,
    nick=0.05,
    address="full",
    lag=(0, 60),
    dup=0.015,
    recorded=(2, 96),
    summary=0.8,
)

ALL: tuple[Agency, ...] = (
    *MATERNITY.values(),
    *ACUTE.values(),
    AMBULANCE,
    HEALTH_VISITING,
    *GP.values(),
    *SCHOOL.values(),
    EARLY_YEARS,
    POLICE,
    *HOUSING.values(),
    SUBSTANCE,
    MENTAL_HEALTH,
    DOMESTIC_ABUSE,
    CHILDRENS_SERVICES,
)
BY_CODE = {a.code: a for a in ALL}


def maternity_for(area: str) -> Agency:
    return MATERNITY[_HOSPITALS[area]]


def acute_for(area: str) -> Agency:
    return ACUTE[_HOSPITALS[area]]


def gp_for(area: str) -> Agency:
    return GP[area]


def school_for(area: str, secondary: bool) -> Agency:
    return SCHOOL[(area, "secondary" if secondary else "primary")]


def housing_for(area: str) -> Agency:
    return HOUSING[area]
