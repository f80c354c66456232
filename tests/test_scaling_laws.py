"""The scaling-laws study: the refit of the published points at the test profile and the
bootstrap that restarts from its best starts, the manifold data and one-pass training of batched
replicates, the laws fitted to a sweep, its metrics on tables built by hand, the claims'
thresholds, the published numbers and the config rules (its end-to-end run and report are in
tests/test_studies.py)."""

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


def test_manifold_data_has_one_stream_per_member():
    cfg = STUDY.config("test")
    keys = jax.random.split(jax.random.PRNGKey(1), 2)  # two replicates, batched
    d = STUDY.manifold_data(cfg, keys)
    k = len(cfg.latent_dims) * cfg.seeds  # members per replicate, (d, seed) order
    dmax = max(cfg.latent_dims)
    assert d["stream"][0].shape == (2 * k, cfg.stream_size, dmax)
    assert d["stream"][1].shape == (2 * k, cfg.stream_size, 1)
    assert d["test"][0].shape == (2 * k, cfg.n_test, dmax)
    assert d["teachers"]["embed"].shape == (2 * k, cfg.ambient_dim, dmax)
    z = np.asarray(d["stream"][0])
    for i, dim in enumerate(cfg.latent_dims * 2):  # latent coordinates beyond d are zero
        assert not z[i, :, dim:].any() and z[i, :, :dim].any()
    assert not np.array_equal(z[0, :, :2], z[k, :, :2])  # replicates differ
    emb = np.asarray(d["teachers"]["embed"])
    assert not np.allclose(emb[0], emb[k])


def test_training_point_trains_every_member_at_every_horizon():
    cfg = STUDY.config("test")
    keys = jax.random.split(jax.random.PRNGKey(1), 2)  # two replicates, batched
    w = cfg.widths[-1]
    df = STUDY.training_point(cfg, keys, STUDY.manifold_data(cfg, keys), width=w)
    assert len(df) == 2 * len(cfg.latent_dims) * cfg.seeds * len(cfg.horizons)
    assert sorted(df["replicate"].unique()) == [0, 1]
    assert (df["N"] == w * cfg.ambient_dim + 2 * w + 1).all()  # one hidden layer, biases
    assert (df["D"] == df["horizon"] * cfg.batch_size).all()
    assert np.isfinite(df["test_loss"]).all() and (df["test_loss"] > 0).all()
    longest = df[df["horizon"] == cfg.horizons[-1]].set_index(["replicate", "latent_dim"])
    shortest = df[df["horizon"] == cfg.horizons[0]].set_index(["replicate", "latent_dim"])
    assert (longest["test_loss"] < shortest["test_loss"]).mean() >= 0.75  # training helps
    r0, r1 = (df[df["replicate"] == r]["test_loss"].to_numpy() for r in (0, 1))
    assert not np.allclose(r0, r1)  # a new teacher and new inits per replicate


def test_laws_point_on_a_sweep_drawn_from_a_known_law():
    """A trained sweep's table replaced by losses drawn from a parametric law (0.1 % noise per
    seed) at two intrinsic dimensions: the laws recover its exponents, the frontiers agree, the
    fits do not depend on the point's key (only the TwoNN inputs do)."""
    cfg = STUDY.config("test", dict(seeds=2))
    theta = sl.params_to_theta(dict(E=0.01, A=2.0, B=5.0, alpha=0.8, beta=0.6))
    n, d = np.array([33.0, 65.0, 129.0, 257.0]), np.logspace(2, 4, 6)
    rng = np.random.default_rng(0)
    sweep = pd.DataFrame([dict(latent_dim=dim, seed=s, N=nv, D=dv, test_loss=float(
        sl.chinchilla_loss(theta, nv, dv) * np.exp(1e-3 * rng.standard_normal())))
        for dim in cfg.latent_dims for s in range(cfg.seeds) for nv in n for dv in d])
    a, b = (STUDY.laws_point(cfg, jax.random.PRNGKey(k), tables=dict(sweep=sweep))
            for k in (0, 1))
    laws = a.tables["sweep_laws"]
    assert laws["latent_dim"].tolist() == list(cfg.latent_dims)
    assert laws["param_alpha"].to_numpy() == pytest.approx(0.8, abs=0.05)
    assert laws["param_beta"].to_numpy() == pytest.approx(0.6, abs=0.05)
    assert (laws["r2_log"] > 0.99).all()
    assert (laws["level_gap"].abs() < 0.1).all()
    assert a.arrays["iso_profiles"].shape == (2, cfg.isoflop_budgets, n.size)
    assert a.arrays["sweep_param_theta"].shape == (2, 5)
    assert len(a.tables["isoflop"]) == 2 * cfg.isoflop_budgets
    fits = [c for c in laws.columns if c != "twonn"]
    pd.testing.assert_frame_equal(laws[fits], b.tables["sweep_laws"][fits])
    assert (laws["twonn"] / laws["latent_dim"]).to_numpy() == pytest.approx(1.0, abs=0.15)


