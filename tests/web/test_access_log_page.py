"""Who has looked at this child's record: filtered, downloaded, itself logged; subject access."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from unittest import mock

import pytest
from django.utils import timezone

from sightline.accounts.break_glass import break_glass_request
from sightline.accounts.models import AccessLog
from sightline.accounts.services import access_log_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(family, make_staff):
    """Tom's access log: a MASH look 40 days ago, a break-glass look today, and the manager."""
    mash = make_staff("mash", team="MASH")
    duty = make_staff("partner", agency="nhs-community-hv", team="Health visiting")
    old = timezone.now() - dt.timedelta(days=40)
    with mock.patch("django.utils.timezone.now", return_value=old):
        access_log_record(
            user=mash,
            person=family.tom,
            action="viewed_chronology",
            path="/c",
            ip_address="10.0.0.1",
        )
    break_glass_request(
        user=duty,
        public_id=family.tom.public_id,
        reason="Emergency department: child brought in, need the history",
        path="/break-glass",
        ip_address="10.0.0.2",
    )
    return mash


def _table(page) -> str:
    """The list of looks, without the filter form (whose choices name every action)."""
    return page.text.split('id="access-log"')[1]


def _url(family, suffix=""):
    return f"/people/{family.tom.public_id}/access-log{suffix}"


def test_the_page_says_who_when_from_where_and_what_and_marks_break_glass(client, family, history):
    client.force_login(history)
    page = client.get(_url(family))
    assert page.status_code == 200
    text = page.text
    assert "Partner agency practitioner" in text and "Health visiting" in text
    assert "Asked for break-glass access" in text
    assert "10.0.0.2" in text
    assert text.count("data-break-glass") == 1
    assert 'govuk-tag--red">Break-glass' in text
    # Looking at the list is on the list.
    assert AccessLog.objects.filter(user=history, action="viewed_access_log").count() == 1
    assert "Viewed who has looked at the record" in text


def test_filtering_by_period_and_by_what(client, family, history):
    client.force_login(history)
    recent = _table(client.get(_url(family), {"start": timezone.localdate().isoformat()}))
    assert "Viewed the chronology" not in recent
    assert "Asked for break-glass access" in recent
    chronology = _table(client.get(_url(family), {"action": "viewed_chronology"}))
    assert "Viewed the chronology" in chronology
    assert "Asked for break-glass access" not in chronology
    only = client.get(_url(family), {"break_glass": "on"})
    rows = only.text.split('id="access-log"')[1]
    assert rows.count("data-look=") == 1 and "data-break-glass" in rows


def test_a_bad_date_is_named_in_an_error_summary(client, family, history):
    client.force_login(history)
    page = client.get(_url(family), {"start": "yesterday", "end": "2020-01-01"})
    assert page.status_code == 200
    assert "There is a problem" in page.text
    assert "From must be a date like 2023-03-27" in page.text
    assert 'value="yesterday"' in page.text


def test_the_csv_has_the_same_entries_and_filters_and_is_logged(client, family, history):
    client.force_login(history)
    response = client.get(_url(family, ".csv"), {"action": "broke_glass"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["what"], r["break_glass"], r["from"], r["team"]) for r in rows] == [
        ("Asked for break-glass access", "yes", "10.0.0.2", "Health visiting")
    ]
    assert AccessLog.objects.filter(user=history, action="downloaded_access_log").exists()


def test_workers_and_partners_cannot_see_or_download_who_has_looked(client, family, make_staff):
    partner = make_staff("partner", agency="norfolk-police")
    client.force_login(partner)
    assert client.get(_url(family)).status_code == 403
    assert client.get(_url(family, ".csv")).status_code == 403


def test_an_administrator_downloads_everything_held_about_a_person(client, family, make_staff):
    admin = make_staff("administrator")
    client.force_login(admin)
    form = client.get("/subject-access")
    assert form.status_code == 200
    response = client.get("/subject-access", {"person": family.tom.public_id.lower()})
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="subject-access-{family.tom.public_id}.json"'
    )
    document = json.loads(response.content)
    assert {r["record_id"] for r in document["sections"]["source_records"]["rows"]} == {
        "WEB-PO-TOM"
    }
    entry = AccessLog.objects.get(action="exported_subject_access")
    assert entry.user == admin


def test_an_unknown_id_is_explained_to_the_administrator(client, family, make_staff):
    client.force_login(make_staff("administrator"))
    page = client.get("/subject-access", {"person": "P-0000000000"})
    assert page.status_code == 200
    assert "No person has this Sightline id" in page.text
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize("role", ["mash", "team_manager", "data_engineer", "partner"])
def test_only_administrators_reach_subject_access(client, family, make_staff, role):
    client.force_login(make_staff(role))
    assert client.get("/subject-access", {"person": family.tom.public_id}).status_code == 403
    assert not AccessLog.objects.filter(action="exported_subject_access").exists()


@pytest.mark.parametrize(
    "path",
    [
        "/break-glass",
        "/break-glass/granted?person=P-0000000000",
        "/break-glass/grants",
        "/subject-access",
        "/people/P-0000000000/access-log.csv",
    ],
)
def test_signed_out_the_new_pages_ask_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/sign-in")
