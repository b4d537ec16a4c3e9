"""The dashboard's charts: each figure drawn by matplotlib as an SVG image, on the server.

Served as an image (``<img src=".../chart/flags.svg">``), so nothing in it runs
on the page and the page's Content Security Policy is untouched. Text is kept
as SVG text rather than paths, so the title and labels can be read and found.
Colours are GOV.UK's; every series also has its own hatching, and every bar its
number written on it, so no reading depends on colour alone.
"""

from __future__ import annotations

import io
import textwrap

import matplotlib as mpl
from matplotlib.axes import Axes
from matplotlib.figure import Figure as MplFigure

from sightline.reviews.dashboard import Figure

# GOV.UK Design System colours: blue, red, green, orange.
COLOURS = ("#1d70b8", "#d4351c", "#00703c", "#f47738")
HATCHES = ("", "///", "...", "xx")
TEXT = "#0b0c0c"
# How a hidden cell is written on the chart: the table's words, shortened to fit.
SHORT = {"fewer than 5": "<5", "not shown": "n/s"}


def _label(text: str) -> str:
    return SHORT.get(text, text)


def _bars(ax: Axes, figure: Figure) -> None:
    """One group of bars a row, one bar a column, each bar labelled with its number."""
    series = [i for i, c in enumerate(figure.columns) if c.role != "percent"]
    width = 0.8 / len(series)
    for n, col in enumerate(series):
        xs = [i + (n - (len(series) - 1) / 2) * width for i in range(len(figure.rows))]
        heights = [r.cells[col].value or 0 for r in figure.rows]
        bars = ax.bar(
            xs,
            heights,
            width,
            label=figure.columns[col].label,
            color=COLOURS[n % len(COLOURS)],
            hatch=HATCHES[n % len(HATCHES)],
            edgecolor="white",
        )
        labels = [_label(r.cells[col].text) for r in figure.rows]
        ax.bar_label(bars, labels=labels, fontsize=7, color=TEXT, padding=1)
    ax.set_xticks(range(len(figure.rows)))
    ax.set_xticklabels(
        [r.label for r in figure.rows], rotation=45 if len(figure.rows) > 6 else 0, ha="right"
    )
    ax.set_xlabel(figure.row_heading)
    ax.set_ylabel("Number")
    if len(series) > 1:
        ax.legend(fontsize=8, frameon=False)


def _percent(ax: Axes, figure: Figure) -> None:
    """One horizontal bar a row: the row's percentage, with its words written beside it."""
    col = next(i for i, c in enumerate(figure.columns) if c.role == "percent")
    rows = list(reversed(figure.rows))
    bars = ax.barh(range(len(rows)), [r.cells[col].value or 0 for r in rows], color=COLOURS[0])
    ax.bar_label(bars, labels=[_label(r.cells[col].text) for r in rows], fontsize=8, padding=2)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([textwrap.fill(r.label, 34) for r in rows], fontsize=8)
    ax.set_xlim(0, 110)
    ax.set_xlabel(figure.columns[col].label)


def figure_svg(figure: Figure) -> bytes:
    """The figure's chart as an SVG document."""
    with mpl.rc_context({"svg.fonttype": "none", "font.size": 9, "svg.hashsalt": figure.slug}):
        chart = MplFigure(figsize=(9, 4.5 if figure.chart == "bars" else 3.5), layout="tight")
        ax = chart.add_subplot()
        (_percent if figure.chart == "percent" else _bars)(ax, figure)
        ax.set_title(figure.title, loc="left", fontsize=11, color=TEXT)
        ax.spines[["top", "right"]].set_visible(False)
        out = io.BytesIO()
        chart.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()
