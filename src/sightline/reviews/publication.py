"""The published review: its title, dates and learning sections, anonymised as the chronology is.

Partnerships publish each local review (and, before 2018, each serious case
review) with the family anonymised: the child by the review's code, the adults
by role, no name, address or identifier. What an officer writes for
publication is kept as typed and shown only through the same
:class:`~sightline.reviews.anonymise.Anonymiser` the review's chronology uses,
so a name or identifier of the family typed into it by mistake is replaced
before it is read, printed or published.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings

from sightline.accounts.viewer import Viewer
from sightline.reviews.anonymise import Anonymiser
from sightline.reviews.chronology import review_children, review_chronology, review_window
from sightline.reviews.models import CaseReview
from sightline.reviews.themes import THEME_BY_ID

# How a review's kind reads in a published title: "Child AG: serious case review".
_KIND_IN_TITLE = {
    CaseReview.Kind.RAPID: "rapid review",
    CaseReview.Kind.LCSPR: "local child safeguarding practice review",
    CaseReview.Kind.SCR: "serious case review",
}


@dataclass(frozen=True)
class Section:
    """One section of the published review: a heading and its paragraphs, already anonymised."""

    key: str
    heading: str
    paragraphs: list[str]


def publication_anonymiser(review: CaseReview) -> Anonymiser:
    """The anonymiser of the review's chronology over its default window: the same pseudonyms.

    Read as Sightline itself: every name the records hold must be known to be
    removed, though nothing of the records is shown.
    """
    start, end = review_window(review)
    chronology = review_chronology(
        children=review_children(review),
        start=start,
        end=end,
        viewer=Viewer.system(),
        anonymise=True,
    )
    assert chronology.anonymiser is not None
    return chronology.anonymiser


def children_words(review: CaseReview) -> str:
    codes = [c.code for c in review.children.all()]
    if not codes:
        return "Child"
    if len(codes) == 1:
        return f"Child {codes[0]}"
    return "Children " + ", ".join(codes[:-1]) + f" and {codes[-1]}"


def publication_title(review: CaseReview, anonymiser: Anonymiser) -> str:
    if review.published_title.strip():
        return anonymiser.text(review.published_title.strip())
    return f"{children_words(review)}: {_KIND_IN_TITLE[CaseReview.Kind(review.kind)]}"


def partnership_name() -> str:
    return str(settings.SIGHTLINE_PARTNERSHIP_NAME)


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


def publication_sections(
    review: CaseReview, *, anonymiser: Anonymiser | None = None
) -> list[Section]:
    """The learning sections of the published review, in order, anonymised.

    Who and what the review is about, the summary, what it found (each finding
    with its learning themes) and its recommendations with who owns each. Every
    text an officer typed goes through the anonymiser, so a name typed into a
    finding is replaced as one typed into the summary is.
    """
    a = anonymiser or publication_anonymiser(review)
    kind = _KIND_IN_TITLE[CaseReview.Kind(review.kind)]
    about = [
        f"This {kind} by the {partnership_name()} is about {children_words(review)}. "
        "The family is not named: children are known by the review's code and adults "
        "by their relationship to the child."
    ]
    summary = _paragraphs(a.text(review.published_summary)) or [
        "The summary has not been written yet."
    ]
    findings = []
    for finding in review.findings.order_by("created_at", "id"):
        themes = [THEME_BY_ID[t].title for t in finding.themes if t in THEME_BY_ID]
        text = " ".join(_paragraphs(a.text(finding.text)))
        findings.append(f"{text} (Themes: {'; '.join(themes)}.)" if themes else text)
    recommendations = []
    for rec in review.recommendations.select_related("agency").order_by("number"):
        owner = "the partnership" if rec.partnership_wide or rec.agency is None else rec.agency.name
        text = " ".join(_paragraphs(a.text(rec.text)))
        recommendations.append(f"Recommendation {rec.number} (owned by {owner}): {text}")
    sections = [
        Section(key="about", heading="About this review", paragraphs=about),
        Section(key="summary", heading="Summary", paragraphs=summary),
    ]
    if findings:
        sections.append(
            Section(key="findings", heading="What the review found", paragraphs=findings)
        )
    if recommendations:
        sections.append(
            Section(key="recommendations", heading="Recommendations", paragraphs=recommendations)
        )
    return sections
