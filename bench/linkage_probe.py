"""Measurements the linkage benchmark runs in a child process (so its memory is sampled).

``python -m bench.linkage_probe score TRUTH_DIR``: pairwise precision, recall and
twins merged of the links in the database; ``plain TRUTH_DIR``: the same for a
plain Splink model on the same variants; ``surname N``: a full scoring of N
variants that all share one surname. Each prints one JSON object.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any


def _setup() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sightline.config.settings")
    django.setup()


def _truth(truth_dir: Path) -> dict[tuple[str, str], str]:
    with (truth_dir / "truth" / "persons.csv").open(newline="", encoding="utf-8") as f:
        return {(r["agency"], r["local_id"]): r["person_key"] for r in csv.DictReader(f)}


def _pairs(groups: Counter[Any]) -> int:
    return sum(n * (n - 1) // 2 for n in groups.values())


def _twins(truth: dict[tuple[str, str], str]) -> list[tuple[str, ...]]:
    """Children of one family (the key before "-C") born on the same day, by the records."""
    from sightline.feeds.models import SubjectRecord

    dobs: dict[str, Counter[Any]] = defaultdict(Counter)
    rows = SubjectRecord.objects.exclude(date_of_birth=None).values_list(
        "agency__code", "local_id", "date_of_birth"
    )
    for agency, local_id, dob in rows.iterator(chunk_size=20_000):
        key = truth.get((agency, local_id))
        if key and "-C" in key:
            dobs[key][dob] += 1
    births: dict[tuple[str, Any], list[str]] = defaultdict(list)
    for key, counts in dobs.items():
        births[(key.split("-")[0], counts.most_common(1)[0][0])].append(key)
    return [tuple(sorted(keys)) for keys in births.values() if len(keys) > 1]


def _score(
    person_of: dict[tuple[str, str], Any], truth: dict[tuple[str, str], str]
) -> dict[str, Any]:
    predicted: Counter[Any] = Counter()
    actual: Counter[Any] = Counter()
    both: Counter[Any] = Counter()
    persons_by_key: dict[str, set[Any]] = defaultdict(set)
    for ap, person in person_of.items():
        key = truth.get(ap)
        if key is None or person is None:
            continue
        predicted[person] += 1
        actual[key] += 1
        both[(person, key)] += 1
        persons_by_key[key].add(person)
    tp, p, t = _pairs(both), _pairs(predicted), _pairs(actual)
    twins = _twins(truth)
    merged = sum(
        1
        for keys in twins
        for i, a in enumerate(keys)
        for b in keys[i + 1 :]
        if persons_by_key[a] & persons_by_key[b]
    )
    twin_pairs = sum(len(k) * (len(k) - 1) // 2 for k in twins)
    return {
        "precision": tp / p if p else 1.0,
        "recall": tp / t if t else 1.0,
        "twin_pairs": twin_pairs,
        "twins_merged": merged,
    }


def score(truth_dir: Path) -> dict[str, Any]:
    from sightline.linkage.selectors import links_export

    person_of = {(a, lid): p or None for a, lid, p in links_export()}
    return _score(person_of, _truth(truth_dir))


def plain(truth_dir: Path) -> dict[str, Any]:
    """A plain Splink model: the library's default comparisons, blocking on names and DOB."""
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on

    from sightline.feeds.models import Agency
    from sightline.linkage.clustering import clusters_from_links
    from sightline.linkage.engine import engine_db_api
    from sightline.linkage.models import AgencyPerson
    from sightline.linkage.scoring import variants_table
    from sightline.linkage.services import gc_paused
    from sightline.linkage.variants import variants_export

    started = time.perf_counter()
    with gc_paused():
        ap_ids = {
            (a, lid): pk
            for pk, a, lid in AgencyPerson.objects.values_list("pk", "agency_id", "local_id")
        }
        cols = variants_export(ap_ids=ap_ids)
        table = variants_table(cols).select(
            [
                "unique_id",
                "ap_id",
                "given_name",
                "family_name",
                "dob",
                "sex",
                "nhs_number",
                "upn",
                "postcode",
            ]
        )
        db_api = engine_db_api()
        sdf = db_api.register(table, table_name="plain_variants")
        settings = SettingsCreator(
            link_type="dedupe_only",
            comparisons=[
                cl.NameComparison("given_name"),
                cl.NameComparison("family_name"),
                cl.DateOfBirthComparison("dob", input_is_string=True),
                cl.ExactMatch("nhs_number"),
                cl.ExactMatch("upn"),
                cl.PostcodeComparison("postcode"),
                cl.ExactMatch("sex"),
            ],
            blocking_rules_to_generate_predictions=[
                block_on("given_name", "family_name"),
                block_on("dob"),
            ],
            additional_columns_to_retain=["ap_id"],
        )
        linker = Linker(sdf, settings, log_level=logging.ERROR)
        linker.training.estimate_probability_two_random_records_match(
            [block_on("nhs_number")], recall=0.8
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=7)
        for rule in (block_on("given_name", "family_name"), block_on("dob")):
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        predictions = linker.inference.predict(threshold_match_probability=0.99)
        rows = linker.misc.query_sql(
            f"SELECT DISTINCT ap_id_l, ap_id_r FROM {predictions.physical_name}"
            " WHERE ap_id_l <> ap_id_r",
            output_type="splink_df",
        ).as_record_list()
        links = [(int(r["ap_id_l"]), int(r["ap_id_r"]), 1.0) for r in rows]
        clusters, _ = clusters_from_links(set(ap_ids.values()), links, {})
        cluster_of = {m: i for i, members in enumerate(clusters) for m in members}
        code = dict(Agency.objects.values_list("pk", "code"))
        person_of = {(code[a], lid): cluster_of[pk] for (a, lid), pk in ap_ids.items()}
    seconds = time.perf_counter() - started
    return {**_score(person_of, _truth(truth_dir)), "seconds": seconds}


