"""The Splink model: comparisons and blocking designed for children's records.

Every SQL condition here is written in DuckDB's dialect: comparison levels go
through :func:`sightline.linkage.engine.engine_sql` and blocking rules are
marked as DuckDB's for Splink to translate, so nothing here is engine
specific. Column names are those of the table
:func:`sightline.linkage.services` exports: one row per identity variant of one
agency person.
"""

from __future__ import annotations

from typing import Any

import splink.comparison_level_library as cll
from splink import SettingsCreator
from splink.blocking_rule_library import CustomRule
from splink.comparison_library import CustomComparison
from splink.internals.blocking_rule_creator import BlockingRuleCreator

from sightline.linkage.engine import engine_sql

DIALECT = "duckdb"


def _level(sql: str, label: str, **extra: Any) -> Any:
    # engine_sql translates for the engine in use, and fixes what sqlglot
    # (which Splink would use) gets wrong for Spark.
    level = cll.CustomLevel(engine_sql(sql), label_for_charts=label)
    return level.configure(**extra) if extra else level


def _null(col: str) -> Any:
    return _level(f"{col}_l IS NULL OR {col}_r IS NULL", "null", is_null_level=True)


def _identifier(col: str, label: str) -> Any:
    # Only valid identifiers reach the table (invalid ones are null), so agreement
    # is near-conclusive and disagreement strong evidence of two people.
    return CustomComparison(
        output_column_name=col,
        comparison_description=label,
        comparison_levels=[
            _null(col),
            _level(f"{col}_l = {col}_r", "exact"),
            cll.ElseLevel(),
        ],
    )


def comparisons() -> list[Any]:
    given = CustomComparison(
        output_column_name="given_name",
        comparison_description="given name, with nicknames and known-as names",
        comparison_levels=[
            _null("given_name"),
            _level(
                "given_name_l = given_name_r",
                "exact",
                tf_adjustment_column="given_name",
                tf_adjustment_weight=1.0,
            ),
            # Shares a nickname group or a known-as name (other_names).
            _level("len(list_intersect(given_keys_l, given_keys_r)) > 0", "nickname or known-as"),
            _level("jaro_winkler_similarity(given_name_l, given_name_r) >= 0.94", "JW >= 0.94"),
            _level("jaro_winkler_similarity(given_name_l, given_name_r) >= 0.85", "JW >= 0.85"),
            cll.ElseLevel(),
        ],
    )
    family = CustomComparison(
        output_column_name="family_name",
        comparison_description="family name, allowing hyphenated and double names",
        comparison_levels=[
            _null("family_name"),
            _level(
                "family_name_l = family_name_r",
                "exact",
                tf_adjustment_column="family_name",
                tf_adjustment_weight=1.0,
            ),
            _level("len(list_intersect(family_parts_l, family_parts_r)) > 0", "shares a part"),
            _level("jaro_winkler_similarity(family_name_l, family_name_r) >= 0.92", "JW >= 0.92"),
            _level("jaro_winkler_similarity(family_name_l, family_name_r) >= 0.8", "JW >= 0.8"),
            cll.ElseLevel(),
        ],
    )
    dob = CustomComparison(
        output_column_name="dob",
        comparison_description="date of birth (ISO text), with the slips people make",
        comparison_levels=[
            _null("dob"),
            _level("dob_l = dob_r", "exact"),
            _level(
                "substr(dob_l, 1, 4) = substr(dob_r, 1, 4)"
                " AND substr(dob_l, 6, 2) = substr(dob_r, 9, 2)"
                " AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2)",
                "day and month swapped",
            ),
            _level("damerau_levenshtein(dob_l, dob_r) <= 1", "one digit off or two swapped"),
            # An expected date of delivery against the birth date, or a late registration.
            _level(
                "abs(date_diff('day', CAST(dob_l AS DATE), CAST(dob_r AS DATE))) <= 31",
                "within a month",
            ),
            cll.ElseLevel(),
        ],
    )
    postcode = CustomComparison(
        output_column_name="postcode",
        comparison_description="postcode: full, sector, district",
        comparison_levels=[
            _null("postcode"),
            _level("postcode_l = postcode_r", "full"),
            _level("pc_sector_l = pc_sector_r", "sector"),
            _level("pc_district_l = pc_district_r", "district"),
            cll.ElseLevel(),
        ],
    )
    sex = CustomComparison(
        output_column_name="sex",
        comparison_description="sex",
        comparison_levels=[
            _null("sex"),
            _level("sex_l = sex_r", "exact"),
            cll.ElseLevel(),
        ],
    )
    return [
        _identifier("nhs_number", "valid NHS number"),
        _identifier("upn", "valid unique pupil number"),
        given,
        family,
        dob,
        postcode,
        sex,
    ]


# Two variants whose given names are both present and agree at no level of the
# given-name comparison (not equal, no shared nickname or known-as name, Jaro-
# Winkler below 0.85), and who share no valid identifier (a shared NHS number
# or UPN outweighs a spelling: Rhys and Reece with one NHS number are one boy).
# Two letters typed the wrong way round ("Mxa" for Max, "Ail" for Ali) are a
# slip, not another name: Jaro-Winkler cannot see it in a short name (its match
# window there is a single letter), but it is exactly the edit that is one step
# for Damerau-Levenshtein and two for Levenshtein. No two children's names
# differ by that alone, so twins stay guarded.
# Written over the predictions' retained columns.
GIVEN_NAMES_DISAGREE = (
    "given_name_l IS NOT NULL AND given_name_r IS NOT NULL"
    " AND given_name_l <> given_name_r"
    " AND len(list_intersect(given_keys_l, given_keys_r)) = 0"
    " AND jaro_winkler_similarity(given_name_l, given_name_r) < 0.85"
    " AND NOT (damerau_levenshtein(given_name_l, given_name_r) = 1"
    " AND levenshtein(given_name_l, given_name_r) = 2)"
    " AND NOT coalesce(nhs_number_l = nhs_number_r OR upn_l = upn_r, FALSE)"
)


