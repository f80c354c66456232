"""nntheory.analysis.double_descent and its sympy derivations: closed forms (exact values, both
regimes, limits, the optimal ridge), the batched nested least-squares solver against
numpy.linalg.pinv / solve, random features, the curve summaries and the experiments' data; then
the double-descent study: its exact facts at the test profile, its metrics on tables built by
hand, replicates of the batched MLP sweep that do not see each other, and config validation
(its end-to-end run and report are in tests/test_studies.py)."""

from __future__ import annotations

import jax
import numpy as np
import pandas as pd
import pytest
import sympy as sp

from nntheory import runner, symbolic
from nntheory.analysis import double_descent as dd
from nntheory.study import Results, get_study

DD = "double_descent"
STUDY = get_study(DD)

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


@pytest.mark.parametrize("backend", dd.LSTSQ_BACKENDS)
@pytest.mark.parametrize("along", ["features", "samples"])
@pytest.mark.parametrize("shape", [(12, 30), (30, 12)])
def test_sweep_matches_pinv_and_solve(along, shape, backend):
    rng = np.random.default_rng(0)
    n, P = shape
    X = rng.standard_normal((2, n, P))
    y = rng.standard_normal((2, n, 3))
    Xt = rng.standard_normal((2, 5, P))
    full = P if along == "features" else n
    other = n if along == "features" else P
    sizes = sorted({1, other - 1, other, min(other + 1, full), full} & set(range(1, full + 1)))
    lams = [0.0, 0.05, 2.0]
    fit = dd.ridge_fit(X, y, lams, sizes, along=along, X_test=Xt, backend=backend)
    assert fit.coef.dtype == np.float64  # the jax backend too (a scoped x64)
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
        (dict(backend="torch"), "backend"),
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


@pytest.mark.parametrize(
    "x, err, keep, expected",
    [
        ([1, 2, 3], [0.1, 5.0, 0.2], None, 2),
        ([1, 2, 3], [0.1, 5.0, 0.2], [True, False, True], 3),  # the spike left out
        ([0.9, 1.0, 1.1], [2.0, np.inf, 3.0], [True, False, True], 1.1),
    ],
)
def test_peak_location_off_a_mask(x, err, keep, expected):
    assert dd.peak_location(x, err, keep=keep) == expected


def test_peak_location_rejects_an_empty_mask():
    with pytest.raises(ValueError, match="keep"):
        dd.peak_location([1, 2], [1.0, 2.0], keep=[False, False])


def test_off_threshold_leaves_out_the_infinite_expectations():
    sizes = np.array([95, 98, 99, 100, 101, 102, 105])
    assert list(dd.off_threshold(sizes, 100)) == [True, True, False, False, False, True, True]
    # exactly where the finite-n expectation is infinite
    assert list(np.isfinite(dd.ridgeless_risk_finite(100, sizes))) == list(
        dd.off_threshold(sizes, 100))


@pytest.mark.parametrize(
    "noisy, clean, expected",
    [
        # heights 4 − 1 = 3 over 2 − 1 = 1, and 6 − 2 = 4 over 3 − 1 = 2: median of (3, 2)
        ([[1.0, 4.0, 1.0], [1.0, 6.0, 2.0]], [[1.0, 2.0, 1.0], [1.0, 3.0, 1.0]], 2.5),
        # the masked-out middle column (p = n) never counts
        ([[1.0, 99.0, 2.0, 1.0]], [[1.0, 1e6, 1.5, 1.0]], 2.0),
        # a clean curve without a peak: +inf when the noisy one has one
        ([[1.0, 3.0, 1.0]], [[2.0, 1.0, 2.0]], np.inf),
        # noise that lowers the peak: below 1
        ([[1.0, 1.5, 1.0]], [[1.0, 3.0, 1.0]], 0.25),
    ],
)
def test_peak_height_ratio_table(noisy, clean, expected):
    S = len(noisy[0])
    keep = np.ones(S, bool)
    if S == 4:
        keep[1] = False
    assert dd.peak_height_ratio(np.array(noisy), np.array(clean), keep) == pytest.approx(expected)


