"""Grokking: the analysis functions (nntheory.analysis.grokking) on cases whose answer is known
exactly; the study's metrics on tables built by hand, its config rules, its paired keys, and
its test profile computed in memory (tables, exact facts, the transformer's two-pass run and
the operations figure). The end-to-end run and report are in tests/test_studies.py."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest

from nntheory import nets, runner, train
from nntheory.analysis import grokking as gk
from nntheory.study import Evidence, get_study

# ---------------------------------------------------------------------------------------------
# When: first steps, grokking steps, rises
# ---------------------------------------------------------------------------------------------

STEP = np.array([0, 10, 20, 30, 40])


@pytest.mark.parametrize(
    "values,threshold,expected",
    [
        ([0.0, 0.5, 0.99, 1.0, 1.0], 0.99, 20.0),
        ([0.0, 0.5, 0.98, 0.98, 0.98], 0.99, math.nan),
        ([1.0, 1.0, 1.0, 1.0, 1.0], 0.99, 0.0),
        ([0.0, np.nan, 0.2, 0.995, np.nan], 0.99, 30.0),
        ([0.0, 1.0, 0.0, 1.0, 0.0], 0.5, 10.0),  # the first crossing counts
    ],
)
def test_first_step_reaching(values, threshold, expected):
    got = gk.first_step_reaching(STEP, np.array(values), threshold)
    assert (math.isnan(expected) and math.isnan(got)) or got == expected


def test_grokking_steps_on_an_ensemble_history():
    """(K, T) curves give per-member fit and grok steps and their ratio; a History and a
    mapping give the same answer; a member that never generalises gets NaN."""
    tr = np.array([[0.1, 0.99, 1, 1, 1], [0.5, 1, 1, 1, 1], [0, 0, 0.99, 1, 1]])
    te = np.array([[0, 0, 0.2, 0.995, 1], [0, 0.99, 1, 1, 1], [0, 0, 0, 0.5, 0.9]])
    hist = train.History(STEP, dict(train_accuracy=tr, test_accuracy=te), np.zeros(3, bool),
                         -np.ones(3, int), 0.0)
    for h in (hist, dict(step=STEP, train_accuracy=tr, test_accuracy=te)):
        g = gk.grokking_steps(h)
        np.testing.assert_array_equal(g.train_step, [10, 10, 20])
        np.testing.assert_array_equal(g.test_step, [30, 10, np.nan])
        np.testing.assert_array_equal(g.ratio, [3, 1, np.nan])
    g = gk.grokking_steps(hist, 0.99, test_threshold=0.5)
    np.testing.assert_array_equal(g.test_step, [30, 10, 30])


def test_first_step_reaching_checks_lengths():
    with pytest.raises(ValueError, match="log points"):
        gk.first_step_reaching(STEP, np.zeros(4), 0.5)


@pytest.mark.parametrize(
    "values,fraction,expected",
    [
        ([0.0, 0.25, 0.5, 0.75, 1.0], 0.5, 20.0),
        ([0.0, 0.25, 0.5, 0.75, 1.0], 1.0, 40.0),
        ([0.2, 0.9, 0.9, 0.6, 0.6], 0.5, 10.0),  # an overshoot counts from its first crossing
        ([1.0, 0.8, 0.6, 0.4, 0.2], 0.5, math.nan),  # falls: no rise
        ([0.3, 0.3, 0.3, 0.3, 0.3], 0.5, math.nan),
    ],
)
def test_rise_step(values, fraction, expected):
    got = gk.rise_step(STEP, np.array(values), fraction)
    assert (math.isnan(expected) and math.isnan(got)) or got == expected


# ---------------------------------------------------------------------------------------------
# Fourier basis and spectra
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [2, 3, 4, 7, 8, 13, 113])
def test_fourier_basis_is_orthonormal(p):
    """B Bᵀ = I, one row per basis function, frequencies 0, 1, 1, 2, 2, … (⌊p/2⌋ + 1 in all)."""
    b = gk.fourier_basis(p)
    np.testing.assert_allclose(b @ b.T, np.eye(p), atol=1e-12)
    f = gk.basis_frequencies(p)
    assert len(f) == p and f.max() == p // 2 and gk.n_frequencies(p) == p // 2 + 1
    assert np.all(np.bincount(f)[1:(p - 1) // 2 + 1] == 2)


@pytest.mark.parametrize("p,k", [(7, 1), (7, 3), (13, 5), (12, 6), (12, 2)])
def test_pure_cosine_embedding_has_all_energy_at_its_frequency(p, k):
    """E[a, j] = cos(2πka/p + φ_j): energy only at frequency k, summing to ‖E‖_F²."""
    a = np.arange(p)[:, None]
    phases = np.array([0.0, 0.7, 2.0])[None, :]
    emb = np.cos(2 * np.pi * k * a / p + phases)
    if 2 * k == p:  # the Nyquist frequency has no sine: take cosines only
        emb = np.cos(np.pi * a) * np.ones((1, 3))
    e = np.asarray(jax.jit(gk.frequency_energy)(jnp.asarray(emb, jnp.float32)))
    expected = np.zeros(p // 2 + 1)
    expected[k] = np.sum(emb**2)
    np.testing.assert_allclose(e, expected, atol=1e-4)
    np.testing.assert_allclose(jax.jit(gk.frequency_norms)(emb), np.sqrt(expected), atol=1e-3)


def test_frequency_energy_parseval_and_batching():
    """Energies of a random embedding sum to ‖E‖_F²; leading axes are batch axes."""
    emb = jax.random.normal(jax.random.PRNGKey(0), (3, 11, 5))
    e = jax.jit(gk.frequency_energy)(emb)
    assert e.shape == (3, 6)
    np.testing.assert_allclose(e.sum(-1), (emb**2).sum((-2, -1)), rtol=1e-5)
    np.testing.assert_allclose(e[1], jax.jit(gk.frequency_energy)(emb[1]), rtol=1e-6)


@pytest.mark.parametrize(
    "energy,k,expected",
    [
        ([1.0, 4.0, 3.0, 2.0], 1, 0.4),
        ([1.0, 4.0, 3.0, 2.0], 2, 0.7),
        ([0.0, 1.0, 1.0, 1.0, 1.0], 2, 0.5),
        ([5.0, 0.0, 5.0], 1, 0.5),  # the constant counts in the total, never in the top k
    ],
)
def test_top_k_fraction(energy, k, expected):
    assert float(gk.top_k_fraction(jnp.asarray(energy), k)) == pytest.approx(expected)


@pytest.mark.parametrize("k", [0, 4])
def test_top_k_fraction_rejects_k(k):
    with pytest.raises(ValueError, match="k must be in"):
        gk.top_k_fraction(jnp.ones(4), k)


def test_key_frequencies_and_coverage_mask():
    """Key frequencies in order of energy (1-based); the coverage mask is the fewest
    frequencies reaching the coverage, constant excluded."""
    e = np.array([100.0, 1.0, 6.0, 0.5, 2.5])
    np.testing.assert_array_equal(gk.key_frequencies(e, 3), [2, 4, 1])
    np.testing.assert_array_equal(gk.coverage_mask(e, 0.6), [0, 0, 1, 0, 0])
    np.testing.assert_array_equal(gk.coverage_mask(e, 0.85), [0, 0, 1, 0, 1])
    np.testing.assert_array_equal(gk.coverage_mask(e, 1.0), [0, 1, 1, 1, 1])
    batch = gk.coverage_mask(np.stack([e, e[[0, 4, 3, 2, 1]]]), 0.6)
    np.testing.assert_array_equal(batch, [[0, 0, 1, 0, 0], [0, 0, 0, 1, 0]])


@pytest.mark.parametrize(
    "energy,expected",
    [
        ([[0.0, 2.0, 0.0], [0.0, 0.0, 3.0]], 1.0),  # each unit a single frequency
        ([[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]], 1 / 3),
        ([[2.0, 1.0, 1.0], [0.0, 4.0, 0.0]], 5 / 8),
    ],
)
def test_unit_concentration(energy, expected):
    assert float(gk.unit_concentration(jnp.asarray(energy))) == pytest.approx(expected)


# ---------------------------------------------------------------------------------------------
# Restricted and excluded logits
# ---------------------------------------------------------------------------------------------

P = 11


def _grid():
    a, b = np.meshgrid(np.arange(P), np.arange(P), indexing="ij")
    return a, b


def _table():
    """A logit table: 2·cos(w₃(a+b−c)) + sin(w₁(a+b))·(c = 0) + a part in a alone + a mean."""
    a, b = _grid()
    c = np.arange(P)
    w = 2 * np.pi / P
    sum_part = 2 * np.cos(3 * w * (a + b)[..., None] - 3 * w * c)
    sum_part[..., 0] += np.sin(w * (a + b))
    other = 0.3 * np.cos(2 * w * a)[..., None] * np.ones(P)
    return sum_part, other, 0.7


def test_sum_energy_and_projections_are_exact():
    """The a+b spectrum sees frequencies 3 and 1 only; restricting to {3} keeps the mean and
    the 2cos(w₃(a+b−c)) part; excluding {3} leaves everything else; restricted + excluded =
    L + mean."""
    sum_part, other, mean = _table()
    logits = jnp.asarray(sum_part + other + mean)
    e = np.asarray(jax.jit(gk.sum_frequency_energy)(logits))
    a, b = _grid()
    w = 2 * np.pi / P
    three = 2 * np.cos(3 * w * (a + b)[..., None] - 3 * w * np.arange(P))
    np.testing.assert_allclose(e[3], np.sum(three**2), rtol=1e-4)
    np.testing.assert_allclose(e[1], np.sum(np.sin(w * (a + b)) ** 2), rtol=1e-4)
    np.testing.assert_allclose(np.delete(e, [0, 1, 3]), 0, atol=1e-3)
    mask = np.zeros(P // 2 + 1, bool)
    mask[3] = True
    r = np.asarray(jax.jit(gk.restricted_logits)(logits, mask))
    x = np.asarray(jax.jit(gk.excluded_logits)(logits, mask))
    np.testing.assert_allclose(r, three + mean, atol=1e-4)
    np.testing.assert_allclose(x, np.asarray(logits) - three, atol=1e-4)
    np.testing.assert_allclose(r + x, np.asarray(logits) + mean, atol=1e-4)


def test_sum_projection_matches_nandas_2d_directions():
    """Cross-check: the component along cos(w(a+b)) and sin(w(a+b)), built from the explicit
    normalised 2-D directions (cos x cos y − sin x sin y)/√2 etc. of Nanda et al.'s code,
    equals the anti-diagonal/1-D-basis projection used here, for a random table."""
    logits = np.asarray(jax.random.normal(jax.random.PRNGKey(3), (P, P, 4)), np.float64)
    basis = gk.fourier_basis(P)
    mask = np.zeros(P // 2 + 1, bool)
    mask[[2, 5]] = True
    expected = np.zeros_like(logits)
    for k in (2, 5):
        c, s = basis[2 * k - 1], basis[2 * k]
        for d in (np.outer(c, c) - np.outer(s, s), np.outer(s, c) + np.outer(c, s)):
            d = d.reshape(-1) / np.sqrt(2)
            flat = logits.reshape(P * P, -1)
            expected += (d[:, None] * (d @ flat)[None, :]).reshape(P, P, -1)
    got = np.asarray(jax.jit(gk.excluded_logits)(jnp.asarray(logits, jnp.float32), mask))
    np.testing.assert_allclose(logits - got, expected, atol=1e-4)


def test_masked_cross_entropy_is_stable_and_exact():
    """Equals −log softmax[label] averaged over the mask; finite for logits of 1e4."""
    logits = jnp.array([[2.0, 0.0], [0.0, 1.0], [5.0, 5.0]])
    labels = jnp.array([0, 1, 1])
    where = jnp.array([True, True, False])
    expected = np.mean([np.log1p(np.exp(-2.0)), np.log1p(np.exp(-1.0))])
    assert float(gk.masked_cross_entropy(logits, labels, where)) == pytest.approx(expected)
    big = gk.masked_cross_entropy(jnp.array([[1e4, 0.0]]), jnp.array([1]), jnp.array([True]))
    assert float(big) == pytest.approx(1e4)


# ---------------------------------------------------------------------------------------------
# Norms and summaries
# ---------------------------------------------------------------------------------------------


def test_global_norm():
    params = dict(a=jnp.array([3.0, 0.0]), b=[jnp.array([[4.0]]), jnp.zeros(3)])
    assert float(gk.global_norm(params)) == pytest.approx(5.0)


@pytest.mark.parametrize(
    "x,y,expected",
    [
        ([0.3, 0.5, 0.7], [900, 400, 100], -1.0),
        ([0.3, 0.5, 0.7], [np.inf, 400, 100], -1.0),  # never grokked = slowest
        ([0.3, 0.5, 0.7], [np.inf, np.inf, 100], -math.sqrt(3) / 2),  # a tie breaks it
        ([0.3, 0.5, 0.7], [100, 400, 900], 1.0),
        ([0.3, 0.5, 0.7], [5, 5, 5], math.nan),
    ],
)
def test_rank_correlation(x, y, expected):
    got = gk.rank_correlation(x, y)
    assert (math.isnan(expected) and math.isnan(got)) or got == pytest.approx(expected)


def test_censored_median():
    assert gk.censored_median([100.0, np.nan, 300.0]) == 300.0
    assert gk.censored_median([np.nan, np.nan, 300.0]) == np.inf
    np.testing.assert_array_equal(gk.censored([1.0, np.nan]), [1.0, np.inf])


def test_rank_correlation_is_exactly_minus_one_for_a_falling_sequence():
    """Float Pearson on ranks gives −0.9999999999999999 for some lengths; ρ is exact here."""
    for n in range(2, 9):
        assert gk.rank_correlation(np.arange(n), -np.arange(n) ** 2) == -1.0
        assert gk.rank_correlation(np.arange(n), np.arange(n) + 0.5) == 1.0


def test_finite_median():
    assert gk.finite_median([1.0, np.nan, 3.0, np.inf, 2.0]) == 2.0
    assert math.isnan(gk.finite_median([np.nan, np.inf]))


# ---------------------------------------------------------------------------------------------
# Per-net summaries and tables
# ---------------------------------------------------------------------------------------------


def test_value_at_each_members_own_step():
    v = np.array([[0.0, 1, 2, 3, 4], [10, 11, 12, 13, 14]])
    np.testing.assert_array_equal(gk.value_at(STEP, v, [20.0, np.nan]), [2.0, np.nan])
    np.testing.assert_array_equal(gk.value_at(STEP, v, [40.0, 0.0]), [4.0, 10.0])


def _curves():
    """Two members: the first fits at 10 and groks at 30, the second never generalises."""
    return dict(
        train_accuracy=np.array([[0.1, 0.99, 1, 1, 1], [0.2, 0.5, 0.995, 1, 1]]),
        test_accuracy=np.array([[0.0, 0.02, 0.6, 0.995, 1], [0.0, 0.0, 0.01, 0.1, 0.2]]),
        weight_norm=np.array([[1.0, 2, 3, 2.5, 2], [1, 1.5, 2, 2.5, 3]]),
        unit_concentration=np.array([[0.1, 0.3, 0.6, 0.8, 0.9], [0.1, 0.1, 0.1, 0.1, 0.1]]),
    )


def test_grok_summary():
    s = gk.grok_summary(STEP, _curves(), 0.99)
    np.testing.assert_array_equal(s["t_train"], [10, 20])
    np.testing.assert_array_equal(s["t_test"], [30, np.nan])
    np.testing.assert_array_equal(s["delay_ratio"], [3, np.nan])
    np.testing.assert_array_equal(s["test_accuracy_at_fit"], [0.02, 0.01])
    np.testing.assert_array_equal(s["test_half_step"], [20, np.nan])
    np.testing.assert_array_equal(s["concentration_half_step"], [20, np.nan])  # 2nd: no rise
    np.testing.assert_array_equal(s["weight_norm_at_fit"], [2, 2])
    np.testing.assert_array_equal(s["weight_norm_at_grok"], [2.5, np.nan])
    np.testing.assert_array_equal(s["final_weight_norm"], [2, 3])
    no_conc = {k: v for k, v in _curves().items() if k != "unit_concentration"}
    assert np.isnan(gk.grok_summary(STEP, no_conc)["concentration_half_step"]).all()


def test_ensemble_tables_split_members_into_replicates_and_seeds():
    curves, summary = gk.ensemble_tables(STEP, {k: np.concatenate([v, v]) for k, v in
                                                _curves().items()}, seeds=2)
    assert len(curves) == 4 * len(STEP) and len(summary) == 4
    assert list(summary["replicate"]) == [0, 0, 1, 1] and list(summary["seed"]) == [0, 1, 0, 1]
    row = curves[(curves["replicate"] == 1) & (curves["seed"] == 0)]
    np.testing.assert_array_equal(row["test_accuracy"], _curves()["test_accuracy"][0])
    np.testing.assert_array_equal(summary["t_test"], [30, np.nan, 30, np.nan])


def test_unit_energy_and_shares_of_gromovs_solution():
    """Gromov's solution U[a, n] = cos(2πσₙa/p + φₙ), V likewise: each unit's energy lies at its
    own frequency σₙ (concentration 1), and the shares sort the units by frequency."""
    p, sigma = 13, np.array([3, 1, 5, 1])
    a = np.arange(p)[:, None]
    u = np.cos(2 * np.pi * sigma * a / p + 0.3)
    v = np.cos(2 * np.pi * sigma * a / p - 1.1)
    e = np.asarray(jax.jit(gk.unit_energy)(jnp.asarray(u), jnp.asarray(v)))
    assert e.shape == (4, p // 2 + 1)
    np.testing.assert_array_equal(np.argmax(e, axis=1), sigma)
    assert float(gk.unit_concentration(e)) == pytest.approx(1.0, abs=1e-5)
    shares = gk.unit_shares(e)
    np.testing.assert_array_equal(np.argmax(shares, axis=1), [1, 1, 3, 5])
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    stacked = np.asarray(gk.unit_energy(np.stack([u, u]), np.stack([v, v])))
    np.testing.assert_allclose(stacked[1], e, rtol=1e-5, atol=1e-6)


def test_table_losses_on_all_frequencies():
    """With every frequency kept, the restricted logits are the part of the table that depends
    on a + b only: a table of that form has restricted loss = its loss on all pairs and
    excluded loss = the loss of its mean on the training pairs."""
    sum_part, _, mean = _table()
    logits = jnp.asarray(sum_part + mean, jnp.float32)
    a, b = _grid()
    labels = jnp.asarray((a + b) % P)
    train_mask = jnp.asarray((a + b) % 3 == 0)
    out = jax.jit(gk.table_losses)(logits, labels, train_mask, np.ones(P // 2 + 1, bool))
    full = gk.masked_cross_entropy(logits, labels, jnp.ones((P, P), bool))
    flat = gk.masked_cross_entropy(jnp.full_like(logits, mean), labels, train_mask)
    assert float(out["restricted_loss"]) == pytest.approx(float(full), rel=1e-5)
    assert float(out["excluded_loss"]) == pytest.approx(float(flat), rel=1e-5)


def test_member_data_nested_splits_and_table():
    keys = list(jax.random.split(jax.random.PRNGKey(0), 3))
    small = gk.member_data(11, "+", 0.3, keys)
    big = gk.member_data(11, "+", 0.6, keys, with_table=True)
    assert small["x_train"].shape == (3, 36, 2) and big["x_train"].shape == (3, 73, 2)
    for i in range(3):  # a smaller training set is a subset of a larger one (same key)
        assert {tuple(r) for r in np.asarray(small["x_train"][i])} <= {
            tuple(r) for r in np.asarray(big["x_train"][i])}
    mask = np.asarray(big["train_mask"])
    assert mask.shape == (3, 121) and (mask.sum(axis=1) == 73).all()
    x_all = np.asarray(big["x_all"][0])
    np.testing.assert_array_equal(np.asarray(big["y_all"][0]), x_all.sum(axis=1) % 11)
    assert not np.array_equal(mask[0], mask[1])  # each member its own split


def test_mlp_progress_measures():
    """On Gromov's MLP: the measures are jittable per member, the weight norm is ‖θ‖₂, and the
    restricted/excluded losses appear only when the data carries the table."""
    net = nets.modular_mlp(11, 8)
    params = net.init_params(jax.random.PRNGKey(1), (1, 2))
    keys = [jax.random.PRNGKey(2)]
    d = {k: v[0] for k, v in gk.member_data(11, "+", 0.5, keys, with_table=True).items()}
    out = jax.jit(gk.mlp_progress(net, 11, 5))(params, d)
    assert set(out) == {"weight_norm", "unit_concentration", "embedding_topk",
                        "restricted_loss", "excluded_loss"}
    assert float(out["weight_norm"]) == pytest.approx(float(gk.global_norm(params)))
    assert 0 < float(out["unit_concentration"]) <= 1 and 0 < float(out["embedding_topk"]) <= 1
    plain = {k: d[k] for k in ("x_train", "y_train", "x_test", "y_test")}
    assert set(jax.jit(gk.mlp_progress(net, 11, 5))(params, plain)) == {
        "weight_norm", "unit_concentration", "embedding_topk"}


def test_rerun_difference():
    a = np.array([[0.1, 0.5, 1.0], [0.0, np.nan, np.nan], [0.2, 0.3, 0.4]])
    b = np.array([[0.1, 0.5, 1.0], [0.0, np.nan, np.nan], [0.2, np.nan, 0.4]])
    b2 = b.copy()
    b2[0, 2] = 0.75
    np.testing.assert_array_equal(gk.rerun_difference(a, b), [0.0, 0.0, np.inf])
    np.testing.assert_allclose(gk.rerun_difference(a, b2)[0], 0.25)


# ---------------------------------------------------------------------------------------------
# Other recipes, phases and censored summaries
# ---------------------------------------------------------------------------------------------


def test_mean_field_mlp_is_gromovs_formula():
    """f(a, b) = (1/N) Wᵀ ((U[a] + V[b]) / √(2p))² with standard-normal weights (Gromov 2023,
    Eqs. 1–2): the apply function computes it, and the weights it initialises are N(0, 1)."""
    p, n = 11, 64
    net = gk.mean_field_mlp(p, n)
    params = net.init_params(jax.random.PRNGKey(0), (1, 2))
    for name in ("U", "V", "W"):
        assert abs(float(jnp.std(params[name])) - 1.0) < 0.1
    x = jnp.array([[0, 0], [3, 7], [10, 1]])
    h = (params["U"][x[:, 0]] + params["V"][x[:, 1]]) / np.sqrt(2 * p)
    np.testing.assert_allclose(net.apply(params, x), (h**2) @ params["W"] / n, rtol=1e-5,
                               atol=1e-7)


def test_one_hot_targets_and_accuracy():
    """Labels become one-hot targets and ride along; the accuracies are arg-max against them."""
    net = nets.modular_mlp(11, 8)
    params = net.init_params(jax.random.PRNGKey(1), (1, 2))
    d = {k: v[0] for k, v in gk.member_data(11, "+", 0.5, [jax.random.PRNGKey(2)]).items()}
    oh = gk.one_hot_targets(d, 11)
    assert oh["y_train"].shape == (d["x_train"].shape[0], 11)
    np.testing.assert_array_equal(np.argmax(oh["y_test"], -1), d["y_test"])
    out = jax.jit(gk.with_accuracy(net, gk.mlp_progress(net, 11, 5)))(params, oh)
    expected = np.mean(np.argmax(net.apply(params, d["x_test"]), -1) == np.asarray(d["y_test"]))
    assert float(out["test_accuracy"]) == pytest.approx(expected)
    assert {"train_accuracy", "weight_norm", "unit_concentration"} <= set(out)


@pytest.mark.parametrize(
    "values,expected",
    [
        ([8.0, 4.0, 2.0, 1.0, 1.0], 20.0),  # log 8 → log 1: half-way at 2√2, first below: 2
        ([1.0, 1.0, 1.0, 1.0, 1e-4], 40.0),
        ([1.0, 2.0, 4.0, 8.0, 16.0], math.nan),  # rises: no fall
    ],
)
def test_fall_step(values, expected):
    got = gk.fall_step(STEP, np.array(values))
    assert (math.isnan(expected) and math.isnan(got)) or got == expected


@pytest.mark.parametrize(
    "x,t,expected,pairs",
    [
        ([0.4, 0.5, 0.6], [900, 400, 100], 1.0, 3),
        ([0.4, 0.5, 0.6], [100, 400, 900], 0.0, 3),
        ([0.4, 0.5, 0.6], [np.nan, 400, 100], 1.0, 3),  # never = slower than any that did
        ([0.4, 0.5, 0.6], [np.nan, np.nan, 100], 1.0, 2),  # two censored: not comparable
        ([0.4, 0.5, 0.6], [400, np.nan, 100], 2 / 3, 3),  # 0.5 slower than 0.4: discordant
        ([0.4, 0.5, 0.5], [400, 400, 100], 0.75, 2),  # a tie counts ½; equal x skipped
        ([0.4, 0.5], [np.nan, np.nan], math.nan, 0),
    ],
)
def test_censored_concordance(x, t, expected, pairs):
    c, n = gk.censored_concordance(np.array(x), np.array(t, float))
    assert n == pairs
    assert (math.isnan(expected) and math.isnan(c)) or c == pytest.approx(expected)


@pytest.mark.parametrize(
    "slow,ref,expected",
    [
        ([np.nan, np.nan], [1000.0, 1200.0], 2000 / 1100),  # never: at least the budget
        ([1500.0, np.nan], [1000.0], 1.5),
        ([np.nan], [np.nan, np.nan], math.nan),  # the reference never grokked
    ],
)
def test_slowdown_lower_bound(slow, ref, expected):
    got = gk.slowdown_lower_bound(np.array(slow), 2000, np.array(ref))
    assert (math.isnan(expected) and math.isnan(got)) or got == pytest.approx(expected)


def test_grok_summary_phases_and_initial_norm():
    """With restricted/excluded losses: the half-falls (log scale) of the restricted and test
    losses, and the excluded loss at the fit step and at the test loss's half-fall."""
    curves = dict(_curves(), restricted_loss=np.array([[4.0, 1, 0.5, 0.25, 0.25]] * 2),
                  test_loss=np.array([[4.0, 4, 4, 1, 0.25]] * 2),
                  excluded_loss=np.array([[0.1, 0.2, 0.4, 0.8, 1.6]] * 2))
    s = gk.grok_summary(STEP, curves, 0.99)
    np.testing.assert_array_equal(s["restricted_fall_step"], [10, 10])
    np.testing.assert_array_equal(s["test_loss_fall_step"], [30, 30])
    np.testing.assert_array_equal(s["excluded_loss_at_fit"], [0.2, 0.4])
    np.testing.assert_array_equal(s["excluded_loss_at_test_fall"], [0.8, 0.8])
    np.testing.assert_array_equal(s["weight_norm_init"], [1, 1])
    assert "restricted_fall_step" not in gk.grok_summary(STEP, _curves())


