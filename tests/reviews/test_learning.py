"""The themes catalogue, findings tagged with it, and the statutory deadlines a review runs to."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from sightline.feeds.models import Agency
from sightline.reviews.models import CaseReview
from sightline.reviews.selectors import findings_by_theme, review_deadline, theme_counts
from sightline.reviews.services import ReviewError, finding_add, review_create, review_set_status
from sightline.reviews.themes import THEMES

pytestmark = pytest.mark.django_db

DOMAIN = Path(__file__).resolve().parents[3] / "shared" / "design" / "domain.md"


def test_every_theme_of_the_domain_notes_is_in_the_catalogue_with_its_source():
    if not DOMAIN.exists():
        pytest.skip("the shared design folder is not beside this checkout")
    text = DOMAIN.read_text()
    section = text.split("## Themes case reviews keep finding", 1)[1].split("##", 1)[0]
    listed = section.split("Source:", 1)[0]
    names = [re.sub(r"\s+", " ", n).strip(" .\n") for n in listed.split(";")]
    titles = " | ".join(t.title.lower() for t in THEMES)
    for name in names:
        # "the voice of the child (child not seen, or not seen alone)" is titled without its gloss
        assert name.split(" (")[0].lower() in titles, name
    assert len(THEMES) == len(names) == len({t.id for t in THEMES})
    assert all(t.sources and t.description for t in THEMES)


def _review(kind: str = "rapid", **dates: dt.date) -> CaseReview:
    return review_create(
        kind=kind,
        title="Review",
        incident_on=dates.get("incident_on", dt.date(2026, 3, 2)),
        notified_on=dates.get("notified_on"),
        started_on=dates.get("started_on", dt.date(2026, 3, 9)),
    )


def test_a_finding_keeps_its_themes_and_agencies_and_refuses_a_theme_not_in_the_catalogue():
    review = _review()
    police = Agency.objects.create(code="norfolk-police", name="Norfolk Police")
    finding = finding_add(
        review=review,
        text="Nobody asked who the new adult was.",
        themes=["hidden-men", "poor-information-sharing"],
        agencies=[police],
    )
    assert finding.themes == ["hidden-men", "poor-information-sharing"]
    assert list(finding.agencies.all()) == [police]
    with pytest.raises(ReviewError) as refused:
        finding_add(review=review, text="x", themes=["optimism"])
    assert refused.value.field == "themes" and "optimism" in refused.value.message
    with pytest.raises(ReviewError) as empty:
        finding_add(review=review, text="  ", themes=["hidden-men"])
    assert empty.value.field == "text"
    grouped = {t.id: [f.text for f in fs] for t, fs in findings_by_theme(review)}
    assert grouped == {
        "hidden-men": ["Nobody asked who the new adult was."],
        "poor-information-sharing": ["Nobody asked who the new adult was."],
    }


def test_theme_counts_are_across_reviews():
    first, second = _review(), _review()
    finding_add(review=first, text="a", themes=["was-not-brought", "drift-and-delay"])
    finding_add(review=first, text="b", themes=["was-not-brought"])
    finding_add(review=second, text="c", themes=["was-not-brought"])
    counts = {t.id: (n, r) for t, n, r in theme_counts()}
    assert counts["was-not-brought"] == (3, 2)
    assert counts["drift-and-delay"] == (1, 1)
    assert counts["toxic-trio"] == (0, 0)


def test_a_rapid_review_is_due_15_working_days_after_the_notification():
    # Notified Friday 18 December 2026: Christmas, Boxing Day (substitute Monday 28th)
    # and New Year's Day are not working days, so the 15th is Wednesday 13 January 2027.
    review = _review(
        notified_on=dt.date(2026, 12, 18),
        incident_on=dt.date(2026, 12, 16),
        started_on=dt.date(2026, 12, 21),
    )
    deadline = review_deadline(review)
    assert deadline is not None and deadline.due_on == dt.date(2027, 1, 13)
    assert not deadline.overdue(dt.date(2027, 1, 13))
    assert deadline.overdue(dt.date(2027, 1, 14))
    review_set_status(review=review, status="completed", on=dt.date(2027, 1, 8))
    assert not review_deadline(review).overdue(dt.date(2027, 3, 1))  # type: ignore[union-attr]


def test_a_rapid_review_without_a_notification_date_says_what_is_missing():
    deadline = review_deadline(_review())
    assert deadline is not None and deadline.due_on is None
    assert "notification" in deadline.missing


def test_a_local_review_is_due_published_6_months_after_it_was_decided():
    review = _review(kind="lcspr", started_on=dt.date(2026, 8, 31), incident_on=dt.date(2026, 7, 1))
    deadline = review_deadline(review)
    assert deadline is not None and deadline.due_on == dt.date(2027, 2, 28)
    # Completed is not enough: a local review is due published.
    review_set_status(review=review, status="completed", on=dt.date(2027, 2, 1))
    assert review_deadline(review).overdue(dt.date(2027, 3, 1))  # type: ignore[union-attr]
    review_set_status(review=review, status="published", on=dt.date(2027, 3, 5))
    late = review_deadline(review)
    assert (
        late is not None
        and late.done_on == dt.date(2027, 3, 5)
        and late.overdue(dt.date(2027, 3, 6))
    )


def test_a_legacy_serious_case_review_has_no_timescale():
    assert review_deadline(_review(kind="scr")) is None


def test_a_notification_before_the_incident_is_refused_naming_the_field():
    with pytest.raises(ReviewError) as refused:
        _review(incident_on=dt.date(2026, 3, 2), notified_on=dt.date(2026, 3, 1))
    assert refused.value.field == "notified_on"
