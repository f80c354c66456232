"""Figures: what a study's ``figures(results, cfg)`` returns, and how it becomes SVG."""

from __future__ import annotations

import dataclasses
import io

import matplotlib

matplotlib.use("Agg")  # headless: reports are files, never windows

import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

#: One place for the look of every figure.
THEME = dict(style="whitegrid", context="paper", palette="colorblind", font_scale=1.1)


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
        """The caption's first sentence (for the contents)."""
        first = self.caption.split(". ")[0].rstrip(".")
        return first if len(first) <= 90 else first[:87] + "…"

    def svg(self) -> str:
        """The figure as a standalone SVG document (no XML prolog), then closed."""
        buf = io.StringIO()
        self.fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
        plt.close(self.fig)
        text = buf.getvalue()
        return text[text.index("<svg"):]
