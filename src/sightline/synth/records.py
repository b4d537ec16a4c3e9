"""Turning events into feed v1 lines, one agency's view of each person at a time.

An :class:`Emitter` works on one family. It keeps the family's registrations
(views) at every agency, gives out local ids and record ids from the family's
own number blocks, serialises records straight into the chunk's per-agency
buffers, and notes each (agency, local id) for truth/persons.csv the first time
it appears in a record, so the truth covers exactly what the feeds contain.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import orjson

from sightline.synth.agencies import ALL, Agency
from sightline.synth.identity import View
from sightline.synth.model import Family, Person
from sightline.synth.timeline import london_offset, stamp

PERSON_SLOTS = 64  # local ids one family may use at one agency
RECORD_SLOTS = 4096  # records one family may have at one agency

# Hours of the day when each kind of agency's events tend to happen, in minutes.
_BUSY_MINUTES = {
    "police": ((17 * 60, 26 * 60), (9 * 60, 17 * 60)),
    "ambulance": ((7 * 60, 23 * 60), (0, 7 * 60)),
    "acute": ((9 * 60, 22 * 60), (0, 9 * 60)),
}


# Agencies whose contacts happen in office hours on weekdays.
_WEEKDAY_KINDS = frozenset(("school", "early_years", "gp", "hv", "substance", "mental_health"))


class ChunkOutput:
    """Everything a run of families produces, in the order the files need it."""

    def __init__(self) -> None:
        self.lines: dict[str, list[bytes]] = {a.code: [] for a in ALL}
        self.persons: list[str] = []
        self.households: list[str] = []
        self.identifiers: list[str] = []
        self.trajectories: list[str] = []
        self.types: Counter[str] = Counter()
        self.harm_kinds: Counter[str] = Counter()
        self.children = 0
        self.families = 0


class Perms:
    """The id permutations of every agency for one seed, built once per chunk."""

    def __init__(self, seed: int) -> None:
        self.local = {a.code: a.local_perm(seed) for a in ALL}
        self.record = {a.code: a.record_perm(seed) for a in ALL}


class _Registrations:
    """One agency's registrations of one person, and when a second one takes over."""

    __slots__ = ("mix_from", "per_contact", "switch_on", "views")

    def __init__(self, first: View) -> None:
        self.views = [first]
        self.switch_on: date | None = None  # a baby re-registered under its name
        self.mix_from: date | None = None  # a duplicate registration, used at random
        self.per_contact = 0.0


