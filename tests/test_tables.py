"""Long tables from grid arrays (nntheory.tables)."""

from __future__ import annotations

import numpy as np
import pytest

from nntheory.tables import grid_frame


def test_grid_frame_rows_follow_the_arrays():
    v = np.arange(6.0).reshape(2, 3)
    df = grid_frame(dict(load=[0.1, 0.2], seed=3), value=v, twice=2 * v)
    assert list(df.columns) == ["load", "seed", "value", "twice"]
    assert df["load"].tolist() == [0.1] * 3 + [0.2] * 3 and df["seed"].tolist() == [0, 1, 2] * 2
    assert np.array_equal(df.set_index(["load", "seed"]).loc[(0.2, 1), "value"], v[1, 1])


def test_grid_frame_refuses_a_wrong_shape():
    with pytest.raises(ValueError, match="value has shape"):
        grid_frame(dict(a=2, b=3), value=np.zeros((3, 2)))
