"""Plot helpers that reduce replicates (nntheory.report.plots)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from nntheory.report import plots  # noqa: E402


def test_bands_average_runs_then_take_median_and_range_over_replicates():
    df = pd.DataFrame(dict(replicate=[0, 0, 1, 1, 2, 2] * 2, n=[10] * 6 + [20] * 6,
                           x=[1, 1, 1, 1, 1, 1] * 2,
                           y=[0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 2, 2, 4, 4, 6, 6]))
    fig, ax = plt.subplots()
    plots.bands(ax, df, "x", "y", "n", label="N = {}")
    lines = ax.get_lines()
    assert [ln.get_label() for ln in lines] == ["N = 10", "N = 20"]
    assert lines[0].get_ydata()[0] == 0.5  # replicate means 0.5, 1, 0 -> median 0.5
    assert lines[1].get_ydata()[0] == 4.0
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert np.isclose(band.min(), 0.0) and np.isclose(band.max(), 1.0)
    plt.close(fig)
