"""Audit requirements.lock for known vulnerabilities with pip-audit, and say plainly when it cannot.

pip-audit asks a vulnerability service about each pinned package: by default PyPI's
JSON API (``/pypi/NAME/VERSION/json``, which carries each release's advisories from
the Python Packaging Advisory Database), or OSV. Where neither answers, pip-audit
itself reports "No known vulnerabilities found" and exits 0 while having checked
nothing, because every package is merely "skipped". This wrapper reads pip-audit's
JSON report and tells the three cases apart:

- known vulnerabilities: listed, exit 1 (CI fails);
- the service answered for no package (no network to it): a clear NOT AUDITED
  message, exit 0, so CI does not fail for want of a network it was never given;
  ``SIGHTLINE_REQUIRE_AUDIT=1`` turns that into a failure where the service is reachable;
- some packages answered and some not: the audited ones count, the rest are named.

Usage: python tools/audit_dependencies.py requirements.lock
"""

from __future__ import annotations

import json
import os
import subprocess  # nosec B404 - runs pip-audit, a fixed program, with a fixed argument list
import sys
from pathlib import Path


def audit(lock: Path) -> int:
    command = [
        str(Path(sys.executable).with_name("pip-audit")),
        "--requirement",
        str(lock),
        # The lock pins every package with hashes: nothing to resolve or install.
        "--no-deps",
        "--disable-pip",
        "--format",
        "json",
        "--progress-spinner",
        "off",
    ]
    # A fixed program and argument list; no shell parses it.
    done = subprocess.run(  # noqa: S603  # nosec B603
        command, capture_output=True, text=True, timeout=600, check=False
    )
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        print(done.stderr.strip(), file=sys.stderr)
        print(f"pip-audit: NOT AUDITED: pip-audit failed (exit {done.returncode})")
        return 1 if os.environ.get("SIGHTLINE_REQUIRE_AUDIT") else 0
    deps = report.get("dependencies", [])
    skipped = [d for d in deps if "skip_reason" in d]
    audited = [d for d in deps if "skip_reason" not in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    for d in vulnerable:
        for v in d["vulns"]:
            fixed = ", ".join(v.get("fix_versions", [])) or "no fixed version yet"
            print(f"pip-audit: {d['name']} {d['version']}: {v['id']} (fixed in {fixed})")
    if vulnerable:
        print(f"pip-audit: {len(vulnerable)} of {len(audited)} audited packages are vulnerable")
        return 1
    if not audited:
        first = skipped[0]["skip_reason"] if skipped else "-"
        print(
            f"pip-audit: NOT AUDITED: the vulnerability service answered for none of the "
            f"{len(deps)} packages in {lock} (first: {first}). This machine cannot reach "
            "PyPI's per-release advisories or OSV; run `make security` where it can."
        )
        return 1 if os.environ.get("SIGHTLINE_REQUIRE_AUDIT") else 0
    print(f"pip-audit: no known vulnerabilities in {len(audited)} packages of {lock}")
    if skipped:
        names = ", ".join(f"{d['name']} {d.get('version', '')}".strip() for d in skipped)
        print(f"pip-audit: not audited ({len(skipped)}): {names}")
    return 0


if __name__ == "__main__":
    sys.exit(audit(Path(sys.argv[1] if len(sys.argv) > 1 else "requirements.lock")))
