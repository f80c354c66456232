"""nntheory.analysis.lms: LMS/ADALINE against the Wiener solution, the stability limits and the
misadjustment formulas; Hebb's runaway norm and Oja's convergence to the leading eigenvector,
with its rate.

Which divergence boundary the tests claim: the mean-weight limit 2/λ_max does *not* predict
where a single LMS run diverges. A run's weight error is multiplied by the random matrices
I − μ x xᵀ, whose top Lyapunov exponent turns positive no earlier than the second moments
diverge (Jensen: E log ‖v‖² ≤ log E ‖v‖²), i.e. at or above the Gaussian mean-square limit
μ_ms (the root of Σ μλ_i / (2 (1 − μλ_i)) = 1), and, in 16 dimensions where ‖x‖² concentrates
at tr R, only slightly above it. μ_ms is governed by tr R (it lies between 2/(tr R + 2 λ_max)
and 2n/((n + 2) tr R)). So the tests claim: the measured boundary lies in [μ_ms, 1.35 μ_ms] and far
below 2/λ_max; it moves by less than 2× when λ_max changes 8× at fixed tr R, and by more than 3×
when tr R changes 6.4× at fixed λ_max. Measured (20,000 steps, 5 seeds, grid ratio 1.07):
boundary/μ_ms ≈ 1.05–1.25.
"""

from __future__ import annotations

import math
import time

import jax
import numpy as np
import pytest

from nntheory.analysis import lms

KEY = jax.random.PRNGKey(0)

#: n = 16, tr R = 16, λ_max = 1.5
LIN16 = np.linspace(0.5, 1.5, 16)


# ---------------------------------------------------------------------------------------------
# Closed forms
# ---------------------------------------------------------------------------------------------


def test_closed_forms():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((5, 5))
    R = a @ a.T + 0.5 * np.eye(5)
    w = rng.standard_normal(5)
    np.testing.assert_allclose(lms.wiener_solution(R, R @ w), w, rtol=1e-10)
    assert lms.mean_convergence_limit(LIN16) == pytest.approx(2 / 1.5)
    # R = λ I_n: the mean-square limit is 2/((n + 2) λ)
    assert lms.mean_square_limit(np.full(16, 2.0)) == pytest.approx(2 / (18 * 2.0), rel=1e-9)
    for lam in (LIN16, np.r_[8.0, np.full(15, 8 / 15)], np.r_[1.0, np.full(15, 0.1)], [1.0]):
        lam = np.asarray(lam)
        ms, tr, top = lms.mean_square_limit(lam), lam.sum(), lam.max()
        n = lam.size
        assert 2 / (3 * tr) <= 2 / (tr + 2 * top) <= ms * (1 + 1e-9)
        assert ms <= min(2 * n / ((n + 2) * tr), 2 / (3 * top)) * (1 + 1e-9)
        assert lms.misadjustment_gaussian(ms * 0.999, lam) > 100
        assert np.isinf(lms.misadjustment_gaussian(ms * 1.001, lam))
    mus = np.array([1e-4, 1e-3, 1e-2])
    np.testing.assert_allclose(lms.misadjustment_small_step(mus, LIN16), mus * 16 / 2)
    ratio = lms.misadjustment_gaussian(mus, LIN16) / lms.misadjustment_small_step(mus, LIN16)
    assert np.all(ratio > 1) and ratio[0] == pytest.approx(1, abs=1e-3)
    # small μ: the mean-square deviation is n μ σ² / 2
    assert lms.steady_state_msd(1e-5, LIN16, 0.1) == pytest.approx(16e-5 * 0.01 / 2, rel=1e-3)


# ---------------------------------------------------------------------------------------------
# LMS: convergence to Wiener, misadjustment, divergence
# ---------------------------------------------------------------------------------------------

MS16 = lms.mean_square_limit(LIN16)  # ≈ 0.110
MEAN16 = lms.mean_convergence_limit(LIN16)  # 2/λ_max ≈ 1.33
MUS = np.array([0.0025, 0.005, 0.02, 0.04, 0.5 * MS16, 0.5 * MEAN16, 1.3 * MEAN16])


@pytest.fixture(scope="module")
def lin16_run():
    return lms.lms_learning_curves(KEY, LIN16, MUS, 20000, noise_sd=0.1, seeds=8, tail=0.5)