def test_peak_height_ratio_is_nan_without_any_peak():
    flat = np.ones((2, 3))
    assert np.isnan(dd.peak_height_ratio(flat, flat, np.ones(3, bool)))
    with pytest.raises(ValueError):
        dd.peak_height_ratio(flat, flat, np.ones(2, bool))


@pytest.mark.parametrize(
    "train_error, tol, expected",
    [
        ([0.3, 0.1, 0.02, 0.0, 0.0], 0.01, 16),
        ([0.3, 0.1, 0.02, 0.0, 0.0], 0.05, 12),
        ([0.3, 0.1, 0.005, 0.02, 0.0], 0.01, 12),  # the first width that fits, not the last
        ([0.3, 0.2, 0.1, 0.05, 0.02], 0.01, np.inf),  # beyond the sweep
    ],
)
def test_interpolation_threshold(train_error, tol, expected):
    assert dd.interpolation_threshold([4, 8, 12, 16, 32], train_error, tol) == expected


def test_gaussian_sweep_in_blocks(monkeypatch):
    """One block draws exactly gaussian_design; a small budget cuts the seeds into blocks,
    each drawn after the last from the same generator."""
    sizes, snrs = [4, 10, 16], [1.0, 4.0]
    lams = np.zeros((3, 1))
    one = dd.gaussian_sweep(np.random.default_rng(0), 3, 10, 16, sizes, snrs, lams)
    d = dd.gaussian_design(np.random.default_rng(0), 3, 10, 16, snrs)
    fit = dd.ridge_fit(d.X, d.y, lams, sizes, X_test=d.probe, coef=False)
    np.testing.assert_allclose(one["risk"], dd.excess_risk(fit, d.r))
    np.testing.assert_allclose(one["norm"] ** 2, fit.norm2)
    assert one["train_mse"].shape == (3, 3, 1, 2)
    monkeypatch.setattr(dd, "MEMORY_BUDGET", 10 * 16)  # 8× the budget: one 10 × 16 design
    rng = np.random.default_rng(0)
    blocks = dd.gaussian_sweep(rng, 3, 10, 16, sizes, snrs, lams)
    rng = np.random.default_rng(0)
    for i in range(3):
        d = dd.gaussian_design(rng, 1, 10, 16, snrs)
        fit = dd.ridge_fit(d.X, d.y, lams, sizes, X_test=d.probe, coef=False)
        np.testing.assert_allclose(blocks["risk"][i], dd.excess_risk(fit, d.r)[0])
    sw = dd.gaussian_sweep(np.random.default_rng(1), 2, 20, 8, [4, 8, 20], [4.0],
                           np.zeros((3, 1)), along="samples")
    assert set(sw) == {"risk", "norm"} and sw["risk"].shape == (2, 3, 1, 1)


def test_flop_counts():
    # features, n = 2, P = 3, sizes (1, 3), one penalty, one output, no test points:
    # Gram 2·2·2² = 16 (small) + 2·2·2·3 = 24 (big); solves 2·(⅔·8 + 2·4) = 26⅔;
    # predictions 2·2·1·1·2·2 = 16
    assert dd.lstsq_sweep_flops(2, 3, [1, 3], 1, 1) == pytest.approx(16 + 24 + 80 / 3 + 16)
    # samples, n = 3 rows, P = 2: Gram 2·2·2² = 16 (small) + 2·2·3·3 = 36 (big)
    assert dd.lstsq_sweep_flops(3, 2, [1, 3], 1, 1, along="samples") == pytest.approx(
        16 + 36 + 80 / 3 + 2 * 2 * 3 * 2)
    # MLP 2 → 3 → 3 → 1 (depth 2): 6 + 9 + 3 weights, 3 + 3 + 1 biases = 25 parameters
    assert dd.mlp_train_flops(3, 2, 2, 1, 10, 5, 4, 2) == 6 * 25 * 10 * 4 + 2 * 25 * 15 * 3


def test_mse_and_classification_error():
    pred = np.array([[[1.0, 0.0], [0.2, 0.9]]])
    assert dd.mse(pred, np.array([[[1.0, 0.0], [1.0, 0.0]]]))[0] == pytest.approx(
        (0 + 0.64 + 0.81) / 2)
    assert dd.classification_error(pred, np.array([[0, 0]]))[0] == 0.5


