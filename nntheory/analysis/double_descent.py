"""Double descent: closed-form risks of min-norm and ridge least squares, batched least-squares
fits along a sweep of model (or sample) sizes, random features, risk curves as tables and their
summaries, and the experiments' data (Gaussian designs, label noise, a standardised split).

Conventions (Hastie, Montanari, Rosset & Tibshirani 2022, Ann. Statist. 50(2):949–986,
arXiv:1903.08560, Sections 2–3): data y = Xβ + ε with n samples, p features, x ~ N(0, I_p),
ε ~ N(0, σ²), ‖β‖² = r², SNR = r²/σ², γ = p/n. The risk of an estimate β̂ is
R = E_x[(xᵀβ̂ − xᵀβ)²] = ‖β̂ − β‖² for isotropic x (the noise σ² of a fresh test label is *not*
included). Ridge minimises (1/n)‖y − Xβ‖² + λ‖β‖², i.e. β̂_λ = (XᵀX + nλI)⁻¹Xᵀy; min-norm
least squares is its limit λ → 0⁺, β̂ = X⁺y.

Every fit here runs in float64: at the interpolation threshold the smallest singular values
of X decide the risk, and float32 drops them (measured: the p = n peak of a random-features
curve almost vanishes in float32). The fits run in NumPy's LAPACK (``backend="numpy"``, the
CPU) or on JAX's default device (``backend="jax"``, a GPU) inside a scoped
``jax.enable_x64`` — never switched on globally. Nothing here reads files or prints.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import threadpoolctl

# ---------------------------------------------------------------------------------------------
# Closed forms (isotropic Gaussian features)
# ---------------------------------------------------------------------------------------------


def _arr(x) -> np.ndarray:
    return np.asarray(x, np.float64)


def ridgeless_risk(gamma, snr=1.0, sigma2=1.0) -> np.ndarray:
    """Asymptotic risk of min-norm least squares with isotropic features, both sides of γ = 1.

        R(γ) = σ² γ / (1 − γ)                      for γ < 1,
        R(γ) = r² (1 − 1/γ) + σ² / (γ − 1)         for γ > 1,   r² = SNR · σ²,

    and +inf at γ = 1. The risk excludes the test-label noise σ².

    References: Hastie, Montanari, Rosset & Tibshirani 2022 (arXiv:1903.08560), Theorem 1
    (isotropic features, limit n, p → ∞ with p/n → γ); re-derived in
    :func:`nntheory.symbolic.ridgeless_limits` as the λ → 0⁺ limit of :func:`ridge_risk`.
    """
    g, snr, s2 = np.broadcast_arrays(_arr(gamma), _arr(snr), _arr(sigma2))
    if np.any(g <= 0):
        raise ValueError("gamma must be positive")
    r2 = snr * s2
    with np.errstate(divide="ignore", invalid="ignore"):
        under = s2 * g / (1.0 - g)
        over = r2 * (1.0 - 1.0 / g) + s2 / (g - 1.0)
    return np.where(g < 1, under, np.where(g > 1, over, np.inf))


def ridgeless_risk_finite(n, p, snr=1.0, sigma2=1.0) -> np.ndarray:
    """Exact finite-sample expected risk of min-norm least squares for Gaussian X (n × p,
    i.i.d. N(0, 1) entries) and any fixed β with ‖β‖² = r²:

        E R = σ² p / (n − p − 1)                       for p <= n − 2,
        E R = r² (1 − n/p) + σ² n / (p − n − 1)        for p >= n + 2,

    and +inf for n − 1 <= p <= n + 1 (the expectation diverges).

    Derivation: for p < n, β̂ − β = (XᵀX)⁻¹Xᵀε and E tr (XᵀX)⁻¹ = p/(n − p − 1) (mean of an
    inverse Wishart matrix); for p > n, β̂ − β = −(I − P)β + X⁺ε with P the projection on the
    row space of X, a uniformly random n-dimensional subspace (E‖(I − P)β‖² = r²(1 − n/p)), and
    E tr (XXᵀ)⁻¹ = n/(p − n − 1). The limit n → ∞, p/n → γ is :func:`ridgeless_risk`
    (checked symbolically in :func:`nntheory.symbolic.finite_sample_limit`). See Hastie et al.
    2022, Section 3 (finite-sample remarks), and Belkin, Hsu & Xu 2020 (SIAM J. Math. Data Sci.
    2(4), arXiv:1903.07571), Theorem 1.
    """
    n, p, snr, s2 = np.broadcast_arrays(_arr(n), _arr(p), _arr(snr), _arr(sigma2))
    r2 = snr * s2
    with np.errstate(divide="ignore", invalid="ignore"):
        under = s2 * p / (n - p - 1.0)
        over = r2 * (1.0 - n / p) + s2 * n / (p - n - 1.0)
    return np.where(p <= n - 2, under, np.where(p >= n + 2, over, np.inf))


def mp_stieltjes(lam, gamma) -> tuple[np.ndarray, np.ndarray]:
    """The Marchenko–Pastur Stieltjes transform m(−λ) = ∫ dF_γ(s)/(s + λ) and its derivative
    m'(−λ) = ∫ dF_γ(s)/(s + λ)², for λ > 0, where F_γ is the limiting spectral distribution of
    XᵀX/n with p/n → γ (Marchenko & Pastur 1967).

    m is the positive root of γλm² + (1 − γ + λ)m − 1 = 0:

        m(−λ) = [−(1 − γ + λ) + √((1 − γ + λ)² + 4γλ)] / (2γλ).

    Derived in :func:`nntheory.symbolic.marchenko_pastur_stieltjes`.
    """
    lam, g = np.broadcast_arrays(_arr(lam), _arr(gamma))
    if np.any(lam <= 0) or np.any(g <= 0):
        raise ValueError("lam and gamma must be positive")
    b = 1.0 - g + lam
    root = np.sqrt(b * b + 4.0 * g * lam)
    # the rationalised root 2/(b + √·) avoids cancellation when b > 0 and λ is small
    m = np.where(b > 0, 2.0 / (b + root), (root - b) / (2.0 * g * lam))
    # implicit differentiation of γλm² + (1 − γ + λ)m − 1 = 0 in λ: dm/dλ = −(γm² + m)/(2γλm + b)
    dm_dlam = -(g * m * m + m) / (2.0 * g * lam * m + b)
    return m, -dm_dlam


def ridge_risk(gamma, lam, snr=1.0, sigma2=1.0) -> np.ndarray:
    """Asymptotic risk of ridge regression (penalty λ‖β‖² on the loss (1/n)‖y − Xβ‖²) with
    isotropic features and ‖β‖² = r² = SNR·σ²:

        R(λ; γ) = r² λ² m'(−λ) + σ² γ [m(−λ) − λ m'(−λ)],

    bias (first term) plus variance (second), with m the Marchenko–Pastur Stieltjes transform
    (:func:`mp_stieltjes`). Its λ → 0⁺ limit is :func:`ridgeless_risk`.

    References: Dobriban & Wager 2018 (Ann. Statist. 46(1), arXiv:1507.03003), Theorem 2.1;
    Hastie et al. 2022 (arXiv:1903.08560), Section 5 (ridge regularization, isotropic case).
    Derived in :func:`nntheory.symbolic.isotropic_ridge_risk`.
    """
    g, lam, snr, s2 = np.broadcast_arrays(_arr(gamma), _arr(lam), _arr(snr), _arr(sigma2))
    m, dm = mp_stieltjes(lam, g)
    r2 = snr * s2
    return r2 * lam**2 * dm + s2 * g * (m - lam * dm)


def optimal_ridge_lambda(gamma, snr=1.0) -> np.ndarray:
    """The risk-minimising ridge penalty for isotropic features, λ* = σ²γ/r² = γ/SNR
    (Dobriban & Wager 2018, Theorem 2.1; Hastie et al. 2022, Section 5; derived in
    :func:`nntheory.symbolic.optimal_ridge`). In the unnormalised convention
    ‖y − Xβ‖² + λ'‖β‖² of Nakkiran et al. 2020 (arXiv:2003.01897, Lemma 2) this is
    λ' = nλ* = pσ²/r², independent of n."""
    return _arr(gamma) / _arr(snr)


