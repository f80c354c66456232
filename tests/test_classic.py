"""nntheory.analysis.classic: Cover's count against its closed-form values, its recursion and
an exhaustive enumeration of dichotomies; the measured separable fraction against Cover; Gardner's
capacity (closed form against quadrature); Rosenblatt's rule against Novikoff's bound, by hand on
a tiny case, and on XOR (no convergence, cycling); McCulloch–Pitts DNF networks and the parity
construction on every input."""

from __future__ import annotations

import math
import re
from fractions import Fraction

import jax
import numpy as np
import pytest
import scipy.optimize

from nntheory.analysis import classic as cl

KEY = jax.random.PRNGKey(0)
BAD_INTS = [0, -1, -7, 2.0, 2.5, True, False, "3", None, float("nan")]

# XOR and AND of two bits, with a constant third coordinate for the bias; labels ±1
BITS = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], np.float64)
XOR = np.array([-1, 1, 1, -1], np.float64)
AND = np.array([-1, -1, -1, 1], np.float64)


# ---------------------------------------------------------------------------------------------
# Cover's function counting theorem
# ---------------------------------------------------------------------------------------------


def test_cover_count_known_values():
    for n in range(1, 12):
        for p in range(1, n + 1):
            assert cl.cover_count(p, n) == 2**p
        assert cl.cover_count(2 * n, n) == 2 ** (2 * n - 1)
    for p in range(1, 60):
        assert cl.cover_count(p, 1) == 2
    assert cl.cover_count(4, 2) == 8  # 2 (1 + 3)
    assert cl.cover_count(5, 3) == 22  # 2 (1 + 4 + 6)
    assert cl.cover_count(7, 2) == 14  # 2 (1 + 6)
    assert cl.cover_count(np.int64(6), np.int32(3)) == 32
    assert isinstance(cl.cover_count(400, 150), int)


def test_cover_count_obeys_covers_recursion():
    """C(p + 1, n) = C(p, n) + C(p, n − 1) (Cover 1965, the step of the proof of Theorem 1)."""
    for p in range(1, 40):
        for n in range(2, 25):
            assert cl.cover_count(p + 1, n) == cl.cover_count(p, n) + cl.cover_count(p, n - 1)


@pytest.mark.parametrize("p,n", [(6, 3), (7, 2), (5, 4), (8, 3)])
def test_cover_count_equals_the_separable_labelings_of_one_point_set(p, n):
    """All 2^p labelings of one Gaussian point set (general position, almost surely): exactly
    C(p, n) of them are separable."""
    x = np.random.default_rng(p * 10 + n).standard_normal((p, n))
    labels = 2.0 * ((np.arange(2**p)[:, None] >> np.arange(p)[None, :]) & 1) - 1.0
    ok = cl.separable_batch(np.broadcast_to(x, (2**p, p, n)), labels)
    assert int(ok.sum()) == cl.cover_count(p, n)
    # a dichotomy is separable iff its mirror image is (w → −w)
    np.testing.assert_array_equal(ok, ok[::-1])


@pytest.mark.parametrize("bad", BAD_INTS)
def test_cover_rejects_bad_arguments_naming_them(bad):
    for call in (lambda: cl.cover_count(bad, 3), lambda: cl.cover_count(3, bad),
                 lambda: cl.cover_fraction(bad, 3), lambda: cl.cover_fraction(3, bad)):
        with pytest.raises(ValueError, match=re.escape(repr(bad))):
            call()


def test_cover_fraction_is_one_then_strictly_decreasing_with_half_at_2n():
    for n in (1, 2, 5, 10, 37):
        f = [cl.cover_fraction(p, n) for p in range(1, 6 * n + 3)]
        assert f[:n] == [1.0] * n
        assert all(a > b for a, b in zip(f[n - 1:], f[n:], strict=False))
        assert cl.cover_fraction(2 * n, n) == 0.5
    assert cl.cover_fraction(20, 10) == 0.5
    # large p: the exact rational, correctly rounded
    for p, n in ((3000, 1000), (1201, 600), (5000, 2600)):
        assert cl.cover_fraction(p, n) == float(Fraction(cl.cover_count(p, n), 2**p))
    assert 0.0 < cl.cover_fraction(3000, 1000) < 1e-30


# ---------------------------------------------------------------------------------------------
# Measured separability
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [10, 20, 30])
def test_separable_fraction_matches_cover_within_binomial_error(p):
    n, trials = 10, 200
    frac, ok = cl.separable_fraction(jax.random.fold_in(KEY, p), p, n, trials)
    assert ok.shape == (trials,) and ok.dtype == bool
    assert frac == ok.mean()
    f = cl.cover_fraction(p, n)
    se = math.sqrt(f * (1 - f) / trials)
    assert abs(frac - f) <= 4 * se  # at p = n (f = 1, se = 0): every trial separable


