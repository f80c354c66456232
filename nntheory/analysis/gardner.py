"""The storage capacity of the perceptron at a margin, measured: the maximal stability of random
patterns by the AdaTron, bracketed by duality, and the load at which half the pattern sets are
storable at stability κ (Gardner 1988).

Stability and its maximum
-------------------------
p = αn patterns ξ^μ ∈ {−1, +1}ⁿ with random outputs y^μ = ±1 are stored by a weight vector w at
stability κ when every Δ^μ = y^μ w·ξ^μ / ‖w‖ ≥ κ (Gardner 1988, J. Phys. A 21:257–270: the
coupling J = √n w/‖w‖ and Δ = y J·ξ/√n). The largest achievable κ is the maximal stability

    κ_max = max_w min_μ Δ^μ(w) = √n / ‖w*‖,    w* = argmin ‖w‖²  s.t.  y^μ w·z^μ ≥ 1,

with z^μ = ξ^μ/√n of unit length: the hard-margin problem without a bias. A pattern set is
storable at stability κ iff κ_max ≥ κ, and for n → ∞ the fraction of storable sets drops from 1
to 0 at Gardner's α_c(κ) (:func:`nntheory.analysis.classic.gardner_capacity`).

The AdaTron and its bracket
---------------------------
The AdaTron (Anlauf & Biehl 1989, Europhys. Lett. 10:687–692) is coordinate ascent on the dual

    D(a) = Σ_μ a_μ − ½ ‖Σ_μ a_μ y^μ z^μ‖²,   a ≥ 0,

one exact coordinate step per pattern: a_μ ← max(0, a_μ + 1 − y^μ w·z^μ) with w = Σ a y z (the
dual coordinate-descent method of Hsieh et al. 2008, ICML, for unit-norm inputs). It converges
to the maximal-stability perceptron of Krauth & Mézard 1987 (J. Phys. A 20:L745) when the
patterns are separable. After any number of sweeps both bounds below hold without assumptions:

* lower: κ_max ≥ √n min_μ y^μ w·z^μ / ‖w‖ (w is a candidate);
* upper: κ_max ≤ √n / √(2 D(a)) (weak duality: D(a) ≤ D* = ½‖w*‖²).

So a pattern set is *decided* storable when the lower bound reaches κ and decided not storable
when the upper bound is below κ; a set in between is counted as undecided, never guessed. For a
set that is not separable at all D grows without bound and the upper bound falls to 0.

* :func:`stability_bracket` — (lower, upper) of κ_max for a batch of pattern sets, one jitted,
  vmapped program.
* :func:`storable_fractions` — random pattern sets at several loads, and the fraction storable
  at each κ with its decided bounds.
* :func:`half_load` — the load at which the storable fraction crosses ½, by linear
  interpolation.

Randomness comes only from the JAX keys passed in; nothing here reads files or prints.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from nntheory.arguments import int_at_least


@functools.partial(jax.jit, static_argnames=("sweeps",))
def _adatron(z, mask, *, sweeps):
    """Dual coordinate ascent for one set: z (p, n) rows y^μ ξ^μ/√n, mask (p,) real rows."""
    p = z.shape[0]

    def coordinate(mu, carry):
        a, w = carry
        new = jnp.where(mask[mu], jnp.maximum(0.0, a[mu] + 1.0 - w @ z[mu]), 0.0)
        return a.at[mu].set(new), w + (new - a[mu]) * z[mu]

    def sweep(_, carry):
        return jax.lax.fori_loop(0, p, coordinate, carry)

    a, w = jax.lax.fori_loop(0, sweeps, sweep, (jnp.zeros(p, z.dtype), jnp.zeros_like(z[0])))
    norm = jnp.linalg.norm(w)
    fields = jnp.where(mask, z @ w, jnp.inf)
    lower = jnp.where(norm > 0, jnp.min(fields) / norm, -jnp.inf)
    dual = jnp.sum(a) - 0.5 * norm**2
    upper = jnp.where(dual > 0, 1.0 / jnp.sqrt(2.0 * jnp.maximum(dual, 1e-30)), jnp.inf)
    return lower, upper


@functools.partial(jax.jit, static_argnames=("sweeps",))
def _adatron_batch(z, mask, *, sweeps):
    return jax.vmap(functools.partial(_adatron, sweeps=sweeps))(z, mask)


def stability_bracket(patterns, labels, *, sweeps: int = 200, mask=None) -> tuple[np.ndarray, ...]:
    """Lower and upper bounds on the maximal stability κ_max of each pattern set.

    κ_max = max_w min_μ y^μ w·ξ^μ/‖w‖ (Gardner 1988; Krauth & Mézard 1987), bracketed after
    ``sweeps`` AdaTron sweeps (module docstring): lower = √n min_μ y w·z/‖w‖ of the AdaTron's
    w, upper = √n/√(2D(a)) by weak duality. Both bounds are rigorous; they meet as the AdaTron
    converges on a separable set (up to float32 rounding, ~1e-6 relative, once they meet).

    Args:
      patterns: (B, p, n) or (p, n) patterns (±1 in Gardner's setting; any rows of norm √n).
      labels: (B, p) or (p,) outputs ±1.
      sweeps: AdaTron sweeps over the patterns, >= 1.
      mask: optional (B, p) booleans, False for padding rows that are not patterns.

    Returns:
      (lower, upper), NumPy arrays of shape (B,) (or scalars for one set), in Gardner's units.

    Raises:
      ValueError: shapes disagree, labels are not ±1, or ``sweeps`` < 1.
    """
    int_at_least("sweeps", sweeps)
    x = np.asarray(patterns, np.float32)
    y = np.asarray(labels, np.float32)
    single = x.ndim == 2
    if single:
        x, y = x[None], y[None]
    if x.ndim != 3 or y.shape != x.shape[:2]:
        raise ValueError(f"patterns must be (B, p, n) with labels (B, p), got {x.shape} and "
                         f"{y.shape}")
    m = np.ones(y.shape, bool) if mask is None else np.asarray(mask, bool)
    if m.shape != y.shape:
        raise ValueError(f"mask must have the labels' shape {y.shape}, got {m.shape}")
    if not np.all(np.isin(y[m], (-1.0, 1.0))):
        raise ValueError("labels must be +1 or -1")
    n = x.shape[2]
    z = (y[..., None] * x / np.sqrt(n)).astype(np.float32)
    lower, upper = (np.sqrt(n) * np.asarray(v, np.float64)
                    for v in _adatron_batch(z, m, sweeps=sweeps))
    return (lower[0], upper[0]) if single else (lower, upper)


def _random_sets(key, sets: int, p_max: int, n: int):
    kx, ky = jax.random.split(key)
    x = jax.random.rademacher(kx, (sets, p_max, n), dtype=jnp.float32)
    y = jax.random.rademacher(ky, (sets, p_max), dtype=jnp.float32)
    return np.asarray(x), np.asarray(y)


def storable_fractions(key, n: int, loads, kappas, sets: int, *, sweeps: int = 200) -> dict:
    """Random ±1 pattern sets at each load α = p/n and the fraction storable at each κ.

    One draw of ``sets`` sets of p_max = round(max α · n) patterns; the set at load α uses its
    first round(α n) patterns, so loads are nested (the storable fraction falls monotonically
    with α within a draw). Every (set, load) is one member of a single AdaTron program.

    Args:
      key: a JAX PRNG key.
      n: pattern dimension, >= 2.
      loads: loads α > 0 (increasing).
      kappas: stabilities κ >= 0.
      sets: pattern sets per load, >= 1.
      sweeps: AdaTron sweeps.

    Returns:
      dict with ``load`` (L,), ``p`` (L,), ``kappa`` (K,), ``lower``/``upper`` (L, sets) bounds
      on κ_max, and (L, K) fractions ``storable`` (decided storable, plus half the undecided),
      ``storable_low``/``storable_high`` (undecided counted as not/as storable) and
      ``undecided``.

    Raises:
      ValueError: n < 2, sets < 1, a load that is not positive, a negative κ.
    """
    int_at_least("n", n, 2)
    int_at_least("sets", sets)
    a = np.asarray(loads, np.float64).ravel()
    k = np.asarray(kappas, np.float64).ravel()
    if a.size == 0 or not np.all(np.isfinite(a) & (a > 0)):
        raise ValueError(f"loads must be positive, got {a.tolist()}")
    if k.size == 0 or not np.all(np.isfinite(k) & (k >= 0)):
        raise ValueError(f"kappas must be finite and >= 0, got {k.tolist()}")
    ps = np.maximum(1, np.round(a * n).astype(int))
    x, y = _random_sets(key, sets, int(ps.max()), n)
    mask = np.arange(ps.max())[None, :] < ps[:, None]  # (L, p_max)
    L = len(ps)
    xs = np.broadcast_to(x[None], (L,) + x.shape).reshape(L * sets, *x.shape[1:])
    ys = np.broadcast_to(y[None], (L,) + y.shape).reshape(L * sets, -1)
    ms = np.repeat(mask, sets, axis=0)
    lower, upper = stability_bracket(xs, ys, sweeps=sweeps, mask=ms)
    lower, upper = lower.reshape(L, sets), upper.reshape(L, sets)
    yes = (lower[..., None] >= k).mean(axis=1)
    maybe = (upper[..., None] >= k).mean(axis=1)
    return dict(load=a, p=ps, kappa=k, lower=lower, upper=upper, storable=(yes + maybe) / 2,
                storable_low=yes, storable_high=maybe, undecided=maybe - yes)


def half_load(loads, fractions) -> float:
    """The load where a falling fraction first drops below ½, interpolated linearly between
    the two loads around it; NaN if it never drops below ½ or starts below it."""
    r, f = np.asarray(loads, np.float64), np.asarray(fractions, np.float64)
    below = np.flatnonzero(f < 0.5)
    if not len(below) or below[0] == 0:
        return float("nan")
    i = below[0]
    return float(r[i - 1] + (f[i - 1] - 0.5) / (f[i - 1] - f[i]) * (r[i] - r[i - 1]))


def capacity_extrapolated(ns, loads, fractions, *, exponent: float = 1.0) -> float:
    """α_∞ from the half loads at several N: :func:`half_load` per N over the (load, fraction)
    points of that N, then the least-squares fit α(N) = α_∞ + b N^(−exponent)
    (:func:`nntheory.analysis.hopfield.extrapolate_capacity`).

    Args:
      ns, loads, fractions: equal-length arrays, one entry per (N, load) point.

    Raises:
      ValueError: fewer than two N with a half load.
    """
    from nntheory.analysis.hopfield import extrapolate_capacity

    n, a, f = (np.asarray(v, np.float64).ravel() for v in (ns, loads, fractions))
    sizes, halves = [], []
    for size in np.unique(n):
        at = n == size
        order = np.argsort(a[at])
        h = half_load(a[at][order], f[at][order])
        if np.isfinite(h):
            sizes.append(size)
            halves.append(h)
    return extrapolate_capacity(sizes, halves, exponent=exponent).alpha_inf
