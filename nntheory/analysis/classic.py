"""Classic models of the single neuron and its capacity: McCulloch–Pitts threshold logic,
Rosenblatt's perceptron and Novikoff's mistake bound, Cover's function counting theorem and
Gardner's capacity at a margin.

Counting dichotomies (Cover 1965)
---------------------------------
p points in general position in ℝⁿ admit exactly

    C(p, n) = 2 Σ_{k=0}^{n−1} binom(p − 1, k)

dichotomies (labelings y ∈ {−1, +1}^p) realisable by a homogeneous linear threshold unit
sign(w·x) (Cover 1965, IEEE Trans. Electron. Comput. EC-14:326–334, Theorem 1, the function
counting theorem). So C(p, n) = 2^p for p ≤ n, and the fraction C(p, n)/2^p of separable random
labelings is exactly 1/2 at p = 2n: the capacity of the perceptron is α = p/n = 2.

* :func:`cover_count`, :func:`cover_fraction` — the exact count and fraction.
* :func:`separable`, :func:`separable_batch`, :func:`separable_fraction` — the measured
  fraction: random Gaussian points, random labels, linear separability decided by a linear
  program (SciPy's HiGHS); :func:`transition_width` — how sharp its fall is.

Capacity at a margin (Gardner 1988)
-----------------------------------
For p = αn random patterns and the stability condition y_i w·x_i / ‖w‖ ≥ κ/√n on the spherical
perceptron, the replica calculation of Gardner 1988 (J. Phys. A 21:257–270) gives the critical
load

    α_c(κ) = 1 / ∫_{−κ}^{∞} Dt (t + κ)²,     Dt = φ(t) dt the standard Gaussian measure,

which is 2 at κ = 0 (Cover's result) and falls like 1/(1 + κ²) for large κ
(:func:`gardner_capacity`).

The perceptron (Rosenblatt 1958; Novikoff 1962)
-----------------------------------------------
Rosenblatt's rule (Psychol. Rev. 65:386–408), homogeneous, from w = 0, visiting the points in
order: on a mistake y_i w·x_i ≤ 0, w ← w + y_i x_i. If some unit vector u separates the data
with margin γ = min_i y_i u·x_i > 0 and R = max_i ‖x_i‖, the rule makes at most (R/γ)² mistakes
in all (Novikoff 1962, "On convergence proofs on perceptrons", Symp. Math. Theory of Automata
12:615–622, Theorem). On data that are not separable it never stops; on integer data its weights
stay bounded (Block & Levin 1970, Proc. AMS 26:229–235; the perceptron cycling theorem of
Minsky & Papert 1969, *Perceptrons*), so they take finitely many values and cycle.

* :func:`perceptron_train`, :func:`perceptron_train_batch` — the rule, jitted (one dataset, or
  many vmapped along a leading axis), run to the first error-free epoch or ``max_epochs``.
* :func:`novikoff_bound`, :func:`planted_dataset`, :func:`planted_datasets` — the bound and
  data with a guaranteed margin.
* :func:`perceptron_cycles` — whether the weights revisit an earlier value at an epoch boundary.

Threshold logic (McCulloch & Pitts 1943)
----------------------------------------
Units computing step(w·x + b) with step(z) = 1 for z ≥ 0, else 0 (McCulloch & Pitts 1943, Bull.
Math. Biophys. 5:115–133). One hidden layer suffices for every Boolean function: one hidden
unit per true minterm (it fires on exactly that input) and an OR at the output, the disjunctive
normal form (:func:`threshold_network_for`, :func:`all_boolean_functions_realised`). n-bit
parity needs only n hidden units: unit k fires when at least k inputs are on and the output
weights alternate +1, −1 (Rumelhart, Hinton & Williams 1986, "Learning internal representations
by error propagation", PDP vol. 1, ch. 8, the parity problem; :func:`parity_construction`).

The perceptron runs in float64 inside a scoped ``jax.enable_x64`` (never switched on globally);
arrays come back as NumPy arrays. Randomness comes only from the JAX keys passed in. Nothing here
reads files or prints.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import scipy.integrate
import scipy.optimize
import scipy.sparse
import scipy.special

from nntheory.arguments import int_at_least
from nntheory.data import numpy_rng

# ---------------------------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------------------------


def _nonneg_finite(name: str, value) -> float:
    """``value`` as a finite float >= 0 (NaN, infinities, bools and non-numbers refused)."""
    if (isinstance(value, bool | np.bool_)
            or not isinstance(value, int | float | np.integer | np.floating)):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    v = float(value)
    if not math.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return v


def _labels(y, shape_x: tuple[int, ...]) -> np.ndarray:
    """Labels ±1 (float64) matching the leading axes of the points."""
    y = np.asarray(y, np.float64)
    if y.shape != shape_x[:-1]:
        raise ValueError(f"labels must have shape {shape_x[:-1]} to match points of shape "
                         f"{shape_x}, got {y.shape}")
    if not np.all(np.abs(y) == 1.0):
        bad = np.unique(y[np.abs(y) != 1.0])[:5]
        raise ValueError(f"labels must be -1 or +1, got values {bad.tolist()}")
    return y


def _points(x, ndim: int) -> np.ndarray:
    x = np.asarray(x, np.float64)
    if x.ndim != ndim or 0 in x.shape:
        want = "(p, n)" if ndim == 2 else "(datasets, p, n)"
        raise ValueError(f"points must have shape {want} with p, n >= 1, got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("points must be finite")
    return x


# ---------------------------------------------------------------------------------------------
# Cover's function counting theorem
# ---------------------------------------------------------------------------------------------


def cover_count(p: int, n: int) -> int:
    """The number of dichotomies of p points in general position in ℝⁿ realisable by a
    homogeneous linear threshold unit sign(w·x), exactly:

        C(p, n) = 2 Σ_{k=0}^{n−1} binom(p − 1, k).

    Hence C(p, n) = 2^p for p ≤ n, C(p, 1) = 2 and C(2n, n) = 2^(2n−1).

    Reference: Cover 1965 (IEEE Trans. Electron. Comput. EC-14:326–334), Theorem 1.

    Args:
      p: the number of points, an integer >= 1.
      n: the dimension, an integer >= 1.

    Returns:
      C(p, n) as an exact Python int.

    Raises:
      ValueError: p or n is not an integer >= 1 (0, negative, a float, a bool), naming it.
    """
    p, n = int_at_least("p", p), int_at_least("n", n)
    return 2 * sum(math.comb(p - 1, k) for k in range(min(n, p)))


def cover_fraction(p: int, n: int) -> float:
    """The fraction of the 2^p labelings of p points in general position in ℝⁿ that are
    homogeneously linearly separable, C(p, n) / 2^p (see :func:`cover_count`).

    Computed as a quotient of exact integers, correctly rounded to the nearest float (it
    underflows to 0.0 only below about 1e-308). Equal to 1 for p ≤ n, exactly 1/2 at p = 2n.

    Reference: Cover 1965 (IEEE Trans. Electron. Comput. EC-14:326–334), Theorem 1 and its
    corollary on the separating capacity 2n.

    Args:
      p: the number of points, an integer >= 1.
      n: the dimension, an integer >= 1.

    Returns:
      C(p, n) / 2^p as a float in (0, 1].

    Raises:
      ValueError: p or n is not an integer >= 1, naming it.
    """
    return cover_count(p, n) / 2 ** int(p)


# ---------------------------------------------------------------------------------------------
# Linear separability by linear programming
# ---------------------------------------------------------------------------------------------


def _separable_lp(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Homogeneous separability of datasets x (B, p, n), labels y (B, p), by one LP.

    Variables w_t ∈ ℝⁿ and s_t ≥ 0 per dataset t; minimise Σ_t s_t subject to
    y_i w_t·x_i + s_t ≥ 1. The blocks are independent, so each s_t is optimal for its own
    dataset: s_t = 0 when some w has y_i w·x_i ≥ 1 for all i (strictly separable), and s_t ≥ 1
    otherwise (for every w some y_i w·x_i ≤ 0), so the threshold 1/2 decides with a wide gap.
    """
    B, p, n = x.shape
    a = -(y[:, :, None] * x)  # (B, p, n): −y_i x_i·w_t − s_t ≤ −1
    rows = np.broadcast_to(np.arange(B * p).reshape(B, p, 1), (B, p, n)).ravel()
    cols = (np.arange(B)[:, None, None] * n + np.arange(n)[None, None, :])
    cols = np.broadcast_to(cols, (B, p, n)).ravel()
    rows = np.concatenate([rows, np.arange(B * p)])
    cols = np.concatenate([cols, B * n + np.repeat(np.arange(B), p)])
    vals = np.concatenate([a.ravel(), -np.ones(B * p)])
    a_ub = scipy.sparse.csr_array((vals, (rows, cols)), shape=(B * p, B * n + B))
    c = np.concatenate([np.zeros(B * n), np.ones(B)])
    bounds = [(None, None)] * (B * n) + [(0, None)] * B
    res = scipy.optimize.linprog(c, A_ub=a_ub, b_ub=-np.ones(B * p), bounds=bounds,
                                 method="highs")
    if res.status != 0:  # the LP is always feasible (w = 0, s = 1) and bounded below by 0
        raise RuntimeError(f"the separability LP failed: {res.message}")
    return res.x[B * n:] < 0.5