def test_lms_reaches_the_wiener_solution_at_half_the_mean_square_limit(lin16_run):
    r, j = lin16_run, 4
    assert not r["diverged"][:, j].any()
    # the Wiener solution of the stream is the teacher (p = R w_true); the final error is the
    # steady-state fluctuation, predicted by the Gaussian second-moment recursion
    rms = math.sqrt(np.mean(r["weight_error"][:, j] ** 2))
    pred = math.sqrt(lms.steady_state_msd(MUS[j], LIN16, 0.1))
    assert 0.6 * pred < rms < 1.6 * pred
    assert np.all(r["weight_error"][:, j] < 0.15 * np.linalg.norm(r["w_true"], axis=1))
    # the learning curve falls from E[d²] to about σ² (1 + M)
    mse = r["mse"][:, j]
    assert np.all(mse[:, 0] > 5 * mse[:, -20:].mean(1))
    assert mse[:, -40:].mean() == pytest.approx(
        0.01 * (1 + lms.misadjustment_gaussian(MUS[j], LIN16)), rel=0.15)


def test_lms_diverges_past_the_mean_limit_and_already_at_half_of_it(lin16_run):
    """1.3 · 2/λ_max diverges, as the mean-weight analysis says; so does 0.5 · 2/λ_max, where
    the mean weight still converges: in 16 dimensions a run diverges near the mean-square
    limit (≈ 0.11 here), far below 2/λ_max ≈ 1.33."""
    r = lin16_run
    assert r["diverged"][:, 6].all() and r["diverged"][:, 5].all()
    assert np.all(r["diverged_at"][:, 5:] >= 0) and np.all(r["diverged_at"][:, 5:] < 2000)
    assert np.all(np.isinf(r["weight_error"][:, 5:]))
    assert not r["diverged"][:, :5].any()
    assert np.all(np.isfinite(r["weight_error"][:, :5]))


def test_misadjustment_matches_mu_tr_r_over_2_at_small_mu(lin16_run):
    r = lin16_run
    measured = r["misadjustment"].mean(0)[:4]
    small = lms.misadjustment_small_step(MUS[:4], LIN16)
    gauss = lms.misadjustment_gaussian(MUS[:4], LIN16)
    # μ tr R / 2 = 0.02, 0.04: within 20 % (measured: ≈ 5 %)
    np.testing.assert_allclose(measured[:2], small[:2], rtol=0.2)
    # the exact Gaussian formula S/(1 − S) holds at every μ (measured: within ≈ 2.5 %) …
    np.testing.assert_allclose(measured, gauss, rtol=0.06)
    # … where the small-step one is already 20 % low at μ tr R / 2 = 0.16 and 0.32
    assert np.all(measured[2:] > 1.15 * small[2:])
    # and M grows linearly at small μ
    assert measured[1] / measured[0] == pytest.approx(2, rel=0.1)


SPECTRA = {
    "iso": np.ones(16),  # tr R = 16, λ_max = 1
    "spike": np.r_[8.0, np.full(15, 8 / 15)],  # tr R = 16, λ_max = 8
    "light": np.r_[1.0, np.full(15, 0.1)],  # tr R = 2.5, λ_max = 1
}


@pytest.fixture(scope="module")
def boundaries():
    out, seconds = {}, []
    compiled = lms._lms_program._cache_size()
    for i, (name, lam) in enumerate(SPECTRA.items()):
        ms = lms.mean_square_limit(lam)
        mus = ms * np.geomspace(0.25, 4.0, 40)  # ratio 1.074 between neighbours
        t0 = time.perf_counter()
        r = lms.lms_learning_curves(jax.random.fold_in(KEY, i), lam, mus, 20000,
                                    noise_sd=0.1, seeds=5)
        seconds.append(time.perf_counter() - t0)
        out[name] = dict(b=lms.divergence_boundary(mus, r["diverged"]), ms=ms,
                         mean=lms.mean_convergence_limit(lam))
    return out, seconds, lms._lms_program._cache_size() - compiled


def test_divergence_boundary_tracks_the_mean_square_limit_not_two_over_lambda_max(boundaries):
    b, _, _ = boundaries
    for name, v in b.items():
        assert v["ms"] <= v["b"] <= 1.35 * v["ms"], (name, v)
        assert v["b"] < v["mean"] / 2.5, (name, v)
    # same tr R, λ_max 8× larger: 2/λ_max says 8× smaller; measured ≈ 1.3×
    assert 1.0 < b["iso"]["b"] / b["spike"]["b"] < 2.0
    # same λ_max, tr R 6.4× smaller: 2/λ_max says no change; measured ≈ 5×
    assert b["light"]["b"] / b["iso"]["b"] > 3.0


def test_one_program_per_shape(boundaries):
    """40 step sizes × 5 seeds × 20,000 steps at n = 16: the three spectra and their grids
    share one compiled program (spectra and step sizes are data). Measured: ≈ 1.3 s for the
    first call (compilation), ≈ 0.1 s for the others."""
    _, seconds, new_programs = boundaries
    assert new_programs <= 1
    assert max(seconds[1:]) < seconds[0]


