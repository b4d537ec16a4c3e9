"""Human decisions on who is who, and the candidate pairs they are made on.

A decision is stored with who made it and why, applied to persons at once, and
honoured by every later run (:func:`decision_constraints` feeds clustering).
Decisions are constraints on agency persons, never on person ids, so they keep
their meaning whatever ids later runs hand out:

- ``same`` / ``merge``: every member, on both sides, is one person;
- ``different``: no member of side a is the same person as one of side b;
- ``split``: side a (the agency persons split off) is one person, never the same
  as side b (the rest of the person they were split from).

When decisions disagree, the newest wins.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from sightline.feeds.writer import write_rows
from sightline.linkage.clustering import Constraint, clusters_from_links, persons_assign
from sightline.linkage.models import (
    AgencyPerson,
    CandidatePair,
    LinkDecision,
    LinkDecisionMember,
    LinkRun,
    Person,
)
from sightline.linkage.scoring import Candidate
from sightline.linkage.selectors import link_run_latest_full


class DecisionError(ValueError):
    """A decision that cannot be recorded as asked (missing reason, wrong members)."""


def candidate_pairs_store(
    *, run: LinkRun, candidates: Iterable[Candidate], refused: Collection[tuple[int, int]] = ()
) -> int:
    """Keep a run's candidate pairs, replacing the last run's; return how many are for review.

    ``refused``: linked pairs (a < b) that clustering did not join (conflicting
    identifiers, or a decision), stored in the refused band.
    """
    # Only the latest full run's pairs are current; older ones would only grow the table.
    CandidatePair.objects.exclude(run=run).delete()
    refused_reason = (
        "not joined: it would give one person two different NHS numbers or UPNs, "
        "or a person decided these are not the same"
    )
    rows = []
    for c in candidates:
        band, reason = c.band, c.guard_reason
        if band == CandidatePair.Band.LINKED and (c.a, c.b) in refused:
            band, reason = CandidatePair.Band.REFUSED, refused_reason
        rows.append((run.pk, c.a, c.b, band, c.probability, reason, c.explanation))
    # One row per link as well as per doubt: a large run stores hundreds of
    # thousands, where building a model instance per row (bulk_create) costs
    # more than the insert; PostgreSQL takes them by COPY.
    write_rows(
        CandidatePair._meta.db_table,
        [
            "run_id",
            "agency_person_a_id",
            "agency_person_b_id",
            "band",
            "probability",
            "guard_reason",
            "explanation",
        ],
        rows,
    )
    return sum(1 for r in rows if r[3] != CandidatePair.Band.LINKED)


def decision_constraints() -> list[Constraint]:
    """Every decision as constraints on agency-person pairs, newest first."""
    found: list[Constraint] = []
    decisions = LinkDecision.objects.order_by("-decided_at", "-id").prefetch_related("members")
    for d in decisions:
        a = sorted(m.agency_person_id for m in d.members.all() if m.side == "a")
        b = sorted(m.agency_person_id for m in d.members.all() if m.side == "b")
        if d.kind in (LinkDecision.Kind.SAME, LinkDecision.Kind.MERGE):
            everyone = a + b
            found += [Constraint(everyone[0], m, True) for m in everyone[1:]]
        else:
            # Apart first: within one decision both hold, and a split's side a
            # holding together must not be read as joining it to side b.
            found += [Constraint(x, y, False) for x in a for y in b]
            if d.kind == LinkDecision.Kind.SPLIT:
                found += [Constraint(a[0], m, True) for m in a[1:]]
    return found


def pair_decide(
    *, pair: CandidatePair, decision: str, by: str, reason: str, user: Any | None = None
) -> LinkDecision:
    """Rule on a candidate pair: the same person, or not the same person."""
    if decision not in (LinkDecision.Kind.SAME, LinkDecision.Kind.DIFFERENT):
        raise DecisionError(f"decision must be 'same' or 'different', not {decision!r}")
    return _decide(
        kind=decision,
        side_a=[pair.agency_person_a_id],
        side_b=[pair.agency_person_b_id],
        by=by,
        reason=reason,
        user=user,
    )


def person_split(
    *,
    person: Person,
    agency_persons: Sequence[AgencyPerson],
    by: str,
    reason: str,
    user: Any | None = None,
) -> LinkDecision:
    """Split the given agency persons off a person: they become one person of their own."""
    members = set(AgencyPerson.objects.filter(person=person).values_list("pk", flat=True))
    out = sorted({ap.pk for ap in agency_persons})
    strangers = [str(ap) for ap in agency_persons if ap.pk not in members]
    if strangers:
        raise DecisionError(f"not members of {person.public_id}: {', '.join(strangers)}")
    if not out or len(out) == len(members):
        raise DecisionError("a split needs some, but not all, of the person's agency persons")
    return _decide(
        kind=LinkDecision.Kind.SPLIT,
        side_a=out,
        side_b=sorted(members - set(out)),
        by=by,
        reason=reason,
        user=user,
    )


def persons_merge(
    *, first: Person, second: Person, by: str, reason: str, user: Any | None = None
) -> LinkDecision:
    """Merge two persons into one: the id of the one with more agency persons is kept."""
    if first.pk == second.pk:
        raise DecisionError("cannot merge a person with itself")
    side_a = list(AgencyPerson.objects.filter(person=first).values_list("pk", flat=True))
    side_b = list(AgencyPerson.objects.filter(person=second).values_list("pk", flat=True))
    if not side_a or not side_b:
        raise DecisionError("both persons must have agency persons to merge")
    return _decide(
        kind=LinkDecision.Kind.MERGE, side_a=side_a, side_b=side_b, by=by, reason=reason, user=user
    )


def _decide(
    *,
    kind: str,
    side_a: Sequence[int],
    side_b: Sequence[int],
    by: str,
    reason: str,
    user: Any | None,
) -> LinkDecision:
    by, reason = (by or "").strip(), (reason or "").strip()
    if not reason:
        raise DecisionError("reason is required: say why, for whoever reads this decision later")
    if not by:
        raise DecisionError("by is required: say who made the decision")
    with transaction.atomic():
        decision = LinkDecision.objects.create(
            kind=kind,
            decided_by=by,
            user=user,
            reason=reason,
            decided_at=timezone.now(),
        )
        LinkDecisionMember.objects.bulk_create(
            [LinkDecisionMember(decision=decision, agency_person_id=m, side="a") for m in side_a]
            + [LinkDecisionMember(decision=decision, agency_person_id=m, side="b") for m in side_b]
        )
        # Split off or set apart: the members named leave; the rest keep the id.
        leaving = side_a if kind == LinkDecision.Kind.SPLIT else side_b
        _apply(decision=decision, touched=[*side_a, *side_b], leaving=leaving)
    return decision


def _apply(*, decision: LinkDecision, touched: Sequence[int], leaving: Sequence[int] = ()) -> None:
    """Re-cluster the persons a decision touches, now, as the next full run would.

    The edges are the links the latest run made among their members (the linked
    band of its candidate pairs); the decisions, this one newest, come first.
    Identifiers need no check here: these links were all accepted together once.
    """
    persons = set(
        AgencyPerson.objects.filter(pk__in=touched, person__isnull=False).values_list(
            "person_id", flat=True
        )
    )
    current: dict[int, int | None] = dict(
        AgencyPerson.objects.filter(person_id__in=persons).values_list("pk", "person_id")
    )
    current.update({m: None for m in touched if m not in current})
    members = set(current)
    run = link_run_latest_full()
    edges = []
    if run is not None:
        linked = CandidatePair.objects.filter(
            run=run,
            band=CandidatePair.Band.LINKED,
            agency_person_a__in=members,
            agency_person_b__in=members,
        ).values_list("agency_person_a_id", "agency_person_b_id", "probability")
        edges = list(linked)
    constraints = [c for c in decision_constraints() if c.a in members and c.b in members]
    clusters, _ = clusters_from_links(sorted(members), edges, {}, constraints=constraints)
    persons_assign(clusters=clusters, current=current, decision=decision, leaving=leaving)