def optimal_ridge_risk(gamma, snr=1.0, sigma2=1.0) -> np.ndarray:
    """Risk of optimally tuned ridge, R(λ*; γ) = σ²γ m(−λ*) with λ* = γ/SNR
    (:func:`optimal_ridge_lambda`): it rises monotonically from 0 (γ → 0) to r² (γ → ∞) with
    no peak at γ = 1 (Dobriban & Wager 2018, Theorem 2.1; Hastie et al. 2022, Section 5;
    Nakkiran et al. 2020, arXiv:2003.01897, Theorem 1 for the sample-wise direction)."""
    g, snr, s2 = np.broadcast_arrays(_arr(gamma), _arr(snr), _arr(sigma2))
    m, _ = mp_stieltjes(g / snr, g)
    return s2 * g * m


# ---------------------------------------------------------------------------------------------
# Least-squares fits along a sweep of sizes (batched, float64)
# ---------------------------------------------------------------------------------------------


class LstsqFit(NamedTuple):
    """Fits of one sweep. Axes: ``(*batch, sizes, lams, ...)``.

    Attributes:
      train_pred: ``(*batch, S, L, n, k)`` predictions on the training inputs (for a sweep over
        sample sizes, rows past each size are predictions on points the fit did not see).
      test_pred: ``(*batch, S, L, n_test, k)``, or None without ``X_test``.
      norm2: ``(*batch, S, L, k)`` squared norm ‖β̂‖² of each output's coefficients.
      coef: ``(*batch, S, L, P, k)`` coefficients (zero past each model size), or None.
    """

    train_pred: np.ndarray
    test_pred: np.ndarray | None
    norm2: np.ndarray
    coef: np.ndarray | None


#: Bytes of stacked normal-equation matrices one batched solve may hold; None: an eighth of
#: ``NNTHEORY_MEMORY_BUDGET`` (:func:`nntheory.train.memory_budget`, by default 256 MiB), so
#: the solve's copies and workspace stay inside the budget.
MEMORY_BUDGET: int | None = None

LSTSQ_BACKENDS = ("numpy", "jax")


def lstsq_budget() -> int:
    """Bytes of stacked matrices one batched solve may hold (:data:`MEMORY_BUDGET`)."""
    from nntheory.train import memory_budget

    return MEMORY_BUDGET if MEMORY_BUDGET is not None else max(1, memory_budget() // 8)


def _mask_matrices(sizes, m):
    """(S, m) 0/1 masks of the first s coordinates, for s in sizes (capped at m)."""
    return (np.arange(m)[None, :] < np.asarray(sizes)[:, None]).astype(np.float64)


def _masked_gram(out, G, masks):
    """Write G restricted to each mask's leading block, padded with the identity, into
    ``out`` (B, S, m, m) — in place, since these stacks are the largest arrays of a sweep."""
    np.multiply(G[:, None], (masks[:, :, None] * masks[:, None, :])[None], out=out)
    idx = np.arange(G.shape[-1])
    out[..., idx, idx] += (1.0 - masks)[None]


def _cumulative(blocks_of, edges):
    """[Σ_{j<i} blocks_of(a_j, e_j)] for consecutive (a, e) in edges: running sums, stacked on
    axis 1 — the Gram matrices of nested designs in one pass over the data."""
    out, run = [], 0.0
    for a, e in zip(edges[:-1], edges[1:], strict=True):
        run = run + blocks_of(a, e)
        out.append(run)
    return np.stack(out, axis=1)


def _solve_all(A, R, penalty, lams):
    """Solve (A + λ·penalty) x = R for every λ column: A (B, S, m, m), R (B, S, m, k),
    penalty (S, m) diagonal weights (n·mask), lams (S, L) -> (B, S, m, L·k), the solutions
    of the L penalties side by side (so later products are single wide matmuls)."""
    B, S, m, k = R.shape
    out = np.empty((B, S, m, lams.shape[1] * k))
    idx = np.arange(m)
    diag = A[..., idx, idx].copy()
    # One thread per solve: numpy loops over the stack, each system is small, and OpenBLAS's
    # worker threads spin-wait (measured: 15-25x the CPU time) when the cores are shared.
    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        for col in range(lams.shape[1]):
            A[..., idx, idx] = diag + (lams[:, col, None] * penalty)[None]
            out[..., col * k:(col + 1) * k] = np.linalg.solve(A, R)
    A[..., idx, idx] = diag
    return out


def _solve_all_jax(A, R, penalty, lams):
    """:func:`_solve_all` on JAX's default device, in float64 (a scoped ``jax.enable_x64``):
    one batched LU solve per penalty, the penalties in sequence (one copy of A at a time)."""
    with jax.enable_x64(True):
        return np.asarray(_solve_stack(*(jnp.asarray(a, jnp.float64)
                                         for a in (A, R, penalty, lams))))


@jax.jit
def _solve_stack(A, R, penalty, lams):
    B, S, m, k = R.shape
    idx = jnp.arange(m)
    sols = jax.lax.map(lambda lam: jnp.linalg.solve(
        A.at[..., idx, idx].add((lam[:, None] * penalty)[None]), R), lams.T)  # (L, B, S, m, k)
    return jnp.moveaxis(sols, 0, 3).reshape(B, S, m, -1)


def _matmul_jax(a, b):
    """numpy.matmul on JAX's default device, in float64."""
    with jax.enable_x64(True):
        return np.asarray(jnp.matmul(jnp.asarray(a, jnp.float64), jnp.asarray(b, jnp.float64)))


class _Ops(NamedTuple):
    """The two kernels a sweep's cost lies in: products of designs and batched solves."""

    matmul: Callable
    solve: Callable


_OPS = {"numpy": _Ops(np.matmul, _solve_all), "jax": _Ops(_matmul_jax, _solve_all_jax)}


def _cat(*parts):
    """Concatenate the non-empty parts along the size axis (1): the under- and
    over-parameterised halves of a sweep, either of which may be absent."""
    parts = [q for q in parts if q.shape[1]]
    return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)