def separable_batch(xs, ys, *, chunk: int = 16) -> np.ndarray:
    """Whether each dataset is homogeneously linearly separable: ∃ w with y_i w·x_i > 0 for
    all i, equivalently (rescaling w) y_i w·x_i ≥ 1.

    Decided by linear programming (``scipy.optimize.linprog``, ``method="highs"``), ``chunk``
    datasets per program: minimise Σ_t s_t subject to y_i w_t·x_i + s_t ≥ 1, s_t ≥ 0. Each
    dataset's optimal slack is 0 when it is separable and at least 1 when it is not (for every
    w some y_i w·x_i ≤ 0), so the answer does not hang on a solver tolerance.

    Args:
      xs: points, shape (datasets, p, n).
      ys: labels ±1, shape (datasets, p).
      chunk: datasets per linear program (a block-diagonal LP; any value gives the same
        answers).

    Returns:
      (datasets,) bool array.

    Raises:
      ValueError: shapes do not match, labels are not ±1, or points are not finite.
      RuntimeError: the solver reports a failure (it should not: the LP is feasible and
        bounded).
    """
    x = _points(xs, 3)
    y = _labels(ys, x.shape)
    chunk = int_at_least("chunk", chunk)
    return np.concatenate([_separable_lp(x[i:i + chunk], y[i:i + chunk])
                           for i in range(0, x.shape[0], chunk)])


