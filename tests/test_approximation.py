"""analysis.approximation: error norms, monomial features, best polynomial fits, log-log
slopes, and linear separability."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from nntheory.analysis import approximation as approx

# --------------------------------------------------------------------------------------------
# error norms
# --------------------------------------------------------------------------------------------

T = np.array([[3.0], [4.0]])  # ‖T‖₂ = 5


@pytest.mark.parametrize(
    "pred,rel,sup",
    [
        (T, 0.0, 0.0),
        (2 * T, 1.0, 4.0),
        (np.zeros((2, 1)), 1.0, 4.0),
        (T + np.array([[0.0], [5.0]]), 1.0, 5.0),
        (T + np.array([[0.3], [-0.4]]), 0.1, 0.4),
    ],
)
def test_error_known_values(pred, rel, sup):
    """relative_l2 = ‖f − g‖₂/‖g‖₂ and sup_error = max |f − g| on hand-computed cases."""
    assert float(approx.relative_l2(pred, T)) == pytest.approx(rel, abs=1e-12)
    assert float(approx.sup_error(pred, T)) == pytest.approx(sup, abs=1e-12)


def test_errors_reduce_over_outputs_too():
    """Both errors reduce over points and outputs together."""
    target = np.array([[1.0, 0.0], [0.0, 0.0]])
    pred = np.array([[1.0, 0.0], [0.0, 2.0]])
    assert float(approx.relative_l2(pred, target)) == pytest.approx(2.0)
    assert float(approx.sup_error(pred, target)) == pytest.approx(2.0)


def test_errors_broadcast_over_members():
    """A (K, points, outputs) prediction against a (points, outputs) target gives K errors,
    each equal to the error of that member alone."""
    rng = np.random.default_rng(0)
    target = rng.normal(size=(10, 1))
    preds = target + rng.normal(size=(3, 10, 1)) * np.array([0.0, 0.1, 1.0])[:, None, None]
    rel = approx.relative_l2(preds, target)
    sup = approx.sup_error(preds, target)
    assert rel.shape == (3,) and sup.shape == (3,)
    for k in range(3):
        assert rel[k] == pytest.approx(float(approx.relative_l2(preds[k], target)))
        assert sup[k] == pytest.approx(float(approx.sup_error(preds[k], target)))
    assert rel[0] == 0.0 and rel[0] < rel[1] < rel[2]


def test_errors_broadcast_two_leading_axes():
    """Leading axes of any rank are kept: (2, 3, n, 1) gives a (2, 3) array."""
    target = np.ones((4, 1))
    assert approx.relative_l2(np.zeros((2, 3, 4, 1)), target).shape == (2, 3)
    assert approx.sup_error(np.zeros((2, 3, 4, 1)), target).shape == (2, 3)


@pytest.mark.parametrize("fn", [approx.relative_l2, approx.sup_error])
def test_errors_reject_flat_arrays(fn):
    """Arrays without an outputs axis raise ValueError."""
    with pytest.raises(ValueError, match="points, outputs"):
        fn(np.zeros(3), np.zeros(3))


# --------------------------------------------------------------------------------------------
# polynomials
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("d,k", [(1, 0), (1, 1), (1, 4), (2, 1), (2, 3), (3, 2), (4, 3)])
def test_monomial_feature_count(d, k):
    """There are C(d + k, k) monomials of total degree <= k in d variables."""
    x = np.random.default_rng(0).normal(size=(5, d))
    phi = approx.monomial_features(x, k)
    assert phi.shape == (5, math.comb(d + k, k))
    assert phi.dtype == np.float64
    np.testing.assert_array_equal(phi[:, 0], 1.0)


def test_monomial_features_values_2d():
    """In 2-D at degree 2 the columns are 1, x, y, x², xy, y²."""
    x = np.array([[2.0, 3.0]])
    np.testing.assert_array_equal(approx.monomial_features(x, 2), [[1, 2, 3, 4, 6, 9]])


def test_best_polynomial_fit_exact_1d():
    """A cubic is recovered exactly (error ~1e-12) by the degree-3 fit and matches
    numpy.polyfit's least-squares cubic on a non-polynomial target."""
    x = np.linspace(-1, 1, 41)[:, None]
    y = 0.5 - 2.0 * x + 0.3 * x**2 + 1.7 * x**3
    fit = approx.best_polynomial_fit(x, y, 3)
    assert fit.shape == (41, 1)
    assert np.max(np.abs(fit - y)) < 1e-12
    g = np.sin(np.pi * x[:, 0])
    ref = np.polyval(np.polyfit(x[:, 0], g, 3), x[:, 0])
    np.testing.assert_allclose(approx.best_polynomial_fit(x, g, 3)[:, 0], ref, atol=1e-10)


