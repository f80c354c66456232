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
   size: all (replicate, dataset size, seed) members as one vmapped ensemble) and fits a power
   law in N, the parametric law (approach 3) and IsoFLOP profiles (approach 2) to it.

Expected (quick profile, five replicates, 2-core CPU: 77 s of CPU time, 1–3 min on a shared
machine): the refit (deterministic, the same in every replicate) lands on α = 0.3473,
β = 0.3672, E = 1.8172, Huber objective 1.0183e-3 (the replication: 0.3478, 0.3658, 1.8172),
a = 0.514 with 95 % interval ≈ [0.48, 0.56]; β's interval (lower end 0.331–0.337) excludes the
published 0.28 and the χ² test puts the published parameters at d² ≈ 290–310, log10 p ≈ −59 to
−64. On the sweep (a new teacher per replicate) the loss at the largest D follows E + A N^−α
with R² 0.99–0.999 in log space (α 0.9–2.1, lower ends 0.56–1.6); approaches 2 and 3 put a at
0.33–0.63 and 0.45–0.60 and agree within 0.1 in four replicates of five.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from nntheory import data, nets, train
from nntheory.analysis import scaling as sl
from nntheory.claims import Claim
from nntheory.config import StudyConfig, at_least, field, increasing, nonnegative, positive, valid
from nntheory.report import Figure, plots
from nntheory.study import Rows, Sweep

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

# Published numbers (each written once, with its source)

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


#: θ = (log A, log B, log E, α, β) of the published law, the form the fits work in.
PUBLISHED = sl.params_to_theta(HOFFMANN)
#: θ's components as the columns of a table (the refit's best starts).
THETA = ("log_A", "log_B", "log_E", "alpha", "beta")


@dataclass(frozen=True)
class Config(StudyConfig):
    """The Chinchilla refit and bootstrap, the synthetic self-check, and our own sweep."""

    # --- published points
    drop_highest: int = field(5, nonnegative)
    huber_delta: float = field(1e-3, positive)
    grid_stride: int = field(1, positive)  # every k-th of Hoffmann's 4,500 starts (1 = all)
    fit_iters_f32: int = field(200, positive)
    fit_iters_f64: int = field(15, nonnegative)
    bootstrap_resamples: int = field(576, at_least(2))  # × 8 starts: one 4,608-row chunk
    bootstrap_starts: int = field(8, positive)
    bootstrap_iters_f32: int = field(200, positive)
    bootstrap_iters_f64: int = field(10, nonnegative)
    level: float = field(0.95, valid(lambda v: sl.percentile_interval([0.0], v)))
    # --- synthetic self-check: points at the published (N, D), log-normal noise on the loss
    synthetic_noise: float = field(0.005, positive)
    # --- our sweep: teacher–student regression
    input_dim: int = field(4, positive)
    teacher_width: int = field(256, positive)
    label_noise: float = field(0.02, positive)
    widths: tuple[int, ...] = field((4, 8, 16, 32, 64), increasing | positive)
    dataset_sizes: tuple[int, ...] = field((64, 128, 256, 512, 1024), increasing | positive)
    seeds: int = field(3, positive)
    steps: int = field(1000, positive)
    learning_rate: float = field(2e-2, positive)
    evals: int = field(20, positive)
    n_test: int = field(2048, positive)
    sweep_resamples: int = field(128, at_least(2))  # × 4 starts = 512 rows: one small chunk
    sweep_starts: int = field(4, positive)
    isoflop_budgets: int = field(9, positive)
    isoflop_min_points: int = field(4, at_least(3))  # 3 points make a parabola

    def validate(self):
        if self.steps % self.evals:
            raise ValueError(f"evals ({self.evals}) must divide steps ({self.steps})")
        for name in ("widths", "dataset_sizes"):
            if len(getattr(self, name)) < 3:
                raise ValueError(f"{name} needs at least 3 values, got {getattr(self, name)}")
        if any(self.max_d % d for d in self.dataset_sizes):
            raise ValueError(f"every dataset size must divide the largest ({self.max_d}): the "
                             "members' datasets are tiled to one shape")
        if self.isoflop_min_points > len(self.widths):
            raise ValueError(f"isoflop_min_points ({self.isoflop_min_points}) exceeds the "
                             f"number of widths ({len(self.widths)})")

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
    # the test suite's end-to-end run: seconds (100 of Hoffmann's starts, a 3 × 5 sweep; five
    # data sizes so that both test replicates have IsoFLOP minima for approach 2)
    "test": Config(replicates=2, grid_stride=45, bootstrap_resamples=8, bootstrap_starts=2,
                   bootstrap_iters_f32=40, bootstrap_iters_f64=3, widths=(2, 4, 8),
                   dataset_sizes=(16, 32, 64, 128, 256), seeds=2, steps=100, evals=4,
                   n_test=128, teacher_width=16, sweep_resamples=8, sweep_starts=2,
                   isoflop_budgets=4, isoflop_min_points=3),
    # about two minutes on a 2-core CPU (five replicates)
    "quick": Config(replicates=5),
    # For a GPU: 4,000 bootstrap refits (as the replication), a wider and longer sweep.
    "full": Config(replicates=10, fit_iters_f32=300, fit_iters_f64=20, bootstrap_resamples=4000,
                   widths=(4, 8, 16, 32, 64, 128, 256),
                   dataset_sizes=(64, 128, 256, 512, 1024, 2048, 4096, 8192), seeds=8,
                   steps=5000, learning_rate=1e-2, evals=50, n_test=16384,
                   sweep_resamples=4000, sweep_starts=8, isoflop_budgets=15),
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
        kind="check",
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
        kind="check",
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
# Sweeps: the published points, then our teacher–student sweep and the laws fitted on it
# ---------------------------------------------------------------------------------------------


