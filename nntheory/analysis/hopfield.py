"""The Hopfield network: Hebbian storage, the energy that asynchronous dynamics never raises,
the one-step crosstalk (signal-to-noise) estimate of the bit-flip probability, and the collapse
of retrieval at the load α = P/N ≈ 0.138.

The model (Hopfield 1982)
-------------------------
P patterns ξ^μ ∈ {−1, +1}^N, μ = 1..P, are stored in the Hebbian couplings

    W_ij = (1/N) Σ_μ ξ^μ_i ξ^μ_j  for i ≠ j,     W_ii = 0,

(Hopfield 1982, PNAS 79:2554–2558, Eq. 2, written for ±1 units; :func:`hebbian_weights`). The
energy is E(s) = −½ Σ_ij W_ij s_i s_j (Hopfield 1982, Eq. 7; :func:`energy`) and the
asynchronous dynamics updates one unit at a time,

    s_i ← sign(h_i),     h_i = Σ_j W_ij s_j,

keeping s_i when h_i = 0 (the tie rule used throughout this module). With W symmetric and a
zero diagonal an update changes the energy by ΔE = −(s_i' − s_i) h_i ≤ 0, with equality only when
nothing flips, so E never increases and the dynamics stops at a fixed point (Hopfield 1982, the
argument around Eq. 7–8). Here the order of updates is a fresh random permutation of the N units
in every sweep (:func:`async_dynamics`); a sweep without a flip ends the run at a fixed point.

One step from a stored pattern: signal and crosstalk
----------------------------------------------------
With s = ξ^μ, the aligned field is ξ^μ_i h_i = (N − 1)/N + X/N, where, for random patterns and
the zero diagonal, X = Σ_{ν≠μ} Σ_{j≠i} ξ^μ_i ξ^ν_i ξ^ν_j ξ^μ_j is *exactly* a sum of
M = (P − 1)(N − 1) independent ±1 terms. A bit flips in one synchronous step when X < −(N − 1),
with probability

    p_flip = Pr[Binomial(M, ½) < (M − N + 1)/2]  ≈  Φ(−√((N − 1)/(P − 1)))  →  Φ(−1/√α),

the exact binomial form (:func:`flip_probability_exact`), its Gaussian (central-limit) form at
finite N and the large-N form of the signal-to-noise argument (Hertz, Krogh & Palmer 1991,
*Introduction to the Theory of Neural Computation*, Sec. 2.2, the crosstalk term and its table
of error rates; Amit 1989, *Modeling Brain Function*, the signal-to-noise analysis of Ch. 6;
:func:`flip_probability_prediction`). Keeping the self-couplings W_ii = P/N instead adds
(P − 1)/N to the signal and gives Φ(−(N + P − 1)/√((P − 1)(N − 1))), a much smaller value at
large α: the measured flip rate tells the two conventions apart (:func:`one_step_flip_probability`).

Retrieval and capacity (Amit, Gutfreund & Sompolinsky 1985, 1987)
-----------------------------------------------------------------
The replica-symmetric theory of the zero-temperature Hopfield model has retrieval states, fixed
points close to each pattern, up to α_c ≈ 0.138 (Amit, Gutfreund & Sompolinsky 1985, Phys. Rev.
Lett. 55:1530–1533; Ann. Phys. 173:30–67, 1987), where their overlap m = (1/N) ξ·s is still
about 0.967: a bit-error rate (1 − m)/2 ≈ 1.6 %, usually quoted as "about 1.5 %". At zero
temperature the replica-symmetric saddle point reduces to m = erf(y) with

    y (√(2α) + (2/√π) e^(−y²)) = erf(y),

whose retrieval solution exists up to α_c = max_y ½ (erf(y)/y − (2/√π) e^(−y²))² ≈ 0.1379
(:func:`ags_overlap`, :func:`ags_critical_load`; Amit, Gutfreund & Sompolinsky 1987, the T → 0
limit of their saddle-point equations; Hertz, Krogh & Palmer 1991, Sec. 2.5). Above α_c the
retrieval states disappear and the dynamics started at a pattern falls into states of small
overlap. At finite N the collapse is smeared over a window of loads;
:func:`retrieval_curve` measures the final overlap of the dynamics started at stored patterns,
:func:`capacity_from_curve` reads the load where the median overlap crosses a threshold, and
:func:`extrapolate_capacity` fits α_c(N) = α_∞ + a N^(−1/2). That finite-size form is a stated
assumption of this module (an empirical finite-size correction of the kind used in numerical
studies of the model, e.g. Kohring 1990, J. Stat. Phys. 59:1077; the exponent is a parameter),
not a derived result.

Exactness and memory
--------------------
Everything that loops is jitted (``lax.scan``, ``lax.fori_loop``, ``lax.while_loop``) and works
in float32. The Hebbian fields are integers divided by N, and the long runs work on integer-valued
quantities (the overlaps ``m_mu = xi_mu . s`` and ``N h_i``), which float32 holds exactly while
they stay below 2^24 (``N P < 16 777 216``: every N up to ~4000 at every load below 1), so ties
h_i = 0 are decided exactly. :func:`retrieval_curve` never builds W: a single-site update costs
O(P) through the overlaps rather than O(N) through a column of W, and memory is the patterns
of the (load, seed) problems in flight, 4 × P_max × N bytes each (0.8 MB at N = 1000,
P_max = 200; 12.8 MB at N = 4000, P_max = 800). A dense W (:func:`hebbian_weights`,
:func:`async_dynamics`) takes 4 N² bytes: 64 MB at N = 4000.

Randomness comes only from the JAX keys passed in. Nothing here reads files or prints.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import scipy.optimize
import scipy.special
import scipy.stats
from jax import lax

from nntheory.arguments import int_at_least

#: The critical load of the replica-symmetric theory (Amit, Gutfreund & Sompolinsky 1985).
ALPHA_C = 0.138
#: The retrieval overlap m at α_c (Amit, Gutfreund & Sompolinsky 1985, 1987).
OVERLAP_AT_ALPHA_C = 0.967
#: The bit-error rate (1 − m)/2 at α_c.
BIT_ERROR_AT_ALPHA_C = (1.0 - OVERLAP_AT_ALPHA_C) / 2.0

_HI = lax.Precision.HIGHEST  # exact float32 products on every backend (no TF32/bf16 passes)


# ---------------------------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------------------------


def _load_range(arr: np.ndarray) -> None:
    bad = arr[~((arr > 0) & (arr < 1))]  # also catches NaN
    if bad.size:
        raise ValueError(f"every load alpha = P/N must lie strictly between 0 and 1, "
                         f"got {float(bad[0])!r}")


def _loads(loads, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(pattern counts P = round(α N), the loads P/N actually used) for loads in (0, 1)."""
    arr = np.atleast_1d(np.asarray(loads, np.float64))
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"loads must be a non-empty 1-D sequence, got shape {arr.shape}")
    _load_range(arr)
    p = np.rint(arr * n).astype(np.int64)
    if np.any(p < 1):
        a = float(arr[p < 1][0])
        raise ValueError(f"load {a!r} stores round({a!r} * {n}) = 0 patterns at n = {n}; "
                         f"need at least 1")
    return p, p / n


