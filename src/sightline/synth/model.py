"""The true state of a synthetic family: who they are, where they live, what happens.

Agencies see this only through their own imperfect records (records.py); the
truth files are written from these objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sightline.synth.places import Address


@dataclass(slots=True)
class Home:
    start: date
    area: str
    address: Address


@dataclass(slots=True)
class Profile:
    """How a child's life tends to go; trajectories bend these for the harmed child."""

    weight_sds: float
    height_sds: float
    attendance: float  # share of sessions attended in an ordinary term
    miss_rate: float  # chance of not being brought to a health appointment
    urgent_rate: float  # unscheduled care episodes a year
    falter: tuple[date, date, float] | None = None  # weight SDS falls by this much between
    miss_windows: list[tuple[date, date, float]] = field(default_factory=list)
    attendance_windows: list[tuple[date, date, float]] = field(default_factory=list)
    extra_weighs: list[date] = field(default_factory=list)

    def miss_rate_on(self, d: date) -> float:
        for start, end, rate in self.miss_windows:
            if start <= d <= end:
                return rate
        return self.miss_rate

    def attendance_on(self, d: date) -> float:
        for start, end, rate in self.attendance_windows:
            if start <= d <= end:
                return rate
        return self.attendance

    def weight_sds_on(self, d: date) -> float:
        if self.falter is None:
            return self.weight_sds
        start, end, drop = self.falter
        if d <= start:
            return self.weight_sds
        if d >= end:
            return self.weight_sds - drop
        return self.weight_sds - drop * (d - start).days / max(1, (end - start).days)


@dataclass(slots=True)
class Person:
    key: str  # the truth person_key
    index: int  # global index behind NHS number and ids
    kind: str  # child or adult
    role: str  # role in the household: mother, father, partner_of_parent, child, other
    sex: str
    given: str
    surnames: list[tuple[date, str]]  # surname in use from each date, oldest first
    dob: date
    nhs: str
    homes: list[Home]
    upn: str | None = None
    named_on: date | None = None  # when agencies first hear the registered name
    gestation: int = 40
    birth_sds: float = 0.0
    twin: bool = False
    profile: Profile | None = None

    def surname_index(self, d: date) -> int:
        i = 0
        for j in range(1, len(self.surnames)):
            if self.surnames[j][0] <= d:
                i = j
        return i

    def home_index(self, d: date) -> int:
        i = 0
        homes = self.homes
        for j in range(1, len(homes)):
            if homes[j].start <= d:
                i = j
            else:
                break
        return i

    def home_on(self, d: date) -> Home:
        return self.homes[self.home_index(d)]


@dataclass(slots=True)
class Harm:
    kind: str
    child: Person
    started_on: date
    harm_on: date
    strength: float
    description: str = ""


@dataclass(slots=True)
class Family:
    no: int
    key: str
    kind: str  # ordinary, poverty or trajectory
    mother: Person
    children: list[Person]
    homes: list[Home]
    father: Person | None = None
    father_left: date | None = None
    partner: Person | None = None
    partner_joined: date | None = None
    others: list[Person] = field(default_factory=list)  # people outside the household
    traits: set[str] = field(default_factory=set)
    harm: Harm | None = None

    @property
    def household_start(self) -> date:
        return min(c.dob for c in self.children)

    def adults_on(self, d: date) -> list[Person]:
        adults = [self.mother]
        if self.father is not None and (self.father_left is None or d < self.father_left):
            adults.append(self.father)
        if (
            self.partner is not None
            and self.partner_joined is not None
            and d >= self.partner_joined
        ):
            adults.append(self.partner)
        return adults

    def male_carer_on(self, d: date) -> Person | None:
        for adult in self.adults_on(d)[1:]:
            return adult
        return None

    def children_on(self, d: date) -> list[Person]:
        return [c for c in self.children if c.dob <= d]
