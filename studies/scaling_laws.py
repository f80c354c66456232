"""Scaling laws: Chinchilla's parametric law refitted from its published points, and scaling
laws measured on sweeps trained here.

Claim (Kaplan et al. 2020; Hoffmann et al. 2022): validation loss falls as a power law in
parameters N and training tokens D, L(N, D) = E + A/N^α + B/D^β, and under a compute budget
C ≈ 6ND the loss-optimal N and D grow as C^a and C^b with a ≈ b ≈ 0.5. Besiroglu, Erdil,
Barnett & You (2024) refitted the law to 240 points read off Hoffmann et al.'s Figure 4 and
found the published parameters inconsistent with the data.

What this study does:

1. refits the law to the 245 published points (5 highest-loss runs dropped, as the replication
   did) with Hoffmann et al.'s protocol (Huber δ = 1e-3 on log residuals, L-BFGS from their
   4,500 starts), bootstraps it, and tests the published parameters against the refit;
2. fits synthetic points drawn from a known law with noise (a self-check of the fitter);
3. trains a grid of model sizes × dataset sizes on a teacher–student regression (every model
   size: all (dataset size, seed) members as one vmapped ensemble) and fits a power law in N,
   the parametric law (approach 3) and IsoFLOP profiles (approach 2) to it.

Expected (quick profile, 2-core CPU, 25–45 s depending on the load): the refit lands on
α = 0.3473, β = 0.3672, E = 1.8172, Huber objective 1.0183e-3 (the replication: 0.3478,
0.3658, 1.8172), a = 0.514 with 95 % interval [0.48, 0.56]; β's interval [0.333, 0.412]
excludes the published 0.28 and the χ² test puts the published parameters at d² ≈ 330,
log10 p ≈ −67. On the sweep the loss at the largest D follows E + A N^−α with R² ≈ 0.999 in
log space (α ≈ 1.75, interval [1.6, 2.0] at seed 0); approaches 2 and 3 put a at 0.42 and
0.38, with wide intervals (~[0.3, 0.5]) at this size.
"""

from __future__ import annotations

import dataclasses
import functools
import math

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from nntheory import data, nets, train
from nntheory.analysis import scaling as sl
from nntheory.report import Figure
from nntheory.study import Claim, Results

TITLE = "Scaling laws: the Chinchilla refit, and laws measured on our own sweeps"

SUMMARY = """
Kaplan et al. (2020) found that the loss of a language model falls as a power law in its
parameters N and training tokens D; Hoffmann et al. (2022, "Chinchilla") fitted the law
L = E + A/N^α + B/D^β and concluded that, for a compute budget C ≈ 6ND, N and D should grow in
equal proportion. Besiroglu, Erdil, Barnett & You (2024) extracted 245 of Hoffmann et al.'s
runs from their Figure 4, refitted the law with the same protocol, and found that the
published parameters do not fit the data: the optimiser had stopped early, and the estimates
in the paper's body are rounded.

This study refits the published points with Hoffmann et al.'s protocol — Huber loss (δ = 10⁻³)
of log-loss residuals, L-BFGS from their grid of 4,500 initialisations, every start one row of
a single vmapped, jitted program — bootstraps the fit, and tests the published parameters
against it. A fit of synthetic points drawn from a known law checks the fitter itself.

It then measures scaling laws on networks it trains: one-hidden-layer tanh students of growing
width learn a fixed random wide tanh teacher on Gaussian inputs (4 dimensions in the quick
profile) from datasets of growing size, with a little label noise. Every width trains all its
(dataset size, seed) members as one vmapped ensemble, and the early-stopped test loss is
fitted by a power law in N, by the parametric law (Hoffmann's approach 3), and by IsoFLOP
parabolas (approach 2). Here D counts distinct training samples, trained for many epochs, so
C = 6ND is the one-epoch compute of the Chinchilla accounting, not the compute actually spent.
"""

EQUATIONS = (
    (r"$L(N,D)=E+\frac{A}{N^{\alpha}}+\frac{B}{D^{\beta}},\qquad "
     r"\log\hat L=\mathrm{LSE}(a-\alpha\log N,\ b-\beta\log D,\ e)$",
     "The parametric law (Hoffmann et al. 2022, Eq. 2) and the form it is fitted in "
     "(Appendix D.2): A = eᵃ, B = eᵇ, E = eᵉ."),
    (r"$\min_{a,b,e,\alpha,\beta}\ \sum_i \mathrm{Huber}_{\delta}\left(\log\hat L(N_i,D_i)"
     r"-\log L_i\right),\qquad \delta=10^{-3}$",
     "The objective, minimised by L-BFGS from 4,500 starts (α, β ∈ {0, …, 2}, e ∈ {−1, …, 1}, "
     "a, b ∈ {0, 5, …, 25}); the best start wins."),
    (r"$N_{opt}(C)=G\left(\frac{C}{6}\right)^{a},\quad D_{opt}(C)=G^{-1}\left(\frac{C}{6}"
     r"\right)^{b},\quad a=\frac{\beta}{\alpha+\beta},\ b=\frac{\alpha}{\alpha+\beta},\quad "
     r"G=\left(\frac{\alpha A}{\beta B}\right)^{\frac{1}{\alpha+\beta}}$",
     "The compute-optimal allocation under C = 6ND (Hoffmann et al. 2022, Eq. 4)."),
    (r"$d^2=(\theta_0-\hat\theta)^\top\hat\Sigma^{-1}(\theta_0-\hat\theta)\ \sim\ \chi^2_5$",
     "The test of published parameters θ₀ against the refit θ̂ with bootstrap covariance Σ̂ "
     "(θ = log A, log B, log E, α, β)."),
)