# Enough to justify linking without a person: a shared valid identifier; or a
# given name and a date of birth on each side; or, when a side has no date of
# birth, the same family name and postcode exactly and the same given name or
# one a slip of the keyboard away (Jaro-Winkler 0.94 or more: "Albe" for
# Albie, "Scarlstt" for Scarlett; not Nathan for Nathaniel, 0.93), or a
# nickname or known-as name (Harry for Harrison) when both sides give the same
# sex. Brothers Oliver and Ollie at one address are kept apart by what else
# they hold: two valid NHS numbers, or one record naming both (clustering).
# A father and son of nickname-related names at one address, one record
# without a date of birth, are the case left to the threshold. The other way
# round, the same given name and postcode with a family name a slip away
# ("Burtin" for Burton: the family comparison's Jaro-Winkler 0.92 level) is
# enough too. Without it,
# agreement on what little is there can score high with everything else
# missing: a newborn's "Baby White" record against the mother's housing record
# (family name and postcode), or a child "Nathaniel Stokrs" against a parent
# "Nathan Stokes" with no date of birth (nickname, near surname, postcode).
ENOUGH_TO_LINK = (
    "nhs_number_l = nhs_number_r OR upn_l = upn_r"
    " OR (given_name_l IS NOT NULL AND given_name_r IS NOT NULL"
    " AND dob_l IS NOT NULL AND dob_r IS NOT NULL)"
    " OR ((given_name_l = given_name_r"
    " OR jaro_winkler_similarity(given_name_l, given_name_r) >= 0.94"
    " OR (len(list_intersect(given_keys_l, given_keys_r)) > 0 AND sex_l = sex_r))"
    " AND family_name_l = family_name_r AND postcode_l = postcode_r)"
    " OR (given_name_l = given_name_r AND postcode_l = postcode_r"
    " AND jaro_winkler_similarity(family_name_l, family_name_r) >= 0.92)"
)


def _rule(sql: str) -> BlockingRuleCreator:
    # Variants of the same agency person are never compared with each other:
    # they are one person by definition, and the pairs would only skew training.
    return CustomRule(f"({sql}) AND l.ap_id <> r.ap_id", sql_dialect=DIALECT)


def blocking_rules() -> list[BlockingRuleCreator]:
    return [
        _rule("l.nhs_number = r.nhs_number"),
        _rule("l.upn = r.upn"),
        _rule("l.dob = r.dob AND substr(l.family_name, 1, 1) = substr(r.family_name, 1, 1)"),
        _rule("l.dob = r.dob AND substr(l.given_name, 1, 1) = substr(r.given_name, 1, 1)"),
        _rule("l.postcode = r.postcode AND l.given_name = r.given_name"),
        _rule("l.postcode = r.postcode AND l.family_name = r.family_name"),
        # Name alone would pair every John Smith with every other: with a
        # million records of one surname that is billions of pairs. The birth
        # year, or the day and month (a year slip), keeps the block small.
        _rule(
            "l.family_name = r.family_name AND l.given_name = r.given_name"
            " AND substr(l.dob, 1, 4) = substr(r.dob, 1, 4)"
        ),
        _rule(
            "l.family_name = r.family_name AND l.given_name = r.given_name"
            " AND substr(l.dob, 6, 5) = substr(r.dob, 6, 5)"
        ),
        _rule(
            "l.pc_district = r.pc_district AND l.given_name = r.given_name"
            " AND substr(l.dob, 1, 4) = substr(r.dob, 1, 4)"
        ),
    ]


def training_rules() -> list[BlockingRuleCreator]:
    """Blocks for EM, chosen so that almost every pair in each is a true match.

    A looser block (date of birth alone, or a family at one address) is full of
    siblings, and EM then learns that a different given name is common among
    matches, which is exactly what merges twins. Within a shared valid NHS
    number or UPN, or an exact name and date of birth, nearly every pair is one
    person, so the m it learns for the other comparisons is the m of real matches.
    """
    return [
        _rule("l.nhs_number = r.nhs_number"),
        _rule("l.upn = r.upn"),
        _rule("l.given_name = r.given_name AND l.family_name = r.family_name AND l.dob = r.dob"),
    ]


# What each training rule blocks on, in the same order, for the run's notes.
TRAINING_RULE_LABELS = (
    "a shared NHS number",
    "a shared UPN",
    "the same given name, family name and date of birth",
)


def settings() -> SettingsCreator:
    rules: list[BlockingRuleCreator | dict[str, Any]] = [*blocking_rules()]
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=rules,
        additional_columns_to_retain=["ap_id"],
        # The compared columns (name_l, name_r) stay in the predictions: the twin
        # guard reads the given names. Each comparison's match weight (mw_*, and
        # mw_tf_adj_* for name frequency) is kept for the explanations
        # (linkage/explanations.py).
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
    )
