"""The child's pages through HTTP, for each role: who gets in, what they see, what is audited."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sightline.accounts.models import AccessLog
from sightline.feeds.services import feed_ingest_path
from sightline.indicators.models import Flag
from sightline.linkage.households import relationships_rebuild
from sightline.linkage.services import linkage_run_full
from tests.chronology.conftest import HV, RESTRICTED_SUMMARY, lacey
from tests.conftest import record
from tests.web.people_fixtures import allocate

pytestmark = pytest.mark.django_db

TEAM = "Social care team 1"
PAGES = ["", "/chronology", "/family"]


def _laceys(record_id: str, on: str, **extra) -> dict:
    """A health visiting record about Lacey."""
    return record(
        agency=HV, record_id=record_id, occurred_at=on, subject=lacey("CHR-HV-LACEY"), **extra
    )


@pytest.fixture
def worker(family, make_staff):
    user = make_staff("social_worker", team=TEAM)
    allocate(family.lacey, user)
    return user


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    ("role", "agency", "allowed"),
    [
        ("mash", None, True),
        ("social_worker", None, True),
        ("team_manager", None, True),
        ("partner", "nhs-community-hv", True),
        ("partner", "norfolk-police", True),
        ("partnership_officer", None, False),
        ("administrator", None, False),
        ("data_engineer", None, False),
    ],
)
def test_who_may_open_each_page_of_an_allocated_child(
    client, family, make_staff, worker, page, role, agency, allowed
):
    user = make_staff(role, agency=agency, team=TEAM if role != "partner" else None)
    response = _get(client, user, f"/people/{family.lacey.public_id}{page}")
    assert response.status_code == (200 if allowed else 404)
    assert ("Lacey Quennell" in response.content.decode()) is allowed


@pytest.mark.parametrize("page", PAGES)
def test_another_childs_id_is_not_found_for_a_social_worker(client, family, worker, page):
    response = _get(client, worker, f"/people/{family.tom.public_id}{page}")
    assert response.status_code == 404
    assert "Tom" not in response.content.decode()
    assert not AccessLog.objects.filter(person=family.tom).exists()


def test_a_partner_cannot_open_a_child_their_agency_does_not_know(client, family, make_staff):
    health_visitor = make_staff("partner", agency=HV)
    assert _get(client, health_visitor, f"/people/{family.tom.public_id}").status_code == 404


def test_signed_out_people_are_sent_to_sign_in(client, family):
    response = client.get(f"/people/{family.lacey.public_id}")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in")


@pytest.mark.parametrize(
    ("page", "action"),
    [
        ("", "viewed_page"),
        ("/chronology", "viewed_chronology"),
        ("/family", "viewed_family"),
    ],
)
def test_every_look_is_written_to_the_access_log(client, family, worker, page, action):
    url = f"/people/{family.lacey.public_id}{page}"
    _get(client, worker, url)
    _get(client, worker, url)
    entries = AccessLog.objects.filter(person=family.lacey, user=worker, action=action)
    assert entries.count() == 2
    assert entries.first().path == url
    assert entries.first().ip_address == "127.0.0.1"


def test_the_header_says_who_the_child_is_and_who_holds_the_case(client, family, worker):
    html = _get(client, worker, f"/people/{family.lacey.public_id}").content.decode()
    assert '<h1 class="govuk-heading-l">Lacey Quennell</h1>' in html
    assert "born 14 May 2019" in html
    assert "NHS number 400 000 0012" in html
    assert "NR30 2AB" in html
    assert f"Social Worker Tester, {TEAM}" in html
    open_flags = Flag.objects.filter(person=family.lacey, met=True).exclude(status="dismissed")
    assert re.search(rf'data-field="open-flags">{open_flags.count()}<', html)


def test_managers_and_the_mash_see_who_has_looked_and_workers_do_not(
    client, family, worker, make_staff
):
    _get(client, worker, f"/people/{family.lacey.public_id}")
    manager = make_staff("team_manager", team=TEAM)
    html = _get(client, manager, f"/people/{family.lacey.public_id}").content.decode()
    assert "Who has looked at this record" in html
    assert "Viewed the child&#x27;s page" in html
    assert "Social Worker Tester" in html
    log = _get(client, manager, f"/people/{family.lacey.public_id}/access-log")
    assert log.status_code == 200
    html = _get(client, worker, f"/people/{family.lacey.public_id}").content.decode()
    assert "Who has looked at this record" not in html
    refused = _get(client, worker, f"/people/{family.lacey.public_id}/access-log")
    assert refused.status_code == 403


def test_the_chronology_lists_every_agency_with_its_record_ids_and_a_lane_each(
    client, family, worker
):
    html = _get(client, worker, f"/people/{family.lacey.public_id}/chronology").content.decode()
    for record_id in ("CHR-PO-1", "CHR-HV-1", "CHR-SC-1", "CHR-CSC-1", "CHR-AF-1"):
        assert f"record {record_id}" in html
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert svg.count('class="app-timeline__lane"') == 5  # one lane per agency
    assert "<title>2 Apr 2023, norfolk-police: police incident." in svg
    assert RESTRICTED_SUMMARY in html  # children's social care may see restricted records


def test_a_record_without_a_summary_shows_its_details_in_words(client, family, worker):
    html = _get(client, worker, f"/people/{family.lacey.public_id}/chronology").content.decode()
    entry = re.search(r'id="entry-norfolk-csc-chr-csc-1".*?</li>', html, re.S).group(0)
    assert "Category: neglect; reporter: professional" in entry


def test_a_flags_evidence_is_highlighted_in_the_list_and_the_timeline(client, family, worker):
    html = _get(client, worker, f"/people/{family.lacey.public_id}/chronology").content.decode()
    evidence = re.findall(r'app-chronology__entry--evidence" id="([^"]+)"', html)
    assert "entry-nhs-community-hv-web-hv-wnb-1" in evidence
    assert "entry-nhs-community-hv-chr-hv-1" not in evidence
    assert html.count("app-timeline__mark--evidence") == len(evidence)
    assert "Evidence for: " + family.flag.title in html


def test_the_chronology_filters_by_agency_and_zooms_to_a_period(client, family, worker):
    url = f"/people/{family.lacey.public_id}/chronology"
    client.force_login(worker)
    html = client.get(url, {"agency": "norfolk-police"}).content.decode()
    assert "record CHR-PO-1" in html and "record CHR-HV-1" not in html
    html = client.get(url, {"start": "2023-06-01", "end": "2023-12-31"}).content.decode()
    assert "record WEB-HV-WNB-2" in html and "record CHR-PO-1" not in html
    assert "Showing 2 of 9 records" in html
    whole = client.get(url).content.decode()
    assert 'href="?start=2023-01-01&amp;end=2023-12-31"' in whole


def test_a_bad_filter_date_is_explained_in_an_error_summary(client, family, worker):
    client.force_login(worker)
    url = f"/people/{family.lacey.public_id}/chronology"
    html = client.get(url, {"start": "next tuesday"}).content.decode()
    assert "<title>Error: " in html
    assert '<a href="#start">From must be a date like 2023-03-27</a>' in html


def test_a_restricted_record_is_withheld_from_a_partner_and_counted(client, family, make_staff):
    police = make_staff("partner", agency="norfolk-police")
    html = _get(client, police, f"/people/{family.lacey.public_id}/chronology").content.decode()
    assert RESTRICTED_SUMMARY not in html
    assert "CHR-HV-3" not in html
    assert "1 restricted record is not shown to you" in html
    health_visitor = make_staff("partner", agency=HV)
    html = _get(client, health_visitor, f"/people/{family.lacey.public_id}/chronology")
    assert RESTRICTED_SUMMARY in html.content.decode()  # the sending agency sees its own


def test_a_flag_resting_on_a_restricted_record_is_withheld_from_a_partner(
    client, family, make_staff, worker, write_feed
):
    restricted = _laceys(
        "WEB-HV-WNB-3",
        "2023-09-01",
        type="health_appointment",
        details={"service": "health_visitor", "outcome": "was_not_brought"},
        sensitivity="restricted",
    )
    feed_ingest_path(path=write_feed([restricted]), sent_by="t")
    from sightline.indicators.services import evaluation_run

    evaluation_run()
    police = make_staff("partner", agency="norfolk-police")
    html = _get(client, police, f"/people/{family.lacey.public_id}").content.decode()
    assert family.flag.title not in html
    assert "1 flag rests on restricted records you cannot see, so it is not shown" in html


def test_acknowledging_a_flag_records_who_and_is_audited(client, family, worker):
    client.force_login(worker)
    url = f"/people/{family.lacey.public_id}/flags/{family.flag.pk}/acknowledge"
    response = client.post(url, follow=True)
    assert response.status_code == 200
    assert "You acknowledged the flag: " + family.flag.title in response.content.decode()
    family.flag.refresh_from_db()
    assert family.flag.status == "acknowledged"
    assert family.flag.changes.get().by == worker.username
    assert AccessLog.objects.filter(user=worker, action="acknowledged_flag").count() == 1


def test_a_flag_is_changed_only_by_post(client, family, worker):
    client.force_login(worker)
    url = f"/people/{family.lacey.public_id}/flags/{family.flag.pk}/acknowledge"
    assert client.get(url).status_code == 405
    family.flag.refresh_from_db()
    assert family.flag.status == "new"


def test_acknowledging_needs_a_csrf_token(family, worker):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(worker)
    url = f"/people/{family.lacey.public_id}/flags/{family.flag.pk}/acknowledge"
    assert strict.post(url).status_code == 403
    family.flag.refresh_from_db()
    assert family.flag.status == "new"


def test_dismissing_a_flag_needs_a_reason(client, family, worker):
    client.force_login(worker)
    url = f"/people/{family.lacey.public_id}/flags/{family.flag.pk}/dismiss"
    form = client.get(url).content.decode()
    assert f"Dismiss the flag: {family.flag.title}" in form
    assert AccessLog.objects.filter(user=worker, action="viewed_page", path=url).count() == 1
    html = client.post(url, {"reason": "  "}).content.decode()
    assert "<title>Error: Dismiss the flag" in html
    assert '<a href="#reason">Enter why this flag needs no action</a>' in html
    family.flag.refresh_from_db()
    assert family.flag.status == "new"
    reason = "Appointments moved: the family told the health visitor in advance."
    response = client.post(url, {"reason": reason}, follow=True)
    assert "You dismissed the flag" in response.content.decode()
    family.flag.refresh_from_db()
    assert (family.flag.status, family.flag.status_reason) == ("dismissed", reason)
    assert AccessLog.objects.filter(user=worker, action="dismissed_flag").count() == 1


def test_a_partner_sees_flags_but_cannot_change_them(client, family, make_staff):
    health_visitor = make_staff("partner", agency=HV)
    html = _get(client, health_visitor, f"/people/{family.lacey.public_id}").content.decode()
    assert family.flag.title in html
    assert "Acknowledge" not in html
    url = f"/people/{family.lacey.public_id}/flags/{family.flag.pk}/acknowledge"
    assert client.post(url).status_code == 403
    family.flag.refresh_from_db()
    assert family.flag.status == "new"


def test_another_childs_flag_cannot_be_changed_through_this_childs_page(
    client, family, worker, make_staff
):
    mash = make_staff("mash")
    client.force_login(mash)
    url = f"/people/{family.tom.public_id}/flags/{family.flag.pk}/acknowledge"
    assert client.post(url).status_code == 404
    family.flag.refresh_from_db()
    assert family.flag.status == "new"


def test_the_family_network_is_a_picture_and_a_list(client, family, worker):
    html = _get(client, worker, f"/people/{family.lacey.public_id}/family").content.decode()
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    for name in ("Gemma Quennell", "Maisie Quennell", "Darren Pike"):
        assert name in svg
    # Gemma is no child of this worker's, so she is named without a link to her page.
    assert re.search(r"Gemma Quennell: Mother, Victim, lives in the household", html)
    assert "Maisie Quennell" in re.search(
        r'data-group="Brothers and sisters".*?</ul>', html, re.S
    ).group(0)
    assert "Darren Pike" in re.search(r'data-group="Partners".*?</ul>', html, re.S).group(0)


def test_hostile_text_in_a_record_is_never_markup_on_the_childs_pages(
    client, family, worker, write_feed
):
    hostile = _laceys(
        "WEB-HV-X",
        "2023-07-01",
        type="note",
        summary="<script>alert(1)</script>",
    )
    feed_ingest_path(path=write_feed([hostile]), sent_by="t")
    html = _get(client, worker, f"/people/{family.lacey.public_id}/chronology").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_childs_pages_cost_the_same_queries_however_many_records(
    client, family, worker, write_feed
):
    client.force_login(worker)
    urls = [f"/people/{family.lacey.public_id}{page}" for page in PAGES]
    urls.append(f"/people/{family.lacey.public_id}/chronology?agency={HV}&start=2022-01-01")
    for url in urls:
        client.get(url)

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    before = [count(url) for url in urls]
    more = [
        _laceys(
            f"WEB-HV-MORE-{i}",
            f"2022-{1 + i % 12:02d}-{1 + i % 27:02d}",
            type="note",
            summary=f"Visit {i}",
        )
        for i in range(60)
    ]
    feed_ingest_path(path=write_feed(more), sent_by="t")
    after = [count(url) for url in urls]
    assert after == before
    assert after[3] == after[1]  # a filtered chronology reads it once, as the whole one does
    assert max(after) <= 30


def test_someone_named_only_in_a_restricted_record_is_left_out_of_a_partners_network(
    client, family, worker, make_staff, write_feed
):
    disclosure = _laceys(
        "WEB-HV-DISCLOSURE",
        "2023-07-02",
        type="note",
        related=[
            {
                "role": "other_relative",
                "person": {
                    "local_id": "WEB-HV-UNCLE",
                    "given_name": "Wayne",
                    "family_name": "Quennell",
                    "date_of_birth": "1985-04-04",
                },
            }
        ],
        summary="Lacey spoke about her uncle.",
        sensitivity="restricted",
    )
    feed_ingest_path(path=write_feed([disclosure]), sent_by="t")
    linkage_run_full()
    relationships_rebuild()
    url = f"/people/{family.lacey.public_id}/family"
    police = make_staff("partner", agency="norfolk-police")
    html = _get(client, police, url).content.decode()
    assert "Wayne" not in html
    assert "1 person named beside this child only in restricted records" in html
    assert "Gemma Quennell" in html  # named in ordinary records
    for allowed in (worker, make_staff("partner", agency=HV)):
        html = _get(client, allowed, url).content.decode()
        # The health visitor may open Wayne's page (their agency knows him), so he is a link.
        assert re.search(r"Wayne Quennell(</a>)?: Other relative, not in the household", html)
        assert "restricted records you cannot see" not in html
