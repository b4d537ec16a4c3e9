"""Forms for the front door and the MASH, with errors worded the GOV.UK way.

Each error names the field and says what to do. Every text field has a length
limit: the public form is open to anyone, so nothing one request sends is
unbounded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.validators import validate_email
from nhs_number.validate import is_valid as nhs_number_is_valid

from sightline.casework import timescales
from sightline.casework.models import Contact, TriageDecision
from sightline.casework.services import CONCERN_MAX_LENGTH, ContactDetails
from sightline.casework.timescales import local_day

YES_NO = [("yes", "Yes"), ("no", "No")]
TEXT_MAX = 200
ADDRESS_MAX = 1000


def _text(label: str, *, max_length: int = TEXT_MAX, required: str = "") -> forms.CharField:
    errors = {"max_length": f"{label} must be {max_length} characters or fewer"}
    if required:
        errors["required"] = required
    return forms.CharField(
        label=label, max_length=max_length, required=bool(required), error_messages=errors
    )


def _radios(label: str, choices: list[tuple[str, str]], *, required: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        error_messages={"required": required, "invalid_choice": required},
    )


class GovukForm(forms.Form):
    """A form that knows where each error's link in the error summary should point."""

    # Fields shown as one group whose first input carries the group's errors.
    radio_fields: tuple[str, ...] = ()

    def error_links(self) -> list[tuple[str, str]]:
        """Each error with the id it links to, in the order the fields stand on the page."""
        order = {name: i for i, name in enumerate(self.fields)}
        links: list[tuple[str, str]] = []
        for name, errors in sorted(self.errors.items(), key=lambda e: order.get(e[0], -1)):
            # The bound field's id carries the form's prefix, when a page holds several forms.
            anchor = self[name].auto_id if name in self.fields else f"id_{name}"
            if name in self.radio_fields:
                anchor += "_0"
            links.extend((anchor, str(e)) for e in errors)
        return links

    def date_input(self, name: str, label: str, hint: str) -> DateInput:
        """The fields ``{name}_day``, ``_month`` and ``_year`` as one GOV.UK date input."""
        parts = [self[f"{name}_{p}"] for p in ("day", "month", "year")]
        return DateInput(
            name=name,
            label=label,
            hint=hint,
            parts=list(zip(parts, DATE_WIDTHS, strict=True)),
            # On the group, from the day field: where the summary's link points.
            errors=[str(e) for e in parts[0].errors],
        )


# The GOV.UK date input's widths for its day, month and year.
DATE_WIDTHS = ("govuk-input--width-2", "govuk-input--width-2", "govuk-input--width-4")


@dataclass(frozen=True)
class DateInput:
    """One GOV.UK date input of a form, as web/_date_input.html draws it."""

    name: str
    label: str
    hint: str
    parts: list[tuple[forms.BoundField, str]]
    errors: list[str]


class ChildAndConcernForm(GovukForm):
    """The child and what happened: the same on the public form and a professional's referral."""

    child_given_name = _text("First name")
    child_family_name = _text("Last name")
    dob_day = forms.CharField(label="Day", max_length=2, required=False)
    dob_month = forms.CharField(label="Month", max_length=2, required=False)
    dob_year = forms.CharField(label="Year", max_length=4, required=False)
    child_age = _text("Age, if you do not know their date of birth", max_length=40)
    child_address = _text("Address", max_length=ADDRESS_MAX)
    child_school = _text("School, nursery or childminder", max_length=TEXT_MAX)
    concern = _text(
        "What happened, or what are you worried about?",
        max_length=CONCERN_MAX_LENGTH,
        required="Enter what happened or what you are worried about",
    )
    immediate_danger = _radios(
        "Is the child in immediate danger?",
        Contact.Danger.choices,
        required="Select whether the child is in immediate danger",
    )

    radio_fields: tuple[str, ...] = ("immediate_danger",)

    def dob_input(self) -> DateInput:
        """The date of birth as the template's GOV.UK date input draws it."""
        return self.date_input("dob", "Date of birth", "If you know it. For example, 27 3 2019")

    def _date_of_birth(self, data: dict[str, Any]) -> dt.date | None:
        parts = [(data.get(k) or "").strip() for k in ("dob_day", "dob_month", "dob_year")]
        if not any(parts):
            return None
        if not all(parts):
            self.add_error("dob_day", "Date of birth must include a day, month and year")
            return None
        try:
            day, month, year = (int(p) for p in parts)
            born = dt.date(year, month, day)
        except ValueError:
            self.add_error("dob_day", "Date of birth must be a real date, like 27 3 2019")
            return None
        if born > local_day(timescales.now()):
            self.add_error("dob_day", "Date of birth must be today or in the past")
            return None
        if year < 1900:
            self.add_error("dob_day", "Year of birth must be a year with 4 numbers, like 2019")
            return None
        return born

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["child_date_of_birth"] = self._date_of_birth(data)
        identifying = ("child_given_name", "child_family_name", "child_address", "child_school")
        if not any((data.get(k) or "").strip() for k in identifying) and not self.has_error(
            "child_given_name"
        ):
            self.add_error(
                "child_given_name",
                "Enter the child's name, or where they live or go to school, so we can find them",
            )
        return data

    def child_details(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "concern": d["concern"],
            "immediate_danger": d["immediate_danger"],
            "child_given_name": d.get("child_given_name", ""),
            "child_family_name": d.get("child_family_name", ""),
            "child_date_of_birth": d.get("child_date_of_birth"),
            "child_age": d.get("child_age", ""),
            "child_address": d.get("child_address", ""),
            "child_school": d.get("child_school", ""),
        }


