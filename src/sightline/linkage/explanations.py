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


def explanation_select(comparisons: list[ComparisonColumns]) -> str:
    """The SELECT list (comma first) that carries a row's explanation out of the predictions.

    Each comparison's output name is also an input column (given_name, dob...),
    retained as ``_l`` and ``_r`` because the model retains matching columns, so
    the explanation can show the two values side by side.
    """
    cols: list[str] = []
    for c in comparisons:
        cols += [c.gamma, *c.weights, f"{c.name}_l", f"{c.name}_r"]
    return "".join(f", {col}" for col in cols)


def explanation_from_row(
    row: dict[str, Any], comparisons: list[ComparisonColumns]
) -> dict[str, Any]:
    """One pair's explanation as stored on ``CandidatePair.explanation``.

    Kept lean (no descriptions; a name's frequency adjustment folded into its
    weight): a run stores one for every link, so each byte counts many times.
    """
    parts = []
    total_of_parts = 0.0
    for c in comparisons:
        weights = [float(row[w] or 0.0) for w in c.weights]
        weight = sum(weights)
        total_of_parts += weight
        gamma = int(row[c.gamma])
        parts.append(
            {
                "comparison": c.name,
                "level": c.labels.get(gamma, str(gamma)),
                "weight": round(weight, 3),
                "left": _text(row.get(f"{c.name}_l")),
                "right": _text(row.get(f"{c.name}_r")),
            }
        )
    total = float(row["match_weight"])
    return {
        # The prior is what is left of the total: the log2 odds that two random
        # records match, before any comparison is looked at.
        "prior": round(total - total_of_parts, 3),
        "total": round(total, 3),
        "comparisons": parts,
    }


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