# ---------------------------------------------------------------------------------------------
# The experiments' data and the double-descent summaries
# ---------------------------------------------------------------------------------------------


def test_rise_and_fall():
    assert dd.rise_and_fall([0.2, 0.3, 0.25]) == pytest.approx((1.5, 1.2))
    assert dd.rise_and_fall([0.4, 0.3, 0.2]) == (1.0, 2.0)  # peak first: no rise
    assert dd.rise_and_fall([0.1, 0.2, 0.4]) == (4.0, 1.0)  # peak last: no fall
    with pytest.raises(ValueError):
        dd.rise_and_fall([0.1])


@pytest.mark.parametrize(
    "err, expected",
    [
        ([0.2, 0.3, 0.25], (1.5, 1.2, 1)),
        # the narrowest model underfits worse than the peak (Nakkiran et al. 2019, Fig. 1):
        # the bump at index 2 is the peak, not the global maximum at index 0
        ([0.5, 0.2, 0.3, 0.25, 0.1], (1.5, 3.0, 2)),
        ([0.4, 0.3, 0.2], (0.75, 1.5, 1)),  # falling: no bump (min(rise, fall) < 1)
        ([0.1, 0.2, 0.4], (2.0, 0.5, 1)),  # rising to the end: no fall
    ],
)
def test_double_descent_bump(err, expected):
    assert dd.double_descent_bump(err) == pytest.approx(expected)
    assert dd.double_descent_bump([0.1, 0.2]) == (1.0, 1.0, 1)  # no interior point
    with pytest.raises(ValueError):
        dd.double_descent_bump([0.1])


def test_gaussian_design_and_excess_risk():
    d = dd.gaussian_design(np.random.default_rng(0), 3, 20, 8, [1.0, 4.0])
    assert d.X.shape == (3, 20, 8) and d.y.shape == (3, 20, 2) and d.probe.shape == (3, 1, 8)
    # the targets are r x₁ + ε with the same ε for every SNR
    np.testing.assert_allclose(d.y[..., 1] - d.y[..., 0], (2.0 - 1.0) * d.X[:, :, 0])
    fit = dd.ridge_fit(d.X, d.y, 0.0, [5, 8], X_test=d.probe)
    beta = np.zeros((3, 2, 1, 8, 2))
    beta[..., 0, :] = d.r
    want = np.sum((fit.coef - beta) ** 2, axis=-2)  # ‖β̂ − r e₁‖² per output
    np.testing.assert_allclose(dd.excess_risk(fit, d.r), want, rtol=1e-10, atol=1e-12)


def test_noisy_labels_flip_to_another_class_at_the_rate():
    rng = np.random.default_rng(1)
    y = np.tile(np.arange(10), 2000)
    noisy = dd.noisy_labels(rng, y, 0.2)
    flipped = noisy != y
    assert flipped.mean() == pytest.approx(0.2, abs=0.01)
    assert set(np.unique(noisy)) == set(range(10))
    assert np.all(dd.noisy_labels(rng, y, 0.0) == y)
    assert np.all(dd.one_hot([2, 0], 3) == [[0, 0, 1], [1, 0, 0]])


def test_clean_and_noisy_targets():
    y = np.arange(10)
    Y = dd.clean_and_noisy_targets(np.random.default_rng(2), y, 3, 1.0)
    assert Y.shape == (3, 10, 20)
    assert np.all(Y[:, :, :10].argmax(-1) == y)  # clean half, the same in every seed
    assert np.all(Y[:, :, 10:].argmax(-1) != y)  # rate 1: every noisy label is wrong
    assert np.all(Y.sum(-1) == 2)


def test_standardised_split_uses_the_pool_only():
    x, y = np.random.default_rng(3).normal(5.0, 3.0, (50, 4)), np.arange(50)
    xp, yp, xt, yt = dd.standardised_split(jax.random.PRNGKey(0), x, y, 10)
    assert xp.shape == (40, 4) and xt.shape == (10, 4)
    assert sorted(np.concatenate([yp, yt])) == list(range(50))  # a permutation
    np.testing.assert_allclose(xp.mean(0), 0, atol=1e-12)
    assert xp.std() == pytest.approx(1.0)
    np.testing.assert_allclose(xt, (x[yt] - x[yp].mean(0)) / (x[yp] - x[yp].mean(0)).std())
    with pytest.raises(ValueError, match="n_test"):
        dd.standardised_split(jax.random.PRNGKey(0), x, y, 50)


