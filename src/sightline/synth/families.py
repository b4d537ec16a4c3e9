"""Who lives in the synthetic borough: the census of families, then each family's truth.

The census is drawn in one pass from the run's seed and decides only what
must be known before any family is built (its kind and number of children),
so that the families add up to exactly the number of children asked for.
Each family is then built from its own random stream, seeded by the run's seed
and its number, independent of every other family.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from sightline.synth.identifiers import NhsNumbers, Upns
from sightline.synth.model import Family, Home, Person, Profile
from sightline.synth.names import BOYS, GIRLS, MEN, SURNAMES, WOMEN
from sightline.synth.places import AREAS, random_address
from sightline.synth.timeline import DAY, reception_year, school_feed_start, years_before
from sightline.synth.trajectories import (
    HARM_AGE_DAYS,
    KINDS,
    LEAD_DAYS,
    NEEDS_SCHOOL_FEED,
    shape_family,
)

PERSON_STRIDE = 16  # person indexes per family: 0-7 adults, 8-15 children
CHILD_STRIDE = 8
MAX_CHILDREN = 7

_AREA_WEIGHTS = {
    "ordinary": (32, 16, 17, 15, 20),
    "poverty": (25, 32, 18, 10, 15),
    "trajectory": (22, 38, 17, 9, 14),
}


@dataclass(frozen=True, slots=True)
class FamilyPlan:
    no: int
    kind: str  # ordinary, poverty, trajectory
    trajectory: str | None
    children: int
    namesake_of: FamilyPlan | None = None


def census(seed: int, children: int) -> Iterator[FamilyPlan]:
    """Families in order until exactly ``children`` children exist.

    Trajectory kinds are dealt from a shuffled deck, so every kind turns up
    once a few dozen harmed children exist instead of by luck.
    """
    rng = random.Random(f"sightline/census/{seed}")
    deck: list[str] = []
    total = 0
    no = 0
    previous: FamilyPlan | None = None
    while total < children:
        roll = rng.random()
        trajectory = None
        if roll < 0.034:
            kind = "trajectory"
            if not deck:
                deck = list(KINDS)
                rng.shuffle(deck)
            trajectory = deck.pop()
            low = 3 if trajectory == "neglect_faltering_growth" else 1
            n = rng.randint(low, 6 if low == 3 else 4)
        elif roll < 0.19:
            kind = "poverty"
            n = rng.choices((1, 2, 3, 4, 5, 6), (22, 32, 25, 12, 6, 3))[0]
        else:
            kind = "ordinary"
            n = rng.choices((1, 2, 3, 4, 5), (38, 38, 17, 5, 2))[0]
        n = min(n, children - total)
        namesake = None
        if (
            previous is not None
            and previous.namesake_of is None
            and kind != "trajectory"
            and rng.random() < 0.012
        ):
            namesake = previous
        plan = FamilyPlan(no, kind, trajectory, n, namesake)
        yield plan
        total += n
        no += 1
        previous = plan


class Builder:
    """Builds each family's truth for one run (seed and window)."""

    def __init__(self, seed: int, since: date, until: date) -> None:
        self.seed = seed
        self.since = since
        self.until = until
        self.nhs = NhsNumbers(str(seed))
        self.upns = Upns(str(seed))
        self.oldest_dob = years_before(until, 18) + DAY  # 17 at the end of the window

    def rng_for(self, no: int) -> random.Random:
        return random.Random(f"sightline/family/{self.seed}/{no}")

    def _person(
        self,
        no: int,
        slot: int,
        label: str,
        *,
        kind: str,
        role: str,
        sex: str,
        given: str,
        surnames: list[tuple[date, str]],
        dob: date,
        homes: list[Home],
    ) -> Person:
        index = no * PERSON_STRIDE + slot
        return Person(
            key=f"F{no:07d}-{label}",
            index=index,
            kind=kind,
            role=role,
            sex=sex,
            given=given,
            surnames=surnames,
            dob=dob,
            nhs=self.nhs(index),
            homes=homes,
        )

    def _homes(self, rng: random.Random, area: str, start: date, rate: float) -> list[Home]:
        homes = [Home(start, area, random_address(rng, area))]
        span = (self.until - self.since).days
        moves = sum(1 for _ in range(8) if rng.random() < rate * span / 365.25 / 8)
        dates = sorted(self.since + timedelta(days=rng.randrange(span)) for _ in range(moves))
        for d in dates:
            if d <= homes[-1].start:
                continue
            # Most moves are local; some cross into another area and its agencies.
            new_area = area if rng.random() < 0.82 else rng.choice(AREAS)
            homes.append(Home(d, new_area, random_address(rng, new_area)))
            area = new_area
        return homes

    def _child_dobs(
        self, rng: random.Random, n: int, anchor: date | None, anchor_pos: str
    ) -> tuple[list[date], int]:
        """Dates of birth for n siblings, oldest first, and the position of the anchor child.

        Without an anchor the oldest child's birth is spread evenly over the
        ages 0-17; with one (a harmed child whose age at harm is fixed), the
        siblings fit around it inside the same range.
        """
        lo, hi = self.oldest_dob, self.until - DAY
        gaps = [rng.randint(330, 1600) for _ in range(n - 1)]
        if anchor is None:
            span = sum(gaps)
            room = (hi - lo).days
            if span > room:
                gaps = [g * room // (span + 1) for g in gaps]
                span = sum(gaps)
            first = lo + timedelta(days=rng.randrange(max(1, room - span)))
            dobs = [first]
            for g in gaps:
                dobs.append(dobs[-1] + timedelta(days=g))
            return dobs, 0
        before_room = (anchor - lo).days
        after_room = (hi - anchor).days
        max_old = min(n - 1, before_room // 330)
        max_young = min(n - 1, after_room // 330)
        low_old = max(0, n - 1 - max_young)
        if anchor_pos == "youngest":
            older = max(low_old, max_old)
        elif anchor_pos == "oldest":
            older = low_old
        else:
            older = rng.randint(low_old, max(low_old, max_old))
        younger = n - 1 - older
        dobs = [anchor]
        for i in range(older):
            g = min(gaps[i], max(300, before_room // (older + 1)))
            dobs.insert(0, max(lo, dobs[0] - timedelta(days=g)))
        for i in range(younger):
            g = min(gaps[older + i], max(300, after_room // (younger + 1)))
            dobs.append(min(hi, dobs[-1] + timedelta(days=g)))
        return dobs, older

    def build(self, plan: FamilyPlan) -> Family:
        rng = self.rng_for(plan.no)
        no = plan.no
        kind = plan.kind
        area = rng.choices(AREAS, _AREA_WEIGHTS[kind])[0]
        poverty = kind == "poverty" or (kind == "trajectory" and rng.random() < 0.7)

        # The harmed child's age at harm fixes its birth; the rest fit around it.
        anchor: date | None = None
        anchor_pos = "any"
        harm_on: date | None = None
        if plan.trajectory is not None:
            harm_on, anchor, anchor_pos = _trajectory_anchor(rng, plan.trajectory, self)
        # A namesake: same name as a child in the family before, born within weeks of it.
        source: Person | None = None
        if plan.namesake_of is not None:
            source = self.build(plan.namesake_of).children[0]
            shift = timedelta(days=rng.randint(-40, 40))
            anchor = min(self.until - DAY, max(self.oldest_dob, source.dob + shift))
            anchor_pos = "oldest"
        dobs, index_pos = self._child_dobs(rng, plan.children, anchor, anchor_pos)
        twins = False
        if len(dobs) >= 2 and rng.random() < 0.025:
            i = rng.randrange(len(dobs) - 1)
            if i + 1 != index_pos:
                dobs[i + 1] = dobs[i]
                twins = True

        oldest = min(dobs)
        age_at_first = rng.randint(17, 26) if poverty else rng.randint(20, 38)
        mother_dob = years_before(oldest, age_at_first) - timedelta(days=rng.randrange(365))
        maiden = rng.choice(SURNAMES)
        household_start = oldest - timedelta(days=rng.randint(60, 900))
        homes = self._homes(rng, area, household_start, 0.28 if poverty else 0.1)

        father_present = rng.random() < (0.55 if poverty else 0.78)
        father_surname = rng.choice(SURNAMES)
        if source is not None:
            maiden = father_surname = source.surnames[0][1]
        married = father_present and rng.random() < 0.5
        mother_surnames = [(mother_dob, maiden)]
        if married:
            wedding = max(
                oldest - timedelta(days=rng.randint(100, 1500)),
                mother_dob + timedelta(days=18 * 365),
            )
            mother_surnames.append((wedding, father_surname))
        mother = self._person(
            no,
            0,
            "M",
            kind="adult",
            role="mother",
            sex="female",
            given=rng.choice(WOMEN),
            surnames=mother_surnames,
            dob=mother_dob,
            homes=homes,
        )
        family = Family(no=no, key=f"H{no:07d}", kind=kind, mother=mother, children=[], homes=homes)
        if poverty:
            family.traits.add("poverty")

        if father_present:
            father_dob = mother_dob - timedelta(days=rng.randint(-700, 2500))
            family.father = self._person(
                no,
                1,
                "F",
                kind="adult",
                role="father",
                sex="male",
                given=rng.choice(MEN),
                surnames=[(father_dob, father_surname)],
                dob=father_dob,
                homes=homes,
            )
        # Without a resident father the children may still carry his surname.
        child_surname = maiden
        if father_present and (married or rng.random() < 0.55):
            child_surname = father_surname
        elif father_present and rng.random() < 0.12:
            child_surname = f"{maiden}-{father_surname}"
        elif not father_present and rng.random() < 0.3:
            child_surname = rng.choice(SURNAMES)
        if source is not None:
            child_surname = maiden

        used: set[str] = set()
        for i, dob in enumerate(dobs):
            sex = "female" if rng.random() < 0.488 else "male"
            if i == index_pos and source is not None:
                given, sex = source.given, source.sex
            else:
                pool = GIRLS if sex == "female" else BOYS
                given = rng.choice(pool)
                while given in used:
                    given = rng.choice(pool)
            used.add(given)
            child = self._person(
                no,
                PERSON_STRIDE - CHILD_STRIDE + i,
                f"C{i + 1}",
                kind="child",
                role="child",
                sex=sex,
                given=given,
                surnames=[(dob, child_surname)],
                dob=dob,
                homes=homes,
            )
            child.named_on = dob + timedelta(days=rng.randint(3, 42))
            child.twin = dobs.count(dob) > 1
            if rng.random() < 0.075:
                child.gestation = rng.choice((30, 32, 33, 34, 35, 35, 36, 36, 36))
            elif child.twin:
                child.gestation = rng.randint(34, 37)
            else:
                child.gestation = rng.choices((37, 38, 39, 40, 41, 42), (5, 15, 25, 30, 20, 5))[0]
            child.birth_sds = rng.gauss(0, 1)
            start = reception_year(dob)
            if date(start, 9, 1) <= self.until:
                child.upn = self.upns(no * CHILD_STRIDE + i, start)
            child.profile = _ordinary_profile(rng, child, poverty)
            family.children.append(child)
        if twins:
            family.traits.add("twins")

        # Not every household stays the same: fathers leave, new partners arrive.
        partner_rate = 0.1 if poverty else 0.045
        if plan.trajectory is None and rng.random() < partner_rate:
            self.add_partner(rng, family, None)

        if plan.trajectory is not None and harm_on is not None:
            shape_family(rng, self, family, plan.trajectory, family.children[index_pos], harm_on)
        return family

    def add_partner(self, rng: random.Random, family: Family, joined: date | None) -> Person:
        """A new partner of the mother moves in; any resident father has left before."""
        if joined is None:
            joined = self.since + timedelta(days=rng.randrange((self.until - self.since).days))
        joined = max(joined, family.household_start + timedelta(days=60))
        mother = family.mother
        if family.father is not None and family.father_left is None:
            left = max(
                joined - timedelta(days=rng.randint(30, 400)),
                family.household_start + timedelta(days=30),
            )
            family.father_left = left
            area = family.homes[0].area
            # He keeps the family's address history up to leaving, then his own.
            family.father.homes = [
                *(h for h in family.homes if h.start < left),
                Home(left, area, random_address(rng, area)),
            ]
        surname = rng.choice(SURNAMES)
        dob = mother.dob - timedelta(days=rng.randint(-1500, 3000))
        partner_home = Home(
            joined - timedelta(days=2000),
            family.homes[0].area,
            random_address(rng, family.homes[0].area),
        )
        partner = self._person(
            family.no,
            2,
            "P",
            kind="adult",
            role="partner_of_parent",
            sex="male",
            given=rng.choice(MEN),
            surnames=[(dob, surname)],
            dob=dob,
            homes=_merge_homes(partner_home, joined, family),
        )
        family.partner = partner
        family.partner_joined = joined
        # Some children become known by the partner's surname, or a double-barrelled one.
        if rng.random() < 0.35:
            change_on = joined + timedelta(days=rng.randint(60, 400))
            for child in family.children:
                if child.dob < change_on:
                    current = child.surnames[-1][1]
                    new = surname if rng.random() < 0.7 else f"{current}-{surname}"
                    child.surnames.append((change_on, new))
        if rng.random() < 0.2:
            mother.surnames.append((joined + timedelta(days=rng.randint(200, 900)), surname))
        return partner

    def other_adult(
        self, rng: random.Random, family: Family, slot: int, label: str, sex: str
    ) -> Person:
        """Someone outside the household who still appears in its records (an ex-partner)."""
        area = rng.choice(AREAS)
        home = Home(self.since - timedelta(days=3000), area, random_address(rng, area))
        dob = family.mother.dob - timedelta(days=rng.randint(-2500, 2500))
        person = self._person(
            family.no,
            slot,
            label,
            kind="adult",
            role="other",
            sex=sex,
            given=rng.choice(WOMEN if sex == "female" else MEN),
            surnames=[(dob, rng.choice(SURNAMES))],
            dob=dob,
            homes=[home],
        )
        family.others.append(person)
        return person


def _merge_homes(before: Home, joined: date, family: Family) -> list[Home]:
    """The partner's own address until he moves in, then the family's."""
    homes = [before]
    current = None
    for home in family.homes:
        if home.start <= joined:
            current = home
    if current is not None:
        homes.append(Home(joined, current.area, current.address))
    homes.extend(h for h in family.homes if h.start > joined)
    return homes


def _ordinary_profile(rng: random.Random, child: Person, poverty: bool) -> Profile:
    attendance = min(0.995, max(0.7, rng.gauss(0.935 if poverty else 0.955, 0.03)))
    if rng.random() < 0.08:
        # Children with long-term illness miss school for reasons no rule should call neglect.
        attendance = rng.uniform(0.8, 0.9)
    urgent = rng.uniform(0.02, 0.1)
    if rng.random() < 0.025:
        urgent = rng.uniform(1.6, 3.0)  # asthma, epilepsy: frequent attenders, not neglected
    return Profile(
        weight_sds=child.birth_sds * 0.6 + rng.gauss(0, 0.6),
        height_sds=rng.gauss(0, 1),
        attendance=attendance,
        miss_rate=0.06 if poverty else 0.025,
        urgent_rate=urgent,
    )


def _trajectory_anchor(rng: random.Random, kind: str, builder: Builder) -> tuple[date, date, str]:
    """When the harm happens, and so when the harmed child was born."""
    low_age, high_age = HARM_AGE_DAYS[kind]
    lead = LEAD_DAYS[kind]
    earliest = builder.since + timedelta(days=lead)
    latest = builder.until - timedelta(days=5)
    if kind in NEEDS_SCHOOL_FEED:
        # Siblings' and the child's attendance are among the signs: harm after two terms of returns.
        feed = school_feed_start(builder.since, builder.until) + timedelta(days=200)
        earliest = max(earliest, min(feed, latest - timedelta(days=30)))
    harm_on = earliest + timedelta(days=rng.randrange((latest - earliest).days))
    age = rng.randint(low_age, high_age)
    dob = harm_on - timedelta(days=age)
    if dob < builder.oldest_dob:
        dob = builder.oldest_dob + timedelta(days=rng.randrange(200))
    pos = "youngest" if kind == "neglect_faltering_growth" else "any"
    return harm_on, dob, pos