def _concrete(x) -> np.ndarray | None:
    """``x`` as a NumPy array when it holds values (not inside a trace), else None."""
    return None if isinstance(x, jax.core.Tracer) else np.asarray(x)


def _check_spins(name: str, x) -> None:
    v = _concrete(x)
    if v is not None and not np.all(np.abs(v) == 1):
        bad = np.unique(v[np.abs(v) != 1])[:5]
        raise ValueError(f"{name} must hold only -1 and +1, got values {bad.tolist()}")


# ---------------------------------------------------------------------------------------------
# Patterns, couplings, energy
# ---------------------------------------------------------------------------------------------


def random_patterns(key, p: int, n: int) -> jax.Array:
    """P independent uniform patterns ξ^μ ∈ {−1, +1}^N, float32, shape (p, n).

    Pattern μ is drawn from ``fold_in(key, μ)`` alone, so the first rows do not depend on ``p``
    (a run at P patterns and one at P' > P share their first P patterns).

    Raises:
      ValueError: ``p`` < 1 or ``n`` < 2.
    """
    p = int_at_least("p", p, 1)
    n = int_at_least("n", n, 2)
    return _patterns(key, p, n)


def _patterns(key, p: int, n: int) -> jax.Array:
    def one(mu):
        bits = jax.random.bernoulli(jax.random.fold_in(key, mu), 0.5, (n,))
        return jnp.where(bits, 1.0, -1.0).astype(jnp.float32)

    return jax.vmap(one)(jnp.arange(p))


def hebbian_weights(patterns, *, normalize: bool = True) -> jax.Array:
    """The Hebbian couplings W = (1/N) Σ_μ ξ^μ ξ^μᵀ with zero diagonal, float32, shape (N, N).

    Hopfield 1982 (PNAS 79:2554), Eq. 2 written for ±1 units (``T_ij = Σ_s V_i^s V_j^s``
    with ``V = (s + 1)/2`` becomes this up to the factor 1/N). Memory: 4 N² bytes (64 MB at
    N = 4000).

    Args:
      patterns: ξ, shape (P, N), entries ±1.
      normalize: divide by N (the usual convention). With False the couplings are the integers
        ``sum_mu xi_i xi_j``: float32 holds them and every field built from them exactly while
        ``N P`` < 2^24, and the dynamics, which only sees signs of fields, is the same.

    Returns:
      W, a symmetric float32 array with zero diagonal.

    Raises:
      ValueError: ``patterns`` is not 2-D with P >= 1 and N >= 2, or holds values other than ±1.
    """
    x = jnp.asarray(patterns, jnp.float32)
    if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] < 2:
        raise ValueError(f"patterns must have shape (P, N) with P >= 1 and N >= 2, "
                         f"got {x.shape}")
    _check_spins("patterns", patterns)
    return _hebbian(x, normalize)


@functools.partial(jax.jit, static_argnums=1)
def _hebbian(x, normalize):
    n = x.shape[1]
    w = jnp.matmul(x.T, x, precision=_HI)
    w = jnp.where(jnp.eye(n, dtype=bool), 0.0, w)
    return w / n if normalize else w


def energy(W, s) -> jax.Array:
    """The Hopfield energy E(s) = −½ sᵀ W s (Hopfield 1982, Eq. 7), for one state or many.

    Args:
      W: couplings, shape (N, N).
      s: states, shape (..., N).

    Returns:
      E, shape ``s.shape[:-1]`` (float32).

    Raises:
      ValueError: the shapes do not match.
    """
    W = jnp.asarray(W, jnp.float32)
    s = jnp.asarray(s, jnp.float32)
    if W.ndim != 2 or W.shape[0] != W.shape[1] or s.ndim < 1 or s.shape[-1] != W.shape[0]:
        raise ValueError(f"W must be (N, N) and s (..., N), got {W.shape} and {s.shape}")
    return -0.5 * jnp.einsum("...i,ij,...j->...", s, W, s, precision=_HI)


def _sweep_order(key, sweep, n: int) -> jax.Array:
    """The order of the units in sweep ``sweep``: a permutation drawn from fold_in(key, sweep)
    (shared by :func:`async_dynamics` and :func:`hebbian_dynamics`, so equal keys mean equal
    orders)."""
    return jax.random.permutation(jax.random.fold_in(key, sweep), n)


def _flip(h, si):
    """The update with the tie rule: sign(h), keeping si when h == 0; returns (new, change)."""
    new = jnp.where(h > 0, 1.0, jnp.where(h < 0, -1.0, si))
    return new, new - si


# ---------------------------------------------------------------------------------------------
# Asynchronous dynamics on a dense W
# ---------------------------------------------------------------------------------------------