def separable(x, y) -> bool:
    """Whether one dataset is homogeneously linearly separable, ∃ w: y_i w·x_i > 0 for all i.

    The LP of :func:`separable_batch` on one dataset (Cover 1965 counts exactly these
    dichotomies for points in general position).

    Args:
      x: points, shape (p, n).
      y: labels ±1, shape (p,).

    Returns:
      True when some w separates the labels strictly.

    Raises:
      ValueError: shapes do not match, labels are not ±1, or points are not finite.
    """
    x = _points(x, 2)
    return bool(separable_batch(x[None], _labels(y, x.shape)[None])[0])


def separable_fraction(key, p: int, n: int, trials: int) -> tuple[float, np.ndarray]:
    """The measured fraction of random labelings of random points that are linearly separable.

    Each trial draws fresh points x_i ~ N(0, I_n), i = 1..p (in general position with
    probability 1), and labels y_i = ±1 uniformly, then decides separability with
    :func:`separable_batch`. The expected fraction is Cover's C(p, n)/2^p
    (:func:`cover_fraction`; Cover 1965, Theorem 1), with binomial standard error
    ``sqrt(f (1 − f) / trials)``.

    Args:
      key: a JAX PRNG key (drawn through :func:`nntheory.data.numpy_rng`: no compilation).
      p: points per dataset, an integer >= 1.
      n: the dimension, an integer >= 1.
      trials: the number of datasets, an integer >= 1.

    Returns:
      (fraction separable, (trials,) bool array, one entry per trial).

    Raises:
      ValueError: p, n or trials is not an integer >= 1, naming it.
    """
    p, n = int_at_least("p", p), int_at_least("n", n)
    trials = int_at_least("trials", trials)
    rng = numpy_rng(key)
    x = rng.standard_normal((trials, p, n))
    y = rng.choice(np.array([-1.0, 1.0]), size=(trials, p))
    ok = separable_batch(x, y)
    return float(ok.mean()), ok


def transition_width(loads, fractions, *, inside: float = 0.02) -> float:
    """The width of a falling transition: −1/slope of the probit Φ⁻¹(fraction) against the load,
    fitted to the points with a fraction strictly between ``inside`` and 1 − ``inside``.

    For Cover's fraction C(P, N)/2^P, a binomial tail, the probit is close to linear in P/N near
    P = 2N, and the width is the standard deviation of the transition, √(2N)/(2N)·2 ∝ N^(−1/2)
    in P/N (Cover 1965, Sec. III). NaN with fewer than two points inside.
    """
    a, f = np.asarray(loads, np.float64), np.asarray(fractions, np.float64)
    keep = (f > inside) & (f < 1 - inside)
    if keep.sum() < 2:
        return float("nan")
    slope = np.polyfit(a[keep], scipy.special.ndtri(f[keep]), 1)[0]
    return float(-1.0 / slope)