class Emitter:
    def __init__(
        self,
        out: ChunkOutput,
        perms: Perms,
        family: Family,
        rng: random.Random,
        since: date,
        until: date,
    ) -> None:
        self.out = out
        self.perms = perms
        self.family = family
        self.rng = rng
        self.since = since
        self.until = until
        self._regs: dict[tuple[str, str], _Registrations] = {}
        self._person_slots: Counter[str] = Counter()
        self._record_slots: Counter[str] = Counter()

    # -- people ---------------------------------------------------------------

    def _new_view(self, agency: Agency, person: Person, baby: bool) -> View:
        slot = self._person_slots[agency.code]
        if slot >= PERSON_SLOTS:
            raise RuntimeError(f"family {self.family.no} has too many people at {agency.code}")
        self._person_slots[agency.code] = slot + 1
        number = self.perms.local[agency.code](self.family.no * PERSON_SLOTS + slot)
        baby_surname = None
        if baby:
            baby_surname = self.family.mother.surnames[
                self.family.mother.surname_index(person.dob)
            ][1]
        return View(self.rng, agency, person, f"{agency.id_prefix}{number:08d}", baby_surname)

    def view(self, agency: Agency, person: Person, on: date) -> View:
        """The registration this agency uses for this person in a record made on ``on``."""
        rng = self.rng
        key = (agency.code, person.key)
        regs = self._regs.get(key)
        if regs is None:
            in_baby_phase = person.named_on is not None and on < person.named_on + timedelta(
                days=21
            )
            regs = _Registrations(self._new_view(agency, person, in_baby_phase))
            self._regs[key] = regs
            if agency.kind == "ambulance":
                regs.per_contact = agency.duplicate_rate
            elif (
                in_baby_phase
                and person.named_on is not None
                and agency.kind in ("hv", "gp", "acute")
                and rng.random() < 0.15
            ):
                regs.switch_on = person.named_on + timedelta(days=rng.randint(5, 40))
            if rng.random() < agency.duplicate_rate and regs.per_contact == 0.0:
                regs.mix_from = on + timedelta(days=rng.randint(20, 900))
            return regs.views[0]
        if regs.per_contact:
            # A new id per call, until the family's block of ids runs low.
            if (
                rng.random() < regs.per_contact
                and self._person_slots[agency.code] < PERSON_SLOTS - 16
            ):
                regs.views.append(self._new_view(agency, person, False))
                return regs.views[-1]
            return rng.choice(regs.views)
        if regs.switch_on is not None and on >= regs.switch_on:
            if len(regs.views) == 1:
                regs.views.append(self._new_view(agency, person, False))
            return regs.views[1]
        if regs.mix_from is not None and on >= regs.mix_from:
            if len(regs.views) == 1:
                regs.views.append(self._new_view(agency, person, False))
            return regs.views[rng.randrange(2)]
        return regs.views[0]

    def _used(self, view: View) -> None:
        view.used = True
        p = view.person
        self.out.persons.append(f"{view.agency.code},{view.local_id},{p.key},{p.kind}\n")

    # -- records --------------------------------------------------------------

    def record_id(self, agency: Agency) -> str:
        slot = self._record_slots[agency.code]
        if slot >= RECORD_SLOTS:
            raise RuntimeError(f"family {self.family.no} has too many records at {agency.code}")
        self._record_slots[agency.code] = slot + 1
        number = self.perms.record[agency.code](self.family.no * RECORD_SLOTS + slot)
        return f"{agency.record_prefix}{number:010d}"

    def minute_for(self, agency: Agency) -> int:
        busy, quiet = _BUSY_MINUTES.get(agency.kind, ((8 * 60, 20 * 60), (0, 8 * 60)))
        low, high = busy if self.rng.random() < 0.8 else quiet
        return self.rng.randrange(low, high)

    def in_window(self, on: date) -> bool:
        return self.since <= on <= self.until

    def emit(
        self,
        agency: Agency,
        rtype: str,
        on: date,
        subject: Person,
        details: dict[str, Any] | None,
        *,
        related: Sequence[tuple[str, Person]] = (),
        summary: str | None = None,
        always_summary: bool = False,
        restricted: bool = False,
        minute: int | None = None,
    ) -> dict[str, Any] | None:
        """Write one record; events outside the window are not in any feed, so none is written."""
        if agency.kind in _WEEKDAY_KINDS and on.weekday() >= 5:
            on = on - timedelta(days=on.weekday() - 4)  # offices are shut: the Friday before
        if on < self.since or on > self.until:
            return None
        rng = self.rng
        if agency.timed:
            if minute is None:
                minute = self.minute_for(agency)
            if minute >= 1440:  # after midnight: the next day, unless that is past the window
                if on + timedelta(days=1) <= self.until:
                    on = on + timedelta(days=1)
                minute -= 1440
            occurred = stamp(on, minute)
        else:
            occurred = on.isoformat()
            minute = 9 * 60 + rng.randrange(8 * 60)
        rec: dict[str, Any] = {
            "agency": agency.code,
            "record_id": self.record_id(agency),
            "type": rtype,
            "occurred_at": occurred,
        }
        if agency.recorded_lag_hours is not None and rng.random() < 0.7:
            low, high = agency.recorded_lag_hours
            total = minute + rng.randint(low, high) * 60 + rng.randrange(60)
            extra_days, rec_minute = divmod(total, 1440)
            rec_day = on + timedelta(days=extra_days)
            if rec_day <= self.until:
                hour, mins = divmod(rec_minute, 60)
                rec["recorded_at"] = (
                    f"{rec_day.isoformat()}T{hour:02d}:{mins:02d}:{rng.randrange(60):02d}"
                    f"{london_offset(rec_day)}"
                )
        view = self.view(agency, subject, on)
        if not view.used:
            self._used(view)
        rec["subject"] = view.subject(on)
        if related:
            rel = []
            for role, person in related:
                pv = self.view(agency, person, on)
                if not pv.used:
                    self._used(pv)
                rel.append({"role": role, "person": pv.related(on)})
            rec["related"] = rel
        if details is not None:
            rec["details"] = details
        if summary is not None and (always_summary or rng.random() < agency.summary_rate):
            rec["summary"] = summary
        if restricted:
            rec["sensitivity"] = "restricted"
        self.out.lines[agency.code].append(orjson.dumps(rec))
        self.out.types[rtype] += 1
        return rec

    def correct(self, rec: dict[str, Any], details: dict[str, Any], summary: str) -> None:
        """A version 2 of a record already sent: the sender fixed a mistake."""
        fixed = dict(rec)
        fixed["record_version"] = 2
        fixed["details"] = details
        fixed["summary"] = summary
        fixed.pop("recorded_at", None)
        self.out.lines[rec["agency"]].append(orjson.dumps(fixed))
        self.out.types[rec["type"]] += 1
