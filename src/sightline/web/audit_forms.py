"""Forms for break-glass access, who has looked at a record, and subject access exports."""

from __future__ import annotations

from typing import Any

from django import forms

from sightline.accounts.break_glass import (
    BreakGlassInvalid,
    break_glass_clean_id,
    break_glass_clean_reason,
)
from sightline.accounts.models import AccessLog
from sightline.web.forms import PeriodForm


class BreakGlassForm(forms.Form):
    """Which child, and why now: the reason is read by the managers it is reported to."""

    person = forms.CharField(
        label="The child's Sightline id",
        max_length=40,
        error_messages={"required": "Enter the child's Sightline id"},
    )
    reason = forms.CharField(
        label="Why do you need this child's record now?",
        widget=forms.Textarea,
        max_length=2000,
        strip=True,
        error_messages={
            "required": "Enter why you need this child's record now",
            "max_length": "The reason must be 2,000 characters or fewer",
        },
    )

    def clean_person(self) -> str:
        return self._checked("person", break_glass_clean_id)

    def clean_reason(self) -> str:
        return self._checked("reason", break_glass_clean_reason)

    def _checked(self, name: str, check: Any) -> str:
        # The service's own checks, so the form and the service can never disagree.
        try:
            return str(check(self.cleaned_data[name]))
        except BreakGlassInvalid as problem:
            raise forms.ValidationError(problem.message) from problem


class AccessLogFilterForm(PeriodForm):
    """Which looks to list: a period and what was done; every choice is optional."""

    action = forms.ChoiceField(
        label="What was done",
        required=False,
        choices=[("", "Everything"), *AccessLog.Action.choices],
    )
    break_glass = forms.BooleanField(label="Only break-glass access", required=False)


class SubjectAccessForm(forms.Form):
    person = forms.CharField(
        label="The person's Sightline id",
        max_length=40,
        strip=True,
        error_messages={"required": "Enter the person's Sightline id"},
    )

    def clean_person(self) -> str:
        return str(self.cleaned_data["person"]).upper()
