"""Generating a synthetic borough: families in chunks, written in a fixed order.

Families are cut into chunks of consecutive numbers. Each chunk is generated
alone (in this process or a worker) into per-agency buffers, and chunks are
written strictly in order, so the bytes on disk do not depend on how many
workers ran. Memory holds only the chunks in flight.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import random
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from pathlib import Path
from typing import IO

from sightline.synth import __version__, trajectories
from sightline.synth.agencies import ALL
from sightline.synth.community import child_community, family_life
from sightline.synth.families import Builder, FamilyPlan, census
from sightline.synth.health import child_health
from sightline.synth.model import Family
from sightline.synth.records import ChunkOutput, Emitter, Perms

CHUNK_FAMILIES = 250
PROGRESS_EVERY = 10_000  # children between progress messages


@dataclass(frozen=True, slots=True)
class Settings:
    seed: int
    children: int
    since: date
    until: date
    out: Path
    jobs: int = 1


@dataclass(slots=True)
class Packed:
    """A chunk's output joined into one bytes object per file, cheap to pass between processes."""

    feeds: dict[str, bytes]
    persons: bytes
    households: bytes
    identifiers: bytes
    trajectories: bytes
    family_kinds: bytes
    types: Counter[str]
    harm_kinds: Counter[str]
    records: dict[str, int]
    children: int
    families: int


@dataclass(slots=True)
class Summary:
    children: int = 0
    families: int = 0
    records: Counter[str] = field(default_factory=Counter)
    types: Counter[str] = field(default_factory=Counter)
    harm_kinds: Counter[str] = field(default_factory=Counter)
    persons: int = 0
    bytes_written: int = 0


def _household_rows(family: Family) -> list[str]:
    start = family.household_start.isoformat()
    key = family.key
    rows = [f"{key},{family.mother.key},mother,{start},\n"]
    if family.father is not None:
        left = family.father_left.isoformat() if family.father_left else ""
        rows.append(f"{key},{family.father.key},father,{start},{left}\n")
    if family.partner is not None and family.partner_joined is not None:
        rows.append(
            f"{key},{family.partner.key},partner_of_parent,{family.partner_joined.isoformat()},\n"
        )
    rows.extend(f"{key},{c.key},child,{c.dob.isoformat()},\n" for c in family.children)
    return rows


def _identifier_rows(family: Family) -> list[str]:
    people = [family.mother, *family.children]
    people += [p for p in (family.father, family.partner) if p is not None]
    people += family.others
    return [f"{p.key},{p.nhs},{p.upn or ''}\n" for p in people]


def _family_row(family: Family) -> str:
    # The family's kind as planned (ordinary, poverty or trajectory) and whether it
    # lives in poverty (most trajectory families do): a backtest must be able to
    # tell poverty apart from harm, because poverty must never read as neglect.
    poverty = "yes" if "poverty" in family.traits else "no"
    return f"{family.key},{family.kind},{poverty}\n"


def generate_chunk(seed: int, since: date, until: date, plans: list[FamilyPlan]) -> Packed:
    builder = Builder(seed, since, until)
    perms = Perms(seed)
    out = ChunkOutput()
    harm_rows = io.StringIO()
    harm_csv = csv.writer(harm_rows, lineterminator="\n")
    family_rows: list[str] = []
    for plan in plans:
        family = builder.build(plan)
        em = Emitter(
            out, perms, family, random.Random(f"sightline/events/{seed}/{plan.no}"), since, until
        )
        for child in family.children:
            child_health(em, family, child)
            child_community(em, family, child)
        family_life(em, family)
        trajectories.play(em, family)
        out.households.extend(_household_rows(family))
        out.identifiers.extend(_identifier_rows(family))
        family_rows.append(_family_row(family))
        harm = family.harm
        if harm is not None:
            harm_csv.writerow(
                (
                    harm.child.key,
                    harm.kind,
                    harm.started_on.isoformat(),
                    harm.harm_on.isoformat(),
                    harm.description,
                )
            )
            out.harm_kinds[harm.kind] += 1
        out.children += len(family.children)
        out.families += 1
    feeds = {}
    records = {}
    for code, lines in out.lines.items():
        feeds[code] = b"\n".join(lines) + b"\n" if lines else b""
        records[code] = len(lines)
    return Packed(
        feeds=feeds,
        persons="".join(out.persons).encode("utf-8"),
        households="".join(out.households).encode("utf-8"),
        identifiers="".join(out.identifiers).encode("utf-8"),
        trajectories=harm_rows.getvalue().encode("utf-8"),
        family_kinds="".join(family_rows).encode("utf-8"),
        types=out.types,
        harm_kinds=out.harm_kinds,
        records=records,
        children=out.children,
        families=out.families,
    )


