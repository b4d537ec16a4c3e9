"""The identity mess: how one real person looks in one agency's records.

A :class:`View` is one agency's registration of one person (one local id). It
fixes, at registration, the mistakes and habits that will follow that person
through the agency's records: a mistyped surname, a nickname, a day-month swap
in the date of birth, a missing or mistyped NHS number, a slow address update.
Time-varying facts (the baby's name arriving, a surname change, a house move)
are looked up per record date.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from sightline.synth.agencies import Agency
from sightline.synth.identifiers import nhs_corrupt, nhs_spaced, upn_corrupt
from sightline.synth.model import Person
from sightline.synth.names import NICKNAMES, SPELLING_OF
from sightline.synth.places import postcode_variant

_NEIGHBOURS = {
    "a": "sqwz",
    "b": "vghn",
    "c": "xdfv",
    "d": "serfcx",
    "e": "wsdr",
    "f": "drtgvc",
    "g": "ftyhbv",
    "h": "gyujnb",
    "i": "ujko",
    "j": "huikmn",
    "k": "jiolm",
    "l": "kop",
    "m": "njk",
    "n": "bhjm",
    "o": "iklp",
    "p": "ol",
    "q": "wa",
    "r": "edft",
    "s": "awedxz",
    "t": "rfgy",
    "u": "yhji",
    "v": "cfgb",
    "w": "qase",
    "x": "zsdc",
    "y": "tghu",
    "z": "asx",
}

NEVER = 100_000  # days: a lag long enough that the agency never catches up


def typo(rng: random.Random, text: str) -> str:
    """One keying slip: a letter substituted, dropped, doubled, or two swapped.

    The first letter is left alone, as it nearly always is in real slips
    (people read it back), which is also what lets blocking on initials work.
    """
    positions = [i for i in range(1, len(text)) if text[i].isalpha()]
    if not positions:
        return text
    for _ in range(6):
        i = rng.choice(positions)
        op = rng.randrange(4)
        ch = text[i]
        if op == 0:
            near = _NEIGHBOURS.get(ch.lower(), "aeiou")
            new = rng.choice(near)
            out = text[:i] + (new.upper() if ch.isupper() else new) + text[i + 1 :]
        elif op == 1 and len(text) > 3:
            out = text[:i] + text[i + 1 :]
        elif op == 2:
            out = text[:i] + ch + text[i:]
        elif i + 1 < len(text) and text[i + 1].isalpha():
            out = text[:i] + text[i + 1] + ch + text[i + 2 :]
        else:
            continue
        if out != text:
            return out
    return text


def dob_slip(rng: random.Random, dob: date) -> date:
    """A date of birth as sometimes typed: day and month swapped, or one digit wrong."""
    if dob.day <= 12 and dob.day != dob.month and rng.random() < 0.5:
        return date(dob.year, dob.day, dob.month)
    text = dob.isoformat()
    for _ in range(8):
        pos = rng.choice((3, 6, 8, 9))
        digit = rng.choice([d for d in "0123456789" if d != text[pos]])
        candidate = text[:pos] + digit + text[pos + 1 :]
        try:
            slipped = date.fromisoformat(candidate)
        except ValueError:
            continue
        if slipped.year <= dob.year + 1:  # a birth year far ahead would be caught on entry
            return slipped
    return dob + timedelta(days=1)


def surname_slip(rng: random.Random, surname: str) -> str:
    if "'" in surname and rng.random() < 0.7:
        return surname.replace("'", "" if rng.random() < 0.6 else " ")
    if "-" in surname and rng.random() < 0.5:
        first, _, second = surname.partition("-")
        return rng.choice((first, second, f"{first} {second}"))
    if any(ch in surname for ch in "śŚ") and rng.random() < 0.8:
        return surname.replace("ś", "s").replace("Ś", "S")
    return typo(rng, surname)


def given_variant(rng: random.Random, given: str, nickname_rate: float) -> tuple[str, list[str]]:
    """The given name an agency holds, with any other names it keeps alongside."""
    nicks = NICKNAMES.get(given)
    if nicks and rng.random() < nickname_rate:
        nick = rng.choice(nicks)
        if rng.random() < 0.4:
            return given, [nick]  # recorded properly, "known as" kept alongside
        return nick, []
    spellings = SPELLING_OF.get(given)
    if spellings and rng.random() < 0.12:
        return rng.choice(spellings), []
    if rng.random() < 0.025:
        return typo(rng, given), []
    return given, []


class View:
    """One agency's registration of one person: a local id and how it is kept."""

    __slots__ = (
        "_key",
        "_rel",
        "_rel_key",
        "_subject",
        "address_style",
        "agency",
        "baby_surname",
        "dob",
        "given",
        "home_lag",
        "local_id",
        "name_lag",
        "nhs",
        "other_names",
        "person",
        "postcode_style",
        "sex",
        "surname_forms",
        "surname_lag",
        "upn",
        "upn_from",
        "used",
    )

    def __init__(
        self,
        rng: random.Random,
        agency: Agency,
        person: Person,
        local_id: str,
        baby_surname: str | None,
    ) -> None:
        self.agency = agency
        self.person = person
        self.local_id = local_id
        self.used = False
        self.baby_surname = baby_surname
        child = person.kind == "child"

        self.given, others = given_variant(
            rng, person.given, agency.nickname_rate if rng.random() < 0.8 else 0.0
        )
        upper = rng.random() < agency.upper_surname
        forms = []
        for _, surname in person.surnames:
            form = surname_slip(rng, surname) if rng.random() < 0.03 else surname
            forms.append(form.upper() if upper else form)
        self.surname_forms = forms
        if len(person.surnames) > 1 and rng.random() < 0.3:
            previous = person.surnames[0][1]
            others.append(f"{person.given} {previous}")
        self.other_names = others or None

        roll = rng.random()
        if roll < agency.dob_missing:
            self.dob: str | None = None
        elif roll < agency.dob_missing + 0.025:
            self.dob = dob_slip(rng, person.dob).isoformat()
        else:
            self.dob = person.dob.isoformat()

        roll = rng.random()
        self.sex: str | None = person.sex
        if roll < 0.005:
            self.sex = "unknown"
        elif roll < 0.005 + (0.3 if agency.kind in ("police", "housing", "da_service") else 0.03):
            self.sex = None

        self.nhs: str | None = None
        if rng.random() < agency.nhs_share * (1.0 if child else 0.8):
            nhs = person.nhs
            if rng.random() < 0.012:
                nhs = nhs_corrupt(rng, nhs)
            self.nhs = nhs_spaced(nhs) if rng.random() < 0.3 else nhs

        self.upn: str | None = None
        self.upn_from: date | None = None
        if person.upn is not None and rng.random() < agency.upn_share:
            upn = person.upn
            self.upn = upn_corrupt(rng, upn) if rng.random() < 0.005 else upn
            self.upn_from = date(2000 + int(upn[8:10]), 9, 1)

        low, high = agency.address_lag
        self.home_lag = NEVER if rng.random() < 0.04 else rng.randint(low, high)
        self.surname_lag = NEVER if rng.random() < 0.35 else rng.randint(0, 300)
        # How long after the name is registered this agency still calls the baby "Baby".
        self.name_lag = NEVER if agency.kind == "maternity" else rng.randint(0, 21)
        self.address_style = agency.address_style
        roll = rng.random()
        self.postcode_style = 1 if roll < 0.04 else 2 if roll < 0.05 else 0
        self._key: tuple[int, int, int] | None = None
        self._subject: dict[str, Any] = {}
        self._rel_key: tuple[int, int] | None = None
        self._rel: dict[str, Any] = {}

    def _names(self, on: date) -> tuple[int, str, str]:
        person = self.person
        if person.named_on is not None and on < person.named_on + timedelta(days=self.name_lag):
            surname = self.baby_surname or self.surname_forms[0]
            if on < person.dob:
                return -2, "Unborn", surname
            return -1, "Baby", surname
        s = (
            person.surname_index(on - timedelta(days=self.surname_lag))
            if len(self.surname_forms) > 1
            else 0
        )
        return s, self.given, self.surname_forms[s]

    def subject(self, on: date) -> dict[str, Any]:
        """The person as this agency describes the subject of a record made on ``on``."""
        s, given, surname = self._names(on)
        person = self.person
        h = person.home_index(on - timedelta(days=self.home_lag)) if self.home_lag < NEVER else 0
        upn_ok = 1 if self.upn_from is not None and on >= self.upn_from else 0
        key = (s, h, upn_ok)
        if key == self._key:
            return self._subject
        out: dict[str, Any] = {"local_id": self.local_id}
        if self.nhs is not None and on >= person.dob:
            out["nhs_number"] = self.nhs
        if upn_ok:
            out["upn"] = self.upn
        out["given_name"] = given
        out["family_name"] = surname
        if self.other_names is not None and s >= 0:
            out["other_names"] = self.other_names
        if on < person.dob:
            # Due dates are reckoned from 40 weeks; a preterm baby arrives well before.
            due = person.dob + timedelta(days=7 * (40 - person.gestation) + person.index % 7 - 3)
            out["expected_date_of_birth"] = due.isoformat()
        elif self.dob is not None:
            out["date_of_birth"] = self.dob
        if self.sex is not None:
            out["sex"] = self.sex
        if self.address_style != "none":
            address = person.homes[h].address
            out["postcode"] = postcode_variant(address.postcode, self.postcode_style)
            out["address"] = address.line(self.address_style)
        self._key = key
        self._subject = out
        return out

    def related(self, on: date) -> dict[str, Any]:
        """The person as named in someone else's record: fewer details are kept."""
        s, given, surname = self._names(on)
        key = (s, 0)
        if key == self._rel_key:
            return self._rel
        out: dict[str, Any] = {"local_id": self.local_id}
        if self.nhs is not None and self.agency.kind in ("maternity", "hv", "gp"):
            out["nhs_number"] = self.nhs
        out["given_name"] = given
        out["family_name"] = surname
        if self.dob is not None and on >= self.person.dob:
            out["date_of_birth"] = self.dob
        self._rel_key = key
        self._rel = out
        return out
