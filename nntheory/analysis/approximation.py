"""Approximation errors, best polynomial and monotone fits, rates, Barron's constants and
bound, fixed-basis (least-squares readout) fits, and linear separability.

Functions of arrays only; used by the universal-approximation study and by scripts.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.optimize import isotonic_regression, linprog


def _pair(pred, target):
    pred, target = np.asarray(pred, np.float64), np.asarray(target, np.float64)
    if pred.ndim < 2 or target.ndim < 2:
        raise ValueError("errors take arrays of shape (..., points, outputs)")
    return pred, target


def relative_l2(pred, target) -> np.ndarray:
    """‖f − g‖₂ / ‖g‖₂ over the points of a grid.

    Arrays are (..., points, outputs) and broadcast against each other; leading axes (members)
    are kept. On a uniform grid this is the discretised relative L²(μ) error, μ uniform on the
    cube.
    """
    pred, target = _pair(pred, target)
    num = np.sqrt(np.sum((pred - target) ** 2, axis=(-2, -1)))
    return num / np.sqrt(np.sum(target**2, axis=(-2, -1)))


def sup_error(pred, target) -> np.ndarray:
    """max over grid points of ``|f − g|`` (the sup-norm error on the grid), leading axes kept."""
    pred, target = _pair(pred, target)
    return np.max(np.abs(pred - target), axis=(-2, -1))


def monomial_features(x, degree: int) -> np.ndarray:
    """All monomials x^α with ``|α| <= degree`` of the columns of x (n, d), as (n, m) float64."""
    x = np.asarray(x, np.float64)
    n, d = x.shape
    cols = [np.ones(n)]
    for k in range(1, degree + 1):
        for combo in itertools.combinations_with_replacement(range(d), k):
            cols.append(np.prod(x[:, combo], axis=1))
    return np.stack(cols, axis=1)


def best_polynomial_fit(x, y, degree: int) -> np.ndarray:
    """The least-squares polynomial of total degree <= ``degree`` on the points x, evaluated there.

    This is the best a one-hidden-layer net with activation x^k (k = degree) can do on those
    points in the L² sense: such a net, Σᵢ vᵢ(wᵢ·x + bᵢ)^k + c, is a polynomial of total degree
    <= k (Leshno, Lin, Pinkus & Schocken 1993, Neural Networks 6(6):861–867).
    Solved in float64 with an orthonormal basis (QR) for stability.
    """
    if degree < 0:
        raise ValueError(f"degree must be >= 0, got {degree}")
    phi = monomial_features(x, degree)
    q, _ = np.linalg.qr(phi)
    y = np.asarray(y, np.float64).reshape(len(phi), -1)
    return q @ (q.T @ y)


def loglog_slope(x, y) -> float:
    """Least-squares slope of log y against log x (the exponent of a power law y ∝ x^s)."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if x.shape != y.shape or x.size < 2:
        raise ValueError("loglog_slope needs two equal-length arrays of at least 2 points")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("loglog_slope needs positive values")
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def linearly_separable(x, labels) -> bool:
    """Whether a linear threshold unit sign(w·x + b) realises the ±1/0-1 labels exactly.

    Exact feasibility LP: find (w, b) with sᵢ(w·xᵢ + b) >= 1, sᵢ = ±1 (any strictly separable
    labelling can be scaled to margin 1).
    """
    x = np.asarray(x, np.float64)
    s = np.where(np.asarray(labels) > 0, 1.0, -1.0)
    n, d = x.shape
    a_ub = -s[:, None] * np.hstack([x, np.ones((n, 1))])
    res = linprog(np.zeros(d + 1), A_ub=a_ub, b_ub=-np.ones(n), bounds=[(None, None)] * (d + 1),
                  method="highs")
    return res.status == 0


