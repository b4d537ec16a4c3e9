"""Forms for the shared neglect assessment: one contribution, and the agreed grades."""

from __future__ import annotations

from typing import Any

from django import forms

from sightline.casework.assessments.services import Grading
from sightline.casework.models import GRADE_WORDS, CareArea
from sightline.web.mash_forms import GovukForm, _radios

TEXT_MAX = 4000
GRADE_CHOICES = [(str(g), f"{g}: {words}") for g, words in GRADE_WORDS.items()]


def _area_text(label: str, *, required: str = "") -> forms.CharField:
    errors = {"max_length": f"{label} must be {TEXT_MAX:,} characters or fewer"}
    if required:
        errors["required"] = required
    return forms.CharField(
        label=label,
        max_length=TEXT_MAX,
        required=bool(required),
        strip=True,
        widget=forms.Textarea,
        error_messages=errors,
    )


class ContributionForm(GovukForm):
    """What one practitioner sees in one area of the child's care."""

    radio_fields = ("area", "grade")

    area = _radios("Which area of care", list(CareArea.choices), required="Select the area of care")
    grade = _radios("Grade", GRADE_CHOICES, required="Select a grade from 1 to 5")
    evidence = _area_text(
        "What you have seen or been told", required="Enter the evidence for this grade"
    )
    working_well = _area_text("What is working well")
    worries = _area_text("What you are worried about")
    needs_to_happen = _area_text("What needs to happen")

    def grading(self) -> tuple[str, Grading]:
        d = self.cleaned_data
        return d["area"], Grading(
            grade=int(d["grade"]),
            evidence=d["evidence"],
            working_well=d["working_well"],
            worries=d["worries"],
            needs_to_happen=d["needs_to_happen"],
        )


class CompleteForm(GovukForm):
    """The agreed grade and its evidence for every area, and a summary: closes the assessment."""

    summary = _area_text("Summary of the assessment")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        radios = []
        for area, label in CareArea.choices:
            # Field names match the service's error fields: "<area>-grade".
            self.fields[f"{area}-grade"] = _radios(
                f"{label}: agreed grade",
                GRADE_CHOICES,
                required=f"Select a grade for {label.lower()}",
            )
            self.fields[f"{area}-evidence"] = _area_text(
                f"{label}: the evidence for it",
                required=f"Enter the evidence for the {label.lower()} grade",
            )
            radios.append(f"{area}-grade")
        self.radio_fields = tuple(radios)

    def areas(self) -> list[tuple[str, Any, Any]]:
        """(label, grade field, evidence field) for each area, in the order they are shown."""
        return [
            (label, self[f"{area}-grade"], self[f"{area}-evidence"])
            for area, label in CareArea.choices
        ]

    def gradings(self) -> dict[str, Grading]:
        d = self.cleaned_data
        return {
            area: Grading(grade=int(d[f"{area}-grade"]), evidence=d[f"{area}-evidence"])
            for area in CareArea.values
        }
