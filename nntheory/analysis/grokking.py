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
* :func:`first_step_reaching`, :func:`rise_step`, :func:`value_at` — when a logged curve
  crosses a level, and a curve's value at a given step.
* :func:`grok_summary`, :func:`ensemble_tables` — per trained net, every step and value the
  grokking claims read; an ensemble's curves and summaries as tidy tables.
* :func:`unit_energy`, :func:`table_losses`, :func:`mlp_progress`,
  :func:`transformer_progress` — the progress measures logged while training (per-unit
  Fourier energy; restricted and excluded losses of a logit table), and
  :func:`logit_key_frequencies`, the key frequencies of a trained net's logits.
* :func:`member_data` — one modular-arithmetic split per ensemble member, stacked.
* :func:`mean_field_mlp`, :func:`one_hot_targets`, :func:`with_accuracy` — Gromov's (2023)
  parameterisation and the mean-squared error on one-hot targets (Gromov 2023; Liu, Michaud &
  Tegmark 2023), with arg-max accuracies logged.
* :func:`fall_step`, :func:`censored_concordance`, :func:`slowdown_lower_bound` — when a loss
  has made half its fall (log scale), and summaries over a sweep where some runs never grok
  within the budget (right-censored).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from nntheory import data
from nntheory.nets import Net, modular_mlp

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


def value_at(step, values, at) -> np.ndarray:
    """Each member's logged value at its own step: ``values[i, t]`` with ``step[t] = at[i]``;
    NaN where ``at[i]`` is NaN (a level never reached).

    Args:
      step: (T,) logged steps; values: (K, T); at: (K,) logged steps or NaN.
    """
    step, v = np.asarray(step), np.asarray(values, np.float64)
    at = np.asarray(at, np.float64)
    idx = np.searchsorted(step, np.nan_to_num(at, nan=step[0]))
    return np.where(np.isfinite(at), v[np.arange(len(at)), np.minimum(idx, len(step) - 1)],
                    np.nan)


def grok_summary(step, curves, threshold: float = 0.99) -> dict[str, np.ndarray]:
    """When each net fits and generalises, and its logged curves at those steps.

    With t_train, t_test and their ratio from :func:`grokking_steps` (Power et al. 2022,
    arXiv:2201.02177, Fig. 1): the test accuracy at t_train; the final accuracies; the first
    step with test accuracy ≥ 0.5; the step at which the units' Fourier concentration has
    risen half-way (:func:`rise_step`; NaN without a ``unit_concentration`` curve: Nanda et
    al. 2023, arXiv:2301.05217, §5); the weight norm ‖θ‖₂ at the start, at t_train, at t_test
    and at the end (Liu, Michaud & Tegmark 2023, arXiv:2210.01117). With ``restricted_loss`` and
    ``excluded_loss`` curves also the phases of Nanda et al. (2023, §5.2): the steps at
    which the restricted and the test loss have made half their fall (:func:`fall_step`), and
    the excluded loss at t_train and at the test loss's half-fall.

    Args:
      step: (T,) logged steps.
      curves: name -> (K, T) logged curves; needs ``train_accuracy``, ``test_accuracy`` and
        ``weight_norm``.
      threshold: the accuracy level of "fits" and "generalises".

    Returns:
      name -> (K,) float array (NaN where a level is never reached).
    """
    m = {k: np.asarray(v, np.float64) for k, v in curves.items()}
    g = grokking_steps(dict(m, step=step), threshold)
    conc = m.get("unit_concentration")
    phases = {}
    if "restricted_loss" in m and "test_loss" in m:  # Nanda et al. 2023, §5.2
        test_fall = fall_step(step, m["test_loss"])
        phases = dict(restricted_fall_step=fall_step(step, m["restricted_loss"]),
                      test_loss_fall_step=test_fall,
                      excluded_loss_at_fit=value_at(step, m["excluded_loss"], g.train_step),
                      excluded_loss_at_test_fall=value_at(step, m["excluded_loss"], test_fall))
    return phases | dict(
        t_train=g.train_step, t_test=g.test_step, delay_ratio=g.ratio,
        test_accuracy_at_fit=value_at(step, m["test_accuracy"], g.train_step),
        final_test_accuracy=m["test_accuracy"][:, -1],
        final_train_accuracy=m["train_accuracy"][:, -1],
        test_half_step=first_step_reaching(step, m["test_accuracy"], 0.5),
        concentration_half_step=(rise_step(step, conc, 0.5) if conc is not None
                                 else np.full(len(g.train_step), np.nan)),
        weight_norm_init=m["weight_norm"][:, 0],
        weight_norm_at_fit=value_at(step, m["weight_norm"], g.train_step),
        weight_norm_at_grok=value_at(step, m["weight_norm"], g.test_step),
        final_weight_norm=m["weight_norm"][:, -1],
    )


