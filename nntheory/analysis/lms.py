"""Classic adaptive linear models: ADALINE/LMS (Widrow & Hoff) and Hebb/Oja learning — learning
curves, stability limits, misadjustment, and principal-component extraction.

LMS conventions
---------------
An input x_k ∈ ℝⁿ and a desired response d_k arrive at each step k; the linear combiner
outputs y_k = w_k·x_k, the a-priori error is e_k = d_k − w_k·x_k, and the LMS (Widrow–Hoff,
ADALINE) update is

    w_{k+1} = w_k + μ e_k x_k                                                     (LMS)

(Widrow & Hoff 1960, "Adaptive switching circuits", IRE WESCON Conv. Rec. 4:96–104; Widrow &
Stearns 1985, "Adaptive Signal Processing", Ch. 6, Eq. 6.3, which writes the step as 2μ: their
μ is our μ/2, and every formula below is converted to *our* μ). It is stochastic gradient descent
on half the mean-square error ξ(w) = E[e²], one sample per step: −∇_w (e²/2) = e x.

With R = E[x xᵀ] (positive definite) and p = E[d x] the MSE is a quadratic bowl whose minimum is
the Wiener solution w* = R⁻¹ p (Widrow & Stearns Ch. 2, the normal equations R w* = p), with
minimum MSE ξ_min = E[d²] − pᵀ w*. The weight error v_k = w_k − w* obeys
v_{k+1} = (I − μ x_k x_kᵀ) v_k + μ n_k x_k with n_k = d_k − w*·x_k, so for inputs drawn
independently at each step (the independence assumption, exact for the i.i.d. streams here)

* **mean**: E[v_{k+1}] = (I − μ R) E[v_k]: the mean weight converges iff ``|1 − μ λ_i| < 1`` for
  every eigenvalue, i.e. iff 0 < μ < 2/λ_max (:func:`mean_convergence_limit`; Widrow & Stearns
  Ch. 6, their 0 < μ < 1/λ_max).
* **mean square** (zero-mean Gaussian x, noise n ~ N(0, σ²) independent of x): by Isserlis'
  theorem E[x xᵀ K x xᵀ] = 2 R K R + R tr(R K), so K_k = E[v_k v_kᵀ] obeys

      K_{k+1} = K − μ(R K + K R) + μ² (2 R K R + R tr(R K)) + μ² σ² R.

  In R's eigenbasis the diagonal k_i of K is closed: k_i' = (1 − 2μλ_i + 2μ²λ_i²) k_i
  + μ² λ_i (Σ_j λ_j k_j + σ²). The fixed point is k_i = μ (ξ_ex + σ²) / (2 (1 − μλ_i)) with
  excess MSE ξ_ex = Σ_i λ_i k_i = tr(R K), hence, with S(μ) = Σ_i μλ_i / (2 (1 − μλ_i)),

      M = ξ_ex / σ² = S / (1 − S)                                     (Gaussian misadjustment)

  and the second moments converge iff μ λ_max < 1 and S(μ) < 1 (the iteration matrix is
  non-negative, so its spectral radius is below 1 iff the fixed point is non-negative). This is
  the real-Gaussian analysis of Horowitz & Senne 1981 (IEEE Trans. ASSP 29(3):722–736) and Feuer
  & Weinstein 1985 (IEEE Trans. ASSP 33(1):222–230) rewritten for our μ; derived here, and
  checked by simulation in tests/test_lms.py. :func:`mean_square_limit` is the root of
  S(μ) = 1. As t/(1 − t) is convex and vanishes at 0, S ≤ (μ tr R/2)/(1 − μλ_max) and
  S ≥ (n/2) f(μ tr R/n) with f(t) = t/(1 − t), whence

      2/(3 tr R) ≤ 2/(tr R + 2 λ_max) ≤ μ_ms ≤ min(2n/((n + 2) tr R), 2/(3 λ_max)),

  with equality in the second and third for R = λ I_n (μ_ms = 2/((n + 2) λ)); μ < 2/(3 tr R) is the
  Horowitz–Senne sufficient bound. μ_ms is set by tr R far more than by λ_max, and it is at
  most 2/(3 λ_max), a third of the mean limit.
* **small-step misadjustment**: S = μ tr(R)/2 + O(μ²), so

      M ≈ μ tr(R) / 2                                                   (small-step misadjustment)

  (:func:`misadjustment_small_step`), Widrow & Stearns' M = μ tr R (Ch. 6; Widrow, McCool,
  Larimore & Johnson 1976, Proc. IEEE 64(8):1151–1162) with their μ = ours/2.

Which step sizes diverge
~~~~~~~~~~~~~~~~~~~~~~~~
The limit 2/λ_max governs the *mean* weight (and steepest descent on ξ), not a single LMS run.
A single run diverges when the top Lyapunov exponent of the random products Π (I − μ x xᵀ) turns
positive; by Jensen's inequality (E log ‖v‖² ≤ log E ‖v‖²) that happens at a μ no smaller than the
mean-square limit, and for Gaussian inputs in a few dozen dimensions (‖x‖² concentrates at
tr R) only slightly above it. Measured with :func:`lms_learning_curves` (20,000 steps, 5 seeds,
n = 16, three spectra): the divergence boundary sits at 1.05–1.25× the mean-square limit and far
below 2/λ_max (≈ 0.12 for R = I₁₆, where 2/λ_max = 2 and the mean-square limit is 2/18), and
it follows tr R, not λ_max. tests/test_lms.py pins this down.

Hebb and Oja
------------
A linear neuron y = w·x with the plain Hebbian rule Δw = η y x (Hebb 1949, "The Organization of
Behavior") follows E[w_{k+1}] = (I + η R) E[w_k]: the norm grows without bound, at the rate
≈ η λ₁ per step in log ‖w‖ once w points along the leading eigenvector e₁; every step grows it,
since ‖w + η (w·x) x‖² = ‖w‖² + (w·x)² (2η + η² ‖x‖²) ≥ ‖w‖². Oja's rule (Oja 1982, J. Math. Biol.
15:267–273, Eq. 3, the first-order expansion of the normalised Hebbian rule)

    Δw = η y (x − y w)                                                              (Oja)

has the averaged ODE dw/dt = R w − (wᵀ R w) w, whose stable fixed points are ±e₁ with ‖w‖ = 1
(Oja 1982; Oja & Karhunen 1985, J. Math. Anal. Appl. 106:69–84). The nonlinear term is parallel
to w, so the ratios w_i/w₁ obey d(w_i/w₁)/dt = −(λ₁ − λ_i) (w_i/w₁) *exactly*: the angle to e₁
decays as tan θ ∝ exp(−η (λ₁ − λ₂) k) per step once the faster modes have died out
(:func:`oja_rate_prediction`), down to a noise floor that scales as √η.

Conventions in code: R = diag(eigenvalues) (for LMS this loses nothing: LMS from w₀ = 0 is
equivariant under x → Q x, w → Q w for orthogonal Q, and the teacher's law N(0, I/n) is
rotation invariant, so every returned statistic has the same law for Q diag(λ) Qᵀ). Every loop
is a jitted ``lax.scan``; step sizes, spectra and seeds are data (arrays), vmapped into one
program per shape, so a new grid of μ costs no compilation. Randomness comes only from the JAX
keys passed in. Nothing here reads files or prints.
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np

from nntheory.arguments import int_at_least

# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------


def _positive_array(name: str, value, *, ndim: int | None = None) -> np.ndarray:
    a = np.asarray(value, np.float64)
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {a.shape}")
    if a.size == 0:
        raise ValueError(f"{name} must not be empty")
    bad = a[~(np.isfinite(a) & (a > 0))]
    if bad.size:
        raise ValueError(f"{name} must be positive and finite, got {bad.ravel()[0]!r} "
                         f"(in {name} = {np.array2string(a.ravel()[:8], precision=4)}"
                         f"{' …' if a.size > 8 else ''})")
    return a


def _record_every(steps: int, record_every: int | None) -> int:
    if record_every is None:  # about 200 windows, dividing steps
        n_windows = min(steps, 200)
        while steps % n_windows:
            n_windows -= 1
        return steps // n_windows
    rec = int_at_least("record_every", record_every)
    if steps % rec:
        raise ValueError(f"record_every = {rec} must divide steps = {steps}")
    return rec


# ---------------------------------------------------------------------------------------------
# Closed forms
# ---------------------------------------------------------------------------------------------


def wiener_solution(R, p) -> np.ndarray:
    """The Wiener solution w* = R⁻¹ p, the minimiser of the mean-square error E[(d − w·x)²].

    It solves the normal equations R w* = p with R = E[x xᵀ], p = E[d x] (Widrow & Stearns
    1985, Ch. 2). Solved in float64 by a Cholesky factorisation.

    Args:
      R: (n, n) symmetric positive-definite input correlation matrix.
      p: (n,) cross-correlation of the desired response with the input (or (n, m) for m
        outputs).

    Returns:
      w*, shape of ``p``.

    Raises:
      ValueError: R is not square, not symmetric, not positive definite, or ``p`` does not
        match it.
    """
    R = np.asarray(R, np.float64)
    p = np.asarray(p, np.float64)
    if R.ndim != 2 or R.shape[0] != R.shape[1]:
        raise ValueError(f"R must be a square matrix, got shape {R.shape}")
    if p.shape[:1] != R.shape[:1] or p.ndim > 2:
        raise ValueError(f"p must have shape ({R.shape[0]},) or ({R.shape[0]}, m), got {p.shape}")
    if not np.allclose(R, R.T, rtol=1e-10, atol=1e-12 * np.abs(R).max(initial=0.0)):
        raise ValueError("R must be symmetric")
    try:
        c = np.linalg.cholesky(R)
    except np.linalg.LinAlgError:
        raise ValueError(f"R must be positive definite; smallest eigenvalue "
                         f"{np.linalg.eigvalsh(R).min():.3g}") from None
    return np.linalg.solve(c.T, np.linalg.solve(c, p))


def mean_convergence_limit(eigenvalues) -> float:
    """2/λ_max: the mean weight E[w_k] of LMS converges iff 0 < μ < 2/λ_max.

    From E[v_{k+1}] = (I − μ R) E[v_k] (v = w − w*, independence assumption): every mode
    contracts iff ``|1 − μ λ_i| < 1`` (Widrow & Stearns 1985, Ch. 6, where the bound reads
    0 < μ < 1/λ_max for their update w + 2μ e x). It is also the stability limit of steepest
    descent on the MSE. A single LMS run diverges at a much smaller μ (see the module docstring
    and :func:`mean_square_limit`).

    Raises:
      ValueError: an eigenvalue is not positive (naming it).
    """
    lam = _positive_array("eigenvalues", eigenvalues, ndim=1)
    return float(2.0 / lam.max())


def _s_of_mu(mu: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """S(μ) = Σ_i μλ_i / (2 (1 − μλ_i)), +inf where μ λ_max ≥ 1."""
    ml = mu[..., None] * lam
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.sum(ml / (2.0 * (1.0 - ml)), axis=-1)
    return np.where(np.max(ml, axis=-1) < 1.0, s, np.inf)


def misadjustment_small_step(mu, eigenvalues) -> np.ndarray:
    """Small-step LMS misadjustment M = (excess MSE)/(minimum MSE) ≈ μ tr(R) / 2.

    Widrow & Stearns (1985, Ch. 6) and Widrow, McCool, Larimore & Johnson (1976, Proc. IEEE
    64(8):1151–1162) give M = μ tr R for the update w + 2μ e x; with ours (w + μ e x) it is
    μ tr R / 2. It is the first-order term of the exact Gaussian-input result
    M = S/(1 − S), S = Σ_i μλ_i / (2 (1 − μλ_i)) (:func:`misadjustment_gaussian`; derivation in
    the module docstring).

    Args:
      mu: step size(s), any shape.
      eigenvalues: (n,) eigenvalues of R.

    Returns:
      M, the shape of ``mu`` (a 0-d array for a scalar).

    Raises:
      ValueError: a step size or an eigenvalue is not positive (naming it).
    """
    mu = _positive_array("mu", mu)
    lam = _positive_array("eigenvalues", eigenvalues, ndim=1)
    return mu * lam.sum() / 2.0


def misadjustment_gaussian(mu, eigenvalues) -> np.ndarray:
    """Steady-state LMS misadjustment for zero-mean Gaussian inputs, any stable μ:
    M = S/(1 − S) with S(μ) = Σ_i μλ_i / (2 (1 − μλ_i)).

    The fixed point of the second-moment recursion of the module docstring (Isserlis' theorem;
    the real-Gaussian analysis of Horowitz & Senne 1981 and Feuer & Weinstein 1985, IEEE Trans.
    ASSP 33(1):222–230, converted to the update w + μ e x). Reduces to μ tr R / 2 for small μ.

    Returns:
      M, the shape of ``mu``; ``inf`` where the recursion has no stable fixed point
      (μ ≥ :func:`mean_square_limit`).

    Raises:
      ValueError: a step size or an eigenvalue is not positive (naming it).
    """
    mu = _positive_array("mu", mu)
    lam = _positive_array("eigenvalues", eigenvalues, ndim=1)
    s = _s_of_mu(mu, lam)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(s < 1.0, s / (1.0 - s), np.inf)


def steady_state_msd(mu, eigenvalues, noise_sd) -> np.ndarray:
    """Steady-state mean-square deviation E‖w − w*‖² of LMS with Gaussian inputs and noise.

    E‖v‖² = Σ_i k_i with k_i = μ σ² (1 + M) / (2 (1 − μλ_i)) and M from
    :func:`misadjustment_gaussian` (the fixed point of the module docstring's recursion);
    ≈ n μ σ² / 2 for small μ.

    Returns:
      E‖v‖², the shape of ``mu``; ``inf`` beyond the mean-square limit.

    Raises:
      ValueError: a step size or an eigenvalue is not positive, or ``noise_sd`` is negative.
    """
    mu = _positive_array("mu", mu)
    lam = _positive_array("eigenvalues", eigenvalues, ndim=1)
    if not (np.isfinite(noise_sd) and noise_sd >= 0):
        raise ValueError(f"noise_sd must be non-negative and finite, got {noise_sd!r}")
    m = misadjustment_gaussian(mu, lam)
    ml = mu[..., None] * lam
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        msd = noise_sd**2 * (1.0 + m) * np.sum(mu[..., None] / (2.0 * (1.0 - ml)), axis=-1)
    return np.where(np.isfinite(m), msd, np.inf)


def mean_square_limit(eigenvalues) -> float:
    """The largest μ for which the LMS second moments converge (Gaussian inputs): the root of
    S(μ) = Σ_i μλ_i / (2 (1 − μλ_i)) = 1 in (0, 1/λ_max).

    Derivation in the module docstring (Horowitz & Senne 1981; Feuer & Weinstein 1985, for our
    step convention). S increases from 0 to ∞ on (0, 1/λ_max), so the root is unique; found by
    bisection to relative precision 1e-12. For R = λ I_n it is 2/((n + 2) λ).
    Bounds (module docstring): 2/(tr R + 2 λ_max) ≤ μ_ms ≤ min(2n/((n + 2) tr R), 2/(3 λ_max)).

    Raises:
      ValueError: an eigenvalue is not positive (naming it).
    """
    lam = _positive_array("eigenvalues", eigenvalues, ndim=1)
    lo, hi = 0.0, 1.0 / lam.max()
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if _s_of_mu(np.asarray(mid), lam) < 1.0:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-12 * hi:
            break
    return float(0.5 * (lo + hi))


# ---------------------------------------------------------------------------------------------
# LMS learning curves: many step sizes × seeds, one jitted program
# ---------------------------------------------------------------------------------------------


@functools.partial(jax.jit, static_argnames=("steps", "record_every"))
def _lms_program(keys, lam, mus, noise_sd, blowup, *, steps, record_every):
    n = lam.shape[0]
    sq = jnp.sqrt(lam)

    def one_seed(key):
        k_teacher, k_data = jax.random.split(key)
        w_true = jax.random.normal(k_teacher, (n,), lam.dtype) / math.sqrt(n)
        # E[d²], the MSE of w = 0: the scale of the divergence threshold
        mse0 = jnp.sum(lam * w_true * w_true) + noise_sd * noise_sd
        limit = blowup * mse0

        def update(w, mu, bad, at, x, d, k):
            e = d - jnp.dot(w, x)
            v = w - w_true
            excess = jnp.sum(lam * v * v)  # E over a fresh x of (v·x)²: the excess MSE of w
            e2 = e * e
            newly = ~bad & ~(e2 < limit)  # also catches inf and nan
            bad = bad | newly
            at = jnp.where(newly, k, at)
            w = jnp.where(bad, w, w + mu * e * x)  # frozen once flagged: never overflows
            return w, bad, at, jnp.where(bad, jnp.inf, e2), jnp.where(bad, jnp.inf, excess)

        def step(carry, inp):
            w, bad, at = carry
            z, k = inp
            x = sq * z[:n]
            d = jnp.dot(w_true, x) + noise_sd * z[n]
            w, bad, at, e2, excess = jax.vmap(update, in_axes=(0, 0, 0, 0, None, None, None))(
                w, mus, bad, at, x, d, k)
            return (w, bad, at), (e2, excess)

        def window(carry, i):
            z = jax.random.normal(jax.random.fold_in(k_data, i), (record_every, n + 1),
                                  lam.dtype)
            k = i * record_every + jnp.arange(record_every)
            carry, (e2, excess) = jax.lax.scan(step, carry, (z, k))
            return carry, (jnp.mean(e2, axis=0), jnp.mean(excess, axis=0))

        m = mus.shape[0]
        init = (jnp.zeros((m, n), lam.dtype), jnp.zeros((m,), bool), jnp.full((m,), -1))
        (w, bad, at), (mse, excess) = jax.lax.scan(window, init,
                                                   jnp.arange(steps // record_every))
        return w, w_true, bad, at, mse.T, excess.T

    return jax.vmap(one_seed)(keys)


def lms_learning_curves(key, eigenvalues, mus, steps: int, noise_sd: float = 0.1,
                        seeds: int = 5, *, record_every: int | None = None, tail: float = 0.25,
                        blowup: float = 1e6) -> dict[str, np.ndarray]:
    """LMS on a stationary Gaussian stream, for every step size in ``mus`` and every seed, as
    one jitted, vmapped ``lax.scan``.

    Each seed draws a teacher w_true ~ N(0, I/n) and a stream x_k ~ N(0, diag(eigenvalues)),
    d_k = w_true·x_k + n_k, n_k ~ N(0, noise_sd²); so p = R w_true, the Wiener solution is
    w* = R⁻¹ p = w_true and the minimum MSE is noise_sd². Every step size sees the same stream
    (common random numbers). Starting from w₀ = 0, LMS w ← w + μ e x (Widrow & Hoff 1960;
    Widrow & Stearns 1985, Ch. 6, Eq. 6.3 with 2μ → μ) runs for ``steps`` steps in float32.

    Divergence is detected at every step at no extra cost: a run is flagged as soon as its
    a-priori error satisfies ``not (e² < blowup · E[d²])`` (E[d²] is the MSE of w = 0; the test
    is also true for inf and nan); a flagged run's weights are frozen, so nothing overflows, and
    its curves read ``inf`` from then on. A run whose error grows at a Lyapunov rate γ per step
    is flagged after about ln(blowup)/(2γ) steps, so a μ just past the boundary can pass as
    stable in a short run.

    Args:
      key: a JAX PRNG key.
      eigenvalues: (n,) positive eigenvalues of R.
      mus: (M,) positive step sizes (data: a new grid of the same length does not recompile).
      steps: number of LMS steps.
      noise_sd: σ of the observation noise (σ = 0 makes the misadjustment undefined: nan).
      seeds: independent (teacher, stream) draws.
      record_every: window length of the recorded curves (must divide ``steps``; default:
        about 200 windows).
      tail: fraction of the windows at the end over which the steady-state excess MSE is
        averaged.
      blowup: divergence threshold, relative to E[d²].

    Returns:
      dict of numpy arrays: ``mus`` (M,); ``steps`` (T,) the step count at the end of each
      window; ``mse`` (seeds, M, T) the window mean of the a-priori e_k² (the learning curve);
      ``excess_mse`` (seeds, M, T) the window mean of the exact excess MSE vᵀ R v of the
      current weights (v = w − w*; the MSE is σ² + vᵀ R v); ``weight_error`` (seeds, M) the final
      ‖w − w*‖; ``steady_excess_mse`` (seeds, M) the mean of ``excess_mse`` over the last
      ``tail`` of the windows; ``misadjustment`` (seeds, M) that divided by σ²; ``diverged``
      (seeds, M) bool; ``diverged_at`` (seeds, M) the step at which a run was flagged (−1 if
      never); ``w_true`` (seeds, n); ``min_mse`` σ². The last four quantities of a diverged run
      are ``inf``.

    Raises:
      ValueError: a step size or eigenvalue is not positive, ``steps``, ``seeds`` or
        ``record_every`` is not a positive integer, ``record_every`` does not divide ``steps``,
        ``noise_sd`` is negative, ``tail`` is not in (0, 1] or ``blowup`` is not > 1.
    """
    lam = _positive_array("eigenvalues", eigenvalues, ndim=1)
    mus = _positive_array("mus", np.atleast_1d(np.asarray(mus, np.float64)), ndim=1)
    steps = int_at_least("steps", steps)
    seeds = int_at_least("seeds", seeds)
    rec = _record_every(steps, record_every)
    if not (np.isfinite(noise_sd) and noise_sd >= 0):
        raise ValueError(f"noise_sd must be non-negative and finite, got {noise_sd!r}")
    if not 0 < tail <= 1:
        raise ValueError(f"tail must be in (0, 1], got {tail!r}")
    if not (np.isfinite(blowup) and blowup > 1):
        raise ValueError(f"blowup must be a finite number > 1, got {blowup!r}")
    keys = jax.random.split(key, seeds)
    out = _lms_program(keys, jnp.asarray(lam, jnp.float32), jnp.asarray(mus, jnp.float32),
                       jnp.float32(noise_sd), jnp.float32(blowup), steps=steps,
                       record_every=rec)
    w, w_true, bad, at, mse, excess = (np.asarray(a) for a in out)
    T = steps // rec
    n_tail = max(1, int(round(tail * T)))
    err = np.linalg.norm(w.astype(np.float64) - w_true[:, None, :], axis=-1)
    steady = excess[..., T - n_tail:].astype(np.float64).mean(-1)
    err = np.where(bad, np.inf, err)
    steady = np.where(bad, np.inf, steady)
    sigma2 = float(noise_sd) ** 2
    mis = steady / sigma2 if sigma2 > 0 else np.full_like(steady, np.nan)
    return dict(mus=mus, steps=rec * np.arange(1, T + 1), mse=mse, excess_mse=excess,
                weight_error=err, steady_excess_mse=steady, misadjustment=mis, diverged=bad,
                diverged_at=at, w_true=w_true, min_mse=sigma2)


def divergence_boundary(mus, diverged, *, midpoint: bool = True) -> float:
    """The step size at which LMS starts to diverge on a grid.

    A grid point counts as divergent where more than half of the seeds diverged. The boundary
    is the geometric midpoint √(μ_s μ_d) of the first (smallest) divergent grid point μ_d and
    the grid point just below it, μ_s, or μ_d itself with ``midpoint=False``. Later stable
    points above μ_d (noise near the boundary) do not move it.

    Args:
      mus: (M,) step sizes (any order).
      diverged: (M,) or (seeds, M) bool, e.g. ``lms_learning_curves(...)["diverged"]``.

    Returns:
      The boundary; ``inf`` if no grid point diverged, ``nan`` if already the smallest did
      (the boundary is below the grid).

    Raises:
      ValueError: the shapes do not match or a step size is not positive.
    """
    mus = _positive_array("mus", mus, ndim=1)
    div = np.asarray(diverged, bool)
    if div.ndim == 1:
        div = div[None, :]
    if div.ndim != 2 or div.shape[1] != mus.shape[0]:
        raise ValueError(f"diverged must have shape ({mus.shape[0]},) or (seeds, "
                         f"{mus.shape[0]}), got {np.shape(diverged)}")
    order = np.argsort(mus)
    mus, frac = mus[order], div[:, order].mean(axis=0)
    majority = frac > 0.5
    if not majority.any():
        return math.inf
    i = int(np.argmax(majority))
    if i == 0:
        return math.nan
    return float(np.sqrt(mus[i - 1] * mus[i])) if midpoint else float(mus[i])


# ---------------------------------------------------------------------------------------------
# ADALINE on sklearn's digits
# ---------------------------------------------------------------------------------------------

#: images in sklearn's bundled 8×8 digits
DIGITS_SIZE = 1797


def _digits(key, n_train: int):
    from sklearn.datasets import load_digits

    d = load_digits()
    x, labels = d.data.astype(np.float64), d.target.astype(np.int64)
    perm = np.asarray(jax.random.permutation(key, len(x)))
    tr, te = perm[:n_train], perm[n_train:]
    mu, sd = x[tr].mean(0), x[tr].std(0)
    x = (x - mu) / np.where(sd > 0, sd, 1.0)  # constant pixels stay 0
    x = np.concatenate([x, np.ones((len(x), 1))], axis=1)  # bias input
    y = 2.0 * np.eye(10)[labels] - 1.0  # one-vs-rest ±1 targets
    return x[tr], y[tr], labels[tr], x[te], y[te], labels[te]


@jax.jit
def _adaline_program(key, x, y, mus):
    n, d = x.shape

    def epoch(w, inp):
        k, mu = inp
        order = jax.random.permutation(k, n)

        def step(w, i):
            xi, yi = x[i], y[i]
            e = yi - xi @ w  # (10,) a-priori errors of the ten ADALINEs
            return w + mu * xi[:, None] * e[None, :], None

        w, _ = jax.lax.scan(step, w, order)
        return w, None

    keys = jax.random.split(key, mus.shape[0])
    w, _ = jax.lax.scan(epoch, jnp.zeros((d, y.shape[1]), x.dtype), (keys, mus))
    return w


def adaline_digits(key, *, n_train: int = 1200, mu: float = 1e-3, epochs: int = 60,
                   anneal: float = 0.05) -> dict:
    """ADALINE (Widrow & Hoff 1960): ten one-vs-rest linear units trained by LMS on sklearn's
    8×8 digits, against the closed-form least-squares solution.

    The split (``n_train`` training images, the rest for testing) is a permutation drawn from
    ``key``; pixels are standardised with the training mean and standard deviation (constant
    pixels stay 0), a constant 1 is appended (the bias weight), and unit c's target is +1 for
    class c and −1 otherwise. LMS visits the training set once per epoch in a fresh random
    order (from ``key``) with w ← w + μ_e x eᵀ; the step decays as μ_e = μ / (1 + anneal · e),
    so the iterates settle on the least-squares solution instead of fluctuating around it with
    misadjustment ≈ μ tr(R̂)/2 (Robbins–Monro: Σ μ_e = ∞ as the epochs grow). The reference is
    W_ls = argmin ‖X W − Y‖ (``numpy.linalg.lstsq``, minimum norm: zero weight on the constant
    pixels, which LMS never moves either). The decision is the unit with the largest output.

    Args:
      key: a JAX PRNG key (split and epoch orders).
      n_train: training images (the other 1797 − n_train are the test set).
      mu: initial LMS step. With standardised pixels tr R̂ = 62 (61 non-constant pixels and
        the bias), but a few images with rare pixels have ‖x‖² near 2000, and a step with
        μ ‖x‖² > 2 overshoots along x: a constant μ much above 2/max ‖x‖² ≈ 1e-3 blows up
        (measured: constant μ = 2e-3 diverges; ``diverged`` flags it).
      epochs: passes over the training set.
      anneal: step decay per epoch (0: constant step).

    Returns:
      dict: ``weight_distance`` ‖W_lms − W_ls‖_F / ‖W_ls‖_F; ``output_distance``
      ‖X (W_lms − W_ls)‖ / ‖X W_ls‖ on the training inputs; ``train_mse_lms``,
      ``train_mse_ls`` (mean over units and images of the squared error); ``test_accuracy_lms``,
      ``test_accuracy_ls``; ``train_accuracy_lms``, ``train_accuracy_ls``; ``diverged`` (LMS
      ended non-finite or with a training MSE above 1, that of W = 0); ``w_lms``, ``w_ls``
      (65, 10); ``mus`` (epochs,) the steps used.

    Raises:
      ValueError: ``n_train`` leaves no test images, or ``mu``, ``epochs`` or ``anneal`` is out
        of range (naming the value).
    """
    n_train = int_at_least("n_train", n_train)
    if n_train >= DIGITS_SIZE:
        raise ValueError(f"n_train = {n_train} leaves no test images (there are {DIGITS_SIZE})")
    _positive_array("mu", mu)
    epochs = int_at_least("epochs", epochs)
    if not (np.isfinite(anneal) and anneal >= 0):
        raise ValueError(f"anneal must be non-negative and finite, got {anneal!r}")
    k_split, k_order = jax.random.split(key)
    x, y, lab, xt, _, labt = _digits(k_split, n_train)
    mus = mu / (1.0 + anneal * np.arange(epochs))
    w_lms = np.asarray(_adaline_program(k_order, jnp.asarray(x, jnp.float32),
                                        jnp.asarray(y, jnp.float32),
                                        jnp.asarray(mus, jnp.float32)), np.float64)
    w_ls = np.linalg.lstsq(x, y, rcond=None)[0]

    def acc(xx, w, labels):
        return float(np.mean(np.argmax(xx @ w, axis=1) == labels))

    with np.errstate(all="ignore"):  # a diverged run (μ too large) holds inf or nan
        diff = w_lms - w_ls
        mse_lms = float(np.mean((x @ w_lms - y) ** 2))
        out = dict(
            weight_distance=float(np.linalg.norm(diff) / np.linalg.norm(w_ls)),
            output_distance=float(np.linalg.norm(x @ diff) / np.linalg.norm(x @ w_ls)),
            train_mse_lms=mse_lms, train_mse_ls=float(np.mean((x @ w_ls - y) ** 2)),
            test_accuracy_lms=acc(xt, w_lms, labt), test_accuracy_ls=acc(xt, w_ls, labt),
            train_accuracy_lms=acc(x, w_lms, lab), train_accuracy_ls=acc(x, w_ls, lab))
    # worse than w = 0 (whose MSE is 1 on ±1 targets), or not finite: LMS blew up
    out["diverged"] = not (np.all(np.isfinite(w_lms)) and mse_lms < 1.0)
    return out | dict(w_lms=w_lms, w_ls=w_ls, mus=mus)


# ---------------------------------------------------------------------------------------------
# Hebb and Oja
# ---------------------------------------------------------------------------------------------


@functools.partial(jax.jit, static_argnames=("steps", "record_every"))
def _hebb_oja_program(keys, lam, etas, init_norm, *, steps, record_every):
    n = lam.shape[0]
    sq = jnp.sqrt(lam)
    order = jnp.argsort(-lam)
    lead, second = order[0], order[min(1, n - 1)]

    def one_seed(key):
        k0, k_data = jax.random.split(key)
        u0 = jax.random.normal(k0, (n,), lam.dtype)
        u0 = u0 / jnp.linalg.norm(u0)
        m = etas.shape[0]
        # Hebb as w = exp(s) u with ‖u‖ = 1: exact, and the log-norm s never overflows
        hebb = (jnp.tile(u0, (m, 1)), jnp.full((m,), jnp.log(init_norm), lam.dtype))
        oja = (jnp.tile(init_norm * u0, (m, 1)), jnp.zeros((m,), bool))

        def update(h, o, eta, x):
            (u, s), (w, bad) = h, o
            u = u + eta * jnp.dot(u, x) * x  # Δw = η y x, divided by exp(s)
            nu = jnp.linalg.norm(u)
            h = (u / nu, s + jnp.log(nu))
            y = jnp.dot(w, x)
            w_new = w + eta * y * (x - y * w)  # Oja 1982, Eq. 3
            bad = bad | ~(jnp.linalg.norm(w_new) < 1e6)  # also catches inf and nan
            return h, (jnp.where(bad, w, w_new), bad)

        def step(carry, z):
            return jax.vmap(update, in_axes=(0, 0, 0, None))(*carry, etas, sq * z), None

        def record(carry):
            (u, s), (w, bad) = carry
            norm = jnp.where(bad, jnp.nan, jnp.linalg.norm(w, axis=-1))
            w1 = jnp.abs(w[:, lead])
            # tan θ = ‖w_⊥‖/|w₁| directly (1 − cos² loses it in float32 below ~1e-3)
            perp = jnp.linalg.norm(w.at[:, lead].set(0.0), axis=-1)
            return (s, jnp.abs(u[:, lead]), norm, jnp.where(bad, jnp.nan, w1 / norm),
                    jnp.where(bad, jnp.nan, perp / w1),
                    jnp.where(bad, jnp.nan, jnp.abs(w[:, second]) / w1))

        def window(carry, i):
            z = jax.random.normal(jax.random.fold_in(k_data, i), (record_every, n), lam.dtype)
            carry, _ = jax.lax.scan(step, carry, z)
            return carry, record(carry)

        carry = (hebb, oja)
        first = record(carry)
        carry, recs = jax.lax.scan(window, carry, jnp.arange(steps // record_every))
        recs = tuple(jnp.concatenate([f[None], r]).T for f, r in zip(first, recs, strict=True))
        return recs + (carry[1][1],)

    return jax.vmap(one_seed)(keys)


def hebb_oja_run(key, eigenvalues, eta, steps: int, seeds: int = 5, *,
                 record_every: int | None = None, init_norm: float = 0.5) -> dict:
    """Plain Hebbian learning and Oja's rule for one linear neuron y = w·x on a stationary
    Gaussian stream x ~ N(0, diag(eigenvalues)), every seed (and every η) in one jitted program.

    Both rules start from the same w₀ (a uniformly random direction times ``init_norm``) and
    see the same stream. Hebb (1949): Δw = η y x; its norm grows geometrically (≈ η λ₁ per step
    in log ‖w‖), so it is carried as w = exp(s) u with a unit vector u and the log-norm s —
    exact, and it never overflows. Oja (1982, J. Math. Biol. 15:267–273, Eq. 3):
    Δw = η y (x − y w), which converges to ±e₁ (the leading eigenvector, unit norm) for small
    η. A run of Oja's rule whose norm leaves 1e6 (η far too large) is stopped and its records
    read nan from then on.

    Args:
      key: a JAX PRNG key.
      eigenvalues: (n,) positive eigenvalues of R; the largest must be simple.
      eta: a positive learning rate, or a 1-D array of them (data: run as one program).
      steps: number of steps.
      seeds: independent (w₀, stream) draws.
      record_every: steps between records (must divide ``steps``; default: about 200 records).
      init_norm: ‖w₀‖.

    Returns:
      dict of numpy arrays, with an η axis after the seed axis only when ``eta`` is an array:
      ``steps`` (T + 1,) the step of each record, starting at 0; ``hebb_log_norm``
      (seeds, [E,] T + 1) ln ‖w‖ under Hebb; ``hebb_cos`` ``|cos|`` of the Hebbian w with e₁;
      ``oja_norm`` ‖w‖ and ``oja_cos`` ``|cos θ|`` for Oja; ``oja_tan`` tan θ = ``‖w_⊥‖/|w₁|``
      (computed directly, accurate where cos θ rounds to 1 in float32) and ``oja_ratio2``
      ``|w₂/w₁|`` (the component along the second eigenvector), for
      :func:`oja_decay_rate`; ``oja_final_norm``, ``oja_final_cos`` (seeds, [E]);
      ``oja_diverged`` (seeds, [E]) bool; ``etas`` (E,) or the scalar η;
      ``leading_eigenvector`` (n,) e₁.

    Raises:
      ValueError: η, ``init_norm`` or an eigenvalue is not positive, the top eigenvalue is
        repeated, or ``steps``/``seeds``/``record_every`` is not a positive integer (naming the
        value).
    """
    lam = _positive_array("eigenvalues", eigenvalues, ndim=1)
    scalar = np.ndim(eta) == 0
    etas = _positive_array("eta", np.atleast_1d(np.asarray(eta, np.float64)), ndim=1)
    steps = int_at_least("steps", steps)
    seeds = int_at_least("seeds", seeds)
    rec = _record_every(steps, record_every)
    _positive_array("init_norm", init_norm)
    top = np.sort(lam)[::-1]
    if lam.size > 1 and top[0] == top[1]:
        raise ValueError(f"the largest eigenvalue must be simple, got {top[0]!r} twice")
    keys = jax.random.split(key, seeds)
    out = _hebb_oja_program(keys, jnp.asarray(lam, jnp.float32),
                            jnp.asarray(etas, jnp.float32), jnp.float32(init_norm),
                            steps=steps, record_every=rec)
    h_s, h_cos, o_norm, o_cos, o_tan, o_r2, o_bad = (np.asarray(a) for a in out)
    if scalar:
        h_s, h_cos, o_norm, o_cos, o_tan, o_r2, o_bad = (
            a[:, 0] for a in (h_s, h_cos, o_norm, o_cos, o_tan, o_r2, o_bad))
    e1 = np.zeros(lam.size)
    e1[np.argmax(lam)] = 1.0
    return dict(steps=rec * np.arange(steps // rec + 1), hebb_log_norm=h_s, hebb_cos=h_cos,
                oja_norm=o_norm, oja_cos=o_cos, oja_tan=o_tan, oja_ratio2=o_r2,
                oja_final_norm=o_norm[..., -1], oja_final_cos=o_cos[..., -1], oja_diverged=o_bad,
                etas=float(etas[0]) if scalar else etas, leading_eigenvector=e1)


def oja_rate_prediction(eigenvalues, eta) -> np.ndarray:
    """η (λ₁ − λ₂): the decay rate per step of ln tan θ, θ the angle between Oja's w and e₁.

    From the averaged ODE dw/dt = R w − (wᵀ R w) w (Oja 1982, Eq. 3 with η → dt; Oja &
    Karhunen 1985): the second term is parallel to w, so d(w_i/w₁)/dt = −(λ₁ − λ_i) w_i/w₁ and
    ``tan θ = ‖w_⊥‖/|w₁|`` decays as exp(−η (λ₁ − λ₂) k) once the faster modes have died out.

    Returns:
      The rate, the shape of ``eta``.

    Raises:
      ValueError: η or an eigenvalue is not positive, or there are fewer than two eigenvalues.
    """
    lam = _positive_array("eigenvalues", eigenvalues, ndim=1)
    eta = _positive_array("eta", eta)
    if lam.size < 2:
        raise ValueError(f"need at least two eigenvalues, got {lam.size}")
    top = np.sort(lam)[::-1]
    return eta * (top[0] - top[1])


def hebb_rate_prediction(eigenvalues, eta) -> np.ndarray:
    """η λ₁: the growth rate per step of ln ‖w‖ under Hebb's rule, to first order in η.

    E[w_{k+1}] = (I + η R) E[w_k], and once w ∥ e₁, ln ‖w + η (w·x) x‖ − ln ‖w‖ has mean
    η λ₁ + O(η²) (Hebb 1949; the instability Oja 1982 removes).

    Raises:
      ValueError: η or an eigenvalue is not positive.
    """
    lam = _positive_array("eigenvalues", eigenvalues, ndim=1)
    return _positive_array("eta", eta) * lam.max()


def fit_log_rate(steps, values, *, lo: float = 0.0, hi: float = math.inf,
                 is_log: bool = False) -> float:
    """The slope r of ln v ≈ a + r k by least squares, over the records with lo < v < hi.

    Values with a leading seed axis are combined as the mean of ln v over the seeds (the
    geometric mean) before the window is chosen and the line fitted.

    Args:
      steps: (T,) step counts.
      values: (T,) or (seeds, T) positive values (e.g. tan θ, or ‖w‖), or their natural
        logarithms with ``is_log`` (e.g. ``hebb_log_norm``, whose exponential can overflow).
      lo, hi: the window in value (not in log).
      is_log: ``values`` are already ln v.

    Returns:
      r per step (negative for a decay).

    Raises:
      ValueError: the shapes do not match, or fewer than 3 records lie in the window.
    """
    k = np.asarray(steps, np.float64)
    v = np.asarray(values, np.float64)
    if is_log:
        logv = v
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            logv = np.log(v)
    if logv.ndim == 2:
        logv = logv.mean(axis=0)
    if k.ndim != 1 or logv.shape != k.shape:
        raise ValueError(f"steps {k.shape} and values {v.shape} do not match")
    ok = np.isfinite(logv)
    if lo > 0:
        ok &= logv > math.log(lo)
    if hi < math.inf:
        ok &= logv < math.log(hi)
    if ok.sum() < 3:
        raise ValueError(f"only {int(ok.sum())} records lie in the window ({lo}, {hi}); "
                         f"need at least 3")
    return float(np.polyfit(k[ok], logv[ok], 1)[0])


def oja_decay_rate(steps, tan, *, hi: float = 0.5, floor_factor: float = 4.0) -> float:
    """The measured decay rate per step of ln tan θ under Oja's rule (compare with
    :func:`oja_rate_prediction`).

    tan θ is combined over the seeds as the root mean square (for the averaged dynamics
    E[tan² θ] is a sum of decaying exponentials whatever the seeds' initial components; a mean
    of logs is not); seeds with a non-finite record (diverged runs) are dropped. The noise
    floor is the mean of that ln tan θ over the last quarter of the records; a least-squares
    line is fitted to the records from the first one below ``hi`` (past the initial transient)
    up to the first one below ``floor_factor`` × the floor. The slow mode alone,
    ``oja_ratio2`` = ``|w₂/w₁|``, gives η (λ₁ − λ₂) without the bias of the faster modes that
    tan θ still carries in that window (measured: tan θ 1.1–1.3× faster, ``|w₂/w₁|`` within
    ±7 %).

    Args:
      steps: (T,) record steps.
      tan: (T,) or (seeds, T) tan θ, e.g. ``hebb_oja_run(...)["oja_tan"]``.
      hi: upper end of the window in tan θ.
      floor_factor: the window stops this factor above the noise floor.

    Returns:
      The rate (positive for a decay).

    Raises:
      ValueError: the shapes do not match, no seed is finite, or the window holds fewer than 3
        records (run longer, or with a smaller η).
    """
    k = np.asarray(steps, np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        logt = np.atleast_2d(np.log(np.asarray(tan, np.float64)))
    if k.ndim != 1 or logt.shape[-1] != k.shape[0] or logt.ndim != 2:
        raise ValueError(f"steps {k.shape} and tan {np.shape(tan)} do not match")
    logt = logt[np.all(np.isfinite(logt), axis=1)]
    if not logt.size:
        raise ValueError("no seed has a finite tan θ record")
    # root mean square over the seeds: for the averaged dynamics E[tan²] is a sum of
    # exponentials whatever the seeds' initial components (a mean of logs is not)
    top = logt.max(axis=0)
    logt = top + 0.5 * np.log(np.mean(np.exp(2.0 * (logt - top)), axis=0))
    floor = logt[-max(1, logt.size // 4):].mean()
    lo = floor + math.log(floor_factor)
    below_hi = np.flatnonzero(logt < math.log(hi))
    if below_hi.size == 0 or lo >= math.log(hi):
        raise ValueError(f"tan θ never falls below hi = {hi} well above its noise floor "
                         f"{math.exp(floor):.3g}")
    start = below_hi[0]
    below_lo = np.flatnonzero(logt[start:] < lo)
    stop = start + (below_lo[0] if below_lo.size else logt.size - start)
    if stop - start < 3:
        raise ValueError(f"only {stop - start} records between tan θ = {hi} and "
                         f"{math.exp(lo):.3g}; need at least 3")
    return -float(np.polyfit(k[start:stop], logt[start:stop], 1)[0])


def step_size_grid(eigenvalues, small_steps, count: int) -> np.ndarray:
    """The step sizes of an LMS sweep: ``small_steps`` (for the misadjustment), then ``count``
    geometrically spaced steps from ½ μ_ms (:func:`mean_square_limit`, where nothing diverges)
    to 1.2 × 2/λ_max (:func:`mean_convergence_limit`, past where the mean diverges)."""
    count = int_at_least("count", count, 2)
    grid = np.geomspace(0.5 * mean_square_limit(eigenvalues),
                        1.2 * mean_convergence_limit(eigenvalues), count)
    return np.concatenate([np.asarray(small_steps, np.float64).ravel(), grid])


def hebb_oja_rates(run: dict, eigenvalues) -> list[dict]:
    """Per learning rate of a :func:`hebb_oja_run` over an η grid: the fitted Oja decay rate of
    ``|w₂/w₁|`` (:func:`oja_decay_rate`) and Hebbian growth rate of ln‖w‖ (:func:`fit_log_rate`),
    each with its prediction η(λ₁ − λ₂) and ηλ₁ (Oja 1982), the smallest final ``|cos θ|`` over
    seeds and the largest ``|‖w‖ − 1|``. A rate that cannot be fitted (too few records) is NaN."""

    def fitted(fit, *args, **kw):
        try:
            return float(fit(*args, **kw))
        except ValueError:
            return float("nan")

    rows = []
    for e, eta in enumerate(np.atleast_1d(run["etas"])):
        rows.append(dict(
            eta=float(eta), oja_rate=fitted(oja_decay_rate, run["steps"], run["oja_ratio2"][:, e]),
            oja_predicted=float(oja_rate_prediction(eigenvalues, eta)),
            hebb_rate=fitted(fit_log_rate, run["steps"], run["hebb_log_norm"][:, e], is_log=True),
            hebb_predicted=float(hebb_rate_prediction(eigenvalues, eta)),
            min_abs_cos=float(np.min(run["oja_final_cos"][:, e])),
            max_norm_error=float(np.max(np.abs(run["oja_final_norm"][:, e] - 1)))))
    return rows


def boundary_table(spectra: dict, spectrum, seed, mu, diverged) -> list[dict]:
    """Per input spectrum, the measured divergence boundary (:func:`divergence_boundary` over
    the seeds) with the mean-square limit μ_ms (:func:`mean_square_limit`), the mean-weight
    limit 2/λ_max (:func:`mean_convergence_limit`) and tr R beside it.

    Args:
      spectra: name -> eigenvalues of R.
      spectrum, seed, mu, diverged: equal-length arrays, one entry per run.
    """
    name, s, m, d = (np.asarray(v).ravel() for v in (spectrum, seed, mu, diverged))
    rows = []
    for key in dict.fromkeys(name.tolist()):
        at = name == key
        mus, seeds = np.unique(m[at]), np.unique(s[at])
        grid = np.zeros((seeds.size, mus.size), bool)
        grid[np.searchsorted(seeds, s[at]), np.searchsorted(mus, m[at])] = d[at].astype(bool)
        eig = np.asarray(spectra[key], np.float64)
        rows.append(dict(spectrum=key, boundary=divergence_boundary(mus, grid),
                         ms_limit=mean_square_limit(eig), mean_limit=mean_convergence_limit(eig),
                         trace=float(eig.sum())))
    return rows


def misadjustment_errors(spectra: dict, spectrum, mu, misadjustment, steps: int,
                         e_folds: float = 10.0) -> list[dict]:
    """Relative error of the measured misadjustment against the small-step formula μ tr R / 2
    (:func:`misadjustment_small_step`), per (spectrum, μ), averaged over runs — only where the
    slowest mode has decayed by e^(−``e_folds``) before the averaging window, the run's last
    quarter (μ λ_min · ¾ steps >= e_folds); elsewhere the start is not yet forgotten.

    Args:
      spectra: name -> eigenvalues of R.
      spectrum, mu, misadjustment: equal-length arrays, one entry per run.
      steps: the length of each run.
    """
    name = np.asarray(spectrum).ravel()
    m, value = np.asarray(mu, np.float64).ravel(), np.asarray(misadjustment, np.float64).ravel()
    rows = []
    for key in dict.fromkeys(name.tolist()):
        eig = np.asarray(spectra[key], np.float64)
        for step in np.unique(m[name == key]):
            if step * eig.min() * 0.75 * steps < e_folds:
                continue
            mean = value[(name == key) & (m == step)].mean()
            rows.append(dict(spectrum=key, mu=float(step), misadjustment=float(mean),
                             rel=abs(mean / float(misadjustment_small_step(step, eig)) - 1)))
    return rows
