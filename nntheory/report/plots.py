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


def bands(ax, df: pd.DataFrame, x: str, y: str, by: str | None = None, *,
          label: str | None = "{}", stat: str = "mean", **line) -> None:
    """One :func:`band` per value of ``by`` (or one for all rows): ``y`` first reduced by
    ``stat`` over the rows of each (replicate, ``by``, ``x``) — the runs of one replicate —
    then its median and range over replicates. ``label`` is formatted with the ``by`` value."""
    keys = ["replicate"] + ([by] if by else []) + [x]
    per = df.groupby(keys, as_index=False)[y].agg(stat)
    for value, d in per.groupby(by) if by else [(None, per)]:
        band(ax, d, x, y, label=None if label is None else label.format(value), **line)


def reference_slope(ax, xs: Sequence[float], anchor: float, slope: float, label: str, *,
                    color="0.3", ls=":", lw=1.2) -> None:
    """The power law ``anchor · (x / x₀)^slope`` over the range of ``xs`` (a theory rate)."""
    x = np.array([min(xs), max(xs)], float)
    ax.plot(x, anchor * (x / x[0]) ** slope, ls=ls, color=color, lw=lw, label=label)


def log_color_scale(fig, axes, values: Sequence[float], cmap: str, label: str):
    """Colours for a quantity spanning decades (a compute budget, a data size) instead of a
    legend entry per value: a colour bar beside ``axes`` on a log scale from min to max of
    ``values``, labelled ``label``; returns the function value(s) → RGBA that it reads."""
    norm = matplotlib.colors.LogNorm(float(np.min(values)), float(np.max(values)))
    cm = matplotlib.colormaps[cmap] if isinstance(cmap, str) else cmap
    fig.colorbar(matplotlib.cm.ScalarMappable(norm=norm, cmap=cm), ax=axes, label=label)
    return lambda v: cm(norm(np.asarray(v, float)))


def log_curves(axes, df: pd.DataFrame, x: str, panels) -> None:
    """One panel per axis from ``panels``, each ``(curves, xlabel, ylabel, title, loc, top)``:
    log-y curves ``(column, format, label)`` of ``df`` against column ``x``, the labels and
    title, the legend at ``loc`` and the y axis up to ``top`` (room for the legend; None: up
    to the data)."""
    for ax, (curves, xlabel, ylabel, title, loc, top) in zip(axes, panels, strict=True):
        for col, fmt, label in curves:
            ax.semilogy(df[x], df[col], fmt, ms=4, label=label)
        ax.set(xlabel=xlabel, ylabel=ylabel, title=title, ylim=(None, top))
        legend(ax, loc, fontsize=8)


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
    """One legend for the whole figure, under the axes (labels collected once, the axes' own
    legends, e.g. seaborn's, removed). ``fig`` may be a subfigure; under constrained layout
    (``layout="constrained"``) the layout makes room for it, so it never meets tick labels."""
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    axes = axes if axes is not None else fig.axes
    seen: dict[str, matplotlib.artist.Artist] = {}
    for ax in np.ravel(axes):
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(lab, h)
        if ax.get_legend() is not None:
            ax.get_legend().remove()
    if seen and isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine):
        fig.legend(list(seen.values()), list(seen), loc="outside lower center",
                   ncol=ncol or min(len(seen), 5), frameon=False, **kw)
    elif seen:
        fig.legend(list(seen.values()), list(seen), loc="lower center",
                   bbox_to_anchor=(0.5, -0.02), ncol=ncol or min(len(seen), 5), frameon=False,
                   **kw)
        fig.subplots_adjust(bottom=0.18)


def rows(*ncols: int, height_ratios: Sequence[float] | None = None,
         figsize: tuple[float, float] = (7.0, 4.0)):
    """A figure of rows of panels (``ncols[i]`` in row i) under constrained layout, each row a
    subfigure, so that :func:`legend_below` can put one row's legend between the rows. Returns
    the figure, the rows (subfigures) and per row the list of its axes."""
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=figsize, layout="constrained")
    subs = list(np.ravel(fig.subfigures(len(ncols), 1, height_ratios=height_ratios)))
    return fig, subs, [list(np.ravel(s.subplots(1, n))) for s, n in zip(subs, ncols, strict=True)]


def legend_overlaps(fig) -> list[str]:
    """Legends of ``fig`` that cover data: for each legend (of an axes or of the figure), the
    axes whose lines, markers, bands or patches enter the legend's box (in display
    coordinates, after drawing). Empty when every legend sits clear of the data."""
    from matplotlib.collections import Collection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legends = [(ax.get_legend(), [ax]) for ax in fig.axes if ax.get_legend() is not None]
    legends += [(leg, list(fig.axes)) for leg in fig.legends]
    found = []
    for leg, axes in legends:
        box = leg.get_window_extent(renderer).padded(-1.0)
        for ax in axes:
            clip = ax.get_window_extent(renderer)
            if not box.overlaps(clip):
                continue
            for artist in ax.get_children():
                if isinstance(artist, Line2D) and artist.get_visible():
                    xy = ax.transData.transform(artist.get_xydata())
                    xy = xy[np.isfinite(xy).all(axis=1)]
                    crosses = _path_crosses(artist.get_path(), artist.get_transform(), box)
                    if _inside(box, xy).any() or crosses:
                        found.append(f"{ax.get_title() or 'axes'}: legend covers a line")
                        break
                elif isinstance(artist, Collection | Patch) and artist.get_visible() and \
                        artist is not ax.patch:
                    paths = artist.get_paths() if isinstance(artist, Collection) else \
                        [artist.get_path()]
                    transform = artist.get_transform()
                    if isinstance(artist, Collection) and len(artist.get_offsets()) and \
                            not paths[0].vertices.size > 8:
                        xy = artist.get_offset_transform().transform(artist.get_offsets())
                        if _inside(box, xy).any():
                            found.append(f"{ax.get_title() or 'axes'}: legend covers markers")
                            break
                        continue
                    if any(p.intersects_bbox(box.transformed(transform.inverted()))
                           for p in paths if len(p.vertices)):
                        found.append(f"{ax.get_title() or 'axes'}: legend covers a band or "
                                     "patch")
                        break
    return found


def _inside(box, xy: np.ndarray) -> np.ndarray:
    xy = np.asarray(xy, float).reshape(-1, 2)
    return ((xy[:, 0] >= box.x0) & (xy[:, 0] <= box.x1) & (xy[:, 1] >= box.y0)
            & (xy[:, 1] <= box.y1))


def _path_crosses(path, transform, box) -> bool:
    """Whether a line's path passes through ``box`` (display coordinates) between points."""
    verts = transform.transform(path.vertices)
    verts = verts[np.isfinite(verts).all(axis=1)]
    if len(verts) < 2:
        return False
    from matplotlib.path import Path

    return Path(verts).intersects_bbox(box, filled=False)
