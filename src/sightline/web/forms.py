"""Forms, with error messages written the GOV.UK way: say what to do, no 'please'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm


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
