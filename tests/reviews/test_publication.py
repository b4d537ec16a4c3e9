"""The published review's title and sections, before and after its children are named."""

from __future__ import annotations

import datetime as dt

import pytest

from sightline.feeds.models import Agency
from sightline.reviews.actions import recommendation_add
from sightline.reviews.publication import (
    publication_anonymiser,
    publication_sections,
    publication_title,
)
from sightline.reviews.services import (
    ReviewError,
    finding_add,
    review_create,
    review_publication_update,
)

pytestmark = pytest.mark.django_db


def test_a_review_with_no_children_yet_still_renders() -> None:
    review = review_create(kind="scr", title="Legacy review", incident_on=dt.date(2018, 9, 1))
    review_publication_update(review=review, title="", summary="First paragraph.\n\n  Second.  ")
    a = publication_anonymiser(review)
    assert publication_title(review, a) == "Child: serious case review"
    sections = publication_sections(review, anonymiser=a)
    assert [s.key for s in sections] == ["about", "summary"]
    assert sections[1].paragraphs == ["First paragraph.", "Second."]


def test_an_overlong_title_is_refused_naming_the_field() -> None:
    review = review_create(kind="rapid", title="Rapid", incident_on=dt.date(2023, 1, 1))
    with pytest.raises(ReviewError) as refused:
        review_publication_update(review=review, title="x" * 201, summary="")
    assert refused.value.field == "published_title"


def test_findings_and_recommendations_are_published_anonymised_with_their_themes_and_owners(
    case,
) -> None:
    review = case.review
    finding_add(
        review=review,
        text="Kerry's partner Darren Pike was never assessed; Jayden's weight was not chased.",
        themes=["hidden-men"],
        by=None,
    )
    police = Agency.objects.get(code="norfolk-police")
    recommendation_add(
        review=review, text="Ask who lives with Jayden at every visit", agency=police
    )
    recommendation_add(review=review, text="Audit step-downs", partnership_wide=True)

    sections = {s.key: s for s in publication_sections(review)}
    [finding] = sections["findings"].paragraphs
    first, second = sections["recommendations"].paragraphs
    published = " ".join([finding, first, second])
    for secret in ("Kerry", "Darren", "Pike", "Jayden"):
        assert secret not in published
    assert "Hidden" in finding  # the theme's title, from the catalogue
    assert first.startswith("Recommendation 1 (owned by ") and police.name in first
    assert second.startswith("Recommendation 2 (owned by the partnership)")
