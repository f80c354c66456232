"""The scaling-laws study: the refit of the published points at the test profile and the
bootstrap that restarts from its best starts, the sweep data and training of batched replicates,
the laws fitted to a trained sweep, its metrics on tables built by hand, the published numbers
and the config rules (its end-to-end run and report are in tests/test_studies.py)."""

from __future__ import annotations

import dataclasses

import jax
import numpy as np
import pandas as pd
import pytest

from nntheory.analysis import scaling as sl
from nntheory.study import Results, get_study

SL = "scaling_laws"
STUDY = get_study(SL)


@pytest.fixture(scope="module")
def refit():
    """The refit point at the test profile (100 of Hoffmann's starts)."""
    cfg = STUDY.config("test")
    return cfg, STUDY.refit_point(cfg, None)


def test_refit_reaches_the_optimum_from_a_hundred_starts(refit):
    _, out = refit
    fit = out.tables["chinchilla_fit"].iloc[0]
    pts = out.tables["chinchilla"]
    assert len(pts) == 240  # 245 published points, the 5 highest losses dropped
    assert fit["alpha"] == pytest.approx(0.3473, abs=2e-3)
    assert fit["beta"] == pytest.approx(0.3672, abs=2e-3)
    assert fit["E"] == pytest.approx(1.8172, abs=5e-3)
    # the published law fits its own points worse than the refit does
    assert fit["objective_published"] > fit["objective"]
    np.testing.assert_allclose(sl.params_to_theta(fit), out.arrays["chin_theta"], rtol=1e-12)


def test_bootstrap_restarts_from_the_refits_best_starts(refit):
    cfg, out = refit
    starts = out.tables["chinchilla_starts"]
    assert starts.shape == (cfg.bootstrap_starts, 6)
    # the starts whose fits reached the lowest objectives, best first
    np.testing.assert_array_equal(starts["objective"],
                                  np.sort(out.arrays["chin_objectives"])[:cfg.bootstrap_starts])
    assert starts["objective"].iloc[0] == out.tables["chinchilla_fit"]["objective"].iloc[0]
    boots = [STUDY.bootstrap_point(cfg, jax.random.PRNGKey(k), tables=out.tables)
             for k in (0, 1)]  # two replicates' keys
    for b in boots:
        assert len(b) == cfg.bootstrap_resamples
        assert set(b.columns) >= set(sl.PARAMS) | {"objective"}
    assert not np.allclose(boots[0]["alpha"], boots[1]["alpha"])


def test_sweep_data_tiles_each_members_samples():
    cfg = STUDY.config("test")
    keys = jax.random.split(jax.random.PRNGKey(1), 2)  # two replicates, batched
    d = STUDY.sweep_data(cfg, keys)
    k = len(cfg.dataset_sizes) * cfg.seeds  # members per replicate, (D, seed) order
    assert d["x_train"].shape == (2 * k, cfg.max_d, cfg.input_dim)
    assert d["x_test"].shape == (2 * k, cfg.n_test, cfg.input_dim)
    x = np.asarray(d["x_train"])
    d0 = cfg.dataset_sizes[0]
    # member (smallest D, seed 0) repeats its samples; (largest D, seed 0) starts with them
    np.testing.assert_array_equal(x[0, :d0], x[0, d0:2 * d0])
    np.testing.assert_array_equal(x[0, :d0], x[k - cfg.seeds, :d0])
    assert not np.array_equal(x[0, :d0], x[1, :d0])  # seeds differ
    assert not np.array_equal(x[0], x[k])  # replicates differ
    yt = np.asarray(d["y_test"])
    assert np.array_equal(yt[0], yt[k - 1]) and not np.array_equal(yt[0], yt[k])


def test_training_point_trains_every_replicates_members_at_one_width():
    cfg = STUDY.config("test")
    keys = jax.random.split(jax.random.PRNGKey(1), 2)  # two replicates, batched
    w = cfg.widths[-1]
    df = STUDY.training_point(cfg, keys, STUDY.sweep_data(cfg, keys), width=w)
    assert len(df) == 2 * len(cfg.dataset_sizes) * cfg.seeds
    assert sorted(df["replicate"].unique()) == [0, 1] and (df["width"] == w).all()
    assert (df["N"] == w * cfg.input_dim + 2 * w + 1).all()  # one hidden layer, biases
    # evaluations at step 0 and after every log_every steps: evals + 1 of them
    assert not df["diverged"].any() and df["best_eval"].between(0, cfg.evals).all()
    assert (df["test_loss"] <= df["test_loss_final"]).all()  # early stopping: the minimum
    r0, r1 = (df[df["replicate"] == r]["test_loss"].to_numpy() for r in (0, 1))
    assert not np.allclose(r0, r1)  # a new teacher and new inits per replicate


