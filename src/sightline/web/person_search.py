"""Finding a person by name, date of birth or identifier, forgiving the usual slips.

Names are cleaned the way linkage cleans them (upper case, accents dropped)
and compared through linkage's nickname table, so "Alfie" finds "Alfred".
Spelling slips ("Quenell" for "Quennell") are forgiven by a string similarity:
no phonetic library is in the lock file, so the standard library's
``difflib.SequenceMatcher`` ratio is used, which forgives a dropped, doubled
or swapped letter in a name of any length. A date of birth also finds records
with its day and month swapped (3/4 for 4/3), the slip linkage's model also
allows for.

Candidates are read in a bounded number of queries: the subject records that
could match (by identifier, birth date, or the first letters of a name), the
agency persons behind them, the persons the user may see, and what to show of
each. Only people the user may open are returned.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from django.db.models import Q

from sightline.accounts.access import persons_viewable
from sightline.feeds.models import SubjectRecord
from sightline.linkage.models import AgencyPerson, Person
from sightline.linkage.nicknames import name_keys
from sightline.linkage.variants import clean_text
from sightline.web.child_selectors import Identity, person_identities

RESULTS_SHOWN = 50
# Enough rows to hold every spelling of every plausible match, few enough to score quickly.
CANDIDATE_ROWS = 5000
# How alike a name must be to count: 0.8 lets "Quenell" find "Quennell" and "Lacy" "Lacey".
NAME_ALIKE = 0.8

_PUBLIC_ID = re.compile(r"^P-[0-9A-Z]{10}$")
_UPN = re.compile(r"^[A-Z][0-9]{11}[0-9A-Z]$")
_WORDS = re.compile(r"[\s\-',.]+")


@dataclass(frozen=True)
class Query:
    text: str = ""
    date_of_birth: dt.date | None = None


@dataclass(frozen=True)
class Result:
    person: Person
    identity: Identity
    score: float


def _swapped(day: dt.date) -> dt.date | None:
    if day.day > 12 or day.day == day.month:
        return None
    return dt.date(day.year, day.day, day.month)


def _identifier(text: str) -> Q | None:
    """A condition on subject records when the text is an NHS number or UPN; else None."""
    compact = re.sub(r"[\s-]", "", text).upper()
    if compact.isdigit() and len(compact) == 10:
        return Q(nhs_number=compact)
    if _UPN.match(compact):
        return Q(upn=compact)
    return None


def _words(text: str) -> list[str]:
    cleaned = clean_text(text) or ""
    return [w for w in _WORDS.split(cleaned) if len(w) > 1]


def _name_condition(words: list[str]) -> Q:
    """Records whose given or family name starts as one of the words (or its full names) does."""
    starts: set[str] = set()
    for word in words:
        for key in name_keys(word):
            starts.add(key[:2])
    condition = Q()
    for start in sorted(starts):
        condition |= Q(given_name__istartswith=start) | Q(family_name__istartswith=start)
    return condition


def _alike(word: str, name_word: str) -> float:
    if word == name_word or set(name_keys(word)) & set(name_keys(name_word)):
        return 1.0
    return SequenceMatcher(None, word, name_word).ratio()


def _name_score(words: list[str], given: str, family: str, other: list[str]) -> float:
    """How well every word searched for matches some part of the name (0 to 1)."""
    parts = _words(" ".join([given, family, *other]))
    if not parts:
        return 0.0
    return min(max(_alike(w, p) for p in parts) for w in words)


def person_search(*, user: Any, query: Query) -> list[Result]:
    """The people the user may open who match the query, best first."""
    text = query.text.strip()
    public_id = text.upper()
    if _PUBLIC_ID.match(public_id):
        persons = persons_viewable(user=user, persons=Person.objects.filter(public_id=public_id))
        found = list(persons)
        identities = person_identities(person_ids=[p.pk for p in found])
        return [Result(person=p, identity=identities[p.pk], score=1.0) for p in found]

    identifier = _identifier(text)
    words = [] if identifier is not None else _words(text)
    conditions = Q(source_record__head__isnull=False)
    if identifier is not None:
        conditions &= identifier
    if query.date_of_birth is not None:
        days = [query.date_of_birth]
        swapped = _swapped(query.date_of_birth)
        if swapped is not None:
            days.append(swapped)
        conditions &= Q(date_of_birth__in=days)
    if words:
        conditions &= _name_condition(words)
    if identifier is None and not words and query.date_of_birth is None:
        return []

    rows = (
        SubjectRecord.objects.filter(conditions)
        .values_list(
            "agency_id", "local_id", "given_name", "family_name", "other_names", "date_of_birth"
        )
        .distinct()[:CANDIDATE_ROWS]
    )
    scores: dict[tuple[int, str], float] = {}
    for agency_id, local_id, given, family, other, born in rows:
        score = 1.0
        if words:
            score = _name_score(words, given, family, list(other or []))
            if score < NAME_ALIKE:
                continue
        if query.date_of_birth is not None and born != query.date_of_birth:
            score -= 0.05  # day and month swapped: found, but after an exact birth date
        key = (agency_id, local_id)
        scores[key] = max(score, scores.get(key, 0.0))
    if not scores:
        return []

    by_agency: dict[int, list[str]] = {}
    for agency_id, local_id in scores:
        by_agency.setdefault(agency_id, []).append(local_id)
    named = Q()
    for agency_id, local_ids in sorted(by_agency.items()):
        named |= Q(agency_id=agency_id, local_id__in=sorted(local_ids))
    best: dict[int, float] = {}
    for person_id, agency_id, local_id in AgencyPerson.objects.filter(
        named, person__isnull=False
    ).values_list("person_id", "agency_id", "local_id"):
        best[person_id] = max(best.get(person_id, 0.0), scores[(agency_id, local_id)])

    visible = list(persons_viewable(user=user, persons=Person.objects.filter(pk__in=sorted(best))))
    visible.sort(key=lambda p: (-best[p.pk], p.public_id))
    visible = visible[:RESULTS_SHOWN]
    identities = person_identities(person_ids=[p.pk for p in visible])
    return [Result(person=p, identity=identities[p.pk], score=best[p.pk]) for p in visible]
