"""A review chronology or published review as CSV, a standalone HTML document, or PDF.

The PDF is WeasyPrint's rendering of the very HTML document the HTML export
gives, so the two cannot disagree; the CSV has one row an event under a header.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.template.loader import render_to_string

from sightline.reviews.chronology import ReviewChronology

CSV_HEADER = (
    "date",
    "time",
    "agency",
    "about",
    "relationship_to_child",
    "type",
    "summary",
    "details",
)
FORMATS = ("csv", "html", "pdf")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}


def chronology_csv(chronology: ReviewChronology) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for r in chronology.rows:
        writer.writerow(
            [
                r.on.isoformat(),
                f"{r.at:%H:%M}" if r.at else "",
                r.agency,
                r.about,
                r.relationship,
                r.type,
                spreadsheet_text(r.summary),
                spreadsheet_text(r.details),
            ]
        )
    return out.getvalue().encode("utf-8")


def spreadsheet_text(text: str) -> str:
    """Free text that a spreadsheet would run as a formula is kept as text (OWASP CSV injection).

    Every CSV of the reviews app that holds typed text writes it through this.
    """
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def chronology_html(chronology: ReviewChronology, *, review: Any = None) -> str:
    return render_to_string(
        "reviews/chronology_document.html", {"chronology": chronology, "review": review}
    )


def html_pdf(html: str) -> bytes:
    """The document as PDF; imported late because WeasyPrint loads Pango when imported."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def chronology_export(chronology: ReviewChronology, fmt: str, *, review: Any = None) -> bytes:
    if fmt == "csv":
        return chronology_csv(chronology)
    html = chronology_html(chronology, review=review)
    if fmt == "html":
        return html.encode("utf-8")
    if fmt == "pdf":
        return html_pdf(html)
    raise ValueError(f"format: {fmt!r} is not one of {', '.join(FORMATS)}")