REFERENCES = (
    "J. Kaplan, S. McCandlish, T. Henighan et al. (2020). Scaling laws for neural language "
    "models. arXiv:2001.08361.",
    "J. Hoffmann, S. Borgeaud, A. Mensch et al. (2022). Training compute-optimal large "
    "language models. NeurIPS 2022, arXiv:2203.15556.",
    "T. Besiroglu, E. Erdil, M. Barnett, J. You (2024). Chinchilla scaling: a replication "
    "attempt. arXiv:2404.10102. Data: github.com/epoch-research/analyzing-chinchilla, "
    "data/svg_extracted_data.csv (shipped as nntheory/datasets/).",
    "P. J. Huber (1964). Robust estimation of a location parameter. Ann. Math. Statist. "
    "35(1):73–101.",
    "J. Nocedal, S. J. Wright (2006). Numerical Optimization, 2nd ed., §7.2 (L-BFGS). Springer.",
    "B. Efron, R. J. Tibshirani (1993). An Introduction to the Bootstrap. Chapman & Hall.",
)

# ---------------------------------------------------------------------------------------------
# Published numbers (each written once, with its source)
# ---------------------------------------------------------------------------------------------

#: Hoffmann et al. 2022 (arXiv:2203.15556), §3.3 (approach 3): the fitted law as printed in the
#: paper body (rounded; the TeX source has more digits, per Besiroglu et al. 2024).
HOFFMANN = dict(E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28)

#: Besiroglu et al. 2024 (arXiv:2404.10102): their refit of the 240 points, with bootstrap
#: standard errors (in parentheses in the paper's table of estimates). Values as quoted
#: identically by several independent sources citing the paper; the stored copy of the
#: paper reachable here (arxiv.org/html/2404.10102v2) yields only its opening, so the table
#: itself could not be read directly.
REPLICATION = dict(E=1.8172, A=482.01, B=2085.43, alpha=0.3478, beta=0.3658)
REPLICATION_SE = dict(E=0.03, A=124.58, B=1293.23, alpha=0.02, beta=0.02)