class Dynamics(NamedTuple):
    """The result of :func:`async_dynamics` (a 3-tuple).

    Attributes:
      state: the final state, shape (N,), float32 ±1.
      energies: E after every sweep, shape (sweeps + 1,), or after every single-unit update,
        shape (sweeps N + 1,); entry 0 is E(s0). After an early stop (a sweep with no flip) the
        remaining entries repeat the final energy.
      converged: whether the final state is a fixed point: no unit would flip,
        ``s_i h_i >= 0`` for every i (ties keep their value).
    """

    state: jax.Array
    energies: jax.Array
    converged: jax.Array


def async_dynamics(key, W, s0, sweeps: int, *, record: str = "sweep") -> Dynamics:
    """Random-order asynchronous dynamics s_i ← sign(Σ_j W_ij s_j), ties keeping s_i.

    Each sweep visits the N units once, in a fresh random permutation (from ``key`` and the sweep
    index); the run stops after ``sweeps`` sweeps or after the first sweep in which nothing
    flipped (then the state is a fixed point). One jitted program: ``lax.while_loop`` over sweeps,
    ``lax.scan`` over the units. The local field h = W s is recomputed exactly at the start of
    each sweep and updated within it by ``h += W[:, i] (s_i' − s_i)`` (O(N) per update, O(N²)
    per sweep). Energies after single updates are ``-0.5 s . h`` with that field, so they cost
    O(N) each and no extra matrix products.

    With W symmetric and a zero diagonal, ΔE = −(s_i' − s_i) h_i ≤ 0 at every update (Hopfield
    1982, PNAS 79:2554, around Eq. 7–8): the recorded energies never increase (up to float32
    rounding of a float W; with the integer couplings of ``hebbian_weights(..., normalize=False)``
    the fields are exact). Works under ``jax.vmap`` over ``key`` and ``s0``.

    Args:
      key: a JAX PRNG key.
      W: couplings, shape (N, N) (symmetric with zero diagonal for the energy argument).
      s0: the initial state, shape (N,), entries ±1.
      sweeps: the most sweeps, an integer >= 1.
      record: "sweep" (E after each sweep) or "update" (E after each single-unit update; memory
        4 (sweeps N + 1) bytes).

    Returns:
      :class:`Dynamics` (state, energies, converged), as JAX arrays.

    Raises:
      ValueError: shapes do not match, ``s0`` is not ±1, ``sweeps`` < 1 or ``record`` unknown.
    """
    sweeps = int_at_least("sweeps", sweeps, 1)
    if record not in ("sweep", "update"):
        raise ValueError(f"record must be 'sweep' or 'update', got {record!r}")
    W = jnp.asarray(W, jnp.float32)
    s0 = jnp.asarray(s0, jnp.float32)
    if W.ndim != 2 or W.shape[0] != W.shape[1] or W.shape[0] < 2 or s0.shape != W.shape[:1]:
        raise ValueError(f"W must be (N, N) with N >= 2 and s0 (N,), got {W.shape} and "
                         f"{s0.shape}")
    _check_spins("s0", s0)
    return Dynamics(*_async_program(key, W, s0, sweeps=sweeps, per_update=record == "update"))


@functools.partial(jax.jit, static_argnames=("sweeps", "per_update"))
def _async_program(key, W, s0, *, sweeps, per_update):
    n = s0.shape[0]
    wt = W.T  # row i of W.T is column i of W, the change of h when s_i changes

    def site(carry, i):
        s, h, flips = carry
        new, d = _flip(h[i], s[i])
        s = s.at[i].set(new)
        h = h + d * wt[i]
        e = -0.5 * jnp.dot(s, h, precision=_HI) if per_update else None
        return (s, h, flips + (d != 0).astype(jnp.int32)), e

    def sweep(state):
        s, t, _, buf = state
        h = jnp.matmul(W, s, precision=_HI)
        (s, _, flips), e = lax.scan(site, (s, h, jnp.int32(0)), _sweep_order(key, t, n))
        if per_update:
            buf = lax.dynamic_update_slice(buf, e, (1 + t * n,))
        else:
            buf = buf.at[t + 1].set(-0.5 * jnp.dot(s, jnp.matmul(W, s, precision=_HI),
                                                  precision=_HI))
        return s, t + 1, flips, buf

    def cond(state):
        _, t, flips, _ = state
        return (t < sweeps) & (flips > 0)

    length = 1 + sweeps * (n if per_update else 1)
    e0 = -0.5 * jnp.dot(s0, jnp.matmul(W, s0, precision=_HI), precision=_HI)
    buf = jnp.full((length,), e0, jnp.float32)
    s, t, _, buf = lax.while_loop(cond, sweep, (s0, jnp.int32(0), jnp.int32(1), buf))
    filled = 1 + t * (n if per_update else 1)
    buf = jnp.where(jnp.arange(length) < filled, buf, buf[filled - 1])
    converged = jnp.all(s * jnp.matmul(W, s, precision=_HI) >= 0)
    return s, buf, converged


# ---------------------------------------------------------------------------------------------
# Asynchronous dynamics through the pattern overlaps (no W)
# ---------------------------------------------------------------------------------------------


class HebbianRun(NamedTuple):
    """The result of :func:`hebbian_dynamics`, for one start or a batch of K starts.

    Attributes:
      state: the final states, shape (N,) or (K, N), float32 ±1.
      overlaps: m^μ = (1/N) ξ^μ·s of each final state with every pattern, shape (P,) or (K, P).
      sweeps: the sweeps each run needed, up to and including its first sweep without a flip
        (``sweeps`` when it never had one), int32, shape () or (K,).
      converged: whether each final state is a fixed point (no unit would flip).
    """

    state: jax.Array
    overlaps: jax.Array
    sweeps: jax.Array
    converged: jax.Array


