"""``make bench``: run every benchmark (or those named) and write docs/performance.md."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from bench import api, generate, indicators, ingest, linkage

BENCHMARKS: dict[str, Callable[[argparse.Namespace], None]] = {
    "generate": generate.main,
    "ingest": ingest.main,
    "linkage": linkage.main,
    "indicators": indicators.main,
    "api": api.main,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"any of {', '.join(BENCHMARKS)}")
    parser.add_argument("--records", type=int, default=1_000_000, help="records to ingest")
    linkage.add_arguments(parser)
    indicators.add_arguments(parser)
    api.add_arguments(parser)
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    for name in args.names or list(BENCHMARKS):
        print(f"bench: {name}", file=sys.stderr)
        BENCHMARKS[name](args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
