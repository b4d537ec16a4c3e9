"""The dashboard pages: who may see them, the filters, the tables, the CSV files and the charts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sightline.reviews import dashboard
from tests.reviews.dashboard_fixtures import PERIOD, make_contact, make_flag
from tests.web.casework_helpers import london

PERIOD_QUERY = {"from_month": "1", "from_year": "2025", "to_month": "6", "to_year": "2025"}


def _table(html: str, slug: str) -> list[list[str]]:
    """The figure's table as the page shows it: header row, then each row's cells' text."""
    match = re.search(rf'<table[^>]*id="table-{slug}".*?</table>', html, re.S)
    assert match, f"no table for {slug}"
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", match.group(0), re.S)
    return [
        [
            unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)
        ]
        for r in rows
    ]


@pytest.fixture
def officer(client, make_staff):
    client.force_login(make_staff("partnership_officer"))
    return client


def test_the_dashboard_shows_every_figure_with_a_chart_a_table_and_a_csv_link(
    officer, borough, flags
):
    html = officer.get("/dashboard", PERIOD_QUERY).content.decode()
    for slug, make in dashboard.FIGURES.items():
        figure = make(PERIOD)
        assert figure.title in unescape(html)
        assert f'src="/dashboard/chart/{slug}.svg?' in html
        assert f'href="/dashboard/{slug}.csv?' in html
        assert _table(html, slug) == figure.csv_rows()
    assert html.count("Show the figures as a table") == len(dashboard.FIGURES)
    # Nothing is hidden borough-wide, so no figure says that it is.
    assert "are shown as" not in unescape(html)


@pytest.mark.parametrize("slug", list(dashboard.FIGURES))
def test_each_csv_is_the_table_on_the_page(officer, borough, flags, contacts, slug):
    query = {**PERIOD_QUERY, "area": "NR30"}
    html = officer.get("/dashboard", query).content.decode()
    response = officer.get(f"/dashboard/{slug}.csv", query)
    assert response["Content-Type"].startswith("text/csv")
    assert f"sightline-{slug}.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == _table(html, slug)


def test_the_csv_of_flags_has_the_counts_and_hides_small_ones_when_filtered(
    officer, borough, flags
):
    plain = list(
        csv.reader(io.StringIO(officer.get("/dashboard/flags.csv", PERIOD_QUERY).content.decode()))
    )
    assert plain[0] == ["Month", "Consider", "Suspect"]
    assert ["Mar 2025", "3", "0"] in plain
    narrowed = officer.get(
        "/dashboard/flags.csv", {**PERIOD_QUERY, "area": "nr30"}
    ).content.decode()
    rows = list(csv.reader(io.StringIO(narrowed)))
    assert ["Mar 2025", "fewer than 5", "0"] in rows
    assert not any("3" in cell for row in rows[1:] for cell in row[1:])


def test_filters_change_the_figures(officer, borough, flags):
    everyone = _table(officer.get("/dashboard", PERIOD_QUERY).content.decode(), "flags")
    young = _table(
        officer.get("/dashboard", {**PERIOD_QUERY, "age_band": "10-15"}).content.decode(), "flags"
    )
    assert everyone != young
    assert ["Jan 2025", "0", "0"] in young  # Ann's January flags: she was 4
    page = officer.get("/dashboard", {**PERIOD_QUERY, "age_band": "10-15"}).content.decode()
    assert "aged 10 to 15" in page
    assert "fewer than 5" in page
    assert "Counts from 1 to 4 are shown as “fewer than 5”" in unescape(page)


def test_the_team_filter_lists_teams_that_hold_children(officer, borough):
    from sightline.casework.models import Allocation

    Allocation.objects.create(
        person=borough.ann, worker=borough.worker, team=borough.north, started_on=PERIOD.start
    )
    html = officer.get("/dashboard").content.decode()
    assert f'<option value="{borough.north.pk}">North</option>' in html
    filtered = officer.get("/dashboard", {**PERIOD_QUERY, "team": borough.north.pk})
    assert "North" in filtered.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"area": "Yarmouth"}, "Enter the area as the first part of a postcode"),
        ({"from_month": "13", "from_year": "2025"}, "The start of the period must include a month"),
        ({"from_month": "1", "from_year": "25"}, "The start of the period must include a year"),
        ({**PERIOD_QUERY, "to_year": "2024"}, "The end of the period must be after its start"),
        (
            {"from_month": "1", "from_year": "2020", "to_month": "1", "to_year": "2025"},
            "36 months or fewer",
        ),
        ({"age_band": "ancient"}, "Select an age from the list"),
        ({"team": "999999"}, "Select a team from the list"),
    ],
)
def test_bad_filters_are_named_in_the_error_summary(officer, borough, query, message):
    response = officer.get("/dashboard", query)
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert "There is a problem" in html
    assert message in html
    assert "Show the figures as a table" not in html
    # A download with the same filters sends the user back to the page naming the error.
    download = officer.get("/dashboard/flags.csv", query)
    assert download.status_code == 302
    assert download["Location"].startswith("/dashboard?")
    assert message in unescape(officer.get(download["Location"]).content.decode())