def _hebbian_run(key, xt, p_real, s0, sweeps):
    """Random-order asynchronous dynamics of the Hebbian network, zero diagonal, for K states
    that share the order of updates, through the integer overlaps ``m_mu = xi_mu . s``:
    N h_i = Σ_μ ξ^μ_i m_μ − P s_i (the −P s_i removes the diagonal), and a change d of s_i adds
    d ξ^μ_i to every m_μ. O(P K) per update, exact in float32 while N P < 2^24.

    ``xt``: the patterns transposed, (N, P_max), zero columns as padding (they add nothing);
    ``p_real``: the number of real patterns; ``s0``: (K, N). The states are held transposed,
    (N, K), so unit i is one contiguous row. A run that reached a fixed point stays there
    (nothing flips), so running on until every run has had a sweep without flips changes none of
    them: each run's trajectory is the one it would have alone. Returns (s (K, N), m (K, P_max),
    sweeps needed (K,), fixed (K,))."""
    n, k = s0.shape[1], s0.shape[0]

    def sweep(state):
        st, m, t, needed, _ = state
        order = _sweep_order(key, t, n)

        def site(j, c):
            st, m, flips = c
            i = order[j]
            x, row = xt[i], st[i]
            new, d = _flip(jnp.matmul(x, m, precision=_HI) - p_real * row, row)
            m = m + x[:, None] * d[None, :]
            return st.at[i].set(new), m, flips + (d != 0).astype(jnp.int32)

        st, m, flips = lax.fori_loop(0, n, site, (st, m, jnp.zeros((k,), jnp.int32)))
        needed = jnp.where(needed > 0, needed, jnp.where(flips == 0, t + 1, 0))
        return st, m, t + 1, needed, jnp.sum(flips)

    def cond(state):
        _, _, t, _, flips = state
        return (t < sweeps) & (flips > 0)

    st0 = s0.T
    m0 = jnp.matmul(xt.T, st0, precision=_HI)  # (P_max, K)
    init = (st0, m0, jnp.int32(0), jnp.zeros((k,), jnp.int32), jnp.int32(1))
    st, m, t, needed, _ = lax.while_loop(cond, sweep, init)
    field = jnp.matmul(xt, m, precision=_HI) - p_real * st
    return st.T, m.T, jnp.where(needed > 0, needed, t), jnp.all(st * field >= 0, axis=0)


@functools.partial(jax.jit, static_argnames=("sweeps",))
def _hebbian_program(key, xt, p_real, s0, *, sweeps):
    return _hebbian_run(key, xt, p_real, s0, sweeps)


def hebbian_dynamics(key, patterns, s0, sweeps: int) -> HebbianRun:
    """:func:`async_dynamics` on the Hebbian W of ``patterns`` (zero diagonal), without W, for
    one initial state or a batch of them.

    The field is computed from the overlaps, N h_i = Σ_μ ξ^μ_i (ξ^μ·s) − P s_i, and a flip of
    s_i updates the P overlaps: O(P) time per update and O(P N) memory instead of O(N) and
    O(N²). All quantities are integers, exact in float32 while N P < 2^24. The order of updates
    is the one :func:`async_dynamics` draws from the same key, so each run follows the same
    trajectory as ``async_dynamics(key, hebbian_weights(patterns, normalize=False), s0_k,
    sweeps)`` (whose fields are exact too; with the normalised W, float32 rounding can only
    matter at exact ties). A batch of K starts shares that order and runs as one jitted program
    (``lax.while_loop`` over sweeps, ``lax.fori_loop`` over units), until every run has had a
    sweep without flips or ``sweeps`` sweeps; each run ends where it would alone.

    Args:
      key: a JAX PRNG key.
      patterns: ξ, shape (P, N), entries ±1.
      s0: initial states, shape (N,) or (K, N), entries ±1.
      sweeps: the most sweeps, an integer >= 1.

    Returns:
      :class:`HebbianRun` (state, overlaps, sweeps, converged), as JAX arrays, with a leading
      K axis when ``s0`` has one.

    Raises:
      ValueError: shapes do not match, entries are not ±1, or ``sweeps`` < 1.
    """
    sweeps = int_at_least("sweeps", sweeps, 1)
    x = jnp.asarray(patterns, jnp.float32)
    s0 = jnp.asarray(s0, jnp.float32)
    if (x.ndim != 2 or x.shape[0] < 1 or x.shape[1] < 2 or s0.ndim not in (1, 2)
            or s0.shape[-1] != x.shape[1] or 0 in s0.shape):
        raise ValueError(f"patterns must be (P, N) with P >= 1, N >= 2 and s0 (N,) or (K, N), "
                         f"got {x.shape} and {s0.shape}")
    _check_spins("patterns", patterns)
    _check_spins("s0", s0)
    single = s0.ndim == 1
    s, m, t, c = _hebbian_program(key, x.T, jnp.float32(x.shape[0]), jnp.atleast_2d(s0),
                                  sweeps=sweeps)
    run = HebbianRun(s, m / x.shape[1], t, c)
    return HebbianRun(*(v[0] for v in run)) if single else run


# ---------------------------------------------------------------------------------------------
# One synchronous step from a stored pattern
# ---------------------------------------------------------------------------------------------


def flip_probability_prediction(alpha, n: int | None = None, *,
                                self_coupling: bool = False) -> np.ndarray:
    """The signal-to-noise (Gaussian) prediction of the one-step bit-flip probability.

    * ``n`` None: the large-N form Φ(−1/√α) (Hertz, Krogh & Palmer 1991, Sec. 2.2, the
      crosstalk estimate ``P_error = (1 − erf(sqrt(N/2P)))/2``; Amit 1989, Ch. 6).
    * ``n`` given, zero diagonal: Φ(−√((N − 1)/(P − 1))), P = round(α N). The signal is
      (N − 1)/N and the crosstalk of the other P − 1 patterns over the N − 1 other units has
      variance (P − 1)(N − 1)/N² (see the module docstring; :func:`flip_probability_exact` is
      the exact binomial law). This is the prediction the measured rate of
      :func:`one_step_flip_probability` follows. (The form Φ(−√(N/(P − 1))) differs from it
      only by the factor √((N − 1)/N) in the argument.)
    * ``n`` given, ``self_coupling``: W_ii = P/N kept adds (P − 1)/N to the signal:
      Φ(−(N + P − 1)/√((P − 1)(N − 1))).

    Args:
      alpha: loads P/N, any shape, in (0, 1).
      n: the number of units, or None for the large-N limit.
      self_coupling: the convention with the diagonal kept (needs ``n``).

    Returns:
      the probabilities, float64, shaped like ``alpha`` (0 where P = 1: no crosstalk).

    Raises:
      ValueError: a load outside (0, 1), ``n`` < 2, or ``self_coupling`` without ``n``.
    """
    a = np.asarray(alpha, np.float64)
    if n is None:
        if self_coupling:
            raise ValueError("self_coupling needs n (it is a finite-N correction)")
        _load_range(a.ravel())
        return scipy.special.ndtr(-1.0 / np.sqrt(a))
    n = int_at_least("n", n, 2)
    p, _ = _loads(a.ravel(), n)
    p = p.reshape(a.shape).astype(np.float64)
    with np.errstate(divide="ignore"):
        noise = np.sqrt((p - 1.0) * (n - 1.0))
        signal = (n + p - 1.0) if self_coupling else (n - 1.0)
        return np.where(p > 1, scipy.special.ndtr(-signal / np.where(p > 1, noise, 1.0)), 0.0)


