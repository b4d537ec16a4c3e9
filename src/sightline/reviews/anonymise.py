"""Anonymising a review's chronology and published text: pseudonyms, and identifiers taken out.

What a case review publishes must not name the family. One :class:`Anonymiser`
serves a whole run (the CSV, HTML and PDF of one request, or the published
summary), so the same person has the same pseudonym everywhere:

- children by the review's code ("Child AG"), or "Child A", "Child B"... when
  there is no review;
- adults by what they are to the child ("Mother", "Father", "Parent's partner",
  "Grandmother"), and "Adult 1", "Adult 2"... when the records give no family
  relationship; siblings "Sibling 1", "Sibling 2"...;
- professionals by their role ("Social worker", "MASH practitioner").

Free text (summaries, details, notes) loses every name known from the records
(given, family, other names and the usual short forms of a given name, in any
case, with or without punctuation), NHS numbers, UPNs, phone numbers, emails and
dates of birth; addresses and postcodes are reduced to the area (the town, or
the postcode district). A name the records do not know cannot be found: that
limit is stated in ``docs/review-chronology.md``.

Phone numbers are found by ``phonenumbers`` (Google's libphonenumber rules, UK
formats and +44); the rest are regular expressions written here, because the
patterns are short and UK-specific, and no maintained library removes *known*
names from text without a language model.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import phonenumbers

from sightline.linkage.nicknames import NICKNAMES

# What replaces what cannot be reduced to anything safer.
NAME = "[name]"
FAMILY_NAME = "[family name]"
NHS_NUMBER = "[NHS number]"
UPN = "[UPN]"
PHONE = "[phone]"
EMAIL = "[email]"
DATE_OF_BIRTH = "[date of birth]"
ADDRESS = "[address]"

_LETTER = r"[^\W\d_]"
_SEP = r"[\s\-'\u2019.,]*"  # between the parts of a name or a number as people type them
_TITLE = r"(?:(?:mr|mrs|ms|miss|mx|dr|master)\.?\s+)?"

_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_MONTH_WORD = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE = re.compile(
    r"(?P<iso>(?<!\d)(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})(?!\d))"
    r"|(?P<num>(?<![\d/.])(?P<nd>\d{1,2})[/.](?P<nm>\d{1,2})[/.](?P<ny>\d{4}|\d{2})(?![\d/]))"
    rf"|(?P<words>(?<!\d)(?P<wd>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<wm>{_MONTH_WORD}),?\s+(?P<wy>\d{{4}})(?!\d))"
    rf"|(?P<us>(?P<um>{_MONTH_WORD})\s+(?P<ud>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<uy>\d{{4}})(?!\d))",
    re.IGNORECASE,
)
# A day and month with no year ("3 March", "March 5th", "the 7th of April"): when a
# review shifts its dates these cannot be shifted (the year decides the day across 29
# February, and the text does not say it), and left as written they would give the
# real dates away, so they are taken out. Month names in full or as their usual short
# forms only: "married 3 times" is not a date.
_MONTH_NAME = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november"
    r"|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"
)
_DAY_MONTH = re.compile(
    rf"(?<![\w/])\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_NAME}(?!\w)"
    rf"|(?<!\w){_MONTH_NAME}\s+\d{{1,2}}(?:st|nd|rd|th)?(?!\w|[/.:]\d)",
    re.IGNORECASE,
)
UNDATED = "[date]"
# "DOB", "d.o.b.", "date of birth", "born (on)" just before a date: a birth date even
# when the records do not know it.
_BIRTH_WORDS = re.compile(
    r"(?:\bd\.?\s?o\.?\s?b\.?|\bdate of birth|\bborn(?:\s+on)?)\s*[:\-]?\s*$", re.I
)
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+", re.UNICODE)
# Three, three and four digits, spaced or not: the shape of an NHS number, valid or mistyped.
_NHS_SHAPE = re.compile(r"(?<!\d)\d{3}[\s\-]?\d{3}[\s\-]?\d{4}(?!\d)")
# A letter, eleven digits and a digit or letter: the shape of a UPN (DfE common basic data set).
_UPN_SHAPE = re.compile(r"(?<![\w])[A-Za-z]\d{11}[0-9A-Za-z](?![\w])")
# Royal Mail's shape of a postcode: outward code (area and district) then inward code.
_POSTCODE = re.compile(r"(?<![\w])([A-Za-z]{1,2}\d[A-Za-z\d]?)\s*(\d[A-Za-z]{2})(?![\w])")
_STREET_KINDS: dict[str, tuple[str, ...]] = {
    "road": ("rd",),
    "street": ("st",),
    "avenue": ("ave", "av"),
    "lane": ("ln",),
    "close": ("cl",),
    "drive": ("dr",),
    "court": ("ct",),
    "crescent": ("cres",),
    "place": ("pl",),
    "gardens": ("gdns",),
    "terrace": ("terr", "ter"),
    "square": ("sq",),
    "way": (),
    "row": (),
    "walk": (),
    "grove": ("gr",),
    "hill": (),
    "mews": (),
    "rise": (),
    "green": (),
    "parade": ("pde",),
}
_KIND_WORDS = sorted(
    {w for full, short in _STREET_KINDS.items() for w in (full, *short)}, key=len, reverse=True
)
_KIND = "(?:" + "|".join(_KIND_WORDS) + r")\.?"
_HOUSE = r"(?:flat\s*\d+[a-z]?\s*,?\s*)?(?:\d+[a-z]?\s*,?\s*)?"
# A house number and one to three capitalised words before a street kind: any address.
_ANY_STREET = re.compile(
    rf"(?<![\w])(?:flat\s*\d+[a-z]?\s*,?\s*)?\d+[a-zA-Z]?,?\s+(?:[A-Z][\w']*\s+){{1,3}}(?i:{_KIND})(?![\w])"
)
_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")


@dataclass
class Known:
    """What the records say about one person, to find them in free text."""

    label: str
    real_name: str = ""
    given_names: set[str] = field(default_factory=set)
    family_names: set[str] = field(default_factory=set)
    other_names: set[str] = field(default_factory=set)
    nhs_numbers: set[str] = field(default_factory=set)
    upns: set[str] = field(default_factory=set)
    postcodes: set[str] = field(default_factory=set)
    addresses: set[str] = field(default_factory=set)
    dates_of_birth: set[dt.date] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)


def _name_parts(name: str) -> list[str]:
    return [p for p in re.split(r"[\s\-'\u2019.]+", name.strip()) if p]


def _key(text: str) -> str:
    """Letters only, folded: "O'Brien", "OBRIEN" and "o brien" are one name."""
    return re.sub(r"[\W\d_]", "", text.casefold())


def _name_pattern(name: str) -> str:
    return _SEP.join(re.escape(p) for p in _name_parts(name))


def _digits_pattern(digits: str) -> str:
    return r"[\s\-]?".join(re.escape(d) for d in digits)


def short_forms(given: str) -> set[str]:
    """The usual short forms of a given name ("Alfie" for "Alfred"), and the full forms of one."""
    upper = given.upper()
    found = {s for s in NICKNAMES.get(upper, ())}
    found |= {full for full, shorts in NICKNAMES.items() if upper in shorts}
    return {f.capitalize() for f in found}


def outward_code(postcode: str) -> str:
    """The postcode district ("NR30" of "NR30 2AB"): the area, not the street."""
    m = _POSTCODE.fullmatch(postcode.strip())
    return m.group(1).upper() if m else ""


def _area_of(address: str, postcodes: Iterable[str]) -> str:
    """The town at the end of an address, else the postcode district, else nothing."""
    parts = [p.strip() for p in re.split(r"[,\n]+", address) if p.strip()]
    if (
        len(parts) > 1
        and not re.search(r"\d", parts[-1])
        and not re.search(rf"(?i)\b{_KIND}$", parts[-1])
    ):
        return parts[-1]
    for postcode in sorted(postcodes):
        if outward_code(postcode):
            return outward_code(postcode)
    return ""


def _street_pattern(address: str) -> str | None:
    """The street of an address as a pattern that also finds it abbreviated ("Rd" for "Road")."""
    for part in re.split(r"[,\n]+", address):
        words = _name_parts(re.sub(r"(?i)\bflat\s*\d+\w?|\b\d+[a-z]?\b", " ", part))
        if len(words) < 2:
            continue
        kind = words[-1].lower().rstrip(".")
        full = next((f for f, shorts in _STREET_KINDS.items() if kind == f or kind in shorts), None)
        if full is None:
            continue
        kinds = "|".join(re.escape(k) for k in (full, *_STREET_KINDS[full]))
        core = _SEP.join(re.escape(w) for w in words[:-1])
        return rf"{_HOUSE}{core}\s*(?:{kinds})\.?"
    return None


class Anonymiser:
    """Pseudonyms and redaction for one run; ``enabled`` False keeps names, shifts dates only.

    ``people`` maps a person's key (their ``Person.pk``) to what is known of
    them; ``others`` are names known from the records that belong to nobody the
    run follows (a referrer, a professional), each with the words to put instead.
    """

    def __init__(
        self,
        *,
        people: Mapping[int, Known],
        others: Iterable[tuple[str, str]] = (),
        shift_days: int = 0,
        enabled: bool = True,
    ) -> None:
        self.people = dict(people)
        self.shift_days = shift_days
        self.enabled = enabled
        self._others = list(others)
        self._build()

    # --- who ------------------------------------------------------------------

    def who(self, key: int) -> str:
        known = self.people.get(key)
        if known is None:
            return "Another person" if self.enabled else "A person not followed"
        if self.enabled:
            return known.label
        return known.real_name or known.label

    # --- dates ----------------------------------------------------------------

    def day(self, value: dt.date) -> dt.date:
        return value + dt.timedelta(days=self.shift_days)

    def moment(self, value: dt.datetime) -> dt.datetime:
        return value + dt.timedelta(days=self.shift_days)

    # --- free text ------------------------------------------------------------

    def text(self, value: str) -> str:
        """The text with dates shifted and, when enabled, every known identifier taken out."""
        if not value:
            return value
        held: list[str] = []

        def hold(replacement: str) -> str:
            held.append(replacement)
            return f"\ue000{len(held) - 1}\ue001"

        out = self._dates(value, hold)
        if self.enabled:
            for step in self._steps:
                out = step(out, hold)
        return _PLACEHOLDER.sub(lambda m: held[int(m.group(1))], out)

    def day_words(self, value: str) -> str:
        """Sightline's own words with their dates shifted, and nothing else touched."""
        if not value or not self.shift_days:
            return value
        held: list[str] = []

        def hold(replacement: str) -> str:
            held.append(replacement)
            return f"\ue000{len(held) - 1}\ue001"

        enabled, self.enabled = self.enabled, False
        try:
            out = self._dates(value, hold)
        finally:
            self.enabled = enabled
        return _PLACEHOLDER.sub(lambda m: held[int(m.group(1))], out)

    def value(self, value: Any) -> Any:
        """A details value with its text anonymised, keeping lists and objects as they are."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        return value

    # --- building the patterns ---------------------------------------------------

    def _build(self) -> None:
        dobs = (
            set().union(*(k.dates_of_birth for k in self.people.values())) if self.people else set()
        )
        self._dobs: set[dt.date] = dobs
        known = list(self.people.values())
        self._identifiers = self._identifier_pattern(known)
        self._streets = self._street_replacements(known)
        self._names = self._name_replacements(known)
        self._steps: list[Callable[[str, Callable[[str], str]], str]] = [
            lambda s, hold: _EMAIL.sub(lambda _: hold(EMAIL), s),
            self._remove_identifiers,
            lambda s, hold: _UPN_SHAPE.sub(lambda _: hold(UPN), s),
            lambda s, hold: _NHS_SHAPE.sub(lambda _: hold(NHS_NUMBER), s),
            _remove_phones,
            self._reduce_addresses,
            lambda s, hold: _POSTCODE.sub(lambda m: hold(m.group(1).upper()), s),
            self._replace_names,
        ]

    def _identifier_pattern(self, known: list[Known]) -> list[tuple[re.Pattern[str], str]]:
        found: list[tuple[str, str]] = []
        for k in known:
            for nhs in k.nhs_numbers:
                digits = re.sub(r"\D", "", nhs)
                if digits:
                    found.append((_digits_pattern(digits), NHS_NUMBER))
            for upn in k.upns:
                compact = re.sub(r"\W", "", upn)
                if compact:
                    found.append((_digits_pattern(compact), UPN))
            for phone in k.phones:
                digits = re.sub(r"\D", "", phone)
                if len(digits) >= 6:
                    found.append((r"[\s\-()]*".join(re.escape(d) for d in digits), PHONE))
            for email in k.emails:
                if email.strip():
                    found.append((re.escape(email.strip()), EMAIL))
        return [
            (re.compile(rf"(?<![\w]){p}(?![\w])", re.IGNORECASE), r)
            for p, r in sorted(set(found), key=lambda x: -len(x[0]))
        ]

    def _remove_identifiers(self, s: str, hold: Callable[[str], str]) -> str:
        for pattern, replacement in self._identifiers:
            s = pattern.sub(lambda _, r=replacement: hold(r), s)  # type: ignore[misc]
        return s

    def _street_replacements(self, known: list[Known]) -> list[tuple[re.Pattern[str], str]]:
        found: dict[str, str] = {}
        for k in known:
            for address in k.addresses:
                area = _area_of(address, k.postcodes)
                whole = [_name_pattern(p) for p in re.split(r"[,\n]+", address) if p.strip()]
                if whole:
                    # The whole address as written, with any punctuation between its parts.
                    found.setdefault(r"[\s,.\-]*".join(whole), area or ADDRESS)
                street = _street_pattern(address)
                if street:
                    found.setdefault(street, ADDRESS)
        return [
            (re.compile(rf"(?<![\w]){p}(?![\w])", re.IGNORECASE), r)
            for p, r in sorted(found.items(), key=lambda x: -len(x[0]))
        ]

    def _reduce_addresses(self, s: str, hold: Callable[[str], str]) -> str:
        for pattern, replacement in self._streets:
            s = pattern.sub(lambda _, r=replacement: hold(r), s)  # type: ignore[misc]
        return _ANY_STREET.sub(lambda _: hold(ADDRESS), s)

    def _name_replacements(
        self, known: list[Known]
    ) -> tuple[re.Pattern[str] | None, dict[str, str]]:
        """One pattern for every known name, and what each (by its letters) becomes.

        A name one person has becomes their pseudonym; one several people share
        (the family name, most often) becomes "[family name]" or "[name]".
        """
        owners: dict[str, set[str]] = {}
        family: set[str] = set()
        patterns: set[str] = set()

        def add(name: str, label: str, *, is_family: bool = False) -> None:
            key = _key(name)
            if len(key) < 2:
                return
            owners.setdefault(key, set()).add(label)
            patterns.add(_name_pattern(name))
            if is_family:
                family.add(key)

        for k in known:
            for given in k.given_names:
                for fam in k.family_names:
                    add(f"{given} {fam}", k.label)
                    add(f"{fam} {given}", k.label)
                add(given, k.label)
                for short in short_forms(given):
                    add(short, k.label)
            for fam in k.family_names:
                add(fam, k.label, is_family=True)
            for other in k.other_names:
                add(other, k.label)
                for part in _name_parts(other):
                    add(part, k.label)
        for name, replacement in self._others:
            add(name, replacement)
            for part in _name_parts(name):
                add(part, replacement, is_family=True)
        to = {
            key: next(iter(labels))
            if len(labels) == 1
            else (FAMILY_NAME if key in family else NAME)
            for key, labels in owners.items()
        }
        if not patterns:
            return None, to
        alternatives = sorted(patterns, key=len, reverse=True)
        pattern = re.compile(
            rf"(?<!{_LETTER}){_TITLE}(?P<name>{'|'.join(alternatives)})(?!{_LETTER})",
            re.IGNORECASE,
        )
        return pattern, to

    def _replace_names(self, s: str, hold: Callable[[str], str]) -> str:
        pattern, to = self._names
        if pattern is None:
            return s
        return pattern.sub(lambda m: hold(to.get(_key(m.group("name")), NAME)), s)

    def _dates(self, s: str, hold: Callable[[str], str]) -> str:
        def one(m: re.Match[str]) -> str:
            day = _parse_date(m)
            if day is None:
                return m.group(0)
            birth = day in self._dobs or bool(_BIRTH_WORDS.search(s[: m.start()]))
            if self.enabled and birth:
                return hold(DATE_OF_BIRTH)
            if not self.shift_days:
                return hold(m.group(0))
            return hold(_format_like(m, self.day(day)))

        s = _DATE.sub(one, s)
        if self.shift_days:
            s = _DAY_MONTH.sub(lambda m: hold(UNDATED), s)
        return s


def _month(word: str) -> int | None:
    w = word.lower().rstrip(".")[:3]
    for i, name in enumerate(_MONTHS, start=1):
        if name.startswith(w):
            return i
    return None


def _parse_date(m: re.Match[str]) -> dt.date | None:
    try:
        if m.group("iso"):
            return dt.date(int(m.group("iy")), int(m.group("im")), int(m.group("id")))
        if m.group("num"):
            year = int(m.group("ny"))
            year += 2000 if year < 100 and year < 70 else 1900 if year < 100 else 0
            return dt.date(year, int(m.group("nm")), int(m.group("nd")))
        if m.group("words"):
            month = _month(m.group("wm"))
            return dt.date(int(m.group("wy")), month, int(m.group("wd"))) if month else None
        month = _month(m.group("um"))
        return dt.date(int(m.group("uy")), month, int(m.group("ud"))) if month else None
    except ValueError:
        return None


def _format_like(m: re.Match[str], day: dt.date) -> str:
    if m.group("iso"):
        return day.isoformat()
    if m.group("num"):
        return f"{day.day:02d}/{day.month:02d}/{day.year}"
    return f"{day.day} {_MONTHS[day.month - 1].capitalize()} {day.year}"


def _remove_phones(s: str, hold: Callable[[str], str]) -> str:
    """UK numbers in any of the ways people write them, and international ones with +.

    A number as dialled from the UK has ten or eleven digits with its 0 (or is
    written with +); phonenumbers' POSSIBLE also accepts four to eight digits as a
    number local to an exchange, which took the year out of "in May 2019" and
    the count out of "12345 sessions". Fewer than ten digits are left unless the
    library finds them a valid number.
    """
    spans = [
        (m.start, m.end)
        for m in phonenumbers.PhoneNumberMatcher(s, "GB", leniency=phonenumbers.Leniency.POSSIBLE)
        if sum(c.isdigit() for c in m.raw_string) >= 10 or phonenumbers.is_valid_number(m.number)
    ]
    for start, end in reversed(spans):
        s = s[:start] + hold(PHONE) + s[end:]
    return s