def ensemble_tables(step, curves, seeds: int, threshold: float = 0.99
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """An ensemble's logged curves as tidy tables, its K members ordered (replicate, seed)
    (member i is seed i mod ``seeds`` of replicate i div ``seeds``).

    Args:
      step: (T,) logged steps; curves: name -> (K, T) logged curves (as for
        :func:`grok_summary`); seeds: members per replicate; threshold: as for
        :func:`grok_summary`.

    Returns:
      (curves, summary): the curves long — columns ``replicate``, ``seed``, ``step`` and one
      per curve, K·T rows — and one row per net with its ``replicate``, ``seed`` and
      :func:`grok_summary`.
    """
    m = {name: np.asarray(v) for name, v in curves.items()}
    k, t = next(iter(m.values())).shape
    rep, seed = np.arange(k) // seeds, np.arange(k) % seeds
    long = pd.DataFrame(dict(replicate=np.repeat(rep, t), seed=np.repeat(seed, t),
                             step=np.tile(np.asarray(step), k),
                             **{name: v.reshape(-1) for name, v in m.items()}))
    summary = pd.DataFrame(dict(replicate=rep, seed=seed, **grok_summary(step, m, threshold)))
    return long, summary


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


def unit_energy(u, v) -> jax.Array:
    """Fourier energy of each hidden unit of Gromov's MLP f(a, b) = Wᵀφ(U[a] + V[b]): unit n's
    input weights over the tokens, [U[:, n], V[:, n]], as an embedding of Z_p
    (:func:`frequency_energy`), so e_{n,k} = Σ_{rows r of frequency k} (⟨B_r, U_{:,n}⟩² +
    ⟨B_r, V_{:,n}⟩²) (Gromov 2023, arXiv:2301.02679: each unit one cosine).

    Args:
      u, v: (..., p, N) first-layer weights (leading axes, e.g. ensemble members, are kept).
        Jittable.

    Returns:
      (..., N, ⌊p/2⌋ + 1) energies; :func:`unit_concentration` of it is c.
    """
    u, v = jnp.asarray(u), jnp.asarray(v)
    return frequency_energy(jnp.stack([jnp.swapaxes(u, -1, -2), jnp.swapaxes(v, -1, -2)], -1))


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


def table_losses(logits, labels, train_mask, key_mask) -> dict[str, jax.Array]:
    """Nanda et al.'s (2023, arXiv:2301.05217, §5.1) restricted loss — the cross-entropy of
    :func:`restricted_logits` on every pair — and excluded loss — of :func:`excluded_logits`
    on the training pairs.

    Args:
      logits: (p, p, C) table over every pair (a, b); labels: (p, p) ints; train_mask: (p, p)
        bool, the training pairs; key_mask: (⌊p/2⌋ + 1,) bool, the key frequencies. Jittable.
    """
    p = logits.shape[0]
    return dict(
        restricted_loss=masked_cross_entropy(restricted_logits(logits, key_mask), labels,
                                             jnp.ones((p, p), bool)),
        excluded_loss=masked_cross_entropy(excluded_logits(logits, key_mask), labels,
                                           train_mask),
    )


def member_data(p: int, op: str, fraction: float, keys: Sequence, with_table: bool = False
                ) -> dict[str, jax.Array]:
    """One split of the table of ``op`` on Z_p per key (:func:`nntheory.data.modular_arithmetic`;
    Power et al. 2022, §2), stacked on a leading member axis. The same key gives the same
    permutation of the table, so splits of one key at growing fractions are nested.

    With ``with_table`` (an operation defined on the whole p × p grid, e.g. "+") the grid
    rides along for the restricted/excluded losses (:func:`mlp_progress`,
    :func:`transformer_progress`): ``x_all`` (K, p², 2), ``y_all`` (K, p²) and
    ``train_mask`` (K, p²), true on each member's training cells.
    """
    ds = [data.modular_arithmetic(p, op, fraction, k) for k in keys]
    d = {f: np.stack([np.asarray(getattr(x, f)) for x in ds]) for f in data.Dataset._fields}
    if with_table:
        x_all, y_all = (np.asarray(v) for v in data.modular_table(p, op))
        k = len(ds)
        d["train_mask"] = np.zeros((k, p * p), bool)
        for i in range(k):
            d["train_mask"][i, d["x_train"][i, :, 0] * p + d["x_train"][i, :, 1]] = True
        d["x_all"] = np.broadcast_to(x_all, (k, *x_all.shape))
        d["y_all"] = np.broadcast_to(y_all, (k, *y_all.shape))
    return {name: jnp.asarray(v) for name, v in d.items()}


def _net_table_losses(net: Net, p: int, params, d, key_mask) -> dict[str, jax.Array]:
    logits = net.apply(params, d["x_all"]).reshape(p, p, -1)
    return table_losses(logits, d["y_all"].reshape(p, p), d["train_mask"].reshape(p, p),
                        key_mask)


def mlp_progress(net: Net, p: int, top_k: int) -> Callable[[Any, dict], dict]:
    """Progress measures of Gromov's MLP (params ``U``, ``V``, ``W``), as ``extra_metrics`` of
    :func:`nntheory.train.fit_ensemble` (jittable, per member): the weight norm
    (:func:`global_norm`), the units' Fourier concentration (:func:`unit_concentration` of
    :func:`unit_energy`), the embedding's global top-k fraction (:func:`top_k_fraction` of the
    units' summed energy) and, where the data carries the table (:func:`member_data` with
    ``with_table``), the restricted/excluded losses over *all* frequencies — Gromov's MLP
    uses every frequency, so its key set is all of them and the restricted logits are the
    part of the table that depends on a + b only (Nanda et al. 2023, §5.1)."""
    all_freqs = jnp.ones(n_frequencies(p), bool)

    def measures(params, d):
        units = unit_energy(params["U"], params["V"])
        out = dict(weight_norm=global_norm(params), unit_concentration=unit_concentration(units),
                   embedding_topk=top_k_fraction(jnp.sum(units, axis=0), top_k))
        if "x_all" in d:
            out.update(_net_table_losses(net, p, params, d, all_freqs))
        return out

    return measures


def transformer_progress(net: Net, p: int, top_k: int) -> Callable[[Any, dict], dict]:
    """Progress measures of Nanda et al.'s one-layer transformer (2023, §5), as
    ``extra_metrics`` (jittable, per member): the weight norm, the global top-k fraction of
    the token embedding W_E (the "=" row excluded) and the restricted/excluded losses on the
    key frequencies ``key_mask`` carried in the data (:func:`logit_key_frequencies`)."""

    def measures(params, d):
        return dict(weight_norm=global_norm(params),
                    embedding_topk=top_k_fraction(frequency_energy(params["W_E"][:p]), top_k),
                    **_net_table_losses(net, p, params, d, d["key_mask"]))

    return measures


def logit_key_frequencies(net: Net, p: int, params, x_all, coverage: float) -> np.ndarray:
    """The key frequencies of each member's logits: the fewest frequencies holding
    ``coverage`` of the a+b part of its logit table (:func:`sum_frequency_energy`,
    :func:`coverage_mask`; Nanda et al. 2023, §4.1 find 5 at p = 113).

    Args:
      params: stacked parameters (K members); x_all: (K, p², 2) the whole table per member.

    Returns:
      (K, ⌊p/2⌋ + 1) bool masks.
    """
    energy = jax.jit(jax.vmap(lambda q, x: sum_frequency_energy(
        net.apply(q, x).reshape(p, p, p))))(params, x_all)
    return coverage_mask(energy, coverage)


def rerun_difference(a, b) -> np.ndarray:
    """Per member, the largest ``|a − b|`` between two logged curves (K, T) of runs meant to
    coincide; +∞ where only one of them is NaN somewhere (one diverged, the other not)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    same_nan = np.all(np.isnan(a) == np.isnan(b), axis=1)
    return np.where(same_nan, np.abs(np.nan_to_num(a) - np.nan_to_num(b)).max(axis=1), np.inf)


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


def unit_shares(energy) -> np.ndarray:
    """Each unit's share of its energy per frequency, the units sorted by their strongest
    non-constant frequency and, within one frequency, by that share (largest first): the
    picture of Gromov's solution (2023, arXiv:2301.02679), one frequency per unit.

    Args:
      energy: (N, n_freq) per-unit energies (:func:`unit_energy` of one net).

    Returns:
      (N, n_freq) shares, rows summing to 1, in the sorted order.
    """
    e = np.asarray(energy, np.float64)
    share = e / e.sum(axis=1, keepdims=True)
    dom = np.argmax(e[:, 1:], axis=1) + 1
    return share[np.lexsort((-share[np.arange(len(dom)), dom], dom))]


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


def finite_median(values) -> float:
    """Median over the finite values (e.g. the nets that reached both steps of a ratio); NaN
    if there are none."""
    v = np.asarray(values, np.float64)
    v = v[np.isfinite(v)]
    return float(np.median(v)) if len(v) else float("nan")


def rank_correlation(x, y) -> float:
    """Spearman's ρ: the Pearson correlation of the (average) ranks of x and y. Infinite
    values rank last (ties among them share a rank). ±1 means a strictly monotone relation,
    and is returned exactly (the sums are taken in integers: doubled average ranks are
    integers), so that a claim "ρ ≤ −1" is not failed by rounding; NaN when either argument
    is constant."""
    from scipy.stats import rankdata

    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if x.shape != y.shape or x.ndim != 1 or len(x) < 2:
        raise ValueError("rank_correlation takes two 1-D arrays of the same length >= 2")
    n = len(x)
    rx, ry = ([int(round(2 * r)) for r in rankdata(v)] for v in (x, y))
    dx, dy = [n * r - sum(rx) for r in rx], [n * r - sum(ry) for r in ry]
    sxy = sum(a * b for a, b in zip(dx, dy, strict=True))
    sxx, syy = sum(a * a for a in dx), sum(b * b for b in dy)
    if sxx == 0 or syy == 0:
        return float("nan")
    if sxy * sxy == sxx * syy:
        return float(np.sign(sxy))
    return sxy / math.sqrt(sxx * syy)


# ---------------------------------------------------------------------------------------------
# Other recipes: Gromov's parameterisation, mean-squared error on one-hot targets
# ---------------------------------------------------------------------------------------------


def mean_field_mlp(p: int, width: int, activation_name: str = "poly2") -> Net:
    """Gromov's (2023, arXiv:2301.02679, Eqs. 1–2) parameterisation of the two-layer MLP on
    one-hot pairs: standard-normal weights, the pre-activation scaled by 1/√D (D = 2p inputs)
    and the readout by 1/N,

        f(a, b) = (1/N) Wᵀ φ((U[a] + V[b]) / √(2p)),   U, V ∈ R^{p×N}, W ∈ R^{N×p} ~ N(0, 1),

    so that plain gradient descent sees his gradients (the function at initialisation is that of
    :func:`nntheory.nets.modular_mlp` with its readout shrunk by 1/√N). Params ``{"U", "V",
    "W"}`` are the unscaled weights (their norm is the weight norm); inputs (n, 2) tokens."""
    base = modular_mlp(p, width, activation_name)
    s_in, s_out = (2.0 * p) ** -0.5, 1.0 / width

    def init(key, input_shape):
        shape, q = base.init(key, input_shape)  # U, V ~ N(0, 1/(2p)), W ~ N(0, 1/N)
        return shape, dict(U=q["U"] / s_in, V=q["V"] / s_in, W=q["W"] * width**0.5)

    def apply(params, x, **_):
        return base.apply(dict(U=params["U"] * s_in, V=params["V"] * s_in,
                               W=params["W"] * s_out), x)

    return Net(init, apply, None, f"mean_field_mlp[{activation_name}, p={p}, width={width}]",
               dict(base.info, kind="mean_field_mlp"))


def one_hot_targets(d: Mapping[str, Any], p: int) -> dict[str, jax.Array]:
    """A classification split (integer labels ``y_*``) as regression targets for the
    mean-squared error on one-hot codes (Gromov 2023; Liu, Michaud & Tegmark 2023, Fig. 3):
    ``y_*`` become one-hot rows of length p and the labels ride along as ``labels_*`` for
    :func:`with_accuracy`. Leading (member) axes are kept."""
    out = dict(d)
    for split in ("train", "test"):
        out[f"labels_{split}"] = jnp.asarray(d[f"y_{split}"])
        out[f"y_{split}"] = jax.nn.one_hot(d[f"y_{split}"], p, dtype=jnp.float32)
    return out


def with_accuracy(net: Net, measures: Callable[[Any, dict], dict] | None = None
                  ) -> Callable[[Any, dict], dict]:
    """``extra_metrics`` for a net trained on :func:`one_hot_targets`: the arg-max accuracy on
    each split against ``labels_*`` (the mean-squared error logs no accuracy of its own), the
    weight norm, and whatever ``measures`` adds. Jittable, per member."""

    def out(params, d):
        m = dict(weight_norm=global_norm(params))
        for split in ("train", "test"):
            pred = jnp.argmax(net.apply(params, d[f"x_{split}"]), axis=-1)
            m[f"{split}_accuracy"] = jnp.mean(pred == d[f"labels_{split}"])
        return {**m, **(measures(params, d) if measures is not None else {})}

    return out


# ---------------------------------------------------------------------------------------------
# Phases of a run: falls of logged losses, and summaries over a sweep with censoring
# ---------------------------------------------------------------------------------------------


def fall_step(step, values, fraction: float = 0.5) -> np.ndarray:
    """The first logged step at which a falling curve has completed ``fraction`` of its fall
    in log scale: log v(t) ≤ log v(0) − fraction · (log v(0) − log v(T)). NaN where it does not
    fall. Losses fall over orders of magnitude, so the log scale puts "half-way" where a
    log-axis plot does (Nanda et al. 2023, arXiv:2301.05217, §5.2: restricted loss falls
    before test loss). Mirror of :func:`rise_step` on −log v."""
    v = np.asarray(values, np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return rise_step(step, -np.log(v), fraction)


def censored_concordance(x, t) -> tuple[float, int]:
    """Harrell's concordance index for "larger x, smaller t" with right-censored times.

    t is a time to an event (steps to grok) with NaN for a run that never got there within its
    budget: such a run is slower than every run that did (censored at the common budget). Over
    every pair with x_i < x_j, the pair is *comparable* unless both times are censored; it is
    concordant if t_i > t_j (a censored t_i counts as larger than any finite t_j), discordant
    if t_i < t_j, and counts ½ on a tie. Pairs with equal x are skipped.

        C = (concordant + ½ ties) / comparable pairs ∈ [0, 1]

    C = 1: the time falls strictly with x for every pair; ½: no relation. (Harrell, Califf,
    Pryor, Lee & Rosati 1982, JAMA 247:2543; for censored data in general Gehan 1965.)

    Returns:
      (C, number of comparable pairs); C is NaN without comparable pairs.
    """
    x, t = np.asarray(x, np.float64), censored(t)
    if x.shape != t.shape or x.ndim != 1:
        raise ValueError("censored_concordance takes two 1-D arrays of the same length")
    i, j = np.triu_indices(len(x), 1)
    lo, hi = np.where(x[i] < x[j], i, j), np.where(x[i] < x[j], j, i)
    keep = (x[i] != x[j]) & ~(np.isinf(t[lo]) & np.isinf(t[hi]))
    lo, hi = lo[keep], hi[keep]
    score = np.where(t[lo] > t[hi], 1.0, np.where(t[lo] < t[hi], 0.0, 0.5))
    return (float(score.mean()) if len(score) else float("nan")), int(len(score))


def slowdown_lower_bound(t_slow, budget: float, t_ref) -> float:
    """How much later the slowest-to-grok arm groks than a reference arm, as a lower bound:
    min over its runs of t / median(t_ref), a run that never grokked counting as its budget
    (it would have grokked later still). NaN when the reference median is not finite.

    Used for "no grokking without weight decay within k× the steps that grokked with it"
    (Power et al. 2022, arXiv:2201.02177, Fig. 2)."""
    t = np.where(np.isnan(np.asarray(t_slow, np.float64)), float(budget), t_slow)
    ref = float(censored_median(t_ref))
    if not np.isfinite(ref) or ref <= 0 or not len(t):
        return float("nan")
    return float(np.min(t) / ref)


# ---------------------------------------------------------------------------------------------
# Ensembles of replicates: paired keys, tidy tables, the transformer's two passes
# ---------------------------------------------------------------------------------------------


def paired_keys(keys, seeds: int) -> dict[str, jax.Array]:
    """Per replicate key, a data and an initialisation key for each of its ``seeds`` nets
    (members ordered (replicate, seed)): ``fold_in`` of the replicate key's two halves with the
    seed, so a replicate's keys depend on its own key only and every arm that uses them is
    paired (same splits — nested across fractions, one permutation per net — and
    initialisations)."""
    split = [jax.random.split(k) for k in keys]
    return {name: jnp.stack([jax.random.fold_in(k[i], s) for k in split for s in range(seeds)])
            for i, name in enumerate(("data_keys", "init_keys"))}


def arm_tables(hist, replicates: int, seeds: int, steps: int, wall_s: float,
               settings: Mapping[str, Any], threshold: float = 0.99,
               **extra) -> dict[str, pd.DataFrame]:
    """An ensemble's curves (long), per-net grokking summary (:func:`ensemble_tables`) and wall
    time (per replicate: the whole ensemble's), with the arm's ``settings`` as columns and the
    per-net ``extra`` columns in the summary.

    Args:
      hist: a :class:`nntheory.train.History` of K = replicates · seeds members."""
    curves, grok = ensemble_tables(hist.step, hist.metrics, seeds, threshold)
    timing = pd.DataFrame(dict(replicate=np.arange(replicates), members=len(hist.diverged),
                               steps=steps, wall_s=wall_s))
    return dict(curves=curves.assign(**settings), timing=timing.assign(**settings),
                grok=grok.assign(**settings, diverged=hist.diverged.astype(bool), **extra))


def two_pass_fit(net: Net, p: int, params0, d: Mapping[str, Any], coverage: float,
                 top_k: int, fit: Callable) -> dict[str, Any]:
    """Nanda et al.'s (2023, §5.1) progress measures need the key frequencies of the trained
    net: train once from ``params0`` to find them (the fewest holding ``coverage`` of the a+b
    part of each member's final logits, :func:`logit_key_frequencies`), then again from the
    same ``params0`` logging the restricted/excluded losses on them
    (:func:`transformer_progress`). Full-batch training is deterministic, so the two runs
    coincide; ``rerun_difference`` and ``keys_stable`` check it per member.

    Args:
      d: member data with the whole table (:func:`member_data` with ``with_table``).
      fit: ``fit(params, data, extra_metrics) -> (params, History)`` (the optimiser's
        settings bound).

    Returns:
      dict with ``params`` (second run), ``hist``, ``wall_s`` (both runs) and ``columns``: per
      member ``n_key_frequencies``, ``key_frequencies`` (their numbers, as text),
      ``rerun_difference`` and ``keys_stable``."""
    params1, hist1 = fit(params0, d, None)
    mask = logit_key_frequencies(net, p, params1, d["x_all"], coverage)
    params2, hist2 = fit(params0, {**d, "key_mask": jnp.asarray(mask)},
                         transformer_progress(net, p, top_k))
    stable = np.all(logit_key_frequencies(net, p, params2, d["x_all"], coverage) == mask, axis=1)
    return dict(params=params2, hist=hist2, wall_s=hist1.wall_time + hist2.wall_time,
                columns=dict(n_key_frequencies=mask.sum(axis=1),
                             key_frequencies=[" ".join(map(str, np.flatnonzero(r)))
                                              for r in mask],
                             rerun_difference=rerun_difference(hist1.metrics["test_accuracy"],
                                                               hist2.metrics["test_accuracy"]),
                             keys_stable=stable))


def curve_ends(curves: pd.DataFrame, arm: str, name: str) -> tuple[float, float]:
    """Median over an arm's nets of the logged curve ``name`` at the first and the last log
    step (long table of :func:`ensemble_tables` with an ``arm`` column)."""
    c = curves[curves["arm"] == arm]
    first, last = (float(c[c["step"] == t][name].median()) for t in (c["step"].min(),
                                                                      c["step"].max()))
    return first, last


def arm_metrics(grok: pd.DataFrame, curves: pd.DataFrame | None = None, *, delay: float = 5.0,
                after_fit: float = 0.5) -> dict[str, float]:
    """Summaries over one arm's nets, from their rows of :func:`ensemble_tables`' summary (and
    their long curves): what the grokking claims read.

    * ``fraction_grokked``: share of nets with test accuracy ≥ the threshold in the budget;
    * ``max_test_accuracy_at_fit``: the worst net's test accuracy at t_train (NaN if a net
      never fitted; Power et al. 2022, arXiv:2201.02177, Fig. 1);
    * ``fraction_delayed``: share with t_test / t_train ≥ ``delay`` (never grokked: not);
    * ``fraction_grokked_after_fit``: share that fitted with test accuracy ≤ ``after_fit`` and
      later grokked (generalisation after memorisation; Gromov 2023, arXiv:2301.02679);
    * ``delay_ratio``, ``t_test``: censored medians (never = +∞, :func:`censored_median`);
    * ``weight_norm_ratio`` = median ‖θ(t_test)‖/‖θ(t_train)‖ and ``norm_at_fit_over_init`` =
      median ‖θ(t_train)‖/‖θ(0)‖ over the nets that got there (Liu, Michaud & Tegmark 2023,
      arXiv:2210.01117);
    * ``concentration_lead_ratio``: the worst net's (step c is half-way) / (step test accuracy
      reaches 50 %) (Nanda et al. 2023, arXiv:2301.05217, §5);
    * with Nanda et al.'s phases (:func:`grok_summary`): ``restricted_lead_ratio``, the worst
      net's (restricted loss half-fall) / (test loss half-fall), and ``excluded_rise``, the
      median excluded loss at the test loss's half-fall over that at t_train (§5.2);
    * with the columns of :func:`two_pass_fit`: ``median_key_frequencies``,
      ``rerun_max_difference`` (of test accuracy; 0 when the passes coincide) and
      ``key_frequencies_stable`` (share of nets whose key frequencies the second pass keeps);
    * with ``curves``: ``<name>_init`` and ``<name>_final`` (:func:`curve_ends`) of
      ``unit_concentration`` and ``embedding_topk``, where logged.
    """
    ratio = lambda a, b: finite_median(grok[a] / grok[b])
    worst = lambda a, b: float((grok[a] / grok[b]).max(skipna=False))
    t = grok["t_test"]
    out = dict(
        fraction_grokked=float(np.mean(np.isfinite(t))),
        max_test_accuracy_at_fit=float(grok["test_accuracy_at_fit"].max(skipna=False)),
        fraction_delayed=float(np.mean(np.nan_to_num(grok["delay_ratio"]) >= delay)),
        fraction_grokked_after_fit=float(np.mean((grok["test_accuracy_at_fit"] <= after_fit)
                                                 & np.isfinite(t))),
        delay_ratio=float(censored_median(grok["delay_ratio"])),
        t_test=float(censored_median(t)),
        weight_norm_ratio=ratio("weight_norm_at_grok", "weight_norm_at_fit"),
        norm_at_fit_over_init=ratio("weight_norm_at_fit", "weight_norm_init"),
        concentration_lead_ratio=worst("concentration_half_step", "test_half_step"),
    )
    if "restricted_fall_step" in grok and grok["restricted_fall_step"].notna().any():
        out["restricted_lead_ratio"] = worst("restricted_fall_step", "test_loss_fall_step")
        out["excluded_rise"] = ratio("excluded_loss_at_test_fall", "excluded_loss_at_fit")
    if "n_key_frequencies" in grok and grok["n_key_frequencies"].notna().any():
        out.update(median_key_frequencies=float(grok["n_key_frequencies"].median()),
                   rerun_max_difference=float(grok["rerun_difference"].max()),
                   key_frequencies_stable=float(grok["keys_stable"].mean()))
    for name in ("unit_concentration", "embedding_topk"):
        if curves is not None and name in curves and curves[name].notna().any():
            c = curves.assign(arm="arm")
            out[f"{name}_init"], out[f"{name}_final"] = curve_ends(c, "arm", name)
    return out


def describe_steps(values) -> str:
    """Steps-to-grok over nets in words: the censored median ("never": not within the budget)
    and, for several nets, the range of those that got there (``"1100 (range 940–1380: 10 of
    10 nets)"``); one value as itself."""
    v = censored(np.atleast_1d(values))
    fin, med = v[np.isfinite(v)], np.median(v)
    text = "never" if np.isinf(med) else f"{med:.0f}"
    if len(v) > 1 and len(fin):
        text += f" (range {fin.min():.0f}–{fin.max():.0f}: {len(fin)} of {len(v)} nets)"
    return text