def flip_probability_exact(n: int, p: int, *, self_coupling: bool = False) -> float:
    """The exact one-step flip probability of a bit of a stored random pattern.

    With zero diagonal, ξ^μ_i h_i N = (N − 1) + X and X is a sum of M = (P − 1)(N − 1)
    independent ±1 terms (given ξ^μ, the products ξ^μ_j ξ^ν_j, ν ≠ μ, are independent uniform
    signs), so with K ~ Binomial(M, ½), X = 2K − M and the bit flips when X < −T, T = N − 1
    (T = N + P − 1 with the self-couplings kept). A tie X = −T keeps the bit (the tie rule of
    this module) and is not a flip. The Gaussian limit of this law is
    :func:`flip_probability_prediction`.

    Args:
      n: units N, an integer >= 2.
      p: stored patterns P, an integer >= 1.
      self_coupling: keep W_ii = P/N.

    Returns:
      Pr[2K − M < −T], a float.

    Raises:
      ValueError: ``n`` < 2 or ``p`` < 1.
    """
    n = int_at_least("n", n, 2)
    p = int_at_least("p", p, 1)
    m = (p - 1) * (n - 1)
    t = (n + p - 1) if self_coupling else (n - 1)
    k_max = math.ceil((m - t) / 2) - 1  # 2K − M < −T  ⇔  K ≤ ceil((M − T)/2) − 1
    return float(scipy.stats.binom.cdf(k_max, m, 0.5)) if m > 0 else 0.0


@functools.partial(jax.jit, static_argnames=("n", "p", "batch_size"))
def _flip_counts(key, seeds, *, n, p, batch_size):
    def one(seed):
        x = _patterns(_pattern_key(key, seed, p), p, n)  # (P, N)
        c = jnp.matmul(x, x.T, precision=_HI)  # overlaps ξ^μ·ξ^ν, integers
        nh = jnp.matmul(c, x, precision=_HI) - p * x  # N h_i for s = ξ^μ, zero diagonal
        return jnp.sum(x * nh < 0, dtype=jnp.int32)  # ties (nh = 0) keep the bit

    return lax.map(one, seeds, batch_size=batch_size)


def _problem_key(key, seed, p):
    return jax.random.fold_in(jax.random.fold_in(key, seed), p)


def _dynamics_key(key, seed, p):
    """The order of updates for the starts of seed ``seed`` at P = p (:func:`retrieval_curve`)."""
    return jax.random.fold_in(_problem_key(key, seed, p), 1)


def _pattern_key(key, seed, p):
    """The patterns of seed ``seed`` at P = p: the same in every function of this module."""
    return jax.random.fold_in(_problem_key(key, seed, p), 0)


def one_step_flip_probability(key, n: int, loads, seeds: int, *,
                              batch_size: int | None = None) -> dict[str, np.ndarray]:
    """The measured fraction of stored bits that flip in one synchronous update from a pattern.

    For each load α and seed, P = round(α N) random patterns are stored (zero diagonal) and,
    for every pattern μ and unit i, the bit flips when ξ^μ_i h_i(ξ^μ) < 0 (a tie keeps it).
    All N P bits of a seed are counted: N h(ξ^μ) = Σ_ν ξ^ν (ξ^ν·ξ^μ) − P ξ^μ for all μ at once,
    O(P² N) per seed, exact in float32. Loads are grouped by P (one jitted program per distinct
    P, seeds vmapped in it — padding to a common P would cost (P_max/P)² here); ``batch_size``
    seeds at a time bound the memory, 4 × (2 P N + P²) bytes per seed in flight.

    Compare with :func:`flip_probability_prediction` (the zero-diagonal column ``prediction``)
    and :func:`flip_probability_exact` (``prediction_exact``); Hertz, Krogh & Palmer 1991,
    Sec. 2.2. Bits of one seed share their patterns, so ``binomial_se`` (which treats the bits
    as independent) is an approximation; ``flips`` per seed allow a seed-to-seed estimate.

    Args:
      key: a JAX PRNG key.
      n: units N, an integer >= 2.
      loads: loads α = P/N in (0, 1), a 1-D sequence.
      seeds: independent pattern sets per load, an integer >= 1.
      batch_size: seeds vmapped at once (None: all).

    Returns:
      A dict of NumPy arrays over loads (L,) unless stated: ``load`` (P/N used), ``P``,
      ``flips`` (L, seeds) counts, ``bits`` (the bits counted per load, seeds N P),
      ``flip_probability`` (pooled), ``binomial_se``, ``prediction`` (Φ(−√((N−1)/(P−1)))),
      ``prediction_exact`` (binomial law), ``prediction_large_n`` (Φ(−1/√α)) and
      ``prediction_self_coupling``.

    Raises:
      ValueError: ``n`` < 2, a load outside (0, 1) or storing no pattern, ``seeds`` < 1.
    """
    n = int_at_least("n", n, 2)
    p_arr, used = _loads(loads, n)
    seeds = int_at_least("seeds", seeds, 1)
    if batch_size is not None:
        batch_size = int_at_least("batch_size", batch_size, 1)
    seed_idx = jnp.arange(seeds)
    by_p = {int(p): np.asarray(_flip_counts(key, seed_idx, n=n, p=int(p), batch_size=batch_size))
            for p in np.unique(p_arr)}
    flips = np.stack([by_p[int(p)] for p in p_arr]).astype(np.int64)
    bits = seeds * n * p_arr
    rate = flips.sum(axis=1) / bits
    return {
        "load": used,
        "P": p_arr,
        "flips": flips,
        "bits": bits,
        "flip_probability": rate,
        "binomial_se": np.sqrt(rate * (1 - rate) / bits),
        "prediction": flip_probability_prediction(used, n),
        "prediction_exact": np.array([flip_probability_exact(n, int(p)) for p in p_arr]),
        "prediction_large_n": flip_probability_prediction(used),
        "prediction_self_coupling": flip_probability_prediction(used, n, self_coupling=True),
    }


