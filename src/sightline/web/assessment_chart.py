"""The change-over-time chart of a child's neglect assessments, as SVG geometry.

Drawn on the server, so it needs no JavaScript and no chart library: four lines
(one an area) of agreed grades at each completed assessment. Grade 1 (needs
fully met) is at the top, so a line going up means care getting better.
"""

from __future__ import annotations

from dataclasses import dataclass

from sightline.casework.assessments.selectors import AreaSeries

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 60, 20, 20, 40
# Colours from the GOV.UK palette, each line also told apart by its marker shape.
COLOURS = ("#1d70b8", "#d4351c", "#00703c", "#6f72af")
MARKERS = ("circle", "square", "diamond", "triangle")


@dataclass(frozen=True)
class Line:
    label: str
    colour: str
    marker: str
    points: tuple[tuple[float, float, int], ...]  # x, y, grade

    @property
    def path(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in self.points)


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    lines: tuple[Line, ...]
    x_labels: tuple[tuple[float, str], ...]
    y_ticks: tuple[tuple[float, int], ...]
    left: int
    right_edge: int
    bottom_edge: int


def _y(grade: float) -> float:
    return TOP + (grade - 1) * (HEIGHT - TOP - BOTTOM) / 4


def grades_chart(series: list[AreaSeries]) -> Chart | None:
    """The chart for these series; None until there are two completed assessments to compare."""
    dates = sorted({(p.on, p.assessment_id) for s in series for p in s.points})
    if len(dates) < 2:
        return None
    step = (WIDTH - LEFT - RIGHT) / (len(dates) - 1)
    x_of = {key: LEFT + i * step for i, key in enumerate(dates)}
    lines = tuple(
        Line(
            label=s.label,
            colour=COLOURS[i % len(COLOURS)],
            marker=MARKERS[i % len(MARKERS)],
            points=tuple((x_of[(p.on, p.assessment_id)], _y(p.grade), p.grade) for p in s.points),
        )
        for i, s in enumerate(series)
    )
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        lines=lines,
        x_labels=tuple((x_of[key], key[0].strftime("%-d %b %Y")) for key in dates),
        y_ticks=tuple((_y(g), g) for g in range(1, 6)),
        left=LEFT,
        right_edge=WIDTH - RIGHT,
        bottom_edge=HEIGHT - BOTTOM,
    )
