"""nntheory.analysis.double_descent and its sympy derivations: closed forms (exact values, both
regimes, limits, the optimal ridge), the batched nested least-squares solver against
numpy.linalg.pinv / solve, random features, and the curve summaries."""

from __future__ import annotations

import jax
import numpy as np
import pytest
import sympy as sp

from nntheory import symbolic
from nntheory.analysis import double_descent as dd

# ---------------------------------------------------------------------------------------------
# Closed forms
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "gamma, snr, sigma2, expected",
    [
        (0.5, 1.0, 1.0, 1.0),  # σ²γ/(1−γ)
        (0.25, 7.0, 2.0, 2.0 / 3.0),  # SNR plays no role below γ = 1
        (2.0, 1.0, 1.0, 0.5 + 1.0),  # r²(1 − 1/γ) + σ²/(γ − 1)
        (4.0, 3.0, 2.0, 6.0 * 0.75 + 2.0 / 3.0),
        (1.0, 1.0, 1.0, np.inf),
    ],
)
def test_ridgeless_risk_values(gamma, snr, sigma2, expected):
    assert dd.ridgeless_risk(gamma, snr, sigma2) == pytest.approx(expected)


@pytest.mark.parametrize(
    "n, p, snr, expected",
    [
        (100, 50, 1.0, 50 / 49),
        (100, 98, 1.0, 98.0),
        (100, 99, 1.0, np.inf),
        (100, 101, 1.0, np.inf),
        (100, 102, 2.0, 2 * (1 - 100 / 102) + 100.0),
        (100, 400, 4.0, 4 * 0.75 + 100 / 299),
    ],
)
def test_ridgeless_risk_finite_values(n, p, snr, expected):
    assert dd.ridgeless_risk_finite(n, p, snr) == pytest.approx(expected)


def test_finite_n_tends_to_the_asymptotic_formula():
    for g in (0.3, 0.7, 1.5, 4.0):
        for n in (10**4, 10**6):
            rel = dd.ridgeless_risk_finite(n, g * n, 3.0) / dd.ridgeless_risk(g, 3.0) - 1
            assert abs(rel) < 50.0 / n


def test_mp_stieltjes_matches_numerical_integration():
    """m(−λ) and m'(−λ) against ∫ dF/(s+λ) and ∫ dF/(s+λ)² over the Marchenko–Pastur density
    (plus the atom 1 − 1/γ at 0 for γ > 1)."""
    from scipy.integrate import quad

    for g in (0.3, 1.0, 2.5):
        a, b = (1 - np.sqrt(g)) ** 2, (1 + np.sqrt(g)) ** 2
        dens = lambda s, g=g, a=a, b=b: np.sqrt((b - s) * (s - a)) / (2 * np.pi * g * s)
        atom = max(0.0, 1 - 1 / g)
        for lam in (0.05, 1.0, 7.0):
            m, dm = dd.mp_stieltjes(lam, g)
            i0 = quad(lambda s, lam=lam, f=dens: f(s) / (s + lam), a, b, limit=200)[0] + (
                atom / lam)
            i1 = quad(lambda s, lam=lam, f=dens: f(s) / (s + lam) ** 2, a, b, limit=200)[0] + (
                atom / lam**2)
            assert m == pytest.approx(i0, rel=1e-6)
            assert dm == pytest.approx(i1, rel=1e-6)


def test_ridge_risk_tends_to_ridgeless_and_optimum_is_gamma_over_snr():
    for g in (0.2, 0.8, 1.6, 5.0):
        assert dd.ridge_risk(g, 1e-9, 2.0) == pytest.approx(dd.ridgeless_risk(g, 2.0), rel=1e-5)
        lams = np.geomspace(1e-3, 1e3, 20001)
        r = dd.ridge_risk(g, lams, 2.0)
        assert lams[np.argmin(r)] == pytest.approx(dd.optimal_ridge_lambda(g, 2.0), rel=1e-3)
        assert dd.optimal_ridge_risk(g, 2.0) == pytest.approx(r.min(), rel=1e-6)


