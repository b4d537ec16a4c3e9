"""Another child's ids in every URL: refused, nothing changed, and nothing said about child B.

Every URL pattern with a parameter is tried (found by walking the resolver, so a new
page with an id is tried without a new test):

- whole: child B's ids throughout, by everyone who may see child A but not child B;
- mixed: child A's public id with child B's flag, plan, action, assessment or referral
  id, by everyone who may see child A (the MASH sees both children, and must still not
  reach B's plan through A's page).

Each answer must be a refusal (404 where the user may use the page for child A; 403 or
404 where they may not use it at all), identical to the answer for an id that exists
nowhere, and leave every table as it was.
"""

from __future__ import annotations

import pytest

from tests.security.pages import BY_NAME, CHILD_A_VIEWERS, MASH
from tests.security.probe import changed, page_text, send, snapshot
from tests.security.urls import all_routes, url_of
from tests.security.world import ChildIds

pytestmark = pytest.mark.django_db

# They see child A, not child B (held by another team, known only to the police).
SEE_A_NOT_B = sorted(CHILD_A_VIEWERS - {MASH})


def _mixed(a: ChildIds, other: ChildIds) -> ChildIds:
    """A's public id with ``other``'s ids for everything under it."""
    return ChildIds(**{**other.as_kwargs(), "public_id": a.public_id})


def _allowed(page, method):
    return (page.get if method == "GET" else page.post) or frozenset()


def _tries(world):
    routes = [r for r in all_routes() if r.params]
    for route in routes:
        page = BY_NAME[route.short]
        methods = [m for m, allowed in (("GET", page.get), ("POST", page.post)) if allowed]
        for method in methods:
            for role in SEE_A_NOT_B:
                if "public_id" not in route.params and role in _allowed(page, method):
                    continue  # not a child's page: the role may see every such item
                yield route, method, role, world.kwargs(world.b), world.kwargs(world.missing)
            if "public_id" in route.params and len(route.params) > 1:
                for role in sorted(CHILD_A_VIEWERS):
                    b_under_a = world.kwargs(_mixed(world.a, world.b))
                    none_under_a = world.kwargs(_mixed(world.a, world.missing))
                    yield route, method, role, b_under_a, none_under_a


def test_another_childs_ids_are_refused_change_nothing_and_look_like_no_child(world):
    before = snapshot()
    clients = {role: world.client(role) for role in CHILD_A_VIEWERS}
    wrong: list[str] = []
    tried = 0
    for route, method, role, theirs, nobodys in _tries(world):
        page = BY_NAME[route.short]
        data = page.form(world) if method == "POST" and page.form else {}
        client = clients[role]
        url_b, url_none = url_of(route, theirs), url_of(route, nobodys)
        answer_b = send(client, method, url_b, data)
        answer_none = send(client, method, url_none, data)
        tried += 1
        # Someone who may use this page for child A is told "not found" for B's ids, never
        # "forbidden", which would say they exist; someone refused the page whatever the
        # child may be refused outright, the same for every id.
        refused = {404} if role in _allowed(page, method) else {403, 404}
        what = f"{route.short} {method} as {role}: {url_b}"
        if answer_b.status_code not in refused:
            wrong.append(f"{what} answered {answer_b.status_code}")
        elif answer_b.status_code != answer_none.status_code or page_text(
            answer_b, *theirs.values()
        ) != page_text(answer_none, *nobodys.values()):
            wrong.append(f"{what} answered unlike an id that does not exist")
    assert tried >= 60, tried  # every URL with an id, each way, each role
    assert not wrong, "\n".join(wrong)
    assert changed(before) == []
