"""Forms for case reviews and their findings, with errors worded the GOV.UK way.

Dates are GOV.UK date inputs: day, month and year as three fields, the error on
the group and linked from the summary to the day field, the field named in
every message.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from sightline.feeds.models import Agency
from sightline.reviews.models import CaseReview
from sightline.reviews.services import FINDING_MAX
from sightline.reviews.themes import theme_choices
from sightline.web.mash_forms import DateInput, GovukForm, _radios, _text

TERMS_MAX = 10000


def _day_parts() -> tuple[forms.CharField, forms.CharField, forms.CharField]:
    return (
        forms.CharField(label="Day", max_length=2, required=False),
        forms.CharField(label="Month", max_length=2, required=False),
        forms.CharField(label="Year", max_length=4, required=False),
    )


def _agencies() -> forms.ModelMultipleChoiceField[Agency]:
    return forms.ModelMultipleChoiceField(
        label="Agencies involved",
        queryset=Agency.objects.order_by("name", "code"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select agencies from the list"},
    )


class _StaffChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """Staff by their name, as the review's pages show the lead reviewer."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.get_username())


class DatesForm(GovukForm):
    """A form with GOV.UK date inputs: ``dates`` names each (field, label, hint, required)."""

    dates: tuple[tuple[str, str, str, bool], ...] = ()

    def date_inputs(self) -> dict[str, DateInput]:
        found = {}
        for name, label, hint, _required in self.dates:
            found[name] = self.date_input(name, label, hint)
        return found

    def _date(self, name: str, label: str, required: bool) -> dt.date | None:
        raw = [
            (self.data.get(self.add_prefix(f"{name}_{p}")) or "").strip()
            for p in ("day", "month", "year")
        ]
        where = f"{name}_day"
        if not any(raw):
            if required:
                self.add_error(where, f"Enter the {label.lower()}")
            return None
        if not all(raw):
            self.add_error(where, f"{label} must include a day, month and year")
            return None
        try:
            day, month, year = (int(p) for p in raw)
            if not 1900 <= year <= 2100:
                raise ValueError(year)
            return dt.date(year, month, day)
        except ValueError:
            self.add_error(where, f"{label} must be a real date, like 27 3 2026")
            return None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name, label, _hint, required in self.dates:
            data[name] = self._date(name, label, required)
        return data


class ReviewForm(DatesForm):
    """Opening a review, or changing one."""

    radio_fields = ("kind",)
    dates = (
        (
            "incident_on",
            "Date of the incident",
            "The serious harm or death that led to the review. For example, 27 3 2026",
            True,
        ),
        (
            "notified_on",
            "Date of the serious incident notification",
            "When the local authority notified the national panel. "
            "Needed for a rapid review's deadline",
            False,
        ),
        (
            "started_on",
            "Date the review started",
            "For a local review, the day it was decided to do it. Leave empty for today",
            False,
        ),
    )

    kind = _radios("Kind of review", CaseReview.Kind.choices, required="Select the kind of review")
    title = _text("Title", required="Enter a title for the review")
    incident_on_day, incident_on_month, incident_on_year = _day_parts()
    notified_on_day, notified_on_month, notified_on_year = _day_parts()
    started_on_day, started_on_month, started_on_year = _day_parts()
    lead_reviewer = _StaffChoiceField(
        label="Lead reviewer",
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="Nobody yet",
        error_messages={"invalid_choice": "Select the lead reviewer from the list"},
    )
    independent_reviewer = _text("Independent reviewer")
    terms_of_reference = _text("Terms of reference", max_length=TERMS_MAX)
    agencies = _agencies()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.filter(is_active=True, staff__isnull=False)
        field = self.fields["lead_reviewer"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = users.order_by("first_name", "last_name", "username")

    @staticmethod
    def initial_for(review: CaseReview) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "kind": review.kind,
            "title": review.title,
            "lead_reviewer": review.lead_reviewer_id,
            "independent_reviewer": review.independent_reviewer,
            "terms_of_reference": review.terms_of_reference,
            "agencies": list(review.agencies.values_list("pk", flat=True)),
        }
        for name in ("incident_on", "notified_on", "started_on"):
            day = getattr(review, name)
            if day is not None:
                initial.update(
                    {f"{name}_day": day.day, f"{name}_month": day.month, f"{name}_year": day.year}
                )
        return initial


class ChildAddForm(GovukForm):
    person = _text(
        "Person id", max_length=20, required="Enter the child's person id, like P-AB12CD34EF"
    )
    code = _text(
        "Code", max_length=8, required="Enter the letters that stand for the child, like AG"
    )


class StatusForm(GovukForm):
    radio_fields = ("status",)
    status = _radios("Status", CaseReview.Status.choices, required="Select the review's status")


class FindingForm(GovukForm):
    text = _text("Finding", max_length=FINDING_MAX, required="Enter the finding")
    themes = forms.MultipleChoiceField(
        label="Learning themes",
        choices=theme_choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Select at least one learning theme",
            "invalid_choice": "Select learning themes from the list",
        },
    )
    agencies = _agencies()
    radio_fields = ("themes", "agencies")


class ReviewFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "Any status"), *CaseReview.Status.choices], required=False
    )
    kind = forms.ChoiceField(choices=[("", "Any kind"), *CaseReview.Kind.choices], required=False)
