"""The backtest counts what truth says, and measures lead time from when a flag could be seen."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from sightline.indicators.backtest import backtest
from sightline.indicators.models import Flag
from sightline.linkage.models import AgencyPerson

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def borough(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sightline.synth.cli import main

    out = tmp_path_factory.mktemp("borough")
    assert main(["--children", "300", "--seed", "11", "--out", str(out), "--quiet"]) == 0
    return out


@pytest.fixture
def linked(cli: Any, borough: Path) -> Path:
    """The borough ingested and linked in this test's database."""
    result = cli("ingest", *map(str, sorted(borough.glob("*.jsonl"))))
    assert result.code == 0, result.err
    result = cli("link", "--full")
    assert result.code == 0, result.err
    return borough


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _age(dob: dt.date, on: dt.date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def test_the_report_counts_what_truth_says(cli: Any, linked: Path) -> None:
    result = cli("evaluate", "--backtest", str(linked), "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)

    # Counted here straight from truth and the links, independently of the backtest.
    truth = linked / "truth"
    dob = {
        r["person_key"]: dt.date.fromisoformat(r["from"])
        for r in _csv(truth / "households.csv")
        if r["role"] == "child"
    }
    family_of = {
        r["person_key"]: r["household_key"]
        for r in _csv(truth / "households.csv")
        if r["role"] == "child"
    }
    kind_of_family = {r["household_key"]: r["kind"] for r in _csv(truth / "families.csv")}
    harm = {r["person_key"]: r["kind"] for r in _csv(truth / "trajectories.csv")}
    placed = {
        (a, local): p
        for a, local, p in AgencyPerson.objects.values_list("agency__code", "local_id", "person")
        if p is not None
    }
    persons_of: dict[str, set[int]] = {}
    for r in _csv(truth / "persons.csv"):
        if r["person_key"] in dob and (r["agency"], r["local_id"]) in placed:
            persons_of.setdefault(r["person_key"], set()).add(placed[(r["agency"], r["local_id"])])
    as_of = dt.date.fromisoformat(data["as_of"])
    since = dt.date.fromisoformat(json.loads((truth / "manifest.json").read_text())["since"])
    ordinary = [k for k in dob if k not in harm and k in persons_of]

    assert data["children"] == len(dob) == 300
    assert data["harmed"] == len(harm)
    assert {k["kind"]: k["children"] for k in data["kinds"]} == dict(Counter(harm.values()))
    assert data["ordinary"]["children"] == len(ordinary)
    years = sum((as_of - max(dob[k], since)).days for k in ordinary) / 365.25
    assert data["ordinary"]["child_years"] == pytest.approx(years, abs=0.1)
    flags = Flag.objects.filter(scenario=f"as-of {as_of}", met=True)
    on_ordinary = sum(
        flags.filter(person__in=persons_of[k]).count() for k in ordinary if persons_of[k]
    )
    assert data["ordinary"]["flags"] == on_ordinary
    assert sum(r["flags"] for r in data["by_rule"]) == on_ordinary

    by_family = {g["group"]: g["children"] for g in data["by_family"]}
    expected = Counter(kind_of_family[family_of[k]] for k in ordinary)
    assert by_family == {
        "ordinary family": expected["ordinary"],
        "poverty-only family": expected["poverty"],
        "sibling of a harmed child": expected["trajectory"],
    }
    bands = Counter(_age(dob[k], as_of) for k in ordinary)
    assert {g["group"]: g["children"] for g in data["by_age_band"]}["under 1"] == bands[0]
    for name in ("by_sex", "by_age_band", "by_area", "by_poverty"):
        assert sum(g["children"] for g in data[name]) == len(ordinary), name
    assert {g["group"] for g in data["by_sex"]} <= {"female", "male", "not recorded"}
    assert all(g["group"][:2].isalpha() for g in data["by_area"] if g["group"] != "not recorded")

    text = cli("evaluate", "--backtest", str(linked))
    assert text.code == 0, text.err
    assert "| non_mobile_injury | 1 |" in text.out
    assert f"{len(ordinary):,} children not harmed" in text.out


def _injury_record(borough: Path, person_key: str) -> dict[str, Any]:
    """The harmed infant's own emergency department record of the injury."""
    ids = {
        r["local_id"]
        for r in _csv(borough / "truth" / "persons.csv")
        if r["person_key"] == person_key
    }
    for line in (borough / "nhs-jpuh-ed.jsonl").read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if rec["type"] == "unscheduled_care" and rec["subject"]["local_id"] in ids:
            return rec  # type: ignore[no-any-return]
    raise AssertionError(f"no emergency department record for {person_key}")


def test_an_injured_infant_is_flagged_before_harm_only_when_an_earlier_injury_was_recorded(
    cli: Any, linked: Path, tmp_path: Path
) -> None:
    (row,) = [
        r for r in _csv(linked / "truth" / "trajectories.csv") if r["kind"] == "non_mobile_injury"
    ]
    harm_on = dt.date.fromisoformat(row["harm_on"])

    # The generated warning signs are a cause for concern and a police incident,
    # which the injury rule does not read: it recognises the harm itself, on its day.
    first = backtest(truth_dir=linked)
    (kind,) = [k for k in first.kinds if k.kind == "non_mobile_injury"]
    assert kind.flagged_before_harm + kind.flagged_only_after == 1
    if kind.flagged_before_harm:  # another rule saw a warning sign first
        assert kind.lead_days_min is not None and kind.lead_days_min > 0
    else:
        assert kind.missed == [row["person_key"]] and kind.sensitivity == 0

    # A bruise recorded 30 days earlier, with the infant not yet mobile: now the
    # rule fires before the harm, and the lead time runs from that record.
    earlier = _injury_record(linked, row["person_key"])
    bruised_on = harm_on - dt.timedelta(days=30)
    earlier["record_id"] += "-EARLIER"
    earlier["occurred_at"] = f"{bruised_on.isoformat()}T10:00:00+00:00"
    earlier["details"]["injury"] = {"kind": "bruise", "site": "ear", "explanation": "absent"}
    feed = tmp_path / "earlier.jsonl"
    feed.write_text(json.dumps(earlier) + "\n", encoding="utf-8")
    ingested = cli("ingest", str(feed))
    assert ingested.code == 0, ingested.err
    assert "accepted 1" in ingested.out, ingested.out

    second = backtest(truth_dir=linked)
    (kind,) = [k for k in second.kinds if k.kind == "non_mobile_injury"]
    assert kind.flagged_before_harm == 1 and kind.sensitivity == 1.0 and kind.missed == []
    assert (kind.lead_days_min, kind.lead_days_max, kind.lead_days_median) == (30, 30, 30)
    assert kind.first_rules == {"not-mobile-injury": 1}
    assert second.as_json()["targets"]["every_trajectory_flagged_before_harm"] is (
        second.sensitivity == 1.0
    )


def test_a_folder_without_truth_is_refused(cli: Any, tmp_path: Path) -> None:
    result = cli("evaluate", "--backtest", str(tmp_path))
    assert result.code == 2
    assert "no truth/" in result.err
