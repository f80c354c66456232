"""``nntheory new NAME``: a skeleton study and its test that run, report and check one
placeholder claim out of the box (see docs/writing-a-study.md)."""

from __future__ import annotations

import keyword
import re
from pathlib import Path

from nntheory.files import atomic_write

STUDY = '''"""{title}: the result this study reproduces (author year, theorem or figure).

Expected at quick: the relative L² error of a one-hidden-layer ReLU net on sin(πx) falls with
width (replace this example with your study's science and its expected numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import matplotlib.pyplot as plt
import numpy as np

from nntheory import data, nets, train
from nntheory.analysis import approximation as approx
from nntheory.claims import Claim
from nntheory.config import StudyConfig, field, increasing, positive
from nntheory.report import Figure, plots
from nntheory.study import Sweep

TITLE = "{title}"

SUMMARY = """
What the study reproduces, in two or three sentences a newcomer can follow.

How it measures it: which nets, data and sweep, and what is compared with the theory.
"""

EQUATIONS = (
    (r"$f_n(x)=\\sum_{{i=1}}^{{n}} v_i\\,\\mathrm{{relu}}(w_i x+b_i)$",
     "The model (replace with the theory's equation)."),
)

REFERENCES = ("Author (year). Title. Venue.",)


@dataclass(frozen=True)
class Config(StudyConfig):
    """A width sweep of one-hidden-layer ReLU nets on sin(πx)."""

    widths: tuple[int, ...] = field((4, 16, 64), increasing | positive)
    n_train: int = field(128, positive)
    steps: int = field(500, positive)
    learning_rate: float = field(1e-2, positive)


PROFILES = {{
    "test": Config(replicates=2, widths=(4, 16), steps=50),  # the test suite: seconds
    "quick": Config(replicates=5),  # seconds on a 2-core CPU
    "full": Config(replicates=10, widths=(4, 16, 64, 256, 1024), steps=5000),
}}

CLAIMS = (
    Claim(
        id="error_falls_with_width",
        statement="The relative L² error at the widest width is below that at the narrowest.",
        source="placeholder: name the paper and its theorem, figure or table",
        measured="error_ratio",
        op="<=",
        expected=1.0,
        note="A placeholder: replace it with the result this study reproduces and a threshold "
        "taken from its source, or fixed with its reason before looking at the replicates.",
    ),
)


def error_point(cfg: Config, key, *, width: int) -> dict:
    """One sweep point: train a width-``width`` net, measure its error on a dense grid."""
    k_data, k_init = jax.random.split(key)
    d = data.regression(k_data, "sin", cfg.n_train, 501)
    net = nets.mlp(width, 1, 1, "relu", parameterization="standard")
    params, hist = train.fit(net, net.init_params(k_init, (1,)), d, optimizer="adam",
                             learning_rate=cfg.learning_rate, steps=cfg.steps,
                             log_every=cfg.steps)
    pred = np.asarray(net.apply(params, d.x_test), np.float64)
    return dict(rel_l2=float(approx.relative_l2(pred, np.asarray(d.y_test, np.float64))),
                diverged=bool(hist.diverged))


SWEEPS = {{"errors": Sweep(error_point, grid=lambda c: dict(width=c.widths))}}


def metrics(tables, arrays, cfg: Config) -> dict[str, float]:
    """One replicate's metrics, from its stored tables (re-derived at claims/report time)."""
    e = tables["errors"].sort_values("width")
    return dict(error_ratio=float(e["rel_l2"].iloc[-1] / e["rel_l2"].iloc[0]),
                diverged_members=float(e["diverged"].sum()))


def figures(res, cfg: Config) -> list[Figure]:
    fig, ax = plt.subplots(figsize=(4.5, 3.2))
    plots.band(ax, res.tables["errors"], "width", "rel_l2", label="median over replicates")
    plots.log_axis(ax, cfg.widths)
    plots.log_axis(ax, axis="y")
    ax.set(xlabel="hidden width", ylabel="relative L² error")
    plots.legend(ax)
    fig.tight_layout()
    return [Figure("error_vs_width", "Relative L² error against width; band: min–max over "
                   "replicates.", fig)]
'''

TEST = '''"""{name}: the study's science tested on its own (every study's test profile runs
end to end in tests/test_studies.py)."""

import jax
import pytest

from nntheory.study import get_study

STUDY = get_study("{name}")


def test_point_returns_a_finite_error():
    cfg = STUDY.config("test")
    row = STUDY.error_point(cfg, jax.random.PRNGKey(0), width=4)
    assert 0 <= row["rel_l2"] < 10 and not row["diverged"]


def test_config_rejects_decreasing_widths():
    with pytest.raises(ValueError, match="widths"):
        STUDY.config("test", dict(widths=[16, 4]))
'''


def new_study(name: str, study_dir: str | Path = "studies",
              tests_dir: str | Path = "tests") -> tuple[Path, Path]:
    """Write ``<study_dir>/<name>.py`` and ``<tests_dir>/test_<name>.py``; return both paths.

    Raises:
      ValueError: a name that is not a lowercase Python identifier, a study of that name
        already registered, or a file that already exists (nothing is overwritten).
    """
    from nntheory.study import study_names

    if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or keyword.iskeyword(name):
        raise ValueError(f"study name must be a lowercase Python identifier, got {name!r}")
    if name in study_names():
        raise ValueError(f"a study named {name!r} exists already")
    study = Path(study_dir) / f"{name}.py"
    test = Path(tests_dir) / f"test_{name}.py"
    for p in (study, test):
        if p.exists():
            raise ValueError(f"{p} exists already; nothing was written")
    title = name.replace("_", " ").capitalize()
    atomic_write(study, STUDY.format(title=title))
    atomic_write(test, TEST.format(name=name))
    return study, test
