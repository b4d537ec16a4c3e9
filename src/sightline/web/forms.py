"""Forms, with error messages written the GOV.UK way: say what to do, no 'please'."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator

from sightline.web.child_selectors import Filters


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account has been switched off. Ask your administrator to switch it on.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"
        # Django's AuthenticationForm sets the username's max_length after the field is
        # made, so no validator checks it: an overlong username reached authenticate(),
        # and django-axes' record of the failure (255 characters) was a 500 on PostgreSQL.
        limit = self.username_field.max_length or 254  # as AuthenticationForm reckons it
        self.fields["username"].validators.append(
            MaxLengthValidator(limit, message=f"Username must be {limit} characters or fewer")
        )


class LinkDecisionForm(forms.Form):
    """Same person or not, and why: the why is read by whoever doubts it later."""

    decision = forms.ChoiceField(
        choices=[
            ("same", "The same person"),
            ("different", "Not the same person"),
        ],
        error_messages={"required": "Select whether these records are the same person"},
    )
    reason = forms.CharField(
        max_length=2000,
        strip=True,
        error_messages={
            "required": "Enter why you decided this",
            "max_length": "Reason must be 2,000 characters or fewer",
        },
    )


class PersonSearchForm(forms.Form):
    """Search by name or identifier, and a date of birth in the GOV.UK date input's three parts."""

    q = forms.CharField(
        label="Name, NHS number, UPN or Sightline id",
        required=False,
        max_length=200,
        strip=True,
    )
    dob_day = forms.IntegerField(required=False, min_value=1, max_value=31)
    dob_month = forms.IntegerField(required=False, min_value=1, max_value=12)
    dob_year = forms.IntegerField(required=False, min_value=1900, max_value=2100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for part in ("dob_day", "dob_month", "dob_year"):
            self.fields[part].error_messages = {
                "invalid": "Date of birth must be a real date, in numbers",
                "min_value": "Date of birth must be a real date",
                "max_value": "Date of birth must be a real date",
            }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        parts = [data.get("dob_day"), data.get("dob_month"), data.get("dob_year")]
        data["date_of_birth"] = None
        if any(p is not None for p in parts) and not self.errors:
            if not all(p is not None for p in parts):
                self.add_error("dob_day", "Date of birth must include a day, month and year")
            else:
                day, month, year = (int(p) for p in parts)  # type: ignore[arg-type]
                try:
                    data["date_of_birth"] = dt.date(year, month, day)
                except ValueError:
                    self.add_error("dob_day", "Date of birth must be a real date")
        if not self.errors and not data.get("q") and data["date_of_birth"] is None:
            self.add_error("q", "Enter a name, an identifier or a date of birth")
        return data


class PeriodForm(forms.Form):
    """A period, both ends optional and included, as ISO dates: what the filters share."""

    start = forms.DateField(
        label="From",
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "From must be a date like 2023-03-27"},
    )
    end = forms.DateField(
        label="To",
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "To must be a date like 2023-03-27"},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "To must be the same as or after From")
        return data


class ChronologyFilterForm(PeriodForm):
    """Which part of a chronology to look at; every choice is optional."""

    agency = forms.ChoiceField(label="Agency", required=False)
    type = forms.ChoiceField(label="Type of record", required=False)
    field_order = ["agency", "type", "start", "end"]

    def __init__(
        self, *args: Any, agencies: list[tuple[str, str]], types: list[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        agency = self.fields["agency"]
        kind = self.fields["type"]
        assert isinstance(agency, forms.ChoiceField) and isinstance(kind, forms.ChoiceField)
        agency.choices = [("", "All agencies"), *agencies]
        kind.choices = [("", "All types"), *((t, t.replace("_", " ")) for t in types)]

    def filters(self) -> Filters:
        """What a valid form asks to see, for the chronology's selector."""
        data = self.cleaned_data
        return Filters(
            agency=data["agency"] or None,
            type=data["type"] or None,
            start=data["start"],
            end=data["end"],
        )


class FlagDismissForm(forms.Form):
    reason = forms.CharField(
        label="Why does this flag need no action?",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={
            "required": "Enter why this flag needs no action",
            "max_length": "Why this flag needs no action must be 2,000 characters or fewer",
        },
    )


class FlagAcknowledgeForm(forms.Form):
    reason = forms.CharField(label="Note (optional)", required=False, max_length=2000)