def test_best_polynomial_fit_exact_2d():
    """A total-degree-2 polynomial in two variables (cross term included) is recovered."""
    g = np.linspace(-1, 1, 7)
    x = np.stack(np.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2)
    y = 1.0 + x[:, 0] - 2 * x[:, 1] + 0.5 * x[:, 0] ** 2 + 3 * x[:, 0] * x[:, 1] - x[:, 1] ** 2
    fit = approx.best_polynomial_fit(x, y, 2)
    assert fit.shape == (49, 1)
    assert np.max(np.abs(fit[:, 0] - y)) < 1e-12


def test_lower_degree_cannot_fit_higher():
    """A quadratic fit of a cubic leaves a non-zero error (the plateau of x^k nets)."""
    x = np.linspace(-1, 1, 41)[:, None]
    y = x**3
    err = approx.relative_l2(approx.best_polynomial_fit(x, y, 2), y)
    assert err > 0.1


@pytest.mark.parametrize("d,k", [(1, 2), (1, 3), (2, 2)])
def test_best_polynomial_fit_is_no_worse_than_others(d, k):
    """No polynomial of the same degree does better: random perturbations of the
    least-squares coefficients all have a larger squared error (by exactly ‖Φδ‖²)."""
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, size=(60, d))
    y = np.exp(x.sum(axis=1)) * np.cos(3 * x[:, 0])
    best = approx.best_polynomial_fit(x, y, k)[:, 0]
    phi = approx.monomial_features(x, k)
    coef = np.linalg.lstsq(phi, y, rcond=None)[0]
    np.testing.assert_allclose(phi @ coef, best, atol=1e-9)
    base = np.sum((best - y) ** 2)
    for _ in range(20):
        delta = rng.normal(scale=0.05, size=coef.shape)
        other = phi @ (coef + delta)
        err = np.sum((other - y) ** 2)
        assert err > base
        assert err - base == pytest.approx(np.sum((phi @ delta) ** 2), rel=1e-6)


def test_best_polynomial_fit_negative_degree():
    """A negative degree raises ValueError."""
    with pytest.raises(ValueError, match="degree"):
        approx.best_polynomial_fit(np.zeros((3, 1)), np.zeros(3), -1)


# --------------------------------------------------------------------------------------------
# rates
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("s", [-0.5, -1.0, 2.0, 0.0])
def test_loglog_slope_of_exact_power_law(s):
    """The slope of y = 3 x^s in log-log axes is s."""
    x = np.array([2.0, 8.0, 32.0, 128.0])
    assert approx.loglog_slope(x, 3.0 * x**s) == pytest.approx(s, abs=1e-12)


@pytest.mark.parametrize(
    "x,y",
    [([1.0], [1.0]), ([1.0, 2.0], [1.0]), ([0.0, 1.0], [1.0, 2.0]), ([1.0, 2.0], [1.0, -1.0])],
)
def test_loglog_slope_rejects(x, y):
    """Fewer than two points, unequal lengths, or non-positive values raise ValueError."""
    with pytest.raises(ValueError):
        approx.loglog_slope(x, y)


# --------------------------------------------------------------------------------------------
# linear separability
# --------------------------------------------------------------------------------------------

CORNERS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


@pytest.mark.parametrize(
    "labels,expected",
    [([0, 1, 1, 0], 0.75), ([0, 0, 0, 1], 1.0), ([0, 1, 1, 1], 1.0), ([1, 0, 0, 1], 0.75)],
    ids=["xor", "and", "or", "xnor"],
)
def test_best_linear_threshold_accuracy(labels, expected):
    """The best linear threshold unit gets 3/4 of XOR (and XNOR) and all of AND and OR."""
    assert approx.best_linear_threshold_accuracy(CORNERS, labels) == expected


