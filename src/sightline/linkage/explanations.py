"""Explanations: why the model thinks two agency persons are, or are not, one person.

For each pair a run links or leaves for review, the match weight (log2 of the
Bayes factor) of each comparison at the level it reached, for the best pair of
the two agency persons' identity variants. Splink keeps these as ``mw_*``
columns in its predictions (``retain_intermediate_calculation_columns``), with
the term-frequency adjustment of a common or rare name in ``mw_tf_adj_*``. The
weights and the prior add up to the pair's match weight, so a reviewer can see
which comparisons pulled it up and which pulled it down.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ComparisonColumns:
    """Where one comparison's parts sit in the predictions, and its level labels."""

    name: str
    gamma: str
    weights: tuple[str, ...]  # the match weight, then the term-frequency adjustment if any
    labels: dict[int, str]


def comparison_columns(linker: Any) -> list[ComparisonColumns]:
    """The explanation columns of every comparison in the linker's (trained) model."""
    found = []
    for cc in linker._settings_obj.core_model_settings.comparisons:
        found.append(
            ComparisonColumns(
                name=cc.output_column_name,
                gamma=cc._gamma_column_name,
                weights=tuple(cc._match_weight_columns_to_sum),
                labels={
                    cl.comparison_vector_value: cl.label_for_charts for cl in cc.comparison_levels
                },
            )
        )
    return found


def explanation_sql(comparisons: list[ComparisonColumns]) -> str:
    """A SQL expression (DuckDB dialect) for one row's explanation as JSON text.

    Built by the engine, not in Python: a run explains every link, hundreds of
    thousands at a million records, and a Python dict per row of every weight
    and value came to gigabytes. Kept lean (no descriptions; a name's frequency
    adjustment folded into its weight). Each comparison's output name is also
    an input column (given_name, dob...), retained as ``_l`` and ``_r``, so the
    explanation shows the two values side by side. The prior is what is left of
    the total: the log2 odds that two random records match, before any
    comparison is looked at.
    """
    parts = []
    weight_sums = []
    for c in comparisons:
        weight = " + ".join(f"coalesce({w}, 0)" for w in c.weights) or "0"
        weight_sums.append(f"({weight})")
        level = " ".join(
            f"WHEN {value} THEN {_quoted(label)}" for value, label in sorted(c.labels.items())
        )
        parts.append(
            f"struct_pack(comparison := {_quoted(c.name)},"
            f" level := CASE {c.gamma} {level} ELSE CAST({c.gamma} AS VARCHAR) END,"
            f" weight := round({weight}, 3),"
            f' "left" := CAST({c.name}_l AS VARCHAR),'
            f' "right" := CAST({c.name}_r AS VARCHAR))'
        )
    total_of_parts = " + ".join(weight_sums) or "0"
    return (
        f"to_json(struct_pack(prior := round(match_weight - ({total_of_parts}), 3),"
        f" total := round(match_weight, 3), comparisons := [{', '.join(parts)}]))"
    )


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