def chinchilla_points(cfg: Config) -> pd.DataFrame:
    """The published points (N, C, D, loss) with the ``drop_highest`` highest losses removed."""
    df = data.chinchilla_points()
    return df.drop(df["loss"].nlargest(cfg.drop_highest).index).reset_index(drop=True)


def _refit(cfg: Config, n, d, loss) -> sl.ChinchillaFit:
    """Hoffmann et al.'s protocol: Huber loss (δ) of log residuals, L-BFGS from their grid."""
    return sl.fit_chinchilla(n, d, loss, delta=cfg.huber_delta,
                             init_grid=sl.start_grid()[::cfg.grid_stride],
                             iters_f32=cfg.fit_iters_f32, iters_f64=cfg.fit_iters_f64)


def refit_point(cfg: Config, key) -> Rows:
    """The refit of the published points (deterministic: one fit serves every replicate), the
    refit's and the published law's predictions and objectives on the same points, and the
    ``bootstrap_starts`` grid starts that reached the lowest objectives: every bootstrap
    resample restarts from them (nntheory.analysis.scaling says why not from the optimum)."""
    df = chinchilla_points(cfg)
    n, d, loss = df[["N", "D", "loss"]].to_numpy().T
    fit = _refit(cfg, n, d, loss)
    published = sl.chinchilla_objective(PUBLISHED, n, d, loss, delta=cfg.huber_delta)[0]
    row = dict(fit.as_dict(), starts_within_1e9=fit.n_within(1e-9), objective_published=published)
    starts = pd.DataFrame(fit.best_starts(cfg.bootstrap_starts), columns=THETA).assign(
        objective=np.sort(fit.objectives)[:cfg.bootstrap_starts])
    return Rows(dict(chinchilla=df.assign(pred_refit=sl.chinchilla_loss(fit.theta, n, d),
                                          pred_published=sl.chinchilla_loss(PUBLISHED, n, d)),
                     chinchilla_fit=pd.DataFrame([row]), chinchilla_starts=starts),
                dict(chin_theta=fit.theta, chin_objectives=fit.objectives))


def bootstrap_point(cfg: Config, key, tables) -> pd.DataFrame:
    """``bootstrap_resamples`` resamples of the published points, each refitted from the
    refit's best starts (Besiroglu et al. 2024, §3)."""
    n, d, loss = chinchilla_points(cfg)[["N", "D", "loss"]].to_numpy().T
    b = sl.bootstrap_chinchilla(
        n, d, loss, key, n_resamples=cfg.bootstrap_resamples,
        starts=tables["chinchilla_starts"][list(THETA)].to_numpy(), delta=cfg.huber_delta,
        iters_f32=cfg.bootstrap_iters_f32, iters_f64=cfg.bootstrap_iters_f64)
    return pd.DataFrame(dict(**b.params, objective=b.objectives))