# ---------------------------------------------------------------------------------------------
# Retrieval from stored patterns, and the capacity
# ---------------------------------------------------------------------------------------------


@functools.partial(jax.jit,
                   static_argnames=("n", "p_max", "starts", "sweeps", "batch_size"))
def _retrieval_program(key, seeds, ps, *, n, p_max, starts, sweeps, batch_size):
    def problem(args):
        seed, p = args
        x = _patterns(_pattern_key(key, seed, p), p_max, n)
        x = jnp.where((jnp.arange(p_max) < p)[:, None], x, 0.0)  # rows μ >= P: padding
        first = jnp.minimum(jnp.arange(starts), p - 1)  # starts beyond P: rerun, masked
        s, m, t, fixed = _hebbian_run(_dynamics_key(key, seed, p), x.T, p.astype(jnp.float32),
                                      x[first], sweeps)
        return jnp.take_along_axis(m, first[:, None], axis=1)[:, 0] / n, t, fixed

    return lax.map(problem, (seeds, ps), batch_size=batch_size)


def retrieval_curve(key, n: int, loads, seeds: int, sweeps: int, *, starts: int = 20,
                    batch_size: int | None = None) -> dict[str, np.ndarray]:
    """Final overlaps of the asynchronous dynamics started at stored patterns, per load.

    For each load α (P = round(α N)), each seed (an independent set of P random patterns) and
    each of the first ``starts`` stored patterns (all P when P < ``starts``; patterns are
    exchangeable, so these are a random sample), the random-order asynchronous dynamics of the
    Hebbian network with zero diagonal runs from s = ξ^k until a sweep without flips (a fixed
    point) or ``sweeps`` sweeps (:func:`hebbian_dynamics`). Reported: the final overlap
    m = (1/N) ξ^k·s and the bit-error rate (1 − m)/2. Theory (Amit, Gutfreund & Sompolinsky
    1985, PRL 55:1530; 1987, Ann. Phys. 173:30): m ≈ 1 at small α, m ≈ 0.967 at α_c ≈ 0.138,
    collapse above (at finite N, smeared over a window of loads).

    All loads, seeds and starts run as one jitted program: the patterns of each (load, seed) are
    padded to P_max = max P with zero rows (which add nothing to the fields), (load, seed)
    problems are vmapped in groups of ``batch_size`` (``lax.map``), and the starts of a problem
    run together, sharing one random order of updates per sweep (so a step reads one row of the
    patterns for all of them). An update costs O(P_max K) for K starts, so padding costs at most
    a factor P_max/P. A group runs until its slowest start stops; the default groups (the seeds
    of one load) let low loads stop after a sweep or two. Results for one (seed, P, start) do
    not depend on the other loads, ``starts`` or ``batch_size``. Memory:
    4 × batch_size × P_max × (N + starts) bytes in flight, plus the states.

    Args:
      key: a JAX PRNG key.
      n: units N, an integer >= 2.
      loads: loads α = P/N in (0, 1), a 1-D sequence.
      seeds: independent pattern sets per load, an integer >= 1.
      sweeps: the most sweeps of N updates per run, an integer >= 1.
      starts: stored patterns used as starting points per (load, seed), an integer >= 1.
      batch_size: (load, seed) problems vmapped at once (None: ``seeds``, one load at a time).

    Returns:
      A dict of NumPy arrays: ``load`` (P/N used, (L,)), ``P`` (L,), ``overlap``,
      ``bit_error``, ``sweeps_run`` and ``converged`` (L, seeds, starts) (overlap and bit error
      NaN, converged False for starts beyond P), ``median_overlap`` and ``mean_bit_error`` (L,),
      over the valid starts.

    Raises:
      ValueError: ``n`` < 2, a load outside (0, 1) or storing no pattern, ``seeds``,
        ``sweeps`` or ``starts`` < 1.
    """
    n = int_at_least("n", n, 2)
    p_arr, used = _loads(loads, n)
    seeds = int_at_least("seeds", seeds, 1)
    sweeps = int_at_least("sweeps", sweeps, 1)
    starts = int_at_least("starts", starts, 1)
    batch_size = seeds if batch_size is None else int_at_least("batch_size", batch_size, 1)
    n_loads = len(p_arr)
    seed_idx = jnp.tile(jnp.arange(seeds), n_loads)
    p_idx = jnp.repeat(jnp.asarray(p_arr, jnp.int32), seeds)
    m, t, fixed = _retrieval_program(key, seed_idx, p_idx, n=n, p_max=int(p_arr.max()),
                                     starts=starts, sweeps=sweeps, batch_size=batch_size)
    shape = (n_loads, seeds, starts)
    valid = np.broadcast_to((np.arange(starts)[None, :] < p_arr[:, None])[:, None, :], shape)
    m = np.where(valid, np.asarray(m, np.float64).reshape(shape), np.nan)
    err = (1.0 - m) / 2.0
    return {
        "load": used,
        "P": p_arr,
        "overlap": m,
        "bit_error": err,
        "sweeps_run": np.asarray(t).reshape(shape),
        "converged": np.asarray(fixed).reshape(shape) & valid,
        "median_overlap": np.nanmedian(m.reshape(n_loads, -1), axis=1),
        "mean_bit_error": np.nanmean(err.reshape(n_loads, -1), axis=1),
    }


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _ags_alpha(y):
    """The load at which y solves y (√(2α) + (2/√π) e^(−y²)) = erf(y)."""
    return 0.5 * (scipy.special.erf(y) / y - _TWO_OVER_SQRT_PI * np.exp(-y * y)) ** 2