def _chunks(plans: Iterable[FamilyPlan]) -> Iterator[list[FamilyPlan]]:
    it = iter(plans)
    while chunk := list(islice(it, CHUNK_FAMILIES)):
        yield chunk


def _results(settings: Settings) -> Iterator[Packed]:
    chunks = _chunks(census(settings.seed, settings.children))
    args = (settings.seed, settings.since, settings.until)
    if settings.jobs <= 1 or settings.children < 4000:
        for chunk in chunks:
            yield generate_chunk(*args, chunk)
        return
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    with ProcessPoolExecutor(settings.jobs, mp_context=multiprocessing.get_context(method)) as pool:
        pending: list[Future[Packed]] = []
        for chunk in chunks:
            pending.append(pool.submit(generate_chunk, *args, chunk))
            # Keep a few chunks in flight per worker, never the whole borough.
            if len(pending) >= settings.jobs * 3:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()


def run(settings: Settings, progress: Callable[[str], None] | None = None) -> Summary:
    out = settings.out
    truth = out / "truth"
    truth.mkdir(parents=True, exist_ok=True)
    summary = Summary()
    files: dict[str, IO[bytes]] = {}
    try:
        for agency in ALL:
            files[agency.code] = open(out / f"{agency.code}.jsonl", "wb")  # noqa: SIM115
        persons = files["truth/persons"] = open(truth / "persons.csv", "wb")  # noqa: SIM115
        households = files["truth/households"] = open(truth / "households.csv", "wb")  # noqa: SIM115
        harms = files["truth/trajectories"] = open(truth / "trajectories.csv", "wb")  # noqa: SIM115
        identifiers = files["truth/identifiers"] = open(truth / "identifiers.csv", "wb")  # noqa: SIM115
        kinds = files["truth/families"] = open(truth / "families.csv", "wb")  # noqa: SIM115
        persons.write(b"agency,local_id,person_key,kind\n")
        households.write(b"household_key,person_key,role,from,to\n")
        harms.write(b"person_key,kind,started_on,harm_on,description\n")
        identifiers.write(b"person_key,nhs_number,upn\n")
        kinds.write(b"household_key,kind,poverty\n")
        every = PROGRESS_EVERY
        next_report = every
        for packed in _results(settings):
            for code, data in packed.feeds.items():
                if data:
                    files[code].write(data)
                    summary.bytes_written += len(data)
            persons.write(packed.persons)
            households.write(packed.households)
            harms.write(packed.trajectories)
            identifiers.write(packed.identifiers)
            kinds.write(packed.family_kinds)
            summary.persons += packed.persons.count(b"\n")
            summary.records.update(packed.records)
            summary.types.update(packed.types)
            summary.harm_kinds.update(packed.harm_kinds)
            summary.children += packed.children
            summary.families += packed.families
            while progress is not None and summary.children >= next_report:
                progress(f"{next_report:,} children, {sum(summary.records.values()):,} records")
                next_report += every
    finally:
        for f in files.values():
            f.close()
    _write_manifest(settings, summary)
    return summary


def _write_manifest(settings: Settings, summary: Summary) -> None:
    manifest = {
        "generator": "sightline.synth",
        "generator_version": __version__,
        "feed_version": 1,
        "seed": settings.seed,
        "children": summary.children,
        "families": summary.families,
        "since": settings.since.isoformat(),
        "until": settings.until.isoformat(),
        "records": sum(summary.records.values()),
        "records_by_agency": {a.code: summary.records.get(a.code, 0) for a in ALL},
        "records_by_type": dict(sorted(summary.types.items())),
        "trajectories": {kind: summary.harm_kinds.get(kind, 0) for kind in trajectories.KINDS},
        "truth_person_rows": summary.persons,
        "files": sorted(f"{a.code}.jsonl" for a in ALL),
    }
    path = settings.out / "truth" / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
