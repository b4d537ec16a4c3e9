"""The statutory returns: the DfE Children in Need census, its XML and its findings."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from sightline.accounts import access
from sightline.reviews.census import (
    CensusError,
    CensusYear,
    census_build,
    census_export,
    census_year,
)
from sightline.reviews.census_validate import (
    ValidatorUnavailable,
    census_errors,
    census_validate,
)


class CensusYearForm(forms.Form):
    year = forms.CharField(
        label="Census year",
        help_text="The year it ends in: 2026 is 1 April 2025 to 31 March 2026",
        max_length=4,
    )

    def clean_year(self) -> CensusYear:
        try:
            return census_year(self.cleaned_data["year"])
        except CensusError as exc:
            raise forms.ValidationError(f"Census year: {exc.message}") from None


def _allowed(request: HttpRequest) -> None:
    if not access.returns_may_view(user=request.user):
        raise PermissionDenied(
            "The statutory returns are for partnership officers and administrators"
        )


def _latest_complete_year() -> int:
    today = timezone.localdate()
    return today.year if today.month >= 4 else today.year - 1


def cin_census_page(request: HttpRequest) -> HttpResponse:
    """Pick a year; see the return's children, what was left out, and the DfE's findings.

    Not access-logged: see :func:`sightline.reviews.census.census_export` for why
    showing and checking the return is not a look at each child's record.
    """
    _allowed(request)
    form = CensusYearForm(request.GET if "year" in request.GET else None)
    context: dict[str, object] = {"form": form, "default_year": _latest_complete_year()}
    if form.is_bound and form.is_valid():
        census = census_build(year=form.cleaned_data["year"])
        context["census"] = census
        if "check" in request.GET:
            try:
                findings = census_validate(xml=census.xml, year=census.year)
            except ValidatorUnavailable as exc:
                context["unavailable"] = str(exc)
            else:
                context["findings"] = findings
                context["errors"] = census_errors(findings)
                context["queries"] = [f for f in findings if f.is_query and not f.not_run]
    return render(request, "web/returns/cin_census.html", context)


def cin_census_xml(request: HttpRequest) -> HttpResponse:
    """The return as the XML the DfE's collection takes; each child in it is access-logged."""
    _allowed(request)
    form = CensusYearForm(request.GET)
    if not form.is_valid():
        return cin_census_page(request)
    census = census_export(
        year=form.cleaned_data["year"],
        user=request.user,
        path=request.get_full_path(),
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    response = HttpResponse(census.xml, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cin-census-{census.year.year}.xml"'
    return response