def test_arm_metrics_by_hand():
    _, grok = gk.ensemble_tables(STEP, _curves(), seeds=2)
    m = gk.arm_metrics(grok, delay=3.0, after_fit=0.015)
    assert m["fraction_grokked"] == 0.5 and m["max_test_accuracy_at_fit"] == 0.02
    assert m["fraction_delayed"] == 0.5 and m["delay_ratio"] == np.inf
    assert m["fraction_grokked_after_fit"] == 0.0  # the net that grokked fitted at 2 % > 1.5 %
    assert m["weight_norm_ratio"] == pytest.approx(1.25)  # 2.5 / 2 for the net that grokked
    assert m["norm_at_fit_over_init"] == pytest.approx(2.0)  # (2/1, 2/1)
    assert m["concentration_lead_ratio"] != m["concentration_lead_ratio"]  # NaN: 2nd never
    curves, _ = gk.ensemble_tables(STEP, _curves(), seeds=2)
    m = gk.arm_metrics(grok, curves)
    assert m["unit_concentration_init"] == pytest.approx(0.1)
    assert m["unit_concentration_final"] == pytest.approx(0.5)


# ---------------------------------------------------------------------------------------------
# The study: config rules, paired keys, metrics by hand
# ---------------------------------------------------------------------------------------------

