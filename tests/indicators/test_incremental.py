"""Re-evaluating a child after a new record runs only the rules the record can change.

The rules whose input is unchanged keep their last result (engine.HitMemo), so a
new record must leave every flag exactly as a full re-evaluation would: same
levels, explanations, evidence, and the statuses practitioners gave them.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from sightline.feeds.models import SourceRecord
from sightline.feeds.services import feed_ingest_stream
from sightline.indicators.catalogue import all_rules
from sightline.indicators.engine import HIT_MEMO
from sightline.indicators.models import LIVE, Flag, FlagEvidence
from sightline.indicators.schema import SCHEMAS
from sightline.indicators.services import (
    evaluation_run,
    flag_acknowledge,
    flag_dismiss,
    memo_clear,
)

pytestmark = pytest.mark.django_db


def test_every_table_a_rule_reads_beyond_events_and_persons_is_in_its_needs() -> None:
    for rule in all_rules():
        sql = rule.sql(rule.defaults())
        for table in set(SCHEMAS) - {"events", "persons"}:
            if re.search(rf"\b{table}\b", sql):
                assert table in rule.needs, f"{rule.id} reads {table} but does not need it"


@pytest.fixture(scope="module")
def borough(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sightline.synth.cli import main

    out = tmp_path_factory.mktemp("borough")
    assert main(["--children", "300", "--seed", "11", "--out", str(out), "--quiet"]) == 0
    return out


def _busiest_child() -> tuple[int, list[int]]:
    """The linked child named as subject in the most record types, and one record of each."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ap.person_id, s.type, max(s.id) FROM feeds_subjectrecord sr"
            " JOIN linkage_agencyperson ap"
            " ON ap.agency_id = sr.agency_id AND ap.local_id = sr.local_id"
            " JOIN feeds_sourcerecord s ON s.id = sr.source_record_id"
            " WHERE sr.role = 'subject' AND ap.person_id IS NOT NULL"
            " AND sr.date_of_birth >= '2012-01-01'"
            " GROUP BY ap.person_id, s.type"
        )
        by_person: dict[int, list[int]] = {}
        for person, _, record in cur.fetchall():
            by_person.setdefault(person, []).append(record)
    person = max(by_person, key=lambda p: (len(by_person[p]), -p))
    return person, sorted(by_person[person])


def _state(person: int) -> list[tuple[Any, ...]]:
    """What a practitioner sees of the child's flags."""
    evidence: dict[int, set[tuple[str, str]]] = {}
    for flag_id, agency, record in FlagEvidence.objects.filter(flag__person_id=person).values_list(
        "flag_id", "agency_code", "record_id"
    ):
        evidence.setdefault(flag_id, set()).add((agency, record))
    return sorted(
        (
            f.rule_id,
            f.first_triggered_on,
            f.last_triggered_on,
            f.level,
            f.explanation,
            f.met,
            f.status,
            f.status_reason,
            tuple(sorted(evidence.get(f.pk, set()))),
        )
        for f in Flag.objects.filter(person_id=person, scenario=LIVE)
    )


def _arrives_again(record_id: int, n: int) -> None:
    """A new record like ``record_id`` about the same people, under a new id."""
    payload = json.loads(SourceRecord.objects.get(pk=record_id).payload)
    payload["record_id"] = f"{payload['record_id']}-NEW-{n}"
    result = feed_ingest_stream(
        stream=io.BytesIO((json.dumps(payload) + "\n").encode()), name=f"new-{n}.jsonl"
    )
    assert result.accepted == 1, result


def test_a_new_record_of_each_type_leaves_the_flags_a_full_reevaluation_gives(
    cli: Any, borough: Path
) -> None:
    assert cli("ingest", *map(str, sorted(borough.glob("*.jsonl")))).code == 0
    assert cli("link", "--full").code == 0
    person, examples = _busiest_child()
    memo_clear()
    evaluation_run(persons={person})
    flags = list(Flag.objects.filter(person_id=person).order_by("rule_id"))
    assert flags, "the busiest child of the borough has flags to keep"
    flag_acknowledge(flag=flags[0], by="sw1", reason="Visiting on Monday")
    if len(flags) > 1:
        flag_dismiss(flag=flags[-1], by="sw1", reason="Known and explained")
    kept_before = HIT_MEMO.hits
    types = []
    for n, record_id in enumerate(examples):
        types.append(SourceRecord.objects.get(pk=record_id).type)
        _arrives_again(record_id, n)
        incremental = evaluation_run(persons={person})
        seen = _state(person)
        assert seen, "the child's flags are compared"
        memo_clear()
        full = evaluation_run(persons={person})
        assert _state(person) == seen, f"after a new {types[-1]} record"
        assert (
            full.run.flags_raised,
            full.run.flags_updated,
            full.run.flags_no_longer_met,
        ) == (0, 0, 0), f"a full run after a new {types[-1]} record changed what the last left"
        assert incremental.run.hits == full.run.hits
    assert len(types) >= 4, f"the child has records of only {types}"
    assert HIT_MEMO.hits > kept_before, "no rule was left unrun after any new record"
    statuses = dict(Flag.objects.filter(pk=flags[0].pk).values_list("pk", "status"))
    assert statuses[flags[0].pk] == Flag.Status.ACKNOWLEDGED


def test_a_child_evaluated_alone_gets_the_flags_the_population_run_gave(
    cli: Any, borough: Path
) -> None:
    assert cli("ingest", *map(str, sorted(borough.glob("*.jsonl")))).code == 0
    assert cli("link", "--full").code == 0
    evaluation_run()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT DISTINCT f.person_id FROM indicators_flag f"
            " WHERE f.rule_id = 'sibling-signal' OR f.level = 'suspect'"
        )
        people = sorted(p for (p,) in cur.fetchall())
    assert people, "the borough has suspect and sibling flags"
    for person in people:
        seen = _state(person)
        memo_clear()
        alone = evaluation_run(persons={person})
        assert _state(person) == seen, f"person {person} alone"
        assert (alone.run.flags_raised, alone.run.flags_updated) == (0, 0)