def test_divergence_boundary_on_a_grid():
    mus = np.array([8.0, 1.0, 4.0, 2.0])  # any order
    div = np.array([[True, False, True, False],
                    [True, False, False, True],
                    [True, False, True, False]])
    assert lms.divergence_boundary(mus, div) == pytest.approx(math.sqrt(8))
    assert lms.divergence_boundary(mus, div, midpoint=False) == 4.0
    assert lms.divergence_boundary(mus, np.zeros(4, bool)) == math.inf
    assert math.isnan(lms.divergence_boundary(mus, np.ones(4, bool)))
    with pytest.raises(ValueError, match="shape"):
        lms.divergence_boundary(mus, np.zeros(3, bool))


# ---------------------------------------------------------------------------------------------
# ADALINE on digits
# ---------------------------------------------------------------------------------------------


def test_adaline_lms_reaches_least_squares_on_digits():
    r = lms.adaline_digits(KEY)  # measured: ≈ 2 s with compilation, 0.06 s without
    assert not r["diverged"]
    # measured: weights 2 % and outputs 1 % from the least-squares solution
    assert r["weight_distance"] < 0.1
    assert r["output_distance"] < 0.05
    assert r["train_mse_lms"] == pytest.approx(r["train_mse_ls"], rel=0.02)
    assert r["test_accuracy_ls"] > 0.9
    assert abs(r["test_accuracy_lms"] - r["test_accuracy_ls"]) <= 0.01
    assert abs(r["train_accuracy_lms"] - r["train_accuracy_ls"]) <= 0.01


def test_adaline_with_a_constant_step_too_large_for_the_rare_pixels_diverges():
    r = lms.adaline_digits(KEY, mu=4e-3, epochs=10, anneal=0.0)
    assert r["diverged"]


# ---------------------------------------------------------------------------------------------
# Hebb and Oja
# ---------------------------------------------------------------------------------------------

LAM8 = np.array([2.0, 1.0, 0.5, 0.5, 0.3, 0.3, 0.2, 0.2])


@pytest.fixture(scope="module")
def hebb_oja():
    return lms.hebb_oja_run(KEY, LAM8, np.array([5e-4, 1e-3, 2e-3]), 40000, seeds=16,
                            record_every=100, init_norm=0.5)


def test_oja_converges_to_the_unit_leading_eigenvector(hebb_oja):
    r = hebb_oja
    assert not r["oja_diverged"].any()
    assert np.all(r["oja_cos"][..., 0] < 0.99)  # random start
    np.testing.assert_allclose(r["oja_norm"][..., 0], 0.5, rtol=1e-5)
    assert np.all(r["oja_final_cos"] > 0.99)
    assert np.all(np.abs(r["oja_final_norm"] - 1) < 0.01)


def test_hebb_norm_grows_monotonically_by_orders_of_magnitude(hebb_oja):
    r = hebb_oja
    log_norm = r["hebb_log_norm"]
    assert np.all(np.diff(log_norm, axis=-1) > 0)
    assert np.all(log_norm[..., -1] - log_norm[..., 0] > 10 * math.log(10))  # > 10 decades
    # the growth rate of ln ‖w‖ once aligned: η λ₁ (to first order in η); the direction
    # aligns with e₁ like the power method
    half = r["steps"].size // 2
    for j, eta in enumerate(r["etas"]):
        rate = lms.fit_log_rate(r["steps"][half:], log_norm[:, j, half:], is_log=True)
        assert rate == pytest.approx(lms.hebb_rate_prediction(LAM8, eta), rel=0.1)
    assert np.all(r["hebb_cos"][..., -1] > 0.99)


def test_oja_angle_decays_at_eta_times_the_eigengap(hebb_oja):
    r = hebb_oja
    pred = lms.oja_rate_prediction(LAM8, r["etas"])
    angle = np.array([lms.oja_decay_rate(r["steps"], r["oja_tan"][:, j]) for j in range(3)])
    mode2 = np.array([lms.oja_decay_rate(r["steps"], r["oja_ratio2"][:, j]) for j in range(3)])
    # tan θ: within 1.5× (measured ≈ 1.15–1.3×: the faster modes have not all died out in the
    # fitted window); the component along e₂, |w₂/w₁|, the slowest mode itself: within 15 %
    assert np.all((angle > pred / 1.5) & (angle < 1.5 * pred))
    np.testing.assert_allclose(mode2, pred, rtol=0.15)
    # and the rate is proportional to η
    assert mode2[2] / mode2[0] == pytest.approx(4, rel=0.2)


