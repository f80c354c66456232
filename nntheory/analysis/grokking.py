"""Grokking: when a net generalises, and the progress measures that see it coming.

Plain functions of arrays (numpy or JAX; the ones used inside training are jittable and work
under ``vmap``). Nothing here reads files or prints.

* :func:`grokking_steps` — the first logged step with train accuracy ≥ a threshold, the first
  with test accuracy ≥ it, and their ratio (Power et al. 2022, arXiv:2201.02177, Fig. 1).
* :func:`fourier_basis`, :func:`frequency_norms`, :func:`top_k_fraction`,
  :func:`key_frequencies` — the embedding in the Fourier basis of Z_p and how concentrated it
  is on a few key frequencies (Nanda et al. 2023, arXiv:2301.05217, §4.1 and Fig. 3).
* :func:`sum_frequency_energy`, :func:`restricted_logits`, :func:`excluded_logits`,
  :func:`masked_cross_entropy` — the restricted and excluded losses of Nanda et al. (§5.1),
  computed from a table of logits over every pair (a, b).
* :func:`global_norm` — the weight norm ‖θ‖₂ whose trajectory Liu, Michaud & Tegmark (2023,
  arXiv:2210.01117) tie to grokking.
* :func:`first_step_reaching`, :func:`rise_step` — when a logged curve crosses a level.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

# ---------------------------------------------------------------------------------------------
# When does it happen
# ---------------------------------------------------------------------------------------------


def first_step_reaching(step, values, threshold: float) -> np.ndarray:
    """The first logged step at which ``values >= threshold``, NaN where it never does.

    Args:
      step: (T,) logged steps, increasing.
      values: (..., T) a logged metric (leading axes, e.g. ensemble members, are kept).
      threshold: the level.

    Returns:
      float array of shape ``values.shape[:-1]``. A NaN value (a diverged member) never counts
      as reaching the level.
    """
    step = np.asarray(step, np.float64)
    v = np.asarray(values, np.float64)
    if v.shape[-1] != step.shape[0]:
        raise ValueError(f"values have {v.shape[-1]} log points, step has {step.shape[0]}")
    hit = np.nan_to_num(v, nan=-np.inf) >= threshold
    idx = np.argmax(hit, axis=-1)
    return np.where(hit.any(axis=-1), step[idx], np.nan)


class GrokSteps(NamedTuple):
    """Steps-to-fit and steps-to-generalise, per member (NaN where not reached)."""

    train_step: np.ndarray
    test_step: np.ndarray
    ratio: np.ndarray


def _curves(history) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if isinstance(history, Mapping):
        step, m = history["step"], history
    else:  # nntheory.train.History (or anything with .step and .metrics)
        step, m = history.step, history.metrics
    return np.asarray(step), np.asarray(m["train_accuracy"]), np.asarray(m["test_accuracy"])


def grokking_steps(history: Any, threshold: float = 0.99,
                   test_threshold: float | None = None) -> GrokSteps:
    """When a run fits its training set and when it generalises.

    t_train = first logged step with train accuracy ≥ ``threshold``;
    t_test  = first logged step with test accuracy ≥ ``test_threshold`` (default: the same);
    ratio   = t_test / t_train — grokking is a ratio ≫ 1 (Power et al. 2022, arXiv:2201.02177,
    Fig. 1: train accuracy near 100 % at ~10³ steps, validation accuracy at ~10⁵).

    Args:
      history: a :class:`nntheory.train.History`, or a mapping with ``step`` (T,),
        ``train_accuracy`` and ``test_accuracy`` ((T,) or (K, T)).

    Returns:
      :class:`GrokSteps` of float arrays (shape () or (K,)); NaN where a level is never
      reached. Steps are only as fine as the logging interval.
    """
    step, tr, te = _curves(history)
    t_train = first_step_reaching(step, tr, threshold)
    t_test = first_step_reaching(step, te, threshold if test_threshold is None else test_threshold)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = t_test / t_train
    return GrokSteps(t_train, t_test, ratio)


def rise_step(step, values, fraction: float = 0.5) -> np.ndarray:
    """The first logged step at which a rising curve has completed ``fraction`` of its rise:
    v(t) ≥ v(0) + fraction · (v(T) − v(0)). NaN where the curve does not rise (v(T) ≤ v(0)).

    Used for "the Fourier sparsity rises before the test accuracy jumps" (Nanda et al. 2023,
    arXiv:2301.05217, §5.2: progress measures move smoothly before the jump).
    """
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must be in (0, 1], got {fraction!r}")
    v = np.asarray(values, np.float64)
    v0, vT = v[..., :1], v[..., -1:]
    level = v0 + fraction * (vT - v0)
    hit = np.nan_to_num(v, nan=-np.inf) >= level
    step = np.asarray(step, np.float64)
    idx = np.argmax(hit, axis=-1)
    rises = (vT > v0)[..., 0]
    return np.where(rises & hit.any(axis=-1), step[idx], np.nan)


# ---------------------------------------------------------------------------------------------
# The Fourier basis of Z_p and the embedding's spectrum
# ---------------------------------------------------------------------------------------------


def fourier_basis(p: int) -> np.ndarray:
    """The orthonormal real Fourier basis of functions on Z_p, as rows of a (p, p) matrix:

        row 0: 1/√p;  rows 2k−1, 2k: √(2/p) cos(2πka/p), √(2/p) sin(2πka/p),  k = 1 … ⌊(p−1)/2⌋;
        for even p a last row (1/√p) cos(πa).

    (Nanda et al. 2023, arXiv:2301.05217, §4: "the Fourier basis" of the inputs.)
    """
    if isinstance(p, bool) or not isinstance(p, int | np.integer) or p < 2:
        raise ValueError(f"p must be an integer >= 2, got {p!r}")
    a = np.arange(p)
    rows = [np.full(p, p**-0.5)]
    for k in range(1, (p - 1) // 2 + 1):
        w = 2 * np.pi * k * a / p
        rows += [np.sqrt(2 / p) * np.cos(w), np.sqrt(2 / p) * np.sin(w)]
    if p % 2 == 0:
        rows.append(p**-0.5 * np.cos(np.pi * a))
    return np.stack(rows)


def basis_frequencies(p: int) -> np.ndarray:
    """The frequency k of each row of :func:`fourier_basis` (0, 1, 1, 2, 2, …)."""
    f = [0] + [k for k in range(1, (p - 1) // 2 + 1) for _ in range(2)]
    if p % 2 == 0:
        f.append(p // 2)
    return np.asarray(f)


def n_frequencies(p: int) -> int:
    """Number of distinct frequencies on Z_p, constant included: ⌊p/2⌋ + 1."""
    return p // 2 + 1


def _frequency_pool(p: int) -> np.ndarray:
    """(n_freq, p) 0/1 matrix summing basis rows into frequencies."""
    f = basis_frequencies(p)
    return (np.arange(n_frequencies(p))[:, None] == f[None, :]).astype(np.float32)


def frequency_energy(emb) -> jax.Array:
    """Squared norm of an embedding per frequency of Z_p.

    For an embedding E ∈ R^{p×d} (token a ↦ row E[a]) with Fourier coefficients Ê = B E
    (B = :func:`fourier_basis`), the energy at frequency k is Σ_{rows r of frequency k} ‖Ê_r‖²
    (the cos and sin rows together). Energies sum to ‖E‖_F² (B is orthogonal).
    Nanda et al. (2023, Fig. 3) plot the square root: the embedding's norm per frequency.

    Args:
      emb: (..., p, d); the token axis is −2. Jittable.

    Returns:
      (..., ⌊p/2⌋ + 1) energies, index = frequency (0 = constant).
    """
    emb = jnp.asarray(emb)
    p = emb.shape[-2]
    basis = jnp.asarray(fourier_basis(p), emb.dtype)
    coeff = jnp.einsum("rp,...pd->...rd", basis, emb)
    per_row = jnp.sum(coeff**2, axis=-1)
    return jnp.einsum("kr,...r->...k", jnp.asarray(_frequency_pool(p), emb.dtype), per_row)


def frequency_norms(emb) -> jax.Array:
    """√ of :func:`frequency_energy`: the embedding's norm per frequency (Nanda et al. 2023,
    arXiv:2301.05217, Fig. 3)."""
    return jnp.sqrt(frequency_energy(emb))


def top_k_fraction(energy, k: int) -> jax.Array:
    """Fourier sparsity: the fraction of the energy in the ``k`` strongest non-constant
    frequencies,

        s_k = Σ_{top-k of k'≥1} e_{k'} / Σ_{k'≥0} e_{k'}   ∈ [0, 1].

    A generic (random) embedding spreads its energy evenly over the p basis rows, so
    s_k ≈ 2k/p (a little more, since the top k are picked); Nanda et al. (2023, §4.1 and
    Fig. 3) find the trained embedding nearly all in 5 key frequencies for p = 113.

    Args:
      energy: (..., n_freq) from :func:`frequency_energy` (index 0 = constant). Jittable.
      k: number of frequencies (1 ≤ k ≤ n_freq − 1).
    """
    energy = jnp.asarray(energy)
    n = energy.shape[-1] - 1
    if not 1 <= k <= n:
        raise ValueError(f"k must be in [1, {n}], got {k}")
    top = jax.lax.top_k(energy[..., 1:], k)[0]
    return jnp.sum(top, axis=-1) / jnp.sum(energy, axis=-1)


def key_frequencies(energy, k: int) -> np.ndarray:
    """The ``k`` strongest non-constant frequencies (1-based frequency numbers), strongest
    first (the "key frequencies" of Nanda et al. 2023, §4.1)."""
    e = np.asarray(energy, np.float64)
    n = e.shape[-1] - 1
    if not 1 <= k <= n:
        raise ValueError(f"k must be in [1, {n}], got {k}")
    return np.argsort(-e[..., 1:], axis=-1, kind="stable")[..., :k] + 1


def coverage_mask(energy, coverage: float) -> np.ndarray:
    """The smallest set of non-constant frequencies holding at least ``coverage`` of the
    non-constant energy, as a boolean mask over frequencies (index 0, the constant, False).

    Used to pick the key frequencies of a trained model's logits when their number is not
    known in advance (Nanda et al. 2023 find 5 for their seed; other nets use more).
    """
    if not 0.0 < coverage <= 1.0:
        raise ValueError(f"coverage must be in (0, 1], got {coverage!r}")
    e = np.asarray(energy, np.float64)[..., 1:]
    order = np.argsort(-e, axis=-1, kind="stable")
    sorted_e = np.take_along_axis(e, order, axis=-1)
    cum = np.cumsum(sorted_e, axis=-1) / np.sum(e, axis=-1, keepdims=True)
    n_keep = 1 + np.sum(cum < coverage - 1e-12, axis=-1, keepdims=True)
    keep_sorted = np.arange(e.shape[-1]) < n_keep
    mask = np.zeros_like(keep_sorted)
    np.put_along_axis(mask, order, keep_sorted, axis=-1)
    return np.concatenate([np.zeros(mask.shape[:-1] + (1,), bool), mask], axis=-1)


# ---------------------------------------------------------------------------------------------
# Restricted and excluded losses (functions of a table of logits over all pairs)
# ---------------------------------------------------------------------------------------------


def _sum_index(p: int) -> np.ndarray:
    a, b = np.meshgrid(np.arange(p), np.arange(p), indexing="ij")
    return (a + b) % p


def sum_coefficients(logits) -> jax.Array:
    """Fourier coefficients of the part of a logit table that depends on (a + b) mod p only.

    For logits L(a, b, c) on the full grid, g(s, c) = (1/p) Σ_{a+b≡s} L(a, b, c) is the
    orthogonal projection of L onto the functions of a + b (each anti-diagonal has p
    points), and ĝ = B g its coefficients (B = :func:`fourier_basis`). The 2-D directions
    cos(w_k(a+b)) and sin(w_k(a+b)) of Nanda et al. (2023, §5.1) span exactly the rows of
    frequency k of ĝ.

    Args:
      logits: (p, p, C) over a, b (row-major, as :func:`nntheory.data.modular_table` for "+").
        Jittable.

    Returns:
      (p, C) coefficients ĝ, rows ordered as :func:`fourier_basis`.
    """
    logits = jnp.asarray(logits)
    p = logits.shape[0]
    if logits.shape[1] != p:
        raise ValueError(f"logits must be (p, p, C), got {logits.shape}")
    s = jnp.asarray(_sum_index(p).reshape(-1))
    g = jax.ops.segment_sum(logits.reshape(p * p, -1), s, num_segments=p) / p
    return jnp.asarray(fourier_basis(p), logits.dtype) @ g


def sum_frequency_energy(logits) -> jax.Array:
    """Energy of the logit table along cos/sin(w_k(a+b)) per frequency k: p · Σ ĝ_r² over the
    rows r of frequency k and all outputs c (the squared Frobenius norm of that component of
    L). Index 0 is the constant (mean) part. Jittable."""
    coeff = sum_coefficients(logits)
    p = coeff.shape[0]
    pool = jnp.asarray(_frequency_pool(p), coeff.dtype)
    return p * (pool @ jnp.sum(coeff**2, axis=-1))


def _sum_component(logits, freq_mask) -> jax.Array:
    """The component of L along cos/sin(w_k(a+b)) for the frequencies k in ``freq_mask``
    ((n_freq,) bool/0-1; index 0 = the constant), as a (p, p, C) table."""
    logits = jnp.asarray(logits)
    p = logits.shape[0]
    coeff = sum_coefficients(logits)
    row_mask = jnp.asarray(freq_mask, logits.dtype)[jnp.asarray(basis_frequencies(p))]
    g = jnp.asarray(fourier_basis(p), logits.dtype).T @ (coeff * row_mask[:, None])
    return g[jnp.asarray(_sum_index(p))]


def restricted_logits(logits, key_mask) -> jax.Array:
    """Logits restricted to the key frequencies (Nanda et al. 2023, arXiv:2301.05217, §5.1):

        L_restricted = mean_{a,b} L + Σ_{k ∈ key} [component of L along cos(w_k(a+b)),
                                                   sin(w_k(a+b))].

    Nanda et al. project the MLP activations and map them through W_out W_U, then restore the
    mean logit ("bias correction"); for a readout that is linear in those activations this is
    the same table, except that here the attention/direct path is projected as well.

    Args:
      logits: (p, p, C) table over every pair (a, b).
      key_mask: (⌊p/2⌋ + 1,) bool, the key frequencies (index 0 is ignored: the mean is kept).
    """
    mask = jnp.asarray(key_mask, bool).at[0].set(True)
    return _sum_component(logits, mask)


def excluded_logits(logits, key_mask) -> jax.Array:
    """Logits with the key frequencies removed (Nanda et al. 2023, §5.1):
    L − Σ_{k ∈ key} [component of L along cos(w_k(a+b)), sin(w_k(a+b))]. Index 0 of
    ``key_mask`` is ignored (the mean is kept)."""
    mask = jnp.asarray(key_mask, bool).at[0].set(False)
    return jnp.asarray(logits) - _sum_component(logits, mask)


def masked_cross_entropy(logits, labels, where) -> jax.Array:
    """Mean over the points where ``where`` is True of −log softmax(logits)[label], with a
    stable log-softmax in float32 or wider (Nanda et al. compute it in float64: a float32
    softmax underflows on confident logits).

    Args:
      logits: (..., C); labels: (...) ints; where: (...) bool. Jittable.
    """
    logits = jnp.asarray(logits)
    logits = logits.astype(jnp.promote_types(logits.dtype, jnp.float32))
    logp = jax.nn.log_softmax(logits, axis=-1)
    nll = -jnp.take_along_axis(logp, jnp.asarray(labels)[..., None], axis=-1)[..., 0]
    w = jnp.asarray(where, logits.dtype)
    return jnp.sum(nll * w) / jnp.sum(w)


# ---------------------------------------------------------------------------------------------
# Weight norm
# ---------------------------------------------------------------------------------------------


def global_norm(params) -> jax.Array:
    """‖θ‖₂ = √(Σ over every parameter of θ²) (Liu, Michaud & Tegmark 2023,
    arXiv:2210.01117, Fig. 1: grokking is tied to the weight norm). Jittable."""
    return jnp.sqrt(sum(jnp.sum(jnp.square(x)) for x in jax.tree_util.tree_leaves(params)))


def unit_concentration(energy) -> jax.Array:
    """Per-unit Fourier concentration: the share of the total energy that lies in each unit's
    own strongest non-constant frequency,

        c = Σ_n max_{k≥1} e_{n,k} / Σ_n Σ_k e_{n,k}   ∈ [0, 1],

    for energies e_{n,k} of unit n at frequency k (e.g. :func:`frequency_energy` of hidden
    unit n's input weights [U[:, n], V[:, n]] over the tokens). In Gromov's analytic solution
    (2023, arXiv:2301.02679) every unit is a single cosine of one frequency σ_n, so c = 1;
    Nanda et al. (2023, §4.2) find the MLP neurons of the trained transformer well
    approximated by one frequency each. Random units spread their energy over all
    frequencies: c ≈ 0.12 at initialisation for p = 47 (measured).

    Args:
      energy: (..., N, n_freq), index 0 of the last axis the constant. Jittable.
    """
    energy = jnp.asarray(energy)
    top = jnp.max(energy[..., 1:], axis=-1)
    return jnp.sum(top, axis=-1) / jnp.sum(energy, axis=(-2, -1))


# ---------------------------------------------------------------------------------------------
# Summaries over seeds and sweeps
# ---------------------------------------------------------------------------------------------


def censored(values) -> np.ndarray:
    """Steps-to-grok with "never reached" (NaN) read as +∞, so that medians and ranks put a
    run that did not grok within its budget after every run that did."""
    v = np.asarray(values, np.float64)
    return np.where(np.isnan(v), np.inf, v)


def censored_median(values, axis=-1) -> np.ndarray:
    """Median of steps-to-grok with NaN (never reached) counted as +∞ (:func:`censored`)."""
    return np.median(censored(values), axis=axis)


def rank_correlation(x, y) -> float:
    """Spearman's ρ: the Pearson correlation of the (average) ranks of x and y. Infinite
    values rank last (ties among them share a rank). ±1 means a strictly monotone relation;
    NaN when either argument is constant."""
    from scipy.stats import rankdata

    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if x.shape != y.shape or x.ndim != 1 or len(x) < 2:
        raise ValueError("rank_correlation takes two 1-D arrays of the same length >= 2")
    rx, ry = rankdata(x), rankdata(y)
    if np.ptp(rx) == 0 or np.ptp(ry) == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])
