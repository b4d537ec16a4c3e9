"""Validation of one feed v1 record, reporting every problem with its field path.

The schema is written with pydantic (one model per record type) because it
collects every error in one pass with its location, and validates in compiled
code. What pydantic cannot know (a date in the future relative to receipt, an
NHS number's check digit, a date before birth) is checked afterwards in
:func:`validate_record`, which also sorts problems into *reasons* (the line is
rejected) and *warnings* (it is accepted, and the warning travels with it).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any

from nhs_number.validate import is_valid as nhs_number_is_valid
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    model_validator,
)
from stdnum.gb import upn as upn_check

from sightline.feeds import vocabulary as v

AGENCY_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
# The shapes of UK postcodes (BS 7666): outward code, then inward digit and two letters.
POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})$")


def _one_of(choices: tuple[str, ...]) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in choices:
            raise ValueError(f"{value!r} is not one of: {', '.join(choices)}")
        return value

    return check


def Choice(choices: tuple[str, ...]) -> Any:
    return Annotated[StrictStr, AfterValidator(_one_of(choices))]


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: str) -> dt.date:
    # fromisoformat alone would also take week dates and basic formats (20190714).
    if not _DATE.fullmatch(value):
        raise ValueError(f"{value!r} is not an ISO 8601 date such as 2019-07-14")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a real date ({exc})") from None


def _iso_datetime(value: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"{value!r} is not an ISO 8601 date-time such as 2019-07-14T21:05:00+01:00"
        ) from None
    if "T" not in value and " " not in value:
        raise ValueError(f"{value!r} is a date; a date-time with an offset is needed here")
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset (add one, such as +01:00 or Z)")
    return parsed


def _date_or_datetime(value: str) -> str:
    if _DATE.fullmatch(value):
        _iso_date(value)
    else:
        try:
            _iso_datetime(value)
        except ValueError:
            raise ValueError(
                f"{value!r} is neither an ISO 8601 date (2019-07-14) nor a date-time with"
                " offset (2019-07-14T21:05:00+01:00)"
            ) from None
    return value


def _finite_positive(value: float) -> float:
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{value!r} must be a number above zero")
    return value


def _needs_text(parse: Callable[[str], Any]) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError(f"{value!r} must be written as a string")
        return parse(value)

    return check


IsoDate = Annotated[dt.date, BeforeValidator(_needs_text(_iso_date))]
IsoDateTime = Annotated[dt.datetime, BeforeValidator(_needs_text(_iso_datetime))]
DateOrDateTime = Annotated[StrictStr, AfterValidator(_date_or_datetime)]
Measure = Annotated[float, AfterValidator(_finite_positive)]


def _agency_code(value: str) -> str:
    if not AGENCY_CODE.match(value):
        raise ValueError(
            f"{value!r} is not an agency code: 2 to 64 lower-case letters, digits and hyphens,"
            " starting with a letter or digit, such as nhs-acute-gyh"
        )
    return value


Count = Annotated[StrictInt, Field(ge=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True, frozen=True)


class Person(_Strict):
    local_id: Annotated[StrictStr, Field(min_length=1, max_length=128)]
    nhs_number: StrictStr | None = None
    upn: StrictStr | None = None
    given_name: StrictStr | None = None
    family_name: StrictStr | None = None
    other_names: list[StrictStr] | None = None
    date_of_birth: IsoDate | None = None
    expected_date_of_birth: IsoDate | None = None
    sex: Choice(v.SEXES) | None = None  # type: ignore[valid-type]
    postcode: StrictStr | None = None
    address: StrictStr | None = None

    @model_validator(mode="after")
    def _identifiable(self) -> Person:
        if not (self.given_name or self.family_name or self.nhs_number or self.upn):
            raise ValueError("a person must carry at least one of: a name, an NHS number, a UPN")
        return self


class Related(_Strict):
    role: Choice(v.ROLES)  # type: ignore[valid-type]
    person: Person


class Envelope(_Strict):
    agency: Annotated[StrictStr, AfterValidator(_agency_code)]
    record_id: Annotated[StrictStr, Field(min_length=1, max_length=128)]
    record_version: Annotated[StrictInt, Field(ge=1)] = 1
    type: Choice(v.RECORD_TYPES)  # type: ignore[valid-type]
    occurred_at: DateOrDateTime
    recorded_at: IsoDateTime | None = None
    subject: Person
    related: list[Related] | None = None
    details: dict[str, Any] | None = None
    summary: Annotated[StrictStr, Field(max_length=20_000)] | None = None
    sensitivity: Choice(v.SENSITIVITIES) = "normal"  # type: ignore[valid-type]


# ---- details, one model per record type -------------------------------------------


class Birth(_Strict):
    birth_weight_kg: Measure
    gestation_weeks: Annotated[float, Field(gt=0, le=50)]


class Growth(_Strict):
    weight_kg: Measure | None = None
    height_cm: Measure | None = None
    head_circumference_cm: Measure | None = None

    @model_validator(mode="after")
    def _one_measure(self) -> Growth:
        if self.weight_kg is None and self.height_cm is None and self.head_circumference_cm is None:
            raise ValueError(
                "at least one of weight_kg, height_cm, head_circumference_cm is needed"
            )
        return self


class Appointment(_Strict):
    service: Choice(v.HEALTH_SERVICES)  # type: ignore[valid-type]
    outcome: Choice(v.APPOINTMENT_OUTCOMES)  # type: ignore[valid-type]


class Injury(_Strict):
    kind: Choice(v.INJURY_KINDS)  # type: ignore[valid-type]
    site: StrictStr | None = None
    explanation: Choice(v.EXPLANATIONS) | None = None  # type: ignore[valid-type]


class UnscheduledCare(_Strict):
    setting: Choice(v.CARE_SETTINGS)  # type: ignore[valid-type]
    reason: Choice(v.CARE_REASONS)  # type: ignore[valid-type]
    injury: Injury | None = None
    independently_mobile: StrictBool | None = None
    admitted: StrictBool | None = None


class CPMedical(_Strict):
    outcome: Choice(v.CP_MEDICAL_OUTCOMES)  # type: ignore[valid-type]
    findings: list[StrictStr] | None = None


class Attendance(_Strict):
    period_start: IsoDate
    period_end: IsoDate
    sessions_possible: Count
    sessions_attended: Count
    unauthorised_absence_sessions: Count | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Attendance:
        problems = []
        if self.sessions_attended > self.sessions_possible:
            problems.append(
                f"sessions_attended ({self.sessions_attended}) is more than sessions_possible"
                f" ({self.sessions_possible})"
            )
        absent = self.sessions_possible - self.sessions_attended
        if self.unauthorised_absence_sessions is not None and (
            self.unauthorised_absence_sessions > max(absent, 0)
        ):
            problems.append(
                f"unauthorised_absence_sessions ({self.unauthorised_absence_sessions}) is more"
                f" than the sessions missed ({max(absent, 0)})"
            )
        if self.period_end < self.period_start:
            problems.append("period_end is before period_start")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class Exclusion(_Strict):
    kind: Choice(v.EXCLUSION_KINDS)  # type: ignore[valid-type]
    sessions: Count | None = None


class CauseForConcern(_Strict):
    setting: Choice(v.CONCERN_SETTINGS)  # type: ignore[valid-type]
    category: Choice(v.CONCERN_CATEGORIES)  # type: ignore[valid-type]


class PoliceIncident(_Strict):
    category: Choice(v.POLICE_CATEGORIES)  # type: ignore[valid-type]
    child_present: StrictBool | None = None
    risk: Choice(v.POLICE_RISKS) | None = None  # type: ignore[valid-type]


class AdultFactor(_Strict):
    factor: Choice(v.ADULT_FACTORS)  # type: ignore[valid-type]
    status: Choice(v.ADULT_FACTOR_STATUSES)  # type: ignore[valid-type]


class Housing(_Strict):
    issue: Choice(v.HOUSING_ISSUES)  # type: ignore[valid-type]


class HouseholdChange(_Strict):
    change: Choice(v.HOUSEHOLD_CHANGES)  # type: ignore[valid-type]
    member_role: Choice(v.ROLES)  # type: ignore[valid-type]


class ConcernReported(_Strict):
    reporter: Choice(v.REPORTERS)  # type: ignore[valid-type]
    category: Choice(v.CONTACT_CATEGORIES)  # type: ignore[valid-type]


class SocialCareStatus(_Strict):
    status: Choice(v.CARE_STATUSES)  # type: ignore[valid-type]
    change: Choice(v.STATUS_CHANGES)  # type: ignore[valid-type]
    category: Choice(v.PLAN_CATEGORIES) | None = None  # type: ignore[valid-type]


class Note(_Strict):
    category: StrictStr | None = None


DETAILS: dict[str, type[_Strict]] = {
    "birth": Birth,
    "growth_measurement": Growth,
    "health_appointment": Appointment,
    "unscheduled_care": UnscheduledCare,
    "child_protection_medical": CPMedical,
    "school_attendance": Attendance,
    "school_exclusion": Exclusion,
    "cause_for_concern": CauseForConcern,
    "police_incident": PoliceIncident,
    "adult_factor": AdultFactor,
    "housing": Housing,
    "household_change": HouseholdChange,
    "concern_reported": ConcernReported,
    "social_care_status": SocialCareStatus,
    "note": Note,
}
assert set(DETAILS) == set(v.RECORD_TYPES)
# Types whose details may be left out entirely because every field is optional.
DETAILS_OPTIONAL = frozenset({"note"})


# ---- the result --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PersonFacts:
    """A person as named in a record, with identifiers checked."""

    role: str
    local_id: str
    given_name: str
    family_name: str
    other_names: list[str]
    date_of_birth: dt.date | None
    expected_date_of_birth: dt.date | None
    sex: str
    nhs_number_as_written: str
    nhs_number: str
    upn_as_written: str
    upn: str
    postcode_as_written: str
    postcode: str
    address: str


@dataclass(slots=True)
class Checked:
    """The outcome of validating one record: reasons reject it, warnings do not."""

    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    envelope: Envelope | None = None
    occurred_on: dt.date | None = None
    occurred_at: dt.datetime | None = None
    recorded_at: dt.datetime | None = None
    people: list[PersonFacts] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.reasons


def _path(loc: Iterable[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not out:
            out = part
        else:
            out += f".{part}"
    return out


def _messages(error: ValidationError, prefix: str = "") -> list[str]:
    found = []
    for e in error.errors(include_url=False):
        # Pydantic names the union branch or validator in the location; a
        # practitioner needs only the field path.
        loc = [p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        path = _path([prefix, *loc] if prefix else loc) if (prefix or loc) else "record"
        msg = e["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        elif e["type"] == "missing":
            msg = "is required"
        elif e["type"] == "extra_forbidden":
            msg = "is not a known field"
        found.append(f"{path or 'record'}: {msg}")
    return found


def normalise_postcode(raw: str) -> str:
    m = POSTCODE.match(raw.strip().upper())
    return f"{m.group(1)} {m.group(2)}" if m else ""


def _person(p: Person, role: str, path: str, warnings: list[str]) -> PersonFacts:
    nhs_written = p.nhs_number or ""
    nhs_ok = ""
    if nhs_written:
        digits = nhs_written.replace(" ", "")
        if digits.isdigit() and len(digits) == 10 and nhs_number_is_valid(digits):
            nhs_ok = digits
        else:
            warnings.append(
                f"{path}.nhs_number: {nhs_written!r} fails the NHS number check; kept as"
                " written and not used for matching"
            )
    upn_written = p.upn or ""
    upn_ok = ""
    if upn_written:
        if upn_check.is_valid(upn_written):
            upn_ok = upn_check.compact(upn_written)
        else:
            warnings.append(
                f"{path}.upn: {upn_written!r} fails the UPN check letter; kept as written and"
                " not used for matching"
            )
    pc_written = p.postcode or ""
    pc = normalise_postcode(pc_written) if pc_written else ""
    if pc_written and not pc:
        warnings.append(f"{path}.postcode: {pc_written!r} is not a UK postcode; kept as written")
    return PersonFacts(
        role=role,
        local_id=p.local_id,
        given_name=p.given_name or "",
        family_name=p.family_name or "",
        other_names=list(p.other_names or []),
        date_of_birth=p.date_of_birth,
        expected_date_of_birth=p.expected_date_of_birth,
        sex=p.sex or "",
        nhs_number_as_written=nhs_written,
        nhs_number=nhs_ok,
        upn_as_written=upn_written,
        upn=upn_ok,
        postcode_as_written=pc_written,
        postcode=pc,
        address=p.address or "",
    )


# An entry an adapter could not map carries its reasons under this key.
ADAPTER_REJECTED = "adapter_rejected"
_EVENT_FIELDS = ("type", "occurred_at", "subject")


def _adapter_reasons(obj: dict[str, Any]) -> list[str] | None:
    """The reasons an adapter gave for an entry it could not map (see feeds/adapters/records.py).

    Only an object without ``type``, ``occurred_at`` and ``subject`` counts: it can
    never be a valid record, so reading its reasons changes no outcome, only says
    why in the sender's own terms.
    """
    carried = obj.get(ADAPTER_REJECTED)
    if not isinstance(carried, list) or not carried or any(k in obj for k in _EVENT_FIELDS):
        return None
    return [str(reason) for reason in carried]


def validate_record(obj: dict[str, Any], *, received_at: dt.datetime) -> Checked:
    """Check one decoded JSON object against feed v1, collecting every problem."""
    carried = _adapter_reasons(obj)
    if carried is not None:
        return Checked(reasons=carried)
    result = Checked()
    envelope: Envelope | None = None
    try:
        envelope = Envelope.model_validate(obj)
    except ValidationError as exc:
        result.reasons.extend(_messages(exc))
    record_type = obj.get("type")
    details_model = DETAILS.get(record_type) if isinstance(record_type, str) else None
    details = obj.get("details")
    if details_model is not None:
        if details is None:
            if record_type not in DETAILS_OPTIONAL:
                result.reasons.append(f"details: is required for a {record_type} record")
        elif isinstance(details, dict):
            try:
                details_model.model_validate(details)
            except ValidationError as exc:
                result.reasons.extend(_messages(exc, "details"))
    if envelope is None:
        return result
    result.envelope = envelope

    occurred = envelope.occurred_at
    if len(occurred) == 10:
        result.occurred_on = _iso_date(occurred)
        # A bare date is compared as a whole day in England, where the partnership is.
        too_late = result.occurred_on > received_at.astimezone(_LONDON).date()
    else:
        result.occurred_at = _iso_datetime(occurred)
        result.occurred_on = result.occurred_at.date()
        too_late = result.occurred_at > received_at
    if too_late:
        result.reasons.append(
            f"occurred_at: {occurred} is later than the moment the record was received"
            f" ({received_at.isoformat(timespec='seconds')})"
        )
    result.recorded_at = envelope.recorded_at

    people = [_person(envelope.subject, "subject", "subject", result.warnings)]
    for i, rel in enumerate(envelope.related or []):
        people.append(_person(rel.person, rel.role, f"related[{i}].person", result.warnings))
    result.people = people
    dob = people[0].date_of_birth
    if dob is not None and result.occurred_on < dob:
        result.warnings.append(
            f"occurred_at: {occurred} is before the subject's date of birth ({dob.isoformat()})"
        )
    return result


from zoneinfo import ZoneInfo  # noqa: E402 - kept beside its only use

_LONDON = ZoneInfo("Europe/London")
