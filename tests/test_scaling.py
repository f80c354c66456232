"""Unit tests of nntheory.analysis.scaling: exact values where the maths is exact, the analytic
gradient against autodiff, fits that recover known laws, and the IsoFLOP pipeline against the
closed-form compute-optimal allocation."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special
import scipy.stats

from nntheory import data, nets
from nntheory.analysis import scaling as sl

TRUE = np.array([np.log(400.0), np.log(2000.0), np.log(1.8), 0.34, 0.37])
SMALL_GRID = sl.start_grid(a=(0.0, 5.0, 10.0), b=(0.0, 5.0, 10.0), e=(-1.0, 0.0, 1.0),
                          alpha=(0.5, 1.0), beta=(0.5, 1.0))  # 324 starts: one small chunk


def _design(k: int = 6):
    n, d = np.meshgrid(np.logspace(7, 10, k), np.logspace(9, 12, k), indexing="ij")
    return n.ravel(), d.ravel()


# ---------------------------------------------------------------------------------------------
# Exact pieces
# ---------------------------------------------------------------------------------------------


def test_start_grid_is_hoffmanns():
    g = sl.start_grid()
    assert g.shape == (4500, 5)
    expected = [np.arange(0, 30, 5), np.arange(0, 30, 5), np.arange(-1, 1.5, 0.5),
                np.arange(0, 2.5, 0.5), np.arange(0, 2.5, 0.5)]
    for j, vals in enumerate(expected):
        np.testing.assert_allclose(np.unique(g[:, j]), vals)
    assert len(np.unique(g, axis=0)) == 4500


@pytest.mark.parametrize("r, delta, expected", [
    (0.0, 1e-3, 0.0),
    (5e-4, 1e-3, 0.5 * 5e-4**2),
    (-1e-3, 1e-3, 0.5e-6),
    (2e-3, 1e-3, 1e-3 * (2e-3 - 0.5e-3)),
    (-0.1, 1e-3, 1e-3 * (0.1 - 0.5e-3)),
    (3.0, np.inf, 4.5),
    (-2.0, np.inf, 2.0),
])
def test_huber_exact(r, delta, expected):
    with jax.enable_x64(True):
        assert float(sl.huber(jnp.float64(r), delta)) == pytest.approx(expected, rel=1e-12)


def test_log_loss_matches_the_law():
    n, d = _design()
    with jax.enable_x64(True):
        got = np.asarray(sl.chinchilla_log_loss(jnp.asarray(TRUE), jnp.log(n), jnp.log(d)))
    np.testing.assert_allclose(got, np.log(sl.chinchilla_loss(TRUE, n, d)), rtol=1e-13)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_analytic_gradient_matches_autodiff(seed):
    rng = np.random.default_rng(seed)
    n, d = _design()
    loss = sl.chinchilla_loss(TRUE, n, d) * np.exp(0.02 * rng.standard_normal(n.size))
    w = rng.integers(0, 3, n.size).astype(float)
    theta = TRUE + 0.3 * rng.standard_normal(5)
    value, grad = sl.chinchilla_objective(theta, n, d, loss, delta=1e-3, weights=w)

    def objective(th):
        r = sl.chinchilla_log_loss(th, jnp.log(n), jnp.log(d)) - jnp.log(loss)
        return jnp.sum(w * sl.huber(r, 1e-3))

    with jax.enable_x64(True):
        ref_value, ref_grad = jax.value_and_grad(objective)(jnp.asarray(theta))
    assert value == pytest.approx(float(ref_value), rel=1e-12)
    np.testing.assert_allclose(grad, np.asarray(ref_grad), rtol=1e-9, atol=1e-15)


def test_compute_optimal_is_the_constrained_minimum():
    """Hoffmann Eq. 4 against a dense search of L(N, C/6N) over N, and C = 6ND exactly."""
    for c in (1e20, 5.76e23):
        n_opt, d_opt = sl.compute_optimal(TRUE, c)
        assert 6 * n_opt * d_opt == pytest.approx(c, rel=1e-12)
        nn = np.logspace(np.log10(n_opt) - 1, np.log10(n_opt) + 1, 200001)
        best = nn[np.argmin(sl.chinchilla_loss(TRUE, nn, c / (6 * nn)))]
        assert best == pytest.approx(n_opt, rel=1e-4)
    # the exponent of N_opt in C is a = β/(α+β)
    n1, _ = sl.compute_optimal(TRUE, 1e20)
    n2, _ = sl.compute_optimal(TRUE, 1e24)
    assert np.log(n2 / n1) / np.log(1e4) == pytest.approx(TRUE[4] / (TRUE[3] + TRUE[4]))


def test_percentile_interval_and_resample_counts():
    lo, hi = sl.percentile_interval(np.arange(101.0), 0.9)
    assert lo == pytest.approx(5.0) and hi == pytest.approx(95.0)
    with pytest.raises(ValueError, match="level"):
        sl.percentile_interval(np.arange(3.0), 1.0)
    counts = sl.resample_counts(jax.random.PRNGKey(0), 7, 50)
    assert counts.shape == (50, 7) and np.all(counts.sum(1) == 7) and np.all(counts >= 0)


def test_chi2_test_is_the_mahalanobis_distance():
    rng = np.random.default_rng(0)
    cov = np.array([[2.0, 0.3], [0.3, 0.5]])
    samples = rng.multivariate_normal([1.0, -1.0], cov, size=20000)
    theta0 = np.array([2.0, 0.0])
    d2, log10_p, k = sl.chi2_test(theta0, samples, center=[1.0, -1.0])
    diff = theta0 - np.array([1.0, -1.0])
    exact = diff @ np.linalg.solve(cov, diff)
    assert k == 2 and d2 == pytest.approx(exact, rel=0.05)
    assert 10**log10_p == pytest.approx(scipy.stats.chi2.sf(d2, 2), rel=1e-9)


@pytest.mark.parametrize("d2", [1400.0, 4000.0])
def test_chi2_deep_tail_stays_finite(d2):
    """Past d² ≈ 1480 (k = 3) SciPy's log survival function underflows to −inf; the asymptotic
    form log Γ(k/2, x) ≈ (k/2 − 1) log x − x takes over (it agrees with SciPy to 1e-6 relative
    at d² = 1400)."""
    rng = np.random.default_rng(1)
    z = rng.standard_normal((4000, 3))
    z = (z - z.mean(0)) @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False))).T
    got_d2, log10_p, _ = sl.chi2_test(np.array([np.sqrt(d2), 0.0, 0.0]), z,
                                      center=np.zeros(3))
    assert got_d2 == pytest.approx(d2, rel=1e-9) and np.isfinite(log10_p)
    x = d2 / 2
    asym = (0.5 * np.log(x) - x - scipy.special.gammaln(1.5)) / np.log(10)
    assert log10_p == pytest.approx(asym, rel=1e-5)


# ---------------------------------------------------------------------------------------------
# Fits
# ---------------------------------------------------------------------------------------------


def test_fit_chinchilla_recovers_a_noise_free_law():
    n, d = _design()
    fit = sl.fit_chinchilla(n, d, sl.chinchilla_loss(TRUE, n, d), init_grid=SMALL_GRID,
                            iters_f32=200, iters_f64=40)
    np.testing.assert_allclose(fit.theta, TRUE, atol=2e-3)
    assert fit.objective < 1e-9
    assert fit.a == pytest.approx(0.37 / 0.71, abs=2e-3) and fit.a + fit.b == pytest.approx(1)
    assert fit.finals.shape == (len(SMALL_GRID), 5) and fit.n_within(1e-9) >= 1
    assert fit.best_starts(3).shape == (3, 5)
    assert fit.objective == pytest.approx(
        sl.chinchilla_objective(fit.theta, n, d, sl.chinchilla_loss(TRUE, n, d))[0], abs=1e-15)


def test_minimize_rows_matches_scipy_on_one_start():
    """One start, same objective: the batched L-BFGS and SciPy's L-BFGS-B meet."""
    from scipy.optimize import minimize

    rng = np.random.default_rng(3)
    n, d = _design()
    loss = sl.chinchilla_loss(TRUE, n, d) * np.exp(0.01 * rng.standard_normal(n.size))
    x0 = np.array([5.0, 5.0, 0.5, 0.5, 0.5])
    x, f = sl.minimize_rows(x0[None], np.log(n), np.log(d), np.log(loss)[None],
                            np.ones((1, n.size)), iters_f32=300, iters_f64=60)
    ref = minimize(lambda th: sl.chinchilla_objective(th, n, d, loss), x0, jac=True,
                   method="L-BFGS-B", options=dict(ftol=1e-15, gtol=1e-12, maxiter=5000))
    assert f[0] <= ref.fun + 1e-10