def _unwide(a, L):
    """(B, S, r, L·k) -> (B, S, L, r, k)."""
    B, S, r, lk = a.shape
    return a.reshape(B, S, r, L, lk // L).transpose(0, 1, 3, 2, 4)


def _features_chunk(X, Y, Xt, lams, sizes, want_coef, ops=_OPS["numpy"]):
    """Designs X (B, n, P): fits on the first s columns for every s in ``sizes``.

    s < n: primal normal equations (X_sᵀX_s + nλI)β = X_sᵀy on the leading s × s block of
    G = X₁ᵀX₁ (X₁: the first min(n, P) columns), padded with the identity.
    s >= n: dual form α = (K_s + nλI)⁻¹y, β = X_sᵀα, with K_s = X_s X_sᵀ accumulated block by
    block between consecutive sizes, so the whole sweep costs one pass over X.
    Every system is min(n, P) × min(n, P) (a size >= n exists only when P >= n).
    """
    B, n, P = X.shape
    sizes = np.asarray(sizes)
    m = min(n, P)
    small, big = sizes[sizes < n], sizes[sizes >= n]
    S, k, L = len(sizes), Y.shape[-1], lams.shape[1]
    ns = len(small)
    A = np.empty((B, S, m, m))
    R = np.empty((B, S, m, k))
    penalty = np.full((S, m), float(n))
    X1 = X[:, :, :m]
    mm = ops.matmul
    if ns:
        masks = _mask_matrices(small, m)
        _masked_gram(A[:, :ns], mm(X1.transpose(0, 2, 1), X1), masks)
        R[:, :ns] = mm(X1.transpose(0, 2, 1), Y)[:, None] * masks[None, :, :, None]
        penalty[:ns] *= masks
    edges = (0, *(int(s) for s in big))
    if len(big):
        A[:, ns:] = _cumulative(
            lambda a, e: mm(X[:, :, a:e], X[:, :, a:e].transpose(0, 2, 1)), edges)
        R[:, ns:] = Y[:, None]
    sol = ops.solve(A, R, penalty, lams)  # (B, S, m, L·k)
    b, alpha = sol[:, :ns], sol[:, ns:]
    K = A[:, ns:]
    tr_big = mm(K, alpha)
    tr = _cat(mm(X1[:, None], b), tr_big)
    norm2 = _cat(np.sum(b * b, axis=-2), np.sum(alpha * tr_big, axis=-2))
    te = None
    if Xt is not None:
        Kt = (_cumulative(lambda a, e: mm(Xt[:, :, a:e], X[:, :, a:e].transpose(0, 2, 1)),
                          edges) if len(big) else np.zeros((B, 0, Xt.shape[1], m)))
        te = _unwide(_cat(mm(Xt[:, None, :, :m], b), mm(Kt, alpha)), L)
    coef = None
    if want_coef:
        coef = np.zeros((B, S, P, L * k))
        coef[:, :ns, :m] = b
        if len(big):
            coef[:, ns:] = mm(X.transpose(0, 2, 1)[:, None], alpha) * _mask_matrices(big, P)[
                None, :, :, None]
        coef = _unwide(coef, L)
    return _unwide(tr, L), te, norm2.reshape(B, S, L, k), coef


def _samples_chunk(X, Y, Xt, lams, sizes, want_coef, ops=_OPS["numpy"]):
    """Designs X (B, N, P): fits on the first s rows for every s in ``sizes``.

    s >= P: primal normal equations (G_s + sλI)β = X_sᵀy_s with G_s = Σ_{i<s} x_i x_iᵀ
    accumulated block by block. s < P: dual form on the leading s × s block of K = X₁X₁ᵀ
    (X₁: the first min(N, P) rows), padded with the identity, β = X₁ᵀα.
    """
    B, N, P = X.shape
    sizes = np.asarray(sizes)
    m = min(N, P)
    small, big = sizes[sizes < P], sizes[sizes >= P]
    S, k, L = len(sizes), Y.shape[-1], lams.shape[1]
    A = np.empty((B, S, m, m))
    R = np.empty((B, S, m, k))
    penalty = np.repeat(sizes.astype(np.float64)[:, None], m, axis=1)
    X1, Y1 = X[:, :m], Y[:, :m]
    ns = len(small)
    mm = ops.matmul
    if ns:
        masks = _mask_matrices(small, m)
        _masked_gram(A[:, :ns], mm(X1, X1.transpose(0, 2, 1)), masks)
        R[:, :ns] = Y1[:, None] * masks[None, :, :, None]
        penalty[:ns] *= masks
    if len(big):
        edges = (0, *(int(s) for s in big))
        A[:, ns:] = _cumulative(
            lambda a, e: mm(X[:, a:e].transpose(0, 2, 1), X[:, a:e]), edges)
        R[:, ns:] = _cumulative(lambda a, e: mm(X[:, a:e].transpose(0, 2, 1), Y[:, a:e]),
                                edges)
    sol = ops.solve(A, R, penalty, lams)
    coef = _cat(mm(X1.transpose(0, 2, 1)[:, None], sol[:, :ns]), sol[:, ns:])
    tr = _unwide(mm(X[:, None], coef), L)
    te = None if Xt is None else _unwide(mm(Xt[:, None], coef), L)
    norm2 = np.sum(coef * coef, axis=-2).reshape(B, S, L, k)
    return tr, te, norm2, (_unwide(coef, L) if want_coef else None)


_SWEEPS = {"features": _features_chunk, "samples": _samples_chunk}


def _fit(X, y, lams, sizes, along, X_test, coef, backend="numpy") -> LstsqFit:
    if along not in _SWEEPS:
        raise ValueError(f"along must be one of {', '.join(_SWEEPS)}, got {along!r}")
    if backend not in _OPS:
        raise ValueError(f"backend must be one of {', '.join(_OPS)}, got {backend!r}")
    X = np.asarray(X, np.float64)
    y = np.asarray(y, np.float64)
    if X.ndim < 2:
        raise ValueError(f"X must be (..., n, P), got shape {X.shape}")
    batch, (n, P) = X.shape[:-2], X.shape[-2:]
    vector_y = y.shape == batch + (n,)
    if vector_y:
        y = y[..., None]
    if y.shape[:-1] != batch + (n,):
        raise ValueError(f"y must be (..., n) or (..., n, k) matching X {X.shape}, got {y.shape}")
    full = P if along == "features" else n
    sizes = (full,) if sizes is None else tuple(int(s) for s in np.ravel(sizes))
    if not sizes or any(s < 1 or s > full for s in sizes) or list(sizes) != sorted(set(sizes)):
        raise ValueError(f"sizes must be strictly increasing integers in [1, {full}], got "
                         f"{list(sizes)}")
    lams = np.asarray(lams, np.float64)
    if lams.ndim == 2 and lams.shape[0] != len(sizes):
        raise ValueError(f"a 2-D lam must be (sizes, L) = ({len(sizes)}, L), got {lams.shape}")
    if lams.ndim > 2 or np.any(lams < 0) or not np.all(np.isfinite(lams)):
        raise ValueError("lam must be non-negative and finite: a number, (L,) or (sizes, L)")
    lams = np.broadcast_to(np.atleast_1d(lams), (len(sizes), np.atleast_1d(lams).shape[-1]))
    if X_test is not None:
        X_test = np.asarray(X_test, np.float64)
        if X_test.shape[:-2] != batch or X_test.shape[-1] != P:
            raise ValueError(f"X_test must be (..., n_test, {P}) with X's batch axes, got "
                             f"{X_test.shape}")
    B = int(np.prod(batch, dtype=int))
    Xb, yb = X.reshape(B, n, P), y.reshape(B, n, -1)
    Xtb = None if X_test is None else X_test.reshape((B,) + X_test.shape[-2:])
    per_design = 2 * len(sizes) * min(n, P) ** 2 * 8
    chunk = max(1, lstsq_budget() // per_design)
    parts = [_SWEEPS[along](Xb[i:i + chunk], yb[i:i + chunk],
                            None if Xtb is None else Xtb[i:i + chunk], lams, sizes, coef,
                            _OPS[backend])
             for i in range(0, B, chunk)]
    out = [None if parts[0][j] is None else np.concatenate([q[j] for q in parts])
           for j in range(4)]
    out = [None if o is None else o.reshape(batch + o.shape[1:]) for o in out]
    if vector_y:
        out = [None if o is None else o[..., 0] for o in out]
    return LstsqFit(*out)


def min_norm_fit(X, y, sizes: Sequence[int] | None = None, *, along: str = "features",
                 X_test=None, coef: bool = True, backend: str = "numpy") -> LstsqFit:
    """Minimum-norm least squares β̂ = X⁺y, batched over leading axes and a sweep of sizes.

    Args:
      X: (..., n, P) designs (leading axes: seeds, …), drawn once at the largest size.
      y: (..., n) or (..., n, k) targets (k outputs share X: several SNRs, one-hot classes).
      sizes: strictly increasing sizes; the fit at size s uses the first s columns of X
        (``along="features"``: a model-wise sweep, features nested) or the first s rows
        (``along="samples"``: a sample-wise sweep). Default: all of X.
      X_test: (..., n_test, P) inputs to predict at.
      coef: also return the coefficients (memory S·P·k per design).

    Returns:
      :class:`LstsqFit` with axes ``(*batch, sizes, 1, ...)`` (the length-1 axis is the penalty).

    How: masking to the largest size, not a loop over fits. Every (design, size) system is
    stacked and solved by one batched LAPACK call per penalty (``numpy.linalg.solve``) in
    float64: the
    primal normal equations XᵀXβ = Xᵀy on a masked leading block (padded with the identity)
    when the model is under-parameterised, the dual β = Xᵀ(XXᵀ)⁻¹y with Gram matrices
    accumulated between consecutive sizes when it is over-parameterised. Both are exact for
    full-rank designs (Gaussian and random-feature designs are, almost surely): OLS for p < n,
    the interpolant of least norm for p > n (Hastie et al. 2022, arXiv:1903.08560, Section 2).
    The Gram matrix squares the condition number, which float64 absorbs for the condition
    numbers met here (≲1e6 at p = n). Designs are processed in chunks of at most
    :data:`MEMORY_BUDGET` bytes of stacked matrices.

    ``backend``: ``"numpy"`` (LAPACK on the CPU) or ``"jax"`` (the products and the batched
    solves on JAX's default device, float64 in a scoped ``jax.enable_x64``; the designs stay
    in host memory and travel one chunk at a time). NumPy is the CPU's backend: jaxlib 0.10's
    CPU Cholesky/LU kernels ran ~25× slower than NumPy's LAPACK here and, batched, two of
    them running at once on a 2-thread pool waited on each other forever (observed: batched
    potrf + trsm, jax 0.10.2, 2 cores). On a GPU the solves are the sweep's O(S·m³) cost.
    """
    return _fit(X, y, 0.0, sizes, along, X_test, coef, backend)


def ridge_fit(X, y, lam, sizes: Sequence[int] | None = None, *, along: str = "features",
              X_test=None, coef: bool = True, backend: str = "numpy") -> LstsqFit:
    """Ridge regression β̂_λ = argmin (1/n)‖y − Xβ‖² + λ‖β‖² = (XᵀX + nλI)⁻¹Xᵀy for every
    penalty in ``lam``, batched as :func:`min_norm_fit` (n is the number of samples of each
    fit). ``lam`` is a number, an (L,) array shared by every size, or an (S, L) array with one
    row per size (e.g. the optimal λ* = γ/SNR, which moves with p). λ = 0 is min-norm least
    squares.

    References: Hoerl & Kennard 1970; the normalisation follows Hastie et al. 2022,
    Section 5, and Dobriban & Wager 2018, so :func:`ridge_risk` applies with the same λ.
    """
    return _fit(X, y, lam, sizes, along, X_test, coef, backend)


# ---------------------------------------------------------------------------------------------
# Random features
# ---------------------------------------------------------------------------------------------

RF_ACTIVATIONS = ("relu", "fourier")


def random_features(key, X, p: int, activation: str = "relu", *, bandwidth: float = 1.0):
    """Random features of the inputs X (n, d): a random one-layer net with frozen weights.

    * ``relu``: φ_j(x) = max(0, w_jᵀx), w_j ~ N(0, I_d/d) — the random-features model of
      Mei & Montanari 2019 (arXiv:1908.05355, Eq. 1, with σ = ReLU and θ_j/√d ~ N(0, I/d)).
    * ``fourier``: φ_j(x) = √2 cos(w_jᵀx + b_j), w_j ~ N(0, I_d · bandwidth²/d),
      b_j ~ U[0, 2π] — random Fourier features (Rahimi & Recht 2007), used by Belkin, Hsu, Ma &
      Mandal 2019 (PNAS 116(32), Fig. 2) to show double descent.

    The same key gives the same weights, so calling this on training and test inputs with one
    key gives one model; the first q columns for p > q are the size-q model (nested features),
    which is how a model-wise sweep is batched (:func:`min_norm_fit` with ``sizes``).

    Returns (n, p) features in the dtype of X.
    """
    if activation not in RF_ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; allowed: {', '.join(RF_ACTIVATIONS)}")
    if int(p) < 1:
        raise ValueError(f"p must be a positive integer, got {p!r}")
    X = jnp.asarray(X)
    d = X.shape[-1]
    kw, kb = jax.random.split(key)
    W = jax.random.normal(kw, (d, int(p)), X.dtype) / jnp.sqrt(d)
    if activation == "relu":
        return jax.nn.relu(X @ W)
    b = jax.random.uniform(kb, (int(p),), X.dtype, 0.0, 2.0 * jnp.pi)
    return jnp.sqrt(2.0).astype(X.dtype) * jnp.cos(bandwidth * (X @ W) + b[None, :])


# ---------------------------------------------------------------------------------------------
# Curves and their summaries
# ---------------------------------------------------------------------------------------------


def mse(pred, target) -> np.ndarray:
    """Mean over points of the squared error summed over outputs: (1/n) Σᵢ ‖f(xᵢ) − yᵢ‖²,
    reduced over the last two axes (points, outputs) of (..., n, k) arrays."""
    pred, target = np.asarray(pred, np.float64), np.asarray(target, np.float64)
    return np.mean(np.sum((pred - target) ** 2, axis=-1), axis=-1)


def classification_error(pred, labels) -> np.ndarray:
    """Fraction of points whose argmax over outputs differs from the integer label
    (pred (..., n, k), labels broadcasting against (..., n))."""
    return np.mean(np.argmax(np.asarray(pred), axis=-1) != np.asarray(labels), axis=-1)


def risk_curve(sizes, *, seed_axis: int = 0, size_name: str = "p", **columns) -> pd.DataFrame:
    """A tidy table of a sweep: one row per (seed, size) with the given per-fit columns.

    Args:
      sizes: the S sizes of the sweep.
      seed_axis: axis of each column holding seeds (the other axis is the size).
      size_name: name of the size column (``"p"`` model-wise, ``"n"`` sample-wise).
      columns: name -> (seeds, S) array (train_error=…, test_error=…, norm=…).
    """
    sizes = np.asarray(sizes)
    rows = {}
    for name, v in columns.items():
        v = np.asarray(v, np.float64)
        if v.ndim != 2:
            raise ValueError(f"column {name} must be (seeds, sizes), got shape {v.shape}")
        rows[name] = np.moveaxis(v, seed_axis, 0)
    shapes = {v.shape for v in rows.values()}
    if len(shapes) != 1 or next(iter(shapes))[1] != len(sizes):
        raise ValueError(f"every column must be (seeds, {len(sizes)}), got {shapes}")
    n_seeds = next(iter(shapes))[0]
    df = pd.DataFrame({
        "seed": np.repeat(np.arange(n_seeds), len(sizes)),
        size_name: np.tile(sizes, n_seeds),
    })
    for name, v in rows.items():
        df[name] = v.reshape(-1)
    return df


def peak_location(x, err, keep=None) -> float:
    """The x at which ``err`` (one value per x) is largest, among the points where ``keep``
    (a boolean mask, default all) is True."""
    x, err = _arr(x), _arr(err)
    if x.shape != err.shape or x.size == 0:
        raise ValueError("peak_location needs equal-length, non-empty x and err")
    if keep is not None:
        keep = np.asarray(keep, bool)
        if keep.shape != x.shape or not keep.any():
            raise ValueError("keep must be a mask like x with at least one True")
        x, err = x[keep], err[keep]
    return float(x[int(np.nanargmax(err))])


def off_threshold(sizes, threshold) -> np.ndarray:
    """Mask of the sizes (p in a model-wise sweep, n in a sample-wise one) at least 2 away from
    the interpolation threshold (n, resp. p): where the min-norm risk has a finite expectation
    (:func:`ridgeless_risk_finite` is +inf for ``|p − n| <= 1``). A peak or a rise measured on
    these sizes only is a measurement, not the divergence built into the grid."""
    return np.abs(np.asarray(sizes) - threshold) >= 2


def peak_height_ratio(noisy, clean, keep) -> float:
    """How much label noise raises a risk curve's peak above its overparameterised end, paired
    per seed: the median over seeds of h(noisy)/h(clean), with h = max over the sizes in
    ``keep`` of the curve minus its value at the largest size (the last column).

    ``noisy`` and ``clean`` are (seeds, S) test errors of the *same* fits (the same random
    features, two label sets in one solve): the amplification ``1/|1 − p/n|`` near the threshold,
    common to both, cancels in the ratio, leaving the noise that it amplifies (the variance
    term σ²·V(γ) of Hastie et al. 2022, Theorem 1, and Mei & Montanari 2019, which label
    noise raises). A seed whose clean curve has no peak (h <= 0) counts as +inf when the noisy
    one has one; NaN when neither has.
    """
    noisy, clean = _arr(noisy), _arr(clean)
    keep = np.asarray(keep, bool)
    if noisy.shape != clean.shape or noisy.ndim != 2 or keep.shape != noisy.shape[1:]:
        raise ValueError("peak_height_ratio needs (seeds, S) curves and an (S,) mask")
    h_n, h_c = (np.max(c[:, keep], axis=1) - c[:, -1] for c in (noisy, clean))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(h_c > 0, h_n / h_c, np.where(h_n > 0, np.inf, np.nan))
    return float(np.median(r)) if not np.isnan(r).any() else float("nan")


def interpolation_threshold(widths, train_error, tol: float) -> float:
    """The smallest width whose training error is at most ``tol`` (+inf if none: beyond the
    sweep): the model size at which the training procedure first fits its training set, i.e.
    where its effective model complexity (Nakkiran et al. 2019, arXiv:1912.02292,
    Definition 1) reaches n."""
    widths, train_error = _arr(widths), _arr(train_error)
    if widths.shape != train_error.shape or widths.ndim != 1:
        raise ValueError("interpolation_threshold needs equal-length 1-D widths and errors")
    fit = np.flatnonzero(train_error <= tol)
    return float(widths[fit[0]]) if fit.size else float("inf")


def max_rise(err) -> float:
    """The largest factor by which a curve grows along its axis: max over i < j of
    err[j]/err[i] (1 for a non-increasing curve). A sample-wise curve with max_rise > 1 has a
    range where more data gives a larger test error (Nakkiran 2019, arXiv:1912.07242)."""
    err = _arr(err)
    if err.ndim != 1 or err.size < 2 or np.any(err <= 0):
        raise ValueError("max_rise needs a 1-D curve of at least 2 positive values")
    running_min = np.minimum.accumulate(err)
    return float(np.max(err[1:] / running_min[:-1]))


def max_relative_step_up(err) -> float:
    """The largest relative increase between consecutive points, max_i (e[i+1] − e[i])/e[i]
    (<= 0 for a non-increasing curve): the monotonicity statistic for optimally tuned ridge."""
    err = _arr(err)
    if err.ndim != 1 or err.size < 2 or np.any(err <= 0):
        raise ValueError("max_relative_step_up needs a 1-D curve of at least 2 positive values")
    return float(np.max(np.diff(err) / err[:-1]))


def interior_peak_ratio(err) -> float:
    """max(err) / max(err[0], err[-1]): 1 for any monotone curve (either direction), large for
    a curve with a peak inside the sweep."""
    err = _arr(err)
    if err.ndim != 1 or err.size < 2:
        raise ValueError("interior_peak_ratio needs a 1-D curve of at least 2 values")
    return float(np.max(err) / max(err[0], err[-1]))


def z_scores(samples, expected, axis: int = 0) -> np.ndarray:
    """(mean − expected) / (sd/√k) over ``axis`` (k samples, sd with ddof=1): how many standard
    errors the sample mean lies from a closed-form expectation."""
    s = _arr(samples)
    k = s.shape[axis]
    if k < 2:
        raise ValueError("z_scores needs at least 2 samples")
    se = np.std(s, axis=axis, ddof=1) / np.sqrt(k)
    return (np.mean(s, axis=axis) - _arr(expected)) / se


def rise_and_fall(err) -> tuple[float, float]:
    """A double-descent curve's two ratios: (peak / the least value up to the peak, peak / the
    last value). Both exceed 1 only when the curve rises to an interior peak and falls after
    it — the shape of the test error against model size in Nakkiran et al. 2019 (Deep double
    descent, arXiv:1912.02292, Fig. 1)."""
    err = _arr(err)
    if err.ndim != 1 or err.size < 2 or np.any(err <= 0):
        raise ValueError("rise_and_fall needs a 1-D curve of at least 2 positive values")
    i = int(np.argmax(err))
    return float(err[i] / np.min(err[: i + 1])), float(err[i] / err[-1])


def double_descent_bump(err) -> tuple[float, float, int]:
    """The strongest rise-then-fall of a curve (test error against model size): over interior
    points j, rise_j = err[j] / min(err[:j]) and fall_j = err[j] / err[-1]; returns
    (rise_j, fall_j, j) at the j maximising min(rise_j, fall_j), which exceeds 1 only at a
    bump that the curve falls from to its end.

    Unlike the global maximum (:func:`rise_and_fall`), the error of the smallest, underfitting
    models — above the interpolation peak in Nakkiran et al. 2019 (arXiv:1912.02292), Fig. 1 —
    cannot pose as the peak: double descent is the bump after the first descent. A curve of
    two points has no interior: (1, 1) at its larger end."""
    err = _arr(err)
    if err.ndim != 1 or err.size < 2 or np.any(err <= 0):
        raise ValueError("double_descent_bump needs a 1-D curve of at least 2 positive values")
    if err.size == 2:
        return 1.0, 1.0, int(np.argmax(err))
    rise = err[1:-1] / np.minimum.accumulate(err)[:-2]
    fall = err[1:-1] / err[-1]
    j = int(np.argmax(np.minimum(rise, fall)))
    return float(rise[j]), float(fall[j]), j + 1


# ---------------------------------------------------------------------------------------------
# The experiments' data: Gaussian designs, label noise, random-feature designs
# ---------------------------------------------------------------------------------------------


class GaussianDesign(NamedTuple):
    """Gaussian designs for a linear double-descent sweep (see :func:`gaussian_design`).

    Attributes:
      X: (seeds, n, p) i.i.d. N(0, 1) entries.
      y: (seeds, n, K) targets r_k x₁ + ε, one column per SNR (σ² = 1).
      r: (K,) signal norms r_k = √SNR_k.
      probe: (seeds, 1, p) the input e₁, at which a fit's prediction is β̂₁
        (:func:`excess_risk`).
    """

    X: np.ndarray
    y: np.ndarray
    r: np.ndarray
    probe: np.ndarray


def gaussian_design(rng: np.random.Generator, seeds: int, n: int, p: int, snrs) -> GaussianDesign:
    """Gaussian designs with β = r e₁ for each SNR (σ² = 1): y = r x₁ + ε, one column per SNR.

    By rotation invariance of N(0, I_p) the risk of any fixed β with ‖β‖ = r has the same
    distribution as for β = r e₁ (Hastie et al. 2022, arXiv:1903.08560, Section 2), and with
    β = r e₁ the targets are the same for every model size: a model-wise sweep fits the first
    columns of one design, a sample-wise sweep its first rows."""
    X = rng.standard_normal((seeds, n, p))
    eps = rng.standard_normal((seeds, n))
    r = np.sqrt(np.asarray(snrs, np.float64))
    probe = np.zeros((seeds, 1, p))
    probe[:, 0, 0] = 1.0
    return GaussianDesign(X, r[None, None, :] * X[:, :, :1] + eps[:, :, None], r, probe)


def excess_risk(fit: LstsqFit, r) -> np.ndarray:
    """‖β̂ − r e₁‖² = ‖β̂‖² − 2r β̂₁ + r² for every fit of a :class:`LstsqFit` made with
    ``X_test`` the design's ``probe`` (so β̂₁ is the prediction at e₁): ``(*batch, S, L, K)``, the
    risk R = E_x[(xᵀβ̂ − xᵀβ)²] of isotropic features (Hastie et al. 2022, Eq. 2)."""
    return fit.norm2 - 2.0 * _arr(r) * fit.test_pred[..., 0, :] + _arr(r) ** 2


def gaussian_sweep(rng: np.random.Generator, seeds: int, n: int, p: int, sizes, snrs, lams, *,
                   along: str = "features", backend: str = "numpy") -> dict[str, np.ndarray]:
    """Ridge fits (``lams``: (S, L) penalties, 0 = min-norm) along a sweep of sizes on Gaussian
    designs (:func:`gaussian_design`: n × p, β = r e₁ per SNR), the designs drawn and fitted in
    blocks of seeds that fit the memory budget (8 × :func:`lstsq_budget`, by default
    ``NNTHEORY_MEMORY_BUDGET``), so a paper-scale sweep never holds every design at once. The
    blocks draw from ``rng`` in sequence: a sweep whose designs fit one block draws exactly
    ``gaussian_design(rng, seeds, n, p, snrs)``.

    Returns ``risk`` (seeds, S, L, K) = ‖β̂ − β‖² (:func:`excess_risk`), ``norm`` = ‖β̂‖ and,
    for a model-wise sweep (``along="features"``), ``train_mse`` (mean squared residual).
    """
    block = max(1, 8 * lstsq_budget() // (8 * n * p))
    parts = []
    for start in range(0, seeds, block):
        d = gaussian_design(rng, min(block, seeds - start), n, p, snrs)
        fit = ridge_fit(d.X, d.y, lams, sizes, along=along, X_test=d.probe, coef=False,
                        backend=backend)
        out = dict(risk=excess_risk(fit, d.r), norm=np.sqrt(fit.norm2))
        if along == "features":
            out["train_mse"] = np.mean((fit.train_pred - d.y[:, None, None]) ** 2, axis=-2)
        parts.append(out)
    return {k: np.concatenate([q[k] for q in parts]) for k in parts[0]}


def lstsq_sweep_flops(n: int, P: int, sizes, L: int, k: int, *, along: str = "features",
                      n_test: int = 0) -> float:
    """Floating-point operations of one n × P design's sweep in :func:`ridge_fit` (a
    multiply-add counts 2): the Gram matrices (one pass over the design), the batched LU
    solves (⅔m³ + 2m²k per size and penalty, m = min(n, P)) and the predictions — to turn a
    measured rate (FLOP/s) into a profile's time."""
    sizes = np.asarray(sizes, np.float64)
    S, m = len(sizes), min(n, P)
    if along == "features":  # columns swept: primal below n, dual (n × n Grams) above
        big = sizes[sizes >= n].max(initial=0.0)
        gram = 2.0 * n * m * m * bool((sizes < n).any()) + 2.0 * n * (n + n_test) * big
        pred = 2.0 * S * L * k * (n + n_test) * m
    else:  # rows swept: dual below P, primal (P × P Grams) above
        big = sizes[sizes >= P].max(initial=0.0)
        gram = 2.0 * P * m * m * bool((sizes < P).any()) + 2.0 * P * (P + k) * big
        pred = 2.0 * S * L * k * (n + n_test) * P
    return float(gram + S * L * (2.0 / 3.0 * m**3 + 2.0 * m * m * k) + pred)


def mlp_train_flops(width: int, depth: int, d_in: int, d_out: int, n_train: int, n_test: int,
                    steps: int, log_every: int) -> float:
    """Floating-point operations of training one fully connected net d_in → width (× depth) →
    d_out full batch: 6 per parameter per example per step (forward 2, backward 4; Kaplan et
    al. 2020, arXiv:2001.08361, Sec. 2.1), plus a forward pass over both splits every
    ``log_every`` steps."""
    params = d_in * width + (depth - 1) * width * width + width * d_out + depth * width + d_out
    return float(6.0 * params * n_train * steps
                 + 2.0 * params * (n_train + n_test) * (steps // log_every + 1))


def standardised_split(key, x, y, n_test: int):
    """A random split of a labelled set: a permutation from ``key`` puts ``n_test`` points in
    the test set and the rest in a training pool; inputs are standardised with the pool's mean
    and one overall scale (so the test set never informs the preprocessing).

    Returns (x_pool, y_pool, x_test, y_test) as float64 / integer NumPy arrays."""
    x, y = np.asarray(x, np.float64), np.asarray(y)
    if not 0 < n_test < len(x):
        raise ValueError(f"n_test must be in [1, {len(x) - 1}], got {n_test}")
    perm = np.asarray(jax.random.permutation(key, len(x)))
    te, pool = perm[:n_test], perm[n_test:]
    mu = x[pool].mean(axis=0)
    x = (x - mu) / (x[pool] - mu).std()
    return x[pool], y[pool], x[te], y[te]


def noisy_labels(rng: np.random.Generator, y, rate: float, k: int = 10) -> np.ndarray:
    """Each label, with probability ``rate``, replaced by a uniformly random *incorrect* label
    (the label noise of Nakkiran et al. 2019, arXiv:1912.02292, Section 3), drawn once."""
    y = np.asarray(y)
    flip = rng.random(y.shape) < rate
    return np.where(flip, (y + rng.integers(1, k, y.shape)) % k, y)


def one_hot(y, k: int = 10) -> np.ndarray:
    """(..., k) one-hot rows of integer labels."""
    return np.eye(k)[np.asarray(y)]


def clean_and_noisy_targets(rng: np.random.Generator, y, seeds: int, rate: float,
                            k: int = 10) -> np.ndarray:
    """(seeds, n, 2k): the one-hot clean labels, then one-hot noisy labels (:func:`noisy_labels`,
    a fresh draw per seed) — two label sets fitted by one least-squares solve."""
    noisy = np.stack([noisy_labels(rng, y, rate, k) for _ in range(seeds)])
    clean = np.broadcast_to(one_hot(y, k), noisy.shape + (k,))
    return np.concatenate([clean, one_hot(noisy, k)], axis=-1)


LABEL_SETS = ("clean", "noisy")


def label_set_errors(fit: LstsqFit, Y, y_test, sample_sizes=None, k: int = 10) -> dict:
    """Per label set (:data:`LABEL_SETS`, the two halves of targets from
    :func:`clean_and_noisy_targets`), each fit's test MSE and 0-1 error against the clean test
    labels, its train MSE and its coefficient norm ‖β̂‖ (Frobenius over the k outputs): arrays
    ``(*batch, S, L)``.

    With ``sample_sizes`` (a sample-wise sweep), the train MSE of the size-s fit is over the
    first s rows, the ones it saw."""
    Y = np.asarray(Y, np.float64)
    t1 = one_hot(y_test, k)
    out = {}
    for j, cond in enumerate(LABEL_SETS):
        sl = slice(j * k, (j + 1) * k)
        sq = np.sum((fit.train_pred[..., sl] - Y[..., None, None, :, sl]) ** 2, axis=-1)
        if sample_sizes is None:
            train = np.mean(sq, axis=-1)
        else:
            ns = np.asarray(sample_sizes)
            seen = np.arange(sq.shape[-1])[None, :] < ns[:, None]  # (S, N)
            train = np.sum(sq * seen[:, None, :], axis=-1) / ns[:, None]
        out[cond] = dict(test_mse=mse(fit.test_pred[..., sl], t1),
                         test_error=classification_error(fit.test_pred[..., sl], y_test),
                         train_mse=train, norm=np.sqrt(np.sum(fit.norm2[..., sl], axis=-1)))
    return out


def random_feature_designs(keys, x_train, x_test, p: int, activation: str = "relu"):
    """Random features (:func:`random_features`) of the training and the test inputs under the
    same weights, one model per key: (F (K, n, p), F_test (K, n_test, p)) in float64, drawn in
    float32 by JAX and handed to the float64 solver (:func:`ridge_fit`)."""
    x = jnp.asarray(np.concatenate([x_train, x_test]), jnp.float32)
    f = np.asarray(_feature_stack(jnp.asarray(keys), x, int(p), activation), np.float64)
    return f[:, : len(x_train)], f[:, len(x_train):]


@functools.partial(jax.jit, static_argnums=(2, 3))
def _feature_stack(keys, x, p, activation):
    return jax.vmap(lambda k: random_features(k, x, p, activation))(keys)


def label_set_table(errors: dict, sizes, size_name: str, lams) -> pd.DataFrame:
    """The output of :func:`label_set_errors` ((seeds, S, L) arrays per label set) as one tidy
    table: a row per (label set, λ, seed, size), with columns ``labels`` and ``lam``."""
    return pd.concat([risk_curve(sizes, size_name=size_name,
                                 **{k: v[:, :, j] for k, v in e.items()}).assign(labels=cond,
                                                                                 lam=lam)
                      for cond, e in errors.items() for j, lam in enumerate(lams)],
                     ignore_index=True)


def linear_theory_table(gammas, snrs, n: int, points: int = 400) -> pd.DataFrame:
    """The closed-form risk curves of a model-wise linear sweep on a dense grid of ``points``
    γ spanning ``gammas`` (γ = 1, where the min-norm risk diverges, left out): per SNR, the
    asymptotic min-norm risk (:func:`ridgeless_risk`, Hastie et al. 2022, Theorem 1), its
    exact finite-n expectation at n samples (:func:`ridgeless_risk_finite`) and the risk of
    optimally tuned ridge (:func:`optimal_ridge_risk`)."""
    g = np.geomspace(min(gammas), max(gammas), points)
    g = g[np.abs(g - 1) > 1e-3]
    return pd.concat([pd.DataFrame(dict(
        gamma=g, snr=snr, ridgeless=ridgeless_risk(g, snr),
        finite_n=ridgeless_risk_finite(n, g * n, snr),
        optimal_ridge=optimal_ridge_risk(g, snr))) for snr in snrs], ignore_index=True)


def samplewise_theory_table(n_max: int, p: int, snr: float) -> pd.DataFrame:
    """The closed forms of a sample-wise linear sweep at fixed p, for n = 1 … n_max: the exact
    finite-n min-norm risk (:func:`ridgeless_risk_finite`, +inf for ``|n − p| <= 1``) and the
    optimal-ridge risk at γ = p/n (:func:`optimal_ridge_risk`), monotone in n (Nakkiran et al.
    2020, arXiv:2003.01897, Theorem 1)."""
    ns = np.arange(1, n_max + 1)
    return pd.DataFrame(dict(n=ns, finite_n=ridgeless_risk_finite(ns, p, snr),
                             optimal_ridge=optimal_ridge_risk(p / ns, snr)))


# ---------------------------------------------------------------------------------------------
# A replicate's summaries (the numbers the study's claims read)
# ---------------------------------------------------------------------------------------------


def linear_summary(lin: pd.DataFrame, sw: pd.DataFrame, *, n: int, samplewise_p: int,
                   samplewise_snr: float, z_exclusion: float) -> dict[str, float]:
    """The linear sweeps' numbers (one replicate): from the model-wise table ``lin`` (rows
    seed, p, snr, estimator ∈ {min-norm, optimal ridge}, risk) at n samples, the largest ``|z|``
    of the min-norm mean risk against :func:`ridgeless_risk_finite` and :func:`ridgeless_risk`
    over ``|γ − 1| >= z_exclusion`` and of optimal ridge against :func:`optimal_ridge_risk`
    (:func:`z_scores`); the γ of the median min-norm peak off the threshold
    (:func:`off_threshold`), worst over SNRs (largest ``|log γ|``); ridge's
    :func:`interior_peak_ratio`; and from the sample-wise table ``sw`` (p = samplewise_p) the
    :func:`max_rise` of the median min-norm risk off n = p (with the closed form's on the same
    grid) and the :func:`max_relative_step_up` of the mean optimal-ridge risk.

    References: Hastie et al. 2022 (arXiv:1903.08560), Theorem 1 and Sec. 5; Nakkiran 2019
    (arXiv:1912.07242); Nakkiran et al. 2020 (arXiv:2003.01897), Theorem 1."""
    m = {}
    z_fin, z_asy, z_ridge, peaks, ridge_peaks = [], [], [], [], []
    for snr, g in lin.groupby("snr"):
        mn = g[g["estimator"] == "min-norm"].pivot(index="seed", columns="p", values="risk")
        ps = mn.columns.to_numpy()
        keep = np.abs(ps / n - 1) >= z_exclusion
        v = mn.to_numpy()[:, keep]
        z_fin.append(z_scores(v, ridgeless_risk_finite(n, ps[keep], snr)))
        z_asy.append(z_scores(v, ridgeless_risk(ps[keep] / n, snr)))
        off = off_threshold(ps, n)
        peaks.append(peak_location(ps / n, mn.median().to_numpy(), keep=off))
        rd = g[g["estimator"] == "optimal ridge"].pivot(index="seed", columns="p", values="risk")
        z_ridge.append(z_scores(rd.to_numpy(), optimal_ridge_risk(ps / n, snr)))
        ridge_peaks.append(interior_peak_ratio(rd.mean().to_numpy()))
        m[f"linear_minnorm_peak_ratio_snr{snr:g}"] = interior_peak_ratio(
            mn.median().to_numpy()[off])
    m["linear_minnorm_max_abs_z_finite"] = float(np.max(np.abs(np.concatenate(z_fin))))
    m["linear_minnorm_max_abs_z_asymptotic"] = float(np.max(np.abs(np.concatenate(z_asy))))
    m["linear_minnorm_max_abs_z"] = max(m["linear_minnorm_max_abs_z_finite"],
                                        m["linear_minnorm_max_abs_z_asymptotic"])
    m["linear_ridge_max_abs_z"] = float(np.max(np.abs(np.concatenate(z_ridge))))
    m["linear_peak_gamma_worst"] = float(max(peaks, key=lambda x: abs(np.log(x))))
    m["linear_ridge_interior_peak_ratio"] = float(max(ridge_peaks))
    mn = sw[sw["estimator"] == "min-norm"].groupby("n")["risk"].median()
    rd = sw[sw["estimator"] == "optimal ridge"].groupby("n")["risk"].mean()
    off = off_threshold(mn.index.to_numpy(), samplewise_p)
    m["linear_samplewise_rise"] = max_rise(mn.to_numpy()[off])
    m["linear_samplewise_rise_closed_form"] = max_rise(ridgeless_risk_finite(
        mn.index.to_numpy()[off], samplewise_p, samplewise_snr))
    m["samplewise_ridge_max_step_up"] = max_relative_step_up(rd.to_numpy())
    return m


def rf_summary(model: pd.DataFrame, sample: pd.DataFrame, *, n: int,
               samplewise_p: int) -> dict[str, float]:
    """The random-features sweeps' numbers (one replicate), per label set (:data:`LABEL_SETS`):
    from the model-wise table (rows labels, lam, seed, p, test_mse, test_error; n training
    points) the p/n of the median min-norm test-MSE peak off p = n (:func:`off_threshold`;
    worst over label sets: largest ``|log|``), its prominence over the largest p, the largest
    relative step up of the oracle-tuned ridge curve (per p the λ of least median test MSE,
    :func:`max_relative_step_up`), :func:`peak_height_ratio` of noisy over clean labels; from
    the sample-wise table (p = samplewise_p) the :func:`max_rise` off n = p.

    References: Belkin et al. 2019 (PNAS 116(32)), Fig. 2; Mei & Montanari 2019
    (arXiv:1908.05355); Nakkiran et al. 2019 (arXiv:1912.02292), Sec. 5; Nakkiran et al. 2020
    (arXiv:2003.01897), Sec. 5."""
    m, ratios, steps, curves = {}, [], [], {}
    for cond in LABEL_SETS:
        g = model[model["labels"] == cond]
        med = g.groupby(["lam", "p"])["test_mse"].median().unstack("p")  # (L, S)
        mn, ps = med.loc[0.0].to_numpy(), med.columns.to_numpy()
        off = off_threshold(ps, n)
        ratios.append(peak_location(ps / n, mn, keep=off))
        m[f"rf_peak_ratio_{cond}"] = ratios[-1]
        m[f"rf_prominence_{cond}"] = float(np.max(mn[off]) / mn[-1])
        m[f"rf_mse_widest_{cond}"] = float(mn[-1])
        err = g[g["lam"] == 0.0].groupby("p")["test_error"].median().to_numpy()
        m[f"rf_peak_test_error_{cond}"] = float(np.max(err[off]))
        m[f"rf_test_error_widest_{cond}"] = float(err[-1])
        oracle = med.min(axis=0).to_numpy()
        steps.append(max_relative_step_up(oracle))
        m[f"rf_ridge_max_step_up_{cond}"] = steps[-1]
        m[f"rf_ridge_best_mse_{cond}"] = float(np.min(oracle))
        curves[cond] = g[g["lam"] == 0.0].pivot(index="seed", columns="p", values="test_mse")
        sw = sample[sample["labels"] == cond].groupby("n")["test_mse"].median()
        m[f"rf_samplewise_rise_{cond}"] = max_rise(
            sw.to_numpy()[off_threshold(sw.index.to_numpy(), samplewise_p)])
    m["rf_peak_ratio_worst"] = float(max(ratios, key=lambda x: abs(np.log(x))))
    m["rf_ridge_max_step_up"] = float(max(steps))
    m["rf_noise_prominence_ratio"] = m["rf_prominence_noisy"] / m["rf_prominence_clean"]
    m["rf_noise_peak_height_ratio"] = peak_height_ratio(
        curves["noisy"].to_numpy(), curves["clean"].to_numpy(), off)
    return m


def mlp_summary(final: pd.DataFrame, interp_tol: float) -> dict[str, float]:
    """The deep-double-descent numbers (one replicate) from the final errors of the nets of
    each width (rows width, seed, train_error, test_error, diverged): per width the median
    over nets; the interpolation width (:func:`interpolation_threshold` at ``interp_tol``);
    the test error's peak (:func:`double_descent_bump`: the bump after the first descent), its
    rise and fall, its width over the interpolation width; the global arg-max for reference.

    References: Nakkiran et al. 2019 (arXiv:1912.02292), Fig. 1, Sec. 2 and 5."""
    med = final.groupby("width")[["test_error", "train_error"]].median()
    widths, te = med.index.to_numpy(), med["test_error"].to_numpy()
    interp = interpolation_threshold(widths, med["train_error"].to_numpy(), interp_tol)
    rise, fall, j = double_descent_bump(te)  # a double descent needs both
    return dict(mlp_interpolation_width=interp, mlp_peak_width=float(widths[j]),
                mlp_peak_over_interpolation=float(widths[j] / interp),
                mlp_argmax_width=peak_location(widths, te), mlp_test_error_widest=float(te[-1]),
                mlp_test_error_max=float(np.max(te)), mlp_rise_to_peak=rise,
                mlp_fall_after_peak=fall, mlp_double_descent=min(rise, fall),
                diverged_members=float(final["diverged"].sum()))
