"""The shared neglect assessment in the browser: agencies contribute, the lead completes,
and the chart of change shows whether care is getting better."""

from __future__ import annotations

import pytest

from sightline.accounts.models import AccessLog
from sightline.casework.assessments.services import Grading, assessment_complete, assessment_start
from sightline.casework.models import AssessmentContribution, CareArea, NeglectAssessment
from tests.web.people_fixtures import allocate

pytestmark = pytest.mark.django_db

TEAM = "Social care team 1"


@pytest.fixture
def worker(family, make_staff):
    user = make_staff("social_worker", team=TEAM)
    allocate(family.lacey, user)
    return user


def _url(family, tail=""):
    return f"/people/{family.lacey.public_id}/assessments{tail}"


def test_the_lead_starts_a_health_visitor_contributes_and_the_lead_completes(
    client, family, make_staff, worker
):
    client.force_login(worker)
    started = client.post(_url(family, "/start"))
    assessment = NeglectAssessment.objects.get(person=family.lacey)
    assert started["Location"] == _url(family, f"/{assessment.pk}")

    hv = make_staff("partner", agency="nhs-community-hv")
    client.force_login(hv)
    page = client.get(_url(family, f"/{assessment.pk}"))
    assert page.status_code == 200
    assert "Complete the assessment" not in page.content.decode()  # partners contribute only
    added = client.post(
        _url(family, f"/{assessment.pk}"),
        {
            "action": "contribute",
            "area": CareArea.PHYSICAL_CARE,
            "grade": "4",
            "evidence": "Two weighing appointments missed; clothes too small at home visit",
            "worries": "Weight not checked since March",
        },
        follow=True,
    )
    assert "Your contribution has been added" in added.content.decode()
    contribution = AssessmentContribution.objects.get()
    assert (contribution.agency.code, contribution.grade) == ("nhs-community-hv", 4)
    assert "Weight not checked since March" in added.content.decode()

    client.force_login(worker)
    grades = {}
    for area in CareArea.values:
        grades[f"{area}-grade"] = "3"
        grades[f"{area}-evidence"] = f"Agreed at the core group ({area})"
    done = client.post(
        _url(family, f"/{assessment.pk}"),
        {"action": "complete", "summary": "Care inconsistent", **grades},
        follow=True,
    )
    assert "Assessment completed" in done.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == NeglectAssessment.Status.COMPLETED
    actions = set(AccessLog.objects.filter(person=family.lacey).values_list("action", flat=True))
    assert {"viewed_assessments", "changed_assessment"} <= actions


def test_a_contribution_without_evidence_is_refused_and_the_error_links_to_the_field(
    client, family, worker
):
    assessment = assessment_start(person=family.lacey, by=worker)
    client.force_login(worker)
    response = client.post(
        _url(family, f"/{assessment.pk}"),
        {"action": "contribute", "area": CareArea.SAFETY, "grade": "2", "evidence": ""},
    )
    assert response.status_code == 400
    assert '<a href="#id_evidence">Enter the evidence for this grade</a>' in (
        response.content.decode()
    )
    assert not AssessmentContribution.objects.exists()


def test_only_social_care_may_complete_and_partners_post_is_refused(
    client, family, make_staff, worker
):
    assessment = assessment_start(person=family.lacey, by=worker)
    client.force_login(make_staff("partner", agency="nhs-community-hv"))
    refused = client.post(_url(family, f"/{assessment.pk}"), {"action": "complete"})
    assert refused.status_code == 403
    assert client.post(_url(family, "/start")).status_code == 403
    assessment.refresh_from_db()
    assert assessment.status == NeglectAssessment.Status.OPEN


def test_another_childs_assessment_id_is_not_found_under_this_child(client, family, worker):
    theirs = assessment_start(person=family.maisie, by=worker)
    client.force_login(worker)
    assert client.get(_url(family, f"/{theirs.pk}")).status_code == 404


def test_two_completed_assessments_draw_the_chart_of_change(client, family, worker):
    for grade in (4, 2):
        a = assessment_start(person=family.lacey, by=worker)
        assessment_complete(
            assessment=a,
            grades={area: Grading(grade=grade, evidence="seen") for area in CareArea.values},
            summary="",
            by=worker,
        )
    client.force_login(worker)
    page = client.get(_url(family)).content.decode()
    chart = page.split('<figure class="app-chart"')[1].split("</figure>")[0]
    assert chart.count("<polyline") == 4  # a line an area
    table = page.split('id="grades-table"')[1].split("</table>")[0]
    row = table.split("Physical care")[1].split("</tr>")[0]
    assert row.count("4 (") == 1 and row.count("2 (") == 1
    assert "Better" in row


def test_one_completed_assessment_says_the_chart_waits_for_a_second(client, family, worker):
    a = assessment_start(person=family.lacey, by=worker)
    assessment_complete(
        assessment=a,
        grades={area: Grading(grade=3, evidence="seen") for area in CareArea.values},
        summary="",
        by=worker,
    )
    client.force_login(worker)
    page = client.get(_url(family)).content.decode()
    assert 'id="no-chart"' in page and "<polyline" not in page