def test_bootstrap_shapes_and_spread():
    rng = np.random.default_rng(1)
    n, d = _design()
    loss = sl.chinchilla_loss(TRUE, n, d) * np.exp(0.01 * rng.standard_normal(n.size))
    fit = sl.fit_chinchilla(n, d, loss, init_grid=SMALL_GRID)
    boot = sl.bootstrap_chinchilla(n, d, loss, jax.random.PRNGKey(0), n_resamples=32,
                                   fit=fit, n_starts=4)
    assert boot.thetas.shape == (32, 5) and boot.n_starts == 4
    assert np.all(boot.counts.sum(1) == n.size) and np.all(np.isfinite(boot.objectives))
    lo, hi = boot.interval("alpha")
    assert lo < fit.alpha < hi and boot.std("alpha") > 0
    assert set(boot.params) == set(sl.PARAMS)


@pytest.mark.parametrize("bad", [
    dict(n=[1.0, -1.0], d=[1.0, 1.0], loss=[1.0, 1.0]),
    dict(n=[1.0, 2.0], d=[1.0], loss=[1.0, 1.0]),
    dict(n=[], d=[], loss=[]),
])
def test_fit_rejects_bad_points(bad):
    with pytest.raises(ValueError):
        sl.fit_chinchilla(**bad)


