"""nntheory.analysis.hopfield: the energy never rises under asynchronous updates, stored patterns
are fixed points at low load, the one-step flip rate follows the zero-diagonal signal-to-noise
law, retrieval works at small load and collapses above α_c, and the capacity read from the
curves, the finite-size extrapolation and the replica-symmetric constants are right."""

from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special

from nntheory.analysis import hopfield as hf

KEY = jax.random.PRNGKey(0)


def _noisy(key, pattern, flip: float):
    """``pattern`` with each bit flipped with probability ``flip``."""
    mask = jax.random.uniform(key, pattern.shape) < flip
    return jnp.where(mask, -pattern, pattern)


# ---------------------------------------------------------------------------------------------
# Couplings and energy
# ---------------------------------------------------------------------------------------------


def test_hebbian_weights_are_the_zero_diagonal_outer_product_sum():
    x = np.asarray(hf.random_patterns(KEY, 5, 40))
    assert set(np.unique(x)) == {-1.0, 1.0}
    want = x.T @ x / 40.0
    np.fill_diagonal(want, 0.0)
    w = np.asarray(hf.hebbian_weights(x))
    np.testing.assert_allclose(w, want, atol=1e-7)
    np.testing.assert_array_equal(w, w.T)
    np.testing.assert_array_equal(np.asarray(hf.hebbian_weights(x, normalize=False)),
                                  np.rint(want * 40))
    # pattern mu comes from fold_in(key, mu) alone: more patterns keep the first ones
    np.testing.assert_array_equal(np.asarray(hf.random_patterns(KEY, 8, 40))[:5], x)


def test_energy_is_minus_half_s_w_s_for_one_state_or_many():
    w = np.asarray(hf.hebbian_weights(hf.random_patterns(KEY, 4, 30)))
    s = np.asarray(hf.random_patterns(jax.random.PRNGKey(1), 3, 30))
    want = -0.5 * np.einsum("ki,ij,kj->k", s, w, s)
    np.testing.assert_allclose(np.asarray(hf.energy(w, s)), want, rtol=1e-6)
    assert float(hf.energy(w, s[0])) == pytest.approx(want[0], rel=1e-6)


# ---------------------------------------------------------------------------------------------
# Asynchronous dynamics
# ---------------------------------------------------------------------------------------------


def test_energy_never_increases_with_a_random_symmetric_zero_diagonal_w():
    n = 150
    g = jax.random.normal(jax.random.PRNGKey(2), (n, n))
    w = (g + g.T) / jnp.sqrt(2.0 * n)
    w = jnp.where(jnp.eye(n, dtype=bool), 0.0, w)
    s0 = hf.random_patterns(jax.random.PRNGKey(3), 1, n)[0]
    key = jax.random.PRNGKey(4)
    run = hf.async_dynamics(key, w, s0, 40, record="update")
    e = np.asarray(run.energies)
    assert e.shape == (1 + 40 * n,)
    scale = np.abs(e).max()
    assert np.all(np.diff(e) <= 1e-5 * scale)  # float32 rounding of a float W only
    assert e[-1] < e[0] - 0.1 * scale  # the dynamics did move downhill
    assert bool(run.converged)
    s = np.asarray(run.state)
    assert np.all(s * (np.asarray(w) @ s) >= 0)  # a fixed point of the tie-keeping rule
    assert e[-1] == pytest.approx(float(hf.energy(w, run.state)), rel=1e-5)
    by_sweep = hf.async_dynamics(key, w, s0, 40)  # same key: same trajectory, coarser record
    np.testing.assert_array_equal(np.asarray(by_sweep.state), s)
    np.testing.assert_allclose(np.asarray(by_sweep.energies), e[::n], rtol=1e-5)


