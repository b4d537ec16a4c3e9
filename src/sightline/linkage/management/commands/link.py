"""``sightline link``: resolve every agency person to a person, and let people decide the rest.

- ``sightline link [--full] [--score DIR]``: a linkage run.
- ``sightline link review [--person ID]``: the pairs waiting for a decision.
- ``sightline link review show PAIR``: a pair side by side, with each comparison's weight.
- ``sightline link review decide PAIR same|different --by NAME --reason TEXT``.
- ``sightline link split PERSON AGENCY:LOCAL_ID... --by NAME --reason TEXT``.
- ``sightline link merge PERSON PERSON --by NAME --reason TEXT``.
- ``sightline link history PERSON``: a person id's merges and splits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sightline.jobs.services import job_running
from sightline.linkage.decisions import DecisionError, pair_decide, person_split, persons_merge
from sightline.linkage.engine import engine_check
from sightline.linkage.incremental import linkage_run_incremental
from sightline.linkage.models import AgencyPerson, CandidatePair, LinkDecision, Person
from sightline.linkage.selectors import (
    agency_person_get,
    candidate_pair_get,
    links_score_against_truth,
    person_get,
    person_trace,
    review_queue,
)
from sightline.linkage.services import link_run_record_scores, linkage_run_full


def _decision_arguments(parser: CommandParser) -> None:
    # Not required by argparse, so that a missing one gets a message that says
    # what it is for rather than argparse's generic one.
    parser.add_argument("--by", metavar="NAME", help="who is deciding (required)")
    parser.add_argument(
        "--reason", metavar="TEXT", help="why, for whoever reads it later (required)"
    )


class Command(BaseCommand):
    help = (
        "Link agency persons into persons with Splink, keeping every person's id; "
        "review, split and merge with a reason."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--full",
            action="store_true",
            help="re-link everything and retrain the model (default: place only the agency "
            "persons new since the last full run, with its model; a full run when there is none)",
        )
        parser.add_argument(
            "--score",
            metavar="DIR",
            type=Path,
            help="after linking, print pairwise precision, recall and F1 against "
            "DIR/truth/persons.csv (a generated borough's truth)",
        )
        sub = parser.add_subparsers(dest="action", metavar="ACTION")
        review = sub.add_parser("review", help="list the pairs waiting for a decision")
        review.add_argument("--person", metavar="ID", help="only pairs touching this person")
        steps = review.add_subparsers(dest="step", metavar="STEP")
        show = steps.add_parser("show", help="one pair side by side, with each comparison's weight")
        show.add_argument("pair", type=int, metavar="PAIR")
        decide = steps.add_parser("decide", help="rule on a pair: same or different person")
        decide.add_argument("pair", type=int, metavar="PAIR")
        decide.add_argument("decision", choices=["same", "different"])
        _decision_arguments(decide)
        split = sub.add_parser("split", help="split agency persons off a person into their own")
        split.add_argument("person", metavar="PERSON")
        split.add_argument("members", nargs="+", metavar="AGENCY:LOCAL_ID")
        _decision_arguments(split)
        merge = sub.add_parser("merge", help="merge two persons into one")
        merge.add_argument("first", metavar="PERSON")
        merge.add_argument("second", metavar="PERSON")
        _decision_arguments(merge)
        history = sub.add_parser("history", help="a person id's merges and splits")
        history.add_argument("person", metavar="PERSON")

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = int(options.get("verbosity", 1))
        action = options.get("action")
        if action is None:
            self._run(options.get("score"), full=options["full"])
        elif action == "review":
            step = options.get("step")
            if step == "show":
                self._show(options["pair"])
            elif step == "decide":
                self._decide(options)
            else:
                self._queue(options.get("person"))
        elif action == "split":
            self._split(options)
        elif action == "merge":
            self._merge(options)
        else:
            self._history(options["person"])

    def _run(self, truth_dir: Path | None, *, full: bool) -> None:
        if truth_dir is not None and not (truth_dir / "truth" / "persons.csv").is_file():
            raise CommandError(f"no truth/persons.csv in {truth_dir}")
        # Before any work: a missing pyspark or Java is a configuration error
        # (EngineUnavailable), which the sightline command reports with exit 2.
        engine_check()
        # Recorded as a job: a run a restart cuts short is run again by 'sightline worker'.
        with job_running(command="link", argv=["--full"] if full else []):
            result = linkage_run_full() if full else linkage_run_incremental()
        run = result.run
        self.stdout.write(
            f"{run.kind} run: agency persons {run.agency_persons:,} "
            f"({run.agency_persons_created:,} new), "
            f"persons {run.persons:,} ({run.persons_created:,} new), "
            f"links made {run.links:,} ({run.pairs_scored:,} variant pairs scored 0.5 or more; "
            f"{run.links_refused:,} refused for conflicting identifiers, "
            f"{run.links_held_back:,} held back by the twin and evidence guards), "
            f"memberships changed {run.memberships_changed:,}, "
            f"pairs for review {run.review_pairs:,}, "
            f"in {result.seconds:.1f}s"
        )
        if run.notes:
            self.stderr.write(f"sightline link: {run.notes}")
        if self.verbosity >= 2 and result.steps:
            self.stderr.write(
                "sightline link: steps "
                + ", ".join(f"{name} {secs:.1f}s" for name, secs in result.steps.items())
            )
        if truth_dir is not None:
            scores = links_score_against_truth(truth_dir=truth_dir)
            link_run_record_scores(run=run, scores=scores)
            self.stdout.write(
                f"pairwise precision {scores['precision']:.4f}, recall {scores['recall']:.4f}, "
                f"F1 {scores['f1']:.4f} ({int(scores['correct_pairs']):,} of "
                f"{int(scores['predicted_pairs']):,} predicted pairs correct; "
                f"{int(scores['true_pairs']):,} true pairs)"
            )

    def _queue(self, public_id: str | None) -> None:
        person = _person(public_id) if public_id else None
        pairs = review_queue(person=person)
        for p in pairs:
            self.stdout.write(
                f"{p.pk}\t{p.band}\t{p.probability:.3f}\t"
                f"{_side(p.agency_person_a)}\t{_side(p.agency_person_b)}\t{p.guard_reason}"
            )
        self.stderr.write(f"{len(pairs)} pairs waiting for a decision")

    def _show(self, pair_id: int) -> None:
        pair = _pair(pair_id)
        ex = pair.explanation
        self.stdout.write(
            f"pair {pair.pk}: {pair.get_band_display()} (band {pair.band}), "
            f"match probability {pair.probability:.4f}, match weight {ex.get('total', 0):+.2f}"
        )
        if pair.guard_reason:
            self.stdout.write(f"not linked automatically: {pair.guard_reason}")
        if ex.get("context"):
            self.stdout.write(ex["context"])
        rows = [("", _side(pair.agency_person_a), _side(pair.agency_person_b), "", "")]
        rows.append(("prior", "", "", "", f"{ex.get('prior', 0):+.2f}"))
        for c in ex.get("comparisons", []):
            rows.append(
                (
                    c["comparison"],
                    # Spark's to_json leaves out a null value altogether.
                    c.get("left") or "-",
                    c.get("right") or "-",
                    c["level"],
                    f"{c['weight']:+.2f}",
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        for r in rows:
            self.stdout.write(
                "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()
            )

    def _decide(self, options: dict[str, Any]) -> None:
        pair = _pair(options["pair"])
        decision = _decided(
            lambda by, reason: pair_decide(
                pair=pair, decision=options["decision"], by=by, reason=reason
            ),
            options,
        )
        pair.agency_person_a.refresh_from_db()
        pair.agency_person_b.refresh_from_db()
        self.stdout.write(
            f"decision {decision.pk}: {_side(pair.agency_person_a)} and "
            f"{_side(pair.agency_person_b)} are {decision.get_kind_display().lower()}"
        )

    def _split(self, options: dict[str, Any]) -> None:
        person = _person(options["person"])
        members = [_agency_person(text) for text in options["members"]]
        decision = _decided(
            lambda by, reason: person_split(
                person=person, agency_persons=members, by=by, reason=reason
            ),
            options,
        )
        for ap in members:
            ap.refresh_from_db()
        moved = {ap.person.public_id for ap in members if ap.person}
        self.stdout.write(
            f"decision {decision.pk}: split {len(members)} agency persons off "
            f"{person.public_id} into {', '.join(sorted(moved))}"
        )

    def _merge(self, options: dict[str, Any]) -> None:
        first, second = _person(options["first"]), _person(options["second"])
        decision = _decided(
            lambda by, reason: persons_merge(first=first, second=second, by=by, reason=reason),
            options,
        )
        kept = AgencyPerson.objects.filter(person__isnull=False, person__in=[first, second])
        ids = sorted(set(kept.values_list("person__public_id", flat=True)))
        self.stdout.write(
            f"decision {decision.pk}: merged {first.public_id} and {second.public_id} "
            f"into {', '.join(ids)}"
        )

    def _history(self, public_id: str) -> None:
        person = _person(public_id)
        for change in person_trace(person=person):
            by = (
                f"decision {change.decision_id} ({change.decision.kind} by "
                f"{change.decision.decided_by}: {change.decision.reason})"
                if change.decision is not None
                else f"link run {change.run_id}"
            )
            self.stdout.write(
                f"{change.at:%Y-%m-%d %H:%M:%S}\t{change.person.public_id} "
                f"{change.get_kind_display().lower()} {change.other.public_id}\t"
                f"{change.agency_persons} agency persons\t{by}"
            )
        members = AgencyPerson.objects.filter(person=person).select_related("agency")
        self.stderr.write(
            f"{person.public_id} now holds {members.count()} agency persons: "
            + ", ".join(f"{m.agency.code}:{m.local_id}" for m in members.order_by("pk"))
        )


def _decided(make: Any, options: dict[str, Any]) -> LinkDecision:
    """Run a decision service, turning a missing field into a usage error (exit 2)."""
    for name in ("by", "reason"):
        if not (options.get(name) or "").strip():
            raise CommandError(
                f"--{name} is required: every decision records who made it and why",
                returncode=2,
            )
    try:
        decision: LinkDecision = make(options["by"], options["reason"])
    except DecisionError as exc:
        raise CommandError(str(exc), returncode=2) from exc
    return decision


def _side(ap: AgencyPerson) -> str:
    person = ap.person.public_id if ap.person else "no person"
    return f"{ap.agency.code}:{ap.local_id} ({person})"


def _person(public_id: str) -> Person:
    person = person_get(public_id=public_id)
    if person is None:
        raise CommandError(f"no person with id {public_id}")
    return person


def _pair(pair_id: int) -> CandidatePair:
    pair = candidate_pair_get(pair_id=pair_id)
    if pair is None:
        raise CommandError(f"no candidate pair {pair_id} in the latest link run")
    return pair


def _agency_person(text: str) -> AgencyPerson:
    agency, sep, local_id = text.partition(":")
    if not sep or not agency or not local_id:
        raise CommandError(f"{text!r} is not AGENCY:LOCAL_ID", returncode=2)
    ap = agency_person_get(agency=agency, local_id=local_id)
    if ap is None:
        raise CommandError(f"no agency person {text}")
    return ap