def test_the_chart_is_an_svg_with_the_figures_title_and_no_script(officer, borough, flags):
    for slug, make in dashboard.FIGURES.items():
        response = officer.get(f"/dashboard/chart/{slug}.svg", PERIOD_QUERY)
        assert response["Content-Type"] == "image/svg+xml"
        svg = unescape(response.content.decode())
        assert svg.lstrip().startswith("<?xml")
        assert make(PERIOD).title in svg
        assert "<script" not in svg.lower()
        policy = response["Content-Security-Policy"]
        assert "script-src 'none'" in policy
        assert "style-src 'unsafe-inline'" in policy


def test_the_chart_writes_hidden_counts_as_the_table_does(officer, borough, flags):
    svg = officer.get(
        "/dashboard/chart/flags.svg", {**PERIOD_QUERY, "area": "NR30"}
    ).content.decode()
    assert "&lt;5" in svg


def test_an_unknown_figure_is_not_found(officer):
    assert officer.get("/dashboard/nonsense.csv").status_code == 404
    assert officer.get("/dashboard/chart/nonsense.svg").status_code == 404


def test_a_team_manager_may_see_the_dashboard_and_finds_it_in_the_menu(client, make_staff):
    client.force_login(make_staff("team_manager"))
    page = client.get("/dashboard").content.decode()
    assert 'href="/dashboard" aria-current="page"' in page


def test_the_menu_offers_the_dashboard_only_to_those_who_may_see_it(client, make_staff):
    client.force_login(make_staff("social_worker"))
    assert 'href="/dashboard"' not in client.get("/notifications").content.decode()


@pytest.mark.parametrize(
    "role", ["mash", "social_worker", "partner", "administrator", "data_engineer"]
)
def test_other_roles_are_refused_the_page_the_csv_and_the_chart(client, make_staff, role):
    client.force_login(make_staff(role))
    for url in ("/dashboard", "/dashboard/flags.csv", "/dashboard/chart/flags.svg"):
        assert client.get(url).status_code == 403, url


def test_signed_out_is_sent_to_sign_in(client):
    response = client.get("/dashboard")
    assert response.status_code == 302
    assert "/sign-in" in response["Location"]


def test_a_partnership_officers_home_is_the_dashboard(officer):
    response = officer.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/dashboard"


def test_the_figures_are_counted_by_the_database_not_row_by_row(officer, borough, flags, contacts):
    with CaptureQueriesContext(connection) as few:
        officer.get("/dashboard", {**PERIOD_QUERY, "age_band": "10-15"})
    for day in range(1, 29):
        make_flag(borough.ben, dt.date(2025, 2, day))
        make_contact(borough.cat, london(2025, 5, day))
    with CaptureQueriesContext(connection) as many:
        page = officer.get("/dashboard", {**PERIOD_QUERY, "age_band": "10-15"}).content.decode()
    assert len(many) == len(few)
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">28</td>' in page


def test_a_period_given_by_its_end_alone_is_the_twelve_months_up_to_it(officer, borough):
    page = officer.get("/dashboard", {"to_month": "6", "to_year": "2025"}).content.decode()
    assert "From 1 July 2024 to 30 June 2025" in page


def test_the_census_is_offered_to_officers_and_not_to_team_managers(client, make_staff, borough):
    census = 'href="/returns/cin-census"'
    client.force_login(make_staff("partnership_officer", username="officer2"))
    assert census in client.get("/dashboard").content.decode()
    client.force_login(make_staff("team_manager", username="manager2"))
    page = client.get("/dashboard")
    assert page.status_code == 200 and census not in page.content.decode()