def test_energy_never_increases_with_hebbian_weights_exactly():
    n, p = 300, 45  # alpha = 0.15, above capacity: long, wandering runs
    w = hf.hebbian_weights(hf.random_patterns(KEY, p, n), normalize=False)  # integer couplings
    s0 = hf.random_patterns(jax.random.PRNGKey(5), 1, n)[0]
    run = hf.async_dynamics(jax.random.PRNGKey(6), w, s0, 50, record="update")
    e = np.asarray(run.energies)
    assert np.all(np.diff(e) <= 0)  # exact: integer fields, half-integer energies
    assert np.sum(np.diff(e) < 0) > 20
    assert bool(run.converged)
    assert e[-1] == float(hf.energy(w, run.state))


def test_stored_patterns_are_fixed_points_at_very_low_load():
    n, p = 500, 3
    x = hf.random_patterns(jax.random.PRNGKey(7), p, n)
    w = hf.hebbian_weights(x)
    np.testing.assert_array_equal(np.sign(np.asarray(x @ w)), np.asarray(x))  # one step
    for mu in range(p):
        run = hf.async_dynamics(jax.random.PRNGKey(mu), w, x[mu], 5)
        np.testing.assert_array_equal(np.asarray(run.state), np.asarray(x[mu]))
        assert bool(run.converged)
        e = np.asarray(run.energies)
        np.testing.assert_allclose(e, e[0], rtol=1e-6)
        # E(xi) = -(N - 1)/2 - crosstalk: close to -N/2 at low load
        assert e[0] == pytest.approx(-n / 2, rel=0.05)


def test_overlap_dynamics_follows_the_dense_w_trajectory_exactly():
    n, p = 200, 20
    x = hf.random_patterns(jax.random.PRNGKey(8), p, n)
    starts = jnp.stack([_noisy(jax.random.PRNGKey(10 + k), x[k], 0.15) for k in range(4)])
    key = jax.random.PRNGKey(9)
    batch = hf.hebbian_dynamics(key, x, starts, 30)
    w_int = hf.hebbian_weights(x, normalize=False)
    for k in range(4):
        dense = hf.async_dynamics(key, w_int, starts[k], 30)
        single = hf.hebbian_dynamics(key, x, starts[k], 30)
        np.testing.assert_array_equal(np.asarray(batch.state[k]), np.asarray(dense.state))
        np.testing.assert_array_equal(np.asarray(single.state), np.asarray(dense.state))
        assert int(single.sweeps) == int(batch.sweeps[k])
        assert bool(batch.converged[k]) == bool(dense.converged)
    np.testing.assert_allclose(np.asarray(batch.overlaps), np.asarray(batch.state @ x.T) / n,
                               atol=1e-6)
    assert np.all(np.asarray(batch.overlaps)[np.arange(4), np.arange(4)] > 0.9)  # retrieved


# ---------------------------------------------------------------------------------------------
# One synchronous step from a stored pattern
# ---------------------------------------------------------------------------------------------


def test_one_step_flip_probability_follows_the_zero_diagonal_prediction():
    n = 500
    r = hf.one_step_flip_probability(KEY, n, [0.1, 0.2, 0.4], 10)
    np.testing.assert_array_equal(r["P"], [50, 100, 200])
    np.testing.assert_array_equal(r["bits"], 10 * n * r["P"])
    assert r["flips"].shape == (3, 10)
    z = (r["flip_probability"] - r["prediction"]) / r["binomial_se"]
    z_exact = (r["flip_probability"] - r["prediction_exact"]) / r["binomial_se"]
    assert np.all(np.abs(z) < 4), z
    assert np.all(np.abs(z_exact) < 4), z_exact
    # the self-coupling convention is excluded by the data (it is not what is simulated)
    z_self = (r["flip_probability"] - r["prediction_self_coupling"]) / r["binomial_se"]
    assert np.all(z_self[1:] > 10), z_self


