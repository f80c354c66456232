"""The maximal stability of the perceptron by the AdaTron and its duality bracket, and the
storable fraction and capacity built on it (nntheory.analysis.gardner)."""

from __future__ import annotations

import jax
import numpy as np
import pytest
import scipy.optimize

from nntheory.analysis import classic, gardner


def _max_stability_by_slsqp(x, y):
    """κ_max = √n / ‖w*‖ with w* = argmin ‖w‖² s.t. y w·x/√n ≥ 1, by SciPy's SLSQP."""
    n = x.shape[1]
    z = y[:, None] * x / np.sqrt(n)
    res = scipy.optimize.minimize(lambda w: w @ w, np.ones(n), jac=lambda w: 2 * w,
                                  constraints=[dict(type="ineq", fun=lambda w: z @ w - 1,
                                                    jac=lambda w: z)], method="SLSQP",
                                  options=dict(maxiter=500, ftol=1e-12))
    assert res.success
    return np.sqrt(n) / np.linalg.norm(res.x)


def test_bracket_contains_the_maximal_stability_and_closes_on_it():
    rng = np.random.default_rng(0)
    n, p = 30, 24  # load 0.8: separable with a margin
    x = rng.choice([-1.0, 1.0], size=(3, p, n))
    y = rng.choice([-1.0, 1.0], size=(3, p))
    lower, upper = gardner.stability_bracket(x, y, sweeps=2000)
    for k in range(3):
        exact = _max_stability_by_slsqp(x[k], y[k])
        assert lower[k] <= exact * (1 + 1e-5) and exact <= upper[k] * (1 + 1e-5)
        assert upper[k] - lower[k] < 1e-3 * exact
    short_lower, short_upper = gardner.stability_bracket(x, y, sweeps=2)
    assert np.all(short_lower <= lower + 1e-6) and np.all(short_upper >= upper - 1e-6)


def test_one_set_and_the_mask():
    rng = np.random.default_rng(1)
    x = rng.choice([-1.0, 1.0], size=(20, 40))
    y = rng.choice([-1.0, 1.0], size=20)
    lo, up = gardner.stability_bracket(x, y, sweeps=500)
    assert np.ndim(lo) == 0 and lo <= up * (1 + 1e-5)  # float32 rounding once converged
    padded = np.concatenate([x, rng.choice([-1.0, 1.0], size=(5, 40))])
    mask = np.arange(25) < 20
    lo2, up2 = gardner.stability_bracket(padded[None], np.r_[y, np.ones(5)][None], sweeps=500,
                                         mask=mask[None])
    assert lo2[0] == pytest.approx(lo, rel=1e-5) and up2[0] == pytest.approx(up, rel=1e-5)


def test_a_set_that_is_not_separable_is_decided_at_any_positive_kappa():
    x = np.array([[1.0, 1.0], [1.0, 1.0]])
    y = np.array([1.0, -1.0])  # the same pattern with both labels
    lower, upper = gardner.stability_bracket(x, y, sweeps=200)
    assert lower < 0 and upper < 0.1


def test_storable_fraction_falls_through_gardners_capacity():
    out = gardner.storable_fractions(jax.random.PRNGKey(3), 60, [0.3, 0.6, 0.9, 1.4], [0.5],
                                     40, sweeps=60)
    f = out["storable"][:, 0]
    assert f[0] == 1.0 and f[-1] == 0.0 and np.all(np.diff(f) <= 0)  # nested loads
    assert out["undecided"].max() <= 0.05
    assert np.all(out["storable_low"] <= out["storable"]) and np.all(
        out["storable"] <= out["storable_high"])
    half = gardner.half_load(out["load"], f)
    assert abs(half / classic.gardner_capacity(0.5) - 1) < 0.2


def test_capacity_extrapolated_removes_a_one_over_n_shift():
    loads = np.linspace(0.3, 1.2, 10)
    ns, a, f = [], [], []
    for n in (25, 50, 100):
        half = 0.8 + 3.0 / n
        for load in loads:
            ns.append(n)
            a.append(load)
            f.append(np.clip(0.5 - 2 * (load - half), 0, 1))
    assert gardner.capacity_extrapolated(ns, a, f) == pytest.approx(0.8, abs=1e-9)
    with pytest.raises(ValueError):
        gardner.capacity_extrapolated([25] * 10, loads, f[:10])


@pytest.mark.parametrize("call,fragment", [
    (lambda: gardner.stability_bracket(np.ones((2, 3)), np.array([1.0, 0.0])), "labels"),
    (lambda: gardner.stability_bracket(np.ones((2, 3)), np.ones(3)), "patterns"),
    (lambda: gardner.stability_bracket(np.ones((2, 3)), np.ones(2), sweeps=0), "sweeps"),
    (lambda: gardner.storable_fractions(jax.random.PRNGKey(0), 10, [0.0, 1.0], [0.5], 2),
     "loads"),
    (lambda: gardner.storable_fractions(jax.random.PRNGKey(0), 10, [0.5], [-0.5], 2),
     "kappas"),
    (lambda: gardner.storable_fractions(jax.random.PRNGKey(0), 1, [0.5], [0.5], 2), "n"),
])
def test_bad_arguments_are_named(call, fragment):
    with pytest.raises(ValueError, match=fragment):
        call()
