"""Person ids stay put through re-runs, merges and splits; conflicting identifiers never join."""

from __future__ import annotations

import pytest

from sightline.feeds.models import Agency
from sightline.linkage.clustering import clusters_from_links, persons_assign
from sightline.linkage.models import AgencyPerson, Person

pytestmark = pytest.mark.django_db


def _agency_persons(n: int) -> list[int]:
    agency = Agency.objects.create(code="test-agency")
    return [AgencyPerson.objects.create(agency=agency, local_id=f"L{i}").pk for i in range(n)]


def _current() -> dict[int, int | None]:
    return dict(AgencyPerson.objects.values_list("pk", "person_id"))


def test_a_merge_keeps_the_id_most_members_had_and_a_split_keeps_it_for_the_larger_part():
    a, b, c, d = _agency_persons(4)
    created, _ = persons_assign(clusters=[[a, b, c], [d]], current=_current())
    assert created == 2
    first = _current()
    big, small = first[a], first[d]

    # d joins the others: the merged person keeps the id three of its four had.
    created, changed = persons_assign(clusters=[[a, b, c, d]], current=_current())
    assert (created, changed) == (0, 1)
    assert set(_current().values()) == {big}

    # Split again, unevenly: the larger part keeps the id, the smaller gets a new one.
    created, _ = persons_assign(clusters=[[a, b, c], [d]], current=_current())
    after = _current()
    assert created == 1
    assert after[a] == after[b] == after[c] == big
    assert after[d] not in (big, small)
    # Old ids are never reused or deleted.
    assert Person.objects.filter(pk=small).exists()


def test_clusters_never_join_two_different_valid_nhs_numbers():
    ids = {
        1: frozenset({"nhs:9434765919"}),
        2: frozenset(),
        3: frozenset({"nhs:9434765870"}),
    }
    # 1-2 and 2-3 both link; joining all three would give one person two numbers.
    clusters, refused = clusters_from_links([1, 2, 3], [(1, 2, 0.999), (2, 3, 0.995)], ids)
    assert clusters == [[1, 2], [3]]
    assert refused == 1
