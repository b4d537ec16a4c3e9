"""Scoring: train the Splink model on the variants and score the blocked pairs.

Everything here speaks to Splink's database API (:mod:`sightline.linkage.engine`),
so the same code runs on DuckDB and on Spark.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from sightline.linkage.engine import engine_columns, engine_db_api, engine_sql, engine_u_chunks
from sightline.linkage.explanations import (
    comparison_columns,
    explanation_sql,
)

logger = logging.getLogger(__name__)

# Auto-link at or above this match probability. Precision matters more than
# recall (a false link puts one child's history in another child's file), so
# the bar is high; pairs below it stay apart until a reviewer links them.
MATCH_THRESHOLD = 0.99
# Pairs from here up to MATCH_THRESHOLD, and pairs above it that the twin or
# evidence guard held back, are listed for a person to decide; never linked
# without one.
REVIEW_THRESHOLD = 0.7
# Below this many identity variants there are too few pairs to estimate the
# model from (the prior and the m values go to 0 or 1), so nothing is linked
# and the run says so.
MIN_VARIANTS_TO_TRAIN = 100
# Pairs scored below this are not kept at all: they can never link.
PREDICT_FLOOR = 0.5


@dataclass(frozen=True)
class Candidate:
    """A pair of agency persons (a < b) at or above REVIEW_THRESHOLD, with its explanation.

    ``band`` is ``linked`` (auto-linked, if clustering agrees), ``held`` (above
    the match threshold but held back by a guard) or ``review`` (between the
    thresholds).
    """

    a: int
    b: int
    band: str
    probability: float
    guard_reason: str
    # JSON text, as stored on CandidatePair.explanation (see explanations.py).
    explanation: str = field(default="{}", compare=False)


def pairs_score(
    cols: dict[str, list[Any]],
) -> tuple[list[tuple[int, int, float]], int, int, str, list[str], list[Candidate]]:
    """Train and predict.

    Returns the linked agency-person pairs, the number of variant pairs scored
    at or above PREDICT_FLOOR,
    the number of agency-person pairs above the threshold held back by the twin
    and evidence guards, the trained model as JSON, what training could not do,
    and every agency-person pair at or above REVIEW_THRESHOLD as a Candidate
    (the linked ones included, for their explanations).
    """
    from splink import Linker
    from splink.internals.blocking_rule_creator import BlockingRuleCreator

    from sightline.linkage import splink_model

    if len(cols["unique_id"]) < MIN_VARIANTS_TO_TRAIN:
        return [], 0, 0, "", [], []
    table = variants_table(cols)
    db_api = engine_db_api()
    sdf = db_api.register(table, table_name="agency_person_variants")
    # Splink's own warnings (a comparison level no training pair happened to
    # reach) are routine on every run; only its errors are worth a user's eye.
    linker = Linker(sdf, splink_model.settings(), log_level=logging.ERROR)
    n = len(cols["unique_id"])
    notes: list[str] = []
    # Shared valid NHS number or UPN: near-certain matches, to estimate the prior.
    # With none shared (a feed without identifiers) Splink would estimate a
    # prior of exactly 0, whose match weight is log(0): predict then crashes.
    # Keep Splink's default prior (1 in 10,000) instead, and say so.
    if _shares_an_identifier(cols):
        deterministic: list[str | BlockingRuleCreator] = [*splink_model.blocking_rules()[:2]]
        try:
            linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.8)
        except Exception:  # too little data to say: keep Splink's prior
            logger.warning("could not estimate the prior match probability", exc_info=True)
            notes.append("the prior match probability could not be estimated")
    else:
        notes.append(
            "no valid NHS number or UPN is shared by two agency persons: "
            "the prior match probability was not estimated (Splink's default used)"
        )
    # u from random pairs, which for this many records are almost all non-matches.
    linker.training.estimate_u_using_random_sampling(
        max_pairs=min(5e6, max(1e5, n * n / 4)), seed=7, num_chunks=engine_u_chunks()
    )
    for rule, label in zip(
        splink_model.training_rules(), splink_model.TRAINING_RULE_LABELS, strict=True
    ):
        # An EM session takes out of the model the comparisons its block uses
        # and puts them back only when it succeeds: one that fails (no pairs in
        # its block) would leave them out of every prediction after it, so a
        # feed without dates of birth was scored without names or birth dates.
        # Put the model back as it was before the session.
        saved = linker._settings_obj.core_model_settings.copy()  # type: ignore[no-untyped-call]
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )
        except Exception:  # e.g. a feed with no NHS numbers: nothing to block on
            linker._settings_obj.core_model_settings = saved
            logger.warning("EM session on %s could not run", rule, exc_info=True)
            notes.append(f"no training pairs for {label}")
    model_json = linker.misc.save_model_to_json(out_path=None)
    predictions = linker.inference.predict(threshold_match_probability=PREDICT_FLOOR)
    linked, scored, held_back = agency_person_pairs(linker, predictions)
    candidates = _candidates(linker, predictions.physical_name)
    return linked, scored, held_back, json.dumps(model_json, sort_keys=True), notes, candidates


def variants_table(cols: dict[str, list[Any]]) -> Any:
    """The variants as an Arrow table, the form the engine reads and the file saved."""
    import pyarrow as pa  # type: ignore[import-untyped]

    return pa.table(
        {
            **cols,
            "unique_id": pa.array(cols["unique_id"], type=pa.int64()),
            "ap_id": pa.array(cols["ap_id"], type=pa.int64()),
            "given_keys": pa.array(cols["given_keys"], type=pa.list_(pa.string())),
            "family_parts": pa.array(cols["family_parts"], type=pa.list_(pa.string())),
            **{
                c: pa.array(cols[c], type=pa.string())
                for c in cols
                if c not in ("unique_id", "ap_id", "given_keys", "family_parts")
            },
        }
    )


def agency_person_pairs(
    linker: Any, predictions: Any
) -> tuple[list[tuple[int, int, float]], int, int]:
    """From scored variant pairs to agency-person pairs: (linked, scored, held back).

    Shared by full and incremental runs so both apply the same guards.
    """
    from sightline.linkage import splink_model

    # A pair of variants whose given names disagree outright (the comparison's
    # "else" level) is never auto-linked, however well the rest agrees:
    # same surname, birth date and address with different given names are
    # twins, not one child. Nor is a pair with too little to go on
    # (ENOUGH_TO_LINK). Such pairs are left for a person to decide.
    agg = linker.misc.query_sql(
        engine_sql(
            f"""
        SELECT least(ap_id_l, ap_id_r) AS a, greatest(ap_id_l, ap_id_r) AS b,
               max(CASE WHEN ({splink_model.GIVEN_NAMES_DISAGREE})
                        OR NOT coalesce({splink_model.ENOUGH_TO_LINK}, FALSE)
                   THEN NULL ELSE match_probability END) AS p,
               max(match_probability) AS p_any,
               count(*) AS n
        FROM {predictions.physical_name}
        GROUP BY 1, 2
        """
        ),
        output_type="splink_df",
    )
    records = agg.as_record_list()
    scored = sum(int(r["n"]) for r in records)
    linked = [
        (int(r["a"]), int(r["b"]), float(r["p"]))
        for r in records
        if r["p"] is not None and r["p"] >= MATCH_THRESHOLD
    ]
    held_back = sum(
        1
        for r in records
        if r["p_any"] >= MATCH_THRESHOLD and (r["p"] is None or r["p"] < MATCH_THRESHOLD)
    )
    return linked, scored, held_back


def _guard_reason_sql() -> str:
    """Why a pair of variants may not be auto-linked, whatever its score (NULL: it may)."""
    from sightline.linkage import splink_model

    return f"""
    CASE WHEN ({splink_model.GIVEN_NAMES_DISAGREE})
         THEN 'given names disagree and no identifier is shared (twins or siblings?)'
         WHEN NOT coalesce({splink_model.ENOUGH_TO_LINK}, FALSE)
         THEN 'too little to go on: no shared identifier, nor given name and date of birth'
    END"""


def _candidates(linker: Any, predictions: str) -> list[Candidate]:
    """Each agency-person pair at or above REVIEW_THRESHOLD, banded, with its best variant pair.

    The best variant pair is the one the band rests on: for a linked pair the
    strongest that passes the guards; otherwise the strongest of all, which for
    a held pair is the one a guard stopped.
    """
    comparisons = comparison_columns(linker)
    result = linker.misc.query_sql(
        engine_sql(
            f"""
        SELECT a, b, match_probability, guard, explanation FROM (
            SELECT *,
                   row_number() OVER (
                       PARTITION BY a, b
                       ORDER BY CASE WHEN guard IS NULL AND match_probability >= {MATCH_THRESHOLD}
                                     THEN 0 ELSE 1 END,
                                match_probability DESC, unique_id_l, unique_id_r
                   ) AS rank_in_pair,
                   max(match_probability) OVER (PARTITION BY a, b) AS p_any
            FROM (
                SELECT least(ap_id_l, ap_id_r) AS a, greatest(ap_id_l, ap_id_r) AS b,
                       unique_id_l, unique_id_r, match_probability,
                       {_guard_reason_sql()} AS guard,
                       {explanation_sql(comparisons)} AS explanation
                FROM {predictions}
            ) AS scored
        ) AS ranked
        WHERE rank_in_pair = 1 AND p_any >= {REVIEW_THRESHOLD}
        """
        ),
        output_type="splink_df",
    )
    names = ["a", "b", "match_probability", "guard", "explanation"]
    frame = engine_columns(result, names)
    found = []
    # Column by column, not a dict per row: at a million records these are
    # hundreds of thousands of rows.
    for a, b, prob, guard_or_none, explanation in zip(
        *(frame[n] for n in names),
        strict=True,
    ):
        p = float(prob)
        guard = guard_or_none if isinstance(guard_or_none, str) else ""
        if not guard and p >= MATCH_THRESHOLD:
            band = "linked"
        elif p >= MATCH_THRESHOLD:
            band = "held"
        else:
            band = "review"
        found.append(
            Candidate(
                a=int(a),
                b=int(b),
                band=band,
                probability=p,
                guard_reason=guard,
                explanation=str(explanation),
            )
        )
    del frame
    found.sort(key=lambda c: (c.a, c.b))
    return found


def _shares_an_identifier(cols: dict[str, list[Any]]) -> bool:
    """True when some valid NHS number or UPN is held by two different agency persons."""
    holders: dict[str, int] = {}
    for ap, nhs, upn in zip(cols["ap_id"], cols["nhs_number"], cols["upn"], strict=True):
        for ident in ("nhs:" + nhs if nhs else None, "upn:" + upn if upn else None):
            if ident is not None and holders.setdefault(ident, ap) != ap:
                return True
    return False
