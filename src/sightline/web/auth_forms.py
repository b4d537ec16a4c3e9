"""Forms of signing in beyond the password: the two-factor code, and changing a password."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm

from sightline.web.mash_forms import GovukForm


class CodeForm(GovukForm):
    """The 6-digit code an authenticator app shows; spaces people type are ignored."""

    token = forms.CharField(
        label="Code from your authenticator app",
        max_length=20,
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
    )

    def clean_token(self) -> str:
        code = "".join(self.cleaned_data["token"].split())
        if not (len(code) == 6 and code.isascii() and code.isdigit()):
            raise forms.ValidationError("Enter the code as 6 digits, like 123456")
        return code


class PasswordChangeForm(GovukForm, DjangoPasswordChangeForm):
    """Django's password change, checked by AUTH_PASSWORD_VALIDATORS, in GOV.UK words.

    A password that breaks a rule is reported on the new password field, where
    it was typed, not on the confirmation as Django does.
    """

    # Messages shown to the person, not passwords: bandit's B105 reads any string
    # under a key with "password" in its name as one.
    error_messages = {
        **DjangoPasswordChangeForm.error_messages,
        "password_incorrect": "Your current password is not right. Enter it again",  # nosec B105
        "password_mismatch": "Enter the same new password twice",  # nosec B105
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Current password"
        self.fields["old_password"].error_messages["required"] = "Enter your current password"
        self.fields["new_password1"].label = "New password"
        self.fields["new_password1"].error_messages["required"] = "Enter a new password"
        self.fields["new_password2"].label = "Confirm new password"
        self.fields["new_password2"].error_messages["required"] = "Enter the new password again"

    def clean(self) -> dict[str, Any]:
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        return self.cleaned_data
