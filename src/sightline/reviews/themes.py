"""The learning themes: what case reviews keep finding, as a catalogue findings are tagged with.

The list is the partnership's domain notes' ("Themes case reviews keep finding",
``shared/design/domain.md``), each described in Sightline's own words. The
sources are the ones those notes name: the triennial analyses of serious case
reviews by Brandon et al. (for the Department for Education), the NSPCC's
learning briefings from case reviews, and the annual reports of the Child
Safeguarding Practice Review Panel. A theme's id is what a finding stores, so
ids never change once findings carry them.
"""

from __future__ import annotations

from dataclasses import dataclass

BRANDON = "Brandon et al., triennial analyses of serious case reviews (DfE)"
NSPCC = "NSPCC learning briefings from case reviews"
PANEL = "Child Safeguarding Practice Review Panel, annual reports"


@dataclass(frozen=True)
class Theme:
    id: str
    title: str
    description: str
    sources: tuple[str, ...]

    @property
    def source(self) -> str:
        return "; ".join(self.sources)


THEMES: tuple[Theme, ...] = (
    Theme(
        "was-not-brought",
        "Was not brought",
        "Appointments the child depended on an adult to take them to were missed, and the "
        "missed care was recorded as the child's non-attendance rather than followed up.",
        (NSPCC, PANEL),
    ),
    Theme(
        "cumulative-harm",
        "Cumulative harm",
        "Many concerns, each low-level on its own, were dealt with one at a time, so the harm "
        "they added up to over months or years was not seen.",
        (BRANDON, NSPCC),
    ),
    Theme(
        "rule-of-optimism",
        "The rule of optimism",
        "Professionals read what they saw in the most hopeful light, giving weight to small "
        "improvements and too little to what still put the child at risk.",
        (BRANDON, PANEL),
    ),
    Theme(
        "disguised-compliance",
        "Disguised compliance",
        "Parents appeared to cooperate with professionals, which reassured them and drew "
        "attention away from whether anything was changing for the child.",
        (BRANDON, NSPCC),
    ),
    Theme(
        "start-again-syndrome",
        "Start-again syndrome",
        "Each new worker, plan or referral started afresh, without the history, so the "
        "pattern in what was already known was lost.",
        (BRANDON,),
    ),
    Theme(
        "hidden-men",
        "Hidden or invisible men",
        "Men in the child's life (fathers, partners, visitors to the home) were not known "
        "about, not assessed, or not involved, although they mattered to the child's safety.",
        (PANEL, NSPCC),
    ),
    Theme(
        "voice-of-the-child",
        "The voice of the child",
        "The child was not seen, not seen alone, or not asked; what their behaviour and "
        "presentation said about their daily life was not heard.",
        (BRANDON, NSPCC, PANEL),
    ),
    Theme(
        "drift-and-delay",
        "Drift and delay",
        "Plans went on without progress and decisions waited, while the child lived with "
        "the same neglect.",
        (BRANDON, PANEL),
    ),
    Theme(
        "poor-information-sharing",
        "Poor information sharing",
        "Agencies each held part of the picture and did not bring it together, so no one saw "
        "what all of them knew.",
        (BRANDON, NSPCC, PANEL),
    ),
    Theme(
        "toxic-trio",
        "The toxic trio",
        "Domestic abuse, parental mental ill-health and parental substance misuse in the "
        "household together, each seen by a different service.",
        (BRANDON, NSPCC),
    ),
    Theme(
        "professional-disagreement",
        "Unresolved professional disagreement and escalation",
        "A professional disagreed with a decision about the child but the disagreement was "
        "not escalated or not resolved.",
        (BRANDON, PANEL),
    ),
    Theme(
        "step-down-then-harm",
        "Step-down followed by harm",
        "A child protection or child in need plan was ended or stepped down to a lower level "
        "of help, and the child was harmed soon after.",
        (PANEL, NSPCC),
    ),
)

THEME_BY_ID: dict[str, Theme] = {t.id: t for t in THEMES}


def theme_get(theme_id: str) -> Theme | None:
    return THEME_BY_ID.get(theme_id)


def theme_choices() -> list[tuple[str, str]]:
    return [(t.id, t.title) for t in THEMES]
