"""The retention page: the schedule, tombstones by class and the latest runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sightline.feeds.models import Tombstone
from tests.conftest import record

pytestmark = pytest.mark.django_db


def _old_record() -> dict[str, Any]:
    rec = record(record_id="HV-1", occurred_at="2001-05-01")
    rec["subject"] = {**rec["subject"], "date_of_birth": "2001-03-15"}
    return rec


def test_an_administrator_sees_the_schedule_the_tombstones_and_the_runs(
    client, make_staff, cli: Callable[..., Any], write_feed
):
    assert cli("ingest", str(write_feed([_old_record()]))).code == 0
    assert cli("retention", "run", "--dry-run", "--as-of", "2030-01-01").code == 0
    assert cli("retention", "run", "--as-of", "2030-01-01").code == 0
    client.force_login(make_staff("administrator"))

    html = client.get("/retention").content.decode()

    assert '<h1 class="govuk-heading-xl">Retention</h1>' in html
    assert "Health records" in html and "26 years" in html
    assert "The Care Planning, Placement and Case Review (England) Regulations 2010" in html
    # One tombstone for the health record, shown in the health row.
    assert Tombstone.objects.filter(record_class="health").count() == 1
    health_row = html.split("Health records", 1)[1].split("</tr>", 1)[0]
    assert 'govuk-table__cell--numeric">1</td>' in health_row
    # Both runs, newest first: the real one, then the dry run.
    assert html.index("Done</strong>") < html.index("Dry run</strong>")
    # Nothing of the record itself is on the page.
    assert "Leo" not in html and "Marsh" not in html
    assert 'href="/retention"' in html  # in the navigation


def test_the_page_with_no_runs_says_how_to_start(client, make_staff):
    client.force_login(make_staff("data_engineer"))
    html = client.get("/retention").content.decode()
    assert "No retention run yet" in html
    assert "sightline retention run --dry-run" in html


@pytest.mark.parametrize("role", ["mash", "social_worker", "partner", "partnership_officer"])
def test_practitioners_are_refused_the_retention_page(client, make_staff, role):
    client.force_login(make_staff(role))
    response = client.get("/retention")
    assert response.status_code == 403
    home = client.get("/people/search").content.decode()
    assert 'href="/retention"' not in home


def test_signed_out_the_retention_page_asks_for_sign_in(client):
    response = client.get("/retention")
    assert response.status_code == 302
    assert "/sign-in" in response["Location"]
