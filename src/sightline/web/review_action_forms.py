"""Forms for a review's recommendations and actions, and the tracker's filters.

Each form checks only what a browser could get wrong (a choice, a date, a
length); the rules (done needs evidence, a due date not before the review
started) are the services', whose errors the views put by the field they name.
"""

from __future__ import annotations

from typing import Any

from django import forms

from sightline.feeds.models import Agency
from sightline.reviews.action_selectors import PARTNERSHIP
from sightline.reviews.actions import OWNER_MAX, TEXT_MAX
from sightline.reviews.models import CaseReview, Recommendation, ReviewAction
from sightline.web.mash_forms import GovukForm, _radios, _text
from sightline.web.plan_forms import DayField

PARTNERSHIP_LABEL = "The partnership as a whole"


def _choice(label: str, *, required: str = "") -> forms.ChoiceField:
    errors = {"invalid_choice": f"Select one of the options for {label.lower()}"}
    if required:
        errors["required"] = required
    return forms.ChoiceField(label=label, required=bool(required), error_messages=errors)


class RecommendationForm(GovukForm):
    text = _text("The recommendation", max_length=TEXT_MAX, required="Enter the recommendation")
    owner = _choice(
        "Who owns it?", required="Select the agency that owns it, or the partnership as a whole"
    )

    def __init__(self, *args: Any, agencies: list[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", "Select an owner"),
            (PARTNERSHIP, PARTNERSHIP_LABEL),
            *((a.code, str(a)) for a in agencies),
        ]


class ActionAddForm(GovukForm):
    recommendation = forms.TypedChoiceField(
        label="Which recommendation is it towards?",
        coerce=int,
        error_messages={
            "required": "Select the recommendation the action is towards",
            "invalid_choice": "Select the recommendation the action is towards",
        },
    )
    description = _text(
        "What will be done?", max_length=TEXT_MAX, required="Enter what will be done"
    )
    owner = _text("Who owns it?", max_length=OWNER_MAX, required="Enter who owns the action")
    due_on = DayField("Due date")

    def __init__(self, *args: Any, recommendations: list[Recommendation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["recommendation"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", "Select a recommendation"),
            *((r.pk, f"Recommendation {r.number}") for r in recommendations),
        ]


class ActionUpdateForm(GovukForm):
    status = _radios(
        "Where does the action stand?",
        ReviewAction.Status.choices,
        required="Select where the action stands",
    )
    completed_on = DayField("Date it was done", required=False)
    evidence = _text("Evidence that it was done", max_length=TEXT_MAX)
    reason = _text("Why it was dropped", max_length=TEXT_MAX)
    note = _text("Note on progress", max_length=TEXT_MAX)

    radio_fields = ("status",)


class ActionRescheduleForm(GovukForm):
    due_on = DayField("New due date")
    reason = _text(
        "Why is the due date changing?",
        max_length=TEXT_MAX,
        required="Enter why the due date is changing",
    )


class TrackerFilterForm(GovukForm):
    """Which actions the tracker lists; every filter is optional."""

    agency = _choice("Owning agency")
    status = _choice("Status")
    overdue = forms.BooleanField(label="Only overdue actions", required=False)
    review = _choice("Review")

    def __init__(
        self, *args: Any, agencies: list[Agency], reviews: list[CaseReview], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choices: dict[str, list[tuple[str, str]]] = {
            "agency": [
                ("", "All agencies"),
                (PARTNERSHIP, PARTNERSHIP_LABEL),
                *((a.code, str(a)) for a in agencies),
            ],
            "status": [("", "Any status"), *ReviewAction.Status.choices],
            "review": [("", "All reviews"), *((r.reference, r.reference) for r in reviews)],
        }
        for name, options in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = options