def best_linear_threshold_accuracy(x, labels) -> float:
    """The best accuracy any linear threshold unit reaches on (x, labels), found exhaustively.

    Tries every labelling of the n points (2^n LPs, so n <= 16) and keeps the separable one that
    agrees most with ``labels``. For XOR this is 3/4 (Minsky & Papert 1969, "Perceptrons").
    """
    labels = np.asarray(labels).astype(int)
    n = len(labels)
    if n > 16:
        raise ValueError(f"exhaustive search over 2^{n} labellings is too large (n <= 16)")
    best = 0.0
    for bits in itertools.product((0, 1), repeat=n):
        agree = np.mean(np.array(bits) == labels)
        if agree > best and linearly_separable(x, bits):
            best = agree
    return float(best)


# ---------------------------------------------------------------------------------------------
# Lower floors, Barron constants and fixed-basis fits
# ---------------------------------------------------------------------------------------------


def relative_to_constant(pred, target) -> np.ndarray:
    """‖f − g‖₂ / ‖g − ḡ‖₂ over the points, ḡ the mean of g over them: the error relative to
    that of the best constant approximant (1 for f = ḡ). Arrays as in :func:`relative_l2`.

    Barron's bound (1993, Theorem 1) is for f_n with a free constant term c₀, so the constant
    part of g costs nothing; this normalisation makes errors of targets with different means
    (or of one target in different dimensions) comparable.
    """
    pred, target = _pair(pred, target)
    centre = target.mean(axis=-2, keepdims=True)
    num = np.sqrt(np.sum((pred - target) ** 2, axis=(-2, -1)))
    return num / np.sqrt(np.sum((target - centre) ** 2, axis=(-2, -1)))


def best_monotone_fit(y) -> np.ndarray:
    """The monotone (non-decreasing or non-increasing) sequence closest to y (n,) in least
    squares: the better of the two isotonic regressions (pool-adjacent-violators, Ayer et al.
    1955, Ann. Math. Statist. 26(4):641–647; ``scipy.optimize.isotonic_regression``).

    On a 1-D grid this is the floor of every one-unit net v·φ(w x + b) + c with a monotone
    activation φ (sigmoid, tanh, ReLU): such a net is a monotone function of x, so on the grid
    it is one of the sequences this minimises over, and its L² error is at least this one's.
    """
    y = np.asarray(y, np.float64)
    if y.ndim != 1 or y.size == 0:
        raise ValueError("best_monotone_fit takes a non-empty 1-D array")
    up = isotonic_regression(y, increasing=True).x
    down = isotonic_regression(y, increasing=False).x
    return up if np.sum((up - y) ** 2) <= np.sum((down - y) ** 2) else down


def cosine_ridge_barron_constant(amplitudes, frequencies, directions, domain: str = "ball"):
    """Barron's constant of g(x) = Σⱼ aⱼ cos(κⱼ uⱼ·x + θⱼ), uⱼ unit vectors.

    g's Fourier distribution puts mass ``|aⱼ|/2`` at ±κⱼuⱼ, so
    ``C_{g,B} = ∫ |ω|_B |F̃|(dω) = Σⱼ |aⱼ| κⱼ |uⱼ|_B`` with ``|ω|_B = sup_{x∈B} |ω·x|`` (Barron
    1993, IEEE Trans. Inf. Theory 39(3):930–945, eq. (3) and Section IX on ridge functions and
    sums). ``domain="ball"``: B the unit ball, ``|u|_B = ‖u‖₂ = 1``, the same in every
    dimension; ``domain="cube"``: B = [−1, 1]^d, ``|u|_B = ‖u‖₁`` (up to √d).

    Args:
      amplitudes, frequencies: (m,) aⱼ and κⱼ.
      directions: (m, d) the uⱼ.
    """
    a, k = np.abs(np.asarray(amplitudes, np.float64)), np.asarray(frequencies, np.float64)
    u = np.asarray(directions, np.float64)
    if u.ndim != 2 or not a.shape == k.shape == (u.shape[0],):
        raise ValueError("need (m,) amplitudes and frequencies and (m, d) directions")
    if domain == "ball":
        norm = np.linalg.norm(u, axis=1)
    elif domain == "cube":
        norm = np.abs(u).sum(axis=1)
    else:
        raise ValueError(f"domain must be 'ball' or 'cube', got {domain!r}")
    return float(np.sum(a * k * norm))