def test_minimize_rows_checks_shapes():
    with pytest.raises(ValueError, match="x0 must be"):
        sl.minimize_rows(np.zeros((2, 5)), np.zeros(3), np.zeros(3), np.zeros((3, 3)),
                         np.ones((3, 3)))


@pytest.mark.parametrize("E, A, alpha", [(0.0, 3.0, 0.5), (0.1, 2.0, 0.8)])
def test_power_law_recovery(E, A, alpha):
    x = np.logspace(1, 4, 12)
    y = E + A * x ** (-alpha)
    pl = sl.fit_power_law(x, y, irreducible=E > 0)
    assert float(pl.alpha) == pytest.approx(alpha, rel=1e-3)
    assert float(pl.A) == pytest.approx(A, rel=1e-3)
    assert float(pl.E) == pytest.approx(E, abs=1e-4)
    assert float(pl.r2_log) == pytest.approx(1.0, abs=1e-8)


def test_power_law_closed_form_is_exact_and_batched():
    x = np.array([1.0, 10.0, 100.0])
    y = np.stack([5.0 * x**-0.5, 2.0 * x**-1.0])
    pl = sl.fit_power_law(x, y, irreducible=False)
    np.testing.assert_allclose(pl.alpha, [0.5, 1.0], rtol=1e-12)
    np.testing.assert_allclose(pl.A, [5.0, 2.0], rtol=1e-12)
    np.testing.assert_allclose(pl(x), y, rtol=1e-12)
    with pytest.raises(ValueError, match="positive"):
        sl.fit_power_law(x, -y[0])


# ---------------------------------------------------------------------------------------------
# IsoFLOP (approach 2)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("x0, c2", [(0.3, 2.0), (-1.2, 0.5)])
def test_parabola_minima_exact(x0, c2):
    x = np.linspace(-2, 2, 9)
    y = 1.5 + c2 * (x - x0) ** 2
    y_masked = np.where(np.arange(9) == 4, np.nan, y)  # a missing point changes nothing
    for yy in (y, y_masked):
        xv, yv = sl.parabola_minima(x, yy)
        assert xv == pytest.approx(x0, abs=1e-9) and yv == pytest.approx(1.5, abs=1e-9)


@pytest.mark.parametrize("y", [
    -(np.linspace(-2, 2, 9) ** 2),  # concave: no minimum
    (np.linspace(-2, 2, 9) - 5.0) ** 2,  # vertex outside the points
    np.array([1.0, 2.0] + [np.nan] * 7),  # fewer than 3 points
])
def test_parabola_minima_rejects(y):
    xv, _ = sl.parabola_minima(np.linspace(-2, 2, 9), y)
    assert np.isnan(xv)


