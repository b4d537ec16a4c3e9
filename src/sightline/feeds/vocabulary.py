"""The controlled vocabularies of feed v1 (shared/spec/feed-v1.md), in one place.

The validator, the generator's tests and the web filters all read these, so a
new value is added once.
"""

from __future__ import annotations

from typing import Final

ROLES: Final = (
    "mother",
    "father",
    "parent",
    "step_parent",
    "carer",
    "partner_of_parent",
    "sibling",
    "half_sibling",
    "grandparent",
    "other_relative",
    "household_member",
    "victim",
    "perpetrator",
    "witness",
    "child",
    "other",
)
SEXES: Final = ("female", "male", "unknown")
SENSITIVITIES: Final = ("normal", "restricted")

RECORD_TYPES: Final = (
    "birth",
    "growth_measurement",
    "health_appointment",
    "unscheduled_care",
    "child_protection_medical",
    "school_attendance",
    "school_exclusion",
    "cause_for_concern",
    "police_incident",
    "adult_factor",
    "housing",
    "household_change",
    "concern_reported",
    "social_care_status",
    "note",
)

HEALTH_SERVICES: Final = (
    "gp",
    "health_visitor",
    "school_nurse",
    "midwifery",
    "paediatrics",
    "dental",
    "immunisation",
    "audiology",
    "ophthalmology",
    "mental_health",
    "other",
)
APPOINTMENT_OUTCOMES: Final = (
    "attended",
    "was_not_brought",
    "did_not_attend",
    "cancelled_by_family",
    "cancelled_by_service",
    "no_access",
)
CARE_SETTINGS: Final = (
    "emergency_department",
    "minor_injuries",
    "urgent_care",
    "out_of_hours",
    "ambulance",
)
CARE_REASONS: Final = ("injury", "illness", "ingestion", "other")
INJURY_KINDS: Final = (
    "fracture",
    "burn",
    "scald",
    "bruise",
    "laceration",
    "head_injury",
    "bite",
    "other",
)
EXPLANATIONS: Final = ("consistent", "inconsistent", "absent", "unknown")
CP_MEDICAL_OUTCOMES: Final = ("concerns_confirmed", "no_concerns", "inconclusive")
EXCLUSION_KINDS: Final = ("suspension", "permanent")
CONCERN_SETTINGS: Final = ("school", "early_years", "health", "other")
CONCERN_CATEGORIES: Final = (
    "hunger",
    "hygiene",
    "clothing",
    "injury",
    "supervision",
    "behaviour",
    "disclosure",
    "attendance",
    "other",
)
POLICE_CATEGORIES: Final = (
    "domestic_abuse",
    "child_welfare",
    "missing_child",
    "drugs",
    "violence",
    "antisocial_behaviour",
    "other",
)
POLICE_RISKS: Final = ("standard", "medium", "high")
ADULT_FACTORS: Final = (
    "domestic_abuse_victim",
    "domestic_abuse_perpetrator",
    "substance_misuse",
    "alcohol_misuse",
    "mental_health",
    "learning_disability",
)
ADULT_FACTOR_STATUSES: Final = ("identified", "in_treatment", "disengaged", "ended")
HOUSING_ISSUES: Final = (
    "poor_conditions",
    "overcrowding",
    "eviction_notice",
    "homeless",
    "hoarding",
    "other",
)
HOUSEHOLD_CHANGES: Final = ("joined", "left")
REPORTERS: Final = ("public", "professional", "family", "anonymous", "self")
CONTACT_CATEGORIES: Final = (
    "neglect",
    "physical",
    "emotional",
    "sexual",
    "domestic_abuse",
    "other",
)
CARE_STATUSES: Final = ("early_help", "child_in_need", "child_protection", "looked_after")
STATUS_CHANGES: Final = ("start", "end")
PLAN_CATEGORIES: Final = ("neglect", "physical", "emotional", "sexual", "multiple")