def barron_bound(c, n) -> np.ndarray:
    """Barron's bound on the L²(μ) error of the best width-n sigmoidal net: 2C/√n
    (Barron 1993, Theorem 1: ∫_B (f − f_n)² dμ ≤ (2C)²/n for every probability measure μ on B).
    """
    return 2.0 * np.asarray(c, np.float64) / np.sqrt(np.asarray(n, np.float64))


def least_squares_readout(features, y) -> np.ndarray:
    """The output layer (v, c) minimising Σ (Φv + c − y)² over the points: the best a net whose
    hidden layer Φ is frozen can do there — a fixed basis of n functions plus a constant
    (random features when Φ is a random initialisation; the "linear combination" expansions of
    Barron 1993, abstract). Φ is (points, n), y (points,) or (points, outputs); returns the
    (n + 1, outputs) coefficients, the constant last (apply them with :func:`apply_readout`).
    Solved in float64 with numpy's SVD-based ``lstsq``.
    """
    phi, y = np.asarray(features, np.float64), np.asarray(y, np.float64)
    if phi.ndim != 2 or y.shape[0] != phi.shape[0]:
        raise ValueError("need features (points, n) and y with the same number of points")
    design = np.hstack([phi, np.ones((len(phi), 1))])
    return np.linalg.lstsq(design, y.reshape(len(phi), -1), rcond=None)[0]


def apply_readout(features, coef) -> np.ndarray:
    """Φv + c at other points, (points, outputs), from :func:`least_squares_readout`'s
    coefficients."""
    phi, coef = np.asarray(features, np.float64), np.asarray(coef, np.float64)
    return phi @ coef[:-1] + coef[-1]


def xor_two_unit_weights(k: float = 5.0):
    """Parameters ((W₁, b₁), (), (W₂, b₂)) of a 2-2-2 tanh net, x @ W + b per layer (the
    ``nets.mlp(2, 1, 2, "tanh", parameterization="standard")`` layout), that computes XOR:
    h₁ = tanh(k(x₁ + x₂ − ½)) ≈ OR and h₂ = tanh(k(x₁ + x₂ − 3/2)) ≈ AND (as ±1), and
    logit(1) − logit(0) = h₁ − h₂ − 1, positive iff OR and not AND.

    The two-hidden-unit solution of XOR (Rumelhart, Hinton & Williams 1986, Parallel Distributed
    Processing Vol. 1, ch. 8); one unit alone cannot do it (Minsky & Papert 1969).
    """
    w1 = np.full((2, 2), float(k), np.float32)
    b1 = np.array([-0.5 * k, -1.5 * k], np.float32)
    w2 = np.array([[0.0, 1.0], [0.0, -1.0]], np.float32)
    return ((w1, b1), (), (w2, np.array([0.0, -1.0], np.float32)))


def rate_gap_fraction(slope_fixed, slope_adaptive, dim) -> float:
    """How much of the gap between the two rates of Barron (1993) a measurement shows:
    (s_fixed − s_adaptive) / (1/2 − 1/d), with s the log-log slopes of the error against the
    number of units n. 1 when the adaptive net decays as n^(−1/2) (Theorem 1) and the fixed
    basis as n^(−1/d) (the abstract's lower bound for n-term expansions with only the linear
    parameters adjusted); 0 when both decay alike. Needs d > 2 (else the gap is not positive).
    """
    if dim <= 2:
        raise ValueError(f"the gap 1/2 − 1/d is positive only for d > 2, got d = {dim}")
    return float((slope_fixed - slope_adaptive) / (0.5 - 1.0 / dim))