G = "grokking"
STUDY = get_study(G)


@pytest.mark.parametrize(
    "override,fragment",
    [
        (dict(weight_decays=[0.3]), "including 0"),
        (dict(train_fractions=[0.6]), "at least two fractions"),
        (dict(train_fraction=1.0), r"in \(0, 1\)"),
        (dict(steps=45), "must divide steps"),
        (dict(p=7), "at least 11"),
        (dict(ops=["%"]), "unknown modular operation"),
        (dict(activation="cubic"), "unknown activation"),
        (dict(tf_size=[10, 4, 8]), "divisible"),
        (dict(tf_size=[8, 4]), "d_model, heads, d_mlp"),
        (dict(tf_steps=300), "multiple of 200"),
        (dict(seeds=0), "positive"),
        (dict(li_steps=3010), "must divide li_steps"),
        (dict(fraction_seeds=3), "at most seeds"),
    ],
)
def test_config_rejects(override, fragment):
    with pytest.raises(ValueError, match=fragment):
        STUDY.config("quick", override)


def test_arms_change_one_setting_at_a_time():
    cfg = STUDY.config("full")
    arms = STUDY.arms(cfg)
    assert arms[0] == dict(arm="main", kind="main", recipe="adamw", activation="relu",
                           weight_decay=1.0, train_fraction=0.4, op="+")
    names = [a["arm"] for a in arms]
    assert names == ["main", "weight_decay=0", "weight_decay=0.1", "weight_decay=0.3",
                     "weight_decay=3", "fraction=0.3", "fraction=0.5", "fraction=0.6",
                     "fraction=0.8", "op=*", "op=x^2+xy+y^2", "gromov", "large_init"]
    for a in arms[1:-2]:  # exactly one setting differs from the main run's
        assert sum(a[k] != arms[0][k] for k in ("activation", "weight_decay",
                                                 "train_fraction", "op")) == 1
    assert arms[-2]["activation"] == "poly2" and arms[-2]["weight_decay"] == 0.0
    assert arms[-1]["weight_decay"] == cfg.li_weight_decay
    assert len(STUDY.config("quick").fractions) == 5