@dataclasses.dataclass(frozen=True)
class Config:
    """The Chinchilla refit and bootstrap, the synthetic self-check, and our own sweep."""

    # --- published points
    drop_highest: int = 5
    huber_delta: float = 1e-3
    grid_stride: int = 1  # every k-th of Hoffmann's 4,500 starts (1 = all; >1 for tests)
    fit_iters_f32: int = 200
    fit_iters_f64: int = 15
    bootstrap_resamples: int = 576  # × 8 starts = 4,608 rows: one compiled chunk
    bootstrap_starts: int = 8
    bootstrap_iters_f32: int = 200
    bootstrap_iters_f64: int = 10
    level: float = 0.95
    # --- synthetic self-check: points at the published (N, D), log-normal noise on the loss
    synthetic_noise: float = 0.005
    # --- our sweep: teacher–student regression
    input_dim: int = 4
    teacher_width: int = 256
    label_noise: float = 0.02
    widths: tuple[int, ...] = (4, 8, 16, 32, 64)
    dataset_sizes: tuple[int, ...] = (64, 128, 256, 512, 1024)
    seeds: int = 3
    steps: int = 1000
    learning_rate: float = 2e-2
    evals: int = 20
    n_test: int = 2048
    sweep_resamples: int = 128  # × 4 starts = 512 rows: one small compiled chunk
    sweep_starts: int = 4
    isoflop_budgets: int = 9
    isoflop_min_points: int = 4

    def __post_init__(self):
        for name in ("bootstrap_resamples", "bootstrap_starts", "seeds", "steps", "evals",
                     "grid_stride",
                     "n_test", "input_dim", "teacher_width", "fit_iters_f32",
                     "bootstrap_iters_f32", "sweep_resamples", "sweep_starts", "isoflop_budgets"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        for name in ("fit_iters_f64", "bootstrap_iters_f64", "drop_highest"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.bootstrap_resamples < 2 or self.sweep_resamples < 2:
            raise ValueError("bootstrap_resamples and sweep_resamples must be at least 2")
        if self.steps % self.evals:
            raise ValueError(f"evals ({self.evals}) must divide steps ({self.steps})")
        for name in ("widths", "dataset_sizes"):
            v = list(getattr(self, name))
            if len(v) < 3 or any(x < 1 for x in v) or v != sorted(set(v)):
                raise ValueError(f"{name} must be >= 3 strictly increasing positive integers, "
                                 f"got {v}")
        if any(self.max_d % d for d in self.dataset_sizes):
            raise ValueError(f"every dataset size must divide the largest ({self.max_d}): the "
                             f"members' datasets are tiled to one shape")
        if not 3 <= self.isoflop_min_points <= len(self.widths):
            raise ValueError("isoflop_min_points must be between 3 (a parabola) and the number "
                             f"of widths, got {self.isoflop_min_points}")
        for name in ("huber_delta", "learning_rate", "label_noise", "synthetic_noise"):
            v = getattr(self, name)
            if not (0 < v < math.inf):
                raise ValueError(f"{name} must be positive and finite, got {v}")
        if not 0 < self.level < 1:
            raise ValueError(f"level must be in (0, 1), got {self.level}")

    @property
    def log_every(self) -> int:
        return self.steps // self.evals

    @property
    def max_d(self) -> int:
        return max(self.dataset_sizes)

    @property
    def noise_floor(self) -> float:
        """The irreducible test loss ½σ² (train.mse is ½ · mean squared error)."""
        return 0.5 * self.label_noise**2


PROFILES = {
    # ~1 minute on a 2-core CPU (measured with other jobs sharing it; see the closing note).
    "quick": Config(),
    # For a GPU: 4,000 bootstrap refits (as the replication), a wider and longer sweep.
    "full": Config(
        fit_iters_f32=300,
        fit_iters_f64=20,
        bootstrap_resamples=4000,
        widths=(4, 8, 16, 32, 64, 128, 256),
        dataset_sizes=(64, 128, 256, 512, 1024, 2048, 4096, 8192),
        seeds=8,
        steps=5000,
        learning_rate=1e-2,
        evals=50,
        n_test=16384,
        sweep_resamples=4000,
        sweep_starts=8,
        isoflop_budgets=15,
    ),
}

# Thresholds (stated once, with their reasons in the notes).
A_TOL = 0.05
SYNTH_TOL = 0.03
R2_MIN = 0.95
IDENTITY_TOL = 1e-3
AGREE_TOL = 0.1
P_REJECT = 0.05

CLAIMS = (
    Claim(
        id="refit_within_replication",
        statement="The refit of the published points lies inside the replication's 95 % "
        "intervals for E, A, B, α, β: max |refit − replication| / SE ≤ 1.96.",
        source="Besiroglu et al. 2024 (arXiv:2404.10102), table of estimates (SE): E 1.8172 "
        "(0.03), A 482.01 (124.58), B 2085.43 (1293.23), α 0.3478 (0.02), β 0.3658 (0.02)",
        measured="chin_replication_max_z",
        op="<=",
        expected=1.96,
        note="The paper gives bootstrap SEs; the intervals are estimate ± 1.96 SE, e.g. "
        "α ∈ [0.309, 0.387], β ∈ [0.327, 0.405]. Numbers as quoted identically by several "
        "sources citing the paper (the stored copy of the paper yields only its opening).",
    ),
    Claim(
        id="equal_scaling",
        statement="The refit's compute-optimal exponent a = β/(α+β) is 0.5 within 0.05.",
        source="Hoffmann et al. 2022 (arXiv:2203.15556), Table 2: a = 0.50, 0.49 (approaches "
        "1, 2); the replication's α, β give a = 0.513",
        measured="chin_a",
        op="==",
        expected=0.5,
        tolerance=A_TOL,
        note="0.05 ≈ 2.5 bootstrap SE of a; it separates equal scaling from Kaplan et al.'s "
        "0.73 and the 0.46 of Hoffmann's published approach-3 fit.",
    ),
    Claim(
        id="published_beta_outside",
        statement="Hoffmann et al.'s β = 0.28 lies below the refit's 95 % bootstrap interval "
        "for β.",
        source="Hoffmann et al. 2022, §3.3 (β = 0.28); Besiroglu et al. 2024, §3",
        measured="chin_beta_lo",
        op=">=",
        expected=HOFFMANN["beta"],
        note="Measured: the interval's lower end (percentile; each resample refitted from "
        "the 8 best grid starts; quick 576 resamples, full 4,000 as the replication).",
    ),
    Claim(
        id="published_rejected_chi2",
        statement="A χ² test rejects Hoffmann et al.'s (E, A, B, α, β) given the refit's "
        "bootstrap covariance: log10 p ≤ log10 0.05.",
        source="Besiroglu et al. 2024 (arXiv:2404.10102), §3",
        measured="chin_chi2_log10_p",
        op="<=",
        expected=round(math.log10(P_REJECT), 3),
        note="d² in θ = (log A, log B, log E, α, β), 5 dof, at the conventional 5 % level.",
    ),
    Claim(
        id="synthetic_recovery",
        statement="Points drawn from a known law (the replication's) at the published (N, D) "
        "with noise are refitted within 0.03 in α, β and 3 % in E.",
        source="Self-check of the fitter (Hoffmann et al.'s protocol)",
        measured="synthetic_max_error",
        op="<=",
        expected=SYNTH_TOL,
        note="max(|α̂−α|, |β̂−β|, |Ê/E−1|); log-normal noise σ = 0.005, about half the real "
        "residual spread; 0.03 ≈ 3 SE at that noise (real-data SE 0.02 × noise ratio).",
    ),
    Claim(
        id="sweep_power_law_in_n",
        statement="Our sweep: the test loss at the largest D follows L = E + A N^(−α) in "
        "parameters N with R² ≥ 0.95 in log space.",
        source="Kaplan et al. 2020 (arXiv:2001.08361), Eq. (1.1), with the offset of "
        "Hoffmann et al. 2022, Eq. (2)",
        measured="sweep_r2_log",
        op=">=",
        expected=R2_MIN,
        note="3 parameters through one point per width (seed mean, early stopped): a weak "
        "test over ~1.2 decades of N, stated as such.",
    ),
    Claim(
        id="sweep_alpha_positive",
        statement="Its exponent α is positive with 95 % confidence: loss keeps falling with N.",
        source="Kaplan et al. 2020, §3.1",
        measured="sweep_alpha_n_lo",
        op=">=",
        expected=0.0,
        note="Lower end of the interval from resampling seeds; the estimate is sweep_alpha_n.",
    ),
    Claim(
        id="isoflop_a_plus_b",
        statement="Our sweep: IsoFLOP minima give N_opt ∝ C^a and D_opt ∝ C^b (separate "
        "parabolas in log N and log D) with a + b = 1.",
        source="Hoffmann et al. 2022, §3.2, Table 2 (approach 2)",
        measured="iso_abs_a_plus_b_minus_1",
        op="<=",
        expected=IDENTITY_TOL,
        note="With D = C/(6N) on every profile this is the identity C = 6N·D: a pipeline "
        "check, not a finding. Intervals of a, b: iso_a_lo/hi, iso_b_lo/hi.",
    ),
    Claim(
        id="approaches_agree",
        statement="Our sweep: the exponent a of approach 2 (IsoFLOP) and of approach 3 "
        "(parametric fit) agree within 0.1.",
        source="Hoffmann et al. 2022, Table 2: approaches 1–3 give a = 0.50, 0.49, 0.46",
        measured="sweep_a_gap",
        op="<=",
        expected=AGREE_TOL,
        note="|a_iso − a_param|; 0.1 is twice the spread of Hoffmann's three approaches.",
    ),
)

# ---------------------------------------------------------------------------------------------
# Run: the published points
# ---------------------------------------------------------------------------------------------


def _theta(p: dict) -> np.ndarray:
    """(E, A, B, α, β) → θ = (log A, log B, log E, α, β)."""
    return np.array([np.log(p["A"]), np.log(p["B"]), np.log(p["E"]), p["alpha"], p["beta"]])


def chinchilla_points(cfg: Config) -> pd.DataFrame:
    """The published points with the ``drop_highest`` highest losses removed."""
    df = data.chinchilla_points()
    if cfg.drop_highest:
        df = df.drop(df["loss"].nlargest(cfg.drop_highest).index)
    return df.reset_index(drop=True)


def _interval_metrics(prefix: str, samples: dict, names, level: float) -> dict[str, float]:
    m = {}
    for k in names:
        lo, hi = sl.percentile_interval(samples[k], level)
        m[f"{prefix}_{k}_lo"], m[f"{prefix}_{k}_hi"] = float(lo), float(hi)
        m[f"{prefix}_{k}_se"] = float(np.std(samples[k], ddof=1))
    return m


def _chinchilla(cfg: Config, key, step) -> tuple[dict, dict, dict]:
    """Refit, bootstrap, χ² test and the synthetic self-check on the published design."""
    df = chinchilla_points(cfg)
    n, d, loss = df["N"].to_numpy(), df["D"].to_numpy(), df["loss"].to_numpy()
    k_boot, k_syn = jax.random.split(key)

    grid = sl.start_grid()[::cfg.grid_stride]

    def fit_point():
        fit = sl.fit_chinchilla(n, d, loss, delta=cfg.huber_delta, init_grid=grid,
                                iters_f32=cfg.fit_iters_f32, iters_f64=cfg.fit_iters_f64)
        return dict(theta=fit.theta, objective=np.float64(fit.objective), finals=fit.finals,
                    objectives=fit.objectives, starts=fit.starts)

    f = step("chinchilla_fit", fit_point)
    fit = sl.ChinchillaFit(f["theta"], float(f["objective"]), f["finals"], f["objectives"],
                           f["starts"], cfg.huber_delta, len(df))

    def boot_point():
        b = sl.bootstrap_chinchilla(
            n, d, loss, k_boot, n_resamples=cfg.bootstrap_resamples,
            starts=fit.best_starts(cfg.bootstrap_starts), delta=cfg.huber_delta,
            iters_f32=cfg.bootstrap_iters_f32, iters_f64=cfg.bootstrap_iters_f64)
        return dict(thetas=b.thetas, objectives=b.objectives)

    b = step("chinchilla_bootstrap", boot_point)
    boot = sl.theta_to_params(b["thetas"])

    # synthetic: the replication's law at the same (N, D), log-normal noise
    true = _theta(REPLICATION)
    noise = np.asarray(jax.random.normal(k_syn, (len(df),), jnp.float32), np.float64)
    syn_loss = sl.chinchilla_loss(true, n, d) * np.exp(cfg.synthetic_noise * noise)

    def syn_point():
        s = sl.fit_chinchilla(n, d, syn_loss, delta=cfg.huber_delta, init_grid=grid,
                              iters_f32=cfg.fit_iters_f32, iters_f64=cfg.fit_iters_f64)
        return dict(theta=s.theta, objective=np.float64(s.objective))

    s = step("synthetic_fit", syn_point)
    syn = sl.theta_to_params(s["theta"])

    d2, log10_p, dof = sl.chi2_test(_theta(HOFFMANN), b["thetas"], center=fit.theta)
    resid = np.log(loss) - np.log(sl.chinchilla_loss(fit.theta, n, d))
    z = {k: abs(fit.as_dict()[k] - REPLICATION[k]) / REPLICATION_SE[k] for k in REPLICATION}
    m = {f"chin_{k}": float(v) for k, v in fit.as_dict().items()}
    m.update(_interval_metrics("chin", boot, sl.PARAMS, cfg.level))
    m.update(
        chin_n_points=float(len(df)),
        chin_starts_within_1e9=float(fit.n_within(1e-9)),
        chin_replication_max_z=float(max(z.values())),
        chin_chi2_d2=d2, chin_chi2_log10_p=log10_p, chin_chi2_dof=float(dof),
        chin_resid_mad=float(1.4826 * np.median(np.abs(resid - np.median(resid)))),
        chin_boot_objective_median=float(np.median(b["objectives"])),
        synthetic_max_error=float(max(abs(syn["alpha"] - REPLICATION["alpha"]),
                                      abs(syn["beta"] - REPLICATION["beta"]),
                                      abs(syn["E"] / REPLICATION["E"] - 1))),
        **{f"synthetic_{k}": float(syn[k]) for k in ("E", "A", "B", "alpha", "beta")},
    )
    for k, v in z.items():
        m[f"chin_replication_z_{k}"] = float(v)
    # published-law objective on the same points: how much worse it fits
    m["chin_objective_published"] = sl.chinchilla_objective(
        _theta(HOFFMANN), n, d, loss, delta=cfg.huber_delta)[0]
    tables = dict(
        chinchilla=df.assign(pred_refit=sl.chinchilla_loss(fit.theta, n, d),
                             pred_published=sl.chinchilla_loss(_theta(HOFFMANN), n, d)),
        chinchilla_bootstrap=pd.DataFrame({k: np.asarray(v) for k, v in boot.items()}),
    )
    arrays = dict(chin_theta=fit.theta, chin_objectives=fit.objectives,
                  synthetic_loss=syn_loss, synthetic_theta=s["theta"])
    return m, tables, arrays


# ---------------------------------------------------------------------------------------------
# Run: our sweep
# ---------------------------------------------------------------------------------------------


def _teacher(cfg: Config):
    return nets.mlp(cfg.teacher_width, 1, 1, "tanh", parameterization="ntk")


def _student(cfg: Config, width: int):
    return nets.mlp(width, 1, 1, "tanh", parameterization="standard", w_std=1.0)


@functools.partial(jax.jit, static_argnums=0)
def _sweep_data(cfg: Config, key) -> dict:
    """Members (dataset size D, seed s): seed s's first D samples of one pool, tiled to the
    largest size so every member's arrays share a shape (full-batch MSE over a tiled set equals
    that over its D distinct samples). A shared noisy test set; y = f*(x) + σε. One jitted
    program (eagerly, its many small ops cost seconds of dispatch on a CPU)."""
    k_teacher, k_pool, k_test = jax.random.split(key, 3)
    teacher = _teacher(cfg)
    tp = teacher.init_params(k_teacher, (cfg.input_dim,))

    def sample(k, n):
        kx, ke = jax.random.split(k)
        x = jax.random.normal(kx, (n, cfg.input_dim))
        return x, teacher.apply(tp, x) + cfg.label_noise * jax.random.normal(ke, (n, 1))

    pools = [sample(jax.random.fold_in(k_pool, s), cfg.max_d) for s in range(cfg.seeds)]
    xs, ys = [], []
    for dsize in cfg.dataset_sizes:
        reps = cfg.max_d // dsize
        for s in range(cfg.seeds):
            xs.append(jnp.tile(pools[s][0][:dsize], (reps, 1)))
            ys.append(jnp.tile(pools[s][1][:dsize], (reps, 1)))
    xt, yt = sample(k_test, cfg.n_test)
    K = len(xs)
    return dict(x_train=jnp.stack(xs), y_train=jnp.stack(ys),
                x_test=jnp.broadcast_to(xt, (K,) + xt.shape),
                y_test=jnp.broadcast_to(yt, (K,) + yt.shape))


def _train_width(cfg: Config, width: int, d: dict, key) -> dict[str, np.ndarray]:
    """One width: every (dataset size, seed) member as one vmapped ensemble, full batch Adam with
    a cosine schedule; the test loss at every evaluation (early stopping = its minimum)."""
    net = _student(cfg, width)
    K = d["x_train"].shape[0]
    # the same initialisation for seed s at every dataset size (common random numbers)
    keys = jax.vmap(lambda i: jax.random.fold_in(key, i % cfg.seeds))(jnp.arange(K))
    params = jax.jit(lambda k: train.init_ensemble(net, k, (cfg.input_dim,)))(keys)
    params, hist = train.fit_ensemble(
        net, params, d, member_data=True, optimizer="adam", learning_rate=cfg.learning_rate,
        schedule="cosine", steps=cfg.steps, log_every=cfg.log_every)
    test = np.asarray(hist.metrics["test_loss"], np.float64)
    return dict(
        n_params=np.int64(nets.param_count(jax.tree_util.tree_map(lambda x: x[0], params))),
        test_curve=test, train_final=hist.final("train_loss"), diverged=hist.diverged,
    )


def _sweep(cfg: Config, key, step) -> pd.DataFrame:
    k_data, k_init = jax.random.split(key)
    d = _sweep_data(cfg, k_data)
    members = [(dsize, s) for dsize in cfg.dataset_sizes for s in range(cfg.seeds)]
    rows = []
    for w in train.progress(cfg.widths, "scaling sweep"):
        point = step(f"sweep-w{w}", functools.partial(
            _train_width, cfg, w, d, jax.random.fold_in(k_init, w)))
        curve = point["test_curve"]
        for i, (dsize, s) in enumerate(members):
            finite = curve[i][np.isfinite(curve[i])]
            rows.append(dict(
                width=w, N=int(point["n_params"]), D=dsize, seed=s,
                test_loss=float(finite.min()) if finite.size else float("nan"),
                test_loss_final=float(curve[i, -1]),
                best_eval=int(np.nanargmin(curve[i])) if finite.size else -1,
                train_loss_final=float(point["train_final"][i]),
                diverged=bool(point["diverged"][i]),
            ))
    return pd.DataFrame(rows)


def _loss_cube(sweep: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(N (nN,), D (nD,), loss (seeds, nN, nD)) from the sweep table."""
    n = np.sort(sweep["N"].unique()).astype(np.float64)
    dd = np.sort(sweep["D"].unique()).astype(np.float64)
    cube = sweep.pivot_table(index=["seed", "N"], columns="D", values="test_loss")
    seeds = np.sort(sweep["seed"].unique())
    return n, dd, cube.to_numpy().reshape(len(seeds), n.size, dd.size)


def isoflop_budgets(cfg: Config, n, dd, min_points: int) -> np.ndarray:
    """Log-spaced budgets C = 6ND over the span where at least ``min_points`` model sizes have
    D = C/(6N) inside the trained dataset sizes."""
    lo, hi = np.log(6 * n.min() * dd.min()), np.log(6 * n.max() * dd.max())
    cand = np.exp(np.linspace(lo, hi, 400))
    dn = cand[:, None] / (6 * n[None, :])
    count = ((dn >= dd.min() * (1 - 1e-9)) & (dn <= dd.max() * (1 + 1e-9))).sum(1)
    ok = cand[count >= min_points]
    if ok.size == 0:
        return ok
    return np.exp(np.linspace(np.log(ok.min()), np.log(ok.max()), cfg.isoflop_budgets))


def _own_laws(cfg: Config, sweep: pd.DataFrame, key) -> tuple[dict, dict, dict]:
    """Power law in N at the largest D, the parametric law (approach 3) and IsoFLOP minima
    (approach 2) on the seed-mean early-stopped test loss; intervals by resampling seeds
    (power law, IsoFLOP) or grid cells (parametric law)."""
    k_seed, k_cell = jax.random.split(key)
    n, dd, cube = _loss_cube(sweep)
    mean = np.nanmean(cube, axis=0)
    S = cube.shape[0]
    pick = np.asarray(jax.random.randint(k_seed, (cfg.sweep_resamples, S), 0, S))
    boot_mean = np.nanmean(cube[pick], axis=1)  # (R, nN, nD)

    # power law in N at the largest dataset size
    pl = sl.fit_power_law(n, mean[:, -1])
    # seed bootstrap: least squares is smooth, so each refit starts at the fit and at the
    # best grid start
    starts = np.concatenate([pl.solution[None], pl.best_inits(1)])
    pl_b = sl.fit_power_law(n, boot_mean[:, :, -1], init=starts)
    # the parametric law on the grid cells, from a 432-start subgrid of Hoffmann's grid
    # (a, b ∈ {0, 10, 20}, e ∈ {−1, 0, 1}, α, β ∈ {0.5, …, 2}) shifted to this loss scale
    shift = float(np.log(np.nanmin(mean)))
    grid = sl.start_grid(a=(0.0, 10.0, 20.0), b=(0.0, 10.0, 20.0), e=(-1.0, 0.0, 1.0),
                        alpha=(0.5, 1.0, 1.5, 2.0), beta=(0.5, 1.0, 1.5, 2.0))
    grid = grid + np.array([shift, shift, shift, 0.0, 0.0])
    nn, ddd = np.meshgrid(n, dd, indexing="ij")
    fit = sl.fit_chinchilla(nn.ravel(), ddd.ravel(), mean.ravel(), init_grid=grid,
                            delta=cfg.huber_delta, iters_f32=cfg.fit_iters_f32,
                            iters_f64=cfg.fit_iters_f64)
    boot = sl.bootstrap_chinchilla(
        nn.ravel(), ddd.ravel(), mean.ravel(), k_cell, n_resamples=cfg.sweep_resamples,
        starts=fit.best_starts(cfg.sweep_starts), delta=cfg.huber_delta,
        iters_f32=cfg.bootstrap_iters_f32, iters_f64=cfg.bootstrap_iters_f64)
    # IsoFLOP profiles (approach 2)
    budgets = isoflop_budgets(cfg, n, dd, cfg.isoflop_min_points)
    iso = sl.isoflop_fit(n, dd, mean, budgets)
    iso_b = sl.isoflop_fit(n, dd, boot_mean, budgets)

    m = dict(
        sweep_E=float(pl.E), sweep_A=float(pl.A), sweep_alpha_n=float(pl.alpha),
        sweep_r2_log=float(pl.r2_log),
        sweep_param_objective=fit.objective,
        sweep_n_budgets=float(budgets.size),
        sweep_n_budgets_with_minimum=float(np.isfinite(iso.n_opt).sum()),
        iso_a=float(iso.a), iso_b=float(iso.b),
        iso_abs_a_plus_b_minus_1=float(abs(iso.a + iso.b - 1)),
        iso_boot_valid=float(np.mean(np.isfinite(iso_b.a))),
        sweep_a_gap=float(abs(iso.a - fit.a)),
        noise_floor=cfg.noise_floor,
        diverged_members=float(sweep["diverged"].sum()),
    )
    m.update({f"sweep_param_{k}": float(v) for k, v in fit.as_dict().items()})
    m.update(_interval_metrics("sweep_param", boot.params, ("alpha", "beta", "E", "a", "b"),
                               cfg.level))
    lo, hi = sl.percentile_interval(pl_b.alpha[np.isfinite(pl_b.alpha)], cfg.level)
    m.update(sweep_alpha_n_lo=float(lo), sweep_alpha_n_hi=float(hi))
    for k in ("a", "b"):
        v = getattr(iso_b, k)
        lo, hi = sl.percentile_interval(v[np.isfinite(v)], cfg.level)
        m[f"iso_{k}_lo"], m[f"iso_{k}_hi"] = float(lo), float(hi)
    tables = dict(isoflop=pd.DataFrame(dict(C=budgets, N_opt=iso.n_opt, D_opt=iso.d_opt)))
    arrays = dict(sweep_n=n, sweep_d=dd, sweep_mean=mean, sweep_param_theta=fit.theta,
                  iso_budgets=budgets, iso_profiles=iso.profiles,
                  sweep_pl=np.array([pl.E, pl.A, pl.alpha]),
                  sweep_param_boot_a=boot.params["a"], iso_boot_a=iso_b.a)
    return m, tables, arrays


def run(cfg: Config, key: jax.Array, ckpt=None) -> Results:
    """The Chinchilla refit, bootstrap and self-check, then our sweep and its laws; every number
    the claims read is in ``metrics``. ``ckpt`` lets a killed run resume at the next point."""
    step = ckpt.step if ckpt is not None else (lambda name, compute: compute())
    k_chin, k_sweep, k_laws = jax.random.split(key, 3)
    m_chin, t_chin, a_chin = _chinchilla(cfg, k_chin, step)
    sweep = _sweep(cfg, k_sweep, step)
    m_own, t_own, a_own = _own_laws(cfg, sweep, k_laws)
    return Results(tables=dict(sweep=sweep, **t_chin, **t_own), arrays={**a_chin, **a_own},
                   metrics={**m_chin, **m_own})


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------


def _log_ticks(ax, values, axis: str = "x") -> None:
    """Major ticks at the given values, plainly labelled; no minor labels (on axes spanning a
    decade or two matplotlib would print every minor tick in scientific notation)."""
    from matplotlib.ticker import FixedLocator, NullFormatter

    a = ax.xaxis if axis == "x" else ax.yaxis
    a.set_major_locator(FixedLocator(values))
    a.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:g}"))
    a.set_minor_formatter(NullFormatter())


def _chinchilla_figure(res: Results) -> Figure:
    df = res.tables["chinchilla"]
    theta = res.arrays["chin_theta"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    ax = axes[0]
    logc = np.log10(df["C"])
    sc = ax.scatter(df["N"], df["loss"], c=logc, cmap="viridis", s=14, edgecolors="none")
    fig.colorbar(sc, ax=ax, label="log10 training FLOP C")
    budgets = 10.0 ** np.array([18.5, 19.5, 20.5, 21.5])
    cmap = plt.get_cmap("viridis")
    for c in budgets:
        nn = np.logspace(np.log10(df["N"].min()), np.log10(df["N"].max()), 200)
        col = cmap((np.log10(c) - logc.min()) / (logc.max() - logc.min()))
        ax.plot(nn, sl.chinchilla_loss(theta, nn, c / (6 * nn)), color=col, lw=1.6)
        ax.plot(nn, sl.chinchilla_loss(_theta(HOFFMANN), nn, c / (6 * nn)), color=col, lw=1.2,
                ls="--")
    ax.set(xscale="log", xlabel="parameters N", ylabel="final loss", ylim=(1.9, 4.0),
           title="points and IsoFLOP slices: refit (solid), published (dashed)")
    ax.title.set_fontsize(9)
    ax = axes[1]
    r_fit = np.log(df["loss"]) - np.log(df["pred_refit"])
    r_pub = np.log(df["loss"]) - np.log(df["pred_published"])
    ax.scatter(df["N"], r_pub, s=10, label="published law", color="tab:red", alpha=0.6)
    ax.scatter(df["N"], r_fit, s=10, label="refit", color="tab:blue", alpha=0.8)
    ax.axhline(0, color="k", lw=0.8)
    ax.set(xscale="log", xlabel="parameters N", ylabel="log L − log L̂",
           title="residuals on log loss")
    ax.title.set_fontsize(9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    m = res.metrics
    return Figure(
        "chinchilla_refit",
        f"The {int(m['chin_n_points'])} published points (Hoffmann et al. Fig. 4, as extracted "
        f"by Besiroglu et al.) with the refit (E = {m['chin_E']:.3f}, α = {m['chin_alpha']:.4f}, "
        f"β = {m['chin_beta']:.4f}; Huber objective {m['chin_objective']:.4e}) and the "
        f"published law (objective {m['chin_objective_published']:.4e} on the same points). "
        "Right: log residuals; the published law is biased high at most sizes.",
        fig,
    )


def _bootstrap_figure(res: Results) -> Figure:
    b = res.tables["chinchilla_bootstrap"]
    m = res.metrics
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.6))
    for ax, k, label in zip(axes, ("alpha", "beta", "a"), ("α", "β", "a = β/(α+β)"),
                            strict=True):
        sns.histplot(b[k], bins=40, ax=ax, color="tab:blue", stat="density")
        ax.axvline(m[f"chin_{k}"], color="tab:blue", lw=2, label="refit")
        ax.axvspan(m[f"chin_{k}_lo"], m[f"chin_{k}_hi"], color="tab:blue", alpha=0.12,
                   label="95 % interval")
        if k in HOFFMANN:
            ax.axvline(HOFFMANN[k], color="tab:red", ls="--", lw=2, label="Hoffmann (published)")
            ax.axvline(REPLICATION[k], color="tab:green", ls=":", lw=2, label="Besiroglu et al.")
        else:
            h, r = HOFFMANN, REPLICATION
            ax.axvline(h["beta"] / (h["alpha"] + h["beta"]), color="tab:red", ls="--", lw=2,
                       label="Hoffmann (published)")
            ax.axvline(r["beta"] / (r["alpha"] + r["beta"]), color="tab:green", ls=":", lw=2,
                       label="Besiroglu et al.")
            ax.axvline(0.5, color="0.3", lw=1, label="equal scaling")
        ax.set_xlabel(label)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    return Figure(
        "bootstrap",
        f"Bootstrap distributions of α, β and a ({len(b)} resamples of the published points, "
        f"each refitted from the 8 best grid starts). Published values (red) and the "
        f"replication's (green) marked; χ² test of the published parameters: "
        f"d² = {m['chin_chi2_d2']:.0f}, log10 p = {m['chin_chi2_log10_p']:.1f}.",
        fig,
    )


def _sweep_figure(res: Results) -> Figure:
    n, dd, mean = res.arrays["sweep_n"], res.arrays["sweep_d"], res.arrays["sweep_mean"]
    theta = res.arrays["sweep_param_theta"]
    E, A, alpha = res.arrays["sweep_pl"]
    m = res.metrics
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 4.2))
    pal_d = sns.color_palette("crest", len(dd))
    nn = np.logspace(np.log10(n.min()), np.log10(n.max()), 100)
    for j, (dsize, col) in enumerate(zip(dd, pal_d, strict=True)):
        axes[0].plot(n, mean[:, j], "o", color=col, ms=4, label=f"D = {int(dsize)}")
        axes[0].plot(nn, sl.chinchilla_loss(theta, nn, dsize), color=col, lw=1)
    axes[0].plot(nn, E + A * nn ** (-alpha), color="k", ls="--", lw=1.2,
                 label=f"E + A/N^α, α = {alpha:.2f}")
    axes[0].axhline(m["noise_floor"], color="0.5", ls=":", lw=1, label="noise floor σ²/2")
    axes[0].set(xscale="log", yscale="log", xlabel="parameters N",
                ylabel="test loss (early stopped)")
    _log_ticks(axes[0], n)
    axes[0].legend(fontsize=7, ncol=2)
    pal_n = sns.color_palette("flare", len(n))
    dgrid = np.logspace(np.log10(dd.min()), np.log10(dd.max()), 100)
    for i, (nv, col) in enumerate(zip(n, pal_n, strict=True)):
        axes[1].plot(dd, mean[i], "o", color=col, ms=4, label=f"N = {int(nv)}")
        axes[1].plot(dgrid, sl.chinchilla_loss(theta, nv, dgrid), color=col, lw=1)
    axes[1].axhline(m["noise_floor"], color="0.5", ls=":", lw=1)
    axes[1].set(xscale="log", yscale="log", xlabel="training samples D")
    _log_ticks(axes[1], dd)
    axes[1].legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return Figure(
        "sweep_loss",
        "Our sweep (teacher–student regression): early-stopped test loss, mean of seeds, "
        "against N at each D (left) and against D at each N (right). Solid: the parametric law "
        f"fitted to all cells (α = {m['sweep_param_alpha']:.2f}, β = {m['sweep_param_beta']:.2f}, "
        f"E = {m['sweep_param_E']:.4f}); dashed: the power law in N at the largest D "
        f"(R² in log space {m['sweep_r2_log']:.4f}, α 95 % interval "
        f"[{m['sweep_alpha_n_lo']:.2f}, {m['sweep_alpha_n_hi']:.2f}]).",
        fig,
    )


def _frontier_figure(res: Results) -> Figure:
    n = res.arrays["sweep_n"]
    budgets, prof = res.arrays["iso_budgets"], res.arrays["iso_profiles"]
    iso = res.tables["isoflop"]
    theta = res.arrays["sweep_param_theta"]
    m = res.metrics
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.9))
    pal = sns.color_palette("viridis", len(budgets))
    for row, col, nopt in zip(prof, pal, iso["N_opt"], strict=True):
        ok = np.isfinite(row)
        axes[0].plot(n[ok], row[ok], "o-", color=col, ms=3, lw=1)
        if np.isfinite(nopt):
            axes[0].plot([nopt], [np.interp(np.log(nopt), np.log(n[ok]), row[ok])], "k*", ms=7)
    axes[0].set(xscale="log", yscale="log", xlabel="parameters N",
                ylabel="test loss on the IsoFLOP line", title="IsoFLOP profiles (approach 2)")
    _log_ticks(axes[0], n)
    ax = axes[1]
    ok = np.isfinite(iso["N_opt"])
    ax.plot(iso["C"][ok], iso["N_opt"][ok], "o", color="tab:purple", label="IsoFLOP minima")
    cc = np.logspace(np.log10(budgets.min()), np.log10(budgets.max()), 50)
    if ok.sum() >= 2:
        k, c0 = sl.loglog_slope(iso["C"][ok], iso["N_opt"][ok])
        ax.plot(cc, np.exp(c0) * cc**k, color="tab:purple", lw=1,
                label=f"approach 2: a = {m['iso_a']:.2f} [{m['iso_a_lo']:.2f}, "
                f"{m['iso_a_hi']:.2f}]")
    ax.plot(cc, sl.compute_optimal(theta, cc)[0], color="tab:orange", ls="--",
            label=f"approach 3: a = {m['sweep_param_a']:.2f} [{m['sweep_param_a_lo']:.2f}, "
            f"{m['sweep_param_a_hi']:.2f}]")
    ax.set(xscale="log", yscale="log", xlabel="C = 6ND", ylabel="N_opt", title="our sweep")
    ax.legend(fontsize=7)
    ax = axes[2]
    cc = np.logspace(18, 25, 50)
    boot = res.tables["chinchilla_bootstrap"]
    thetas = np.stack([np.log(boot["A"]), np.log(boot["B"]), np.log(boot["E"]), boot["alpha"],
                       boot["beta"]], axis=1)
    band = np.percentile(sl.compute_optimal(thetas[:, None, :], cc[None, :])[0], [2.5, 97.5],
                         axis=0)
    ax.fill_between(cc, band[0], band[1], color="tab:blue", alpha=0.2, label="refit, 95 % band")
    ax.plot(cc, sl.compute_optimal(res.arrays["chin_theta"], cc)[0], color="tab:blue",
            label=f"refit: a = {m['chin_a']:.3f}")
    ax.plot(cc, sl.compute_optimal(_theta(HOFFMANN), cc)[0], color="tab:red", ls="--",
            label="published: a = "
            f"{HOFFMANN['beta'] / (HOFFMANN['alpha'] + HOFFMANN['beta']):.3f}")
    ax.plot([5.76e23], [70e9], "k*", ms=9, label="Chinchilla (70B, 5.76e23 FLOP)")
    ax.set(xscale="log", yscale="log", xlabel="C (FLOP)", ylabel="N_opt",
           title="Chinchilla data (approach 3)")
    ax.legend(fontsize=7)
    for a in axes:
        a.title.set_fontsize(9)
    fig.tight_layout()
    return Figure(
        "compute_optimal",
        "Compute-optimal frontier. Left: loss along IsoFLOP lines of our sweep (interpolated "
        "in log D along each width's runs), stars at the parabola minima. Middle: N_opt(C) of "
        "our sweep from the IsoFLOP minima and from the parametric fit, with 95 % intervals "
        "of a. Right: the frontier implied by the refit of the published points (bootstrap "
        "band) and by the published parameters.",
        fig,
    )


def figures(res: Results, cfg: Config) -> list[Figure]:
    """The report's figures, drawn from stored results only."""
    return [_chinchilla_figure(res), _bootstrap_figure(res), _sweep_figure(res),
            _frontier_figure(res)]
