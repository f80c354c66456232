"""The scaling-laws study end to end at a tiny config (seconds): every claimed metric is measured
and finite, the figures are drawn from the results, the published numbers and the config are
validated."""

from __future__ import annotations

import dataclasses

import jax
import numpy as np
import pytest

from nntheory.report import Figure
from nntheory.study import check_claims, get_study

SL = "scaling_laws"

TINY = dict(
    grid_stride=45,  # 100 of Hoffmann's starts
    bootstrap_resamples=8,
    bootstrap_starts=2,
    bootstrap_iters_f32=40,
    bootstrap_iters_f64=3,
    widths=[2, 4, 8],
    dataset_sizes=[16, 32, 64],
    seeds=2,
    steps=40,
    evals=4,
    n_test=128,
    teacher_width=16,
    sweep_resamples=8,
    sweep_starts=2,
    isoflop_budgets=3,
    isoflop_min_points=3,
)


@pytest.fixture(scope="module")
def tiny():
    study = get_study(SL)
    cfg = study.config("quick", TINY)
    res = study.run(cfg, jax.random.PRNGKey(0))
    return study, cfg, res


def test_every_claimed_metric_is_measured(tiny):
    study, _, res = tiny
    for claim in study.CLAIMS:
        assert claim.measured in res.metrics, claim.id
        assert np.isfinite(res.metrics[claim.measured]), claim.id
    assert len(check_claims(study.CLAIMS, res.metrics)) == len(study.CLAIMS)
    # the refit of the published points is the same optimum even from 100 starts
    assert res.metrics["chin_alpha"] == pytest.approx(0.3473, abs=2e-3)
    assert res.metrics["chin_n_points"] == 240
    assert res.metrics["iso_abs_a_plus_b_minus_1"] < 1e-9


def test_tables_and_figures(tiny):
    study, cfg, res = tiny
    sweep = res.tables["sweep"]
    assert len(sweep) == len(cfg.widths) * len(cfg.dataset_sizes) * cfg.seeds
    assert not sweep["diverged"].any()
    assert len(res.tables["chinchilla_bootstrap"]) == cfg.bootstrap_resamples
    figs = study.figures(res, cfg)
    assert len(figs) == 4 and all(isinstance(f, Figure) for f in figs)
    assert len({f.name for f in figs}) == 4
    for f in figs:
        assert f.svg().startswith("<svg")


def test_published_numbers_are_consistent():
    from studies import scaling_laws as s

    assert set(s.REPLICATION) == set(s.REPLICATION_SE) == set(s.HOFFMANN)
    a_rep = s.REPLICATION["beta"] / (s.REPLICATION["alpha"] + s.REPLICATION["beta"])
    assert a_rep == pytest.approx(0.513, abs=1e-3)  # the value the equal_scaling claim cites
    ids = [c.id for c in s.CLAIMS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("bad, match", [
    (dict(seeds=0), "seeds"),
    (dict(steps=1001), "evals"),
    (dict(widths=[4, 2, 8]), "widths"),
    (dict(dataset_sizes=[16, 24, 64]), "divide"),
    (dict(level=1.5), "level"),
    (dict(label_noise=0.0), "label_noise"),
    (dict(isoflop_min_points=2), "isoflop_min_points"),
    (dict(bootstrap_resamples=1), "bootstrap_resamples"),
])
def test_config_validation(bad, match):
    study = get_study(SL)
    with pytest.raises(ValueError, match=match):
        study.config("quick", bad)


def test_profiles_are_valid_and_derived_values_follow():
    study = get_study(SL)
    for name in study.profiles:
        cfg = study.config(name)
        assert cfg.steps % cfg.evals == 0 and cfg.log_every * cfg.evals == cfg.steps
    cfg = dataclasses.replace(study.config("quick"), label_noise=0.2)
    assert cfg.noise_floor == pytest.approx(0.02)


def test_sweep_data_tiles_each_members_samples():
    from studies import scaling_laws as s

    cfg = get_study(SL).config("quick", TINY)
    d = s._sweep_data(cfg, jax.random.PRNGKey(1))
    k = len(cfg.dataset_sizes) * cfg.seeds
    assert d["x_train"].shape == (k, cfg.max_d, cfg.input_dim)
    x = np.asarray(d["x_train"])
    # member (D = 16, seed 0) repeats its 16 samples; (D = 64, seed 0) starts with them
    np.testing.assert_array_equal(x[0, :16], x[0, 16:32])
    np.testing.assert_array_equal(x[0, :16], x[2 * cfg.seeds, :16])
    assert not np.array_equal(x[0, :16], x[1, :16])  # seeds differ
