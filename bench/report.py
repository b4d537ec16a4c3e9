"""Writing benchmark figures into docs/performance.md, one marked section per benchmark.

Each benchmark replaces only its own section, so running one does not erase
the figures of another.
"""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "performance.md"
HEADER = """# Performance

Figures measured by `make bench` on the machine named in each section. Targets
come from the issues; every figure below was measured, none is estimated. Run
`make bench` again to refresh them (sections are replaced one by one).
"""


def write_section(name: str, body: str) -> None:
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    text = DOC.read_text() if DOC.exists() else HEADER
    block = f"{start}\n{body.strip()}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    text = (
        pattern.sub(lambda _: block, text)
        if pattern.search(text)
        else text.rstrip() + "\n\n" + block + "\n"
    )
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text)
