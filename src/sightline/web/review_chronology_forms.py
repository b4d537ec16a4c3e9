"""Forms for a review's chronology and its published summary."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from sightline.web.forms import PeriodForm
from sightline.web.mash_forms import GovukForm

MAX_SHIFT_DAYS = 3650


class ReviewChronologyForm(PeriodForm, GovukForm):
    """The window, whether to anonymise, and whether to keep the dates or shift them."""

    radio_fields = ("anonymise", "dates")

    anonymise = forms.ChoiceField(
        label="Anonymise the chronology?",
        choices=[("yes", "Yes: pseudonyms, names and identifiers taken out"), ("no", "No")],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select whether to anonymise the chronology",
            "invalid_choice": "Select whether to anonymise the chronology",
        },
    )
    dates = forms.ChoiceField(
        label="Dates",
        choices=[("keep", "Keep the dates as recorded"), ("shift", "Shift every date")],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select whether to keep or shift the dates",
            "invalid_choice": "Select whether to keep or shift the dates",
        },
    )
    shift_days = forms.IntegerField(
        label="Shift every date by this many days (negative for earlier)",
        required=False,
        min_value=-MAX_SHIFT_DAYS,
        max_value=MAX_SHIFT_DAYS,
        error_messages={
            "invalid": "Shift must be a whole number of days, like 30 or -30",
            "min_value": f"Shift must be {MAX_SHIFT_DAYS} days or fewer either way",
            "max_value": f"Shift must be {MAX_SHIFT_DAYS} days or fewer either way",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("start", "end"):
            self.fields[name].required = True
        self.fields["start"].error_messages["required"] = "Enter the first day, From"
        self.fields["end"].error_messages["required"] = "Enter the last day, To"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        shifting = data.get("dates") == "shift"
        if shifting and not data.get("shift_days") and "shift_days" not in self.errors:
            self.add_error("shift_days", "Enter how many days to shift the dates by")
        return data

    @property
    def shift(self) -> int:
        return (
            int(self.cleaned_data.get("shift_days") or 0)
            if self.cleaned_data["dates"] == "shift"
            else 0
        )

    @property
    def window(self) -> tuple[dt.date, dt.date]:
        return self.cleaned_data["start"], self.cleaned_data["end"]


class PublicationForm(GovukForm):
    published_title = forms.CharField(
        label="Title for publication (optional)",
        required=False,
        max_length=200,
        error_messages={"max_length": "The title must be 200 characters or fewer"},
    )
    published_summary = forms.CharField(
        label="Summary for publication",
        required=False,
        max_length=50_000,
        widget=forms.Textarea,
        error_messages={"max_length": "The summary must be 50,000 characters or fewer"},
    )
