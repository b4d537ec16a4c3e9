"""SQL-injection strings in every query string, search box, filter and id: no error, no extra rows.

Every query goes through Django's ORM with parameters, so these should be plain text
to it; the test holds that for every GET page of the table, as every role allowed it.
"""

from __future__ import annotations

import re

import pytest

from tests.security.pages import PAGES
from tests.security.probe import changed, send, snapshot
from tests.security.urls import all_routes, url_of

pytestmark = pytest.mark.django_db

INJECTIONS = (
    "' OR 1=1 --",
    "'; DROP TABLE linkage_person; --",
    '" OR ""="',
    "1 UNION SELECT username, password FROM auth_user --",
    "%' OR '%'='",
    "1; SELECT pg_sleep(5) --",
)
# Every query string parameter a page reads (search, date of birth, filters, paging).
PARAMS = ("q", "dob_day", "dob_month", "dob_year", "agency", "type", "start", "end", "page", "team")
ROLE_ORDER = (
    "partner",
    "social_worker",
    "team_manager",
    "mash",
    "data_engineer",
    "administrator",
    "partnership_officer",
    "signed_out",
)
PEOPLE_LINK = re.compile(r'href="/people/(P-[A-Z0-9]+)"')


def _people(html: str) -> set[str]:
    return set(PEOPLE_LINK.findall(html))


def test_injection_in_query_strings_is_only_text(world):
    routes = {r.short: r for r in all_routes()}
    before = snapshot()
    clients = {}
    wrong: list[str] = []
    for page in PAGES:
        if not page.get:
            continue
        url = url_of(routes[page.name], world.kwargs())
        # The most restricted role the page lets in: more rows than theirs would show.
        for role in [r for r in ROLE_ORDER if r in page.get][:1]:
            client = clients.setdefault(role, world.client(role))
            plain = send(client, "GET", url)
            for attack in INJECTIONS[:3]:
                query = "&".join(f"{p}={attack}" for p in PARAMS)
                response = send(client, "GET", f"{url}?{query}")
                judged = plain
                if (
                    plain.status_code == 200
                    and response.status_code == 302
                    and "sign-in" not in response["Location"]
                ):
                    # A download whose filters do not parse sends the user back to the
                    # page that shows the filter's errors: judge that page against itself.
                    location = response["Location"]
                    response = send(client, "GET", location)
                    judged = send(client, "GET", location.split("?", 1)[0])
                if response.status_code >= 500 or response.status_code != judged.status_code:
                    wrong.append(f"{page.name} as {role}: {response.status_code} for {attack!r}")
                # A PDF is bytes, not UTF-8: its text cannot hold a link to a child's page.
                elif not _people(response.content.decode(errors="replace")) <= _people(
                    judged.content.decode(errors="replace")
                ):
                    wrong.append(f"{page.name} as {role}: more children for {attack!r}")
    assert not wrong, "\n".join(wrong)
    assert changed(before) == []


def test_a_search_for_an_injection_finds_nobody(world):
    for role in ("mash", "partner"):
        client = world.client(role)
        for attack in INJECTIONS:
            html = send(client, "GET", f"/people/search?q={attack}").content.decode()
            assert _people(html) == set(), (role, attack)
        # The same search box does find a real child, so the empty answers mean something.
        found = send(client, "GET", "/people/search?q=Lacey Quennell").content.decode()
        assert world.a.public_id in _people(found)


def test_injection_in_a_url_id_is_not_found(world):
    client = world.client("mash")
    for route in all_routes():
        if "public_id" not in route.params:
            continue
        for attack in INJECTIONS[:2]:
            response = send(client, "GET", url_of(route, {**world.kwargs(), "public_id": attack}))
            assert response.status_code in (404, 405), (route.short, attack)