def test_optimal_ridge_risk_is_monotone_and_peakless():
    g = np.geomspace(0.01, 100, 2001)
    for snr in (0.5, 1.0, 10.0):
        r = dd.optimal_ridge_risk(g, snr)
        assert np.all(np.diff(r) > 0) and r[-1] < snr  # rises to r² = SNR·σ², no peak
        assert np.all(r <= np.where(g == 1, np.inf, dd.ridgeless_risk(g, snr)) + 1e-12)


# ---------------------------------------------------------------------------------------------
# Symbolic derivations agree with the numeric functions
# ---------------------------------------------------------------------------------------------


def test_symbolic_ridgeless_limits_are_theorem_1():
    g, r2, s2 = symbolic.DD_GAMMA, symbolic.DD_R2, symbolic.DD_SIGMA2
    under, over = symbolic.ridgeless_limits()
    assert sp.simplify(under - s2 * g / (1 - g)) == 0
    assert sp.simplify(over - (r2 * (1 - 1 / g) + s2 / (g - 1))) == 0
    # the finite-sample expectations have the same limits
    fin_under, fin_over = symbolic.finite_sample_limit()
    assert sp.simplify(fin_under - under) == 0 and sp.simplify(fin_over - over) == 0
    # and the wrong versions in circulation differ from it
    assert sp.simplify(over - r2 * (1 - 1 / g)) != 0  # noise term dropped on one branch
    assert sp.simplify(over - (r2 * (1 - g) + s2 / (1 / g - 1))) != 0  # γ and 1/γ swapped


def test_symbolic_forms_match_numeric_ones():
    lam, g, r2, s2 = symbolic.DD_LAM, symbolic.DD_GAMMA, symbolic.DD_R2, symbolic.DD_SIGMA2
    f_m = sp.lambdify((lam, g), symbolic.marchenko_pastur_stieltjes(), "numpy")
    f_r = sp.lambdify((lam, g, r2, s2), symbolic.isotropic_ridge_risk(), "numpy")
    lam_star, risk_star, _ = symbolic.optimal_ridge()
    f_star = sp.lambdify((g, r2, s2), risk_star, "numpy")
    assert sp.simplify(lam_star - s2 * g / r2) == 0
    for gv in (0.3, 1.0, 2.0):
        for lv in (0.01, 0.5, 3.0):
            assert f_m(lv, gv) == pytest.approx(dd.mp_stieltjes(lv, gv)[0], rel=1e-10)
            assert f_r(lv, gv, 3.0, 1.5) == pytest.approx(dd.ridge_risk(gv, lv, 2.0, 1.5),
                                                          rel=1e-10)
        assert f_star(gv, 3.0, 1.5) == pytest.approx(dd.optimal_ridge_risk(gv, 2.0, 1.5),
                                                     rel=1e-10)


# ---------------------------------------------------------------------------------------------
# Batched least squares
# ---------------------------------------------------------------------------------------------


def _pinv_fit(X, y, lam):
    if lam == 0:
        return np.linalg.pinv(X) @ y
    n, p = X.shape
    return np.linalg.solve(X.T @ X + n * lam * np.eye(p), X.T @ y)


@pytest.mark.parametrize("along", ["features", "samples"])
@pytest.mark.parametrize("shape", [(12, 30), (30, 12)])
def test_sweep_matches_pinv_and_solve(along, shape):
    rng = np.random.default_rng(0)
    n, P = shape
    X = rng.standard_normal((2, n, P))
    y = rng.standard_normal((2, n, 3))
    Xt = rng.standard_normal((2, 5, P))
    full = P if along == "features" else n
    other = n if along == "features" else P
    sizes = sorted({1, other - 1, other, min(other + 1, full), full} & set(range(1, full + 1)))
    lams = [0.0, 0.05, 2.0]
    fit = dd.ridge_fit(X, y, lams, sizes, along=along, X_test=Xt)
    for b in range(2):
        for i, s in enumerate(sizes):
            Xs, ys = (X[b, :, :s], y[b]) if along == "features" else (X[b, :s], y[b, :s])
            for j, lam in enumerate(lams):
                beta = _pinv_fit(Xs, ys, lam)
                got = fit.coef[b, i, j][:s] if along == "features" else fit.coef[b, i, j]
                np.testing.assert_allclose(got, beta, atol=1e-8)
                Xtt = Xt[b, :, :s] if along == "features" else Xt[b]
                np.testing.assert_allclose(fit.test_pred[b, i, j], Xtt @ beta, atol=1e-8)
                np.testing.assert_allclose(fit.norm2[b, i, j], np.sum(beta**2, axis=0),
                                           rtol=1e-8, atol=1e-10)
                if along == "features":
                    assert np.all(fit.coef[b, i, j][s:] == 0)
                    np.testing.assert_allclose(fit.train_pred[b, i, j], Xs @ beta, atol=1e-8)