REPORTER_TYPES = [
    (Contact.Source.PUBLIC.value, "A member of the public"),
    (Contact.Source.FAMILY.value, "A member of the child's family"),
    (Contact.Source.PROFESSIONAL.value, "A professional who works with children or families"),
]


class ConcernForm(ChildAndConcernForm):
    """The public form: anyone, signed in or not, named or anonymous."""

    reporter_type = _radios("Who are you?", REPORTER_TYPES, required="Select who you are")
    give_details = _radios(
        "Do you want to give your name and contact details?",
        YES_NO,
        required="Select yes if you want to give your name and contact details",
    )
    reporter_name = _text("Your full name")
    reporter_phone = _text("Phone number", max_length=40)
    # Checked in clean(), and only when the reporter chose to be named: an anonymous
    # reporter's half-typed details are dropped, never a reason to refuse the report.
    reporter_email = _text("Email address", max_length=254)
    reporter_relationship = _text("What are you to the child?")

    radio_fields = ("reporter_type", "give_details", "immediate_danger")
    # The order on the page, which the error summary follows.
    field_order = [
        "reporter_type",
        "give_details",
        "reporter_name",
        "reporter_phone",
        "reporter_email",
        "reporter_relationship",
    ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("give_details") == "yes":
            email = data.get("reporter_email", "")
            try:
                validate_email(email) if email else None
            except forms.ValidationError:
                self.add_error(
                    "reporter_email",
                    "Enter an email address in the correct format, like name@example.com",
                )
            if not data.get("reporter_name"):
                self.add_error("reporter_name", "Enter your full name, or choose not to give it")
            if not (data.get("reporter_phone") or data.get("reporter_email")) and not (
                self.has_error("reporter_email")
            ):
                self.add_error(
                    "reporter_phone", "Enter a phone number or email address so we can contact you"
                )
        return data

    @property
    def anonymous(self) -> bool:
        return self.cleaned_data.get("give_details") != "yes"

    def details(self) -> ContactDetails:
        d = self.cleaned_data
        # An anonymous reporter's answers about themselves are dropped, not kept
        # half-filled: they chose not to be identified.
        named = not self.anonymous
        return ContactDetails(
            anonymous=not named,
            reporter_name=d.get("reporter_name", "") if named else "",
            reporter_phone=d.get("reporter_phone", "") if named else "",
            reporter_email=d.get("reporter_email", "") if named else "",
            reporter_relationship=d.get("reporter_relationship", ""),
            **self.child_details(),
        )


class ReferralForm(ChildAndConcernForm):
    """A signed-in professional's referral: who they are comes from their account."""

    child_nhs_number = forms.CharField(
        label="NHS number",
        max_length=12,
        required=False,
        error_messages={"max_length": "NHS number must be 10 digits"},
    )
    reporter_phone = _text(
        "Your phone number",
        max_length=40,
        required="Enter a phone number the MASH can reach you on",
    )
    family_aware = _radios(
        "Does the family know you are making this referral?",
        [*YES_NO, ("not_told", "No, and telling them could put the child at risk")],
        required="Select whether the family knows you are making this referral",
    )

    radio_fields = ("immediate_danger", "family_aware")
    field_order = [
        "reporter_phone",
        "child_given_name",
        "child_family_name",
        "dob_day",
        "dob_month",
        "dob_year",
        "child_nhs_number",
    ]

    def clean_child_nhs_number(self) -> str:
        digits = "".join((self.cleaned_data.get("child_nhs_number") or "").split())
        if digits and not (digits.isdigit() and len(digits) == 10 and nhs_number_is_valid(digits)):
            raise forms.ValidationError(
                "NHS number must be 10 digits that pass the NHS number check; leave it blank"
                " if you are not sure"
            )
        return digits

    def details(self, *, user: Any) -> ContactDetails:
        staff = getattr(user, "staff", None)
        return ContactDetails(
            reporter_name=user.get_full_name() or user.get_username(),
            reporter_phone=self.cleaned_data["reporter_phone"],
            reporter_email=user.email,
            reporter_agency=staff.agency.name if staff is not None and staff.agency else "",
            reporter_job_title=staff.job_title if staff is not None else "",
            child_nhs_number=self.cleaned_data.get("child_nhs_number", ""),
            family_aware=self.cleaned_data["family_aware"],
            **self.child_details(),
        )


class TriageForm(GovukForm):
    outcome = _radios(
        "What is your decision?", TriageDecision.Outcome.choices, required="Select a decision"
    )
    reason = _text(
        "Why?",
        max_length=CONCERN_MAX_LENGTH,
        required="Enter the reason for your decision",
    )

    radio_fields = ("outcome",)
