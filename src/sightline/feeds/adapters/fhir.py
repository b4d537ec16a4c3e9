"""HL7 FHIR R4 bundles from health partners, mapped to feed v1 records.

Each resource is checked with the ``fhir.resources`` models (its R4B package:
for Patient, Encounter, Observation and Bundle the elements read here are the
same in R4 and R4B), one entry at a time, so that one bad entry is quarantined
on its own instead of failing the bundle. A Patient is not an event: it gives
the subject of the Encounters and Observations that refer to it. What is
mapped, element by element, is in ``docs/adapters.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import orjson
from pydantic import BaseModel, ValidationError

from sightline.feeds.adapters.records import Reject, Result, reject_line

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
# Confidentiality codes that make a record restricted: R (restricted), V (very restricted).
RESTRICTED_CODES = frozenset({"R", "V"})

# LOINC code -> (feed v1 growth field, {UCUM unit: factor to the feed v1 unit}).
# Body weight, body height and head circumference, as FHIR R4's vital signs profiles
# code them; 8287-5 is the tape-measured head circumference some systems send instead.
_KG = {"kg": Decimal(1), "g": Decimal("0.001"), "[lb_av]": Decimal("0.45359237")}
_CM = {"cm": Decimal(1), "mm": Decimal("0.1"), "m": Decimal(100), "[in_i]": Decimal("2.54")}
GROWTH_CODES: dict[str, tuple[str, dict[str, Decimal]]] = {
    "29463-7": ("weight_kg", _KG),
    "8302-2": ("height_cm", _CM),
    "9843-4": ("head_circumference_cm", _CM),
    "8287-5": ("head_circumference_cm", _CM),
}
_SEX = {"female": "female", "male": "male", "unknown": "unknown", "other": "unknown"}
# Statuses that say the event did not happen or was recorded in error: feed v1 has
# no way to withdraw a record, so these are quarantined for a person to act on.
_NOT_EVENTS = frozenset({"entered-in-error", "cancelled"})


def _models() -> dict[str, type[BaseModel]]:
    # Imported on first use: the models take most of a second to import, and a
    # JSON Lines ingest never needs them.
    from fhir.resources.R4B.encounter import Encounter
    from fhir.resources.R4B.observation import Observation
    from fhir.resources.R4B.patient import Patient

    return {"Patient": Patient, "Encounter": Encounter, "Observation": Observation}


class _Unmappable(Exception):
    def __init__(self, *reasons: str) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = list(reasons)


def _validation_reasons(ref: str, exc: ValidationError) -> list[str]:
    reasons = []
    for e in exc.errors(include_url=False):
        path = ".".join(str(p) for p in e["loc"]) or "resource"
        msg = "missing" if e["type"] == "missing" else e["msg"].removeprefix("Value error, ")
        reasons.append(f"{ref} {path}: {msg}")
    return reasons


def _iso_moment(ref: str, field: str, value: Any) -> str:
    """A FHIR date or dateTime as feed v1's ``occurred_at``: a full date, or a time with offset."""
    if value is None:
        raise _Unmappable(f"{ref} {field}: missing")
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise _Unmappable(f"{ref} {field}: {value.isoformat()} has no UTC offset")
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    raise _Unmappable(f"{ref} {field}: {value!r} is not a full date (YYYY-MM-DD)")


def _version(ref: str, resource: Any) -> int:
    version_id = resource.meta.versionId if resource.meta else None
    if version_id is None:
        return 1
    if not version_id.isdigit() or int(version_id) < 1:
        raise _Unmappable(
            f"{ref} meta.versionId: {version_id!r} is not a whole number from 1;"
            " Sightline orders versions by number"
        )
    return int(version_id)


def _restricted(resource: Any) -> bool:
    security = resource.meta.security if resource.meta and resource.meta.security else []
    return any(c.system == CONFIDENTIALITY and c.code in RESTRICTED_CODES for c in security)


def _name_text(name: Any) -> str:
    return (name.text or " ".join([*(name.given or []), name.family or ""])).strip()


