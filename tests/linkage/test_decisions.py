"""People decide the uncertain middle: review, same, different, split, merge; every run obeys.

Each test goes through the ``sightline link`` commands a reviewer types, on the
generated borough (enough records to train the model) plus hand-built children.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from sightline.linkage.clustering import Constraint, clusters_from_links
from sightline.linkage.models import AgencyPerson, CandidatePair, LinkDecision, PersonChange
from tests.conftest import record

pytestmark = pytest.mark.django_db

HV = "nhs-community-hv"
SCHOOL = "school-yarmouth-primary"


def _child(agency: str, rid: str, local_id: str, given: str, family: str) -> dict[str, Any]:
    # No NHS number or UPN: only names, birth date and address say who this is.
    subject = {
        "local_id": local_id,
        "given_name": given,
        "family_name": family,
        "date_of_birth": "2019-05-14",
        "sex": "female",
        "postcode": "NR30 2AB",
    }
    return record(agency=agency, record_id=rid, subject=subject)


def _person(agency: str, local_id: str) -> str:
    ap = AgencyPerson.objects.select_related("person").get(agency__code=agency, local_id=local_id)
    return ap.person.public_id


def _pair(a: tuple[str, str], b: tuple[str, str]) -> CandidatePair:
    aps = [AgencyPerson.objects.get(agency__code=x, local_id=y).pk for x, y in (a, b)]
    return CandidatePair.objects.get(
        agency_person_a_id=min(aps), agency_person_b_id=max(aps), run__status="complete"
    )


def _ingest_pair(
    cli: Callable[..., Any],
    write_feed: Callable[..., Any],
    tag: str,
    given: tuple[str, str],
    family: str,
) -> tuple[tuple[str, str], tuple[str, str]]:
    """One child's record at the health visitor and one at school; their (agency, local id)s."""
    records = [
        _child(HV, f"{tag}-1", f"{tag}-A", given[0], family),
        _child(SCHOOL, f"{tag}-2", f"{tag}-B", given[1], family),
    ]
    result = cli("ingest", str(write_feed(records)))
    assert result.code == 0, result.err
    return (HV, f"{tag}-A"), (SCHOOL, f"{tag}-B")


def test_a_pair_whose_given_names_disagree_waits_for_review_and_same_links_it_for_good(
    cli, ingested, write_feed
):
    # One girl, Poppy to her health visitor, known at school by her middle name.
    hv, school = _ingest_pair(cli, write_feed, "MN", ("Poppy", "Florence"), "Quennell")
    assert cli("link", "--full").code == 0
    assert _person(*hv) != _person(*school)  # the twin guard will not link on its own

    pair = _pair(hv, school)
    assert pair.band in ("held", "review")
    assert "given names disagree" in pair.guard_reason
    queue = cli("link", "review", "--person", _person(*hv))
    assert queue.code == 0, queue.err
    assert queue.out.splitlines()[0].split("\t")[0] == str(pair.pk)

    decided = cli(
        "link", "review", "decide", str(pair.pk), "same",
        "--by", "A. Reviewer", "--reason", "school confirms Florence is her middle name",
    )  # fmt: skip
    assert decided.code == 0, decided.err
    assert _person(*hv) == _person(*school)  # at once, not only at the next run
    assert str(pair.pk) not in cli("link", "review").out.split()

    assert cli("link", "--full").code == 0
    assert _person(*hv) == _person(*school)
    decision = LinkDecision.objects.get()
    assert (decision.kind, decision.decided_by) == ("same", "A. Reviewer")