def test_flip_prediction_forms_agree_where_they_should():
    a = np.array([0.05, 0.1, 0.2, 0.4])
    big = hf.flip_probability_prediction(a, 10**7)
    np.testing.assert_allclose(big, scipy.special.ndtr(-1 / np.sqrt(a)), rtol=1e-4)
    np.testing.assert_allclose(hf.flip_probability_prediction(a), big, rtol=1e-4)
    # the exact binomial law and its Gaussian form, at N = 2000
    exact = [hf.flip_probability_exact(2000, int(p)) for p in a * 2000]
    np.testing.assert_allclose(exact, hf.flip_probability_prediction(a, 2000), rtol=0.05)
    assert hf.flip_probability_exact(500, 1) == 0.0  # no crosstalk
    assert hf.flip_probability_prediction(0.002, 500) == 0.0  # P = 1


# ---------------------------------------------------------------------------------------------
# Retrieval, capacity, finite-size extrapolation
# ---------------------------------------------------------------------------------------------


def test_retrieval_is_near_perfect_at_low_load_and_collapses_above_capacity():
    r = hf.retrieval_curve(KEY, 500, [0.05, 0.25], 2, 60, starts=10)
    assert r["overlap"].shape == (2, 2, 10)
    assert np.all(r["converged"])
    assert np.nanmin(r["overlap"][0]) > 0.99
    assert r["median_overlap"][0] > 0.995
    assert r["median_overlap"][1] < 0.5
    np.testing.assert_allclose(r["bit_error"], (1 - r["overlap"]) / 2)


def test_capacity_is_between_0p1_and_0p2_at_n_500_and_1000():
    """Replica-symmetric theory: α_c = 0.138; at N of a few hundred to a thousand the collapse
    is smeared and shifted up (finite-size effects, here ≈ 0.16), so a correct simulation falls
    in (0.1, 0.2) while, e.g., synchronous updates, a kept diagonal or a wrong field would not."""
    caps = {}
    for n, loads, seeds in ((500, np.arange(0.08, 0.2201, 0.02), 3),
                            (1000, np.arange(0.10, 0.2001, 0.02), 2)):
        r = hf.retrieval_curve(KEY, n, loads, seeds, 60, starts=10)
        caps[n] = hf.capacity_from_curve(r["load"], r["overlap"], 0.9)
        frac = hf.capacity_from_curve(r["load"], r["overlap"], 0.9, statistic="fraction")
        assert 0.1 < caps[n] < 0.2, (n, caps[n])
        assert 0.1 < frac < 0.2, (n, frac)
        # just below capacity the retrieval states are at least as good as at α_c (m ≥ 0.967)
        low = r["load"] <= 0.12
        assert np.all(r["median_overlap"][low] >= hf.OVERLAP_AT_ALPHA_C)
        assert np.nanmedian(r["bit_error"][low]) <= hf.BIT_ERROR_AT_ALPHA_C


def test_retrieval_of_one_load_does_not_depend_on_the_others_or_the_batching():
    # load 0.1 is padded to P_max = 40 with load 0.2 present, unpadded alone
    a = hf.retrieval_curve(KEY, 200, [0.1, 0.2], 2, 20, starts=6, batch_size=4)
    b = hf.retrieval_curve(KEY, 200, [0.1], 2, 20, starts=12)
    np.testing.assert_array_equal(a["overlap"][0], b["overlap"][0, :, :6])
    np.testing.assert_array_equal(a["sweeps_run"][0], b["sweeps_run"][0, :, :6])
    assert a["overlap"][0].min() < 1  # some runs moved (not a vacuous comparison)
    c = hf.retrieval_curve(KEY, 200, [0.02], 1, 5, starts=6)  # P = 4 < starts: masked
    assert np.isnan(c["overlap"][0, 0, 4:]).all() and not c["converged"][0, 0, 4:].any()
    assert np.isfinite(c["overlap"][0, 0, :4]).all()


