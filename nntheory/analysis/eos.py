"""Training at the edge of stability: sharpness logged during training, the plateau at 2/η, the
loss's behaviour there, Adam's preconditioned threshold and the catapult's three phases.

Gradient descent θ ← θ − η∇L on a quadratic is stable iff the sharpness λ_max(∇²L) < 2/η.
Cohen et al. 2021 (arXiv:2103.00065, §3) found that full-batch GD on neural networks first
*sharpens* (λ_max rises) until λ_max ≈ 2/η, then stays there — the *edge of stability* — while
the loss keeps falling over long horizons, non-monotonically. For Adam the quantity that
equilibrates is the preconditioned sharpness λ_max(P⁻¹H), at (2 + 2β₁)/((1 − β₁)η) = 38/η for
β₁ = 0.9 (Cohen et al. 2022, arXiv:2207.14484, §2–3). With mini-batch SGD the sharpness settles
below 2/η (Cohen et al. 2021, §5). For a wide net trained on MSE with initial NTK top eigenvalue
λ₀ (of the Gauss–Newton matrix JᵀJ/n), Lewkowycz et al. 2020 (arXiv:2003.02218) describe three
phases: lazy for η < 2/λ₀ (the curvature hardly moves), the *catapult* for 2/λ₀ < η < η_max
(the loss first grows, then falls, and the curvature ends below 2/η) and divergence above η_max
(4/λ₀ for their solvable two-layer linear model).

* :func:`sharpness_metrics`, :func:`adam_sharpness_metrics` — training hooks for
  :func:`nntheory.train.fit` / :func:`~nntheory.train.fit_ensemble` (``extra_metrics``): the
  Hessian's top eigenvalue (Lanczos, :mod:`nntheory.analysis.sharpness`) on the training set at
  every log, inside the one compiled training program, whatever η.
* :func:`edge_of_stability` — where a sharpness trace first reaches 2/η and its level after.
* :func:`loss_at_the_edge` — how the loss moves once there.
* :func:`catapult_phase`, :func:`phase_boundaries` — the catapult's phases over an η grid.
* :func:`rate_sweep`, :func:`catapult_sweep` — the experiments: replicates × learning rates as
  one vmapped training program each.

Nothing here reads files or prints; randomness comes only from the keys passed in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from nntheory import train
from nntheory.analysis import sharpness
from nntheory.arguments import int_at_least
from nntheory.tables import grid_frame

PHASES = ("lazy", "catapult", "diverged")


def _loss_fn(net, loss: str, data) -> Callable:
    fn = train.LOSSES[loss]
    return lambda p: fn(net.apply(p, data["x_train"]), data["y_train"])


def sharpness_metrics(net, loss: str, key, *, iters: int = 20) -> Callable:
    """``extra_metrics(params, data) -> {"sharpness": λ_max(∇²L)}`` of the training loss
    ``loss`` (a name of :data:`nntheory.train.LOSSES`) on the training set, by ``iters`` Lanczos
    steps from a start drawn with ``key`` (:func:`nntheory.analysis.sharpness.top_eigenvalues`).
    """
    int_at_least("iters", iters)
    return lambda params, data: {"sharpness": sharpness.top_eigenvalues(
        _loss_fn(net, loss, data), params, key, iters=iters)[0]}


def adam_sharpness_metrics(net, loss: str, key, *, iters: int = 20, b1: float = 0.9,
                           b2: float = 0.999, eps: float = 1e-8) -> Callable:
    """``extra_metrics(params, data, opt_state) -> {"preconditioned_sharpness": λ_max(P⁻¹H)}``
    with Adam's preconditioner P_t (:func:`nntheory.analysis.sharpness.adam_preconditioner`;
    Cohen et al. 2022). Before the first update (count 0) P is undefined; the hook reports NaN
    there."""
    int_at_least("iters", iters)

    def hook(params, data, opt_state):
        adam = sharpness._find_adam_state(opt_state)
        t = jnp.maximum(adam.count, 1)
        p = sharpness.adam_preconditioner(adam.nu, t, b1=b1, b2=b2, eps=eps)
        value = sharpness.preconditioned_top_eigenvalues(_loss_fn(net, loss, data), params, p,
                                                         key, iters=iters)[0]
        return {"preconditioned_sharpness": jnp.where(adam.count > 0, value, jnp.nan)}

    return hook


class EdgeOfStability(NamedTuple):
    """Where a sharpness trace meets its threshold, and its level after (:func:`edge_of_stability`).

    Attributes:
      reached: whether the trace came within ``reach`` of the threshold.
      entry_step: the first logged step at which it did (−1 if never).
      plateau: the median of sharpness / threshold over the logs from entry on (NaN if never).
      initial: the sharpness at the first log; final: at the last finite log.
    """

    reached: bool
    entry_step: int
    plateau: float
    initial: float
    final: float


def edge_of_stability(steps, values, threshold: float, *, reach: float = 0.9,
                      settle: int = 1) -> EdgeOfStability:
    """Where a sharpness trace first comes within ``reach`` of ``threshold`` (2/η for GD,
    38/η for Adam) after its first log (the value at initialisation is not yet trained: a run
    that starts above the threshold is thrown down to it, the catapult), and the median of
    values/threshold over the logs from ``settle`` logs after entry to the end (Cohen et al.
    2021, §3: the sharpness then "hovers" at 2/η).

    Args:
      steps, values: the logged steps and the sharpness at each (NaN where not defined).
      threshold: the stability threshold, > 0.
    """
    s, v = np.asarray(steps), np.asarray(values, np.float64)
    if s.shape != v.shape or s.ndim != 1:
        raise ValueError(f"steps and values must be equal-length 1-D, got {s.shape}, {v.shape}")
    if not threshold > 0:
        raise ValueError(f"threshold must be positive, got {threshold!r}")
    finite = np.flatnonzero(np.isfinite(v))
    if not finite.size:
        return EdgeOfStability(False, -1, float("nan"), float("nan"), float("nan"))
    initial, final = float(v[finite[0]]), float(v[finite[-1]])
    hit = np.flatnonzero(np.isfinite(v) & (v >= reach * threshold) & (np.arange(v.size) > 0))
    if not hit.size:
        return EdgeOfStability(False, -1, float("nan"), initial, final)
    after = v[hit[0] + settle:]
    after = after[np.isfinite(after)]
    plateau = float(np.median(after) / threshold) if after.size else float("nan")
    return EdgeOfStability(True, int(s[hit[0]]), plateau, initial, final)


def loss_at_the_edge(steps, losses, entry_step: int) -> tuple[float, int]:
    """How the training loss moves from ``entry_step`` on: (final loss / loss at entry, the
    number of logged increases). Cohen et al. 2021 (§3): at the edge of stability the loss keeps
    falling over long horizons (ratio well below 1) but not monotonically (increases > 0)."""
    s, loss = np.asarray(steps), np.asarray(losses, np.float64)
    at = np.flatnonzero(s >= entry_step)
    if entry_step < 0 or not at.size:
        return float("nan"), 0
    tail = loss[at[0]:]
    return float(tail[-1] / tail[0]), int(np.sum(np.diff(tail) > 0))


def catapult_phase(losses, diverged: bool) -> str:
    """The phase of one run from its loss trace (logged every step from step 0): ``"diverged"``
    if training blew up (a non-finite loss), ``"catapult"`` if the loss rose above its initial
    value before falling below it, ``"lazy"`` if it never rose above it (Lewkowycz et al. 2020,
    §2–3). A run that rose and never came back down counts as diverged."""
    loss = np.asarray(losses, np.float64)
    if diverged or not np.all(np.isfinite(loss)):
        return "diverged"
    if np.max(loss) <= loss[0]:
        return "lazy"
    return "catapult" if loss[-1] < loss[0] else "diverged"


def phase_boundaries(x, phases) -> tuple[float, float]:
    """(η_crit, η_max) on an increasing grid ``x`` (η in any unit, e.g. of 2/λ₀) from the phase
    of each run: η_crit is the geometric midpoint between the largest lazy x below the first
    non-lazy one and that one; η_max the midpoint around the first diverged x. NaN where the
    grid does not bracket the boundary (all lazy, or nothing diverges)."""
    x, ph = np.asarray(x, np.float64), np.asarray(phases)
    if x.shape != ph.shape or np.any(np.diff(x) <= 0):
        raise ValueError("x must be increasing and match phases")

    def midpoint(first):
        idx = np.flatnonzero(first)
        if not idx.size or idx[0] == 0:
            return float("nan")
        return float(np.sqrt(x[idx[0] - 1] * x[idx[0]]))

    return midpoint(ph != "lazy"), midpoint(ph == "diverged")


def rate_sweep(net, keys, data: dict, etas, *, relative: bool = False, optimizer: str = "sgd",
               steps: int, log_every: int, loss: str = "mse", iters: int = 20,
               batch_size: int | None = None, **optimizer_kwargs) -> pd.DataFrame:
    """Train every replicate at every learning rate of ``etas`` as one vmapped program and log
    the training loss and the sharpness (Adam: the preconditioned sharpness, with its β₁, β₂,
    ε from ``optimizer_kwargs``) every ``log_every`` steps.

    Args:
      net: a :class:`nntheory.nets.Net`.
      keys: (R, 2) replicate keys: replicate r's runs share the initialisation drawn from
        ``fold_in(keys[r], 0)`` and the Lanczos start from ``fold_in(keys[r], 1)``.
      data: ``x_train`` (R, n, …) and ``y_train`` (R, n, …): one training set per replicate.
      etas: learning rates, positive and increasing (data for the program: one compilation);
        with ``relative``, multiples m of 2/S₀, S₀ the sharpness of replicate r's initial
        parameters on its data, so that every architecture and loss is probed at the same
        places relative to its own threshold (η = m · 2/S₀; m < 1 starts below the edge).
      optimizer: ``"sgd"`` (plain (stochastic) gradient descent) or ``"adam"``.
      batch_size: None for full-batch, else the mini-batch size of SGD.

    Returns:
      A long table: replicate, rate (the entry of ``etas``), step, eta (the learning rate
      used), loss, sharpness (the preconditioned sharpness for Adam), diverged (the run stopped
      on a non-finite value).

    Raises:
      ValueError: etas not positive and increasing, an unknown optimizer, a bad step count.
    """
    e = np.asarray(etas, np.float64).ravel()
    if e.size == 0 or not np.all(np.isfinite(e) & (e > 0)) or np.any(np.diff(e) <= 0):
        raise ValueError(f"etas must be positive and increasing, got {e.tolist()}")
    if optimizer not in ("sgd", "adam"):
        raise ValueError(f"optimizer must be 'sgd' or 'adam', got {optimizer!r}")
    init, member_data = train.shared_init_members(keys, e.size, data)
    r = len(init) // e.size
    lanczos = jax.random.fold_in(jnp.asarray(keys).reshape(-1, 2)[0], 1)
    if optimizer == "adam":
        kw = {k: optimizer_kwargs[k] for k in ("b1", "b2", "eps") if k in optimizer_kwargs}
        hook, name = adam_sharpness_metrics(net, loss, lanczos, iters=iters, **kw), \
            "preconditioned_sharpness"
    else:
        hook, name = sharpness_metrics(net, loss, lanczos, iters=iters), "sharpness"
    params = train.init_ensemble(net, init, member_data["x_train"].shape[1:])
    rates = np.tile(e, r).reshape(r, e.size)
    if relative:
        s0 = np.asarray(jax.vmap(lambda p, a, b: sharpness.top_eigenvalues(
            lambda q: train.LOSSES[loss](net.apply(q, a), b), p, lanczos, iters=iters)[0])(
            *jax.tree_util.tree_map(lambda a: a[::e.size], (params, member_data["x_train"],
                                                            member_data["y_train"]))))
        rates = rates * 2.0 / s0[:, None]
    _, hist = train.fit_ensemble(
        net, params, member_data, member_data=True, optimizer=optimizer,
        learning_rate=rates.ravel().astype(np.float32), steps=steps, log_every=log_every,
        loss=loss, batch_size=batch_size, extra_metrics=hook, **optimizer_kwargs)
    t = len(hist.step)
    return grid_frame(dict(replicate=r, rate=e, step=hist.step),
                      eta=np.broadcast_to(rates.astype(np.float32)[..., None], (r, e.size, t)),
                      loss=hist.metrics["train_loss"].reshape(r, e.size, t),
                      sharpness=hist.metrics[name].reshape(r, e.size, t),
                      diverged=np.broadcast_to(hist.diverged.reshape(r, e.size, 1),
                                               (r, e.size, t)))


def catapult_sweep(net, keys, data: dict, multiples, *, steps: int, loss: str = "mse",
                   iters: int = 20) -> tuple[pd.DataFrame, np.ndarray]:
    """The catapult experiment (Lewkowycz et al. 2020): per replicate, λ₀ = λ_max(Θ̂)/n of the
    empirical NTK at initialisation (for ½·mean squared error over n points, the top
    eigenvalue of the Gauss–Newton matrix JᵀJ/n), then full-batch GD at η = m · 2/λ₀ for every
    multiple m, all replicates and multiples as one program; the loss every step; the top
    Hessian eigenvalue at the end.

    Args:
      net: a net with one output (the NTK's trace over outputs is then exact).
      keys, data: as for :func:`rate_sweep`.
      multiples: η in units of 2/λ₀, positive and increasing.

    Returns:
      (table with replicate, multiple, lambda0, eta, phase (:func:`catapult_phase`), loss0,
      loss_max, loss_final, curvature_final, diverged; losses (R, M, steps + 1)).
    """
    from nntheory import kernels

    m = np.asarray(multiples, np.float64).ravel()
    if m.size == 0 or not np.all(np.isfinite(m) & (m > 0)) or np.any(np.diff(m) <= 0):
        raise ValueError(f"multiples must be positive and increasing, got {m.tolist()}")
    init, member_data = train.shared_init_members(keys, 1, data)
    params0 = train.init_ensemble(net, init, member_data["x_train"].shape[1:])
    x, y = member_data["x_train"], member_data["y_train"]
    theta = np.asarray(kernels.empirical_ntk_ensemble(net, params0, x), np.float64)
    lam0 = np.linalg.eigvalsh(theta)[:, -1] / x.shape[1]
    r = len(lam0)
    etas = (m[None, :] * 2 / lam0[:, None]).astype(np.float32).ravel()
    params = jax.tree_util.tree_map(lambda a: jnp.repeat(a, m.size, axis=0), params0)
    xs, ys = np.repeat(x, m.size, axis=0), np.repeat(y, m.size, axis=0)
    params, hist = train.fit_ensemble(net, params, dict(x_train=xs, y_train=ys),
                                      member_data=True, optimizer="sgd", learning_rate=etas,
                                      steps=steps, log_every=1, loss=loss)
    fn = train.LOSSES[loss]
    lanczos = jax.random.fold_in(jnp.asarray(keys).reshape(-1, 2)[0], 1)
    curv = jax.vmap(lambda p, a, b: sharpness.top_eigenvalues(
        lambda q: fn(net.apply(q, a), b), p, lanczos, iters=iters)[0])(params, xs, ys)
    losses = hist.metrics["train_loss"]
    phases = [catapult_phase(losses[i], bool(hist.diverged[i])) for i in range(len(etas))]
    table = grid_frame(dict(replicate=r, multiple=m), lambda0=np.repeat(lam0, m.size).reshape(
        r, m.size), eta=etas.reshape(r, m.size), phase=np.array(phases).reshape(r, m.size),
        loss0=losses[:, 0].reshape(r, m.size), loss_max=np.nanmax(np.where(
            np.isfinite(losses), losses, np.inf), axis=1).reshape(r, m.size),
        loss_final=losses[:, -1].reshape(r, m.size),
        curvature_final=np.where(hist.diverged, np.nan, np.asarray(curv)).reshape(r, m.size),
        diverged=hist.diverged.reshape(r, m.size))
    return table, losses.reshape(r, m.size, -1)


def dense_top_eigenvalue(loss_fn: Callable, params) -> float:
    """The largest eigenvalue of the dense Hessian (``jax.hessian`` of the flattened loss,
    ``numpy.linalg.eigvalsh``): the reference the Lanczos estimate is checked against. Small
    nets only (memory grows with the square of the parameter count)."""
    from jax.flatten_util import ravel_pytree

    flat, unravel = ravel_pytree(params)
    h = np.asarray(jax.hessian(lambda f: loss_fn(unravel(f)))(flat), np.float64)
    return float(np.linalg.eigvalsh((h + h.T) / 2)[-1])