@functools.cache
def _ags_peak() -> tuple[float, float]:
    """(y_c, α_c): the maximum of α(y), by bounded scalar minimisation to 1e-12 in y."""
    res = scipy.optimize.minimize_scalar(lambda y: -_ags_alpha(y), bounds=(0.5, 3.0),
                                         method="bounded", options={"xatol": 1e-12})
    return float(res.x), float(_ags_alpha(res.x))


def ags_critical_load() -> tuple[float, float]:
    """The replica-symmetric zero-temperature capacity α_c and the overlap m_c there.

    The T = 0 limit of the saddle-point equations of Amit, Gutfreund & Sompolinsky (1987,
    Ann. Phys. 173:30; PRL 55:1530, 1985) is m = erf(y) with
    y (√(2α) + (2/√π) e^(−y²)) = erf(y) (Hertz, Krogh & Palmer 1991, Sec. 2.5), so a retrieval
    solution exists at α(y) = ½ (erf(y)/y − (2/√π) e^(−y²))², and α_c = max_y α(y).

    Returns:
      (α_c, m_c) ≈ (0.1379, 0.9674): the capacity and the retrieval overlap at it (a
      bit-error rate (1 − m_c)/2 ≈ 1.6 %).
    """
    y_c, a_c = _ags_peak()
    return a_c, float(scipy.special.erf(y_c))


def ags_overlap(alpha) -> np.ndarray:
    """The retrieval overlap m(α) of the replica-symmetric T = 0 theory (NaN above α_c).

    The larger root y of y (√(2α) + (2/√π) e^(−y²)) = erf(y) (the retrieval branch, m → 1 as
    α → 0), m = erf(y); see :func:`ags_critical_load` for the source. Compare with the final
    overlaps of :func:`retrieval_curve` below capacity; (1 − m)/2 is the predicted bit-error rate.

    Args:
      alpha: loads, any shape, >= 0.

    Returns:
      m(α), float64, shaped like ``alpha``: 1 at α = 0, NaN for α > α_c.

    Raises:
      ValueError: a load is negative or not finite.
    """
    a = np.asarray(alpha, np.float64)
    bad = a[~(np.isfinite(a) & (a >= 0))]
    if bad.size:
        raise ValueError(f"alpha must be finite and >= 0, got {float(bad[0])!r}")
    y_c, a_c = _ags_peak()

    def one(al: float) -> float:
        if al == 0:
            return 1.0
        if al > a_c:
            return float("nan")
        hi = y_c
        while _ags_alpha(hi) > al:  # α(y) falls like 1/(2 y²) on the retrieval branch
            hi *= 2.0
        y = scipy.optimize.brentq(lambda v: _ags_alpha(v) - al, y_c, hi, xtol=1e-14)
        return float(scipy.special.erf(y))

    return np.vectorize(one, otypes=[np.float64])(a)


def capacity_from_curve(loads, overlaps, threshold: float = 0.9, *,
                        statistic: str = "median") -> float:
    """The load where retrieval fails: the first crossing of ``threshold``, interpolated.

    With ``statistic="median"`` the curve is the median overlap at each load (over all trailing
    axes, NaN ignored) and the capacity is the first load where it falls below ``threshold``,
    linearly interpolated between that load and the one before. With ``"fraction"`` the curve is
    the fraction of runs with overlap >= ``threshold`` and the capacity is where it first falls
    below ½ (the same bracketing interval; the fraction varies more smoothly, so its
    interpolation is less biased towards the lower load).

    Why 0.9: near α_c the final overlaps are bimodal, retrieval (m ≈ 0.97, Amit, Gutfreund &
    Sompolinsky 1985: m = 0.967 at α_c) or collapse (m well below). Any threshold between the
    two modes makes the crossing the load where half the runs retrieve; 0.9 sits below the
    retrieval mode by several times its finite-N spread at N of a few hundred and more.

    Args:
      loads: increasing loads, shape (L,).
      overlaps: final overlaps, shape (L, ...).
      threshold: the overlap that counts as retrieval, in (0, 1].
      statistic: "median" or "fraction".

    Returns:
      The interpolated load, or NaN when the curve does not cross (it starts below, or never
      falls below).

    Raises:
      ValueError: shapes do not match, loads are not strictly increasing, the threshold is
        outside (0, 1], or the statistic is unknown.
    """
    a = np.asarray(loads, np.float64)
    o = np.asarray(overlaps, np.float64)
    if a.ndim != 1 or a.size < 1 or o.ndim < 1 or o.shape[0] != a.size:
        raise ValueError(f"loads must be (L,) and overlaps (L, ...), got {a.shape} and {o.shape}")
    if np.any(np.diff(a) <= 0):
        raise ValueError(f"loads must be strictly increasing, got {a.tolist()}")
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must lie in (0, 1], got {threshold!r}")
    flat = o.reshape(a.size, -1)
    if statistic == "median":
        y, level = np.nanmedian(flat, axis=1), float(threshold)
    elif statistic == "fraction":
        y = np.sum(flat >= threshold, axis=1) / np.sum(np.isfinite(flat), axis=1)
        level = 0.5
    else:
        raise ValueError(f"statistic must be 'median' or 'fraction', got {statistic!r}")
    below = np.flatnonzero(y < level)
    if below.size == 0 or below[0] == 0:
        return float("nan")
    j = below[0]
    return float(a[j - 1] + (y[j - 1] - level) / (y[j - 1] - y[j]) * (a[j] - a[j - 1]))