def test_different_splits_a_wrong_link_and_every_later_run_keeps_them_apart(
    cli, ingested, write_feed
):
    # Two records that agree on everything the model sees: it links them.
    hv, school = _ingest_pair(cli, write_feed, "WL", ("Orla", "Orla"), "Thackeray")
    assert cli("link", "--full").code == 0
    assert _person(*hv) == _person(*school)
    pair = _pair(hv, school)
    assert pair.band == "linked"

    decided = cli(
        "link", "review", "decide", str(pair.pk), "different",
        "--by", "A. Reviewer", "--reason", "two girls: the school holds a different mother",
    )  # fmt: skip
    assert decided.code == 0, decided.err
    assert _person(*hv) != _person(*school)

    assert cli("link", "--full").code == 0
    assert _person(*hv) != _person(*school)
    again = _pair(hv, school)
    assert again.band == "refused"  # the model still scores it; the decision holds
    assert str(again.pk) not in cli("link", "review").out.split()


def test_split_and_merge_keep_the_id_history(cli, ingested, write_feed):
    hv, school = _ingest_pair(cli, write_feed, "SM", ("Ivy", "Ivy"), "Lambourne")
    assert cli("link", "--full").code == 0
    original = _person(*hv)
    assert _person(*school) == original

    split = cli(
        "link", "split", original, ":".join(school),
        "--by", "A. Reviewer", "--reason", "different child, same name",
    )  # fmt: skip
    assert split.code == 0, split.err
    parted = _person(*school)
    assert parted != original and _person(*hv) == original
    history = cli("link", "history", parted)
    assert f"{parted} split from {original}" in history.out
    assert "different child, same name" in history.out

    assert cli("link", "--full").code == 0
    assert _person(*school) == parted  # the split holds, and so does the new id

    merged = cli(
        "link", "merge", original, parted,
        "--by", "B. Reviewer", "--reason", "birth certificate: one child after all",
    )  # fmt: skip
    assert merged.code == 0, merged.err
    assert _person(*hv) == _person(*school)
    change = PersonChange.objects.get(kind="merged_into")
    assert change.decision is not None and change.decision.kind == "merge"
    assert "merged into" in cli("link", "history", change.person.public_id).out
    assert cli("link", "--full").code == 0
    assert _person(*hv) == _person(*school)


def test_show_explains_a_pair_with_each_comparisons_weight(cli, ingested, write_feed):
    hv, school = _ingest_pair(cli, write_feed, "EX", ("Poppy", "Florence"), "Quennell")
    assert cli("link").code == 0
    pair = _pair(hv, school)
    ex = pair.explanation
    names = [c["comparison"] for c in ex["comparisons"]]
    assert names == ["nhs_number", "upn", "given_name", "family_name", "dob", "postcode", "sex"]
    by_name = {c["comparison"]: c for c in ex["comparisons"]}
    assert by_name["given_name"]["level"] == "else" or by_name["given_name"]["weight"] < 0
    assert by_name["dob"]["level"] == "exact" and by_name["dob"]["weight"] > 0
    # The weights and the prior add up to the pair's match probability.
    total = ex["prior"] + sum(c["weight"] for c in ex["comparisons"])
    assert total == pytest.approx(ex["total"], abs=0.01)
    assert 1 / (1 + 2**-total) == pytest.approx(pair.probability, abs=1e-3)

    shown = cli("link", "review", "show", str(pair.pk))
    assert shown.code == 0, shown.err
    lines = shown.out.splitlines()
    dob = next(line for line in lines if line.startswith("dob"))
    assert "2019-05-14" in dob and "exact" in dob and f"{by_name['dob']['weight']:+.2f}" in dob
    given = next(line for line in lines if line.startswith("given_name"))
    assert "POPPY" in given and "FLORENCE" in given
    assert not math.isnan(ex["total"])


def test_a_decision_without_a_reason_is_refused_and_says_which_field(cli, ingested, write_feed):
    hv, school = _ingest_pair(cli, write_feed, "NR", ("Poppy", "Florence"), "Quennell")
    assert cli("link").code == 0
    pair = _pair(hv, school)
    result = cli("link", "review", "decide", str(pair.pk), "same", "--by", "A. Reviewer")
    assert result.code == 2
    assert "--reason is required" in result.err
    blank = cli("link", "merge", _person(*hv), _person(*school), "--by", "X",
                "--reason", "  ")  # fmt: skip
    assert blank.code == 2 and "--reason" in blank.err
    assert not LinkDecision.objects.exists()
    assert _person(*hv) != _person(*school)