def test_capacity_from_curve_interpolates_the_first_crossing():
    loads = np.array([0.1, 0.12, 0.14, 0.16])
    med = np.array([1.0, 0.98, 0.5, 0.95])  # a later rise does not matter
    ov = np.repeat(med[:, None], 5, axis=1)
    assert hf.capacity_from_curve(loads, ov, 0.9) == pytest.approx(0.12 + 0.02 * 0.08 / 0.48)
    assert np.isnan(hf.capacity_from_curve(loads, np.ones((4, 3)), 0.9))  # never crosses
    assert np.isnan(hf.capacity_from_curve(loads, np.zeros((4, 3)), 0.9))  # starts below
    # fraction retrieved: 1, 1, 1/4, 0 -> crosses 1/2 two thirds of the way to 0.14
    ov = np.array([[1, 1, 1, 1], [1, 1, 1, 1], [1, 0, 0, 0], [0, 0, 0, np.nan]], float)
    assert hf.capacity_from_curve(loads, ov, statistic="fraction") == pytest.approx(
        0.12 + 0.02 * 0.5 / 0.75)


def test_extrapolate_capacity_recovers_a_known_alpha_inf():
    ns = np.array([250, 500, 1000, 2000, 4000])
    exact = hf.extrapolate_capacity(ns, 0.138 + 0.6 / np.sqrt(ns))
    assert exact.alpha_inf == pytest.approx(0.138, abs=1e-12)
    assert exact.slope == pytest.approx(0.6, abs=1e-10)
    assert exact.alpha_inf_se < 1e-10
    # with noise: the reported standard error is honest (≈ 95 % within 2 SE, known sigma)
    rng = np.random.default_rng(0)
    sigma = np.full(ns.shape, 0.004)
    hits, fits = 0, []
    for _ in range(400):
        y = 0.138 + 0.6 / np.sqrt(ns) + rng.normal(0, sigma)
        f = hf.extrapolate_capacity(ns, y, sigma)
        hits += abs(f.alpha_inf - 0.138) < 2 * f.alpha_inf_se
        fits.append(f.alpha_inf)
    assert 0.92 < hits / 400 < 0.98
    assert np.mean(fits) == pytest.approx(0.138, abs=3 * np.std(fits) / np.sqrt(400))
    # unweighted: SE from the residuals, so |error|/SE follows Student's t with n - 2 = 3 dof
    # (Pr[|t_3| < 2] = 0.861)
    hits = 0
    for _ in range(600):
        y = 0.138 + 0.6 / np.sqrt(ns) + rng.normal(0, sigma)
        f = hf.extrapolate_capacity(ns, y)
        hits += abs(f.alpha_inf - 0.138) < 2 * f.alpha_inf_se
    assert 0.82 < hits / 600 < 0.90
    assert np.isnan(hf.extrapolate_capacity([500, 1000], [0.16, 0.155]).alpha_inf_se)