def test_loglog_slope_exact():
    x = np.array([1.0, 2.0, 4.0, 8.0])
    k, c = sl.loglog_slope(x, 3.0 * x**0.7)
    assert float(k) == pytest.approx(0.7) and float(np.exp(c)) == pytest.approx(3.0)


def test_isoflop_profiles_interpolate_exactly_on_the_grid():
    n, d = np.array([1e6, 4e6, 1.6e7]), np.array([1e8, 4e8, 1.6e9])
    loss = sl.chinchilla_loss(TRUE, n[:, None], d[None, :])
    c = 6 * n[1] * d[1]
    prof = sl.isoflop_profiles(n, d, loss, [c])
    np.testing.assert_allclose(prof[0], [loss[0, 2], loss[1, 1], loss[2, 0]], rtol=1e-12)
    assert np.isnan(sl.isoflop_profiles(n, d, loss, [6 * n[0] * d[0] / 10])).all()


def test_isoflop_fit_recovers_the_compute_optimal_exponent():
    """On a dense grid of an exact law, approach 2 finds a = β/(α+β) (approach 3's value),
    and a + b = 1 to rounding."""
    n, d = np.logspace(6, 10, 41), np.logspace(7, 12, 51)
    loss = sl.chinchilla_loss(TRUE, n[:, None], d[None, :])
    budgets = np.logspace(16.5, 19.5, 7)
    iso = sl.isoflop_fit(n, d, loss, budgets)
    assert np.all(np.isfinite(iso.n_opt))
    assert float(iso.a) == pytest.approx(TRUE[4] / (TRUE[3] + TRUE[4]), abs=0.02)
    assert float(iso.a + iso.b) == pytest.approx(1.0, abs=1e-9)
    exact = sl.compute_optimal(TRUE, budgets)[0]
    np.testing.assert_allclose(iso.n_opt, exact, rtol=0.1)


def test_chinchilla_points_loader():
    df = data.chinchilla_points()
    assert len(df) == 245 and list(df.columns) == ["N", "C", "D", "loss"]
    np.testing.assert_allclose(df["D"], df["C"] / (6 * df["N"]))
    assert (df[["N", "C", "D", "loss"]] > 0).all().all()
    assert df["loss"].max() == pytest.approx(5.005581996196243)


# ---------------------------------------------------------------------------------------------
# Bootstrap helpers, the laws of a grid of runs and the level of a frontier
# ---------------------------------------------------------------------------------------------


def test_params_to_theta_inverts_theta_to_params():
    np.testing.assert_allclose(sl.params_to_theta(sl.theta_to_params(TRUE)), TRUE, rtol=1e-14)
    thetas = TRUE + 0.1 * np.random.default_rng(0).standard_normal((4, 5))
    back = sl.params_to_theta(sl.theta_to_params(thetas))
    assert back.shape == (4, 5)
    np.testing.assert_allclose(back, thetas, rtol=1e-13)


def test_interval_summary():
    out = sl.interval_summary(dict(x=np.arange(101.0), y=[np.nan, 1.0], z=[1.0, 3.0]), 0.9,
                              finite=True)
    assert out["x_lo"] == pytest.approx(5.0) and out["x_hi"] == pytest.approx(95.0)
    assert out["x_se"] == pytest.approx(np.std(np.arange(101.0), ddof=1))
    assert np.isnan(out["y_lo"]) and np.isnan(out["y_se"])  # one finite value: no interval
    assert out["z_se"] == pytest.approx(np.sqrt(2.0))
    assert np.isnan(sl.interval_summary(dict(y=[np.nan, 1.0, 2.0]))["y_lo"])  # NaN kept


@pytest.mark.parametrize("min_points", [2, 3, 4])
def test_isoflop_budgets_have_enough_sizes_on_every_line(min_points):
    n, d = np.array([10.0, 20.0, 40.0, 80.0]), np.array([100.0, 200.0, 400.0, 800.0, 1600.0])
    budgets = sl.isoflop_budgets(n, d, min_points, 7)
    assert budgets.size == 7 and np.all(np.diff(budgets) > 0)
    on_line = budgets[:, None] / (6 * n[None, :])
    inside = (on_line >= d[0] * (1 - 1e-9)) & (on_line <= d[-1] * (1 + 1e-9))
    assert np.all(inside.sum(1) >= min_points)
    assert sl.isoflop_budgets(n, d, 5, 7).size == 0  # only 4 sizes


