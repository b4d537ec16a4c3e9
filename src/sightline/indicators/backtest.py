"""Backtesting the rules against a generated borough's truth: would we have seen it, and when?

``backtest`` evaluates the whole population as of a date on the ``recorded``
basis (a record counts as held from the day the agency recorded it: the honest
question for history generated after the fact), then compares the flags of that
scenario with the generator's truth (``DIR/truth/``):

- For each kind of injected harm: how many children, how many carried a flag
  seen before the harm date (sensitivity), the lead time from the first such
  flag to the harm, and which rules fired first.
- For children who were not harmed (the "ordinary" children of the targets):
  the share carrying any flag and false flags per 1,000 child-years, by rule,
  and by family (ordinary, poverty-only, a harmed child's sibling), by poverty,
  sex, age band and area, so that a skew against a group shows. Poverty-only
  families are reported apart because poverty must never be read as neglect.

A truth child is matched to the persons linkage made of their agency records
(``truth/persons.csv`` to ``AgencyPerson``), as linkage's own scoring does; a
flag on any of those persons is a flag on the child. Children no agency
recorded cannot be flagged: they are counted for the harm kinds (a missed
trajectory is a miss, whatever the reason) but left out of the not-harmed
denominators, where they would only dilute the false-flag rate.

Child-years run from each child's birth, or the start of the data when later,
to the evaluation date. Everything is done with a few grouped queries and
dictionaries, so a 20,000-child borough takes seconds beyond the evaluation.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection
from django.db.models import Max

from sightline.feeds.models import SourceRecord
from sightline.indicators.models import Flag
from sightline.linkage.models import AgencyPerson

# Age bands on the evaluation date, in whole years: (label, lowest, highest).
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("under 1", 0, 0),
    ("1-4", 1, 4),
    ("5-10", 5, 10),
    ("11-15", 11, 15),
    ("16-17", 16, 17),
)
FAMILY_GROUPS = {
    "ordinary": "ordinary family",
    "poverty": "poverty-only family",
    "trajectory": "sibling of a harmed child",
}
# The targets in issue 4: every trajectory flagged before harm, at most 2% of
# ordinary children carrying any flag.
TARGET_SENSITIVITY = 1.0
TARGET_ORDINARY_SHARE = 0.02


class TruthMissing(Exception):
    """The folder has no generator truth to compare with."""


@dataclass
class KindResult:
    """One kind of injected harm: did a flag come before it, and how long before?"""

    kind: str
    children: int
    known: int  # recorded by some agency and placed by linkage
    flagged_before_harm: int
    flagged_only_after: int  # a flag only on or after the harm date: the harm itself was seen
    sensitivity: float | None
    lead_days_median: float | None
    lead_days_min: int | None
    lead_days_max: int | None
    first_rules: dict[str, int]
    missed: list[str]  # truth person keys with no flag seen before the harm


@dataclass
class GroupRate:
    """Flags on not-harmed children of one group."""

    group: str
    children: int
    flagged: int
    share: float | None
    flags: int
    child_years: float
    per_1000_child_years: float | None


@dataclass
class RuleRate:
    rule_id: str
    flags: int
    children: int
    per_1000_child_years: float | None


@dataclass
class Backtest:
    """What the rules would have seen, set against what happened."""

    as_of: dt.date
    scenario: str
    since: dt.date
    children: int  # every child in truth (households.csv)
    known: int  # of those, recorded by some agency and placed by linkage
    harmed: int
    kinds: list[KindResult]
    ordinary: GroupRate  # every not-harmed child known to an agency
    by_rule: list[RuleRate]
    by_family: list[GroupRate]
    by_poverty: list[GroupRate]
    by_sex: list[GroupRate]
    by_age_band: list[GroupRate]
    by_area: list[GroupRate]
    harmed_after_as_of: int = 0
    borough: dict[str, Any] = field(default_factory=dict)  # seed, children, since, until
    notes: list[str] = field(default_factory=list)

    @property
    def sensitivity(self) -> float | None:
        flagged = sum(k.flagged_before_harm for k in self.kinds)
        total = sum(k.children for k in self.kinds)
        return flagged / total if total else None

    def targets(self) -> dict[str, bool | None]:
        sens = self.sensitivity
        return {
            "every_trajectory_flagged_before_harm": (
                None if sens is None else sens >= TARGET_SENSITIVITY
            ),
            "at_most_2_percent_of_ordinary_children_flagged": (
                None
                if self.ordinary_families.share is None
                else self.ordinary_families.share <= TARGET_ORDINARY_SHARE
            ),
        }

    @property
    def ordinary_families(self) -> GroupRate:
        """The children the 2% target is about: those of ordinary families.

        Not the siblings of a harmed child (their households are the harmful ones,
        and a flag on them is often right) nor poverty-only families, which are
        shown apart so that any skew against poverty shows. Without the families
        file (an older generator) every not-harmed child counts.
        """
        label = FAMILY_GROUPS["ordinary"]
        return next((g for g in self.by_family if g.group == label), self.ordinary)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        data["since"] = self.since.isoformat()
        data["sensitivity"] = self.sensitivity
        data["targets"] = self.targets()
        data["ordinary_families"] = asdict(self.ordinary_families)
        return data

    def report(self) -> str:
        return report_text(self.as_json())


# --- reading truth -------------------------------------------------------------------------


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@dataclass
class _Child:
    key: str
    dob: dt.date
    family_kind: str  # ordinary, poverty, trajectory, or unknown for older truth
    poverty: bool | None
    harm_kind: str | None = None
    harm_on: dt.date | None = None
    persons: set[int] = field(default_factory=set)


def _manifest(truth: Path) -> dict[str, Any]:
    path = truth / "manifest.json"
    if not path.is_file():
        return {}
    data = json.loads(path.read_text("utf-8"))
    return {k: data.get(k) for k in ("seed", "children", "since", "until")}


def _truth_children(truth: Path) -> tuple[dict[str, _Child], dt.date]:
    for name in ("households.csv", "persons.csv", "trajectories.csv"):
        if not (truth / name).is_file():
            raise TruthMissing(f"no truth/{name} in {truth.parent}: is it a generated borough?")
    families: dict[str, tuple[str, bool | None]] = {}
    if (truth / "families.csv").is_file():  # written by generators from 2026 on
        families = {
            r["household_key"]: (r["kind"], r["poverty"] == "yes")
            for r in _rows(truth / "families.csv")
        }
    children: dict[str, _Child] = {}
    for row in _rows(truth / "households.csv"):
        if row["role"] != "child":
            continue
        kind, poverty = families.get(row["household_key"], ("unknown", None))
        children[row["person_key"]] = _Child(
            row["person_key"], dt.date.fromisoformat(row["from"]), kind, poverty
        )
    for row in _rows(truth / "trajectories.csv"):
        child = children.get(row["person_key"])
        if child is None:
            raise TruthMissing(f"trajectories.csv names {row['person_key']}, who is no child")
        child.harm_kind = row["kind"]
        child.harm_on = dt.date.fromisoformat(row["harm_on"])
        if child.family_kind == "unknown":
            child.family_kind = "trajectory"
    # The data's first day: the generator's window, else the earliest birth in truth.
    since = _manifest(truth).get("since")
    first = min((c.dob for c in children.values()), default=dt.date(2019, 1, 1))
    return children, dt.date.fromisoformat(since) if since else first


def _link(children: dict[str, _Child], truth: Path) -> dict[int, list[str]]:
    """Each child's linked persons, and each person's truth children (false links make several)."""
    placed = {
        (agency, local_id): person
        for agency, local_id, person in AgencyPerson.objects.filter(
            person__isnull=False
        ).values_list("agency__code", "local_id", "person_id")
    }
    keys_of: dict[int, list[str]] = defaultdict(list)
    for row in _rows(truth / "persons.csv"):
        child = children.get(row["person_key"])
        if child is None:
            continue
        person = placed.get((row["agency"], row["local_id"]))
        if person is not None and person not in child.persons:
            child.persons.add(person)
            keys_of[person].append(child.key)
    return keys_of


# --- what the records say about each person ------------------------------------------------


def _attributes(
    persons: Iterable[int],
) -> tuple[dict[int, Counter[str]], dict[int, tuple[str, str]]]:
    """Each person's sexes (counted) and latest postcode district, from current records.

    As the ``persons`` table of evaluation has them: the sex most records give,
    and the district of the postcode on the latest record.
    """
    wanted = set(persons)
    heads = "SELECT h.source_record_id FROM feeds_recordhead h"
    join = (
        "FROM feeds_subjectrecord sr "
        "JOIN linkage_agencyperson ap ON ap.agency_id = sr.agency_id AND ap.local_id = sr.local_id "
    )
    sexes: dict[int, Counter[str]] = defaultdict(Counter)
    areas: dict[int, tuple[str, str]] = {}
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT ap.person_id, sr.sex, count(*) {join}"
            f"WHERE ap.person_id IS NOT NULL AND sr.sex IN ('female', 'male') "
            f"AND sr.source_record_id IN ({heads}) GROUP BY ap.person_id, sr.sex"
        )
        for person, sex, n in cur.fetchall():
            if person in wanted:
                sexes[person][sex] += n
        cur.execute(
            f"SELECT ap.person_id, sr.postcode, max(s.occurred_on) {join}"
            "JOIN feeds_sourcerecord s ON s.id = sr.source_record_id "
            f"WHERE ap.person_id IS NOT NULL AND sr.postcode <> '' "
            f"AND sr.source_record_id IN ({heads}) GROUP BY ap.person_id, sr.postcode"
        )
        for person, postcode, latest in cur.fetchall():
            if person not in wanted:
                continue
            on = str(latest)
            if person not in areas or on > areas[person][0]:
                areas[person] = (on, postcode.split(" ")[0])
    return sexes, areas


# --- the backtest --------------------------------------------------------------------------


def _age(dob: dt.date, on: dt.date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def _band(years: int) -> str:
    for label, low, high in AGE_BANDS:
        if low <= years <= high:
            return label
    return "18 or over"


def _ratio(n: float, d: float) -> float | None:
    return n / d if d else None


def _per_1000(n: float, years: float) -> float | None:
    return round(1000 * n / years, 2) if years else None


def _group(
    name: str, members: list[_Child], flags_of: dict[str, int], years_of: dict[str, float]
) -> GroupRate:
    years = sum(years_of[c.key] for c in members)
    flagged = sum(1 for c in members if flags_of.get(c.key))
    flags = sum(flags_of.get(c.key, 0) for c in members)
    share = _ratio(flagged, len(members))
    return GroupRate(
        group=name,
        children=len(members),
        flagged=flagged,
        share=None if share is None else round(share, 4),
        flags=flags,
        child_years=round(years, 1),
        per_1000_child_years=_per_1000(flags, years),
    )


def _groups(
    members: list[_Child],
    label: Any,
    flags_of: dict[str, int],
    years_of: dict[str, float],
    order: Iterable[str] | None = None,
) -> list[GroupRate]:
    by: dict[str, list[_Child]] = defaultdict(list)
    for c in members:
        by[label(c)].append(c)
    names = [n for n in (order or ()) if n in by] + sorted(set(by) - set(order or ()))
    return [_group(n, by[n], flags_of, years_of) for n in names]


def latest_occurred() -> dt.date | None:
    value: dt.date | None = SourceRecord.objects.aggregate(m=Max("occurred_on"))["m"]
    return value


def backtest(*, truth_dir: Path, as_of: dt.date | None = None, evaluate: bool = True) -> Backtest:
    """Evaluate as of ``as_of`` (the latest date anything happened) and score against truth.

    ``truth_dir`` is the generated borough's folder (the one holding ``truth/``).
    With ``evaluate=False`` the flags of an earlier evaluation of that date are used.
    """
    from sightline.indicators.services import evaluation_run

    truth = Path(truth_dir) / "truth"
    children, since = _truth_children(truth)
    if as_of is None:
        as_of = latest_occurred()
        if as_of is None:
            raise TruthMissing("no records have been ingested: nothing to evaluate")
    scenario = f"as-of {as_of.isoformat()}"
    if evaluate:
        evaluation_run(as_of=as_of, basis="recorded")
    keys_of = _link(children, truth)

    # Every flag of the scenario on a truth child's persons, once per child.
    flags: dict[str, list[tuple[dt.date, str, str]]] = defaultdict(list)
    for person, rule, level, seen in (
        Flag.objects.filter(scenario=scenario, met=True, person_id__in=list(keys_of))
        .values_list("person_id", "rule_id", "level", "seen_on")
        .iterator(chunk_size=20_000)
    ):
        for key in keys_of[person]:
            flags[key].append((seen, rule, level))

    notes: list[str] = []
    observed = [c for c in children.values() if c.dob <= as_of]
    if len(observed) < len(children):
        notes.append(f"{len(children) - len(observed):,} children born after {as_of} are left out")

    kinds: list[KindResult] = []
    harmed = [c for c in observed if c.harm_kind is not None]
    by_kind: dict[str, list[_Child]] = defaultdict(list)
    for c in harmed:
        assert c.harm_kind is not None
        by_kind[c.harm_kind].append(c)
    for kind in sorted(by_kind):
        group = by_kind[kind]
        leads: list[int] = []
        first_rules: Counter[str] = Counter()
        missed: list[str] = []
        after_only = 0
        for c in sorted(group, key=lambda c: c.key):
            assert c.harm_on is not None
            before = sorted(f for f in flags.get(c.key, []) if f[0] < c.harm_on)
            if not before:
                missed.append(c.key)
                after_only += bool(flags.get(c.key))
                continue
            first_seen = before[0][0]
            leads.append((c.harm_on - first_seen).days)
            for rule in sorted({f[1] for f in before if f[0] == first_seen}):
                first_rules[rule] += 1
        kinds.append(
            KindResult(
                kind=kind,
                children=len(group),
                known=sum(1 for c in group if c.persons),
                flagged_before_harm=len(leads),
                flagged_only_after=after_only,
                sensitivity=_ratio(len(leads), len(group)),
                lead_days_median=statistics.median(leads) if leads else None,
                lead_days_min=min(leads) if leads else None,
                lead_days_max=max(leads) if leads else None,
                first_rules=dict(first_rules.most_common()),
                missed=missed,
            )
        )
    harmed_later = sum(1 for c in harmed if c.harm_on is not None and c.harm_on > as_of)

    # Children not harmed and known to some agency: every flag on them is a false flag.
    ordinary = [c for c in observed if c.harm_kind is None and c.persons]
    years_of = {c.key: max(0, (as_of - max(c.dob, since)).days) / 365.25 for c in ordinary}
    flags_of = {c.key: len(flags.get(c.key, [])) for c in ordinary}
    total_years = sum(years_of.values())
    rules: dict[str, tuple[int, set[str]]] = defaultdict(lambda: (0, set()))
    for c in ordinary:
        for _, rule, _ in flags.get(c.key, []):
            n, who = rules[rule]
            who.add(c.key)
            rules[rule] = (n + 1, who)
    by_rule = [
        RuleRate(rule, n, len(who), _per_1000(n, total_years))
        for rule, (n, who) in sorted(rules.items(), key=lambda kv: (-kv[1][0], kv[0]))
    ]

    sexes, areas = _attributes(p for c in ordinary for p in c.persons)

    def sex(c: _Child) -> str:
        counted: Counter[str] = Counter()
        for p in c.persons:
            counted.update(sexes.get(p, {}))
        return counted.most_common(1)[0][0] if counted else "not recorded"

    def area(c: _Child) -> str:
        found = [areas[p] for p in c.persons if p in areas]
        return max(found)[1] if found else "not recorded"

    def poverty(c: _Child) -> str:
        if c.poverty is None:
            return "not known"
        return "in poverty" if c.poverty else "not in poverty"

    if any(c.family_kind == "unknown" for c in ordinary):
        notes.append(
            "truth has no families.csv (an older generator): family kinds and poverty are unknown"
        )
    return Backtest(
        as_of=as_of,
        scenario=scenario,
        since=since,
        children=len(children),
        known=sum(1 for c in children.values() if c.persons),
        harmed=len(harmed),
        kinds=kinds,
        ordinary=_group("not harmed", ordinary, flags_of, years_of),
        by_rule=by_rule,
        by_family=_groups(
            ordinary,
            lambda c: FAMILY_GROUPS.get(c.family_kind, c.family_kind),
            flags_of,
            years_of,
            FAMILY_GROUPS.values(),
        ),
        by_poverty=_groups(ordinary, poverty, flags_of, years_of, ("in poverty", "not in poverty")),
        by_sex=_groups(ordinary, sex, flags_of, years_of, ("female", "male")),
        by_age_band=_groups(
            ordinary,
            lambda c: _band(_age(c.dob, as_of)),
            flags_of,
            years_of,
            [b[0] for b in AGE_BANDS],
        ),
        by_area=_groups(ordinary, area, flags_of, years_of),
        harmed_after_as_of=harmed_later,
        borough=_manifest(truth),
        notes=notes,
    )


# --- the report ----------------------------------------------------------------------------


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:g}"


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


def _rates(title: str, groups: list[dict[str, Any]]) -> list[str]:
    rows = [
        [
            g["group"],
            f"{g['children']:,}",
            f"{g['flagged']:,}",
            _pct(g["share"]),
            f"{g['flags']:,}",
            _num(g["per_1000_child_years"]),
        ]
        for g in groups
    ]
    head = [title, "children", "flagged", "share flagged", "flags", "per 1,000 child-years"]
    return [*_table(head, rows), ""]


def report_text(data: dict[str, Any]) -> str:
    """The backtest as Markdown: readable in a terminal, and the backtest section of the docs."""
    targets = data["targets"]

    def met(value: bool | None) -> str:
        return {True: "met", False: "NOT met", None: "not measurable"}[value]

    o = data["ordinary"]
    of = data.get("ordinary_families") or o
    lines = [
        f"Evaluated as of {data['as_of']} on the recorded basis (scenario '{data['scenario']}'): "
        f"{data['children']:,} children in truth, {data['known']:,} recorded by some agency and "
        f"linked; {data['harmed']:,} harmed by an injected trajectory.",
        "",
        "### Injected harm: flagged before the harm date?",
        "",
    ]
    rows = [
        [
            k["kind"],
            f"{k['children']:,}",
            f"{k['flagged_before_harm']:,}",
            f"{k['flagged_only_after']:,}",
            _pct(k["sensitivity"]),
            _num(k["lead_days_median"]),
            "-"
            if k["lead_days_min"] is None
            else f"{k['lead_days_min']:,} to {k['lead_days_max']:,}",
            ", ".join(f"{r} ({n})" for r, n in k["first_rules"].items()) or "-",
        ]
        for k in data["kinds"]
    ]
    lines += _table(
        [
            "kind",
            "children",
            "flagged before harm",
            "flagged only on or after harm",
            "sensitivity",
            "median lead (days)",
            "lead range (days)",
            "first rule to fire (children)",
        ],
        rows,
    )
    lines += [
        "",
        f"Overall sensitivity: {_pct(data['sensitivity'])}. Target, every injected trajectory "
        f"flagged before its harm date: {met(targets['every_trajectory_flagged_before_harm'])}.",
        "",
        "### Children not harmed: false flags",
        "",
        f"{o['children']:,} children not harmed and known to some agency, "
        f"{o['child_years']:,} child-years observed: {o['flagged']:,} ({_pct(o['share'])}) carry "
        f"any flag; {o['flags']:,} flags, {_num(o['per_1000_child_years'])} per 1,000 "
        f"child-years. Of them, children of ordinary families (neither poverty-only nor a "
        f"harmed child's household): {of['flagged']:,} of {of['children']:,} "
        f"({_pct(of['share'])}) carry any flag. Target, at most 2% of ordinary children "
        f"carrying any flag: {met(targets['at_most_2_percent_of_ordinary_children_flagged'])}.",
        "",
    ]
    if data["by_rule"]:
        lines += _table(
            ["rule", "flags", "children", "per 1,000 child-years"],
            [
                [
                    r["rule_id"],
                    f"{r['flags']:,}",
                    f"{r['children']:,}",
                    _num(r["per_1000_child_years"]),
                ]
                for r in data["by_rule"]
            ],
        )
        lines.append("")
    lines += [
        "### Flag rates among children not harmed, by group",
        "",
        "A group whose rate stands well above the others is a skew to look into before "
        "anyone relies on the rules; poverty alone must never be read as neglect.",
        "",
    ]
    lines += _rates("family", data["by_family"])
    lines += _rates("poverty", data["by_poverty"])
    lines += _rates("sex", data["by_sex"])
    lines += _rates("age on " + data["as_of"], data["by_age_band"])
    lines += _rates("area (postcode district)", data["by_area"])
    missed = [(k["kind"], key) for k in data["kinds"] for key in k["missed"]]
    if missed:
        shown = ", ".join(f"{key} ({kind})" for kind, key in missed[:20])
        more = f" and {len(missed) - 20:,} more" if len(missed) > 20 else ""
        lines += [f"Missed (truth person keys): {shown}{more}.", ""]
    if data["harmed_after_as_of"]:
        lines += [f"{data['harmed_after_as_of']:,} harm dates fall after {data['as_of']}.", ""]
    lines += [f"Note: {n}." for n in data["notes"]]
    return "\n".join(lines).rstrip() + "\n"
