"""Scaling laws: power-law fits, the Chinchilla parametric law, its bootstrap, the
compute-optimal allocation and the IsoFLOP method.

The parametric law of Hoffmann et al. (2022, arXiv:2203.15556, Eq. 2),

    L(N, D) = E + A / N^α + B / D^β,

is fitted as in their Appendix D.2: in log space, log L̂ = LSE(a − α log N, b − β log D, e)
with A = eᵃ, B = eᵇ, E = eᵉ, minimising the Huber loss (δ = 1e-3) of the log-loss residuals
with L-BFGS from a grid of initialisations (α, β ∈ {0, 0.5, …, 2}, e ∈ {−1, −0.5, …, 1},
a, b ∈ {0, 5, …, 25}: 4,500 starts) and keeping the best. Besiroglu, Erdil, Barnett & You
(2024, arXiv:2404.10102) refitted this law to 240 points extracted from Hoffmann et al.'s
Figure 4 and bootstrapped it.

How it runs here. Every initialisation is one row of a single ``vmap``-ed, ``jit``-ed L-BFGS
program (no Python loop over starts). Each row does one value-and-gradient evaluation per
iteration: the line search is *flattened* into the iterations (a trial step that fails the
Armijo test is shrunk by safeguarded quadratic interpolation and tried at the next iteration),
so rows never wait for one another inside a nested loop. Two phases: float32 iterations
(vectorised transcendentals, ~15× cheaper than float64 on a CPU) bring every row near its
optimum, then float64 iterations polish it; the objective returned is evaluated in float64
(inside a scoped ``jax.enable_x64``, never globally). The gradient is written out
analytically (checked against ``jax.grad`` in the tests).

Bootstrap refits need several starts each: warm-started from the full-data optimum, L-BFGS
on this nearly piecewise-linear objective (δ = 1e-3 puts most residuals in the linear part
of the Huber loss) stops short of the resample's optimum (measured here: 98 % of resamples
stop more than 1e-9 above it, and the spread of α comes out ~20 % too narrow). By default each
resample restarts from the 8 grid initialisations that reached the lowest full-data objective
(measured: 8 such starts reach, within 1.3e-10, the optimum that 64 starts find).

Grids of runs (model sizes × data sizes) are fitted by approaches 2 and 3 side by side, and
their frontiers compared in exponent and in level. The runs themselves come from a teacher–
student setting in which the data's intrinsic dimension d is set by construction (Sharma &
Kaplan 2020, arXiv:2004.10802): inputs on a d-dimensional manifold in a larger ambient space,
students trained on a one-pass stream of fresh samples (so C ≈ 6ND is the compute spent) with a
cosine cycle matched to each D (Hoffmann et al., Appendix B).

Nothing here reads files or prints.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math

import jax
import jax.numpy as jnp
import numpy as np
import scipy.special
import scipy.stats

# ---------------------------------------------------------------------------------------------
# The Hoffmann et al. initialisation grid
# ---------------------------------------------------------------------------------------------

#: Hoffmann et al. (2022), Appendix D.2: the initialisation grid of the parametric fit.
HOFFMANN_GRID = dict(
    a=tuple(np.arange(0.0, 30.0, 5.0)),
    b=tuple(np.arange(0.0, 30.0, 5.0)),
    e=tuple(np.arange(-1.0, 1.5, 0.5)),
    alpha=tuple(np.arange(0.0, 2.5, 0.5)),
    beta=tuple(np.arange(0.0, 2.5, 0.5)),
)

#: The order of a parameter vector θ throughout this module.
THETA = ("a", "b", "e", "alpha", "beta")


def start_grid(a=HOFFMANN_GRID["a"], b=HOFFMANN_GRID["b"], e=HOFFMANN_GRID["e"],
              alpha=HOFFMANN_GRID["alpha"], beta=HOFFMANN_GRID["beta"]) -> np.ndarray:
    """The Cartesian product of initial values, rows θ = (a, b, e, α, β) with a = log A,
    b = log B, e = log E; by default Hoffmann et al.'s grid (Appendix D.2), 6·6·5·5·5 = 4,500
    rows.

    The law is scale-covariant: multiplying every loss by c adds log c to a, b and e, so a
    grid for losses of another scale is this one shifted in (a, b, e).
    """
    rows = itertools.product(a, b, e, alpha, beta)
    return np.array(list(rows), np.float64).reshape(-1, 5)


# ---------------------------------------------------------------------------------------------
# The objective
# ---------------------------------------------------------------------------------------------


def chinchilla_log_loss(theta, log_n, log_d):
    """Predicted log loss, log L̂ = LSE(a − α log N, b − β log D, e), for θ = (a, b, e, α, β).

    References: Hoffmann et al. 2022 (arXiv:2203.15556), Appendix D.2, Eq. (D.2's model).
    """
    theta = jnp.asarray(theta)
    a, b, e, alpha, beta = (theta[..., i, None] for i in range(5))
    terms = jnp.stack(jnp.broadcast_arrays(a - alpha * log_n, b - beta * log_d, e), axis=-1)
    return jax.nn.logsumexp(terms, axis=-1)


def chinchilla_loss(theta, n, d):
    """L(N, D) = E + A N^−α + B D^−β for θ = (a, b, e, α, β) (Hoffmann et al. 2022, Eq. 2);
    NumPy, float64."""
    a, b, e, alpha, beta = np.asarray(theta, np.float64)[..., :5].T
    n, d = np.asarray(n, np.float64), np.asarray(d, np.float64)
    return np.exp(e) + np.exp(a) * n ** (-alpha) + np.exp(b) * d ** (-beta)


def huber(r, delta):
    """Huber loss ``ρ_δ(r) = ½r²`` for ``|r| ≤ δ``, ``δ(|r| − ½δ)`` otherwise (Huber 1964, Ann.
    Math. Statist. 35(1), Eq. 5); written as ``q(|r| − q/2)`` with ``q = min(|r|, δ)``, which
    is exact for δ = ∞ (least squares)."""
    ar = jnp.abs(r)
    q = jnp.minimum(ar, delta)
    return q * (ar - 0.5 * q)


def _value_and_grad(theta, log_n, log_d, log_loss, weights, delta, free):
    """Σᵢ wᵢ ρ_δ(log L̂(θ; Nᵢ, Dᵢ) − log Lᵢ) and its gradient in θ, written out:
    ∂/∂θ = Σᵢ wᵢ ψ_δ(rᵢ) ∂ log L̂ᵢ/∂θ with ψ_δ(r) = clip(r, −δ, δ) and, with
    S = t₁ + t₂ + t₃, t₁ = e^{a−α log N}, t₂ = e^{b−β log D}, t₃ = eᵉ:
    ∂ log L̂/∂(a, b, e, α, β) = (t₁, t₂, t₃, −t₁ log N, −t₂ log D) / S.
    ``free`` (5,) zeroes the gradient of frozen parameters."""
    t1 = jnp.exp(theta[0] - theta[3] * log_n)
    t2 = jnp.exp(theta[1] - theta[4] * log_d)
    t3 = jnp.exp(theta[2])
    s = t1 + t2 + t3
    r = jnp.log(s) - log_loss
    value = jnp.sum(weights * huber(r, delta))
    psi = weights * jnp.clip(r, -delta, delta) / s
    p1, p2 = psi * t1, psi * t2
    grad = jnp.stack([jnp.sum(p1), jnp.sum(p2), jnp.sum(psi) * t3,
                      -jnp.sum(p1 * log_n), -jnp.sum(p2 * log_d)])
    return value, grad * free


def chinchilla_objective(theta, n, d, loss, *, delta=1e-3, weights=None):
    """The fitting objective Σᵢ wᵢ Huber_δ(log L̂(θ; Nᵢ, Dᵢ) − log Lᵢ) and its gradient, in
    float64 (NumPy arrays out).

    References: Hoffmann et al. 2022 (arXiv:2203.15556), Appendix D.2 (Huber loss of log-loss
    residuals, δ = 1e-3, summed over runs); Besiroglu et al. 2024 (arXiv:2404.10102), §2.
    """
    loss = np.asarray(loss, np.float64)
    w = np.ones_like(loss) if weights is None else np.asarray(weights, np.float64)
    with jax.enable_x64(True):
        value, grad = _value_and_grad(
            jnp.asarray(theta, jnp.float64), jnp.log(jnp.asarray(n, jnp.float64)),
            jnp.log(jnp.asarray(d, jnp.float64)), jnp.log(jnp.asarray(loss)), jnp.asarray(w),
            jnp.float64(delta), jnp.ones(5, jnp.float64))
        return float(value), np.asarray(grad)


# ---------------------------------------------------------------------------------------------
# Batched L-BFGS (one value-and-gradient per iteration, line search flattened)
# ---------------------------------------------------------------------------------------------


def _two_loop(g, s_mem, y_mem, rho, count, gamma):
    """The L-BFGS two-loop recursion (Nocedal & Wright 2006, Algorithm 7.4) over a ring buffer
    of the last m pairs (newest at index (count − 1) mod m); returns −H g. Unrolled over the m
    pairs (m is small and static): measured 15 % faster than a ``lax.scan`` under ``vmap``."""
    m = s_mem.shape[0]
    order = (count - 1 - jnp.arange(m)) % m
    valid = (jnp.arange(m) < jnp.minimum(count, m)).astype(g.dtype)
    s_mem, y_mem, rho = s_mem[order], y_mem[order], rho[order] * valid
    q, alphas = g, []
    for i in range(m):  # newest first
        a = rho[i] * jnp.dot(s_mem[i], q)
        q = q - a * y_mem[i]
        alphas.append(a)
    r = gamma * q
    for i in reversed(range(m)):  # oldest first
        beta = rho[i] * jnp.dot(y_mem[i], r)
        r = r + s_mem[i] * (alphas[i] - beta)
    return -r


def _lbfgs_row(x0, log_n, log_d, log_loss, weights, delta, free, iters, memory):
    """Minimise one row's objective from x0 with ``iters`` L-BFGS iterations (traced count).

    Each iteration evaluates the objective and gradient once, at the trial point x + t p.
    Armijo (c₁ = 1e-4) accepted: the pair (s, y) enters the memory if sᵀy > 1e-10 yᵀy, the
    next direction comes from the two-loop recursion and t = 1. Rejected (or non-finite): the
    same direction is retried with t shrunk by quadratic interpolation, clipped to
    [0.1 t, 0.5 t]. A row whose gradient vanishes, or whose step shrinks below 1e-20, stops.
    """
    dt = x0.dtype
    fg = functools.partial(_value_and_grad, log_n=log_n, log_d=log_d, log_loss=log_loss,
                           weights=weights, delta=delta, free=free)
    f0, g0 = fg(x0)
    gnorm = jnp.linalg.norm(g0)
    state = dict(
        x=x0, f=f0, g=g0, p=-g0,
        t=jnp.where(gnorm > 1, 1.0 / gnorm, 1.0).astype(dt),
        s_mem=jnp.zeros((memory, 5), dt), y_mem=jnp.zeros((memory, 5), dt),
        rho=jnp.zeros((memory,), dt), count=jnp.zeros((), jnp.int32),
        gamma=jnp.ones((), dt), done=~jnp.isfinite(f0),
    )

    def step(_, st):
        x, f, g, p, t = st["x"], st["f"], st["g"], st["p"], st["t"]
        xt = x + t * p
        ft, gt = fg(xt)
        gp = jnp.dot(g, p)
        ok = jnp.isfinite(ft) & jnp.all(jnp.isfinite(gt)) & (ft <= f + 1e-4 * t * gp)
        ok = ok & ~st["done"]
        s, y = xt - x, gt - g
        sy, yy = jnp.dot(s, y), jnp.dot(y, y)
        keep = ok & (sy > 1e-10 * yy)
        slot = st["count"] % memory
        s_mem = jnp.where(keep, st["s_mem"].at[slot].set(s), st["s_mem"])
        y_mem = jnp.where(keep, st["y_mem"].at[slot].set(y), st["y_mem"])
        rho = jnp.where(keep, st["rho"].at[slot].set(1.0 / jnp.where(keep, sy, 1.0)), st["rho"])
        count = st["count"] + keep.astype(jnp.int32)
        gamma = jnp.where(keep, sy / jnp.where(keep, yy, 1.0), st["gamma"])
        x_new, f_new, g_new = (jnp.where(ok, u, v) for u, v in ((xt, x), (ft, f), (gt, g)))
        p_new = _two_loop(g_new, s_mem, y_mem, rho, count, gamma)
        descent = jnp.dot(g_new, p_new) < 0
        p_new = jnp.where(descent, p_new, -g_new)
        curvature = 2.0 * (ft - f - gp * t)
        t_quad = jnp.where(jnp.isfinite(ft) & (curvature > 0), -gp * t * t / curvature, 0.1 * t)
        t_new = jnp.where(ok, 1.0, jnp.clip(t_quad, 0.1 * t, 0.5 * t)).astype(dt)
        done = st["done"] | (jnp.max(jnp.abs(g_new)) == 0) | (~ok & (t < 1e-20))
        return dict(x=x_new, f=f_new, g=g_new, p=jnp.where(ok, p_new, p), t=t_new,
                    s_mem=s_mem, y_mem=y_mem, rho=rho, count=count, gamma=gamma, done=done)

    state = jax.lax.fori_loop(0, iters, step, state)
    return state["x"]


@functools.partial(jax.jit, static_argnames=("memory",))
def _lbfgs_rows(x0, log_n, log_d, log_loss, weights, delta, free, iters, memory=10):
    """Rows (R, 5) of starts, each with its own (R, n) log losses and weights."""
    row = functools.partial(_lbfgs_row, log_n=log_n, log_d=log_d, delta=delta, free=free,
                            iters=iters, memory=memory)
    x = jax.vmap(lambda x, ll, w: row(x, log_loss=ll, weights=w))(x0, log_loss, weights)
    value, _ = jax.vmap(lambda x, ll, w: _value_and_grad(x, log_n, log_d, ll, w, delta, free))(
        x, log_loss, weights)
    return x, value


#: Rows per compiled call (the 4,500-start grid fits one chunk); fixed so that every fit and
#: bootstrap reuses one program per dtype and point count. Calls of at most SMALL_CHUNK rows
#: use a small program of their own instead of padding to CHUNK.
CHUNK = 4608
SMALL_CHUNK = 512
#: Points are padded to a multiple of this (with zero weight): the power law through a handful
#: of points and the parametric law through a sweep's ≤ 128 cells then share one program.
POINT_PAD = 128


def _pad_to(n: int, multiple: int) -> int:
    return int(math.ceil(max(n, 1) / multiple) * multiple)


def minimize_rows(x0, log_n, log_d, log_loss, weights, *, delta=1e-3, free=None,
                  iters_f32=300, iters_f64=20, memory=10):
    """Minimise Σᵢ wᵢ Huber_δ(LSE(a − α log Nᵢ, b − β log Dᵢ, e) − log Lᵢ) from every row of
    ``x0`` (R, 5), row r with its own log losses and weights (R, n).

    ``iters_f32`` L-BFGS iterations in float32, then ``iters_f64`` in float64 (module
    docstring); rows are padded to :data:`SMALL_CHUNK` or cut into chunks of :data:`CHUNK`,
    points to a multiple of :data:`POINT_PAD` with zero weight, so that repeated calls reuse
    compiled programs. ``free`` (5,) of 0/1 freezes parameters.
    Returns the final θ (R, 5) and objective (R,), float64 NumPy arrays.
    """
    x0 = np.asarray(x0, np.float64)
    log_loss = np.asarray(log_loss, np.float64)
    weights = np.asarray(weights, np.float64)
    R, n = log_loss.shape
    if x0.shape != (R, 5) or weights.shape != (R, n):
        raise ValueError(f"x0 must be ({R}, 5) and weights ({R}, {n}); got {x0.shape}, "
                         f"{weights.shape}")
    n_pad = _pad_to(n, POINT_PAD)
    pad_pts = lambda a, fill: np.concatenate(  # noqa: E731
        [a, np.full(a.shape[:-1] + (n_pad - n,), fill)], axis=-1)
    ln, ld = pad_pts(np.asarray(log_n, np.float64), 0.0), pad_pts(np.asarray(log_d, np.float64),
                                                                   0.0)
    ll, w = pad_pts(log_loss, 0.0), pad_pts(weights, 0.0)
    free = np.ones(5) if free is None else np.asarray(free, np.float64)
    out_x, out_f = np.empty((R, 5)), np.empty(R)
    with jax.enable_x64(True):
        chunk = SMALL_CHUNK if R <= SMALL_CHUNK else CHUNK
        for start in range(0, R, chunk):
            rows = np.arange(start, start + chunk)
            real = rows < R
            rows = np.where(real, rows, start)  # pad the last chunk with copies of a real row
            x = x0[rows]
            for dtype, iters in ((jnp.float32, iters_f32), (jnp.float64, iters_f64)):
                if iters <= 0:
                    continue
                x, f = _lbfgs_rows(
                    jnp.asarray(x, dtype), jnp.asarray(ln, dtype), jnp.asarray(ld, dtype),
                    jnp.asarray(ll[rows], dtype), jnp.asarray(w[rows], dtype), dtype(delta),
                    jnp.asarray(free, dtype), jnp.int32(iters), memory=memory)
                x = np.asarray(x, np.float64)
            _, f = _lbfgs_rows(  # the objective at the final θ, in float64
                jnp.asarray(x), jnp.asarray(ln), jnp.asarray(ld), jnp.asarray(ll[rows]),
                jnp.asarray(w[rows]), jnp.float64(delta), jnp.asarray(free), jnp.int32(0),
                memory=memory)
            k = int(real.sum())
            out_x[start:start + k] = x[:k]
            out_f[start:start + k] = np.asarray(f, np.float64)[:k]
    out_f = np.where(np.isfinite(out_f), out_f, np.inf)
    return out_x, out_f


# ---------------------------------------------------------------------------------------------
# Chinchilla fit
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ChinchillaFit:
    """The best of a multi-start fit of L = E + A N^−α + B D^−β.

    Attributes:
      theta: (5,) the best θ = (log A, log B, log E, α, β).
      objective: its Huber objective (summed over points).
      finals, objectives: every start's final θ (S, 5) and objective (S,).
      starts: the initialisations (S, 5).
      delta: the Huber δ; n_points: points fitted.
    """

    theta: np.ndarray
    objective: float
    finals: np.ndarray
    objectives: np.ndarray
    starts: np.ndarray
    delta: float
    n_points: int

    @property
    def A(self) -> float:
        return float(np.exp(self.theta[0]))

    @property
    def B(self) -> float:
        return float(np.exp(self.theta[1]))

    @property
    def E(self) -> float:
        return float(np.exp(self.theta[2]))

    @property
    def alpha(self) -> float:
        return float(self.theta[3])

    @property
    def beta(self) -> float:
        return float(self.theta[4])

    @property
    def a(self) -> float:
        """Compute-optimal exponent of N_opt ∝ C^a: a = β/(α+β) (Hoffmann et al., Eq. 4)."""
        return self.beta / (self.alpha + self.beta)

    @property
    def b(self) -> float:
        """Compute-optimal exponent of D_opt ∝ C^b: b = α/(α+β) (Hoffmann et al., Eq. 4)."""
        return self.alpha / (self.alpha + self.beta)

    def best_starts(self, k: int) -> np.ndarray:
        """The k initialisations whose fits reached the lowest objectives (k, 5)."""
        return self.starts[np.argsort(self.objectives, kind="stable")[:k]]

    def n_within(self, tol: float) -> int:
        """How many starts ended within ``tol`` of the best objective."""
        return int(np.sum(self.objectives <= self.objective + tol))

    def as_dict(self) -> dict[str, float]:
        return dict(E=self.E, A=self.A, B=self.B, alpha=self.alpha, beta=self.beta,
                    a=self.a, b=self.b, objective=self.objective)


def _check_points(n, d, loss):
    n, d, loss = (np.asarray(v, np.float64).ravel() for v in (n, d, loss))
    if not (n.shape == d.shape == loss.shape) or n.size == 0:
        raise ValueError(f"N, D and loss must be non-empty and of one length; got {n.shape}, "
                         f"{d.shape}, {loss.shape}")
    if np.any(~(n > 0)) or np.any(~(d > 0)) or np.any(~(loss > 0)):
        raise ValueError("N, D and loss must be positive (the fit is in log space)")
    return n, d, loss


def fit_chinchilla(n, d, loss, *, delta: float = 1e-3, init_grid=None, weights=None,
                   iters_f32: int = 300, iters_f64: int = 20, memory: int = 10) -> ChinchillaFit:
    """Fit L(N, D) = E + A/N^α + B/D^β by Hoffmann et al.'s protocol: Huber loss (δ) of
    log-loss residuals, L-BFGS from every row of ``init_grid`` (default :func:`start_grid`, their
    4,500 starts), all starts as one vmapped, jitted program; the best start wins.

        min_θ Σᵢ wᵢ Huber_δ( LSE(a − α log Nᵢ, b − β log Dᵢ, e) − log Lᵢ ),  A, B, E = eᵃ, eᵇ, eᵉ

    References: Hoffmann et al. 2022 (arXiv:2203.15556), Eq. (2) and Appendix D.2;
    Besiroglu et al. 2024 (arXiv:2404.10102), §2–3.
    """
    n, d, loss = _check_points(n, d, loss)
    starts = (start_grid() if init_grid is None
              else np.asarray(init_grid, np.float64).reshape(-1, 5))
    w = np.ones_like(loss) if weights is None else np.asarray(weights, np.float64).ravel()
    S = starts.shape[0]
    finals, objectives = minimize_rows(
        starts, np.log(n), np.log(d), np.broadcast_to(np.log(loss), (S, n.size)),
        np.broadcast_to(w, (S, n.size)), delta=delta, iters_f32=iters_f32,
        iters_f64=iters_f64, memory=memory)
    i = int(np.argmin(objectives))
    return ChinchillaFit(finals[i].copy(), float(objectives[i]), finals, objectives, starts,
                         float(delta), int(n.size))


# ---------------------------------------------------------------------------------------------
# Bootstrap
# ---------------------------------------------------------------------------------------------

PARAMS = ("E", "A", "B", "alpha", "beta", "a", "b")


def params_to_theta(p) -> np.ndarray:
    """E, A, B, α, β (a mapping or DataFrame of scalars or columns) → θ = (log A, log B,
    log E, α, β), shape (…, 5): the inverse of :func:`theta_to_params`."""
    cols = [np.log(p["A"]), np.log(p["B"]), np.log(p["E"]), p["alpha"], p["beta"]]
    return np.stack([np.asarray(c, np.float64) for c in cols], axis=-1)


def theta_to_params(theta) -> dict[str, np.ndarray]:
    """θ (…, 5) → E, A, B, α, β and the compute-optimal exponents a, b (Hoffmann Eq. 4)."""
    theta = np.asarray(theta, np.float64)
    alpha, beta = theta[..., 3], theta[..., 4]
    return dict(E=np.exp(theta[..., 2]), A=np.exp(theta[..., 0]), B=np.exp(theta[..., 1]),
                alpha=alpha, beta=beta, a=beta / (alpha + beta), b=alpha / (alpha + beta))


def percentile_interval(samples, level: float = 0.95, axis: int = 0) -> np.ndarray:
    """The equal-tailed percentile interval [q_{(1−level)/2}, q_{(1+level)/2}] of bootstrap
    samples (Efron & Tibshirani 1993, An Introduction to the Bootstrap, §13.3); shape (2, …)."""
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    tail = 100 * (1 - level) / 2
    return np.percentile(np.asarray(samples, np.float64), [tail, 100 - tail], axis=axis)


def interval_summary(samples, level: float = 0.95, finite: bool = False) -> dict[str, float]:
    """For each ``name: values`` of ``samples``, ``{name}_lo`` and ``{name}_hi`` (the
    :func:`percentile_interval`) and ``{name}_se`` (the bootstrap standard error, the sample
    standard deviation; Efron & Tibshirani 1993, §6.2); ``finite`` drops non-finite values
    first. NaN from fewer than two values."""
    out = {}
    for name, v in samples.items():
        v = np.asarray(v, np.float64).ravel()
        v = v[np.isfinite(v)] if finite else v
        lo, hi, se = ((*percentile_interval(v, level), np.std(v, ddof=1)) if v.size > 1
                      else (np.nan,) * 3)
        out.update({f"{name}_lo": float(lo), f"{name}_hi": float(hi), f"{name}_se": float(se)})
    return out


@dataclasses.dataclass(frozen=True)
class ChinchillaBootstrap:
    """Refits of the parametric law on resampled points.

    Attributes:
      thetas: (R, 5) the best θ per resample; objectives: (R,).
      counts: (R, n) how often each point was drawn.
      n_starts: starts per resample.
    """

    thetas: np.ndarray
    objectives: np.ndarray
    counts: np.ndarray
    n_starts: int

    @property
    def params(self) -> dict[str, np.ndarray]:
        return theta_to_params(self.thetas)

    def interval(self, name: str, level: float = 0.95) -> tuple[float, float]:
        """Percentile interval of a parameter (one of :data:`PARAMS`)."""
        lo, hi = percentile_interval(self.params[name], level)
        return float(lo), float(hi)

    def std(self, name: str) -> float:
        return float(np.std(self.params[name], ddof=1))


def resample_counts(key: jax.Array, n_points: int, n_resamples: int) -> np.ndarray:
    """(R, n) multiplicities of n points drawn with replacement, R times (the nonparametric
    bootstrap; Efron 1979, Ann. Statist. 7(1)); counts are the weights of a refit."""
    idx = jax.random.randint(key, (n_resamples, n_points), 0, n_points)
    counts = jax.vmap(lambda i: jnp.zeros(n_points, jnp.int32).at[i].add(1))(idx)
    return np.asarray(counts, np.float64)


def bootstrap_chinchilla(n, d, loss, key: jax.Array, *, n_resamples: int = 4000,
                         starts=None, n_starts: int = 8, fit: ChinchillaFit | None = None,
                         delta: float = 1e-3, iters_f32: int = 200, iters_f64: int = 10,
                         memory: int = 10) -> ChinchillaBootstrap:
    """Nonparametric bootstrap of :func:`fit_chinchilla`: draw the points with replacement
    ``n_resamples`` times and refit each resample from several starts (all resamples × starts
    as rows of one vmapped program, chunked).

    Starts: ``starts`` (S, 5) if given, else the ``n_starts`` initialisations of ``fit`` (the
    full-data fit, computed if not given) that reached the lowest objectives (module
    docstring: why not a warm start).

    References: Besiroglu et al. 2024 (arXiv:2404.10102), §3 (4,000 bootstrap refits);
    Efron & Tibshirani 1993, §6 (the bootstrap estimate of a standard error).
    """
    n, d, loss = _check_points(n, d, loss)
    if n_resamples < 2:
        raise ValueError(f"n_resamples must be at least 2, got {n_resamples}")
    if starts is None:
        if fit is None:
            fit = fit_chinchilla(n, d, loss, delta=delta)
        starts = fit.best_starts(n_starts)
    starts = np.asarray(starts, np.float64).reshape(-1, 5)
    S = starts.shape[0]
    counts = resample_counts(key, n.size, n_resamples)
    x0 = np.tile(starts, (n_resamples, 1))
    w = np.repeat(counts, S, axis=0)
    finals, objectives = minimize_rows(
        x0, np.log(n), np.log(d), np.broadcast_to(np.log(loss), w.shape), w, delta=delta,
        iters_f32=iters_f32, iters_f64=iters_f64, memory=memory)
    objectives = objectives.reshape(n_resamples, S)
    best = np.argmin(objectives, axis=1)
    thetas = finals.reshape(n_resamples, S, 5)[np.arange(n_resamples), best]
    return ChinchillaBootstrap(thetas, objectives[np.arange(n_resamples), best], counts, S)


def chi2_test(theta0, samples, center=None) -> tuple[float, float, int]:
    """Wald-type χ² test of a parameter vector against a bootstrap distribution:
    d² = (θ₀ − θ̂)ᵀ Σ⁻¹ (θ₀ − θ̂), Σ the bootstrap covariance, θ̂ = ``center`` (default the
    bootstrap mean); under H₀: θ = θ₀ and normality, d² ~ χ²_k.

    Returns (d², log10 p, k); log10 p stays finite where p underflows.

    References: Besiroglu et al. 2024 (arXiv:2404.10102), §3 (Hoffmann et al.'s estimates
    tested against the refit's bootstrap distribution); Wald 1943, Trans. AMS 54(3).
    """
    samples = np.asarray(samples, np.float64)
    k = samples.shape[-1]
    mu = samples.mean(0) if center is None else np.asarray(center, np.float64)
    diff = np.asarray(theta0, np.float64) - mu
    cov = np.cov(samples, rowvar=False).reshape(k, k)
    d2 = float(diff @ np.linalg.solve(cov, diff))
    log_p = float(scipy.stats.chi2.logsf(d2, k))
    if not np.isfinite(log_p):  # deep tail: log Γ(k/2, x) ≈ (k/2 − 1) log x − x, x = d²/2
        x = d2 / 2
        log_p = (k / 2 - 1) * np.log(x) - x - float(scipy.special.gammaln(k / 2))
    return d2, log_p / np.log(10), k


def compute_optimal(theta, compute) -> tuple[np.ndarray, np.ndarray]:
    """Compute-optimal allocation under C = 6ND (Hoffmann et al. 2022, Eq. 4):

        N_opt(C) = G (C/6)^a,   D_opt(C) = G⁻¹ (C/6)^b,
        G = (αA / (βB))^{1/(α+β)},   a = β/(α+β),   b = α/(α+β).

    ``theta`` is a :class:`ChinchillaFit` or θ = (log A, log B, log E, α, β), shape (…, 5)
    (broadcast against ``compute``).
    """
    if isinstance(theta, ChinchillaFit):
        theta = theta.theta
    theta = np.asarray(theta, np.float64)
    log_a, log_b, alpha, beta = theta[..., 0], theta[..., 1], theta[..., 3], theta[..., 4]
    s = alpha + beta
    log_g = (np.log(alpha) + log_a - np.log(beta) - log_b) / s
    log_c6 = np.log(np.asarray(compute, np.float64) / 6.0)
    n_opt = np.exp(log_g + (beta / s) * log_c6)
    return n_opt, np.exp(log_c6) / n_opt


# ---------------------------------------------------------------------------------------------
# Power laws in one variable
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PowerLawFit:
    """L(x) = E + A x^−α (E = 0 without the irreducible term); arrays of shape (…) for a batch
    of curves. ``r2_log`` is the coefficient of determination of log L (Kaplan et al. fit
    in log space)."""

    E: np.ndarray
    A: np.ndarray
    alpha: np.ndarray
    objective: np.ndarray
    r2_log: np.ndarray
    inits: np.ndarray  # (…, S, 3) starts (log A, log E, α); (…, 0, 3) without E
    start_objectives: np.ndarray  # (…, S)

    def best_inits(self, k: int) -> np.ndarray:
        """The k starts that reached the lowest objectives (…, k, 3), best first."""
        order = np.argsort(self.start_objectives, axis=-1, kind="stable")[..., :k]
        return np.take_along_axis(self.inits, order[..., None], axis=-2)

    @property
    def solution(self) -> np.ndarray:
        """The fit as a start (…, 3): (log A, log E, α), log E floored at −700 where E = 0."""
        return np.stack([np.log(self.A), np.log(np.maximum(self.E, 1e-304)),
                         np.asarray(self.alpha, np.float64)], axis=-1)

    def __call__(self, x):
        x = np.asarray(x, np.float64)
        return np.asarray(self.E)[..., None] + np.asarray(self.A)[..., None] * x ** (
            -np.asarray(self.alpha)[..., None])


def _r2(y_log, pred_log):
    ss_res = np.sum((y_log - pred_log) ** 2, axis=-1)
    ss_tot = np.sum((y_log - y_log.mean(-1, keepdims=True)) ** 2, axis=-1)
    return 1.0 - ss_res / ss_tot


def fit_power_law(x, y, *, irreducible: bool = True, delta: float | None = None,
                  init=None, iters_f32: int = 300, iters_f64: int = 40) -> PowerLawFit:
    """Fit L = E + A x^−α (``irreducible``) or L = A x^−α to positive data on log residuals.

    Without E: ordinary least squares of log y on log x (closed form). With E: minimise
    Σᵢ ρ(log(E + A xᵢ^−α) − log yᵢ), ρ = ½r² (``delta`` None) or Huber_δ, by the batched
    L-BFGS of :func:`minimize_rows` from a grid of starts (log A ∈ log ȳ + {0, 2, 4, 8},
    log E ∈ log min y + {−4, −2, −1, −0.3}, α ∈ {0.1, 0.3, 0.6, 1.2}), keeping the best.
    ``y`` may be (n,) or a batch (R, n) of curves on the same x.

    References: Kaplan et al. 2020 (arXiv:2001.08361), Eqs. (1.1)–(1.3) (pure power laws),
    Eq. (1.5)/(4.1) and Hoffmann et al. 2022 Eq. (2) (with an irreducible term).
    """
    x = np.asarray(x, np.float64).ravel()
    y = np.asarray(y, np.float64)
    batch = y.ndim == 2
    y2 = y.reshape(-1, x.size)
    if np.any(~(x > 0)) or np.any(~(y2 > 0)):
        raise ValueError("x and y must be positive")
    if x.size < (3 if irreducible else 2):
        raise ValueError(f"need at least {3 if irreducible else 2} points, got {x.size}")
    lx, ly = np.log(x), np.log(y2)
    R = y2.shape[0]
    if not irreducible:
        xc = lx - lx.mean()
        slope = (ly - ly.mean(-1, keepdims=True)) @ xc / (xc @ xc)
        log_a = ly.mean(-1) - slope * lx.mean()
        pred = log_a[:, None] + slope[:, None] * lx
        obj = 0.5 * np.sum((ly - pred) ** 2, axis=-1)
        out = PowerLawFit(np.zeros(R), np.exp(log_a), -slope, obj, _r2(ly, pred),
                          np.zeros((R, 0, 3)), np.zeros((R, 0)))
    else:
        if init is None:
            g = itertools.product((0.0, 2.0, 4.0, 8.0), (-4.0, -2.0, -1.0, -0.3),
                                  (0.1, 0.3, 0.6, 1.2))
            grid = np.array(list(g))
            init = np.stack([grid[:, 0] + np.log(y2.mean(-1, keepdims=True)),
                             grid[:, 1] + np.log(y2.min(-1, keepdims=True)),
                             np.broadcast_to(grid[:, 2], (R, grid.shape[0]))], axis=-1)
        init = np.asarray(init, np.float64)
        init = np.broadcast_to(init, (R, init.shape[-2], 3))
        S = init.shape[1]
        # the LSE model with the D term switched off: θ = (log A, −∞, log E, α, 0)
        x0 = np.zeros((R * S, 5))
        x0[:, 0], x0[:, 1], x0[:, 2], x0[:, 3] = (init[..., 0].ravel(), -1e4,
                                                  init[..., 1].ravel(), init[..., 2].ravel())
        finals, objectives = minimize_rows(
            x0, lx, np.zeros_like(lx), np.repeat(ly, S, axis=0), np.ones((R * S, x.size)),
            delta=np.inf if delta is None else delta, free=np.array([1, 0, 1, 1, 0.0]),
            iters_f32=iters_f32, iters_f64=iters_f64)
        objectives = objectives.reshape(R, S)
        best = np.argmin(objectives, axis=1)
        th = finals.reshape(R, S, 5)[np.arange(R), best]
        pred = np.log(np.exp(th[:, 2:3]) + np.exp(th[:, 0:1] - th[:, 3:4] * lx))
        out = PowerLawFit(np.exp(th[:, 2]), np.exp(th[:, 0]), th[:, 3],
                          objectives[np.arange(R), best], _r2(ly, pred), init.copy(),
                          objectives)
    if batch:
        return out
    return PowerLawFit(*(np.asarray(v)[0] for v in dataclasses.astuple(out)))


# ---------------------------------------------------------------------------------------------
# IsoFLOP profiles (Hoffmann et al.'s approach 2)
# ---------------------------------------------------------------------------------------------


def isoflop_budgets(n, d, min_points: int, count: int) -> np.ndarray:
    """``count`` log-spaced budgets C = 6ND over the span where at least ``min_points`` model
    sizes N have D = C/(6N) inside the trained data sizes [min d, max d] (so that every
    IsoFLOP profile has enough points for a parabola); empty where no budget has.

    References: Hoffmann et al. 2022 (arXiv:2203.15556), §3.2 (IsoFLOP profiles).
    """
    n, d = np.asarray(n, np.float64).ravel(), np.asarray(d, np.float64).ravel()
    lo, hi = np.log(6 * n.min() * d.min()), np.log(6 * n.max() * d.max())
    cand = np.exp(np.linspace(lo, hi, 400))
    dn = cand[:, None] / (6 * n[None, :])
    inside = (dn >= d.min() * (1 - 1e-9)) & (dn <= d.max() * (1 + 1e-9))
    ok = cand[inside.sum(1) >= min_points]
    if ok.size == 0:
        return ok
    return np.exp(np.linspace(np.log(ok.min()), np.log(ok.max()), count))


def isoflop_profiles(n, d, loss, budgets) -> np.ndarray:
    """Loss along IsoFLOP lines C = 6ND of a grid of runs: for each budget C and model size
    Nᵢ, log L interpolated linearly in log D at D = C/(6Nᵢ) along that model's runs; NaN where
    D falls outside the sizes trained.

    Args:
      n: (nN,) model sizes; d: (nD,) increasing data sizes; loss: (…, nN, nD); budgets: (nC,).
    Returns:
      (…, nC, nN) losses.

    References: Hoffmann et al. 2022 (arXiv:2203.15556), §3.2 (IsoFLOP profiles).
    """
    n, d, budgets = (np.asarray(v, np.float64).ravel() for v in (n, d, budgets))
    loss = np.asarray(loss, np.float64)
    if loss.shape[-2:] != (n.size, d.size):
        raise ValueError(f"loss must end in ({n.size}, {d.size}), got {loss.shape}")
    if np.any(np.diff(d) <= 0):
        raise ValueError("d must be increasing")
    ld, ll = np.log(d), np.log(loss)
    target = np.log(budgets[:, None] / (6.0 * n[None, :]))  # (nC, nN) log D on the line
    j = np.clip(np.searchsorted(ld, target) - 1, 0, d.size - 2)
    frac = (target - ld[j]) / (ld[j + 1] - ld[j])
    inside = (target >= ld[0] - 1e-12) & (target <= ld[-1] + 1e-12)
    nn = np.arange(n.size)[None, :]
    lo = ll[..., nn, j]  # (…, nC, nN)
    hi = ll[..., nn, j + 1]
    out = np.exp(lo + frac * (hi - lo))
    return np.where(inside, out, np.nan)


def parabola_minima(x, y) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares parabola y ≈ c₀ + c₁x + c₂x² per row of y (…, k) (NaN entries ignored);
    returns its vertex x* = −c₁/(2c₂) and value, NaN where fewer than 3 points, c₂ ≤ 0 or
    x* lies outside the row's valid x range (no interior minimum).

    References: Hoffmann et al. 2022 (arXiv:2203.15556), §3.2: a parabola through each IsoFLOP
    profile locates the loss-optimal model size.
    """
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    x = np.broadcast_to(x, y.shape)
    m = np.isfinite(y) & np.isfinite(x)
    with np.errstate(invalid="ignore", divide="ignore"):  # centre x for conditioning
        center = np.where(m, x, 0.0).sum(-1) / m.sum(-1)
    center = np.where(np.isfinite(center), center, 0.0)
    x = x - center[..., None]
    xs = np.where(m, x, 0.0)
    ys = np.where(m, y, 0.0)
    mw = m.astype(np.float64)
    powers = np.stack([mw * xs**k for k in range(5)], axis=-1).sum(-2)  # Σ x^k, k = 0..4
    G = np.stack([powers[..., i:i + 3] for i in range(3)], axis=-2)  # (…, 3, 3)
    rhs = np.stack([np.sum(mw * ys * xs**k, axis=-1) for k in range(3)], axis=-1)
    enough = m.sum(-1) >= 3
    safe = np.where(enough[..., None, None], G, np.eye(3))
    c = np.linalg.solve(safe, rhs[..., None])[..., 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        xv = -c[..., 1] / (2 * c[..., 2])
        yv = c[..., 0] + c[..., 1] * xv + c[..., 2] * xv**2
    lo = np.where(m, x, np.inf).min(-1)
    hi = np.where(m, x, -np.inf).max(-1)
    ok = enough & (c[..., 2] > 0) & (xv >= lo) & (xv <= hi)
    return np.where(ok, xv + center, np.nan), np.where(ok, yv, np.nan)


def loglog_slope(x, y) -> tuple[np.ndarray, np.ndarray]:
    """Ordinary least-squares slope and intercept of log y on log x per row (NaN ignored):
    log y ≈ k log x + c, i.e. y ∝ x^k."""
    lx = np.log(np.broadcast_to(np.asarray(x, np.float64), np.shape(y)))
    ly = np.log(np.asarray(y, np.float64))
    m = np.isfinite(lx) & np.isfinite(ly)
    cnt = m.sum(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mx = np.where(m, lx, 0).sum(-1) / cnt
        my = np.where(m, ly, 0).sum(-1) / cnt
        dx = np.where(m, lx - mx[..., None], 0)
        dy = np.where(m, ly - my[..., None], 0)
        k = (dx * dy).sum(-1) / (dx * dx).sum(-1)
    k = np.where(cnt >= 2, k, np.nan)
    return k, my - k * mx


@dataclasses.dataclass(frozen=True)
class IsoFlopFit:
    """Approach 2 of Hoffmann et al.: per budget the loss-optimal N and D, and the exponents of
    N_opt ∝ C^a and D_opt ∝ C^b; arrays with the batch shape (…) of the losses."""

    budgets: np.ndarray  # (nC,)
    profiles: np.ndarray  # (…, nC, nN)
    n_opt: np.ndarray  # (…, nC)
    d_opt: np.ndarray  # (…, nC)
    a: np.ndarray
    b: np.ndarray


def isoflop_fit(n, d, loss, budgets) -> IsoFlopFit:
    """IsoFLOP profiles (:func:`isoflop_profiles`), a parabola of log L in log N per budget for
    N_opt and, separately, a parabola of log L in log D over the same points for D_opt
    (:func:`parabola_minima`), then log-log slopes a, b of N_opt and D_opt against C
    (:func:`loglog_slope`). Hoffmann et al. fit the loss itself, which varies by ~20 % along
    their profiles; log L is the same to first order there and keeps the parabola adequate
    where the loss varies by several-fold along a profile (a sum of power laws is convex in
    log-log coordinates).

    With D = C/(6N) on every profile the two parabolas are mirror images, so a + b = 1 up to
    rounding: the identity C = 6N_opt D_opt, which a pipeline that mislabels D would break.

    References: Hoffmann et al. 2022 (arXiv:2203.15556), §3.2 and Table 2 (approach 2).
    """
    n, d, budgets = (np.asarray(v, np.float64).ravel() for v in (n, d, budgets))
    prof = isoflop_profiles(n, d, loss, budgets)
    log_n = np.log(n)
    xn, _ = parabola_minima(log_n, np.log(prof))
    log_d = np.log(budgets[:, None] / (6.0 * n[None, :]))
    xd, _ = parabola_minima(log_d, np.log(prof))
    n_opt, d_opt = np.exp(xn), np.exp(xd)
    a, _ = loglog_slope(budgets, n_opt)
    b, _ = loglog_slope(budgets, d_opt)
    return IsoFlopFit(budgets, prof, n_opt, d_opt, a, b)


# ---------------------------------------------------------------------------------------------
# Laws of a grid of runs (model sizes × data sizes × seeds): approaches 2 and 3 side by side
# ---------------------------------------------------------------------------------------------

#: Parametric-fit starts for a grid of runs: a 432-row subgrid of Hoffmann et al.'s grid
#: (a, b ∈ {0, 10, 20}, e ∈ {−1, 0, 1}, α, β ∈ {0.5, 1, 1.5, 2}), before the shift to the loss
#: scale (see :func:`start_grid`).
GRID_LAWS_STARTS = dict(a=(0.0, 10.0, 20.0), b=(0.0, 10.0, 20.0), e=(-1.0, 0.0, 1.0),
                        alpha=(0.5, 1.0, 1.5, 2.0), beta=(0.5, 1.0, 1.5, 2.0))


def frontier_level_gap(budgets, n_opt, theta) -> tuple[float, float]:
    """How far the IsoFLOP frontier (approach 2) lies above the parametric one (approach 3),
    in decades of N, at the geometric middle C* of the budgets that have a minimum:

        gap = log10 N̂₂(C*) − log10 N_opt(C*; θ),   log N̂₂(C) = a₂ log C + c₂

    with (a₂, c₂) the least-squares line through the IsoFLOP minima (:func:`loglog_slope`) and
    N_opt(C; θ) Hoffmann et al.'s Eq. (4) (:func:`compute_optimal`). Returns (gap, C*); NaN
    where fewer than two budgets have a minimum. Comparing the lines at C* rather than one
    budget's minimum uses every minimum, as the exponent a₂ does.

    References: Hoffmann et al. 2022 (arXiv:2203.15556), §3.2–3.4, Eq. (4), Fig. 1 (the three
    approaches' frontiers overlaid).
    """
    budgets, n_opt = (np.asarray(v, np.float64).ravel() for v in (budgets, n_opt))
    ok = np.isfinite(n_opt) & (n_opt > 0)
    if ok.sum() < 2:
        return math.nan, math.nan
    slope, intercept = loglog_slope(budgets[ok], n_opt[ok])
    log_mid = float(np.mean(np.log(budgets[ok])))
    n3 = compute_optimal(theta, math.exp(log_mid))[0]
    return float((slope * log_mid + intercept - np.log(n3)) / np.log(10)), math.exp(log_mid)


@dataclasses.dataclass(frozen=True)
class GridLaws:
    """Scaling laws fitted to the seed-mean losses of a grid of runs.

    Attributes:
      power_law: L = E + A N^−α through the loss at the largest D (Kaplan et al.'s L(N)).
      parametric: L(N, D) = E + A/N^α + B/D^β through every cell (approach 3).
      isoflop: IsoFLOP profiles and parabola minima of the losses (approach 2).
      isoflop_of_fit: approach 2 run on the approach-3 law evaluated on the same grid: what
        the parabola method returns where the law is exact (its systematic bias).
      level_gap, level_gap_of_fit: :func:`frontier_level_gap` of ``isoflop`` and of
        ``isoflop_of_fit``; ``mid_budget``: the C* they are read at.
    """

    power_law: PowerLawFit
    parametric: ChinchillaFit
    isoflop: IsoFlopFit
    isoflop_of_fit: IsoFlopFit
    level_gap: float
    level_gap_of_fit: float
    mid_budget: float

    @property
    def decades_with_minimum(self) -> float:
        """log10 of the span of budgets whose IsoFLOP profile has an interior minimum."""
        c = self.isoflop.budgets[np.isfinite(self.isoflop.n_opt)]
        return float(np.log10(c.max() / c.min())) if c.size >= 2 else 0.0

    def summary(self) -> dict[str, float]:
        """The scalars of every fit: the power law's ``alpha``, ``E``, ``A``, ``r2_log``;
        approach 2's ``iso_a``, ``iso_b`` (and ``iso_a_of_fit``); the level gaps, the middle
        budget and ``iso_decades``; approach 3's parameters as ``param_{E, A, B, alpha, beta,
        a, b, objective}``."""
        pl, iso = self.power_law, self.isoflop
        out = dict(alpha=pl.alpha, E=pl.E, A=pl.A, r2_log=pl.r2_log, iso_a=iso.a, iso_b=iso.b,
                   iso_a_of_fit=self.isoflop_of_fit.a, level_gap=self.level_gap,
                   level_gap_of_fit=self.level_gap_of_fit, mid_budget=self.mid_budget,
                   iso_decades=self.decades_with_minimum,
                   **{f"param_{k}": v for k, v in self.parametric.as_dict().items()})
        return {k: float(v) for k, v in out.items()}


def fit_grid_laws(n, d, losses, *, min_points: int = 4, n_budgets: int = 9,
                  delta: float = 1e-3, iters_f32: int = 200, iters_f64: int = 15) -> GridLaws:
    """Kaplan et al.'s power law in N and Hoffmann et al.'s approaches 3 and 2 on a grid of runs
    ``losses`` (seeds, nN, nD) at model sizes ``n`` and data sizes ``d`` (both increasing); NaN
    entries (diverged runs) are left out of the seed means.

    * the power law in N at the largest D (:func:`fit_power_law`, least squares in log space);
    * the parametric law on the cells (:func:`fit_chinchilla`, Huber δ) from
      :data:`GRID_LAWS_STARTS` shifted by log min L to this loss scale;
    * IsoFLOP minima (:func:`isoflop_fit`) at ``n_budgets`` budgets with ``min_points`` model
      sizes on the line (:func:`isoflop_budgets`), on the losses and on the fitted law;
    * the level gap between the two frontiers (:func:`frontier_level_gap`).

    References: Kaplan et al. 2020 (arXiv:2001.08361), Eq. (1.1); Hoffmann et al. 2022
    (arXiv:2203.15556), §3.2–3.3, Eq. (4); Czech et al. 2026 (arXiv:2603.22339): approach 2's
    parabola is biased by the sampling grid and by α ≠ β even on noise-free losses.
    """
    n, d = np.asarray(n, np.float64).ravel(), np.asarray(d, np.float64).ravel()
    losses = np.asarray(losses, np.float64)
    if losses.ndim != 3 or losses.shape[1:] != (n.size, d.size):
        raise ValueError(f"losses must be (seeds, {n.size}, {d.size}), got {losses.shape}")
    mean = np.nanmean(losses, axis=0)
    pl = fit_power_law(n, mean[:, -1])
    shift = float(np.log(np.nanmin(mean)))
    grid = start_grid(**GRID_LAWS_STARTS) + np.array([shift, shift, shift, 0.0, 0.0])
    nn, dd = (v.ravel() for v in np.meshgrid(n, d, indexing="ij"))
    fit = fit_chinchilla(nn, dd, mean.ravel(), init_grid=grid, delta=delta,
                         iters_f32=iters_f32, iters_f64=iters_f64)
    budgets = isoflop_budgets(n, d, min_points, n_budgets)
    iso = isoflop_fit(n, d, mean, budgets)
    iso_fit = isoflop_fit(n, d, chinchilla_loss(fit.theta, nn, dd).reshape(mean.shape), budgets)
    gap, mid = frontier_level_gap(budgets, iso.n_opt, fit.theta)
    gap_fit, _ = frontier_level_gap(budgets, iso_fit.n_opt, fit.theta)
    return GridLaws(pl, fit, iso, iso_fit, gap, gap_fit, mid)


def twonn_dimension(x) -> float:
    """Intrinsic dimension of points x (n, m) by the TwoNN estimator: with r₁, r₂ each point's
    distances to its two nearest neighbours, μ = r₂/r₁ is Pareto distributed,
    P(μ > t) = t^(−d), on a locally uniform d-dimensional manifold, whose maximum-likelihood
    estimate is d̂ = n / Σᵢ log μᵢ.

    References: Facco, d'Errico, Rodriguez & Laio 2017, Sci. Rep. 7:12140 (TwoNN), which Sharma
    & Kaplan 2020 (arXiv:2004.10802) use to measure intrinsic dimensions.
    """
    x = np.asarray(x, np.float64)
    sq = np.sum(x * x, axis=1)
    dist2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * x @ x.T, 0.0)
    np.fill_diagonal(dist2, np.inf)
    r = np.sqrt(np.partition(dist2, 1, axis=1)[:, :2])
    mu = r[:, 1] / r[:, 0]
    mu = mu[np.isfinite(mu) & (mu > 1.0)]
    return float(mu.size / np.sum(np.log(mu)))


# ---------------------------------------------------------------------------------------------
# Teacher–student regression on a data manifold of controlled intrinsic dimension
# ---------------------------------------------------------------------------------------------


def manifold_teacher(key: jax.Array, latent_dim: int, ambient_dim: int, *, max_latent: int,
                     width: int = 64, weight_std: float = 3.0**0.5,
                     bias_std: float = 0.5) -> dict[str, jax.Array]:
    """A random smooth teacher on a ``latent_dim``-dimensional manifold in R^``ambient_dim``.

    Latent z ~ U[−1, 1]^d is embedded as x = Q z (Q: ``ambient_dim`` × d with orthonormal
    columns), so the inputs fill a d-dimensional flat piece of R^m; the target is a random
    one-hidden-layer tanh net of the latent coordinates,

        f*(z) = h^(−1/2) Σₖ aₖ tanh(vₖ·z + cₖ),   vₖ ~ N(0, σ_v² I_d),  cₖ ~ N(0, σ_c²),
        aₖ ~ N(0, 1),

    smooth (every derivative bounded), as the N^(−4/d) argument assumes. Arrays are padded to
    ``max_latent`` latent coordinates (``mask`` zeroes the unused ones) so that teachers of
    different d stack on one axis and train in one vmapped program.

    References: Sharma & Kaplan 2020 (arXiv:2004.10802): regression on a d-dimensional data
    manifold predicts L ∝ N^(−4/d); their teacher/student experiments dial d through random
    teachers.
    """
    if not 1 <= latent_dim <= min(max_latent, ambient_dim):
        raise ValueError(f"latent_dim must be in [1, min(max_latent, ambient_dim)], got "
                         f"{latent_dim} (max_latent {max_latent}, ambient_dim {ambient_dim})")
    kq, kv, kc, ka = jax.random.split(key, 4)
    mask = (jnp.arange(max_latent) < latent_dim).astype(jnp.float32)
    q, _ = jnp.linalg.qr(jax.random.normal(kq, (ambient_dim, max_latent)))
    return dict(embed=q * mask[None, :], mask=mask,
                v=weight_std * jax.random.normal(kv, (width, max_latent)) * mask[None, :],
                c=bias_std * jax.random.normal(kc, (width,)),
                a=jax.random.normal(ka, (width,)) / jnp.sqrt(width))


def manifold_sample(teacher: dict, key: jax.Array, n: int,
                    block: int = 65536) -> tuple[jax.Array, jax.Array]:
    """n points of a :func:`manifold_teacher` in latent coordinates: z ~ U[−1, 1]^d (n, d_max,
    zero beyond d) and targets f*(z) (n, 1); the inputs are :func:`embed` (teacher, z). The
    teacher's hidden layer is evaluated ``block`` points at a time (its (n, width) activations
    would otherwise dominate the memory of a long stream)."""
    z = jax.random.uniform(key, (n, teacher["mask"].shape[0]), minval=-1.0, maxval=1.0)
    z = z * teacher["mask"][None, :]

    def f(zb):
        return (jnp.tanh(zb @ teacher["v"].T + teacher["c"][None, :]) @ teacher["a"])[:, None]

    if n <= block:
        return z, f(z)
    pad = -n % block
    zp = jnp.concatenate([z, jnp.zeros((pad, z.shape[1]), z.dtype)]).reshape(-1, block,
                                                                               z.shape[1])
    return z, jax.lax.map(f, zp).reshape(-1, 1)[:n]


def manifold_members(keys, latent_dims, seeds: int, *, ambient_dim: int, teacher_width: int,
                     n_test: int, stream_size: int) -> dict:
    """The data of a batch of students: for each replicate key and intrinsic dimension d a
    :func:`manifold_teacher` (key fold_in(key, d), split three ways: teacher, test set, streams)
    and a test set of ``n_test`` points; for each (replicate, d, seed) a stream of
    ``stream_size`` fresh points. Members are ordered (replicate, d, seed), every array has
    that leading axis: ``teachers`` (a dict), ``test`` and ``stream`` (z, y) pairs."""
    split = [jax.random.split(jax.random.fold_in(k, dim), 3) for k in keys for dim in latent_dims]
    teachers = [manifold_teacher(k[0], dim, ambient_dim, max_latent=max(latent_dims),
                                 width=teacher_width)
                for k, dim in zip(split, tuple(latent_dims) * len(keys), strict=True)]
    rep = functools.partial(jnp.repeat, repeats=seeds, axis=0)  # one row per seed
    teachers = jax.tree_util.tree_map(lambda *a: rep(jnp.stack(a)), *teachers)
    k_test = rep(jnp.stack([k[1] for k in split]))
    k_stream = jnp.stack([jax.random.fold_in(k[2], s) for k in split for s in range(seeds)])

    def sample(n, ks):
        return jax.vmap(lambda t, k: manifold_sample(t, k, n))(teachers, ks)

    return dict(teachers=teachers, test=sample(n_test, k_test),
                stream=sample(stream_size, k_stream))


def embed(teacher: dict, z) -> jax.Array:
    """The inputs x = Q z (…, m) of latent points z (…, d_max)."""
    return z @ teacher["embed"].T


def cosine_rate(step, horizon, decay: float = 10.0):
    """Hoffmann et al.'s schedule: a cosine from 1 down to 1/``decay`` over ``horizon`` steps,
    η(t)/η₀ = 1/decay + (1 − 1/decay) · ½(1 + cos(π t/horizon)), t ∈ [0, horizon].

    References: Hoffmann et al. 2022 (arXiv:2203.15556), §3.1 and Appendix B (the rate decays
    10× over a cycle whose length matches the tokens trained on).
    """
    floor = 1.0 / decay
    return floor + (1.0 - floor) * 0.5 * (1.0 + jnp.cos(jnp.pi * step / horizon))


@functools.lru_cache(maxsize=32)
def _online_program(apply, batch_size: int):
    import optax

    from nntheory.train import mse

    adam = optax.scale_by_adam()

    def one(params, teacher, z, y, horizon, rate, z_test, y_test):
        def step(t, carry):
            p, st = carry
            zb = jax.lax.dynamic_slice_in_dim(z, t * batch_size, batch_size)
            yb = jax.lax.dynamic_slice_in_dim(y, t * batch_size, batch_size)
            g = jax.grad(lambda q: mse(apply(q, embed(teacher, zb)), yb))(p)
            u, st = adam.update(g, st, p)
            eta = rate * cosine_rate(t, horizon)
            return jax.tree_util.tree_map(lambda w, d: w - eta * d, p, u), st

        p, _ = jax.lax.fori_loop(0, horizon, step, (params, adam.init(params)))
        return mse(apply(p, embed(teacher, z_test)), y_test)

    return jax.jit(jax.vmap(one, in_axes=(0, 0, 0, 0, None, None, 0, 0)))


def train_online(apply, params, teachers: dict, stream: tuple, horizon: int, *,
                 learning_rate: float, batch_size: int, test: tuple) -> np.ndarray:
    """Test loss after one pass over a stream of fresh teacher samples, for K students at once.

    Student k (parameters with a leading member axis K) takes ``horizon`` Adam steps on
    ½·MSE, step t on samples t·B … (t+1)·B − 1 of its stream (``stream`` = (z (K, n, d_max),
    y (K, n, 1)), from :func:`manifold_sample`; B = ``batch_size``), at the rate
    η₀ · :func:`cosine_rate` (10× decay over the horizon): nothing is seen twice, so D =
    horizon × B samples cost C ≈ 6ND FLOPs. Runs of different horizons read the same stream
    (common random numbers). One compiled program per (apply, B) serves every horizon and rate.
    Returns the (K,) ½·MSE on each member's test set ``test`` = (z (K, n, d_max), y (K, n, 1)).

    References: Hoffmann et al. 2022 (arXiv:2203.15556), §3 (single-epoch runs, a cosine cycle
    matched to D, C ≈ 6ND); Kingma & Ba 2015 (arXiv:1412.6980), Algorithm 1 (Adam).
    """
    z, y = stream
    if horizon * batch_size > z.shape[1]:
        raise ValueError(f"horizon × batch_size = {horizon * batch_size} exceeds the stream's "
                         f"{z.shape[1]} samples")
    run = _online_program(apply, int(batch_size))
    loss = run(params, teachers, z, y, jnp.int32(horizon), jnp.float32(learning_rate), *test)
    return np.asarray(loss, np.float64)
