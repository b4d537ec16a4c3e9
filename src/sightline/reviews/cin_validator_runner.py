"""Run by the CIN validator's own python (.venv-cin/), never imported by Sightline.

Reads the census XML from standard input, runs the rule set named as the first
argument (e.g. ``cin2025_26``) with ``csc-validator-be-cin``'s Python API, and
writes one JSON object a line to standard output: ``la_child_id``, ``rule``,
``message``, ``field`` (``table.column``). Imports only the validator and the
standard library: this file runs in an environment without Sightline or Django.
"""

import contextlib
import importlib
import io
import json
import sys
import warnings

# Parses only Sightline's own census, handed over a pipe.
import xml.etree.ElementTree as ET  # nosec B405


def main() -> int:
    # pandas 1.5 warns about its own future at every rule; the results are what matter here.
    warnings.simplefilter("ignore", FutureWarning)
    ruleset = sys.argv[1]
    # Sightline's own export, handed over a pipe; the validator parses it with ElementTree too.
    root = ET.fromstring(sys.stdin.buffer.read())  # noqa: S314  # nosec B314
    # The validator prints a line for any rule that raises; keep stdout for the results.
    with contextlib.redirect_stdout(io.StringIO()) as chatter:
        from cin_validator import cin_validator  # type: ignore[import-not-found]

        registry = importlib.import_module(f"cin_validator.rules.{ruleset}").registry
        data = cin_validator.process_data(cin_validator.convert_data(root))
        result = cin_validator.CinValidator(data, registry)
    out = []
    # A rule that raised checked nothing (2886Q divides by the number of children, so
    # it raises on an empty return): said so, rather than passed over in silence.
    for line in chatter.getvalue().splitlines():
        print(line, file=sys.stderr)
        if line.startswith("Error with rule "):
            code, _, why = line[len("Error with rule ") :].partition(": ")
            out.append(
                {
                    "la_child_id": "",
                    "rule": code,
                    "message": f"The validator could not run this rule on this return ({why})",
                    "field": "",
                    "not_run": True,
                }
            )
    report = result.user_report
    if len(report):
        for row in report.to_dict("records"):
            child = str(row.get("LAchildID", ""))
            table, column = (
                str(row.get("tables_affected", "")),
                str(row.get("columns_affected", "")),
            )
            out.append(
                {
                    "la_child_id": "" if child in ("nan", "<NA>", "None") else child,
                    "rule": str(row["rule_code"]),
                    "message": str(row["rule_description"]),
                    "field": "" if table in ("nan", "None") else f"{table}.{column}",
                }
            )
    # Rules about the whole return, with no child or field to point at.
    for row in result.multichild_issues.to_dict("records"):
        out.append(
            {
                "la_child_id": "",
                "rule": str(row["rule_code"]),
                "message": str(row["rule_description"]),
                "field": "",
            }
        )
    for item in out:
        print(json.dumps(item))
    return 0


if __name__ == "__main__":
    sys.exit(main())