def test_replica_symmetric_constants():
    a_c, m_c = hf.ags_critical_load()
    assert a_c == pytest.approx(hf.ALPHA_C, abs=1e-3)
    assert m_c == pytest.approx(hf.OVERLAP_AT_ALPHA_C, abs=1e-3)
    assert (1 - m_c) / 2 == pytest.approx(0.0163, abs=2e-4)
    m = hf.ags_overlap([0.0, 0.05, 0.1, 0.13, a_c - 1e-9, a_c + 1e-3])
    assert m[0] == 1.0 and np.all(np.diff(m[:5]) < 0) and np.isnan(m[5])
    assert m[4] == pytest.approx(m_c, abs=1e-3)
    y = scipy.special.erfinv(m[1:4])  # the fixed-point equation holds
    alpha = np.array([0.05, 0.1, 0.13])
    np.testing.assert_allclose(y * (np.sqrt(2 * alpha) + 2 / np.sqrt(np.pi) * np.exp(-y**2)),
                               m[1:4], rtol=1e-9)


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("call, value", [
    (lambda: hf.retrieval_curve(KEY, 1, [0.1], 1, 5), "1"),
    (lambda: hf.retrieval_curve(KEY, 100, [0.0], 1, 5), "0.0"),
    (lambda: hf.retrieval_curve(KEY, 100, [0.1, 1.0], 1, 5), "1.0"),
    (lambda: hf.retrieval_curve(KEY, 100, [-0.2], 1, 5), "-0.2"),
    (lambda: hf.retrieval_curve(KEY, 100, [0.1], 1, 0), "0"),
    (lambda: hf.retrieval_curve(KEY, 100, [0.1], 0, 5), "0"),
    (lambda: hf.retrieval_curve(KEY, 100, [0.001], 1, 5), "0.001"),  # stores no pattern
    (lambda: hf.one_step_flip_probability(KEY, 1, [0.1], 1), "1"),
    (lambda: hf.one_step_flip_probability(KEY, 100, [1.5], 1), "1.5"),
    (lambda: hf.one_step_flip_probability(KEY, 100, [0.1], 0), "0"),
    (lambda: hf.async_dynamics(KEY, jnp.zeros((4, 4)), jnp.ones(4), 0), "0"),
    (lambda: hf.async_dynamics(KEY, jnp.zeros((4, 4)), jnp.ones(4), 2.5), "2.5"),
    (lambda: hf.async_dynamics(KEY, jnp.zeros((4, 4)), jnp.ones(4), 3, record="x"), "'x'"),
    (lambda: hf.async_dynamics(KEY, jnp.zeros((4, 4)), jnp.ones(3), 3), "(3,)"),
    (lambda: hf.async_dynamics(KEY, jnp.zeros((4, 4)), jnp.full(4, 0.5), 3), "0.5"),
    (lambda: hf.hebbian_dynamics(KEY, jnp.ones((2, 4)), jnp.ones(4), 0), "0"),
    (lambda: hf.hebbian_weights(jnp.full((2, 4), 2.0)), "2.0"),
    (lambda: hf.random_patterns(KEY, 3, 1), "1"),
    (lambda: hf.flip_probability_prediction(0.0, 100), "0.0"),
    (lambda: hf.flip_probability_prediction(1.0), "1.0"),
    (lambda: hf.capacity_from_curve([0.2, 0.1], np.ones((2, 3))), "0.2, 0.1"),
    (lambda: hf.capacity_from_curve([0.1, 0.2], np.ones((2, 3)), 1.5), "1.5"),
    (lambda: hf.extrapolate_capacity([500, 500], [0.1, 0.2]), "500"),
    (lambda: hf.ags_overlap(-0.1), "-0.1"),
])
def test_bad_input_raises_value_error_naming_the_value(call, value):
    with pytest.raises(ValueError, match=re.escape(value)):
        call()


def test_max_energy_increase_is_rounding_only():
    ulp = hf.max_energy_increase_ulp(jax.random.PRNGKey(0), 100, 20, 3)
    assert ulp <= 2.0


def test_capacity_by_size_and_bit_errors_read_the_runs():
    loads = np.repeat([0.1, 0.12, 0.14], 4)
    overlaps = np.array([1.0, 1.0, 0.98, 0.96, 0.99, 0.97, 0.3, 0.95, 0.2, 0.3, 0.95, 0.1])
    caps = hf.capacity_by_size(np.full(12, 500), loads, overlaps)
    curve = hf.capacity_from_curve([0.1, 0.12, 0.14], overlaps.reshape(3, 4),
                                   statistic="fraction")
    assert caps == {500: pytest.approx(curve)} and 0.12 < caps[500] < 0.14
    errs = hf.retrieved_bit_errors(loads, overlaps, [0.1, 0.12, 0.2])
    assert errs[0] == pytest.approx((1 - np.mean([1.0, 1.0, 0.98, 0.96])) / 2)
    assert errs[1] == pytest.approx((1 - np.mean([0.99, 0.97, 0.95])) / 2)
    assert np.isnan(errs[2])  # no run at that load