def _tables(a_gaps=(0.05, 0.02), level_gaps=(0.1, -0.05)):
    """One replicate's tables, built by hand: the refit at the replication's values, a
    bootstrap around it, a synthetic refit and the laws of a sweep at d = 2 and 4."""
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
    laws = pd.DataFrame([dict(latent_dim=2.0, alpha=2.2, E=1e-6, A=3.0, r2_log=0.99,
                              iso_a=0.5 + a_gaps[0], iso_b=0.5 - a_gaps[0], iso_a_of_fit=0.5,
                              level_gap=level_gaps[0], level_gap_of_fit=0.0, mid_budget=1e8,
                              iso_decades=2.4, twonn=2.1, param_alpha=2.0, param_a=0.5),
                         dict(latent_dim=4.0, alpha=1.1, E=1e-5, A=2.0, r2_log=0.97,
                              iso_a=0.5 - a_gaps[1], iso_b=0.5 + a_gaps[1] + 1e-4,
                              iso_a_of_fit=0.5, level_gap=level_gaps[1], level_gap_of_fit=0.0,
                              mid_budget=1e8, iso_decades=1.9, twonn=3.8, param_alpha=1.0,
                              param_a=0.5)])
    return dict(
        chinchilla=pts, chinchilla_fit=pd.DataFrame([fit]), chinchilla_bootstrap=boot,
        synthetic=syn, sweep_laws=laws,
        sweep=pd.DataFrame(dict(test_loss=[1.0, np.nan, 0.5]))), dict(
        chin_theta=sl.params_to_theta(rep))


def test_metrics_by_hand():
    cfg = STUDY.config("test")
    m = STUDY.metrics(Results(*_tables()), cfg)
    assert m["chin_replication_max_z"] == pytest.approx(0.0)  # the refit is the replication
    assert m["synthetic_max_error"] == pytest.approx(0.02)  # 2 % in E beats 0.01 in α
    assert m["chin_n_points"] == 2 and m["chin_resid_mad"] == 0
    assert m["chin_starts_within_1e9"] == 7 and m["chin_objective_published"] == 2e-3
    assert m["d2_alpha_ratio"] == pytest.approx(1.1) and m["d4_alpha_ratio"] == pytest.approx(1.1)
    assert m["alpha_ratio_d2_over_d4"] == pytest.approx(2.0)
    assert m["sweep_a_gap_max"] == pytest.approx(0.05)
    assert m["sweep_level_gap_max"] == pytest.approx(0.1)
    assert m["iso_abs_a_plus_b_minus_1"] == pytest.approx(1e-4)
    assert m["sweep_r2_min"] == pytest.approx(0.97) and m["iso_decades_min"] == 1.9
    assert m["twonn_max_rel_error"] == pytest.approx(0.05) and m["diverged_members"] == 1
    # the published law sits far outside a bootstrap this narrow
    assert m["chin_chi2_log10_p"] < -10 and m["chin_beta_lo"] > STUDY.HOFFMANN["beta"]
    for c in STUDY.CLAIMS:
        assert c.measured in m, c.id


@pytest.mark.parametrize("a_gaps, level_gaps, agree, level", [
    ((0.05, 0.02), (0.1, -0.05), True, True),
    ((0.05, 0.25), (0.1, -0.05), False, True),  # approaches 2 and 3 disagree at d = 4
    ((0.05, 0.02), (0.1, -0.3), True, False),  # frontier levels a factor 2 apart at d = 4
])
def test_frontier_claims(a_gaps, level_gaps, agree, level):
    claims = {c.id: c for c in STUDY.CLAIMS}
    m = STUDY.metrics(Results(*_tables(a_gaps, level_gaps)), STUDY.config("test"))
    assert claims["approaches_agree"].passes(m["sweep_a_gap_max"]) is agree
    assert claims["frontiers_agree_in_level"].passes(m["sweep_level_gap_max"]) is level


@pytest.mark.parametrize("ratio, passes", [(1.0, True), (0.76, True), (1.3, False),
                                           (0.5, False), (1.5, False)])
def test_alpha_claims_are_two_sided_around_4_over_d(ratio, passes):
    for cid in ("manifold_alpha_d2", "manifold_alpha_d4"):
        claim = next(c for c in STUDY.CLAIMS if c.id == cid)
        assert claim.passes(ratio) is passes


def test_published_numbers_are_consistent():
    assert set(STUDY.REPLICATION) == set(STUDY.REPLICATION_SE) == set(STUDY.HOFFMANN)
    rep = STUDY.REPLICATION
    a_rep = rep["beta"] / (rep["alpha"] + rep["beta"])
    assert a_rep == pytest.approx(0.513, abs=1e-3)  # the value the equal_scaling claim cites
    np.testing.assert_allclose(sl.theta_to_params(STUDY.PUBLISHED)["B"], STUDY.HOFFMANN["B"])
    assert STUDY.LEVEL_TOL == pytest.approx(np.log10(67 / 40), abs=1e-3)
    kinds = {c.id: c.kind for c in STUDY.CLAIMS}
    assert {k for k, v in kinds.items() if v == "check"} == {
        "synthetic_recovery", "isoflop_a_plus_b", "sweep_power_law_in_n", "isoflop_two_decades",
        "manifold_dimension"}
    assert sum(k == "claim" for k in kinds.values()) == 8


@pytest.mark.parametrize("bad, match", [
    (dict(seeds=0), "seeds"),
    (dict(widths=[4, 2, 8]), "widths"),
    (dict(widths=[2, 4]), "widths"),
    (dict(horizons=[8, 16]), "horizons"),
    (dict(latent_dims=[2, 9]), "latent_dims"),
    (dict(latent_dims=[4, 2]), "latent_dims"),
    (dict(level=1.5), "level"),
    (dict(level=0.0), "level"),
    (dict(learning_rate=0.0), "learning_rate"),
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
        assert cfg.stream_size == max(cfg.horizons) * cfg.batch_size
        assert {2, 4} <= set(cfg.latent_dims)  # the dimensions the α claims read
    assert STUDY.config("test").replicates == 2
    assert STUDY.config("quick").replicates >= 5 and STUDY.config("full").replicates >= 10
    cfg = dataclasses.replace(STUDY.config("quick"), horizons=(1, 2, 3), batch_size=10)
    assert cfg.stream_size == 30