def synthetic_point(cfg: Config, key) -> dict:
    """Points drawn from a known law (the replication's) at the published (N, D) with
    log-normal noise, refitted by the same protocol: a self-check of the fitter."""
    n, d = chinchilla_points(cfg)[["N", "D"]].to_numpy().T
    noise = np.asarray(jax.random.normal(key, n.shape, jnp.float32), np.float64)
    loss = sl.chinchilla_loss(sl.params_to_theta(REPLICATION), n, d) * np.exp(
        cfg.synthetic_noise * noise)
    return _refit(cfg, n, d, loss).as_dict()


@functools.partial(jax.jit, static_argnums=0)
def sweep_data(cfg: Config, keys) -> dict:
    """Per replicate a fixed random wide tanh teacher f* on Gaussian inputs, y = f*(x) + σε.
    Members (replicate, dataset size D, seed s): seed s's first D samples of one pool, tiled to
    the largest size so every member's arrays share a shape (full-batch MSE over a tiled set
    equals that over its D distinct samples); one noisy test set per replicate. One jitted
    program (eagerly, its many small ops cost seconds of dispatch on a CPU)."""
    teacher = nets.mlp(cfg.teacher_width, 1, 1, "tanh", parameterization="ntk")

    def one(key):
        k_teacher, k_pool, k_test = jax.random.split(key, 3)
        tp = teacher.init_params(k_teacher, (cfg.input_dim,))

        def sample(k, n):
            kx, ke = jax.random.split(k)
            x = jax.random.normal(kx, (n, cfg.input_dim))
            return x, teacher.apply(tp, x) + cfg.label_noise * jax.random.normal(ke, (n, 1))

        pools = [sample(jax.random.fold_in(k_pool, s), cfg.max_d) for s in range(cfg.seeds)]
        tiled = [[jnp.tile(p[i][:dsize], (cfg.max_d // dsize, 1)) for dsize in cfg.dataset_sizes
                  for p in pools] for i in (0, 1)]
        xt, yt = sample(k_test, cfg.n_test)
        K = len(tiled[0])
        return dict(x_train=jnp.stack(tiled[0]), y_train=jnp.stack(tiled[1]),
                    x_test=jnp.broadcast_to(xt, (K,) + xt.shape),
                    y_test=jnp.broadcast_to(yt, (K,) + yt.shape))

    return {k: v.reshape((-1,) + v.shape[2:]) for k, v in jax.vmap(one)(keys).items()}


def training_point(cfg: Config, keys, data, *, width: int) -> pd.DataFrame:
    """One width: all (replicate, dataset size, seed) members as one vmapped ensemble,
    full-batch Adam with a cosine schedule, the test loss at every evaluation (early stopping =
    its minimum)."""
    members = [(r, dsize, s) for r in range(len(keys)) for dsize in cfg.dataset_sizes
               for s in range(cfg.seeds)]
    net = nets.mlp(width, 1, 1, "tanh", parameterization="standard", w_std=1.0)
    # the same initialisation for seed s at every dataset size (common random numbers)
    ikeys = jnp.stack([jax.random.fold_in(keys[r], s) for r, _, s in members])
    params = jax.jit(lambda k: train.init_ensemble(net, k, (cfg.input_dim,)))(ikeys)
    params, hist = train.fit_ensemble(
        net, params, data, member_data=True, optimizer="adam", learning_rate=cfg.learning_rate,
        schedule="cosine", steps=cfg.steps, log_every=cfg.log_every)
    curve = np.asarray(hist.metrics["test_loss"], np.float64)
    finite = np.where(np.isfinite(curve), curve, np.inf)
    best = finite.min(1)
    return pd.DataFrame(dict(
        zip(("replicate", "D", "seed"), np.array(members).T, strict=True), width=width,
        N=nets.param_count(jax.tree_util.tree_map(lambda x: x[0], params)),
        test_loss=np.where(np.isfinite(best), best, np.nan), test_loss_final=curve[:, -1],
        best_eval=np.where(np.isfinite(best), finite.argmin(1), -1),
        train_loss_final=hist.final("train_loss"), diverged=hist.diverged))


def _loss_cube(sweep: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(N (nN,), D (nD,), early-stopped test loss (seeds, nN, nD)) from one replicate's rows."""
    n = np.sort(sweep["N"].unique()).astype(np.float64)
    dd = np.sort(sweep["D"].unique()).astype(np.float64)
    cube = sweep.pivot_table(index=["seed", "N"], columns="D", values="test_loss")
    return n, dd, cube.to_numpy().reshape(-1, n.size, dd.size)


def laws_point(cfg: Config, key, tables) -> Rows:
    """One replicate's power law in N at the largest D, parametric law (approach 3) and IsoFLOP
    minima (approach 2) on the seed-mean early-stopped test loss of its trained sweep;
    intervals by resampling seeds (power law, IsoFLOP) or grid cells (parametric law)."""
    n, dd, cube = _loss_cube(tables["sweep"])
    g = sl.fit_grid_laws(n, dd, cube, key, n_resamples=cfg.sweep_resamples,
                         n_starts=cfg.sweep_starts, min_points=cfg.isoflop_min_points,
                         n_budgets=cfg.isoflop_budgets, delta=cfg.huber_delta,
                         iters_f32=cfg.fit_iters_f32, iters_f64=cfg.fit_iters_f64,
                         boot_iters_f32=cfg.bootstrap_iters_f32,
                         boot_iters_f64=cfg.bootstrap_iters_f64)
    pl, iso = g.power_law, g.isoflop
    laws = dict(sweep_E=pl.E, sweep_A=pl.A, sweep_alpha_n=pl.alpha, sweep_r2_log=pl.r2_log,
                iso_a=iso.a, iso_b=iso.b, sweep_n_budgets=iso.budgets.size,
                **{f"sweep_param_{k}": v for k, v in g.parametric.as_dict().items()})
    return Rows(dict(
        sweep_laws=pd.DataFrame([{k: float(v) for k, v in laws.items()}]),
        seed_bootstrap=pd.DataFrame(dict(sweep_alpha_n=g.seed_alpha, iso_a=g.seed_isoflop.a,
                                         iso_b=g.seed_isoflop.b)),
        cell_bootstrap=pd.DataFrame(g.cell_bootstrap.params),
        isoflop=pd.DataFrame(dict(C=iso.budgets, N_opt=iso.n_opt, D_opt=iso.d_opt))),
        dict(sweep_param_theta=g.parametric.theta, iso_profiles=iso.profiles))


SWEEPS = {
    "chinchilla": Sweep(refit_point, random=False),
    "chinchilla_bootstrap": Sweep(bootstrap_point, needs=("chinchilla_starts",)),
    "synthetic": Sweep(synthetic_point),
    "sweep": Sweep(training_point, grid=lambda c: dict(width=c.widths), setup=sweep_data,
                   batched=True),
    "sweep_laws": Sweep(laws_point, needs=("sweep",)),
}


# ---------------------------------------------------------------------------------------------
# Metrics
# ---------------------------------------------------------------------------------------------


def metrics(tables, arrays, cfg: Config) -> dict[str, float]:
    """The claims' metrics of one replicate: the refit and its bootstrap, the synthetic refit,
    and the laws of our sweep with their bootstraps."""
    fit, pts = tables["chinchilla_fit"].iloc[0], tables["chinchilla"]
    boot, syn = tables["chinchilla_bootstrap"], tables["synthetic"].iloc[0]
    z = {k: abs(fit[k] - REPLICATION[k]) / REPLICATION_SE[k] for k in REPLICATION}
    d2, log10_p, dof = sl.chi2_test(PUBLISHED, sl.params_to_theta(boot),
                                    center=arrays["chin_theta"])
    resid = np.log(pts["loss"]) - np.log(pts["pred_refit"])
    m = {f"chin_{k}": v for k, v in fit.items()}
    m.update(sl.interval_summary({f"chin_{k}": boot[k] for k in sl.PARAMS}, cfg.level))
    m.update(
        chin_n_points=len(pts), chin_replication_max_z=max(z.values()),
        chin_chi2_d2=d2, chin_chi2_log10_p=log10_p, chin_chi2_dof=dof,
        chin_resid_mad=1.4826 * np.median(np.abs(resid - np.median(resid))),
        chin_boot_objective_median=boot["objective"].median(),
        synthetic_max_error=max(abs(syn["alpha"] - REPLICATION["alpha"]),
                                abs(syn["beta"] - REPLICATION["beta"]),
                                abs(syn["E"] / REPLICATION["E"] - 1)),
        **{f"synthetic_{k}": v for k, v in syn.items()},
        **{f"chin_replication_z_{k}": v for k, v in z.items()},
    )
    # our sweep
    laws, seed_b = tables["sweep_laws"].iloc[0], tables["seed_bootstrap"]
    m.update(
        laws.to_dict(),
        sweep_n_budgets_with_minimum=np.isfinite(tables["isoflop"]["N_opt"]).sum(),
        iso_abs_a_plus_b_minus_1=abs(laws["iso_a"] + laws["iso_b"] - 1),
        iso_boot_valid=np.isfinite(seed_b["iso_a"]).mean(),
        sweep_a_gap=abs(laws["iso_a"] - laws["sweep_param_a"]),
        noise_floor=cfg.noise_floor, diverged_members=tables["sweep"]["diverged"].sum(),
    )
    cell_b = tables["cell_bootstrap"]
    m.update(sl.interval_summary({f"sweep_param_{k}": cell_b[k] for k in sl.PARAMS}, cfg.level))
    m.update(sl.interval_summary({k: seed_b[k] for k in ("sweep_alpha_n", "iso_a", "iso_b")},
                                 cfg.level, finite=True))
    return m


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------


def _first(res, name: str) -> pd.DataFrame:
    """The first replicate's table ``name``."""
    return res.per_seed[res.seeds[0]].tables[name]


def _chinchilla_figure(res) -> Figure:
    df, theta = _first(res, "chinchilla"), res.arrays["chin_theta"]
    m = res.metrics.iloc[0]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    ax = axes[0]
    logc = np.log10(df["C"])
    sc = ax.scatter(df["N"], df["loss"], c=logc, cmap="viridis", s=14, edgecolors="none")
    fig.colorbar(sc, ax=ax, label="log10 training FLOP C")
    cmap = plt.get_cmap("viridis")
    nn = np.logspace(np.log10(df["N"].min()), np.log10(df["N"].max()), 200)
    for c in 10.0 ** np.array([18.5, 19.5, 20.5, 21.5]):
        col = cmap((np.log10(c) - logc.min()) / (logc.max() - logc.min()))
        ax.plot(nn, sl.chinchilla_loss(theta, nn, c / (6 * nn)), color=col, lw=1.6)
        ax.plot(nn, sl.chinchilla_loss(PUBLISHED, nn, c / (6 * nn)), color=col, lw=1.2, ls="--")
    ax.set(xscale="log", xlabel="parameters N", ylabel="final loss", ylim=(1.9, 4.0))
    ax.set_title("points and IsoFLOP slices: refit (solid), published (dashed)", fontsize=9)
    ax = axes[1]
    for pred, label, color, alpha in (("pred_published", "published law", "tab:red", 0.6),
                                      ("pred_refit", "refit", "tab:blue", 0.8)):
        ax.scatter(df["N"], np.log(df["loss"]) - np.log(df[pred]), s=10, label=label,
                   color=color, alpha=alpha)
    ax.axhline(0, color="k", lw=0.8)
    ax.set(xscale="log", xlabel="parameters N", ylabel="log L − log L̂")
    ax.set_title("residuals on log loss", fontsize=9)
    plots.legend(ax, "best", fontsize=8)
    fig.tight_layout()
    return Figure(
        "chinchilla_refit",
        f"The {int(m['chin_n_points'])} published points (Hoffmann et al. Fig. 4, as extracted "
        f"by Besiroglu et al.) with the refit (E = {m['chin_E']:.3f}, α = {m['chin_alpha']:.4f}, "
        f"β = {m['chin_beta']:.4f}; Huber objective {m['chin_objective']:.4e}) and the "
        f"published law (objective {m['chin_objective_published']:.4e} on the same points). "
        "Right: log residuals; the published law is biased high at most sizes.",
        fig,
    )


def _bootstrap_figure(res, cfg: Config) -> Figure:
    b, m = res.tables["chinchilla_bootstrap"], res.metrics.median(numeric_only=True)
    h, r = HOFFMANN, REPLICATION
    marks = dict(alpha=(h["alpha"], r["alpha"]), beta=(h["beta"], r["beta"]),
                 a=(h["beta"] / (h["alpha"] + h["beta"]), r["beta"] / (r["alpha"] + r["beta"])))
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.6))
    for ax, (k, label) in zip(axes, (("alpha", "α"), ("beta", "β"), ("a", "a = β/(α+β)")),
                              strict=True):
        sns.histplot(b[k], bins=40, ax=ax, color="tab:blue", stat="density")
        ax.axvline(m[f"chin_{k}"], color="tab:blue", lw=2, label="refit")
        ax.axvspan(m[f"chin_{k}_lo"], m[f"chin_{k}_hi"], color="tab:blue", alpha=0.12,
                   label="95 % interval")
        ax.axvline(marks[k][0], color="tab:red", ls="--", lw=2, label="Hoffmann (published)")
        ax.axvline(marks[k][1], color="tab:green", ls=":", lw=2, label="Besiroglu et al.")
        if k == "a":
            ax.axvline(0.5, color="0.3", lw=1, label="equal scaling")
        ax.set_xlabel(label)
    plots.legend(axes[0], "best", fontsize=7)
    fig.tight_layout()
    return Figure(
        "bootstrap",
        f"Bootstrap distributions of α, β and a ({len(b)} resamples of the published points "
        f"over {len(res.seeds)} replicates, each refitted from the {cfg.bootstrap_starts} best "
        "grid starts; interval: median over replicates). Published values (red) and "
        f"the replication's (green) marked; χ² test of the published parameters (median): "
        f"d² = {m['chin_chi2_d2']:.0f}, log10 p = {m['chin_chi2_log10_p']:.1f}.",
        fig,
    )


def _sweep_figure(res) -> Figure:
    n, dd, cube = _loss_cube(_first(res, "sweep"))
    mean, theta = np.nanmean(cube, axis=0), res.arrays["sweep_param_theta"]
    m = res.metrics.iloc[0]
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 4.2))
    nn = np.logspace(np.log10(n.min()), np.log10(n.max()), 100)
    for dsize, col, row in zip(dd, sns.color_palette("crest", len(dd)), mean.T, strict=True):
        axes[0].plot(n, row, "o", color=col, ms=4, label=f"D = {int(dsize)}")
        axes[0].plot(nn, sl.chinchilla_loss(theta, nn, dsize), color=col, lw=1)
    axes[0].plot(nn, m["sweep_E"] + m["sweep_A"] * nn ** (-m["sweep_alpha_n"]), color="k",
                 ls="--", lw=1.2, label=f"E + A/N^α, α = {m['sweep_alpha_n']:.2f}")
    dgrid = np.logspace(np.log10(dd.min()), np.log10(dd.max()), 100)
    for nv, col, row in zip(n, sns.color_palette("flare", len(n)), mean, strict=True):
        axes[1].plot(dd, row, "o", color=col, ms=4, label=f"N = {int(nv)}")
        axes[1].plot(dgrid, sl.chinchilla_loss(theta, nv, dgrid), color=col, lw=1)
    for ax, ticks, xlabel in ((axes[0], n, "parameters N"), (axes[1], dd, "training samples D")):
        ax.axhline(m["noise_floor"], color="0.5", ls=":", lw=1, label="noise floor σ²/2")
        ax.set(yscale="log", xlabel=xlabel, ylabel="test loss (early stopped)")
        plots.log_axis(ax, ticks)
        plots.legend(ax, "best", fontsize=7, ncol=2)
    fig.tight_layout()
    return Figure(
        "sweep_loss",
        f"Our sweep (teacher–student regression, replicate {res.seeds[0]}): early-stopped "
        "test loss, mean of seeds, against N at each D (left) and against D at each N (right). "
        f"Solid: the parametric law fitted to all cells (α = {m['sweep_param_alpha']:.2f}, "
        f"β = {m['sweep_param_beta']:.2f}, E = {m['sweep_param_E']:.4f}); dashed: the power "
        f"law in N at the largest D (R² in log space {m['sweep_r2_log']:.4f}, α 95 % interval "
        f"[{m['sweep_alpha_n_lo']:.2f}, {m['sweep_alpha_n_hi']:.2f}]).",
        fig,
    )