# ---------------------------------------------------------------------------------------------
# Gardner's capacity
# ---------------------------------------------------------------------------------------------


def _gaussian_second_moment_closed(kappa: float) -> float:
    """∫_{−κ}^{∞} Dt (t + κ)² = (1 + κ²) Φ(κ) + κ φ(κ)."""
    pdf = math.exp(-0.5 * kappa * kappa) / math.sqrt(2.0 * math.pi)
    return (1.0 + kappa * kappa) * float(scipy.special.ndtr(kappa)) + kappa * pdf


def _gaussian_second_moment_quad(kappa: float) -> float:
    def f(t):
        return (t + kappa) ** 2 * math.exp(-0.5 * t * t) / math.sqrt(2.0 * math.pi)

    val, _ = scipy.integrate.quad(f, -kappa, np.inf, epsabs=0.0, epsrel=1e-13, limit=200)
    return val


def gardner_capacity(kappa: float, *, method: str = "closed") -> float:
    """The critical load α_c = p/n of the spherical perceptron at stability κ (replica theory):

        α_c(κ) = 1 / ∫_{−κ}^{∞} Dt (t + κ)²,   Dt = φ(t) dt, φ the standard normal density.

    The integral has the closed form (1 + κ²) Φ(κ) + κ φ(κ) (Φ the normal CDF), so α_c(0) = 2
    (Cover's capacity) and α_c decreases monotonically, like 1/(1 + κ²) for large κ.

    Reference: Gardner 1988, "The space of interactions in neural network models", J. Phys. A
    21:257–270 (the capacity as a function of the stability κ).

    Args:
      kappa: the stability (margin) κ, a finite number >= 0.
      method: ``"closed"`` (the normal CDF/PDF form) or ``"quad"`` (``scipy.integrate.quad`` of
        the integral itself; the two agree to about 1e-13 relative).

    Returns:
      α_c(κ) as a float.

    Raises:
      ValueError: κ is negative, infinite, NaN or not a number (naming it), or the method is
        unknown.
    """
    k = _nonneg_finite("kappa", kappa)
    if method == "closed":
        return 1.0 / _gaussian_second_moment_closed(k)
    if method == "quad":
        return 1.0 / _gaussian_second_moment_quad(k)
    raise ValueError(f"method must be 'closed' or 'quad', got {method!r}")


# ---------------------------------------------------------------------------------------------
# The perceptron
# ---------------------------------------------------------------------------------------------


class PerceptronRun(NamedTuple):
    """The result of Rosenblatt's rule on one dataset (or, from the batch version, many).

    Attributes:
      w: final weights, (n,) (or (datasets, n)), float64.
      mistakes: total updates made over all epochs run (int64).
      converged: True when the last epoch run made no mistake (the data are then separated by
        ``w``); False when ``max_epochs`` ran out first.
    """

    w: np.ndarray
    mistakes: np.ndarray | int
    converged: np.ndarray | bool


def _epoch(w, x, y):
    """One cyclic pass of Rosenblatt's rule over (x, y) in order: (new w, mistakes)."""

    def step(carry, xy):
        w, m = carry
        xi, yi = xy
        wrong = yi * jnp.dot(w, xi) <= 0
        w = jnp.where(wrong, w + yi * xi, w)
        return (w, m + wrong.astype(jnp.int64)), None

    (w, m), _ = jax.lax.scan(step, (w, jnp.zeros((), jnp.int64)), (x, y))
    return w, m


def _perceptron_core(x, y, max_epochs):
    def cond(s):
        _, _, epoch, last = s
        return (epoch < max_epochs) & (last > 0)

    def body(s):
        w, total, epoch, _ = s
        w, m = _epoch(w, x, y)
        return w, total + m, epoch + 1, m

    one = jnp.ones((), jnp.int64)
    init = (jnp.zeros(x.shape[1], x.dtype), 0 * one, 0 * one, one)
    w, total, _, last = jax.lax.while_loop(cond, body, init)
    return w, total, last == 0