def _person(ref: str, patient: Any) -> dict[str, Any]:
    """The feed v1 Person a Patient describes."""
    person: dict[str, Any] = {"local_id": patient.id}
    for identifier in patient.identifier or []:
        if identifier.system == NHS_NUMBER_SYSTEM and identifier.value:
            person["nhs_number"] = identifier.value
            break
    names = [n for n in patient.name or [] if n.use != "old"] or list(patient.name or [])
    chosen = next((n for n in names if n.use == "official"), None) or next(
        (n for n in names if n.use in (None, "usual")), names[0] if names else None
    )
    if chosen is not None:
        if chosen.given:
            person["given_name"] = chosen.given[0]
        if chosen.family:
            person["family_name"] = chosen.family
    others = [_name_text(n) for n in patient.name or [] if n is not chosen]
    if chosen is not None and len(chosen.given or []) > 1:
        # Feed v1 has no middle names: the whole name keeps them.
        others.insert(0, _name_text(chosen))
    if [o for o in others if o]:
        person["other_names"] = [o for o in others if o]
    if patient.birthDate is not None:
        if not isinstance(patient.birthDate, dt.date):
            raise _Unmappable(
                f"{ref} birthDate: {patient.birthDate!r} is not a full date (YYYY-MM-DD)"
            )
        person["date_of_birth"] = patient.birthDate.isoformat()
    if patient.gender:
        person["sex"] = _SEX[patient.gender]
    current = [
        a for a in patient.address or [] if a.use != "old" and not (a.period and a.period.end)
    ]
    address = next((a for a in current if a.use == "home"), current[0] if current else None)
    if address is not None:
        if address.postalCode:
            person["postcode"] = address.postalCode
        parts = [*(address.line or []), address.city, address.district]
        text = address.text or ", ".join(p for p in parts if p)
        if text:
            person["address"] = text
    return person


def _codeable_texts(concepts: list[Any] | None) -> list[str]:
    texts = []
    for concept in concepts or []:
        text = concept.text or next((c.display for c in concept.coding or [] if c.display), None)
        if text:
            texts.append(text)
    return texts


class _Bundle:
    """The bundle's entries, with Patients findable by every way a reference may name them."""

    def __init__(self, agency: str) -> None:
        self.agency = agency
        # reference -> (ref, feed v1 person, restricted?) of every Patient that maps
        self.patients: dict[str, tuple[str, dict[str, Any], bool]] = {}
        self.patient_problems: dict[str, list[str]] = {}  # reference -> why it cannot be used
        self.referenced: set[str] = set()

    def add_patient(self, ref: str, keys: list[str], patient: Any) -> list[str]:
        """Remember a Patient under every reference to it; the reasons it cannot be mapped."""
        try:
            person = _person(ref, patient)
        except _Unmappable as exc:
            self.add_problems(keys, exc.reasons)
            return exc.reasons
        for key in keys:
            self.patients[key] = (ref, person, _restricted(patient))
        return []

    def add_problems(self, keys: list[str], reasons: list[str]) -> None:
        for key in keys:
            self.patient_problems[key] = reasons

    def subject(self, ref: str, resource: Any) -> tuple[dict[str, Any], bool]:
        reference = resource.subject.reference if resource.subject else None
        if not reference:
            raise _Unmappable(f"{ref} subject: missing")
        # A versioned reference (Patient/p1/_history/2) names the same patient.
        reference = reference.split("/_history/", 1)[0]
        if reference in self.patient_problems:
            raise _Unmappable(
                f"{ref} subject: {reference} cannot be mapped", *self.patient_problems[reference]
            )
        found = self.patients.get(reference)
        if found is None:
            raise _Unmappable(f"{ref} subject: {reference} is not a Patient in this bundle")
        patient_ref, person, restricted = found
        self.referenced.add(patient_ref)
        return dict(person), restricted

    def envelope(self, ref: str, resource: Any, record_type: str) -> dict[str, Any]:
        return {
            "agency": self.agency,
            "record_id": ref,
            "record_version": _version(ref, resource),
            "type": record_type,
        }