def test_laws_point_on_a_sweep_drawn_from_a_known_law():
    """A trained sweep's table replaced by losses drawn from a parametric law (0.1 % noise per
    seed): the laws recover its exponents, and the bootstraps come from the point's key."""
    cfg = STUDY.config("test", dict(sweep_resamples=16))
    theta = sl.params_to_theta(dict(E=0.01, A=2.0, B=5.0, alpha=0.8, beta=0.6))
    n, d = np.array([33.0, 65.0, 129.0, 257.0]), np.array(cfg.dataset_sizes, np.float64)
    rng = np.random.default_rng(0)
    sweep = pd.DataFrame([dict(seed=s, N=nv, D=dv, test_loss=float(
        sl.chinchilla_loss(theta, nv, dv) * np.exp(1e-3 * rng.standard_normal())))
        for s in range(cfg.seeds) for nv in n for dv in d])
    a, b = (STUDY.laws_point(cfg, jax.random.PRNGKey(k), tables=dict(sweep=sweep))
            for k in (0, 1))
    laws = a.tables["sweep_laws"].iloc[0]
    assert laws["sweep_param_alpha"] == pytest.approx(0.8, abs=0.05)
    assert laws["sweep_param_beta"] == pytest.approx(0.6, abs=0.05)
    assert laws["sweep_r2_log"] > 0.99
    assert len(a.tables["seed_bootstrap"]) == len(a.tables["cell_bootstrap"]) == 16
    assert a.arrays["iso_profiles"].shape == (len(a.tables["isoflop"]), n.size)
    pd.testing.assert_frame_equal(a.tables["sweep_laws"], b.tables["sweep_laws"])
    assert not np.allclose(a.tables["cell_bootstrap"]["alpha"],
                           b.tables["cell_bootstrap"]["alpha"])


def _tables(iso_a=0.45, iso_b=0.55, param_a=0.5):
    """One replicate's tables, built by hand: the refit at the replication's values, a
    bootstrap around it, a synthetic refit and the laws of a sweep."""
    rep = STUDY.REPLICATION
    fit = dict(rep, a=0.5, b=0.5, objective=1e-3, starts_within_1e9=7, objective_published=2e-3)
    rng = np.random.default_rng(0)
    boot = pd.DataFrame({k: v * (1 + 0.01 * rng.standard_normal(64)) for k, v in rep.items()})
    boot = boot.assign(a=boot["beta"] / (boot["alpha"] + boot["beta"]),
                       b=boot["alpha"] / (boot["alpha"] + boot["beta"]), objective=1e-3)
    pts = pd.DataFrame(dict(N=[1e8, 1e9], D=[1e9, 1e10], loss=[3.0, 2.5],
                            pred_refit=[3.0, 2.5]))
    syn = pd.DataFrame([dict(rep, alpha=rep["alpha"] + 0.01, E=rep["E"] * 1.02, a=0.5, b=0.5,
                             objective=1e-3)])
    laws = dict(sweep_E=0.01, sweep_A=2.0, sweep_alpha_n=1.5, sweep_r2_log=0.99, iso_a=iso_a,
                iso_b=iso_b, sweep_n_budgets=9.0,
                **{f"sweep_param_{k}": 0.5 for k in (*sl.PARAMS, "objective")})
    laws["sweep_param_a"] = param_a
    seed_b = pd.DataFrame(dict(sweep_alpha_n=np.linspace(1.0, 2.0, 11), iso_a=np.nan,
                               iso_b=np.linspace(0.4, 0.6, 11)))
    return dict(
        chinchilla=pts, chinchilla_fit=pd.DataFrame([fit]), chinchilla_bootstrap=boot,
        synthetic=syn, sweep_laws=pd.DataFrame([laws]), seed_bootstrap=seed_b,
        cell_bootstrap=boot, isoflop=pd.DataFrame(dict(C=[1.0, 2.0], N_opt=[1.0, np.nan],
                                                       D_opt=[1.0, np.nan])),
        sweep=pd.DataFrame(dict(diverged=[False, True, False]))), dict(
        chin_theta=sl.params_to_theta(rep))


