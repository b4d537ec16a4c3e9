"""Finding a person: forgiving spelling and swapped dates, and only people the user may see."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sightline.feeds.services import feed_ingest_path
from tests.conftest import record
from tests.web.people_fixtures import allocate

pytestmark = pytest.mark.django_db


@pytest.fixture
def mash(client, make_staff):
    user = make_staff("mash")
    client.force_login(user)
    return user


def _found(client, **query) -> list[str]:
    html = client.get("/people/search", query).content.decode()
    import re

    return re.findall(r'<tr class="govuk-table__row" data-person="([^"]+)">', html)


def test_a_misspelt_name_finds_the_child(client, family, mash):
    assert _found(client, q="Lacy Quenell") == [family.lacey.public_id]


def test_a_nickname_finds_the_full_name(client, family, mash, write_feed):
    alfred = record(
        record_id="WEB-HV-ALF",
        subject={
            "local_id": "WEB-ALF",
            "given_name": "Alfred",
            "family_name": "Ostrowski",
            "date_of_birth": "2020-02-02",
        },
    )
    feed_ingest_path(path=write_feed([alfred]), sent_by="t")
    from sightline.linkage.services import linkage_run_full

    linkage_run_full()
    found = client.get("/people/search", {"q": "Alfie Ostrowsky"}).content.decode()
    assert "Alfred Ostrowski" in found


def test_a_date_of_birth_with_day_and_month_swapped_still_finds_the_child(client, family, mash):
    # Lacey was born on 14 May 2019; Maisie on 2 August 2021, typed as 8 February.
    assert _found(client, dob_day="8", dob_month="2", dob_year="2021") == [family.maisie.public_id]
    assert _found(client, q="Quennell", dob_day="14", dob_month="5", dob_year="2019") == [
        family.lacey.public_id
    ]


def test_identifiers_find_the_person(client, family, mash):
    assert _found(client, q="400 000 0012") == [family.lacey.public_id]
    assert _found(client, q="h801200001001") == [family.tom.public_id]  # his UPN
    assert _found(client, q=family.tom.public_id.lower()) == [family.tom.public_id]


def test_results_show_names_birth_date_postcode_and_agencies_and_link_to_the_page(
    client, family, mash
):
    html = client.get("/people/search", {"q": "Lacey Quennell"}).content.decode()
    assert f'href="/people/{family.lacey.public_id}"' in html
    assert "14 May 2019" in html and "NR30 2AB" in html
    assert "norfolk-police" in html and "school-norwich-primary" in html


def test_results_hold_only_people_the_user_may_see(client, family, make_staff):
    worker = make_staff("social_worker", team="Social care team 1")
    allocate(family.lacey, worker)
    client.force_login(worker)
    assert _found(client, q="Quennell") == [family.lacey.public_id]  # not Gemma, not Maisie
    assert _found(client, q="Tom Brown") == []
    client.force_login(make_staff("data_engineer"))
    assert _found(client, q="Quennell") == []


def test_an_empty_search_asks_for_something_to_search_by(client, family, mash):
    html = client.get("/people/search", {"q": ""}).content.decode()
    assert "<title>Error: Find a person" in html
    assert '<a href="#q">Enter a name, an identifier or a date of birth</a>' in html


def test_an_impossible_date_of_birth_is_explained(client, family, mash):
    html = client.get(
        "/people/search", {"q": "Lacey", "dob_day": "31", "dob_month": "2", "dob_year": "2019"}
    ).content.decode()
    assert '<a href="#dob_day">Date of birth must be a real date</a>' in html
    half = client.get("/people/search", {"dob_day": "3", "dob_year": "2019"}).content.decode()
    assert "Date of birth must include a day, month and year" in half


def test_the_first_visit_shows_the_form_without_errors(client, mash):
    html = client.get("/people/search").content.decode()
    assert "There is a problem" not in html and 'id="q"' in html


def test_hostile_search_text_is_shown_as_text(client, family, mash):
    html = client.get("/people/search", {"q": '"><script>alert(1)</script>'}).content.decode()
    assert "<script>alert(1)</script>" not in html


def test_a_search_costs_the_same_queries_however_many_match(client, family, mash, write_feed):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            client.get("/people/search", {"q": "Quennell"})
        return len(ctx.captured_queries)

    before = count()
    more = [
        record(
            record_id=f"WEB-HV-Q{i}",
            subject={
                "local_id": f"WEB-Q{i}",
                "given_name": f"Child{i}",
                "family_name": "Quennel",
                "date_of_birth": f"2015-01-{1 + i:02d}",
            },
        )
        for i in range(20)
    ]
    feed_ingest_path(path=write_feed(more), sent_by="t")
    from sightline.linkage.services import linkage_run_full

    linkage_run_full()
    assert len(_found(client, q="Quennell")) > 20
    assert count() == before