def _encounter(bundle: _Bundle, ref: str, enc: Any) -> dict[str, Any]:
    klass = enc.class_fhir
    if klass is None or klass.code != "EMER" or klass.system not in (None, ACT_CODE):
        code = klass.code if klass is not None else None
        raise _Unmappable(
            f"{ref} class: {code!r} is not an emergency attendance (EMER);"
            " only emergency encounters are mapped"
        )
    if enc.status in _NOT_EVENTS:
        raise _Unmappable(f"{ref} status: {enc.status}; feed v1 cannot withdraw a record")
    record = bundle.envelope(ref, enc, "unscheduled_care")
    record["occurred_at"] = _iso_moment(
        ref, "period.start", enc.period.start if enc.period else None
    )
    if enc.meta and enc.meta.lastUpdated:
        record["recorded_at"] = enc.meta.lastUpdated.isoformat()
    subject, patient_restricted = bundle.subject(ref, enc)
    record["subject"] = subject
    # The reason for attending is coded in many ways (SNOMED CT, ECDS chief
    # complaints); none is mapped yet, so it is "other" and its words go in the summary.
    record["details"] = {"setting": "emergency_department", "reason": "other"}
    reasons = _codeable_texts(enc.reasonCode)
    if reasons:
        record["summary"] = "; ".join(reasons)
    if patient_restricted or _restricted(enc):
        record["sensitivity"] = "restricted"
    return record


def _observation(bundle: _Bundle, ref: str, obs: Any) -> dict[str, Any]:
    codes = [c.code for c in (obs.code.coding or []) if c.system == LOINC and c.code]
    growth = next((GROWTH_CODES[c] for c in codes if c in GROWTH_CODES), None)
    if growth is None:
        raise _Unmappable(
            f"{ref} code: no LOINC code Sightline maps ({', '.join(GROWTH_CODES)});"
            f" found {', '.join(codes) or 'none'}"
        )
    if obs.status in _NOT_EVENTS:
        raise _Unmappable(f"{ref} status: {obs.status}; feed v1 cannot withdraw a record")
    field, units = growth
    quantity = obs.valueQuantity
    if quantity is None or quantity.value is None:
        raise _Unmappable(f"{ref} valueQuantity: missing")
    unit = quantity.code if quantity.system == UCUM else None
    if unit not in units:
        written = quantity.code or quantity.unit
        raise _Unmappable(
            f"{ref} valueQuantity.code: {written!r} is not a UCUM unit Sightline converts for"
            f" {field} ({', '.join(units)})"
        )
    record = bundle.envelope(ref, obs, "growth_measurement")
    effective = obs.effectiveDateTime
    field_name = "effectiveDateTime"
    if effective is None and obs.effectivePeriod is not None:
        effective, field_name = obs.effectivePeriod.start, "effectivePeriod.start"
    if effective is None and obs.effectiveInstant is not None:
        effective, field_name = obs.effectiveInstant, "effectiveInstant"
    record["occurred_at"] = _iso_moment(ref, field_name, effective)
    if obs.issued is not None:
        record["recorded_at"] = obs.issued.isoformat()
    elif obs.meta and obs.meta.lastUpdated:
        record["recorded_at"] = obs.meta.lastUpdated.isoformat()
    subject, patient_restricted = bundle.subject(ref, obs)
    record["subject"] = subject
    value = quantity.value * units[unit]
    # As a JSON number, with no more digits than the sender gave.
    record["details"] = {field: float(round(value, 3))}
    if patient_restricted or _restricted(obs):
        record["sensitivity"] = "restricted"
    return record


def _entry_ref(index: int, entry: Any) -> str:
    if isinstance(entry, dict) and isinstance(entry.get("resource"), dict):
        resource = entry["resource"]
        kind, rid = resource.get("resourceType"), resource.get("id")
        if isinstance(kind, str) and isinstance(rid, str):
            return f"{kind}/{rid}"
        if isinstance(kind, str):
            return f"entry[{index}] {kind}"
    return f"entry[{index}]"