def test_min_norm_interpolates_and_vector_targets():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((20, 50)), rng.standard_normal(20)
    fit = dd.min_norm_fit(X, y, [10, 20, 50])
    assert fit.coef.shape == (3, 1, 50) and fit.test_pred is None
    np.testing.assert_allclose(fit.train_pred[1:, 0], np.broadcast_to(y, (2, 20)), atol=1e-8)
    # the min-norm interpolant's norm falls as p grows past n (Hastie et al. 2022, Sec. 3)
    assert fit.norm2[1, 0] > fit.norm2[2, 0]
    # default: all of X
    one = dd.min_norm_fit(X, y)
    np.testing.assert_allclose(one.coef[0, 0], np.linalg.pinv(X) @ y, atol=1e-8)


def test_per_size_penalties_and_chunking(monkeypatch):
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((5, 15, 40)), rng.standard_normal((5, 15))
    sizes = [5, 15, 40]
    lams = np.array([[0.0, 0.1], [0.0, 0.2], [0.0, 0.3]])
    whole = dd.ridge_fit(X, y, lams, sizes)
    monkeypatch.setattr(dd, "MEMORY_BUDGET", 1)  # one design per chunk
    chunked = dd.ridge_fit(X, y, lams, sizes)
    np.testing.assert_allclose(chunked.coef, whole.coef, atol=1e-12)
    for i, s in enumerate(sizes):
        beta = _pinv_fit(X[3, :, :s], y[3], lams[i, 1])
        np.testing.assert_allclose(whole.coef[3, i, 1, :s], beta, atol=1e-8)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(sizes=[5, 3]), "increasing"),
        (dict(sizes=[0, 3]), "increasing"),
        (dict(sizes=[3, 99]), "increasing"),
        (dict(along="rows"), "along"),
        (dict(lam=-1.0), "non-negative"),
        (dict(lam=np.zeros((2, 1)), sizes=[3]), "sizes, L"),
        (dict(X_test=np.zeros((4, 7))), "X_test"),
    ],
)
def test_fit_rejects_bad_input(kwargs, match):
    X, y = np.zeros((10, 20)), np.zeros(10)
    lam = kwargs.pop("lam", 0.0)
    with pytest.raises(ValueError, match=match):
        dd.ridge_fit(X, y, lam, **kwargs)


def test_empirical_risk_matches_finite_n_expectation():
    """A small Monte Carlo of the linear model: mean risk within 4 standard errors of the exact
    expectation on both sides of the threshold."""
    rng = np.random.default_rng(3)
    n, seeds, r = 40, 200, 2.0
    ps = [10, 20, 80, 160]
    X = rng.standard_normal((seeds, n, ps[-1]))
    y = r * X[:, :, 0] + rng.standard_normal((seeds, n))
    e1 = np.zeros((seeds, 1, ps[-1]))
    e1[:, 0, 0] = 1
    fit = dd.min_norm_fit(X, y, ps, X_test=e1, coef=False)
    risk = fit.norm2[:, :, 0] - 2 * r * fit.test_pred[:, :, 0, 0] + r**2
    z = dd.z_scores(risk, dd.ridgeless_risk_finite(n, np.array(ps), r**2))
    assert np.all(np.abs(z) < 4), z