def test_label_set_errors_and_table():
    """A min-norm fit past the threshold interpolates both label sets; the sample-wise train
    MSE counts only the rows a fit saw."""
    rng = np.random.default_rng(4)
    y, yt = rng.integers(0, 10, 12), rng.integers(0, 10, 5)
    F, Ft = rng.standard_normal((2, 12, 30)), rng.standard_normal((2, 5, 30))
    Y = dd.clean_and_noisy_targets(rng, y, 2, 0.5)
    fit = dd.ridge_fit(F, Y, [0.0, 1.0], [6, 30], X_test=Ft, coef=False)
    errs = dd.label_set_errors(fit, Y, yt)
    assert set(errs) == set(dd.LABEL_SETS) and errs["clean"]["test_mse"].shape == (2, 2, 2)
    assert np.all(errs["noisy"]["train_mse"][:, 1, 0] < 1e-16)  # p = 30 > n = 12 interpolates
    table = dd.label_set_table(errs, [6, 30], "p", (0.0, 1.0))
    assert len(table) == 2 * 2 * 2 * 2 and set(table["labels"]) == set(dd.LABEL_SETS)
    sw = dd.ridge_fit(F, Y, 0.0, [4, 12], along="samples", X_test=Ft, coef=False)
    seen = dd.label_set_errors(sw, Y, yt, sample_sizes=[4, 12])
    assert np.all(seen["clean"]["train_mse"][:, 0, 0] < 1e-16)  # 4 rows, 30 features
    assert np.all(dd.label_set_errors(sw, Y, yt)["clean"]["train_mse"][:, 0, 0] > 0.1)


def test_random_feature_designs_share_weights():
    x = np.random.default_rng(5).standard_normal((9, 4))
    keys = jax.random.split(jax.random.PRNGKey(0), 2)
    F, Ft = dd.random_feature_designs(keys, x[:6], x[6:], 7)
    assert F.shape == (2, 6, 7) and Ft.shape == (2, 3, 7) and F.dtype == np.float64
    one = np.asarray(dd.random_features(keys[1], np.asarray(x, np.float32), 7))
    np.testing.assert_allclose(np.concatenate([F[1], Ft[1]]), one, rtol=1e-6)


def test_theory_tables():
    lin = dd.linear_theory_table((0.5, 2.0), (1.0, 4.0), 100, points=11)
    assert set(lin["snr"]) == {1.0, 4.0} and not np.any(np.isclose(lin["gamma"], 1.0))
    assert np.all(np.isfinite(lin[["ridgeless", "optimal_ridge"]]))
    sw = dd.samplewise_theory_table(30, 10, 4.0)
    assert list(sw["n"]) == list(range(1, 31))
    assert np.isinf(sw.loc[sw["n"].isin([9, 10, 11]), "finite_n"]).all()
    assert np.all(np.diff(sw["optimal_ridge"]) < 0)  # optimal ridge: more data never hurts


# ---------------------------------------------------------------------------------------------
# The study at its test profile
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny(test_profile_run):
    """The test profile's two replicates (computed once per session)."""
    cfg = STUDY.config("test")
    ev = runner.load(STUDY, cfg, (0, 1), root=test_profile_run(DD))
    return cfg, ev.per_seed


