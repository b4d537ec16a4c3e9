"""Learning themes suggested from what the records held before the harm.

Each rule looks at the review's children over the year up to the incident
(``WINDOW_DAYS`` before ``incident_on``, to ``incident_on`` itself): their plans
(casework), their flags (indicators) and their chronology (feeds, as the
chronology reads them). A suggestion is a prompt to the reviewer, never a
finding: it names the theme and the evidence that suggested it (what, when,
which agency), and the reviewer decides whether to add it.

Evidence names a child by their review code only, and never quotes a record's
summary or a flag's explanation (either could hold a name), so a suggestion is
safe to show wherever the review is shown. Restricted records (sexual health,
some police intelligence) are left out: a review's pages are read across the
partnership, by people who could not see those records on the child's page.

The rules (see docs/reviews.md for why each is grounded in data):

- step-down followed by harm: a plan (child in need or child protection) ended
  by stepping down or closing within ``STEP_DOWN_DAYS`` (90) before the incident,
  in casework or as a social care status ending in a feed;
- was not brought: ``WAS_NOT_BROUGHT_COUNT`` (2) or more health appointments the
  child was not brought to in the window, or a was-not-brought flag whose
  pattern was complete in the window;
- cumulative harm, the toxic trio, hidden men: the indicator rules'
  ``cumulative-concerns``, ``toxic-trio`` and ``new-adult-unassessed`` flags
  whose pattern was complete in the window;
- poor information sharing: concerns about the child from
  ``SHARING_AGENCIES`` (3) or more agencies in the window, and no referral to
  children's social care (a contact at the front door, or a ``concern_reported``
  record) in it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sightline.accounts.viewer import Viewer
from sightline.casework.models import Contact, Plan
from sightline.chronology.selectors import ChronologyEntry, person_chronology
from sightline.indicators.models import LIVE, Flag
from sightline.reviews.models import CaseReview, ReviewChild
from sightline.reviews.themes import THEME_BY_ID, Theme

WINDOW_DAYS = 365
STEP_DOWN_DAYS = 90
WAS_NOT_BROUGHT_COUNT = 2
SHARING_AGENCIES = 3

# Flags whose rule is itself one of the themes' patterns.
FLAG_THEMES: dict[str, str] = {
    "was-not-brought": "was-not-brought",
    "cumulative-concerns": "cumulative-harm",
    "toxic-trio": "toxic-trio",
    "new-adult-unassessed": "hidden-men",
}
# Records that say an agency was worried about the child.
CONCERN_TYPES = frozenset({"cause_for_concern", "police_incident"})
# Whoever reads a review: no agency of their own, no restricted records.
REVIEW_READER = Viewer(name="case review", agency_code=None, may_see_restricted=False)
_PLAN_STATUSES = {
    "child_protection": "child protection plan",
    "child_in_need": "child in need plan",
}


@dataclass(frozen=True)
class Evidence:
    on: dt.date
    what: str


@dataclass(frozen=True)
class Suggestion:
    theme: Theme
    because: str  # the rule that fired, in words
    evidence: tuple[Evidence, ...]

    def finding_text(self) -> str:
        """A first draft of the finding, for the reviewer to rewrite."""
        listed = "; ".join(f"{e.what} on {e.on:%-d %B %Y}" for e in self.evidence)
        return f"{self.because}: {listed}."


@dataclass(frozen=True)
class _Child:
    code: str
    place: ReviewChild
    entries: list[ChronologyEntry]


def _window(review: CaseReview) -> tuple[dt.date, dt.date]:
    return review.incident_on - dt.timedelta(days=WINDOW_DAYS), review.incident_on


def _children(review: CaseReview) -> list[_Child]:
    start, end = _window(review)
    return [
        _Child(
            code=place.code,
            place=place,
            entries=person_chronology(
                person=place.person, viewer=REVIEW_READER, start=start, end=end
            ).entries,
        )
        for place in review.children.select_related("person")
    ]


def _step_down(review: CaseReview, children: list[_Child]) -> list[Evidence]:
    since = review.incident_on - dt.timedelta(days=STEP_DOWN_DAYS)
    found: list[Evidence] = []
    for child in children:
        plans = Plan.objects.filter(
            person=child.place.person,
            ending__in=[Plan.Ending.STEPPED_DOWN, Plan.Ending.CLOSED],
            ended_on__gte=since,
            ended_on__lte=review.incident_on,
        )
        for plan in plans:
            assert plan.ended_on is not None  # the filter asked for a day
            kind = plan.get_kind_display().lower()
            how = plan.get_ending_display().lower()
            found.append(Evidence(plan.ended_on, f"Child {child.code}'s {kind} {how}"))
        for e in child.entries:
            status = e.details.get("status")
            if (
                e.type == "social_care_status"
                and e.details.get("change") == "end"
                and status in _PLAN_STATUSES
                and e.occurred_on >= since
            ):
                what = f"Child {child.code}'s {_PLAN_STATUSES[status]} ended ({e.agency_code})"
                found.append(Evidence(e.occurred_on, what))
    return found


def _not_brought(children: list[_Child]) -> list[Evidence]:
    found: list[Evidence] = []
    for child in children:
        missed = [
            Evidence(
                e.occurred_on, f"Child {child.code} not brought to an appointment ({e.agency_code})"
            )
            for e in child.entries
            if e.type == "health_appointment" and e.details.get("outcome") == "was_not_brought"
        ]
        if len(missed) >= WAS_NOT_BROUGHT_COUNT:
            found += missed
    return found


def _flags(review: CaseReview, children: list[_Child]) -> dict[str, list[Evidence]]:
    start, end = _window(review)
    by_person = {c.place.person_id: c.code for c in children}
    flags = Flag.objects.filter(
        scenario=LIVE,
        person_id__in=by_person,
        rule_id__in=FLAG_THEMES,
        first_triggered_on__lte=end,
        last_triggered_on__gte=start,
    ).order_by("first_triggered_on", "pk")
    found: dict[str, list[Evidence]] = {}
    for flag in flags:
        status = flag.get_status_display().lower()
        what = f"Child {by_person[flag.person_id]}: flag '{flag.title}' ({status})"
        found.setdefault(FLAG_THEMES[flag.rule_id], []).append(
            Evidence(flag.first_triggered_on, what)
        )
    return found


def _sharing(review: CaseReview, children: list[_Child]) -> list[Evidence]:
    start, end = _window(review)
    found: list[Evidence] = []
    for child in children:
        concerns = [e for e in child.entries if e.type in CONCERN_TYPES]
        agencies = {e.agency_code for e in concerns}
        referred = any(e.type == "concern_reported" for e in child.entries) or (
            Contact.objects.filter(
                person=child.place.person,
                received_at__date__gte=start,
                received_at__date__lte=end,
            ).exists()
        )
        if len(agencies) >= SHARING_AGENCIES and not referred:
            found += [
                Evidence(
                    e.occurred_on,
                    f"Child {child.code}: {e.type.replace('_', ' ')} ({e.agency_code})",
                )
                for e in concerns
            ]
    return found


def _suggest(theme_id: str, because: str, evidence: Iterable[Evidence]) -> Suggestion | None:
    ordered = tuple(sorted(evidence, key=lambda e: (e.on, e.what)))
    if not ordered:
        return None
    return Suggestion(theme=THEME_BY_ID[theme_id], because=because, evidence=ordered)


def review_suggestions(review: CaseReview) -> list[Suggestion]:
    """The themes the records suggest for this review, leaving out those already found."""
    children = _children(review)
    flags = _flags(review, children)
    candidates = [
        _suggest(
            "step-down-then-harm",
            f"A plan ended or stepped down within {STEP_DOWN_DAYS} days before the incident",
            _step_down(review, children),
        ),
        _suggest(
            "was-not-brought",
            "Health appointments were missed in the year before the incident",
            [*_not_brought(children), *flags.get("was-not-brought", [])],
        ),
        _suggest(
            "cumulative-harm",
            "Low-level concerns added up to a flag in the year before the incident",
            flags.get("cumulative-harm", []),
        ),
        _suggest(
            "toxic-trio",
            "Domestic abuse, mental ill-health and substance misuse were flagged together",
            flags.get("toxic-trio", []),
        ),
        _suggest(
            "hidden-men",
            "An adult joined the household and was not assessed",
            flags.get("hidden-men", []),
        ),
        _suggest(
            "poor-information-sharing",
            f"{SHARING_AGENCIES} or more agencies recorded concerns and nobody referred the "
            "child to children's social care",
            _sharing(review, children),
        ),
    ]
    found = {t for f in review.findings.all() for t in f.themes}
    return [s for s in candidates if s is not None and s.theme.id not in found]
