"""``sightline link [--full] [--score DIR]``: resolve every agency person to a person."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sightline.linkage.incremental import linkage_run_incremental
from sightline.linkage.selectors import links_score_against_truth
from sightline.linkage.services import link_run_record_scores, linkage_run_full


class Command(BaseCommand):
    help = "Link agency persons into persons with Splink, keeping every person's id."

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

    def handle(self, *args: Any, **options: Any) -> None:
        truth_dir: Path | None = options.get("score")
        if truth_dir is not None and not (truth_dir / "truth" / "persons.csv").is_file():
            raise CommandError(f"no truth/persons.csv in {truth_dir}")
        try:
            result = linkage_run_full() if options["full"] else linkage_run_incremental()
        except NotImplementedError as exc:  # an engine not built yet (Spark)
            raise CommandError(str(exc)) from exc
        run = result.run
        self.stdout.write(
            f"{run.kind} run: agency persons {run.agency_persons:,} "
            f"({run.agency_persons_created:,} new), "
            f"persons {run.persons:,} ({run.persons_created:,} new), "
            f"links made {run.links:,} ({run.pairs_scored:,} variant pairs scored 0.5 or more; "
            f"{run.links_refused:,} refused for conflicting identifiers, "
            f"{run.links_held_back:,} held back by the twin and evidence guards), "
            f"memberships changed {run.memberships_changed:,}, "
            f"in {result.seconds:.1f}s"
        )
        if run.notes:
            self.stderr.write(f"sightline link: {run.notes}")
        if options["verbosity"] >= 2 and result.steps:
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