# ---------------------------------------------------------------------------------------------
# Bad inputs
# ---------------------------------------------------------------------------------------------


def test_bad_inputs_raise_naming_the_value():
    with pytest.raises(ValueError, match=r"mus.*-0\.1"):
        lms.lms_learning_curves(KEY, LIN16, [0.01, -0.1], 100)
    with pytest.raises(ValueError, match=r"mus.*0\.0"):
        lms.lms_learning_curves(KEY, LIN16, [0.0], 100)
    with pytest.raises(ValueError, match=r"steps.*0"):
        lms.lms_learning_curves(KEY, LIN16, [0.01], 0)
    with pytest.raises(ValueError, match=r"eigenvalues.*-1\.0"):
        lms.lms_learning_curves(KEY, [1.0, -1.0], [0.01], 100)
    with pytest.raises(ValueError, match=r"eigenvalues.*0\.0"):
        lms.mean_square_limit([1.0, 0.0])
    with pytest.raises(ValueError, match=r"mu.*-1\.0"):
        lms.misadjustment_small_step(-1.0, LIN16)
    with pytest.raises(ValueError, match=r"eta.*0\.0"):
        lms.hebb_oja_run(KEY, LAM8, 0.0, 100)
    with pytest.raises(ValueError, match=r"steps.*-5"):
        lms.hebb_oja_run(KEY, LAM8, 0.01, -5)
    with pytest.raises(ValueError, match=r"eigenvalues.*-2\.0"):
        lms.hebb_oja_run(KEY, [1.0, -2.0], 0.01, 100)
    with pytest.raises(ValueError, match="simple"):
        lms.hebb_oja_run(KEY, [1.0, 1.0], 0.01, 100)
    with pytest.raises(ValueError, match="record_every = 3 must divide steps = 100"):
        lms.lms_learning_curves(KEY, LIN16, [0.01], 100, record_every=3)
    with pytest.raises(ValueError, match=r"mu.*0\.0"):
        lms.adaline_digits(KEY, mu=0.0)
    with pytest.raises(ValueError, match="positive definite"):
        lms.wiener_solution(np.diag([1.0, -1.0]), [1.0, 1.0])


def test_step_size_grid_spans_the_two_limits():
    eig = np.array([2.0, 1.0, 0.5])
    mus = lms.step_size_grid(eig, (0.001, 0.002), 10)
    assert mus[:2].tolist() == [0.001, 0.002] and len(mus) == 12
    assert mus[2] == pytest.approx(0.5 * lms.mean_square_limit(eig))
    assert mus[-1] == pytest.approx(1.2 * lms.mean_convergence_limit(eig))
    with pytest.raises(ValueError, match="count"):
        lms.step_size_grid(eig, (), 1)


def test_boundary_table_reads_the_runs():
    mus = np.array([0.1, 0.2, 0.4])
    seeds, grid = np.meshgrid(np.arange(3), mus, indexing="ij")
    diverged = grid >= 0.4  # every seed diverges at 0.4 only
    rows = lms.boundary_table({"flat": (1.0, 1.0)}, ["flat"] * 9, seeds.ravel(), grid.ravel(),
                              diverged.ravel())
    assert rows[0]["boundary"] == pytest.approx(
        lms.divergence_boundary(mus, diverged.reshape(3, 3)))
    assert rows[0]["trace"] == 2.0 and rows[0]["mean_limit"] == pytest.approx(2.0)


def test_misadjustment_errors_skip_unsettled_steps():
    spectra = {"a": (1.0, 0.1)}
    mu = np.array([0.01, 0.01, 1e-5])
    m = lms.misadjustment_small_step(0.01, np.array(spectra["a"])) * np.array([1.1, 1.3, 5.0])
    rows = lms.misadjustment_errors(spectra, ["a"] * 3, mu, m, steps=100_000)
    assert len(rows) == 1 and rows[0]["rel"] == pytest.approx(0.2)  # 1e-5 has not settled


def test_hebb_oja_rates_per_eta():
    run = lms.hebb_oja_run(jax.random.PRNGKey(0), (2.0, 1.0, 0.5), np.array([5e-4, 1e-3]),
                           20000, 4)
    rows = lms.hebb_oja_rates(run, (2.0, 1.0, 0.5))
    assert [r["eta"] for r in rows] == pytest.approx([5e-4, 1e-3])
    for r in rows:
        assert r["oja_predicted"] == pytest.approx(r["eta"])  # λ₁ − λ₂ = 1
        assert 0.6 < r["oja_rate"] / r["oja_predicted"] < 1.4 and r["min_abs_cos"] > 0.99