def test_the_newest_decision_wins_and_same_overrides_conflicting_identifiers():
    ids = {1: frozenset({"nhs:9434765919"}), 2: frozenset({"nhs:9434765870"}), 3: frozenset()}
    # Two valid NHS numbers would keep 1 and 2 apart; a person said they are one.
    clusters, _ = clusters_from_links([1, 2, 3], [], ids, constraints=[Constraint(1, 2, True)])
    assert clusters == [[1, 2], [3]]
    # Newest first: "not same" (newer) beats the older "same" on the same pair...
    newest_apart = [Constraint(1, 2, False), Constraint(1, 2, True)]
    clusters, _ = clusters_from_links([1, 2, 3], [(1, 2, 0.999)], ids, constraints=newest_apart)
    assert clusters == [[1], [2], [3]]
    # ...and a newer chain of "same" beats an older "not same", links notwithstanding.
    chain = [Constraint(1, 3, True), Constraint(3, 2, True), Constraint(1, 2, False)]
    clusters, _ = clusters_from_links([1, 2, 3], [], ids, constraints=chain)
    assert clusters == [[1, 2, 3]]


def test_a_run_that_merges_or_splits_persons_writes_their_history():
    from sightline.feeds.models import Agency
    from sightline.linkage.clustering import persons_assign
    from sightline.linkage.models import LinkRun

    agency = Agency.objects.create(code="test-agency")
    a, b, c = (AgencyPerson.objects.create(agency=agency, local_id=f"L{i}").pk for i in range(3))

    def current() -> dict[int, int | None]:
        return dict(AgencyPerson.objects.values_list("pk", "person_id"))

    persons_assign(clusters=[[a, b], [c]], current=current())
    first = current()
    assert not PersonChange.objects.exists()  # new persons are not changes

    run = LinkRun.objects.create(
        started_at="2026-01-01T00:00Z", engine="duckdb", match_threshold=0.99
    )
    persons_assign(clusters=[[a, b, c]], current=current(), run=run)
    merged = PersonChange.objects.get()
    assert (merged.person_id, merged.kind, merged.other_id) == (first[c], "merged_into", first[a])
    assert (merged.agency_persons, merged.run) == (1, run)

    # The larger part keeps the id; the one split off gets a new id, traced back.
    persons_assign(clusters=[[a], [b, c]], current=current(), run=run)
    after = current()
    assert after[b] == after[c] == first[a]
    split = PersonChange.objects.get(kind="split_from")
    assert (split.person_id, split.other_id, split.agency_persons) == (after[a], first[a], 1)


def test_a_decision_in_a_family_keeps_the_links_the_family_made(cli, ingested):
    # Context links (a parent's child named twice) carry no model weight; a
    # reviewer splitting someone else off that person must not undo them.
    assert cli("link", "--full").code == 0
    context = [
        p
        for p in CandidatePair.objects.select_related("agency_person_a", "agency_person_b")
        if "context" in p.explanation
    ]
    assert context, "the generated borough has records only the family links"
    shown = cli("link", "review", "show", str(context[0].pk))
    assert "linked by the family around the records" in shown.out
    for pair in context:
        a, b = pair.agency_person_a, pair.agency_person_b
        others = AgencyPerson.objects.filter(person_id=a.person_id).exclude(pk__in=[a.pk, b.pk])
        if a.person_id == b.person_id and others.exists():
            break
    else:
        pytest.fail("no context-linked person with a third record to split off")
    other = others.select_related("agency").first()
    assert other is not None
    split = cli(
        "link", "split", a.person.public_id, f"{other.agency.code}:{other.local_id}",
        "--by", "A. Reviewer", "--reason", "another child of the same name",
    )  # fmt: skip
    assert split.code == 0, split.err
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.person_id == b.person_id