class CapacityFit(NamedTuple):
    """The finite-size fit α_c(N) = α_∞ + a N^(−exponent) of :func:`extrapolate_capacity`.

    Attributes:
      alpha_inf: α_∞, the N → ∞ intercept.
      alpha_inf_se: its standard error.
      slope: a.
      slope_se: its standard error.
    """

    alpha_inf: float
    alpha_inf_se: float
    slope: float
    slope_se: float


def extrapolate_capacity(ns, alphas, sigma=None, *, exponent: float = 0.5) -> CapacityFit:
    """Least-squares fit of α_c(N) = α_∞ + a N^(−exponent), exponent ½ by default.

    The form is a stated assumption (an empirical finite-size correction of the kind used in
    numerical studies of the Hopfield model, e.g. Kohring 1990, J. Stat. Phys. 59:1077), not a
    derived law; the exponent can be changed. Without ``sigma``: ordinary least squares with
    standard errors from the residual variance (n − 2 degrees of freedom; NaN with two points).
    With ``sigma`` (the standard errors of the α_c(N)): weighted least squares with absolute
    errors, cov = (Xᵀ Σ⁻¹ X)⁻¹.

    Args:
      ns: network sizes, at least 2 distinct values >= 2.
      alphas: the measured capacities α_c(N), finite.
      sigma: their standard errors (positive), or None.
      exponent: the finite-size exponent, > 0.

    Returns:
      :class:`CapacityFit` (alpha_inf, alpha_inf_se, slope, slope_se).

    Raises:
      ValueError: shapes differ, fewer than 2 distinct sizes, a size < 2, non-finite values,
        non-positive sigma or exponent.
    """
    n = np.asarray(ns, np.float64).ravel()
    y = np.asarray(alphas, np.float64).ravel()
    if n.shape != y.shape:
        raise ValueError(f"ns and alphas must have the same length, got {n.size} and {y.size}")
    if np.unique(n).size < 2:
        raise ValueError(f"need at least 2 distinct sizes, got {n.tolist()}")
    if np.any(n < 2) or not np.all(np.isfinite(y)):
        raise ValueError(f"sizes must be >= 2 and capacities finite, got {n.tolist()}, "
                         f"{y.tolist()}")
    if not (exponent > 0 and math.isfinite(exponent)):
        raise ValueError(f"exponent must be a positive number, got {exponent!r}")
    x = np.stack([np.ones_like(n), n ** (-exponent)], axis=1)
    if sigma is not None:
        s = np.asarray(sigma, np.float64).ravel()
        if s.shape != y.shape or not np.all((s > 0) & np.isfinite(s)):
            raise ValueError(f"sigma must be positive and match alphas, got {s.tolist()}")
        xw, yw = x / s[:, None], y / s
        cov = np.linalg.inv(xw.T @ xw)
        coef = cov @ xw.T @ yw
    else:
        coef, *_ = np.linalg.lstsq(x, y, rcond=None)
        dof = y.size - 2
        rss = float(np.sum((y - x @ coef) ** 2))
        cov = np.linalg.inv(x.T @ x) * (rss / dof if dof > 0 else np.nan)
    se = np.sqrt(np.diag(cov))
    return CapacityFit(float(coef[0]), float(se[0]), float(coef[1]), float(se[1]))



def max_energy_increase_ulp(key, n: int, p: int, sweeps: int) -> float:
    """The largest energy increase of one asynchronous run, in float32 units in the last place.

    p random patterns stored with Hebbian weights (:func:`hebbian_weights`, symmetric, zero
    diagonal), a random start, ``sweeps`` sweeps of single-spin updates with the energy recorded
    after every update (:func:`async_dynamics`). Hopfield 1982 (PNAS 79:2554) proves ΔE ≤ 0 for
    each update; rounding of the float32 energy can show one or two ULPs, a real increase is of
    order 1 (~1e5 ULPs).
    """
    kp, ks, kd = jax.random.split(key, 3)
    s0 = jax.random.rademacher(ks, (int_at_least("n", n, 2),), dtype=jnp.float32)
    run = async_dynamics(kd, hebbian_weights(random_patterns(kp, p, n)), s0, sweeps,
                         record="update")
    e = np.asarray(run.energies, np.float32)
    return float(np.max(np.diff(e) / np.spacing(np.abs(e[1:]))))


def capacity_by_size(sizes, loads, overlaps, threshold: float = 0.9) -> dict[int, float]:
    """The retrieval capacity per network size from a long table of runs: for each N, the load
    where the fraction of runs with overlap >= ``threshold`` first falls below ½, interpolated
    linearly (:func:`capacity_from_curve` with ``statistic="fraction"``).

    Args:
      sizes, loads, overlaps: equal-length arrays, one entry per run (NaN overlaps ignored).

    Returns:
      {N: α_c(N)} (NaN where the fraction does not cross ½).
    """
    n, a, o = (np.asarray(v).ravel() for v in (sizes, loads, overlaps))
    out = {}
    for size in np.unique(n):
        at = (n == size) & ~np.isnan(o)
        grid = np.unique(a[at])
        runs = [o[at & (a == load)] for load in grid]
        width = max(len(r) for r in runs)
        padded = np.array([np.pad(r, (0, width - len(r)), constant_values=np.nan) for r in runs])
        out[int(size)] = capacity_from_curve(grid, padded, threshold, statistic="fraction")
    return out


def retrieved_bit_errors(loads, overlaps, at, threshold: float = 0.9) -> np.ndarray:
    """The mean fraction of wrong bits, (1 − m)/2, over the runs that retrieve (overlap m >=
    ``threshold``) at each load of ``at`` (matched to ``loads`` within 1e-9); NaN where none
    retrieves. Amit, Gutfreund & Sompolinsky 1985 predict (1 − m(α))/2 (:func:`ags_overlap`):
    about 1.6 % at α_c."""
    a, m = np.asarray(loads, np.float64).ravel(), np.asarray(overlaps, np.float64).ravel()
    out = []
    for load in np.atleast_1d(np.asarray(at, np.float64)):
        hit = m[np.isclose(a, load, rtol=0, atol=1e-9) & (m >= threshold)]
        out.append((1 - hit.mean()) / 2 if hit.size else np.nan)
    return np.array(out)