@pytest.mark.parametrize(
    "x,labels,expected",
    [
        (CORNERS, [0, 1, 1, 0], False),
        (CORNERS, [0, 0, 0, 1], True),
        (CORNERS, [0, 1, 1, 1], True),
        (CORNERS, [-1, 1, 1, 1], True),  # ±1 labels
        (CORNERS, [-1, 1, 1, -1], False),
        (CORNERS, [1, 1, 1, 1], True),  # one class
        (np.array([[0.0], [1.0], [2.0], [3.0]]), [0, 0, 1, 1], True),
        (np.array([[0.0], [1.0], [2.0], [3.0]]), [0, 1, 0, 1], False),
        (np.array([[0.0], [1.0], [2.0]]), [1, 0, 1], False),
        (np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]), [0, 1, 0], False),  # collinear
        (np.array([[0.0, 0.0], [0.0, 0.0]]), [0, 1], False),  # same point, two labels
    ],
)
def test_linearly_separable(x, labels, expected):
    """linearly_separable is the exact LP feasibility of sign(w·x + b) = labels."""
    assert approx.linearly_separable(x, labels) is expected


def test_all_labellings_of_corners():
    """Of the 16 labellings of the square's corners exactly 14 are separable (all but XOR
    and XNOR)."""
    n = sum(approx.linearly_separable(CORNERS, bits)
            for bits in itertools.product((0, 1), repeat=4))
    assert n == 14


def test_best_linear_threshold_accuracy_limits_n():
    """More than 16 points is refused rather than solving 2^n LPs."""
    with pytest.raises(ValueError, match="n <= 16"):
        approx.best_linear_threshold_accuracy(np.zeros((17, 1)), np.zeros(17))


# --------------------------------------------------------------------------------------------
# floors, Barron's constants, fixed bases
# --------------------------------------------------------------------------------------------


def test_relative_to_constant_known_values():
    """‖f − g‖/‖g − ḡ‖: 1 for the mean itself, 0 for g, and scale-free in g − ḡ."""
    g = np.array([[1.0], [3.0]])  # ḡ = 2, ‖g − ḡ‖ = √2
    assert float(approx.relative_to_constant(np.full((2, 1), 2.0), g)) == pytest.approx(1.0)
    assert float(approx.relative_to_constant(g, g)) == 0.0
    assert float(approx.relative_to_constant(g + np.array([[0.1], [-0.1]]), g)) == \
        pytest.approx(0.1)
    preds = np.stack([g, np.full((2, 1), 2.0)])
    np.testing.assert_allclose(approx.relative_to_constant(preds, g), [0.0, 1.0])


@pytest.mark.parametrize(
    "y,fit",
    [
        ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]),  # already monotone
        ([3.0, 2.0, 1.0], [3.0, 2.0, 1.0]),  # monotone the other way
        ([1.0, 3.0, 2.0], [1.0, 2.5, 2.5]),  # one violator pooled
        ([2.0, 0.0, 2.0], [1.0, 1.0, 2.0]),  # a valley: both directions tie, increasing kept
        ([5.0], [5.0]),
    ],
)
def test_best_monotone_fit_cases(y, fit):
    """Hand-computed isotonic regressions, the better of the two directions."""
    np.testing.assert_allclose(approx.best_monotone_fit(y), fit)


def test_best_monotone_floor_of_abs_is_sqrt2_minus_1():
    """For |x| on [−1, 1] the best monotone fit is max(x, a) with a = √2 − 1 (the pooled mean
    of |x| over [−1, a] equals a), and its relative L² error is also √2 − 1; for sin πx it
    is 0.35. A one-unit ReLU net relu(x − a) + a attains the |x| floor exactly."""
    x = np.linspace(-1, 1, 2001)
    a = np.sqrt(2) - 1
    fit = approx.best_monotone_fit(np.abs(x))
    assert np.max(np.abs(fit - np.maximum(x, a))) < 2e-3
    assert float(approx.relative_l2(fit[:, None], np.abs(x)[:, None])) == pytest.approx(a, abs=1e-3)
    s = np.sin(np.pi * x)
    assert float(approx.relative_l2(approx.best_monotone_fit(s)[:, None], s[:, None])) == \
        pytest.approx(0.3497, abs=1e-3)


def test_best_monotone_fit_beats_every_monotone_sequence():
    """No random monotone sequence gets closer (the fit is the least-squares optimum)."""
    rng = np.random.default_rng(0)
    y = rng.normal(size=30)
    best = np.sum((approx.best_monotone_fit(y) - y) ** 2)
    for _ in range(200):
        m = np.sort(rng.normal(size=30)) * rng.choice([-1.0, 1.0])
        assert np.sum((m - y) ** 2) >= best