_perceptron_one = jax.jit(_perceptron_core)
_perceptron_many = jax.jit(jax.vmap(_perceptron_core, in_axes=(0, 0, None)))


def perceptron_train(x, y, max_epochs: int) -> PerceptronRun:
    """Rosenblatt's perceptron rule, homogeneous, from w = 0, cyclic passes in order:

        for i = 1..p:  if y_i w·x_i ≤ 0:  w ← w + y_i x_i,

    until an epoch without a mistake (converged) or ``max_epochs`` epochs. Jitted
    (``lax.while_loop`` over epochs, ``lax.scan`` over points), float64.

    References: Rosenblatt 1958 (Psychol. Rev. 65:386–408); on separable data the number of
    mistakes is at most (R/γ)², Novikoff 1962 (Theorem; :func:`novikoff_bound`).

    Args:
      x: points, shape (p, n) (append a constant coordinate for a bias).
      y: labels ±1, shape (p,).
      max_epochs: the most passes over the data, an integer >= 1.

    Returns:
      :class:`PerceptronRun` (w, mistakes, converged): unpacks as a 3-tuple, with ``mistakes``
      an int and ``converged`` a bool.

    Raises:
      ValueError: shapes do not match, labels are not ±1, points are not finite, or
        ``max_epochs`` is not an integer >= 1.
    """
    x = _points(x, 2)
    y = _labels(y, x.shape)
    max_epochs = int_at_least("max_epochs", max_epochs)
    with jax.enable_x64(True):
        w, m, c = _perceptron_one(jnp.asarray(x), jnp.asarray(y), jnp.asarray(max_epochs))
        return PerceptronRun(np.asarray(w), int(m), bool(c))


def perceptron_train_batch(xs, ys, max_epochs: int) -> PerceptronRun:
    """:func:`perceptron_train` on many datasets at once, vmapped along the leading axis (one
    jitted program; each dataset stops updating at its own first error-free epoch).

    Args:
      xs: points, shape (datasets, p, n).
      ys: labels ±1, shape (datasets, p).
      max_epochs: the most passes over each dataset, an integer >= 1.

    Returns:
      :class:`PerceptronRun` with w (datasets, n), mistakes (datasets,) int64 and converged
      (datasets,) bool, as NumPy arrays.

    Raises:
      ValueError: as :func:`perceptron_train`.
    """
    x = _points(xs, 3)
    y = _labels(ys, x.shape)
    max_epochs = int_at_least("max_epochs", max_epochs)
    with jax.enable_x64(True):
        w, m, c = _perceptron_many(jnp.asarray(x), jnp.asarray(y), jnp.asarray(max_epochs))
        return PerceptronRun(np.asarray(w), np.asarray(m), np.asarray(c))


@functools.partial(jax.jit, static_argnames=("max_epochs",))
def _boundary_weights(x, y, *, max_epochs):
    def ep(w, _):
        w, m = _epoch(w, x, y)
        return w, (w, m)

    w0 = jnp.zeros(x.shape[1], x.dtype)
    _, (ws, ms) = jax.lax.scan(ep, w0, None, length=max_epochs)
    return jnp.concatenate([w0[None, :], ws]), ms


def perceptron_cycles(x, y, max_epochs: int) -> bool:
    """Whether the perceptron, failing to converge, cycles: within ``max_epochs`` epochs it
    never has an error-free epoch, and its weight vector at some epoch boundary equals the one
    at an earlier boundary (compared exactly).

    The rule is deterministic, so a repeated boundary weight means the epochs repeat for ever
    from there on: the perceptron provably never converges. On integer (or, generally,
    rational) data the weights are bounded (Block & Levin 1970, Proc. AMS 26:229–235; the
    perceptron cycling theorem, Minsky & Papert 1969) and integer, so they must repeat; on
    real-valued data exact repeats are not expected. Same rule as :func:`perceptron_train`.

    Args:
      x: points, shape (p, n).
      y: labels ±1, shape (p,).
      max_epochs: the epochs to run, an integer >= 1 (compiled per value).

    Returns:
      True when the run did not converge and the boundary weights w_0 = 0, w_1, …,
      w_max_epochs contain a repeat.

    Raises:
      ValueError: as :func:`perceptron_train`.
    """
    x = _points(x, 2)
    y = _labels(y, x.shape)
    max_epochs = int_at_least("max_epochs", max_epochs)
    with jax.enable_x64(True):
        ws, ms = _boundary_weights(jnp.asarray(x), jnp.asarray(y), max_epochs=max_epochs)
        ws, ms = np.asarray(ws), np.asarray(ms)
    if np.any(ms == 0):  # converged
        return False
    return len(np.unique(ws, axis=0)) < len(ws)


