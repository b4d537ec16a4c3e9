"""The partnership's dashboard: figures as charts, tables and CSV, for the chosen filters.

Thin views over :mod:`sightline.reviews.dashboard`. Nothing here opens a
child's record: the figures are counts, and the only rule asked is
:func:`sightline.accounts.access.dashboard_may_view`. The filters travel in the
query string (a GET form), so a chart's image and a CSV download carry exactly
the filters of the page that links to them.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from typing import Any
from urllib.parse import urlencode

from csp.decorators import csp_replace
from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from sightline.accounts import access
from sightline.casework.timescales import months_add
from sightline.reviews.dashboard import (
    AGE_BANDS,
    FIGURES,
    SMALL,
    Figure,
    Filters,
    default_filters,
    figures_all,
    teams_for_filter,
)
from sightline.web.dashboard_chart import figure_svg
from sightline.web.mash_forms import GovukForm

# The outward part of a UK postcode: "NR30", "NR1", "SW1A", "W1".
DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")
# A chart of more months than this stops being readable.
MAX_MONTHS = 36


def _number(label: str, max_length: int) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=False,
        error_messages={"max_length": f"{label} must be {max_length} digits or fewer"},
    )


class DashboardFilterForm(GovukForm):
    """The months and the children the figures count. Every field may be left empty."""

    from_month = _number("Month", 2)
    from_year = _number("Year", 4)
    to_month = _number("Month", 2)
    to_year = _number("Year", 4)
    area = forms.CharField(
        label="Area (postcode district)",
        help_text="The first part of a postcode, for example NR30",
        max_length=8,
        required=False,
        error_messages={"max_length": "Area must be 8 characters or fewer"},
    )
    age_band = forms.ChoiceField(
        label="Age",
        required=False,
        choices=[("", "All ages"), *((key, label) for key, label, _, _ in AGE_BANDS)],
        error_messages={"invalid_choice": "Select an age from the list"},
    )
    team = forms.ChoiceField(
        label="Team",
        required=False,
        error_messages={"invalid_choice": "Select a team from the list"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.teams = {str(t.pk): t for t in teams_for_filter()}
        self.fields["team"].choices = [("", "All teams")] + [  # type: ignore[attr-defined]
            (pk, t.name) for pk, t in self.teams.items()
        ]

    def clean_area(self) -> str:
        area = " ".join(self.cleaned_data["area"].split()).upper()
        if area and not DISTRICT.match(area):
            raise forms.ValidationError(
                "Enter the area as the first part of a postcode, for example NR30"
            )
        return area

    def _month(self, prefix: str, words: str, default: dt.date) -> dt.date | None:
        month, year = (
            self.cleaned_data.get(f"{prefix}_month"),
            self.cleaned_data.get(f"{prefix}_year"),
        )
        if not month and not year:
            return default
        if not (month or "").isdigit() or not 1 <= int(month or 0) <= 12:
            self.add_error(f"{prefix}_month", f"{words} must include a month from 1 to 12")
            return None
        if not (year or "").isdigit() or not 2000 <= int(year or 0) <= 2100:
            self.add_error(f"{prefix}_year", f"{words} must include a year, for example 2025")
            return None
        return dt.date(int(year or 0), int(month or 0), 1)

    def filters(self) -> Filters | None:
        """The filters asked for, or None when the form has errors (shown on the page)."""
        if not self.is_valid():
            return None
        default = default_filters()
        given = {
            side: bool(
                self.cleaned_data.get(f"{side}_month") or self.cleaned_data.get(f"{side}_year")
            )
            for side in ("from", "to")
        }
        last = self._month("to", "The end of the period", default.end.replace(day=1))
        # Only an end given: the twelve months up to it, as by default up to today.
        from_default = months_add(last, -11) if last and given["to"] else default.start
        start = self._month("from", "The start of the period", from_default)
        if start is None or last is None:
            return None
        end = months_add(last, 1) - dt.timedelta(days=1) if given["to"] else default.end
        if end < start:
            self.add_error("to_month", "The end of the period must be after its start")
            return None
        months = (last.year - start.year) * 12 + last.month - start.month + 1
        if months > MAX_MONTHS:
            self.add_error("to_month", f"The period must be {MAX_MONTHS} months or fewer")
            return None
        return Filters(
            start=start,
            end=end,
            area=self.cleaned_data["area"],
            age_band=self.cleaned_data["age_band"],
            team=self.teams.get(self.cleaned_data["team"]),
        )


def _allowed(request: HttpRequest) -> None:
    if not access.dashboard_may_view(user=request.user):
        raise PermissionDenied("The dashboard is for partnership officers and team managers")


def _filters(request: HttpRequest) -> tuple[DashboardFilterForm, Filters | None]:
    form = DashboardFilterForm(request.GET)
    return form, form.filters()


@require_GET
def dashboard_page(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    form, filters = _filters(request)
    query = urlencode({k: v for k, v in request.GET.items() if k in form.fields and v})
    return render(
        request,
        "web/dashboard/dashboard.html",
        {
            "form": form,
            "filters": filters,
            "figures": figures_all(filters=filters) if filters else [],
            "query": query,
            "age_label": {k: label for k, label, _, _ in AGE_BANDS}.get(
                filters.age_band if filters else ""
            ),
            "small": SMALL,
        },
    )


def _figure(request: HttpRequest, figure: str) -> Figure | HttpResponse:
    """The figure for the query's filters, or a redirect to the page that names their errors."""
    _allowed(request)
    if figure not in FIGURES:
        raise Http404("No such figure")
    _, filters = _filters(request)
    if filters is None:
        return redirect(f"{reverse('web:dashboard')}?{request.GET.urlencode()}")
    return FIGURES[figure](filters)


@require_GET
def dashboard_csv(request: HttpRequest, figure: str) -> HttpResponse:
    """The figure's table as CSV: the same rows and the same words as the page."""
    shown = _figure(request, figure)
    if isinstance(shown, HttpResponse):
        return shown
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="sightline-{shown.slug}.csv"'
    writer = csv.writer(response)
    writer.writerows(shown.csv_rows())
    return response


# matplotlib styles its SVG with style attributes and a <style> element. The chart
# holds no script and no text a user typed (month names, fixed labels and numbers),
# so its own response, and no page, allows inline style and nothing else new: a
# browser may apply an image's policy to it, and the bars would lose their colours.
@require_GET
def _chart(request: HttpRequest, figure: str) -> HttpResponse:
    shown = _figure(request, figure)
    if isinstance(shown, HttpResponse):
        return shown
    return HttpResponse(figure_svg(shown), content_type="image/svg+xml")


# django-csp types a view as taking the request alone; this one also takes the figure.
dashboard_chart = csp_replace({"style-src": ["'unsafe-inline'"], "script-src": ["'none'"]})(
    _chart  # type: ignore[arg-type]
)