def test_metrics_by_hand():
    cfg = STUDY.config("test")
    m = STUDY.metrics(Results(*_tables()), cfg)
    assert m["chin_replication_max_z"] == pytest.approx(0.0)  # the refit is the replication
    assert m["synthetic_max_error"] == pytest.approx(0.02)  # 2 % in E beats 0.01 in α
    assert m["chin_n_points"] == 2 and m["chin_resid_mad"] == 0
    assert m["chin_starts_within_1e9"] == 7 and m["chin_objective_published"] == 2e-3
    assert m["iso_abs_a_plus_b_minus_1"] == pytest.approx(0.0)
    assert m["sweep_a_gap"] == pytest.approx(0.05)
    assert m["sweep_n_budgets_with_minimum"] == 1 and m["diverged_members"] == 1
    assert m["iso_boot_valid"] == 0 and np.isnan(m["iso_a_lo"])  # no finite resample
    assert m["sweep_alpha_n_lo"] == pytest.approx(1.025) and m["iso_b_hi"] == pytest.approx(
        0.595)
    # the published law sits far outside a bootstrap this narrow
    assert m["chin_chi2_log10_p"] < -10 and m["chin_beta_lo"] > STUDY.HOFFMANN["beta"]
    assert m["noise_floor"] == pytest.approx(0.5 * cfg.label_noise**2)
    for c in STUDY.CLAIMS:
        assert c.measured in m, c.id


@pytest.mark.parametrize("iso_a, iso_b, param_a, passes", [
    (0.45, 0.55, 0.5, True),
    (0.45, 0.55, 0.7, False),  # approaches 2 and 3 disagree by 0.25
])
def test_approaches_agree_claim(iso_a, iso_b, param_a, passes):
    claim = next(c for c in STUDY.CLAIMS if c.id == "approaches_agree")
    m = STUDY.metrics(Results(*_tables(iso_a, iso_b, param_a)), STUDY.config("test"))
    assert claim.passes(m[claim.measured]) is passes


def test_published_numbers_are_consistent():
    assert set(STUDY.REPLICATION) == set(STUDY.REPLICATION_SE) == set(STUDY.HOFFMANN)
    rep = STUDY.REPLICATION
    a_rep = rep["beta"] / (rep["alpha"] + rep["beta"])
    assert a_rep == pytest.approx(0.513, abs=1e-3)  # the value the equal_scaling claim cites
    np.testing.assert_allclose(sl.theta_to_params(STUDY.PUBLISHED)["B"], STUDY.HOFFMANN["B"])
    kinds = {c.id: c.kind for c in STUDY.CLAIMS}
    assert kinds["synthetic_recovery"] == kinds["isoflop_a_plus_b"] == "check"
    assert sum(k == "claim" for k in kinds.values()) == 7


@pytest.mark.parametrize("bad, match", [
    (dict(seeds=0), "seeds"),
    (dict(steps=1001), "evals"),
    (dict(widths=[4, 2, 8]), "widths"),
    (dict(widths=[2, 4]), "widths"),
    (dict(dataset_sizes=[16, 24, 64]), "divide"),
    (dict(level=1.5), "level"),
    (dict(level=0.0), "level"),
    (dict(label_noise=0.0), "label_noise"),
    (dict(isoflop_min_points=2), "isoflop_min_points"),
    (dict(isoflop_min_points=4), "isoflop_min_points"),  # the test profile has 3 widths
    (dict(bootstrap_resamples=1), "bootstrap_resamples"),
    (dict(fit_iters_f64=-1), "fit_iters_f64"),
])
def test_config_validation(bad, match):
    with pytest.raises(ValueError, match=match):
        STUDY.config("test", bad)


def test_profiles_are_valid_and_derived_values_follow():
    for name in STUDY.profiles:
        cfg = STUDY.config(name)
        assert cfg.steps % cfg.evals == 0 and cfg.log_every * cfg.evals == cfg.steps
        assert all(cfg.max_d % d == 0 for d in cfg.dataset_sizes)
    assert STUDY.config("test").replicates == 2
    assert STUDY.config("quick").replicates >= 5 and STUDY.config("full").replicates >= 10
    cfg = dataclasses.replace(STUDY.config("quick"), label_noise=0.2)
    assert cfg.noise_floor == pytest.approx(0.02)