def novikoff_bound(x, y, w_star):
    """Novikoff's bound on the perceptron's total mistakes, (R/γ)², with

        R = max_i ‖x_i‖,   γ = min_i y_i ``w_star``·x_i / ‖``w_star``‖,

    valid for any separating direction ``w_star`` (γ > 0), for the homogeneous rule started at
    w = 0 (:func:`perceptron_train`), whatever the order of the points.

    Reference: Novikoff 1962 ("On convergence proofs on perceptrons", Symp. Math. Theory of
    Automata 12:615–622), Theorem.

    Args:
      x: points, shape (p, n), or (datasets, p, n).
      y: labels ±1, shape (p,), or (datasets, p).
      w_star: a separating direction, shape (n,), or (datasets, n); any length but zero.

    Returns:
      (R/γ)² as a float, or a (datasets,) float64 array.

    Raises:
      ValueError: shapes do not match, labels are not ±1, ``w_star`` is zero, or ``w_star``
        does not separate the data (γ ≤ 0, naming the dataset and γ).
    """
    x = np.asarray(x, np.float64)
    if x.ndim not in (2, 3):
        raise ValueError(f"points must have shape (p, n) or (datasets, p, n), got {x.shape}")
    x = _points(x, x.ndim)
    y = _labels(y, x.shape)
    u = np.asarray(w_star, np.float64)
    if u.shape != x.shape[:-2] + x.shape[-1:]:
        raise ValueError(f"w_star must have shape {x.shape[:-2] + x.shape[-1:]}, got {u.shape}")
    norm = np.linalg.norm(u, axis=-1)
    if np.any(norm == 0):
        raise ValueError("w_star must not be zero")
    gamma = np.min(y * np.einsum("...pn,...n->...p", x, u), axis=-1) / norm
    if np.any(gamma <= 0):
        i = int(np.argmin(np.atleast_1d(gamma)))
        raise ValueError(f"w_star does not separate the data (dataset {i}: margin "
                         f"gamma = {np.atleast_1d(gamma)[i]!r} <= 0)")
    r = np.max(np.linalg.norm(x, axis=-1), axis=-1)
    bound = (r / gamma) ** 2
    return float(bound) if bound.ndim == 0 else bound


def _planted_core(key, margin, *, p, n):
    k_u, k_z, k_t, k_s = jax.random.split(key, 4)
    u = jax.random.normal(k_u, (n,), jnp.float64)
    u = u / jnp.linalg.norm(u)
    z = jax.random.normal(k_z, (p, n), jnp.float64)
    z = z - (z @ u)[:, None] * u[None, :]  # the component orthogonal to u: N(0, I − u uᵀ)
    t = jax.random.truncated_normal(k_t, margin, jnp.inf, (p,), jnp.float64)
    s = jnp.where(jax.random.bernoulli(k_s, 0.5, (p,)), 1.0, -1.0)
    return z + (s * t)[:, None] * u[None, :], s, u


_planted_one = jax.jit(_planted_core, static_argnames=("p", "n"))


@functools.partial(jax.jit, static_argnames=("p", "n"))
def _planted_many(keys, margin, *, p, n):
    return jax.vmap(lambda k: _planted_core(k, margin, p=p, n=n))(keys)


def _planted_args(p, n, margin):
    return int_at_least("p", p), int_at_least("n", n), _nonneg_finite("margin", margin)


def planted_dataset(key, p: int, n: int, margin: float) -> tuple[np.ndarray, ...]:
    """p Gaussian points in ℝⁿ labelled by a random unit teacher u, conditioned on the margin
    ``|u·x| >= margin``; y = sign(u·x).

    The condition is imposed exactly, without a rejection loop: x = z_⊥ + s t u, with z_⊥ the
    part of a N(0, I_n) draw orthogonal to u, t ~ N(0, 1) truncated to [margin, ∞) and s = ±1
    uniform; this is the law of x ~ N(0, I_n) given ``|u·x| >= margin`` (the two parts of a
    Gaussian are independent). So u separates the data with γ = min_i y_i u·x_i ≥ margin, and
    :func:`novikoff_bound` with ``w_star = u`` applies (Novikoff 1962).

    Args:
      key: a JAX PRNG key.
      p: the number of points, an integer >= 1.
      n: the dimension, an integer >= 1.
      margin: the smallest ``|u·x|``, a finite number >= 0 (0: plain Gaussian points).

    Returns:
      (x (p, n), y (p,) ±1, ``w_star`` = u (n,)), float64 NumPy arrays.

    Raises:
      ValueError: p or n is not an integer >= 1, or the margin is negative or not finite.
    """
    p, n, margin = _planted_args(p, n, margin)
    with jax.enable_x64(True):
        out = _planted_one(key, jnp.asarray(margin), p=p, n=n)
        return tuple(np.asarray(a) for a in out)


