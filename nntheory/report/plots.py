"""Plot helpers several studies need: a log axis ticked at the sweep values, a median line with
a band over replicates (or seeds), a reference slope, and a legend kept off the data.

They draw into matplotlib axes a study creates (``plt.subplots`` or a seaborn grid), so a
figure function keeps only what is particular to its science.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, NullLocator

#: seaborn's arguments for "median line, band = min–max over the rows at each x"
MEDIAN_BAND = dict(estimator="median", errorbar=("pi", 100))


def log_axis(ax, values: Sequence[float] | None = None, axis: str = "x", base: float = 10) -> None:
    """A log axis; with ``values``, ticked exactly there and labelled plainly (``64``, not
    ``6.4×10¹``), without minor ticks."""
    a = ax.xaxis if axis == "x" else ax.yaxis
    (ax.set_xscale if axis == "x" else ax.set_yscale)("log", base=base)
    if values is not None:
        vals = sorted({float(v) for v in values})
        a.set_major_locator(FixedLocator(vals))
        a.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        a.set_minor_locator(NullLocator())
    a.set_minor_formatter(NullFormatter())


def no_minor_labels(fig) -> None:
    """Drop minor tick labels on every axis of ``fig`` (log axes spanning less than a decade
    would print each minor tick in scientific notation)."""
    for ax in fig.axes:
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.yaxis.set_minor_formatter(NullFormatter())


def band(ax, df: pd.DataFrame, x: str, y: str, *, label: str | None = None, color=None,
         marker: str = "o", alpha: float = 0.2, **line) -> None:
    """The median of ``y`` at each ``x`` as a line, and its min–max over the rows (replicates,
    seeds) as a shaded band."""
    g = df.groupby(x)[y]
    med, lo, hi = g.median(), g.min(), g.max()
    lines = ax.plot(med.index, med.to_numpy(), marker=marker, label=label, color=color, **line)
    if len(df) > len(med):
        ax.fill_between(med.index, lo.to_numpy(), hi.to_numpy(), color=lines[0].get_color(),
                        alpha=alpha, lw=0)


def reference_slope(ax, xs: Sequence[float], anchor: float, slope: float, label: str, *,
                    color="0.3", ls=":", lw=1.2) -> None:
    """The power law ``anchor · (x / x₀)^slope`` over the range of ``xs`` (a theory rate)."""
    x = np.array([min(xs), max(xs)], float)
    ax.plot(x, anchor * (x / x[0]) ** slope, ls=ls, color=color, lw=lw, label=label)


def legend(ax, where: str = "outside", **kw) -> None:
    """A legend only where something is labelled; ``"outside"`` puts it right of the axes
    (never over data), anything else is passed to matplotlib as ``loc``."""
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return
    if where == "outside":
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                  borderaxespad=0.0, frameon=False, **kw)
    else:
        ax.legend(handles, labels, loc=where, **kw)


def legend_below(fig, axes=None, ncol: int | None = None, **kw) -> None:
    """One legend for the whole figure, under the axes (labels collected once)."""
    axes = axes if axes is not None else fig.axes
    seen: dict[str, matplotlib.artist.Artist] = {}
    for ax in np.ravel(axes):
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(lab, h)
    if seen:
        fig.legend(list(seen.values()), list(seen), loc="lower center",
                   bbox_to_anchor=(0.5, -0.02), ncol=ncol or min(len(seen), 5), frameon=False,
                   **kw)
        fig.subplots_adjust(bottom=0.18)
