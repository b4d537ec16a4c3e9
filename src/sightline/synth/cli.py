"""``sightline generate``: write a synthetic borough to a folder."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import NoReturn

from sightline.synth.generate import Settings, run

MAX_CHILDREN = 1_000_000  # the id blocks are sized for this many


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # Same exit status as argparse (2), with a hint on where to look.
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\nRun '{self.prog} --help' for the options.\n")


def _whole(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low:,} and {high:,}, got {value:,}")
        return value

    parse.__name__ = "number"  # argparse names the type in its messages
    return parse


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date such as 2026-03-31") from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="sightline generate",
        description=(
            "Write a synthetic borough: one feed v1 JSON Lines file per agency in DIR, and the "
            "truth behind them in DIR/truth/: persons.csv (which agency local ids are the same "
            "person), identifiers.csv (each person's true NHS number and UPN), households.csv, "
            "trajectories.csv (injected harm, its warning signs' start and its date), "
            "families.csv (each household's kind: ordinary, poverty or trajectory, and whether it "
            "lives in poverty) and manifest.json (counts). The same seed and options always give "
            "byte-identical files."
        ),
        epilog="example: sightline generate --children 2000 --seed 7 --out var/borough",
    )
    parser.add_argument(
        "--children",
        type=_whole(1, MAX_CHILDREN),
        required=True,
        metavar="N",
        help="number of children aged 0-17 at the end date",
    )
    parser.add_argument(
        "--seed", type=_whole(0, 2**63 - 1), default=1, metavar="S", help="random seed (default: 1)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="folder to write into; created if missing, our files overwritten",
    )
    parser.add_argument(
        "--until",
        type=_iso_date,
        default=date(2026, 3, 31),
        metavar="DATE",
        help="last day of the window; no record is dated later (default: 2026-03-31)",
    )
    parser.add_argument(
        "--since",
        type=_iso_date,
        default=date(2019, 1, 1),
        metavar="DATE",
        help="first day of the window (default: 2019-01-01)",
    )
    parser.add_argument(
        "--jobs",
        type=_whole(1, 64),
        default=min(4, os.cpu_count() or 1),
        metavar="J",
        help="worker processes; the output does not depend on it (default: CPUs, at most 4)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress messages")
    return parser


def main(argv: Sequence[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    if (args.until - args.since).days < 2 * 365:
        parser.print_usage(sys.stderr)
        print(
            f"{parser.prog}: error: argument --since: must be at least two years before --until "
            f"({args.since} to {args.until})",
            file=sys.stderr,
        )
        return 2
    # Only a check: the output itself never depends on the clock.
    today = datetime.now(UTC).date()
    if args.until > today:
        parser.print_usage(sys.stderr)
        print(
            f"{parser.prog}: error: argument --until: {args.until} is in the future; Sightline"
            " rejects records dated after they are received",
            file=sys.stderr,
        )
        return 2
    if args.out.exists() and not args.out.is_dir():
        print(
            f"{parser.prog}: error: argument --out: {args.out} exists and is not a folder",
            file=sys.stderr,
        )
        return 2

    started = time.monotonic()

    def progress(message: str) -> None:
        if not args.quiet:
            print(
                f"sightline generate: {message} ({time.monotonic() - started:.1f}s)",
                file=sys.stderr,
                flush=True,
            )

    settings = Settings(
        seed=args.seed,
        children=args.children,
        since=args.since,
        until=args.until,
        out=args.out,
        jobs=args.jobs,
    )
    try:
        summary = run(settings, progress)
    except OSError as exc:
        print(f"{parser.prog}: cannot write the borough to {args.out}: {exc}", file=sys.stderr)
        return 1
    elapsed = time.monotonic() - started
    records = sum(summary.records.values())
    harmed = sum(summary.harm_kinds.values())
    print(
        f"Wrote {records:,} records about {summary.children:,} children in {summary.families:,} "
        f"families, {summary.bytes_written / 1e6:.1f} MB in {len(summary.records)} agency files, "
        f"to {args.out} in {elapsed:.1f}s.\n"
        f"Truth in {args.out / 'truth'}: {summary.persons:,} agency person ids, "
        f"{harmed:,} harm trajectories "
        f"({', '.join(f'{k} {v}' for k, v in sorted(summary.harm_kinds.items()))})."
    )
    return 0