def test_paired_keys_are_per_replicate():
    """A replicate's data and initialisation keys depend on its own key only, so a batch of
    replicates gives each the keys it would get alone (and every arm the same keys)."""
    cfg = STUDY.config("test")
    k0, k1 = jax.random.PRNGKey(5), jax.random.PRNGKey(6)
    both = STUDY.paired_keys(cfg, jnp.stack([k0, k1]))
    alone = STUDY.paired_keys(cfg, jnp.stack([k1]))
    for name in ("data_keys", "init_keys"):
        assert both[name].shape[0] == 2 * cfg.seeds
        np.testing.assert_array_equal(both[name][cfg.seeds:], alone[name])
    assert len({tuple(np.asarray(k)) for k in both["data_keys"]}) == 2 * cfg.seeds


def _hand_tables():
    """Two seeds: main (fit at 80, grok at 1000/never), λ = 0 (never), fractions 0.5 and 0.7
    (seed 0 only, as fraction_seeds = 1 at quick), Gromov's arm and the large initialisation."""
    rows = []

    def arm(arm, kind, t_test, delay, wd=1.0, fr=0.6, recipe="adamw", norm=(2.0, 3.0),
            seeds=2, at_fit=(0.01, 0.03)):
        for s in range(seeds):
            rows.append(dict(arm=arm, kind=kind, recipe=recipe, seed=s, model="mlp",
                             activation="relu", weight_decay=wd, train_fraction=fr, op="+",
                             t_train=80.0, t_test=t_test[s], delay_ratio=delay[s],
                             test_accuracy_at_fit=at_fit[s], test_half_step=400.0,
                             concentration_half_step=[200.0, 440.0][s], weight_norm_init=1.0,
                             weight_norm_at_fit=2.0,
                             weight_norm_at_grok=norm[s] if t_test[s] > 0 else np.nan,
                             final_weight_norm=norm[s] * 2, diverged=False))

    arm("main", "main", [1000.0, np.nan], [12.5, np.nan])
    arm("weight_decay=0", "weight_decay", [np.nan, np.nan], [np.nan, np.nan], wd=0.0,
        norm=(4.0, 6.0))
    arm("fraction=0.5", "fraction", [np.nan], [np.nan], fr=0.5, seeds=1)
    arm("fraction=0.7", "fraction", [600.0], [7.5], fr=0.7, seeds=1)
    arm("gromov", "gromov", [160.0, 320.0], [2.0, 4.0], wd=0.0, recipe="gromov",
        at_fit=(0.02, 0.6))
    arm("large_init", "large_init", [2600.0], [6.0], wd=0.2, fr=0.7, recipe="large_init",
        norm=(0.6,), seeds=1)
    curves = pd.DataFrame(dict(arm="main", seed=[0, 1, 0, 1], step=[0, 0, 100, 100],
                               unit_concentration=[0.1, 0.2, 0.9, 0.8],
                               embedding_topk=[0.3, 0.3, 0.4, 0.5]))
    return dict(grok=pd.DataFrame(rows), curves=curves)