def test_fit_grid_laws_on_an_exact_law():
    """Seeds equal to the law up to 0.1 % noise: the power law at the largest D is the law's
    N term (same α), the parametric fit recovers (α, β), approach 2 finds a + b = 1 and the
    parametric a, and the two frontiers agree in level."""
    n, d = np.logspace(6, 8, 5), np.logspace(7, 10, 7)
    law = sl.chinchilla_loss(TRUE, n[:, None], d[None, :])
    rng = np.random.default_rng(2)
    losses = law * np.exp(1e-3 * rng.standard_normal((3,) + law.shape))
    g = sl.fit_grid_laws(n, d, losses, min_points=3, n_budgets=5)
    assert float(g.power_law.alpha) == pytest.approx(TRUE[3], abs=0.05)
    assert g.parametric.alpha == pytest.approx(TRUE[3], abs=0.05)
    assert g.parametric.beta == pytest.approx(TRUE[4], abs=0.05)
    assert g.isoflop.budgets.size == 5 and g.isoflop_of_fit.budgets.size == 5
    assert float(g.isoflop.a + g.isoflop.b) == pytest.approx(1.0, abs=1e-9)
    assert float(g.isoflop.a) == pytest.approx(g.parametric.a, abs=0.05)
    assert abs(g.level_gap) < 0.1 and abs(g.level_gap_of_fit) < 0.1
    assert 0 < g.decades_with_minimum <= np.log10(g.isoflop.budgets[-1] / g.isoflop.budgets[0])
    summary = g.summary()
    assert summary["param_alpha"] == g.parametric.alpha and summary["iso_a"] == float(g.isoflop.a)
    assert all(isinstance(v, float) for v in summary.values())
    with pytest.raises(ValueError, match="losses"):
        sl.fit_grid_laws(n, d, law)


@pytest.mark.parametrize("shift", [0.0, 0.3, -0.5])
def test_frontier_level_gap_is_the_offset_of_the_minima(shift):
    budgets = np.logspace(17, 20, 7)
    n3 = sl.compute_optimal(TRUE, budgets)[0]
    gap, mid = sl.frontier_level_gap(budgets, n3 * 10**shift, TRUE)
    assert gap == pytest.approx(shift, abs=1e-9)
    assert mid == pytest.approx(10**18.5, rel=1e-9)
    n_opt = n3 * 10**shift
    n_opt[[0, 6]] = np.nan  # budgets without a minimum: C* is the middle of the others
    assert sl.frontier_level_gap(budgets, n_opt, TRUE)[0] == pytest.approx(shift, abs=1e-9)
    assert np.isnan(sl.frontier_level_gap(budgets[:1], n3[:1], TRUE)[0])


# ---------------------------------------------------------------------------------------------
# The manifold teacher, the one-pass trainer and the TwoNN dimension
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dim", [1, 2, 4])
def test_manifold_teacher_lives_on_a_d_dimensional_subspace(dim):
    t = sl.manifold_teacher(jax.random.PRNGKey(dim), dim, 8, max_latent=4, width=16)
    q = np.asarray(t["embed"])
    assert q.shape == (8, 4) and t["v"].shape == (16, 4)
    np.testing.assert_allclose(q[:, :dim].T @ q[:, :dim], np.eye(dim), atol=1e-5)
    assert not q[:, dim:].any() and not np.asarray(t["v"])[:, dim:].any()
    z, y = sl.manifold_sample(t, jax.random.PRNGKey(9), 500)
    z, y, x = np.asarray(z), np.asarray(y), np.asarray(sl.embed(t, z))
    assert z.shape == (500, 4) and y.shape == (500, 1) and x.shape == (500, 8)
    assert np.all(np.abs(z[:, :dim]) <= 1) and not z[:, dim:].any()
    assert np.linalg.matrix_rank(x, tol=1e-4) == dim  # the inputs span d directions of R^8
    a, v, c = (np.asarray(t[k]) for k in ("a", "v", "c"))
    np.testing.assert_allclose(y[:, 0], np.tanh(z @ v.T + c) @ a, rtol=1e-5, atol=1e-6)
    zb, yb = sl.manifold_sample(t, jax.random.PRNGKey(9), 500, block=64)  # teacher in blocks
    np.testing.assert_array_equal(np.asarray(zb), z)
    np.testing.assert_allclose(np.asarray(yb), y, rtol=1e-6, atol=1e-7)