# ---------------------------------------------------------------------------------------------
# Random features and curve summaries
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", dd.RF_ACTIVATIONS)
def test_random_features_are_nested_and_deterministic(activation):
    x = jax.random.normal(jax.random.PRNGKey(0), (7, 5))
    key = jax.random.PRNGKey(1)
    f = np.asarray(dd.random_features(key, x, 30, activation))
    assert f.shape == (7, 30)
    np.testing.assert_array_equal(f, np.asarray(dd.random_features(key, x, 30, activation)))
    if activation == "relu":
        assert np.all(f >= 0)
    else:
        assert np.all(np.abs(f) <= np.sqrt(2) + 1e-6)
    with pytest.raises(ValueError, match="activation"):
        dd.random_features(key, x, 3, "tanh")


def test_curve_summaries():
    assert dd.peak_location([1, 2, 3], [0.1, 5.0, 0.2]) == 2
    assert dd.max_rise([4.0, 2.0, 3.0, 1.0]) == pytest.approx(1.5)
    assert dd.max_rise([3.0, 2.0, 1.0]) == pytest.approx(2 / 3)
    assert dd.max_relative_step_up([4.0, 2.0, 3.0]) == pytest.approx(0.5)
    assert dd.interior_peak_ratio([1.0, 2.0, 3.0]) == 1.0
    assert dd.interior_peak_ratio([3.0, 9.0, 1.0]) == 3.0
    z = dd.z_scores(np.array([[1.0], [3.0]]), np.array([1.0]))
    assert z == pytest.approx([1.0])
    df = dd.risk_curve([10, 20], test_error=np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert list(df.columns) == ["seed", "p", "test_error"] and len(df) == 4
    assert df.loc[(df.seed == 1) & (df.p == 20), "test_error"].item() == 4.0
    with pytest.raises(ValueError):
        dd.risk_curve([10, 20], a=np.zeros((2, 3)))


def test_mse_and_classification_error():
    pred = np.array([[[1.0, 0.0], [0.2, 0.9]]])
    assert dd.mse(pred, np.array([[[1.0, 0.0], [1.0, 0.0]]]))[0] == pytest.approx(
        (0 + 0.64 + 0.81) / 2)
    assert dd.classification_error(pred, np.array([[0, 0]]))[0] == 0.5


# ---------------------------------------------------------------------------------------------
# The study end to end, at a tiny config of its own
# ---------------------------------------------------------------------------------------------

TINY_DD = dict(
    linear_n=30, linear_gammas=[0.2, 0.5, 1.0, 2.0, 4.0], linear_seeds=3,
    samplewise_p=10, samplewise_ns=[4, 8, 10, 12, 30],
    rf_n_train=40, rf_n_test=100, rf_ps=[10, 36, 40, 44, 120], rf_seeds=2, rf_lams=[1e-2],
    rf_samplewise_p=20, rf_samplewise_ns=[10, 20, 30, 60],
    mlp_n_train=100, mlp_widths=[4, 8], mlp_seeds=1, mlp_steps=20,
)


@pytest.fixture(scope="module")
def tiny_study():
    from nntheory.study import get_study

    study = get_study("double_descent")
    cfg = study.config("quick", TINY_DD)
    return study, cfg, study.run(cfg, jax.random.PRNGKey(0))


def test_study_results_hold_every_claimed_metric(tiny_study):
    study, cfg, res = tiny_study
    for claim in study.CLAIMS:
        assert claim.measured in res.metrics, claim.id
        assert np.isfinite(res.metrics[claim.measured]), claim.id
    lin = res.tables["linear"]
    assert len(lin) == 3 * 5 * 3 * 2  # seeds × γ × SNRs × (min-norm, optimal ridge)
    assert set(lin.columns) >= {"seed", "p", "gamma", "snr", "estimator", "risk", "norm"}
    rf = res.tables["rf_modelwise"]
    assert len(rf) == 2 * 5 * 2 * 2  # seeds × p × labels × (λ = 0, 1e-2)
    # exact facts at any size: min-norm interpolates past the threshold (train MSE 0), and
    # the linear risk is largest at γ = 1
    over = rf[(rf["lam"] == 0) & (rf["p"] >= 40)]
    assert over["train_mse"].max() < 1e-8
    assert res.metrics["linear_peak_gamma_worst"] == 1.0
    assert len(res.tables["mlp"]) == 2 and not res.tables["mlp"]["diverged"].any()


def test_study_figures_and_report_layout(tiny_study, tmp_path):
    from pypdf import PdfReader

    from nntheory.report.render import expected_pdf_pages, render_study
    from nntheory.store import make_meta
    from nntheory.study import check_claims

    study, cfg, res = tiny_study
    figs = study.figures(res, cfg)
    assert [f.name for f in figs] == ["linear_risk", "rf_modelwise", "samplewise", "mlp_width"]
    meta = make_meta(study.name, "tiny", cfg, 0, 1.0)
    paths = render_study(study, cfg, res, meta, check_claims(study.CLAIMS, res.metrics),
                         tmp_path)
    # one page each for the overview, the claims, every figure and the provenance
    assert len(PdfReader(paths["pdf"]).pages) == expected_pdf_pages(len(figs))


@pytest.mark.parametrize(
    "override, match",
    [
        (dict(linear_gammas=[0.5, 0.2]), "increasing"),
        (dict(linear_n=10, linear_gammas=[0.51, 0.52]), "collide"),
        (dict(rf_activation="tanh"), "rf_activation"),
        (dict(label_noise=0.95), "label_noise"),
        (dict(rf_n_test=1700), "training digits"),
        (dict(linear_seeds=1), "linear_seeds"),
        (dict(mlp_steps=0), "mlp_steps"),
    ],
)
def test_config_validation(override, match):
    from nntheory.study import get_study

    with pytest.raises(ValueError, match=match):
        get_study("double_descent").config("quick", override)


class _StopAfter:
    """A Checkpoint that is 'killed' (Ctrl-C) before computing its (n+1)-th point."""

    def __init__(self, directory, n, study):
        from nntheory import store

        # the code fingerprint run_and_store gives its checkpoints, so the rerun resumes them
        self.ckpt = store.Checkpoint(directory, fingerprint=store.code_fingerprint(study))
        self.n = n

    def step(self, name, compute):
        if self.ckpt.computed == self.n:
            raise KeyboardInterrupt
        return self.ckpt.step(name, compute)


def _wall_time(metric: str) -> bool:
    return "seconds" in metric or "per_second" in metric


def test_study_resumes_from_sweep_checkpoints(tiny_study, tmp_path):
    """A run killed after five sweep points, with two of its checkpoints then lost, resumes
    from the other three and equals an uninterrupted run (tables exactly, every metric but the
    wall times); the report records the resumed points."""
    import pandas as pd

    from nntheory import store
    from nntheory.study import config_hash

    study, cfg, res = tiny_study
    part = store.partial_dir(tmp_path, study.name, config_hash(study.name, cfg), 0)
    killed = _StopAfter(part, 5, study)
    with pytest.raises(KeyboardInterrupt):
        study.run(cfg, jax.random.PRNGKey(0), ckpt=killed)
    assert (killed.ckpt.computed, killed.ckpt.resumed) == (5, 0)
    points = ["linear-modelwise", "linear-samplewise", "rf-modelwise", "rf-samplewise",
              "mlp-w4", "mlp-w8"]
    assert sorted(p.stem for p in part.glob("*.npz")) == sorted(points[:5])
    for lost in ("linear-samplewise", "rf-modelwise"):
        (part / f"{lost}.npz").unlink()

    out = store.run_and_store(study, cfg, 0, root=tmp_path, profile="quick")
    assert out.meta["checkpoints"] == dict(resumed=3, computed=3)
    assert not part.exists()
    assert set(out.results.tables) == set(res.tables)
    for name, df in res.tables.items():
        pd.testing.assert_frame_equal(out.results.tables[name], df, check_exact=True, obj=name)
    assert set(out.results.metrics) == set(res.metrics)
    differ = {k for k, v in res.metrics.items() if not _wall_time(k)
              and not (v == out.results.metrics[k] or (np.isnan(v)
                                                       and np.isnan(out.results.metrics[k])))}
    assert not differ
    assert res.metrics["diverged_members"] == 0  # the report's divergence line reads this