def test_metrics_by_hand():
    m = STUDY.module.metrics(_hand_tables(), {}, STUDY.config("quick"))
    assert m["main_max_test_accuracy_at_fit"] == 0.03
    assert m["main_fraction_delayed"] == 0.5 and m["main_fraction_grokked"] == 0.5
    assert m["main_delay_ratio"] == np.inf  # median of (12.5, never)
    assert m["wd0_fraction_grokked"] == 0.0
    assert math.isnan(m["wd0_slowdown"])  # the λ = 1 median is +∞ (one of two never grokked)
    assert m["wd0_final_norm_over_main"] == pytest.approx(2.0)
    # seed 0 of each fraction: 0.5 never, 0.6 at 1000, 0.7 at 600 -> every pair concordant
    assert m["fraction_concordance"] == 1.0 and m["fraction_comparable_pairs"] == 3
    assert m["median_steps_to_grok__fraction_0.7"] == 600.0
    assert m["main_unit_concentration_init"] == pytest.approx(0.15)
    assert m["main_unit_concentration_final"] == pytest.approx(0.85)
    assert m["main_embedding_topk_final"] == pytest.approx(0.45)
    assert m["main_concentration_lead_ratio"] == pytest.approx(1.1)
    assert m["main_weight_norm_ratio"] == pytest.approx(1.0)  # the seed that grokked: 2 / 2
    assert m["gromov_fraction_grokked_after_fit"] == 0.5  # the second fitted at 60 % test
    assert m["gromov_delay_ratio"] == 3.0
    assert m["large_init_weight_norm_ratio"] == pytest.approx(0.3)
    assert "tf_fraction_grokked" not in m


