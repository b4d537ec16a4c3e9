"""The review chronology and publication pages: officers only, anonymised downloads, audit."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from pypdf import PdfReader

from sightline.accounts.models import AccessLog
from sightline.reviews.services import review_set_status
from tests.reviews import case_fixtures as review_fixtures
from tests.reviews.case_fixtures import AREAS, Case
from tests.reviews.test_review_chronology import _leaks

pytestmark = pytest.mark.django_db

# The generated family of the review chronology's own tests.
case = review_fixtures.case

QUERY = {
    "start": "2023-01-01",
    "end": "2023-09-01",
    "anonymise": "yes",
    "dates": "keep",
    "shift_days": "",
}


@pytest.fixture
def officer(client: Any, make_staff: Callable[..., Any]) -> Any:
    user = make_staff("partnership_officer", username="officer")
    client.force_login(user)
    return user


def _page(case: Case) -> str:
    return reverse("web:review-chronology", args=[case.review.reference])


def _download(case: Case, fmt: str) -> str:
    return reverse("web:review-chronology-download", args=[case.review.reference, fmt])


def test_officer_sees_the_form_then_the_anonymised_chronology(
    client: Any, officer: Any, case: Case
) -> None:
    blank = client.get(_page(case))
    assert blank.status_code == 200
    text = blank.content.decode()
    assert case.review.reference in text and case.review.title in text
    assert 'value="2021-09-01"' in text  # the default window: two years to the incident
    assert not AccessLog.objects.exists()  # nothing of the children shown yet

    shown = client.get(_page(case), QUERY)
    html = shown.content.decode()
    assert shown.status_code == 200
    assert "Child AG" in html and "Mother" in html
    assert _leaks(html.replace(case.review.title, "")) == []
    assert "Download as PDF" in html
    entry = AccessLog.objects.get(person=case.jayden)
    assert entry.user == officer and entry.action == AccessLog.Action.VIEWED_CHRONOLOGY


@pytest.mark.parametrize("fmt", ["csv", "html", "pdf"])
def test_downloads_are_anonymised_and_audited(
    client: Any, officer: Any, case: Case, fmt: str
) -> None:
    response = client.get(_download(case, fmt), QUERY)
    assert response.status_code == 200
    assert (
        f'filename="{case.review.reference}-chronology-anonymised.{fmt}"'
        in (response["Content-Disposition"])
    )
    if fmt == "pdf":
        pages = PdfReader(io.BytesIO(response.content)).pages
        text = " ".join(" ".join((p.extract_text() or "").split()) for p in pages)
    else:
        text = response.content.decode()
    assert _leaks(text) == []
    assert all(area in text for area in AREAS)
    assert AccessLog.objects.filter(person=case.jayden, user=officer).count() == 1


def test_without_anonymising_the_download_names_the_family(
    client: Any, officer: Any, case: Case
) -> None:
    response = client.get(_download(case, "csv"), {**QUERY, "anonymise": "no"})
    assert "Jayden Fairweather-Cole" in response.content.decode()
    assert "-chronology-named.csv" in response["Content-Disposition"]


def test_shifted_dates_move_by_the_offset(client: Any, officer: Any, case: Case) -> None:
    kept = client.get(_download(case, "csv"), QUERY).content.decode()
    shifted = client.get(
        _download(case, "csv"), {**QUERY, "dates": "shift", "shift_days": "10"}
    ).content.decode()
    assert "2023-04-02,22:40" in kept and "2023-04-12,22:40" in shifted
    assert "2023-04-02" not in shifted


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"start": "1 Jan 2023"}, "From must be a date like 2023-03-27"),
        ({"end": ""}, "Enter the last day, To"),
        ({"start": "2023-09-02"}, "To must be the same as or after From"),
        ({"dates": "shift"}, "Enter how many days to shift the dates by"),
        ({"dates": "shift", "shift_days": "99999"}, "3650 days or fewer"),
        ({"anonymise": "maybe"}, "Select whether to anonymise the chronology"),
    ],
)
def test_bad_choices_are_named_in_the_error_summary(
    client: Any, officer: Any, case: Case, change: dict[str, str], message: str
) -> None:
    response = client.get(_page(case), {**QUERY, **change})
    html = response.content.decode()
    assert "There is a problem" in html and message in html
    assert not AccessLog.objects.exists()
    # A download with the same choices goes back to the form instead.
    download = client.get(_download(case, "csv"), {**QUERY, **change})
    assert download.status_code == 302 and download["Location"].startswith(_page(case))


@pytest.mark.parametrize(
    "role", ["mash", "social_worker", "team_manager", "partner", "administrator"]
)
def test_others_are_refused(
    client: Any, make_staff: Callable[..., Any], case: Case, role: str
) -> None:
    user = make_staff(role, agency="nhs-community-hv" if role == "partner" else None)
    client.force_login(user)
    for url in (_page(case), _download(case, "csv")):
        assert client.get(url, QUERY).status_code == 403
    assert (
        client.get(reverse("web:review-publication", args=[case.review.reference])).status_code
        == 403
    )
    assert not AccessLog.objects.exists()


def test_a_published_review_no_longer_opens_the_childrens_records(
    client: Any, officer: Any, case: Case
) -> None:
    review_set_status(review=case.review, status="published")
    assert client.get(_page(case), QUERY).status_code == 404
    assert client.get(reverse("web:review-chronology", args=["CR-1999-001"])).status_code == 404


def test_publication_summary_is_shown_anonymised_in_page_and_pdf(
    client: Any, officer: Any, case: Case
) -> None:
    url = reverse("web:review-publication", args=[case.review.reference])
    summary = (
        "Jayden FAIRWEATHER-COLE (NHS 943 476 5919) lived with his mother Kerry at "
        "14 Albion Road, Great Yarmouth, NR30 2AB.\n\nDaz moved in; call 07700900123."
    )
    response = client.post(url, {"published_title": "", "published_summary": summary})
    assert response.status_code == 302
    case.review.refresh_from_db()
    assert case.review.published_summary == summary  # kept as typed

    for name in ("web:review-publication", "web:review-published"):
        html = client.get(reverse(name, args=[case.review.reference])).content.decode()
        assert "Child AG: local child safeguarding practice review" in html
        assert "Child AG (NHS [NHS number]) lived with his mother Mother at Great Yarmouth" in html
        assert "Parent&#x27;s partner moved in" in html
        assert _leaks(html.split("<textarea")[0] + html.split("</textarea>")[-1]) == []
    pdf = client.get(reverse("web:review-published-pdf", args=[case.review.reference]))
    assert pdf["Content-Type"] == "application/pdf"
    text = " ".join(
        " ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(pdf.content)).pages
    )
    assert "Child AG: local child safeguarding practice review" in text
    assert "Summary" in text and "Great Yarmouth" in text
    assert _leaks(text) == []


def test_publication_title_too_long_is_refused(client: Any, officer: Any, case: Case) -> None:
    url = reverse("web:review-publication", args=[case.review.reference])
    response = client.post(url, {"published_title": "x" * 201, "published_summary": ""})
    assert response.status_code == 200
    assert "The title must be 200 characters or fewer" in response.content.decode()


def test_team_managers_may_read_the_published_review(
    client: Any, make_staff: Callable[..., Any], case: Case
) -> None:
    user = make_staff("team_manager")
    client.force_login(user)
    assert (
        client.get(reverse("web:review-published", args=[case.review.reference])).status_code == 200
    )
    assert (
        client.get(reverse("web:review-publication", args=[case.review.reference])).status_code
        == 403
    )
