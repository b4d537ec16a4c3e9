"""The case reviews' pages: who sees what, forms whose errors name the field, deadlines, themes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sightline.accounts.models import Role
from sightline.feeds.models import Agency
from sightline.reviews.models import CaseReview
from sightline.reviews.services import finding_add, review_create
from tests.reviews.conftest import HV, INCIDENT, records, review_of  # noqa: F401
from tests.web.people_fixtures import make_staff  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def clients(make_staff: Any) -> dict[str, Client]:  # noqa: F811
    found = {}
    for role in Role:
        client = Client()
        client.force_login(make_staff(role, username=str(role)))
        found[str(role)] = client
    return found


def _page(client: Client, name: str, **kwargs: Any) -> str:
    response = client.get(reverse(f"web:{name}", kwargs=kwargs))
    assert response.status_code == 200, (name, response.status_code)
    return response.content.decode()


def _review(**fields: Any) -> CaseReview:
    return review_create(
        kind=fields.get("kind", "rapid"),
        title=fields.get("title", "Review of Child RA"),
        incident_on=fields.get("incident_on", dt.date(2026, 3, 2)),
        notified_on=fields.get("notified_on"),
        started_on=fields.get("started_on", dt.date(2026, 3, 9)),
    )


def test_officers_manage_reviews_team_managers_read_them_and_nobody_else_sees_them(clients):
    review = _review()
    officer = _page(clients["partnership_officer"], "reviews")
    assert review.reference in officer and "Start a review" in officer
    assert 'href="/reviews"' in officer  # in the navigation
    manager = _page(clients["team_manager"], "reviews")
    assert review.reference in manager and "Start a review" not in manager
    assert "Add a finding" not in _page(
        clients["team_manager"], "review-detail", reference=review.reference
    )
    for role in ("mash", "social_worker", "partner", "administrator", "data_engineer"):
        assert clients[role].get(reverse("web:reviews")).status_code == 403, role
        detail = reverse("web:review-detail", kwargs={"reference": review.reference})
        assert clients[role].get(detail).status_code == 403, role
        assert "Case reviews" not in _page(clients[role], "notifications")
    for name in ("review-edit", "review-children", "review-findings"):
        url = reverse(f"web:{name}", kwargs={"reference": review.reference})
        assert clients["team_manager"].post(url, {}).status_code == 403, name
    assert clients["team_manager"].post(reverse("web:review-new"), {}).status_code == 403
    assert clients["partnership_officer"].get("/reviews/CR-1999-001").status_code == 404


def _new(**overrides: str) -> dict[str, str]:
    form = {
        "kind": "rapid",
        "title": "Review of Child AG",
        "incident_on_day": "2",
        "incident_on_month": "3",
        "incident_on_year": "2026",
        "notified_on_day": "4",
        "notified_on_month": "3",
        "notified_on_year": "2026",
        "started_on_day": "9",
        "started_on_month": "3",
        "started_on_year": "2026",
        "terms_of_reference": "What did each agency know?",
    }
    form.update(overrides)
    return form


def test_an_officer_starts_a_review_and_sees_when_it_is_due(clients):
    police = Agency.objects.create(code="norfolk-police", name="Norfolk Police")
    officer = clients["partnership_officer"]
    response = officer.post(reverse("web:review-new"), {**_new(), "agencies": [str(police.pk)]})
    review = CaseReview.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reviews/{review.reference}"
    assert review.incident_on == dt.date(2026, 3, 2) and review.notified_on == dt.date(2026, 3, 4)
    page = _page(officer, "review-detail", reference=review.reference)
    # 15 working days after Wednesday 4 March 2026 (Good Friday is 3 April, after it).
    assert "Due completed by 25 March 2026" in " ".join(page.split())
    assert "Norfolk Police" in page and "What did each agency know?" in page
    assert "Working Together to Safeguard Children 2023, chapter 5" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "Enter a title for the review"),
        ({"kind": ""}, "Select the kind of review"),
        (
            {"incident_on_day": "", "incident_on_month": "", "incident_on_year": ""},
            "Enter the date of the incident",
        ),
        ({"incident_on_month": ""}, "Date of the incident must include a day, month and year"),
        (
            {"notified_on_day": "31", "notified_on_month": "2"},
            "Date of the serious incident notification must be a real date",
        ),
        ({"notified_on_month": "2"}, "The notification must be on or after the incident"),
        ({"started_on_year": "2025"}, "The incident must be on or before the review starts"),
    ],
)
def test_a_review_form_with_a_mistake_says_which_field(clients, overrides, message):
    response = clients["partnership_officer"].post(reverse("web:review-new"), _new(**overrides))
    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in page
    assert message in page
    assert not CaseReview.objects.exists()


def test_an_officer_changes_a_review_and_moves_it_on(clients):
    review = _review(kind="lcspr", started_on=dt.date(2026, 3, 9))
    officer = clients["partnership_officer"]
    edit = reverse("web:review-edit", kwargs={"reference": review.reference})
    assert 'value="Review of Child RA"' in officer.get(edit).content.decode()
    response = officer.post(edit, _new(kind="lcspr", title="Child RA: the new title"))
    assert response.status_code == 302
    status = reverse("web:review-status", kwargs={"reference": review.reference})
    assert officer.post(status, {"status": "in_progress"}).status_code == 302
    page = " ".join(_page(officer, "review-detail", reference=review.reference).split())
    assert "Child RA: the new title" in page and "In progress" in page
    assert "Due published by 9 September 2026" in page
    refused = officer.post(status, {"status": "finished"})
    assert "Select the review&#x27;s status" in refused.content.decode()


def test_an_overdue_review_is_tagged_overdue_in_the_list(clients):
    _review(notified_on=dt.date(2026, 3, 4))
    long_ago = _review(
        notified_on=dt.date(2020, 3, 4),
        incident_on=dt.date(2020, 3, 2),
        started_on=dt.date(2020, 3, 5),
    )
    page = _page(clients["team_manager"], "reviews")
    row = page.split(f'data-review="{long_ago.reference}"')[1].split("</tr>")[0]
    assert "Overdue" in row
    filtered = (
        clients["team_manager"].get(reverse("web:reviews"), {"status": "closed"}).content.decode()
    )
    assert long_ago.reference not in filtered and "No reviews match" in filtered


def test_a_child_is_added_by_id_shown_by_code_and_linked_only_for_those_who_may_open_them(
    records,  # noqa: F811
    clients,
):
    records.add(HV, "was_not_brought", INCIDENT - dt.timedelta(days=200))
    records.add(HV, "was_not_brought", INCIDENT - dt.timedelta(days=100))
    child = records.load()
    review = _review(incident_on=INCIDENT, started_on=INCIDENT + dt.timedelta(days=3))
    officer = clients["partnership_officer"]
    add = reverse("web:review-children", kwargs={"reference": review.reference})
    missing = officer.post(add, {"person": "P-0000000000", "code": "RA"}).content.decode()
    assert "There is no person with the id P-0000000000" in missing
    bad_code = officer.post(add, {"person": child.public_id, "code": "R1"}).content.decode()
    assert "The code must be 1 to 8 letters" in bad_code
    assert officer.post(add, {"person": child.public_id.lower(), "code": "ra"}).status_code == 302
    page = _page(officer, "review-detail", reference=review.reference)
    assert "Child RA" in page and "Ruby" not in page and "Askew" not in page
    # Under a review being done, the officer may open the child; the manager may not.
    assert f'href="/people/{child.public_id}"' in page
    manager = _page(clients["team_manager"], "review-detail", reference=review.reference)
    assert "Child RA" in manager and child.public_id not in manager
    assert "Ruby" not in _page(officer, "reviews")


def test_suggestions_are_shown_with_their_evidence_and_become_findings(records, clients):  # noqa: F811
    records.add(HV, "was_not_brought", INCIDENT - dt.timedelta(days=200))
    records.add(HV, "was_not_brought", INCIDENT - dt.timedelta(days=100))
    review = review_of(records.load())
    officer = clients["partnership_officer"]
    page = _page(officer, "review-detail", reference=review.reference)
    suggestion = page.split('data-suggestion="was-not-brought"')[1].split("</div>")[0]
    first_missed = INCIDENT - dt.timedelta(days=200)
    assert f"{first_missed:%-d %B %Y}" in suggestion and "Child RA not brought" in suggestion
    add = reverse("web:review-findings", kwargs={"reference": review.reference})
    draft = officer.get(add, {"theme": "was-not-brought"}).content.decode()
    assert "Health appointments were missed" in draft
    assert 'value="was-not-brought" checked' in draft
    no_theme = officer.post(add, {"text": "Missed care was not followed up"}).content.decode()
    assert "Select at least one learning theme" in no_theme and 'href="#id_themes_0"' in no_theme
    done = officer.post(
        add,
        {
            "text": "Missed care was not followed up",
            "themes": ["was-not-brought", "drift-and-delay"],
        },
    )
    assert done.status_code == 302
    page = _page(officer, "review-detail", reference=review.reference)
    assert 'data-suggestion="was-not-brought"' not in page
    for theme in ("was-not-brought", "drift-and-delay"):
        section = page.split(f'data-theme="{theme}"')[1].split("</ul>")[0]
        assert "Missed care was not followed up" in section
        assert "by Partnership Officer Tester" in section


def test_the_learning_themes_page_counts_findings_across_reviews(clients):
    first, second = _review(), _review()
    finding_add(review=first, text="a", themes=["toxic-trio"])
    finding_add(review=second, text="b", themes=["toxic-trio", "hidden-men"])
    page = _page(clients["team_manager"], "learning-themes")
    row = page.split('data-theme="toxic-trio"')[1].split("</tr>")[0]
    assert 'data-field="findings">2<' in row and 'data-field="reviews">2<' in row
    assert "Brandon et al." in page and "Start-again syndrome" in page
    assert clients["social_worker"].get(reverse("web:learning-themes")).status_code == 403


def test_the_review_page_leads_to_every_part_of_the_review_each_for_those_who_may_use_it(clients):
    review = _review()
    officer = _page(clients["partnership_officer"], "review-detail", reference=review.reference)
    manager = _page(clients["team_manager"], "review-detail", reference=review.reference)
    ref = {"reference": review.reference}
    for_all = ["review-recommendations", "review-published", "review-published-pdf"]
    officers_only = ["review-chronology", "review-publication"]
    for name in for_all + officers_only:
        assert f'href="{reverse(f"web:{name}", kwargs=ref)}"' in officer, name
    for name in for_all:
        assert f'href="{reverse(f"web:{name}", kwargs=ref)}"' in manager, name
    for name in officers_only:
        assert f'href="{reverse(f"web:{name}", kwargs=ref)}"' not in manager, name
    assert f"{reverse('web:review-actions')}?review={review.reference}" in officer