def planted_datasets(key, count: int, p: int, n: int, margin: float) -> tuple[np.ndarray, ...]:
    """``count`` independent :func:`planted_dataset` draws stacked on a leading axis (one
    vmapped program); dataset i is ``planted_dataset(jax.random.split(key, count)[i], …)``.

    Returns:
      (xs (count, p, n), ys (count, p), w_stars (count, n)), float64 NumPy arrays.

    Raises:
      ValueError: count, p or n is not an integer >= 1, or the margin is negative or not finite.
    """
    count = int_at_least("count", count)
    p, n, margin = _planted_args(p, n, margin)
    with jax.enable_x64(True):
        out = _planted_many(jax.random.split(key, count), jnp.asarray(margin), p=p, n=n)
        return tuple(np.asarray(a) for a in out)


# ---------------------------------------------------------------------------------------------
# Threshold logic
# ---------------------------------------------------------------------------------------------


class ThresholdNet(NamedTuple):
    """A one-hidden-layer network of threshold units, out(x) = step(w2·step(x W1 + b1) + b2),
    step(z) = 1 for z ≥ 0 else 0. A pytree: stack the fields to vmap :func:`threshold_apply`.

    Attributes:
      w1: (n, hidden) input weights.
      b1: (hidden,) hidden biases.
      w2: (hidden,) output weights.
      b2: () output bias.
    """

    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray


def boolean_inputs(n: int) -> np.ndarray:
    """All 2^n inputs in {0, 1}^n, shape (2^n, n), in ``itertools.product`` order: row i holds
    the binary digits of i, most significant first. Truth tables are indexed the same way."""
    n = int_at_least("n", n)
    bits = (np.arange(2**n)[:, None] >> np.arange(n - 1, -1, -1)[None, :]) & 1
    return bits.astype(np.float32)


def _truth_table(table) -> tuple[np.ndarray, int]:
    t = np.asarray(table)
    size = t.shape[0] if t.ndim == 1 else 0
    n = size.bit_length() - 1
    if t.ndim != 1 or size < 2 or size != 2**n:
        raise ValueError(f"a truth table must be a 1-D array of length 2^n, n >= 1, got shape "
                         f"{t.shape}")
    if not np.all((t == 0) | (t == 1)):
        raise ValueError(f"truth table entries must be 0 or 1, got {np.unique(t)[:5].tolist()}")
    return t.astype(np.float32), n