# ---------------------------------------------------------------------------------------------
# The test profile (computed once per session, shared with tests/test_studies.py)
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def computed(test_profile_run):
    """The test profile's two replicates (the transformer arm included)."""
    cfg = STUDY.config("test")
    return cfg, runner.load(STUDY, cfg, (0, 1), root=test_profile_run(G))


def test_tables_one_row_per_net_and_exact_facts(computed):
    cfg, ev = computed
    nets_per = {"main": cfg.seeds, "weight_decay=0": cfg.seeds, "fraction=0.7": 1,
                "gromov": cfg.seeds, "large_init": 1, "transformer": cfg.seeds}
    n_log = cfg.steps // cfg.log_every + 1
    for s in ev.seeds:
        res = ev.per_seed[s]
        grok = res.tables["grok"]
        assert grok.groupby("arm").size().to_dict() == nets_per
        assert not grok["diverged"].any()
        curves = res.tables["curves"]
        assert len(curves[curves["arm"] == "main"]) == cfg.seeds * n_log
        assert (curves[curves["arm"] == "gromov"]["step"].max() == cfg.gromov_steps)
        timing = res.tables["timing"]
        assert set(timing["arm"]) == set(nets_per) and (timing["wall_s"] > 0).all()
        # the whole block of master seeds trains, whichever replicates were asked for
        members = timing.set_index("arm")["members"].to_dict()
        assert members == {a: runner.REPLICATE_BLOCK * n for a, n in nets_per.items()}
        e = res.arrays["main_unit_energy"]
        assert e.shape == (cfg.seeds, cfg.width, cfg.p // 2 + 1)
        # every arm starts from the same initialisation and split: identical step-0 metrics
        first = curves[curves["step"] == 0].set_index(["arm", "seed"])["train_loss"]
        np.testing.assert_allclose(first.loc["main"], first.loc["weight_decay=0"], rtol=1e-6)
    m = ev.metrics
    assert m["wd0_fraction_grokked"].isin([0.0, 0.5, 1.0]).all()
    assert ((0 < m["main_unit_concentration_init"])
            & (m["main_unit_concentration_init"] <= 1)).all()
    # Gromov's arm starts from the main run's initialisation, rescaled: its unit energies (and
    # so the concentration at step 0) are the main run's
    c0 = ev.tables["curves"].query("step == 0").groupby("arm")["unit_concentration"].median()
    assert c0["gromov"] == pytest.approx(c0["main"], rel=1e-4)
    a, b = (ev.per_seed[s].tables["grok"]["final_weight_norm"] for s in ev.seeds)
    assert not np.allclose(a, b)  # each replicate its own nets


def test_transformer_two_passes_coincide(computed):
    """The transformer arm ran twice from one initialisation and the runs coincide
    (deterministic full-batch training), so the key frequencies of the first run are those
    of the second; its restricted/excluded losses are finite."""
    cfg, ev = computed
    assert (ev.metrics["tf_rerun_max_difference"] == 0.0).all()
    assert (ev.metrics["tf_key_frequencies_stable"] == 1.0).all()
    tf = ev.tables["curves"]
    tf = tf[tf["arm"] == "transformer"]
    assert len(tf) == len(ev.seeds) * cfg.seeds * 201
    assert np.isfinite(tf[["restricted_loss", "excluded_loss", "weight_norm"]]).all().all()
    grok = ev.tables["grok"]
    assert (grok.query("arm == 'transformer'")["n_key_frequencies"] >= 1).all()
    assert ev.arrays["transformer_embedding_energy"].shape == (cfg.seeds, cfg.tf_p // 2 + 1)


def test_operations_figure(computed):
    """With an operation sweep, figures() adds the operations figure (drawn here from the
    test results with the fraction arm relabelled as a "*" arm, to spare a training run)."""
    import dataclasses

    import matplotlib.pyplot as plt

    from nntheory.study import Results

    cfg, ev = computed
    per_seed = {}
    for s, res in ev.per_seed.items():
        tables = {k: v.copy() for k, v in res.tables.items()}
        for t in ("curves", "grok"):
            relabel = tables[t]["arm"] == "fraction=0.7"
            tables[t].loc[relabel, ["arm", "kind", "op", "train_fraction"]] = [
                "op=*", "op", "*", cfg.train_fraction]
        per_seed[s] = Results(tables, res.arrays)
    cfg = dataclasses.replace(cfg, ops=("+", "*"))
    figs = STUDY.figures(Evidence(ev.seeds, per_seed, ev.metrics, ev.metas), cfg)
    names = [f.name for f in figs]
    assert names == ["phenomenon", "drivers", "recipes", "progress", "operations",
                     "transformer"]
    for f in figs:
        plt.close(f.fig)