def test_manifold_members_orders_replicate_d_seed():
    keys = jax.random.split(jax.random.PRNGKey(0), 2)
    m = sl.manifold_members(keys, (1, 3), 2, ambient_dim=5, teacher_width=4, n_test=10,
                            stream_size=20)
    assert m["stream"][0].shape == (8, 20, 3) and m["test"][1].shape == (8, 10, 1)
    emb = np.asarray(m["teachers"]["embed"])
    np.testing.assert_array_equal(emb[0], emb[1])  # seeds share their teacher ...
    assert not np.array_equal(np.asarray(m["stream"][0][0]), np.asarray(m["stream"][0][1]))
    np.testing.assert_array_equal(np.asarray(m["test"][0][0]), np.asarray(m["test"][0][1]))
    active = [int(np.abs(emb[i]).sum(0).astype(bool).sum()) for i in range(8)]
    assert active == [1, 1, 3, 3, 1, 1, 3, 3]  # ... and (replicate, d, seed) is the order


@pytest.mark.parametrize("dim, ambient, max_latent", [(0, 8, 4), (5, 8, 4), (3, 2, 4)])
def test_manifold_teacher_rejects_bad_dimensions(dim, ambient, max_latent):
    with pytest.raises(ValueError, match="latent_dim"):
        sl.manifold_teacher(jax.random.PRNGKey(0), dim, ambient, max_latent=max_latent)


@pytest.mark.parametrize("step, expected", [(0, 1.0), (50, 0.55), (100, 0.1), (25, None)])
def test_cosine_rate_decays_tenfold(step, expected):
    got = float(sl.cosine_rate(step, 100))
    if expected is None:  # a quarter of the way: 0.1 + 0.9 · ½(1 + cos π/4)
        expected = 0.1 + 0.45 * (1 + np.cos(np.pi / 4))
    assert got == pytest.approx(expected, rel=1e-6)


def _online_setup(K=3, width=8, n=8192):
    keys = jax.random.split(jax.random.PRNGKey(3), K)
    teachers = jax.vmap(lambda k: sl.manifold_teacher(k, 2, 4, max_latent=2, width=8))(keys)
    sample = jax.vmap(lambda t, k, m=n: sl.manifold_sample(t, k, m))
    stream = sample(teachers, jax.random.split(jax.random.PRNGKey(4), K))
    test = jax.vmap(lambda t, k: sl.manifold_sample(t, k, 256))(
        teachers, jax.random.split(jax.random.PRNGKey(5), K))
    net = nets.mlp(width, 1, 1, "relu", parameterization="standard")
    params = jax.vmap(lambda k: net.init_params(k, (4,)))(keys)
    return net, params, teachers, stream, test


def test_train_online_learns_and_reads_its_stream_in_order():
    net, params, teachers, stream, test = _online_setup()
    kw = dict(learning_rate=1e-2, batch_size=16, test=test)
    untrained = sl.train_online(net.apply, params, teachers, stream, 0, **kw)
    x_test = jax.vmap(sl.embed)(teachers, test[0])
    direct = jax.vmap(lambda p, x, y: 0.5 * jnp.mean((net.apply(p, x) - y) ** 2))(
        params, x_test, test[1])
    np.testing.assert_allclose(untrained, np.asarray(direct), rtol=1e-5)  # horizon 0: init
    trained = sl.train_online(net.apply, params, teachers, stream, 256, **kw)
    assert trained.shape == (3,) and np.all(trained < 0.5 * untrained)
    # a horizon reads only the first horizon × batch samples: the rest of the stream is unused
    z, y = stream
    cut = (z.at[:, 256 * 16:].set(0.0), y.at[:, 256 * 16:].set(0.0))
    np.testing.assert_allclose(sl.train_online(net.apply, params, teachers, cut, 256, **kw),
                               trained, rtol=1e-6)
    with pytest.raises(ValueError, match="exceeds"):
        sl.train_online(net.apply, params, teachers, stream, 513, **kw)


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_twonn_recovers_the_dimension_of_a_cube(dim):
    x = np.random.default_rng(dim).uniform(-1, 1, (2000, dim)) @ np.eye(dim, 6)
    assert sl.twonn_dimension(x) == pytest.approx(dim, rel=0.1)
