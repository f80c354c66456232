"""Figures: what a study's ``figures(results, cfg)`` returns, and how it becomes SVG."""

from __future__ import annotations

import dataclasses
import io
import re

import matplotlib

matplotlib.use("Agg")  # headless: reports are files, never windows

import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

#: One place for the look of every figure: seaborn's "paper" context, ticks and legends at
#: 8.8 pt, labels at 9.6 pt, as printed (figures are shown at their own size, never stretched).
THEME = dict(style="whitegrid", context="paper", palette="colorblind", font_scale=1.0)

#: The report's text column (A4 less 14 mm margins), inches: a figure's width at most.
COLUMN_IN = 7.15
#: A figure's height at most, inches, so that two figures and their captions share a page.
HEIGHT_IN = 4.1
#: The smallest text a printed figure may carry, points.
MIN_FONT_PT = 7.0


def set_theme() -> None:
    """Apply the report theme (seaborn) and deterministic SVG output (no random ids, no date)."""
    sns.set_theme(**THEME)
    matplotlib.rcParams["svg.hashsalt"] = "nntheory"
    matplotlib.rcParams["svg.fonttype"] = "path"


@dataclasses.dataclass
class Figure:
    """A named figure with its caption; ``fig`` is a matplotlib Figure (seaborn draws into it)."""

    name: str
    caption: str
    fig: matplotlib.figure.Figure
    claims: tuple[str, ...] = ()  # ids of the claims this figure shows (linked both ways)

    @property
    def short(self) -> str:
        """The caption's first sentence, its math as plain text (for the contents)."""
        from nntheory.report.mathtext import plain_math

        first = plain_math(self.caption).split(". ")[0].rstrip(".")
        return first if len(first) <= 90 else first[:87] + "…"

    def print_problems(self) -> list[str]:
        """What keeps this figure from printing well (empty when nothing does); see
        :func:`print_problems`."""
        return [f"{self.name}: {p}" for p in print_problems(self.fig)]

    def svg(self) -> str:
        """The figure as a standalone SVG document (no XML prolog), then closed."""
        buf = io.StringIO()
        self.fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
        plt.close(self.fig)
        text = buf.getvalue()
        return text[text.index("<svg"):]


_COLUMN_NAME = re.compile(r"[A-Za-z0-9]+(_[A-Za-z0-9]+)+")


def print_problems(fig: matplotlib.figure.Figure) -> list[str]:
    """Why ``fig`` would not print well in a report, as short sentences (empty if none): wider
    than the column (:data:`COLUMN_IN`) or taller than half a page (:data:`HEIGHT_IN`) once
    cropped to its content, text under :data:`MIN_FONT_PT`, an axis labelled with a raw column
    name (``test_accuracy`` instead of words), or a legend over data
    (:func:`nntheory.report.plots.legend_overlaps`)."""
    from nntheory.report.plots import legend_overlaps

    fig.canvas.draw()
    box = fig.get_tightbbox(fig.canvas.get_renderer())  # inches
    found = []
    if box.width > COLUMN_IN + 0.02:
        found.append(f"{box.width:.2f} in wide (the column is {COLUMN_IN} in)")
    if box.height > HEIGHT_IN + 0.02:
        found.append(f"{box.height:.2f} in tall (at most {HEIGHT_IN} in)")
    small = sorted({round(t.get_fontsize(), 1) for t in fig.findobj(matplotlib.text.Text)
                    if t.get_visible() and t.get_text().strip()
                    and t.get_fontsize() < MIN_FONT_PT})
    if small:
        found.append(f"text at {', '.join(map(str, small))} pt (at least {MIN_FONT_PT} pt)")
    for ax in fig.axes:
        for label in (ax.get_xlabel(), ax.get_ylabel()):
            if _COLUMN_NAME.fullmatch(label.strip()):
                found.append(f"axis labelled {label!r}: say it in words")
    return found + legend_overlaps(fig)
