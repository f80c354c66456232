"""Approximation errors, best polynomial fits, rates, and linear separability.

Functions of arrays only; used by the universal-approximation study and by scripts.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.optimize import linprog


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
    """max over grid points of |f − g| (the sup-norm error on the grid), leading axes kept."""
    pred, target = _pair(pred, target)
    return np.max(np.abs(pred - target), axis=(-2, -1))


def monomial_features(x, degree: int) -> np.ndarray:
    """All monomials x^α with |α| <= degree of the columns of x (n, d), as (n, m) float64."""
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
