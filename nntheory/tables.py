"""Long (tidy) tables from arrays measured over a grid: one row per grid point, one column per
grid axis and per measured quantity — the shape the result store keeps and seaborn plots."""

from __future__ import annotations

import numpy as np
import pandas as pd


def grid_frame(axes: dict, **values) -> pd.DataFrame:
    """A long DataFrame from arrays over the product of ``axes``.

    Args:
      axes: column name -> the coordinates along that axis, in the arrays' axis order (a
        sequence or an int n, meaning 0..n−1).
      values: column name -> an array whose shape is the axes' lengths, in that order.

    Returns:
      One row per grid point (C order, the last axis fastest): the axes' coordinates, then
      every value.

    Raises:
      ValueError: a value's shape is not the grid's, naming it.
    """
    coords = {k: np.arange(v) if isinstance(v, int | np.integer) else np.asarray(v)
              for k, v in axes.items()}
    shape = tuple(len(c) for c in coords.values())
    cols = {}
    for name, v in values.items():
        v = np.asarray(v)
        if v.shape != shape:
            raise ValueError(f"{name} has shape {v.shape}, the grid {tuple(coords)} is {shape}")
        cols[name] = v.ravel()
    index = pd.MultiIndex.from_product(list(coords.values()), names=list(coords))
    return pd.DataFrame(cols, index=index).reset_index()
