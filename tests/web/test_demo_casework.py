"""What the demo borough shows a partnership officer: casework the CIN census returns, a review.

Set up as a person would (``sightline demo``), then looked at as the partnership
officer would: the review of Child AG with its suggestions, the tracker with an
overdue action, the chronology download, and ``sightline export cin-census``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from sightline.casework.models import Contact, Plan, TriageDecision
from sightline.reviews.models import CaseReview
from tests.reviews.test_cin_census import _this_census, _xml_children
from tests.web.test_commands import GENERATOR_PRESENT

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db,
    pytest.mark.skipif(
        not GENERATOR_PRESENT,
        reason="the synthetic borough generator (sightline.synth.cli) is not in this tree yet",
    ),
]


@pytest.fixture
def demo(cli: Any, settings: Any, tmp_path: Any) -> str:
    settings.SIGHTLINE_VAR_DIR = tmp_path / "var"
    result = cli("demo", "--no-serve", "--children", "50", "--seed", "2020")
    assert result.code == 0, result.err
    return str(result.err)


def test_the_demo_has_an_open_review_of_a_flagged_child_with_an_overdue_action(
    demo: str, client: Any, cli: Any
) -> None:
    (review,) = CaseReview.objects.all()
    assert f"Opened case review {review.reference} about Child AG" in demo
    officer = get_user_model().objects.get(username="partnership.officer")
    client.force_login(officer)

    dashboard = client.get(reverse("web:dashboard"))
    assert dashboard.status_code == 200 and dashboard.context["figures"]

    page = client.get(reverse("web:review-detail", args=[review.reference])).content.decode()
    assert "Child AG" in page and "Local child safeguarding practice review" in page
    # The flag the child has suggests a theme the findings have not yet covered.
    assert "data-suggestion=" in page

    tracker = client.get(reverse("web:review-actions")).content.decode()
    assert tracker.count("app-overdue") == 1
    assert "Multi-agency briefing on gathering the history" in tracker

    chronology = client.get(
        reverse("web:review-chronology-download", args=[review.reference, "csv"]),
        {
            "start": (review.incident_on - dt.timedelta(days=365)).isoformat(),
            "end": review.incident_on.isoformat(),
            "anonymise": "yes",
            "dates": "keep",
            "shift_days": "",
        },
    )
    assert chronology.status_code == 200
    assert "Child AG" in b"".join(chronology).decode()

    # Setting the demo up again adds no second review and no second set of casework.
    decisions = TriageDecision.objects.count()
    again = cli("demo", "--no-serve", "--children", "50", "--seed", "2020")
    assert again.code == 0, again.err
    assert (CaseReview.objects.count(), TriageDecision.objects.count()) == (1, decisions)


@pytest.mark.skipif(
    not django_settings.SIGHTLINE_CIN_VALIDATOR.exists(),
    reason="the CIN validator is not installed: run make install-cin",
)
def test_the_demo_cin_census_has_children_and_passes_the_dfe_validator(demo: str, cli: Any) -> None:
    year = _this_census()
    result = cli("export", "cin-census", "--year", str(year.year), "--validate")
    assert result.code == 0, result.err
    assert re.search(r"^0 error\(s\)", result.err, re.M), result.err
    children = _xml_children(result.out_bytes)
    referred = set(TriageDecision.objects.exclude(person=None).values_list("person", flat=True))
    assert len(children) >= 1 and len(children) == len(referred)
    plans = [c for c in children.values() if c.find("CINdetails/ChildProtectionPlans") is not None]
    assert len(plans) == Plan.objects.filter(kind=Plan.Kind.CHILD_PROTECTION).count() == 1
    # The MASH still has its worklist of undecided concerns.
    assert Contact.objects.filter(triage__isnull=True).count() == 8