def _minterm_units(inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hidden units firing on exactly one input m each: weights 2m − 1, bias −Σ m, so that
    w·x + b = −(number of bits where x differs from m) is 0 at x = m and ≤ −1 elsewhere."""
    return (2.0 * inputs - 1.0).T.astype(np.float32), -inputs.sum(axis=1).astype(np.float32)


def threshold_network_for(truth_table) -> ThresholdNet:
    """A one-hidden-layer threshold network computing the Boolean function of the table, in
    disjunctive normal form: one hidden unit per true minterm m (weights 2m − 1, bias −Σ m: it
    fires on x = m only), output = OR of the hidden units (weights 1, bias −1). The constant-0
    function gets no hidden unit (output bias −1, never fires).

    Reference: McCulloch & Pitts 1943 (Bull. Math. Biophys. 5:115–133): nets of threshold units
    realise every Boolean function; the construction is the standard DNF one.

    Args:
      truth_table: length-2^n array of 0/1 (or bools), entry i the value on row i of
        :func:`boolean_inputs` (binary digits of i, most significant first).

    Returns:
      :class:`ThresholdNet` with as many hidden units as the table has ones (float32 arrays,
      exact: small integers).

    Raises:
      ValueError: the table's length is not a power of two >= 2 or an entry is not 0/1.
    """
    t, n = _truth_table(truth_table)
    w1, b1 = _minterm_units(boolean_inputs(n)[t == 1])
    return ThresholdNet(w1.reshape(n, -1), b1, np.ones(b1.shape[0], np.float32),
                        np.float32(-1.0))


def threshold_apply(params: ThresholdNet, x) -> jax.Array:
    """Evaluate a threshold network, out(x) = step(w2·step(x W1 + b1) + b2), step(z) = [z ≥ 0]
    (McCulloch & Pitts 1943 units).

    Pure jnp (jit/vmap-able): vmap over stacked parameters to evaluate many networks.

    Args:
      params: a :class:`ThresholdNet` (or a 4-tuple (W1, b1, w2, b2)).
      x: inputs, shape (..., n), 0/1 (any real values are accepted).

    Returns:
      (...) int32 array of 0/1.
    """
    w1, b1, w2, b2 = (jnp.asarray(a, jnp.float32) for a in params)
    x = jnp.asarray(x, jnp.float32)
    lead = x.shape[:-1]
    h = (x.reshape(-1, x.shape[-1]) @ w1 + b1[None, :] >= 0).astype(jnp.float32)
    return (h @ w2 + b2 >= 0).astype(jnp.int32).reshape(lead)


def all_boolean_functions_realised(n: int) -> int:
    """How many of the 2^(2^n) Boolean functions of n inputs the DNF construction of
    :func:`threshold_network_for` computes exactly on all 2^n inputs (all of them, if it is
    right).

    Vectorised over every function at once: all tables share one hidden layer with a unit for
    every minterm, and the output weights are the table itself (a unit of weight 0 is the
    pruned unit of :func:`threshold_network_for`, which leaves the same output); the outputs
    of all 2^(2^n) networks come from one vmapped :func:`threshold_apply`.

    Reference: McCulloch & Pitts 1943 (Bull. Math. Biophys. 5:115–133).

    Args:
      n: the number of inputs, 1 to 4 (2^(2^5) = 2^32 functions are too many to enumerate).

    Returns:
      The number of functions realised, to compare with 2^(2^n) (256 for n = 3).

    Raises:
      ValueError: n is not an integer in 1..4.
    """
    n = int_at_least("n", n)
    if n > 4:
        raise ValueError(f"n must be at most 4 (2^(2^n) functions are enumerated), got {n}")
    inputs = boolean_inputs(n)
    w1, b1 = _minterm_units(inputs)
    m = 2**n
    tables = (np.arange(2**m)[:, None] >> np.arange(m)[None, :]) & 1  # (functions, 2^n)
    nets = ThresholdNet(w1, b1, tables.astype(np.float32), np.full(2**m, -1.0, np.float32))
    out = jax.vmap(threshold_apply, in_axes=(ThresholdNet(None, None, 0, 0), None))(
        nets, inputs)
    return int(jnp.sum(jnp.all(out == jnp.asarray(tables, jnp.int32), axis=1)))


def parity_construction(n: int) -> ThresholdNet:
    """The n-hidden-unit threshold network for n-bit parity: hidden unit k = 1..n has all
    input weights 1 and bias −k (it fires when at least k inputs are on); the output weights
    alternate +1, −1, +1, …, so with s inputs on the output sum is 1 for odd s and 0 for even
    s; the output bias is −1/2.

    Reference: Rumelhart, Hinton & Williams 1986, "Learning internal representations by error
    propagation", in *Parallel Distributed Processing* vol. 1, ch. 8 (the parity problem: the
    solution found by back-propagation, with the thresholds of the hidden units at 1/2, 3/2, …).

    Args:
      n: the number of input bits, an integer >= 1.

    Returns:
      :class:`ThresholdNet` for :func:`threshold_apply` (float32, exact).

    Raises:
      ValueError: n is not an integer >= 1.
    """
    n = int_at_least("n", n)
    k = np.arange(1, n + 1, dtype=np.float32)
    w2 = np.where(k % 2 == 1, 1.0, -1.0).astype(np.float32)
    return ThresholdNet(np.ones((n, n), np.float32), -k, w2, np.float32(-0.5))


def parity_construction_exact(n: int) -> bool:
    """Whether :func:`parity_construction` computes n-bit parity on all 2ⁿ inputs."""
    x = boolean_inputs(n)
    out = np.asarray(threshold_apply(parity_construction(n), x)).ravel()
    return bool(np.all(out == x.sum(axis=1) % 2))
