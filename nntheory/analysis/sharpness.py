"""Sharpness: the top eigenvalues of a loss's Hessian (and of Adam's preconditioned Hessian) by
Hessian-vector products and Lanczos, in one traceable program.

Definitions (θ ∈ ℝⁿ the parameters flattened by ``jax.flatten_util.ravel_pytree``, L the loss):

* Hessian-vector product (Pearlmutter 1994, "Fast exact multiplication by the Hessian",
  Neural Computation 6(1)): H v = ∇²L(θ) v = d/dε ∇L(θ + ε v) at ε = 0, computed
  forward-over-reverse, ``jax.jvp`` of ``jax.grad``: one forward-mode pass over a gradient,
  O(1) gradient costs and O(n) memory, never the n × n Hessian.
* Sharpness (Cohen, Kaur, Li, Kolter & Talwalkar 2021, "Gradient descent on neural networks
  typically occurs at the edge of stability", arXiv:2103.00065, Sec. 2): λ_max(H), the largest
  (algebraic) eigenvalue. On the quadratic model L(θ) ≈ ½ (θ − θ*)ᵀ H (θ − θ*), gradient descent
  θ ← θ − η ∇L multiplies the component along an eigenvector of eigenvalue λ by (1 − η λ), so
  it diverges along it when λ > 2/η: the stability threshold that sharpness rises to and
  hovers at under full-batch gradient descent (their Sec. 3).
* Preconditioned sharpness (Cohen et al. 2022, "Adaptive gradient methods at the edge of
  stability", arXiv:2207.14484, Sec. 2): an adaptive method written as
  θ_{t+1} = θ_t − η P_t⁻¹ m_t with a diagonal preconditioner P_t is stable on the quadratic
  model while λ_max(P_t⁻¹ H) stays below its threshold. For Adam (their Sec. 2, the update of
  Kingma & Ba 2015 rewritten in this form; m_t = β₁ m_{t−1} + (1 − β₁) g_t,
  v_t = β₂ v_{t−1} + (1 − β₂) g_t²)

      P_t = (1 − β₁ᵗ) · diag( √(v_t / (1 − β₂ᵗ)) + ε ),

  and the threshold is that of heavy-ball momentum with β₁ (their Sec. 2 and Table 1):
  (2 + 2β₁) / ((1 − β₁) η), which is 38/η for β₁ = 0.9 (:func:`adam_threshold`). P⁻¹H is not
  symmetric, but it is similar to the symmetric P^(−1/2) H P^(−1/2)
  (P^(−1/2) H P^(−1/2) = P^(1/2) (P⁻¹H) P^(−1/2)), which has the same spectrum; Lanczos runs on
  that one.
* Lanczos with full reorthogonalisation (Lanczos 1950, J. Res. Nat. Bur. Standards 45;
  Golub & Van Loan, "Matrix Computations", 4th ed., Sec. 10.1–10.3): from a random unit q₁,
  for j = 1 … m

      w = A q_j,   α_j = q_jᵀ w,   w ← w − Q_j Q_jᵀ w (twice),   β_j = ‖w‖,   q_{j+1} = w / β_j,

  where Q_j = [q₁ … q_j]; the full Gram–Schmidt step (done twice, "twice is enough") contains
  the three-term recurrence's α_j q_j + β_{j−1} q_{j−1} and keeps Q orthonormal in floating
  point. The Ritz values — the eigenvalues of the tridiagonal T_m = tridiag(β, α, β), which
  equals Q_mᵀ A Q_m — interlace A's spectrum, so the largest is a lower bound on λ_max(A) that
  converges fastest at the ends of the spectrum (Kaniel–Paige theory, Golub & Van Loan
  Sec. 10.1.5), typically to many digits in 20 iterations for a net's outlying top
  eigenvalues. When β_j vanishes (an invariant Krylov subspace) the iteration restarts from a
  further random vector (a cyclic shift of a second Gaussian draw) orthogonalised against Q_j,
  with β_j = 0 in T, so T stays Q_mᵀ A Q_m. The loop
  has a fixed length (``lax.fori_loop``) and T's eigenvalues come from ``jnp.linalg.eigvalsh``,
  so everything traces: under ``jax.jit``, inside ``lax.scan`` (a training loop's metrics hook)
  and under ``jax.vmap`` over a stacked member axis of the parameters (the sharpness of many
  runs as one program).

Functions: :func:`hvp`; :func:`top_eigenvalues` (traceable, top-k Ritz values) and
:func:`top_eigenvalue` (a float); :func:`preconditioned_top_eigenvalues` and
:func:`preconditioned_top_eigenvalue`; :func:`adam_preconditioner`; :func:`adam_threshold`.
Bad input raises ``ValueError`` with one line naming the problem. Nothing here reads files or
prints.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.flatten_util import ravel_pytree

__all__ = ["hvp", "top_eigenvalues", "top_eigenvalue", "preconditioned_top_eigenvalues",
           "preconditioned_top_eigenvalue", "adam_preconditioner", "adam_threshold"]

LossFn = Callable[[Any], jax.Array]


# ---------------------------------------------------------------------------- input checks


def _check_int(name: str, value, low: int) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    try:
        v = operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}") from None
    if v < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {v}")
    return v


def _check_k_iters(k, iters) -> tuple[int, int]:
    iters = _check_int("iters", iters, 1)
    k = _check_int("k", k, 1)
    if k > iters:
        raise ValueError(f"k must be at most iters, got k={k} > iters={iters}")
    return k, iters


def _check_params(params) -> None:
    leaves = jax.tree_util.tree_leaves(params)
    if not leaves:
        raise ValueError("params has no array leaves")
    for leaf in leaves:
        if not jnp.issubdtype(jnp.result_type(leaf), jnp.floating):
            raise ValueError(f"params must be floating point, got a leaf of dtype "
                             f"{jnp.result_type(leaf)}")


def _check_scalar_loss(loss_fn: LossFn, params) -> None:
    if not callable(loss_fn):
        raise ValueError(f"loss_fn must be a function params -> scalar, got {loss_fn!r}")
    out = jax.eval_shape(loss_fn, params)
    if not isinstance(out, jax.ShapeDtypeStruct):
        kind = type(out).__name__
        raise ValueError(f"loss_fn must return a scalar array, got a {kind}")
    if out.shape != ():
        raise ValueError(f"loss_fn must return a scalar, got an array of shape {out.shape}")
    if not jnp.issubdtype(out.dtype, jnp.floating):
        raise ValueError(f"loss_fn must return a real floating-point scalar, got {out.dtype}")


def _check_like(name: str, tree, params) -> None:
    t1, t2 = jax.tree_util.tree_structure(tree), jax.tree_util.tree_structure(params)
    if t1 != t2:
        raise ValueError(f"{name} must have the tree structure of params: {t1} != {t2}")
    for a, b in zip(jax.tree_util.tree_leaves(tree), jax.tree_util.tree_leaves(params),
                    strict=True):
        if jnp.shape(a) != jnp.shape(b):
            raise ValueError(f"{name} must have the shapes of params: a leaf of shape "
                             f"{jnp.shape(a)} where params has {jnp.shape(b)}")


def _concrete(x) -> np.ndarray | None:
    """``x`` as a NumPy array, or ``None`` while it is being traced."""
    try:
        return np.asarray(x)
    except (jax.errors.TracerArrayConversionError, jax.errors.ConcretizationTypeError):
        return None


def _check_positive(name: str, tree) -> None:
    """Every entry finite and > 0, where the values are known (not under a trace)."""
    for leaf in jax.tree_util.tree_leaves(tree):
        a = _concrete(leaf)
        if a is None:
            continue
        bad = ~(np.isfinite(a) & (a > 0))
        if bad.any():
            raise ValueError(f"{name} must have finite positive entries, got "
                             f"{int(bad.sum())} entr{'y' if bad.sum() == 1 else 'ies'} "
                             f"<= 0 or not finite (e.g. {a[bad].flat[0]!r})")


# ---------------------------------------------------------------------------- products


def hvp(loss_fn: LossFn, params, v):
    """The Hessian-vector product ∇²L(params) · v, forward-over-reverse (Pearlmutter 1994):
    ``jax.jvp(jax.grad(loss_fn), (params,), (v,))``. ``params`` and ``v`` are pytrees of the
    same structure and shapes; the result is one too. Traceable.

    Raises:
      ValueError: loss_fn does not return a floating scalar, or v is not shaped like params.
    """
    _check_params(params)
    _check_scalar_loss(loss_fn, params)
    _check_like("v", v, params)
    return jax.jvp(jax.grad(loss_fn), (params,), (v,))[1]


def _flat_hvp(loss_fn: LossFn, params):
    """(θ as a vector, v ↦ H v on vectors)."""
    flat, unravel = ravel_pytree(params)
    flat_loss = lambda x: loss_fn(unravel(x))
    grad = jax.grad(flat_loss)
    return flat, lambda v: jax.jvp(grad, (flat,), (v.astype(flat.dtype),))[1]


# ---------------------------------------------------------------------------- Lanczos


def _lanczos(matvec: Callable[[jax.Array], jax.Array], n: int, dtype, key, m: int):
    """m steps of Lanczos with full reorthogonalisation on the symmetric operator ``matvec``
    of dimension n (module docstring): the tridiagonal's diagonal α (m,) and off-diagonal
    β (m,) (β[m−1] is the final residual norm, not part of T)."""
    # one Gaussian draw: the start vector, and a second vector whose cyclic shifts seed the
    # restarts (generic enough: a restart only needs a vector outside span(Q))
    start, spare = jax.random.normal(key, (2, n), dtype)
    q0 = start / jnp.linalg.norm(start)
    eps = jnp.finfo(dtype).eps
    tiny = jnp.finfo(dtype).tiny

    def orth(Q, w):  # classical Gram–Schmidt against the rows of Q (zero rows are inert), twice
        w = w - (Q @ w) @ Q
        return w - (Q @ w) @ Q

    def body(j, carry):
        Q, alpha, beta, anorm = carry
        q = Q[j]
        w = matvec(q)
        a = jnp.vdot(q, w)
        w = orth(Q, w)
        b = jnp.linalg.norm(w)
        anorm = jnp.maximum(anorm, jnp.abs(a) + b)
        broke = b <= 16 * eps * anorm + tiny

        def restart(_):
            r = orth(Q, jnp.roll(spare, j))
            return r / jnp.maximum(jnp.linalg.norm(r), tiny), jnp.zeros((), dtype)

        def proceed(_):
            return w / jnp.maximum(b, tiny), b

        q_next, b = lax.cond(broke, restart, proceed, None)
        return (Q.at[j + 1].set(q_next), alpha.at[j].set(a), beta.at[j].set(b), anorm)

    Q = jnp.zeros((m + 1, n), dtype).at[0].set(q0)
    init = (Q, jnp.zeros((m,), dtype), jnp.zeros((m,), dtype), jnp.zeros((), dtype))
    _, alpha, beta, _ = lax.fori_loop(0, m, body, init)
    return alpha, beta


def _ritz_top(matvec, n: int, dtype, key, k: int, iters: int) -> jax.Array:
    if k > n:
        raise ValueError(f"k must be at most the number of parameters, got k={k} > n={n}")
    m = min(iters, n)  # beyond n steps the Krylov space is all of ℝⁿ
    alpha, beta = _lanczos(matvec, n, dtype, key, m)
    off = beta[: m - 1]
    T = jnp.diag(alpha) + jnp.diag(off, 1) + jnp.diag(off, -1)
    return jnp.linalg.eigvalsh(T)[::-1][:k]


def top_eigenvalues(loss_fn: LossFn, params, key: jax.Array, *, k: int = 1,
                    iters: int = 20) -> jax.Array:
    """The k largest Ritz values of the Hessian of ``loss_fn`` at ``params`` after ``iters``
    Lanczos steps (at most the number of parameters), largest first: an array of shape (k,)
    whose first entry is the sharpness λ_max(∇²L). Traceable (``jit``, ``lax.scan``) and
    vmappable over a stacked leading axis of ``params`` (with ``key`` shared or also mapped);
    the loop length is static.

    ``loss_fn``: params → scalar loss (close over the data). The Ritz values are lower bounds
    on the eigenvalues that converge fastest at the top of the spectrum (module docstring).

    Raises:
      ValueError: iters < 1, k < 1, k > iters, k > number of parameters, non-floating
        params, or loss_fn not returning a floating scalar (checked with ``jax.eval_shape``).
    """
    k, iters = _check_k_iters(k, iters)
    _check_params(params)
    _check_scalar_loss(loss_fn, params)
    flat, matvec = _flat_hvp(loss_fn, params)
    return _ritz_top(matvec, flat.size, flat.dtype, key, k, iters)


def preconditioned_top_eigenvalues(loss_fn: LossFn, params, precond, key: jax.Array, *,
                                   k: int = 1, iters: int = 20) -> jax.Array:
    """The k largest Ritz values of P⁻¹H for the diagonal preconditioner P given as
    ``precond``, a pytree like ``params`` with positive entries (e.g. from
    :func:`adam_preconditioner`), computed on the symmetric P^(−1/2) H P^(−1/2), which has the
    same spectrum (Cohen et al. 2022, module docstring). Traceable and vmappable like
    :func:`top_eigenvalues`.

    Raises:
      ValueError: as :func:`top_eigenvalues`; precond not shaped like params; a precond entry
        ≤ 0 or not finite (checked where precond is concrete, not under a trace).
    """
    k, iters = _check_k_iters(k, iters)
    _check_params(params)
    _check_scalar_loss(loss_fn, params)
    _check_like("precond", precond, params)
    _check_positive("precond", precond)
    flat, matvec = _flat_hvp(loss_fn, params)
    p_flat, _ = ravel_pytree(precond)
    s = lax.rsqrt(p_flat.astype(flat.dtype))  # P^(−1/2), diagonal
    return _ritz_top(lambda v: s * matvec(s * v), flat.size, flat.dtype, key, k, iters)


_top_jit = jax.jit(top_eigenvalues, static_argnums=(0,), static_argnames=("k", "iters"))
_precond_jit = jax.jit(preconditioned_top_eigenvalues, static_argnums=(0,),
                       static_argnames=("k", "iters"))


def top_eigenvalue(loss_fn: LossFn, params, key: jax.Array, *, iters: int = 20) -> float:
    """The sharpness λ_max(∇²L(params)) as a Python float: :func:`top_eigenvalues` with k = 1,
    jitted (compiled once per ``loss_fn`` object and parameter shapes). Inside ``jit``,
    ``scan`` or ``vmap`` call :func:`top_eigenvalues` instead.

    Raises:
      ValueError: iters < 1, or loss_fn not returning a floating scalar.
    """
    _check_k_iters(1, iters)
    _check_params(params)
    _check_scalar_loss(loss_fn, params)
    return float(_top_jit(loss_fn, params, key, k=1, iters=iters)[0])


def preconditioned_top_eigenvalue(loss_fn: LossFn, params, precond, key: jax.Array, *,
                                  iters: int = 20) -> float:
    """λ_max(P⁻¹ ∇²L(params)) as a Python float (:func:`preconditioned_top_eigenvalues`,
    k = 1, jitted).

    Raises:
      ValueError: as :func:`preconditioned_top_eigenvalues`.
    """
    _check_k_iters(1, iters)
    _check_params(params)
    _check_scalar_loss(loss_fn, params)
    _check_like("precond", precond, params)
    _check_positive("precond", precond)
    return float(_precond_jit(loss_fn, params, precond, key, k=1, iters=iters)[0])


# ---------------------------------------------------------------------------- Adam


def _find_adam_state(state):
    import optax

    is_adam = lambda x: isinstance(x, optax.ScaleByAdamState)
    found = [x for x in jax.tree_util.tree_leaves(state, is_leaf=is_adam) if is_adam(x)]
    if len(found) > 1:
        raise ValueError(f"the optimiser state holds {len(found)} Adam states "
                         "(optax.ScaleByAdamState); pass the one wanted, or its nu")
    return found[0] if found else None


def adam_preconditioner(opt_state_or_nu, step=None, *, b1: float = 0.9, b2: float = 0.999,
                        eps: float = 1e-8):
    """Adam's diagonal preconditioner (Cohen et al. 2022, Sec. 2), a pytree like the params:

        P_t = (1 − β₁ᵗ) · ( √(v_t / (1 − β₂ᵗ)) + ε ),

    so that Adam's step is θ_{t+1} = θ_t − η P_t⁻¹ m_t with the uncorrected first moment m_t.

    Args:
      opt_state_or_nu: an optax state holding one ``optax.ScaleByAdamState`` anywhere inside
        (``optax.adam(...)``'s state, or a chain's), or the second-moment pytree v_t itself.
      step: t, the number of updates that produced v_t (≥ 1); ``None`` takes the state's
        ``count`` (optax counts the updates applied, so after t updates count = t).
      b1, b2, eps: Adam's β₁, β₂ and ε, as given to the optimiser.

    Traceable (``step`` may be a traced integer; it is only range-checked when concrete).

    Raises:
      ValueError: step missing when a bare nu is given, step < 1, b1 or b2 outside [0, 1),
        eps < 0, several Adam states in one optimiser state, or an empty nu.
    """
    for name, b in (("b1", b1), ("b2", b2)):
        if not 0 <= float(b) < 1:
            raise ValueError(f"{name} must be in [0, 1), got {b!r}")
    if not float(eps) >= 0:
        raise ValueError(f"eps must be >= 0, got {eps!r}")
    adam = _find_adam_state(opt_state_or_nu)
    nu = opt_state_or_nu if adam is None else adam.nu
    if not jax.tree_util.tree_leaves(nu):
        raise ValueError("opt_state_or_nu holds no Adam state (optax.ScaleByAdamState) and no "
                         "second-moment arrays")
    if step is None:
        if adam is None:
            raise ValueError("step is required when a second moment nu is given, not an "
                             "optax Adam state")
        step = adam.count
    s = _concrete(step)
    if s is not None and (s.shape != () or not np.all(s >= 1)):
        raise ValueError(f"step must be an integer >= 1 (the updates behind nu), got {s!r}")
    t = jnp.asarray(step)
    c1 = 1 - jnp.asarray(b1) ** t
    c2 = 1 - jnp.asarray(b2) ** t
    return jax.tree_util.tree_map(
        lambda v: (c1 * (jnp.sqrt(v / c2) + eps)).astype(jnp.result_type(v)), nu)


def adam_threshold(lr, *, b1: float = 0.9):
    """The stability threshold of Adam's preconditioned sharpness (Cohen et al. 2022, Sec. 2):
    (2 + 2β₁) / ((1 − β₁) η) — 38/η for β₁ = 0.9; with β₁ = 0 it is gradient descent's 2/η.

    Raises:
      ValueError: lr ≤ 0 (where concrete) or b1 outside [0, 1).
    """
    if not 0 <= float(b1) < 1:
        raise ValueError(f"b1 must be in [0, 1), got {b1!r}")
    a = _concrete(lr)
    if a is not None and not np.all(np.isfinite(a) & (a > 0)):
        raise ValueError(f"lr must be positive and finite, got {lr!r}")
    return (2 + 2 * b1) / ((1 - b1) * lr)