def test_separable_fraction_is_a_function_of_the_key():
    a = cl.separable_fraction(KEY, 12, 6, 40)
    b = cl.separable_fraction(KEY, 12, 6, 40)
    c = cl.separable_fraction(jax.random.PRNGKey(1), 12, 6, 40)
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])


def test_slack_lp_agrees_with_the_plain_feasibility_lp():
    """separable_batch's min-slack LP against 'find w with y_i w·x_i ≥ 1' (HiGHS status 0
    feasible, 2 infeasible), near the capacity where both answers occur."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((60, 16, 8))
    y = rng.choice([-1.0, 1.0], (60, 16))
    ok = cl.separable_batch(x, y, chunk=7)
    plain = []
    for xi, yi in zip(x, y, strict=True):
        res = scipy.optimize.linprog(np.zeros(8), A_ub=-(yi[:, None] * xi), b_ub=-np.ones(16),
                                     bounds=[(None, None)] * 8, method="highs")
        assert res.status in (0, 2)
        plain.append(res.status == 0)
    np.testing.assert_array_equal(ok, plain)
    assert 0 < ok.sum() < len(ok)
    assert [cl.separable(x[i], y[i]) for i in range(5)] == list(ok[:5])


def test_separable_small_cases_and_bad_labels():
    assert not cl.separable(BITS, XOR)
    assert cl.separable(BITS, AND)
    assert cl.separable([[1.0, 0.0]], [-1])
    assert not cl.separable([[1.0, 0.0], [2.0, 0.0]], [1, -1])  # same ray, opposite labels
    with pytest.raises(ValueError, match="-1 or \\+1"):
        cl.separable(BITS, [0, 1, 1, 0])
    with pytest.raises(ValueError, match="shape"):
        cl.separable(BITS, XOR[:3])


# ---------------------------------------------------------------------------------------------
# Gardner's capacity
# ---------------------------------------------------------------------------------------------


def test_gardner_capacity_is_two_at_zero_margin_and_decreasing():
    for method in ("closed", "quad"):
        assert abs(cl.gardner_capacity(0.0, method=method) - 2.0) <= 1e-10
    assert cl.gardner_capacity(0) == 2.0
    kappas = np.linspace(0.0, 6.0, 61)
    a = np.array([cl.gardner_capacity(float(k)) for k in kappas])
    assert np.all(np.diff(a) < 0)
    q = np.array([cl.gardner_capacity(float(k), method="quad") for k in kappas])
    np.testing.assert_allclose(a, q, rtol=1e-10)
    # large margin: the integral tends to 1 + κ²
    for k in (8.0, 10.0, 20.0):
        assert cl.gardner_capacity(k) * (1 + k * k) == pytest.approx(1.0, rel=1e-12)


def test_gardner_integral_against_monte_carlo():
    t = np.random.default_rng(0).standard_normal(2_000_000)
    for k in (0.5, 1.0, 2.0):
        mc = np.mean(np.where(t > -k, (t + k) ** 2, 0.0))
        assert 1.0 / cl.gardner_capacity(k) == pytest.approx(mc, rel=5e-3)


@pytest.mark.parametrize("bad", [-0.1, -1, float("nan"), float("inf"), -float("inf"), True,
                                 "1", None, 1j])
def test_gardner_rejects_bad_kappa_naming_it(bad):
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        cl.gardner_capacity(bad)


def test_gardner_rejects_unknown_method():
    with pytest.raises(ValueError, match="simpson"):
        cl.gardner_capacity(1.0, method="simpson")


# ---------------------------------------------------------------------------------------------
# The perceptron and Novikoff's bound
# ---------------------------------------------------------------------------------------------


def test_perceptron_by_hand():
    """Epoch 1: w = 0 errs on (1, 0) → w = (1, 0); w·(0, 1) = 0 counts as a mistake → (1, 1).
    Epoch 2 is clean: 2 mistakes, converged."""
    w, mistakes, converged = cl.perceptron_train([[1.0, 0.0], [0.0, 1.0]], [1, 1], 10)
    np.testing.assert_array_equal(w, [1.0, 1.0])
    assert (mistakes, converged) == (2, True)
    # a single epoch allowed: it has mistakes, so not converged
    assert cl.perceptron_train([[1.0, 0.0], [0.0, 1.0]], [1, 1], 1)[1:] == (2, False)


def test_planted_data_have_the_margin():
    xs, ys, us = cl.planted_datasets(KEY, 20, 50, 7, 0.4)
    assert xs.shape == (20, 50, 7) and ys.shape == (20, 50) and us.shape == (20, 7)
    np.testing.assert_allclose(np.linalg.norm(us, axis=-1), 1.0, rtol=1e-12)
    assert np.all(ys * np.einsum("bpn,bn->bp", xs, us) >= 0.4)
    assert set(np.unique(ys)) == {-1.0, 1.0}
    one = cl.planted_dataset(jax.random.split(KEY, 20)[3], 50, 7, 0.4)
    for a, b in zip(one, (xs[3], ys[3], us[3]), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    with pytest.raises(ValueError, match="-0.5"):
        cl.planted_dataset(KEY, 5, 3, -0.5)


def test_perceptron_mistakes_never_exceed_novikoffs_bound():
    xs, ys, us = cl.planted_datasets(jax.random.PRNGKey(7), 50, 100, 20, 0.25)
    w, mistakes, converged = cl.perceptron_train_batch(xs, ys, 1000)
    assert converged.all()
    assert np.all(ys * np.einsum("bpn,bn->bp", xs, w) > 0)  # converged means separated
    bound = cl.novikoff_bound(xs, ys, us)
    assert bound.shape == (50,)
    assert np.all(mistakes <= bound)
    assert np.all(mistakes >= 1)
    # the batch is the single run, dataset by dataset
    for i in (0, 17, 49):
        wi, mi, ci = cl.perceptron_train(xs[i], ys[i], 1000)
        np.testing.assert_allclose(wi, w[i], rtol=1e-12)
        assert (mi, ci) == (mistakes[i], converged[i])
        assert cl.novikoff_bound(xs[i], ys[i], us[i]) == pytest.approx(bound[i], rel=1e-12)


def test_novikoff_bound_by_hand_and_on_bad_teachers():
    x = np.array([[3.0, 4.0], [1.0, 0.0]])
    assert cl.novikoff_bound(x, [1, 1], [2.0, 0.0]) == pytest.approx(25.0)  # R = 5, γ = 1
    with pytest.raises(ValueError, match="does not separate"):
        cl.novikoff_bound(x, [1, -1], [1.0, 0.0])
    with pytest.raises(ValueError, match="zero"):
        cl.novikoff_bound(x, [1, 1], [0.0, 0.0])


def test_perceptron_on_xor_never_converges_and_cycles():
    w, mistakes, converged = cl.perceptron_train(BITS, XOR, 200)
    assert not converged
    assert mistakes >= 200  # at least one mistake in every epoch
    assert cl.perceptron_cycles(BITS, XOR, 50)
    # AND is separable: the rule converges and does not cycle
    w, mistakes, converged = cl.perceptron_train(BITS, AND, 200)
    assert converged and np.all(AND * (BITS @ w) > 0)
    assert not cl.perceptron_cycles(BITS, AND, 50)


def test_perceptron_rejects_bad_arguments():
    with pytest.raises(ValueError, match="-1 or \\+1"):
        cl.perceptron_train(BITS, [0, 1, 1, 0], 10)
    with pytest.raises(ValueError, match="max_epochs"):
        cl.perceptron_train(BITS, XOR, 0)
    with pytest.raises(ValueError, match="shape"):
        cl.perceptron_train_batch(BITS, XOR, 10)


# ---------------------------------------------------------------------------------------------
# Threshold logic
# ---------------------------------------------------------------------------------------------


def test_dnf_construction_realises_every_boolean_function():
    assert cl.all_boolean_functions_realised(1) == 4
    assert cl.all_boolean_functions_realised(2) == 16
    assert cl.all_boolean_functions_realised(3) == 256
    with pytest.raises(ValueError, match="5"):
        cl.all_boolean_functions_realised(5)


def test_threshold_network_for_each_table_of_three_inputs_and_random_larger_ones():
    x3 = cl.boolean_inputs(3)
    for f in range(256):
        table = (f >> np.arange(8)) & 1
        net = cl.threshold_network_for(table)
        assert net.w1.shape == (3, table.sum())
        np.testing.assert_array_equal(np.asarray(cl.threshold_apply(net, x3)), table)
    rng = np.random.default_rng(0)
    for n in (5, 7):
        table = rng.integers(0, 2, 2**n)
        out = cl.threshold_apply(cl.threshold_network_for(table), cl.boolean_inputs(n))
        np.testing.assert_array_equal(np.asarray(out), table)
    with pytest.raises(ValueError, match="length"):
        cl.threshold_network_for([0, 1, 1])
    with pytest.raises(ValueError, match="0 or 1"):
        cl.threshold_network_for([0, 2, 1, 0])


@pytest.mark.parametrize("n", range(2, 11))
def test_parity_construction_is_exact(n):
    net = cl.parity_construction(n)
    assert net.w1.shape == (n, n)
    x = cl.boolean_inputs(n)
    np.testing.assert_array_equal(np.asarray(cl.threshold_apply(net, x)), x.sum(axis=1) % 2)
    # leading axes are kept
    assert cl.threshold_apply(net, x.reshape(2, -1, n)).shape == (2, 2 ** (n - 1))


def test_parity_construction_exact_up_to_ten_bits():
    assert all(cl.parity_construction_exact(n) for n in (1, 2, 5, 10))