@pytest.mark.slow
def test_exact_facts_at_the_test_profile(tiny):
    cfg, results = tiny
    for res in results.values():
        lin = res.tables["linear"]
        assert len(lin) == 3 * 7 * 3 * 2  # seeds × γ × SNRs × (min-norm, optimal ridge)
        assert set(lin.columns) >= {"seed", "p", "gamma", "snr", "estimator", "risk", "norm"}
        rf = res.tables["rf_modelwise"]
        assert len(rf) == 2 * 5 * 2 * 2  # seeds × p × labels × (λ = 0, 1e-2)
        # exact at any size: min-norm interpolates past the threshold (train MSE 0), and the
        # linear risk is largest at γ = 1 (its expectation is infinite there)
        assert rf[(rf["lam"] == 0) & (rf["p"] >= cfg.rf_n_train)]["train_mse"].max() < 1e-8
        mlp = res.tables["mlp"]
        assert len(mlp) == len(cfg.mlp_widths) * cfg.mlp_seeds and not mlp["diverged"].any()
        m = STUDY.metrics(res, cfg)
        # the peak is measured off p = n (where E R = ∞), so it is never γ = 1 itself
        assert m["linear_peak_gamma_worst"] != 1.0 and m["diverged_members"] == 0
        assert m["rf_peak_ratio_worst"] != 1.0
        assert m["linear_fits"] == 3 * 7 * (1 + 3) and m["rf_fits"] == 2 * 5 * 2
        assert 0 < m["mlp_seconds"] <= m["run_seconds"]
    # the deterministic closed forms are shared; every random draw is the replicate's own
    a, b = (results[s].tables for s in (0, 1))
    pd.testing.assert_frame_equal(a["linear_theory"], b["linear_theory"])
    for name in ("linear", "rf_modelwise", "mlp"):
        assert not np.allclose(a[name].select_dtypes("float"), b[name].select_dtypes("float"))


@pytest.mark.slow
def test_metrics_of_a_hand_built_mlp_sweep(tiny):
    """Median over seeds per width, then the rise to the peak and the fall after it."""
    cfg, results = tiny
    tables = dict(results[0].tables)
    tables["mlp"] = pd.DataFrame(dict(
        width=[4, 4, 8, 8, 16, 16], seed=[0, 1] * 3, test_error=[0.2, 0.2, 0.3, 0.3, 0.3, 0.2],
        train_error=[0.5, 0.5, 0.005, 0.01, 0.0, 0.0], diverged=False))
    m = STUDY.metrics(Results(tables, {}), cfg)
    assert m["mlp_peak_width"] == 8 and m["mlp_interpolation_width"] == 8  # <= 1 %: 0.005
    assert m["mlp_peak_over_interpolation"] == 1.0
    assert m["mlp_rise_to_peak"] == pytest.approx(1.5)
    assert m["mlp_fall_after_peak"] == pytest.approx(0.3 / 0.25)
    assert m["mlp_double_descent"] == pytest.approx(1.2)


@pytest.mark.slow
def test_batched_mlp_replicate_does_not_depend_on_its_batch():
    """Replicate 1 trained beside replicate 0 or alone: the same data and initial nets, so the
    same errors (up to float reassociation in the vmapped program)."""
    cfg = STUDY.config("test")
    sweep = STUDY.SWEEPS["mlp"]

    def alone_or_not(seeds):
        keys = jax.numpy.stack([runner.point_key(s, "mlp", dict(width=4)) for s in seeds])
        data = sweep.setup(cfg, jax.numpy.stack([runner.setup_key(s, "mlp") for s in seeds]))
        out = sweep.point(cfg, keys, data=data, width=4).tables["mlp"]
        return out[out["replicate"] == len(seeds) - 1].drop(columns="replicate")

    pd.testing.assert_frame_equal(alone_or_not((0, 1)).reset_index(drop=True),
                                  alone_or_not((1,)).reset_index(drop=True), atol=1e-3)


@pytest.mark.parametrize(
    "override, match",
    [
        (dict(linear_gammas=[0.5, 0.2]), "increasing"),
        (dict(linear_n=10, linear_gammas=[0.51, 0.52]), "collide"),
        (dict(rf_activation="tanh"), "rf_activation"),
        (dict(label_noise=0.95), "label_noise"),
        (dict(label_noise=-0.1), "label_noise"),
        (dict(rf_n_test=1700), "training digits"),
        (dict(mlp_n_train=1400), "mlp_n_train"),
        (dict(linear_seeds=1), "linear_seeds"),
        (dict(mlp_steps=0), "mlp_steps"),
        (dict(rf_lams=[0.0, 1.0]), "rf_lams"),
        (dict(lstsq_backend="torch"), "lstsq_backend"),
    ],
)
def test_config_validation(override, match):
    with pytest.raises(ValueError, match=match):
        STUDY.config("quick", override)