def test_best_monotone_fit_rejects():
    with pytest.raises(ValueError, match="1-D"):
        approx.best_monotone_fit(np.zeros((2, 2)))


@pytest.mark.parametrize(
    "a,k,u,domain,c",
    [
        ([0.5, 0.5], [2.0, 4.0], [[1.0], [-1.0]], "ball", 3.0),
        ([0.5, 0.5], [2.0, 4.0], [[1.0], [-1.0]], "cube", 3.0),  # d = 1: both norms are |u|
        ([1.0], [3.0], [[0.6, 0.8]], "ball", 3.0),
        ([1.0], [3.0], [[0.6, 0.8]], "cube", 4.2),  # ‖u‖₁ = 1.4
        ([-2.0], [1.0], [[0.0, 0.0, 1.0]], "ball", 2.0),  # |a|
    ],
)
def test_cosine_ridge_barron_constant(a, k, u, domain, c):
    """C = Σ |aⱼ| κⱼ |uⱼ|_B with |u|_B = ‖u‖₂ on the unit ball and ‖u‖₁ on the cube."""
    assert approx.cosine_ridge_barron_constant(a, k, u, domain) == pytest.approx(c)


def test_cosine_ridge_barron_constant_rejects():
    with pytest.raises(ValueError, match="domain"):
        approx.cosine_ridge_barron_constant([1.0], [1.0], [[1.0]], "sphere")
    with pytest.raises(ValueError, match="directions"):
        approx.cosine_ridge_barron_constant([1.0, 1.0], [1.0], [[1.0]])


def test_barron_bound_values():
    """2C/√n: C = 3 at n = 9 gives 2; the bound halves when n quadruples."""
    assert float(approx.barron_bound(3.0, 9)) == pytest.approx(2.0)
    np.testing.assert_allclose(approx.barron_bound(1.0, [1, 4, 16]), [2.0, 1.0, 0.5])


def test_least_squares_readout_recovers_the_span_and_matches_polyfit():
    """A target in span(Φ, 1) is fitted exactly; with Φ = (x, x²) the fit is numpy's quadratic
    least squares; the coefficients apply at other points."""
    x = np.linspace(-1, 1, 50)
    phi = np.stack([x, x**2], axis=1)
    coef = approx.least_squares_readout(phi, 1.0 + 2.0 * x - 3.0 * x**2)
    np.testing.assert_allclose(coef[:, 0], [2.0, -3.0, 1.0], atol=1e-12)
    y = np.cos(3 * x)
    fit = approx.apply_readout(phi, approx.least_squares_readout(phi, y[:, None]))
    np.testing.assert_allclose(fit[:, 0], np.polyval(np.polyfit(x, y, 2), x), atol=1e-10)
    x2 = np.array([0.5, 2.0])
    np.testing.assert_allclose(approx.apply_readout(np.stack([x2, x2**2], 1), coef)[:, 0],
                               1.0 + 2.0 * x2 - 3.0 * x2**2, atol=1e-10)
    with pytest.raises(ValueError, match="points"):
        approx.least_squares_readout(phi, y[:10])


@pytest.mark.parametrize(
    "fixed,adaptive,d,frac",
    [(-1 / 16, -0.5, 16, 1.0), (-0.5, -0.5, 16, 0.0), (-0.1, -0.7, 4, 2.4), (0.0, -0.25, 4, 1.0)],
)
def test_rate_gap_fraction(fixed, adaptive, d, frac):
    """(s_fixed − s_adaptive)/(1/2 − 1/d): 1 at exactly Barron's two rates, 0 when equal."""
    assert approx.rate_gap_fraction(fixed, adaptive, d) == pytest.approx(frac)


def test_rate_gap_fraction_needs_d_above_2():
    with pytest.raises(ValueError, match="d > 2"):
        approx.rate_gap_fraction(0.0, -0.5, 2)


def test_xor_two_unit_weights_compute_xor():
    """The hand-built 2-2-2 tanh net gives logit(1) − logit(0) > 0 exactly on (0,1) and (1,0)."""
    (w1, b1), _, (w2, b2) = approx.xor_two_unit_weights()
    logits = np.tanh(CORNERS @ w1 + b1) @ w2 + b2
    np.testing.assert_array_equal(np.argmax(logits, axis=1), [0, 1, 1, 0])