def _frontier_figure(res) -> Figure:
    n = np.sort(_first(res, "sweep")["N"].unique()).astype(np.float64)
    iso, prof = _first(res, "isoflop"), res.arrays["iso_profiles"]
    m = res.metrics.iloc[0]
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.9))
    for row, col, nopt in zip(prof, sns.color_palette("viridis", len(iso)), iso["N_opt"],
                              strict=True):
        ok = np.isfinite(row)
        axes[0].plot(n[ok], row[ok], "o-", color=col, ms=3, lw=1)
        if np.isfinite(nopt):
            axes[0].plot([nopt], [np.interp(np.log(nopt), np.log(n[ok]), row[ok])], "k*", ms=7)
    axes[0].set(yscale="log", xlabel="parameters N", ylabel="test loss on the IsoFLOP line")
    axes[0].set_title("IsoFLOP profiles (approach 2)", fontsize=9)
    plots.log_axis(axes[0], n)
    ax = axes[1]
    ok = np.isfinite(iso["N_opt"])
    ax.plot(iso["C"][ok], iso["N_opt"][ok], "o", color="tab:purple", label="IsoFLOP minima")
    cc = np.logspace(np.log10(iso["C"].min()), np.log10(iso["C"].max()), 50)
    if ok.sum() >= 2:
        k, c0 = sl.loglog_slope(iso["C"][ok], iso["N_opt"][ok])
        ax.plot(cc, np.exp(c0) * cc**k, color="tab:purple", lw=1, label=f"approach 2: a = "
                f"{m['iso_a']:.2f} [{m['iso_a_lo']:.2f}, {m['iso_a_hi']:.2f}]")
    ax.plot(cc, sl.compute_optimal(res.arrays["sweep_param_theta"], cc)[0], color="tab:orange",
            ls="--", label=f"approach 3: a = {m['sweep_param_a']:.2f} "
            f"[{m['sweep_param_a_lo']:.2f}, {m['sweep_param_a_hi']:.2f}]")
    ax.set(xscale="log", yscale="log", xlabel="C = 6ND", ylabel="N_opt")
    ax.set_title(f"our sweep (replicate {res.seeds[0]})", fontsize=9)
    plots.legend(ax, "best", fontsize=7)
    ax = axes[2]
    cc = np.logspace(18, 25, 50)
    thetas = sl.params_to_theta(res.tables["chinchilla_bootstrap"])
    band = np.percentile(sl.compute_optimal(thetas[:, None, :], cc[None, :])[0], [2.5, 97.5],
                         axis=0)
    ax.fill_between(cc, band[0], band[1], color="tab:blue", alpha=0.2, label="refit, 95 % band")
    ax.plot(cc, sl.compute_optimal(res.arrays["chin_theta"], cc)[0], color="tab:blue",
            label=f"refit: a = {m['chin_a']:.3f}")
    ax.plot(cc, sl.compute_optimal(PUBLISHED, cc)[0], color="tab:red", ls="--",
            label=f"published: a = {HOFFMANN['beta'] / (HOFFMANN['alpha'] + HOFFMANN['beta']):.3f}")
    ax.plot([5.76e23], [70e9], "k*", ms=9, label="Chinchilla (70B, 5.76e23 FLOP)")
    ax.set(xscale="log", yscale="log", xlabel="C (FLOP)", ylabel="N_opt")
    ax.set_title("Chinchilla data (approach 3)", fontsize=9)
    plots.legend(ax, "best", fontsize=7)
    fig.tight_layout()
    return Figure(
        "compute_optimal",
        "Compute-optimal frontier. Left: loss along IsoFLOP lines of our sweep (interpolated "
        "in log D along each width's runs), stars at the parabola minima. Middle: N_opt(C) of "
        "our sweep from the IsoFLOP minima and from the parametric fit, with 95 % intervals "
        "of a. Right: the frontier implied by the refit of the published points (bootstrap "
        "band, every replicate's resamples) and by the published parameters.",
        fig,
    )


def figures(res, cfg: Config) -> list[Figure]:
    """The report's figures, drawn from stored results only."""
    return [_chinchilla_figure(res), _bootstrap_figure(res, cfg), _sweep_figure(res),
            _frontier_figure(res)]