def bundle_results(data: bytes, *, agency: str) -> Iterator[Result]:
    """Every entry of a FHIR bundle as a feed v1 record or the reasons it is rejected."""
    try:
        bundle_json = orjson.loads(data.removeprefix(b"\xef\xbb\xbf"))
    except orjson.JSONDecodeError as exc:
        yield Reject(agency, "", [f"bundle: not valid JSON ({exc})"], {"bundle_bytes": data})
        return
    if not isinstance(bundle_json, dict) or bundle_json.get("resourceType") != "Bundle":
        kind = bundle_json.get("resourceType") if isinstance(bundle_json, dict) else None
        yield Reject(
            agency, "", [f"bundle: resourceType is {kind!r}, not 'Bundle'"], {"bundle": bundle_json}
        )
        return
    entries = bundle_json.get("entry") or []
    if not isinstance(entries, list):
        yield Reject(agency, "", ["bundle entry: not a list"], {"bundle": bundle_json})
        return
    models = _models()
    bundle = _Bundle(agency)
    patients: list[tuple[str, Any]] = []  # (ref, entry JSON) of Patients that map
    events: list[tuple[str, Any, Any]] = []  # (ref, entry JSON, model) of the rest
    for index, entry in enumerate(entries):
        ref = _entry_ref(index, entry)
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            request = entry.get("request") if isinstance(entry, dict) else None
            method = request.get("method") if isinstance(request, dict) else None
            reason = f"{ref} resource: missing"
            if method == "DELETE":
                reason = (
                    f"{ref} request: DELETE {request.get('url')!s};"  # type: ignore[union-attr]
                    " feed v1 cannot withdraw a record"
                )
            yield Reject(agency, ref, [reason], {"entry": entry})
            continue
        kind = resource.get("resourceType")
        model = models.get(kind) if isinstance(kind, str) else None
        if model is None:
            yield Reject(
                agency,
                ref,
                [
                    f"{ref} resourceType: {kind!r} is not mapped to feed v1"
                    f" (Sightline maps {', '.join(models)})"
                ],
                {"entry": entry},
            )
            continue
        try:
            parsed_resource = model.model_validate(resource)
        except ValidationError as exc:
            reasons = _validation_reasons(ref, exc)
            if kind == "Patient":
                bundle.add_problems(_patient_keys(entry, resource), reasons)
            yield Reject(agency, ref, reasons, {"entry": entry})
            continue
        if not getattr(parsed_resource, "id", None):
            if kind == "Patient":
                bundle.add_problems(_patient_keys(entry, resource), [f"{ref} id: missing"])
            yield Reject(agency, ref, [f"{ref} id: missing"], {"entry": entry})
            continue
        if kind == "Patient":
            problems = bundle.add_patient(ref, _patient_keys(entry, resource), parsed_resource)
            if problems:
                yield Reject(agency, ref, problems, {"entry": entry})
            else:
                patients.append((ref, entry))
            continue
        events.append((ref, entry, parsed_resource))

    for ref, entry, resource in events:
        try:
            if ref.startswith("Encounter/"):
                record = _encounter(bundle, ref, resource)
            else:
                record = _observation(bundle, ref, resource)
        except _Unmappable as exc:
            yield Reject(agency, ref, exc.reasons, {"entry": entry})
            continue
        yield record

    # A Patient that no event in the bundle refers to carries no event of its own:
    # it is kept in quarantine rather than let go without a word.
    for ref, entry in patients:
        if ref not in bundle.referenced:
            reason = (
                f"{ref}: no Encounter or Observation in the bundle refers to this patient;"
                " a patient alone is not a feed v1 record"
            )
            yield Reject(agency, ref, [reason], {"entry": entry})


def _patient_keys(entry: dict[str, Any], resource: dict[str, Any]) -> list[str]:
    """The references by which other entries may name this patient."""
    keys = []
    if isinstance(resource.get("id"), str):
        keys.append(f"Patient/{resource['id']}")
    full_url = entry.get("fullUrl")
    if isinstance(full_url, str) and full_url:
        keys.append(full_url)
    return keys


def bundle_lines(data: bytes, *, agency: str) -> Iterator[bytes]:
    for result in bundle_results(data, agency=agency):
        yield reject_line(result) if isinstance(result, Reject) else orjson.dumps(result)
