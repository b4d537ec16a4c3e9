"""Forms for plans and referrals to specialist services, with errors worded the GOV.UK way.

Dates are one text field with a hint ("for example, 27 3 2026") rather than
three: quicker to type for practitioners who record many of them, and each
error still names the field and what to do.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms

from sightline.casework.models import Plan, PlanMeeting, PlanOutcome, ServiceReferral

# The field makers are the front door's, so every form words its errors the same way.
from sightline.web.mash_forms import GovukForm, _radios, _text

NOTE_MAX = 5000
DATE_HINT = "For example, 27 3 2026"
# Day, month and year apart by spaces, slashes, dots or dashes; or an ISO date.
_DMY = re.compile(r"^\s*(\d{1,2})[\s/.\-]+(\d{1,2})[\s/.\-]+(\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


class DayField(forms.CharField):
    """A calendar date typed as day, month and year in one field."""

    def __init__(self, label: str, **kwargs: Any) -> None:
        self.name_in_errors = label
        super().__init__(
            label=label,
            max_length=20,
            error_messages={
                "required": f"Enter the {label.lower()}",
                "max_length": f"{label} must be a real date, like 27 3 2026",
            },
            **kwargs,
        )

    def clean(self, value: Any) -> dt.date | None:
        text = super().clean(value)
        if not text:
            return None
        if match := _DMY.match(text):
            day, month, year = (int(g) for g in match.groups())
        elif match := _ISO.match(text):
            year, month, day = (int(g) for g in match.groups())
        else:
            raise forms.ValidationError(
                f"{self.name_in_errors} must include a day, month and year, like 27 3 2026"
            )
        if not 1900 <= year <= 2100:
            raise forms.ValidationError(
                f"{self.name_in_errors} must have a year with 4 numbers, like 2026"
            )
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise forms.ValidationError(
                f"{self.name_in_errors} must be a real date, like 27 3 2026"
            ) from None


def day_text(day: dt.date) -> str:
    """A date as the forms above read it back: what a date field starts filled in with."""
    return f"{day.day} {day.month} {day.year}"


class PlanStartForm(GovukForm):
    kind = _radios("What kind of plan?", Plan.Kind.choices, required="Select the kind of plan")
    # Plan.category holds 40 characters: a longer one was a server error on PostgreSQL.
    category = _text("Category of abuse", max_length=40)
    started_on = DayField("Start date")
    outcomes = _text(
        "What is the plan for?",
        max_length=NOTE_MAX,
        required="Enter at least one outcome the plan is for",
    )

    radio_fields = ("kind",)

    def outcome_list(self) -> list[str]:
        """One outcome a line, as the hint asks."""
        return [line.strip() for line in self.cleaned_data["outcomes"].splitlines() if line.strip()]


class ActionAddForm(GovukForm):
    outcome = forms.TypedChoiceField(
        label="Which outcome is it towards?",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the outcome the action is towards",
            "invalid_choice": "Select the outcome the action is towards",
        },
    )
    description = _text(
        "What will be done?", max_length=NOTE_MAX, required="Enter what will be done"
    )
    owner = _text("Who will do it?", required="Enter who will do it")
    due_on = DayField("Due date")

    radio_fields = ("outcome",)

    def __init__(self, *args: Any, outcomes: list[PlanOutcome], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["outcome"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(o.pk, o.description) for o in outcomes]


class MeetingRecordForm(GovukForm):
    kind = _radios(
        "What kind of meeting?", PlanMeeting.Kind.choices, required="Select review or core group"
    )
    held_on = DayField("Date of the meeting")
    attended_by = _text("Who came?", max_length=NOTE_MAX)
    notes = _text("What was agreed?", max_length=NOTE_MAX)

    radio_fields = ("kind",)


class PlanEndForm(GovukForm):
    ending = _radios(
        "How does the plan end?", Plan.Ending.choices, required="Select how the plan ends"
    )
    ended_on = DayField("End date")
    reason = _text(
        "Why is the plan ending?", max_length=NOTE_MAX, required="Enter why the plan is ending"
    )
    review_note = _text("What did you make of what is still open?", max_length=NOTE_MAX)

    radio_fields = ("ending",)


class ReferralForm(GovukForm):
    service = _radios(
        "Which service?", ServiceReferral.Service.choices, required="Select the service"
    )
    reason = _text(
        "Why is the family being referred?",
        max_length=NOTE_MAX,
        required="Enter why the family is being referred",
    )

    radio_fields = ("service",)


# Waiting is where every referral starts; recording an outcome moves it on.
OUTCOMES = [c for c in ServiceReferral.Outcome.choices if c[0] != ServiceReferral.Outcome.WAITING]


class ReferralOutcomeForm(GovukForm):
    outcome = _radios("What came of it?", OUTCOMES, required="Select what came of the referral")
    outcome_on = DayField("Date of the outcome")
    note = _text("Anything to add?", max_length=NOTE_MAX)

    radio_fields = ("outcome",)