# Postcode unit letters: 20 x 20 units a sector, about seven records a postcode at a million.
_UNIT = "ABDEFGHJLNPQRSTUWXYZ"


def surname(n: int) -> dict[str, Any]:
    """Score ``n`` variants that all share one surname: blocking must keep the pairs few."""
    from sightline.linkage.scoring import pairs_score

    rng = random.Random(5)
    given = [f"NAME{i:04d}" for i in range(2000)]
    cols: dict[str, list[Any]] = {
        k: []
        for k in (
            "unique_id",
            "ap_id",
            "given_name",
            "given_keys",
            "family_name",
            "family_parts",
            "dob",
            "sex",
            "nhs_number",
            "upn",
            "postcode",
            "pc_sector",
            "pc_district",
        )
    }
    for i in range(n):
        g = rng.choice(given)
        district = f"NR{rng.randint(1, 35)}"
        sector = f"{district} {rng.randint(0, 9)}"
        cols["unique_id"].append(i)
        cols["ap_id"].append(i)
        cols["given_name"].append(g)
        cols["given_keys"].append([g])
        cols["family_name"].append("SMITH")
        cols["family_parts"].append(["SMITH"])
        cols["dob"].append(
            f"{rng.randint(1950, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        )
        cols["sex"].append(rng.choice(("male", "female")))
        cols["nhs_number"].append(None)
        cols["upn"].append(None)
        cols["postcode"].append(f"{sector}{rng.choice(_UNIT)}{rng.choice(_UNIT)}")
        cols["pc_sector"].append(sector)
        cols["pc_district"].append(district)
    started = time.perf_counter()
    links, scored, held_back, _, notes, _candidates = pairs_score(cols)
    return {
        "seconds": time.perf_counter() - started,
        "links": len(links),
        "pairs_scored": scored,
        "held_back": held_back,
        "notes": notes,
    }


def main(argv: list[str]) -> int:
    _setup()
    what, arg = argv[0], argv[1]
    if what == "score":
        out = score(Path(arg))
    elif what == "plain":
        out = plain(Path(arg))
    elif what == "surname":
        out = surname(int(arg))
    else:
        print(f"unknown probe {what}", file=sys.stderr)
        return 2
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
