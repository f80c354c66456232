"""Double descent: test error peaks where the model can just interpolate, then falls again.

Classical wisdom says test error rises once a model is big enough to overfit. Belkin, Hsu, Ma &
Mandal (2019) and Nakkiran et al. (2019) showed that it then *falls again*: the error peaks at
the interpolation threshold (parameters ≈ training points) and decreases beyond it. For least
squares with isotropic Gaussian features the whole curve is known in closed form (Hastie,
Montanari, Rosset & Tibshirani 2022, Theorem 1); optimally tuned ridge removes the peak
(Nakkiran, Venkat, Kakade & Ma 2020).

What this study measures:

1. linear regression, x ~ N(0, I_p), y = xᵀβ + ε: the risk ‖β̂ − β‖² of min-norm least squares
   for γ = p/n from 0.1 to 10 at several SNRs, against the exact finite-n expectation and the
   asymptotic formula, and the risk of optimally tuned ridge (λ* = γ/SNR) against its formula;
2. random ReLU features on sklearn's 8×8 digits (one-hot least squares), n fixed, p swept
   through n, with and without label noise, min-norm and oracle-tuned ridge;
3. sample-wise: at fixed p, the same estimators for n swept through p (linear and digits);
4. deep double descent: MLPs of growing width trained with Adam on digits with label noise,
   test error against width and against training step.

All least-squares fits run in float64 (NumPy LAPACK, batched over seeds × sizes × penalties):
in float32 the p = n peak nearly vanishes.

Expected (quick profile, measured on the shared 2-core CPU: ~60 s of CPU time, 960 linear and
800 random-features fits): the min-norm risk sits on both formulas (largest |z| ≈ 1.4 over 16
seeds, |γ−1| >= 0.2) and its median peaks at γ = 1 (~6·10³× the γ = 0.1 risk); optimal ridge
matches its closed form (|z| ≈ 1.3) and has no peak; the random-features test MSE peaks at
p = n (0-1 error 0.80 clean / 0.88 noisy there, 0.02 / 0.19 at p = 10n), with a peak twice as
prominent under 20 % label noise; oracle ridge is monotone in p; the sample-wise curves rise
by 10²–10³× just below n = p; the MLP test error rises from 0.26 (h = 8) to 0.33 at h = 12,
where training error reaches ~1 %, and falls to 0.24 at h = 32.
"""

from __future__ import annotations

import dataclasses
import functools
import time

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import NullFormatter

from nntheory import data, nets, train
from nntheory.analysis import double_descent as dd
from nntheory.report import Figure
from nntheory.store import arrays_frame, frame_arrays
from nntheory.study import Claim, Results

TITLE = "Double descent: closed-form risk curves, random features and deep double descent"

SUMMARY = """
When the number of parameters p of a least-squares model approaches the number of training
points n, the fitted model must pass through every point, and its test error blows up; past
that interpolation threshold the minimum-norm interpolant gets smoother as p grows and the test
error falls again — the "double descent" curve (Belkin, Hsu, Ma & Mandal 2019). For isotropic
Gaussian features the risk of min-norm least squares is known in closed form on both sides of
γ = p/n = 1 (Hastie, Montanari, Rosset & Tibshirani 2022), and optimally tuned ridge
regression has no peak at all (Nakkiran, Venkat, Kakade & Ma 2020).

This study fits, in float64 and as one batched solve per sweep, min-norm and ridge least squares
on Gaussian designs over γ from 0.1 to 10 and compares the measured risk with the exact
finite-sample expectation and the asymptotic formula (derived with sympy in
nntheory.symbolic). It then fits random ReLU features to sklearn's handwritten digits, with and
without label noise, sweeping the number of features p through n (model-wise) and the number
of samples n through p (sample-wise), and finally trains MLPs of growing width on noisy digit
labels (deep double descent, Nakkiran et al. 2019).
"""

EQUATIONS = (
    (r"$R(\gamma)=\frac{\sigma^2\gamma}{1-\gamma}\ (\gamma<1),\qquad "
     r"R(\gamma)=r^2\left(1-\frac{1}{\gamma}\right)+\frac{\sigma^2}{\gamma-1}\ (\gamma>1)$",
     "Min-norm least squares, isotropic features, γ = p/n, r² = ‖β‖², risk ‖β̂ − β‖² without "
     "the test noise (Hastie et al. 2022, Theorem 1)."),
    (r"$\mathbb{E}R=\frac{\sigma^2 p}{n-p-1}\ (p\leq n-2),\qquad "
     r"\mathbb{E}R=r^2\left(1-\frac{n}{p}\right)+\frac{\sigma^2 n}{p-n-1}\ (p\geq n+2)$",
     "The exact finite-sample expectation for Gaussian X (inverse-Wishart means); its limit "
     "p/n → γ is the line above."),
    (r"$R(\lambda)=r^2\lambda^2 m'(-\lambda)+\sigma^2\gamma\,[m(-\lambda)-\lambda m'(-\lambda)],"
     r"\qquad \lambda^*=\frac{\sigma^2\gamma}{r^2},\quad R(\lambda^*)=\sigma^2\gamma\,"
     r"m(-\lambda^*)$",
     "Ridge, m the Marchenko–Pastur Stieltjes transform (Dobriban & Wager 2018, Theorem 2.1): "
     "the optimum λ* = γ/SNR gives a risk with no peak."),
    (r"$\phi_j(x)=\max(0,\,w_j^\top x),\quad w_j\sim\mathcal{N}(0,I_d/d),\qquad "
     r"\hat f(x)=\phi(x)^\top\Phi^{+}Y$",
     "Random ReLU features (Mei & Montanari 2019) fitted by min-norm least squares to one-hot "
     "labels; the interpolation threshold is p = n."),
)

REFERENCES = (
    "Belkin, Hsu, Ma & Mandal (2019). Reconciling modern machine learning … PNAS 116(32).",
    "Nakkiran, Kaplun, Bansal, Yang, Barak & Sutskever (2019). Deep double descent. ICLR 2020.",
    "Hastie, Montanari, Rosset & Tibshirani (2022). Surprises in … Ann. Statist. 50(2).",
    "Mei & Montanari (2019). Random features regression. arXiv:1908.05355.",
    "Dobriban & Wager (2018). Ridge regression asymptotics. Ann. Statist. 46(1).",
    "Nakkiran, Venkat, Kakade & Ma (2020). Optimal regularization … ICLR 2021.",
    "Nakkiran (2019). More data can hurt for linear regression. arXiv:1912.07242.",
    "Simon, Karkada, Ghosh & Belkin (2024). More is better. arXiv:2311.14646.",
)


@dataclasses.dataclass(frozen=True)
class Config:
    """Four sweeps; every number a claim reads comes from them."""

    # 1. linear model-wise sweep (Hastie et al.): n fixed, p = round(γ n); β = r e₁ (the risk
    #    depends on β only through r² = SNR·σ², σ² = 1), so y does not depend on p.
    linear_n: int = 400
    linear_gammas: tuple[float, ...] = (0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 0.8, 1.0, 1.25, 1.5,
                                        2.0, 3.0, 5.0, 7.0, 10.0)
    linear_snrs: tuple[float, ...] = (1.0, 4.0, 16.0)
    linear_seeds: int = 16
    # 3a. linear sample-wise sweep: p fixed, n swept through it.
    samplewise_p: int = 100
    samplewise_ns: tuple[int, ...] = (10, 20, 40, 60, 80, 90, 95, 100, 105, 110, 125, 150, 200,
                                      300, 500, 1000)
    samplewise_snr: float = 4.0
    # 2. random ReLU features on sklearn digits: n_train fixed, p swept through it.
    rf_n_train: int = 300
    rf_n_test: int = 497  # digits has 1797 images: 1300 for training pools, 497 held out
    rf_ps: tuple[int, ...] = (10, 30, 60, 100, 150, 200, 240, 270, 285, 300, 315, 330, 360, 400,
                              500, 700, 1000, 1500, 2000, 3000)
    rf_activation: str = "relu"
    rf_seeds: int = 4
    label_noise: float = 0.2
    # λ grid of the oracle-tuned ridge (λ = 0, min-norm, is always included)
    rf_lams: tuple[float, ...] = (1e-5, 1e-4, 1e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0, 3.0)
    # 3b. random-features sample-wise sweep: p fixed, n swept through it.
    rf_samplewise_p: int = 200
    rf_samplewise_ns: tuple[int, ...] = (20, 50, 100, 140, 170, 185, 200, 215, 230, 260, 300,
                                         400, 600, 900, 1300)
    # 4. deep double descent: MLPs 64 → h → h → 10 (the two-hidden-layer shape of the MNIST-1D
    #    setting, 40 → h → h → 10) on digits with label noise; Adam, full batch.
    mlp_n_train: int = 1000
    mlp_widths: tuple[int, ...] = (4, 8, 12, 16, 32)
    mlp_seeds: int = 2
    mlp_steps: int = 1000
    mlp_learning_rate: float = 6e-3

    def __post_init__(self):
        for name in ("linear_n", "linear_seeds", "samplewise_p", "rf_n_train", "rf_n_test",
                     "rf_seeds", "rf_samplewise_p", "mlp_n_train", "mlp_seeds", "mlp_steps"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        if self.linear_seeds < 2 or self.rf_seeds < 1:
            raise ValueError("linear_seeds must be >= 2 (z-scores need a standard deviation)")
        for name in ("linear_gammas", "samplewise_ns", "rf_ps", "rf_samplewise_ns",
                     "mlp_widths", "linear_snrs", "rf_lams"):
            v = getattr(self, name)
            if not v or any(x <= 0 for x in v) or list(v) != sorted(set(v)):
                raise ValueError(f"{name} must be positive and strictly increasing, got {list(v)}")
        if len(self.linear_ps) != len(self.linear_gammas):
            raise ValueError(f"linear_gammas {list(self.linear_gammas)} collide at n = "
                             f"{self.linear_n} (two round to the same p)")
        if self.rf_activation not in dd.RF_ACTIVATIONS:
            raise ValueError(f"rf_activation must be one of {', '.join(dd.RF_ACTIVATIONS)}")
        if not 0.0 <= self.label_noise < 0.9:
            raise ValueError(f"label_noise must be in [0, 0.9), got {self.label_noise}")
        if self.samplewise_snr <= 0 or self.mlp_learning_rate <= 0:
            raise ValueError("samplewise_snr and mlp_learning_rate must be positive")
        pool = DIGITS_SIZE - self.rf_n_test
        for name, need in (("rf_n_train", self.rf_n_train),
                           ("rf_samplewise_ns", self.rf_samplewise_ns[-1]),
                           ("mlp_n_train", self.mlp_n_train)):
            if need > pool:
                raise ValueError(f"{name} needs {need} training digits but only {pool} are left "
                                 f"after {self.rf_n_test} test digits (of {DIGITS_SIZE})")

    @property
    def linear_ps(self) -> tuple[int, ...]:
        return tuple(sorted({max(1, round(g * self.linear_n)) for g in self.linear_gammas}))

    @property
    def mlp_log_every(self) -> int:
        """About 20 points per training curve: the largest divisor of mlp_steps <= steps/20."""
        return next(d for d in range(max(1, self.mlp_steps // 20), 0, -1)
                    if self.mlp_steps % d == 0)


DIGITS_SIZE = 1797  # sklearn.datasets.load_digits

PROFILES = {
    # about a minute on a 2-core CPU (the MLP sweep is the reduced deep-double-descent run)
    "quick": Config(),
    # paper-scale, meant for a GPU: 100 seeds and n = 1000 for the closed forms, denser sweeps,
    # the MLP sweep of Nakkiran et al. (widths to 512, longer training, more seeds).
    "full": Config(
        linear_n=1000,
        linear_gammas=(0.1, 0.13, 0.16, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.11,
                       1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0, 5.0, 7.0, 10.0),
        linear_seeds=100,
        rf_seeds=20,
        rf_ps=(10, 30, 60, 100, 150, 200, 240, 260, 270, 280, 285, 290, 295, 300, 305, 310, 315,
               320, 330, 345, 360, 400, 450, 500, 700, 1000, 1500, 2000, 3000, 5000),
        rf_samplewise_ns=(20, 50, 100, 140, 160, 170, 180, 185, 190, 195, 200, 205, 210, 215,
                          220, 230, 245, 260, 300, 400, 600, 900, 1300),
        mlp_widths=(4, 6, 8, 10, 12, 14, 16, 20, 24, 32, 48, 64, 128, 256, 512),
        mlp_seeds=5,
        mlp_steps=20000,
    ),
}

MLP_DEPTH = 2

# Thresholds of the claims (stated once, here, with their reasons in the notes).
Z_BOUND = 4.0
# γ this close to 1 are left out of the z-tests: the risk's variance is infinite for |p − n| < 4
# and its distribution very heavy-tailed nearby.
Z_EXCLUSION = 0.2
PEAK_BAND = (0.9, 1.1)
RIDGE_STEP_TOL = 0.05
LINEAR_RIDGE_PEAK_TOL = 0.05
SAMPLEWISE_RISE = 1.1
DEEP_DD_FACTOR = 1.1

CLAIMS = (
    Claim(
        id="minnorm_closed_form",
        statement="Min-norm least squares: the mean risk over seeds matches the exact finite-n "
        f"expectation and the asymptotic formula at every SNR and |γ−1| >= {Z_EXCLUSION}: "
        f"largest |z| below {Z_BOUND:g}.",
        source="Hastie et al. 2022, Theorem 1; inverse-Wishart means (finite n); limit derived "
        "in nntheory.symbolic",
        measured="linear_minnorm_max_abs_z",
        op="<=",
        expected=Z_BOUND,
        note="z = (mean − formula)/(sd/√seeds); 84 correlated tests, each ~t(15) with "
        "P(|t| > 4) ≈ 0.001. The two formulas differ by <= 1.3 % there (n = 400). Known wrong "
        "versions (noise on one branch, γ ↔ 1/γ) give |z| > 10.",
    ),
    Claim(
        id="ridge_formula",
        statement="Optimal ridge (λ* = γ/SNR): the mean risk matches σ²γ·m(−λ*) at every γ "
        f"and SNR, largest |z| below {Z_BOUND:g}.",
        source="Dobriban & Wager 2018, Theorem 2.1; Hastie et al. 2022, Sec. 5",
        measured="linear_ridge_max_abs_z",
        op="<=",
        expected=Z_BOUND,
        note="Bound as above; the O(1/n) finite-n bias is below one standard error.",
    ),
    Claim(
        id="linear_peak_at_threshold",
        statement=f"The median min-norm risk peaks at γ in [{PEAK_BAND[0]}, {PEAK_BAND[1]}] "
        "for every SNR (worst reported).",
        source="Hastie et al. 2022, Theorem 1 (R → ∞ at γ = 1); Belkin et al. 2019, Fig. 1",
        measured="linear_peak_gamma_worst",
        op="between",
        expected=PEAK_BAND,
        note="The grid holds γ = 1; its neighbours lie outside the band.",
    ),
    Claim(
        id="rf_peak_at_threshold",
        statement="Random ReLU features on digits: the median min-norm test MSE peaks at p/n "
        f"in [{PEAK_BAND[0]}, {PEAK_BAND[1]}], clean and noisy labels (worst reported).",
        source="Belkin et al. 2019, Fig. 2 (peak at N = n); Mei & Montanari 2019, Fig. 1",
        measured="rf_peak_ratio_worst",
        op="between",
        expected=PEAK_BAND,
        note="p/n grid: …, 0.9, 0.95, 1, 1.05, 1.1, ….",
    ),
    Claim(
        id="ridge_removes_peak_linear",
        statement="Linear model: optimal ridge has no peak — max over the γ grid / larger end "
        "value <= 1 (+5 %); min-norm's ratios are linear_minnorm_peak_ratio_snr*.",
        source="Hastie et al. 2022, Sec. 5; Nakkiran et al. 2020, Theorem 1 and Fig. 1",
        measured="linear_ridge_interior_peak_ratio",
        op="<=",
        expected=1.0,
        tolerance=LINEAR_RIDGE_PEAK_TOL,
        note="r² is fixed while p grows, so the optimal risk rises from 0 to r² (closed "
        "form); 'non-increasing in p' holds at fixed data (random features, next). 5 %: seed "
        "noise on a curve flattening towards r².",
    ),
    Claim(
        id="ridge_removes_peak_rf",
        statement="Random features: oracle-tuned ridge (per p, the λ of least median test MSE) "
        "is non-increasing in p, clean and noisy labels: no step up beyond 5 %.",
        source="Nakkiran et al. 2020, Sec. 5; Simon et al. 2024, Sec. 4",
        measured="rf_ridge_max_step_up",
        op="<=",
        expected=0.0,
        tolerance=RIDGE_STEP_TOL,
        note="max_i (e[i+1] − e[i])/e[i]. The theorems are about expected risk at the exact "
        "optimum; a 10-point λ grid, 4 seeds, 497 test digits leave a few % of noise.",
    ),
    Claim(
        id="label_noise_raises_peak",
        statement="Label noise raises the random-features peak: prominence (median test MSE at "
        "the peak / at the largest p) noisy over clean >= 1.",
        source="Nakkiran et al. 2019, Sec. 5, Fig. 3; Mei & Montanari 2019, Fig. 4",
        measured="rf_noise_prominence_ratio",
        op=">=",
        expected=1.0,
        note="Prominence, not height: the peak must grow, not just every error.",
    ),
    Claim(
        id="samplewise_nonmonotone",
        statement=f"More data can hurt: at fixed p the median test error rises >= "
        f"{SAMPLEWISE_RISE}× somewhere as n grows — linear, and random features on clean and "
        "noisy digits (smallest reported).",
        source="Nakkiran 2019 (arXiv:1912.07242), Fig. 1; Nakkiran et al. 2019, Sec. 6",
        measured="samplewise_min_rise",
        op=">=",
        expected=SAMPLEWISE_RISE,
        note="Rise = max over n_i < n_j of err(n_j)/err(n_i); 10 % is several standard "
        "errors.",
    ),
    Claim(
        id="samplewise_ridge_monotone",
        statement="Optimal ridge is monotone in n: its mean risk never steps up by more than "
        "5 % as n grows (statistic as for random features).",
        source="Nakkiran et al. 2020, Theorem 1 (isotropic linear regression) and Fig. 1",
        measured="samplewise_ridge_max_step_up",
        op="<=",
        expected=0.0,
        tolerance=RIDGE_STEP_TOL,
    ),
    Claim(
        id="deep_double_descent",
        statement="MLPs on noisy digits: the median test error rises >= "
        f"{DEEP_DD_FACTOR}× with width to a peak, then falls as much (smaller factor reported).",
        source="Nakkiran et al. 2019, Fig. 1, Sec. 5",
        measured="mlp_double_descent",
        op=">=",
        expected=DEEP_DD_FACTOR,
        note="Reduced at quick (2 seeds, 1,000 steps, digits); see mlp_peak_width and "
        "mlp_interpolation_width (train error <= 1 %).",
    ),
)


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------


def _digits(key, n_test: int):
    """sklearn's 8×8 digits (1,797 images, bundled with scikit-learn, no download): a
    permutation from ``key`` puts ``n_test`` images in the test set and the rest in a training
    pool; pixels are standardised with the pool's mean and one overall scale."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    perm = np.asarray(jax.random.permutation(key, len(x)))
    te, pool = perm[:n_test], perm[n_test:]
    mu = x[pool].mean(axis=0)
    scale = (x[pool] - mu).std()
    x = (x - mu) / scale
    return x[pool], y[pool], x[te], y[te]


def _noisy_labels(rng: np.random.Generator, y: np.ndarray, rate: float, k: int = 10):
    """Each label, with probability ``rate``, replaced by a uniformly random *incorrect* label
    (the label noise of Nakkiran et al. 2019, Sec. 3), drawn once."""
    flip = rng.random(y.shape) < rate
    return np.where(flip, (y + rng.integers(1, k, y.shape)) % k, y)


def _one_hot(y, k: int = 10) -> np.ndarray:
    return np.eye(k)[np.asarray(y)]


# ---------------------------------------------------------------------------------------------
# 1. Linear model: closed forms
# ---------------------------------------------------------------------------------------------


def _linear_designs(rng, seeds, n, p, snrs):
    """Gaussian designs with β = r e₁ for each SNR (σ² = 1): y = r x₁ + ε, one column per SNR.
    By rotation invariance of N(0, I_p) the risk of any fixed β with ‖β‖ = r has the same
    distribution, and with β = r e₁ the targets are the same for every model size."""
    X = rng.standard_normal((seeds, n, p))
    eps = rng.standard_normal((seeds, n))
    r = np.sqrt(np.asarray(snrs, np.float64))
    return X, r[None, None, :] * X[:, :, :1] + eps[:, :, None], r


def _risk(fit, r):
    """‖β̂ − r e₁‖² = ‖β̂‖² − 2r β̂₁ + r², with β̂₁ read as the prediction at the input e₁."""
    return fit.norm2 - 2.0 * r * fit.test_pred[..., 0, :] + r**2  # (seeds, S, L, k)


def _linear_modelwise(cfg: Config, key, step):
    """One checkpointed point: the whole batched solve (the table, the fit count, its time)."""
    point = step("linear-modelwise", functools.partial(_linear_modelwise_point, cfg, key))
    return arrays_frame(point, "linear"), int(point["fits"]), float(point["seconds"])


def _linear_modelwise_point(cfg: Config, key) -> dict[str, np.ndarray]:
    n, ps, snrs = cfg.linear_n, np.asarray(cfg.linear_ps), np.asarray(cfg.linear_snrs)
    X, y, r = _linear_designs(data.numpy_rng(key), cfg.linear_seeds, n, ps[-1], snrs)
    e1 = np.zeros((cfg.linear_seeds, 1, ps[-1]))
    e1[:, 0, 0] = 1.0
    gammas = ps / n
    lams = np.concatenate([np.zeros((len(ps), 1)), dd.optimal_ridge_lambda(
        gammas[:, None], snrs[None, :])], axis=1)  # (S, 1 + K): min-norm, λ*(SNR_k)
    t0 = time.perf_counter()
    fit = dd.ridge_fit(X, y, lams, ps, X_test=e1, coef=False)
    seconds = time.perf_counter() - t0
    risk = _risk(fit, r)
    train_mse = np.mean((fit.train_pred - y[:, None, None]) ** 2, axis=-2)  # (seeds, S, L, K)
    frames = []
    for k, snr in enumerate(snrs):
        for est, col in (("min-norm", 0), ("optimal ridge", 1 + k)):
            df = dd.risk_curve(ps, risk=risk[:, :, col, k], train_error=train_mse[:, :, col, k],
                               norm=np.sqrt(fit.norm2[:, :, col, k]))
            frames.append(df.assign(gamma=df["p"] / n, snr=snr, estimator=est))
    n_fits = cfg.linear_seeds * len(ps) * lams.shape[1]
    return dict(frame_arrays(pd.concat(frames, ignore_index=True), "linear"),
                fits=np.asarray(n_fits), seconds=np.asarray(seconds))


def _linear_samplewise(cfg: Config, key, step):
    point = step("linear-samplewise", functools.partial(_linear_samplewise_point, cfg, key))
    return arrays_frame(point, "samplewise")


def _linear_samplewise_point(cfg: Config, key) -> dict[str, np.ndarray]:
    p, ns, snr = cfg.samplewise_p, np.asarray(cfg.samplewise_ns), cfg.samplewise_snr
    X, y, r = _linear_designs(data.numpy_rng(key), cfg.linear_seeds, ns[-1], p, [snr])
    e1 = np.zeros((cfg.linear_seeds, 1, p))
    e1[:, 0, 0] = 1.0
    lams = np.stack([np.zeros(len(ns)), dd.optimal_ridge_lambda(p / ns, snr)], axis=1)
    fit = dd.ridge_fit(X, y, lams, ns, along="samples", X_test=e1, coef=False)
    risk = _risk(fit, r)[..., 0]
    frames = [dd.risk_curve(ns, size_name="n", risk=risk[:, :, col]).assign(estimator=est)
              for est, col in (("min-norm", 0), ("optimal ridge", 1))]
    return frame_arrays(pd.concat(frames, ignore_index=True).assign(p=p, snr=snr), "samplewise")


def _linear_theory(cfg: Config) -> pd.DataFrame:
    """Closed-form curves on a dense grid, for the figures (γ = 1 left out)."""
    g = np.geomspace(min(cfg.linear_gammas), max(cfg.linear_gammas), 400)
    g = g[np.abs(g - 1) > 1e-3]
    rows = []
    for snr in cfg.linear_snrs:
        rows.append(pd.DataFrame(dict(
            gamma=g, snr=snr, ridgeless=dd.ridgeless_risk(g, snr),
            finite_n=dd.ridgeless_risk_finite(cfg.linear_n, g * cfg.linear_n, snr),
            optimal_ridge=dd.optimal_ridge_risk(g, snr))))
    ns = np.arange(1, cfg.samplewise_ns[-1] + 1)
    sw = pd.DataFrame(dict(n=ns, finite_n=dd.ridgeless_risk_finite(ns, cfg.samplewise_p,
                                                                   cfg.samplewise_snr),
                           optimal_ridge=dd.optimal_ridge_risk(cfg.samplewise_p / ns,
                                                               cfg.samplewise_snr)))
    return pd.concat(rows, ignore_index=True), sw


def _linear_metrics(cfg: Config, lin: pd.DataFrame, sw: pd.DataFrame) -> dict[str, float]:
    m = {}
    z_fin, z_asy, z_ridge, peaks, ridge_peaks = [], [], [], [], []
    for snr, g in lin.groupby("snr"):
        mn = g[g["estimator"] == "min-norm"].pivot(index="seed", columns="p", values="risk")
        ps = mn.columns.to_numpy()
        keep = np.abs(ps / cfg.linear_n - 1) >= Z_EXCLUSION
        v = mn.to_numpy()[:, keep]
        z_fin.append(dd.z_scores(v, dd.ridgeless_risk_finite(cfg.linear_n, ps[keep], snr)))
        z_asy.append(dd.z_scores(v, dd.ridgeless_risk(ps[keep] / cfg.linear_n, snr)))
        peaks.append(dd.peak_location(ps / cfg.linear_n, mn.median().to_numpy()))
        rd = g[g["estimator"] == "optimal ridge"].pivot(index="seed", columns="p", values="risk")
        z_ridge.append(dd.z_scores(rd.to_numpy(), dd.optimal_ridge_risk(ps / cfg.linear_n, snr)))
        ridge_peaks.append(dd.interior_peak_ratio(rd.mean().to_numpy()))
        m[f"linear_minnorm_peak_ratio_snr{snr:g}"] = dd.interior_peak_ratio(mn.median().to_numpy())
    m["linear_minnorm_max_abs_z_finite"] = float(np.max(np.abs(np.concatenate(z_fin))))
    m["linear_minnorm_max_abs_z_asymptotic"] = float(np.max(np.abs(np.concatenate(z_asy))))
    m["linear_minnorm_max_abs_z"] = max(m["linear_minnorm_max_abs_z_finite"],
                                        m["linear_minnorm_max_abs_z_asymptotic"])
    m["linear_ridge_max_abs_z"] = float(np.max(np.abs(np.concatenate(z_ridge))))
    m["linear_peak_gamma_worst"] = float(max(peaks, key=lambda x: abs(np.log(x))))
    m["linear_ridge_interior_peak_ratio"] = float(max(ridge_peaks))
    mn = sw[sw["estimator"] == "min-norm"].groupby("n")["risk"].median()
    rd = sw[sw["estimator"] == "optimal ridge"].groupby("n")["risk"].mean()
    m["linear_samplewise_rise"] = dd.max_rise(mn.to_numpy())
    m["samplewise_ridge_max_step_up"] = dd.max_relative_step_up(rd.to_numpy())
    return m


# ---------------------------------------------------------------------------------------------
# 2–3. Random features on digits
# ---------------------------------------------------------------------------------------------


def _rf_targets(rng, y_pool, seeds, rate):
    """(seeds, n, 20): one-hot clean labels, then one-hot noisy labels (a fresh draw per seed)."""
    noisy = np.stack([_noisy_labels(rng, y_pool, rate) for _ in range(seeds)])
    clean = np.broadcast_to(_one_hot(y_pool), noisy.shape + (10,))
    return np.concatenate([clean, _one_hot(noisy)], axis=-1)


def _rf_errors(fit, Y, y_test):
    """Per (seed, size, λ) test MSE and 0-1 error, train MSE and norm, for the clean (first 10
    outputs) and noisy (last 10) label sets."""
    out = {}
    t1 = _one_hot(y_test)
    for cond, sl in (("clean", slice(0, 10)), ("noisy", slice(10, 20))):
        out[cond] = dict(
            test_mse=dd.mse(fit.test_pred[..., sl], t1),
            test_error=dd.classification_error(fit.test_pred[..., sl], y_test),
            train_mse=dd.mse(fit.train_pred[..., sl], Y[:, None, None, :, sl]),
            norm=np.sqrt(np.sum(fit.norm2[..., sl], axis=-1)),
        )
    return out


@functools.partial(jax.jit, static_argnums=(2, 3))
def _features(keys, x, p, activation):
    return jax.vmap(lambda k: dd.random_features(k, x, p, activation))(keys)


def _rf_features(cfg, keys, x_train, x_test, p):
    """Random features of the training and test inputs under the same weights (one per key),
    drawn in float32 by JAX and handed to the float64 solver."""
    f = _features(keys, jnp.asarray(np.concatenate([x_train, x_test]), jnp.float32), int(p),
                  cfg.rf_activation)
    f = np.asarray(f, np.float64)
    return f[:, : len(x_train)], f[:, len(x_train):]


def _rf_tables(cfg, errs, sizes, size_name, lams):
    frames = []
    for cond, e in errs.items():
        for j, lam in enumerate(lams):
            df = dd.risk_curve(sizes, size_name=size_name,
                               **{k: v[:, :, j] for k, v in e.items()})
            frames.append(df.assign(labels=cond, lam=lam))
    return pd.concat(frames, ignore_index=True)


def _rf_sweeps(cfg: Config, key, digits, step):
    """The model-wise and the sample-wise sweep, one checkpointed point each."""
    k_feat, k_noise, k_feat2, k_noise2 = jax.random.split(key, 4)
    model = step("rf-modelwise", functools.partial(_rf_modelwise_point, cfg, k_feat, k_noise,
                                                   digits))
    sample = step("rf-samplewise", functools.partial(_rf_samplewise_point, cfg, k_feat2,
                                                     k_noise2, digits))
    return (arrays_frame(model, "model"), arrays_frame(sample, "sample"), int(model["fits"]),
            float(model["seconds"]))


def _rf_modelwise_point(cfg: Config, k_feat, k_noise, digits) -> dict[str, np.ndarray]:
    """The first rf_n_train pool digits, p swept (features nested: the first p columns)."""
    x_pool, y_pool, x_test, y_test = digits
    lams = (0.0, *cfg.rf_lams)
    n = cfg.rf_n_train
    ps = np.asarray(cfg.rf_ps)
    F, Ft = _rf_features(cfg, jax.random.split(k_feat, cfg.rf_seeds), x_pool[:n], x_test, ps[-1])
    Y = _rf_targets(data.numpy_rng(k_noise), y_pool[:n], cfg.rf_seeds, cfg.label_noise)
    t0 = time.perf_counter()
    fit = dd.ridge_fit(F, Y, lams, ps, X_test=Ft, coef=False)
    seconds = time.perf_counter() - t0
    model = _rf_tables(cfg, _rf_errors(fit, Y, y_test), ps, "p", lams).assign(n=n)
    model["p_over_n"] = model["p"] / n
    n_fits = cfg.rf_seeds * len(ps) * len(lams)
    return dict(frame_arrays(model, "model"), fits=np.asarray(n_fits),
                seconds=np.asarray(seconds))


def _rf_samplewise_point(cfg: Config, k_feat2, k_noise2, digits) -> dict[str, np.ndarray]:
    """p fixed, the first n pool digits, n swept."""
    x_pool, y_pool, x_test, y_test = digits
    p, ns = cfg.rf_samplewise_p, np.asarray(cfg.rf_samplewise_ns)
    F, Ft = _rf_features(cfg, jax.random.split(k_feat2, cfg.rf_seeds), x_pool[:ns[-1]], x_test,
                         p)
    Y = _rf_targets(data.numpy_rng(k_noise2), y_pool[:ns[-1]], cfg.rf_seeds, cfg.label_noise)
    fit = dd.ridge_fit(F, Y, 0.0, ns, along="samples", X_test=Ft, coef=False)
    errs = _rf_errors(fit, Y, y_test)
    seen = (np.arange(ns[-1])[None, :] < ns[:, None])[None, :, None, :]  # (1, S, 1, N)
    for cond, sl in (("clean", slice(0, 10)), ("noisy", slice(10, 20))):
        sq = np.sum((fit.train_pred[..., sl] - Y[:, None, None, :, sl]) ** 2, axis=-1)
        errs[cond]["train_mse"] = np.sum(sq * seen, axis=-1) / ns[None, :, None]
    return frame_arrays(_rf_tables(cfg, errs, ns, "n", (0.0,)).assign(p=p), "sample")


def _rf_metrics(cfg: Config, model: pd.DataFrame, sample: pd.DataFrame) -> dict[str, float]:
    m = {}
    ratios, steps = [], []
    for cond in ("clean", "noisy"):
        g = model[model["labels"] == cond]
        med = g.groupby(["lam", "p"])["test_mse"].median().unstack("p")  # (L, S)
        mn = med.loc[0.0].to_numpy()
        ps = med.columns.to_numpy()
        ratio = dd.peak_location(ps / cfg.rf_n_train, mn)
        ratios.append(ratio)
        m[f"rf_peak_ratio_{cond}"] = ratio
        m[f"rf_peak_mse_{cond}"] = float(np.max(mn))
        m[f"rf_prominence_{cond}"] = float(np.max(mn) / mn[-1])
        m[f"rf_mse_widest_{cond}"] = float(mn[-1])
        err = g[g["lam"] == 0.0].groupby("p")["test_error"].median().to_numpy()
        m[f"rf_peak_test_error_{cond}"] = float(np.max(err))
        m[f"rf_test_error_widest_{cond}"] = float(err[-1])
        oracle = med.min(axis=0).to_numpy()
        steps.append(dd.max_relative_step_up(oracle))
        m[f"rf_ridge_max_step_up_{cond}"] = steps[-1]
        m[f"rf_ridge_best_mse_{cond}"] = float(np.min(oracle))
        sw = sample[sample["labels"] == cond].groupby("n")["test_mse"].median().to_numpy()
        m[f"rf_samplewise_rise_{cond}"] = dd.max_rise(sw)
    m["rf_peak_ratio_worst"] = float(max(ratios, key=lambda x: abs(np.log(x))))
    m["rf_ridge_max_step_up"] = float(max(steps))
    m["rf_noise_prominence_ratio"] = m["rf_prominence_noisy"] / m["rf_prominence_clean"]
    return m


# ---------------------------------------------------------------------------------------------
# 4. Deep double descent
# ---------------------------------------------------------------------------------------------


def _mlp_sweep(cfg: Config, key, digits, step):
    """One ensemble (seeds) per width, trained with Adam, full batch, cross-entropy, on the
    first mlp_n_train pool digits with noisy labels; test error on clean test labels. Each
    width is one checkpointed point."""
    x_pool, y_pool, x_test, y_test = digits
    k_noise, k_init = jax.random.split(key)
    n = cfg.mlp_n_train
    y_noisy = _noisy_labels(data.numpy_rng(k_noise), y_pool[:n], cfg.label_noise)
    ds = (jnp.asarray(x_pool[:n], jnp.float32), jnp.asarray(y_noisy),
            jnp.asarray(x_test, jnp.float32), jnp.asarray(y_test))
    # every key up front, as host arrays: eager JAX ops on new shapes each cost a compilation
    keys = np.asarray(jax.random.split(k_init, len(cfg.mlp_widths) * cfg.mlp_seeds)).reshape(
        len(cfg.mlp_widths), cfg.mlp_seeds, -1)
    final, curves = [], []
    for w, wkeys in zip(cfg.mlp_widths, keys, strict=True):
        point = step(f"mlp-w{w}", functools.partial(_mlp_point, cfg, w, wkeys, ds,
                                                    x_pool.shape[1]))
        final.append(arrays_frame(point, "final"))
        curves.append(arrays_frame(point, "curves"))
    return pd.concat(final, ignore_index=True), pd.concat(curves, ignore_index=True)


def _mlp_point(cfg: Config, w: int, wkeys, ds, dim: int) -> dict[str, np.ndarray]:
    """The ensemble of width ``w``: its final errors (one row per seed) and training curves."""
    net = nets.mlp(w, MLP_DEPTH, 10, "relu", parameterization="standard",
                   w_std=2.0**0.5, b_std=0.0)
    # one jitted init per width (vmapped eager init compiles each of its ops separately)
    params = jax.jit(lambda k, net=net: train.init_ensemble(net, k, (dim,)))(wkeys)
    n_params = sum(int(np.prod(x.shape[1:])) for x in jax.tree_util.tree_leaves(params))
    params, hist = train.fit_ensemble(
        net, params, ds, loss="cross_entropy", optimizer="adam",
        learning_rate=cfg.mlp_learning_rate, steps=cfg.mlp_steps,
        log_every=cfg.mlp_log_every, keys=wkeys,
        chunk_size=cfg.mlp_seeds)  # all seeds in one chunk (and no per-width memory probe)
    tr_err = 1.0 - hist.metrics["train_accuracy"]
    te_err = 1.0 - hist.metrics["test_accuracy"]
    final, curves = [], []
    for s in range(cfg.mlp_seeds):
        final.append(dict(width=w, seed=s, params=n_params, train_error=tr_err[s, -1],
                          test_error=te_err[s, -1], test_loss=hist.final("test_loss")[s],
                          diverged=bool(hist.diverged[s])))
        curves.append(pd.DataFrame(dict(width=w, seed=s, step=hist.step,
                                        train_error=tr_err[s], test_error=te_err[s])))
    return {**frame_arrays(pd.DataFrame(final), "final"),
            **frame_arrays(pd.concat(curves, ignore_index=True), "curves")}


def _mlp_metrics(cfg: Config, final: pd.DataFrame) -> dict[str, float]:
    med = final.groupby("width")[["test_error", "train_error"]].median()
    widths = med.index.to_numpy()
    te = med["test_error"].to_numpy()
    interp = widths[med["train_error"].to_numpy() <= 0.01]
    m = dict(
        mlp_interpolation_width=float(interp[0]) if len(interp) else float("nan"),
        mlp_peak_width=dd.peak_location(widths, te),
        mlp_test_error_widest=float(te[-1]),
        mlp_test_error_max=float(np.max(te)),
        diverged_members=float(final["diverged"].sum()),
    )
    # a double descent needs both: a rise up to the peak and a fall after it
    i = int(np.argmax(te))
    m["mlp_rise_to_peak"] = float(te[i] / np.min(te[: i + 1]))
    m["mlp_fall_after_peak"] = float(te[i] / te[-1])
    m["mlp_double_descent"] = min(m["mlp_rise_to_peak"], m["mlp_fall_after_peak"])
    return m


# ---------------------------------------------------------------------------------------------
# Run
# ---------------------------------------------------------------------------------------------


def run(cfg: Config, key: jax.Array, ckpt=None) -> Results:
    """The four sweeps; every number the claims read is in ``metrics``.

    ``ckpt`` (a ``nntheory.store.Checkpoint``, given by ``nntheory run``) lets a killed run
    resume at the next sweep point (each linear and random-features sweep, each MLP width).
    The fit times of a resumed point are those measured when it was computed; ``mlp_seconds``
    and ``run_seconds`` time this process only (near zero when every point was resumed)."""
    t_start = time.perf_counter()
    step = ckpt.step if ckpt is not None else (lambda name, compute: compute())
    k_lin, k_sw, k_data, k_rf, k_mlp = jax.random.split(key, 5)
    lin, lin_fits, lin_seconds = _linear_modelwise(cfg, k_lin, step)
    sw = _linear_samplewise(cfg, k_sw, step)
    theory, sw_theory = _linear_theory(cfg)
    digits = _digits(k_data, cfg.rf_n_test)
    rf_model, rf_sample, rf_fits, rf_seconds = _rf_sweeps(cfg, k_rf, digits, step)
    t_mlp = time.perf_counter()
    mlp, mlp_curves = _mlp_sweep(cfg, k_mlp, digits, step)
    metrics = {**_linear_metrics(cfg, lin, sw), **_rf_metrics(cfg, rf_model, rf_sample),
               **_mlp_metrics(cfg, mlp)}
    metrics["samplewise_min_rise"] = min(metrics["linear_samplewise_rise"],
                                         metrics["rf_samplewise_rise_clean"],
                                         metrics["rf_samplewise_rise_noisy"])
    metrics.update(
        linear_fits=float(lin_fits), linear_fit_seconds=lin_seconds,
        linear_fits_per_second=lin_fits / lin_seconds,
        rf_fits=float(rf_fits), rf_fit_seconds=rf_seconds,
        rf_fits_per_second=rf_fits / rf_seconds,
        mlp_seconds=time.perf_counter() - t_mlp,
        run_seconds=time.perf_counter() - t_start,
    )
    return Results(
        tables=dict(linear=lin, linear_theory=theory, samplewise=sw, samplewise_theory=sw_theory,
                    rf_modelwise=rf_model, rf_samplewise=rf_sample, mlp=mlp,
                    mlp_curves=mlp_curves),
        metrics={k: float(v) for k, v in metrics.items()},
    )


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------


def _linear_figure(res: Results, cfg: Config) -> Figure:
    lin, th = res.tables["linear"], res.tables["linear_theory"]
    snrs = sorted(lin["snr"].unique())
    colors = dict(zip(snrs, sns.color_palette("colorblind", len(snrs)), strict=True))
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharey=True)
    for ax, est, curve in ((axes[0], "min-norm", "ridgeless"),
                           (axes[1], "optimal ridge", "optimal_ridge")):
        for snr in snrs:
            t = th[th["snr"] == snr]
            for side in (t["gamma"] < 1, t["gamma"] > 1):
                ax.plot(t["gamma"][side], t[curve][side], color=colors[snr], lw=1.4)
            if est == "min-norm":
                ax.plot(t["gamma"], t["finite_n"], color=colors[snr], lw=0.9, ls=":")
            g = lin[(lin["snr"] == snr) & (lin["estimator"] == est)]
            agg = g.groupby("gamma")["risk"].agg(["mean", "sem"])
            ax.errorbar(agg.index, agg["mean"], yerr=agg["sem"], fmt="o", ms=3.5,
                        color=colors[snr], label=f"SNR {snr:g}")
        ax.axvline(1.0, color="0.6", lw=0.8, ls="--")
        ax.set(xscale="log", yscale="log", xlabel="γ = p / n", title=est)
    axes[0].set_ylim(top=50.0)
    axes[0].set_ylabel("risk ‖β̂ − β‖²")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    return Figure(
        "linear_risk",
        f"Linear regression with isotropic Gaussian features, n = {cfg.linear_n}: mean risk over "
        f"{cfg.linear_seeds} seeds (points, ± one standard error) against the asymptotic "
        "formula (solid; Hastie et al. 2022, Theorem 1) and the exact finite-n expectation "
        "(dotted). Left: min-norm least squares, peaking at γ = 1 (the point at γ = 1 is off "
        "the clipped axis). Right: optimally tuned ridge, λ* = γ/SNR, with its closed form "
        "σ²γ m(−λ*): no peak.",
        fig,
    )


def _rf_figure(res: Results, cfg: Config) -> Figure:
    model = res.tables["rf_modelwise"]
    mn = model[model["lam"] == 0.0]
    oracle = (model.groupby(["labels", "p", "lam"])["test_mse"].median().groupby(
        ["labels", "p"]).min().reset_index())
    oracle["p_over_n"] = oracle["p"] / cfg.rf_n_train
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.0))
    palette = dict(clean=sns.color_palette("colorblind")[0], noisy=sns.color_palette(
        "colorblind")[3])
    for cond in ("clean", "noisy"):
        g = mn[mn["labels"] == cond]
        sns.lineplot(data=g, x="p_over_n", y="test_mse", estimator="median",
                     errorbar=("pi", 100), marker="o", ms=4, ax=axes[0], color=palette[cond],
                     label=f"min-norm, {cond} labels")
        o = oracle[oracle["labels"] == cond]
        axes[0].plot(o["p_over_n"], o["test_mse"], color=palette[cond], ls="--", lw=1.2,
                     label=f"oracle ridge, {cond}")
        sns.lineplot(data=g, x="p_over_n", y="test_error", estimator="median",
                     errorbar=("pi", 100), marker="o", ms=4, ax=axes[1], color=palette[cond],
                     label=f"{cond} labels")
        sns.lineplot(data=g, x="p_over_n", y="norm", estimator="median", errorbar=("pi", 100),
                     marker="o", ms=4, ax=axes[2], color=palette[cond], label=f"{cond} labels")
    for ax, lab in zip(axes, ("test MSE (one-hot)", "test error (0-1)", "‖β̂‖"), strict=True):
        ax.axvline(1.0, color="0.6", lw=0.8, ls="--")
        ax.set(xscale="log", xlabel="p / n", ylabel=lab)
    axes[0].set_yscale("log")
    axes[2].set_yscale("log")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    return Figure(
        "rf_modelwise",
        f"Random ReLU features on sklearn digits, n = {cfg.rf_n_train} training images, "
        f"{cfg.rf_n_test} test images, {cfg.rf_seeds} seeds (median, band = min–max), "
        f"{cfg.label_noise:.0%} label noise or none. Left: test MSE of min-norm least squares "
        "(solid) peaks at p = n; oracle-tuned ridge (dashed) has no peak. Middle: 0-1 test "
        "error. Right: norm of the min-norm solution, which diverges at p = n.",
        fig,
    )


def _samplewise_figure(res: Results, cfg: Config) -> Figure:
    sw, th = res.tables["samplewise"], res.tables["samplewise_theory"]
    rf = res.tables["rf_samplewise"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.0))
    ax = axes[0]
    colors = sns.color_palette("colorblind")
    for (est, curve), c in zip((("min-norm", "finite_n"), ("optimal ridge", "optimal_ridge")),
                               colors, strict=False):
        g = sw[sw["estimator"] == est].groupby("n")["risk"]
        ax.plot(g.median().index, g.median(), "o", ms=4, color=c, label=f"{est} (median)")
        t = th[np.isfinite(th[curve])]
        for side in ((t["n"] < cfg.samplewise_p), (t["n"] > cfg.samplewise_p)):
            ax.plot(t["n"][side], t[curve][side], color=c, lw=1.2)
    ax.axvline(cfg.samplewise_p, color="0.6", lw=0.8, ls="--")
    ax.set(xscale="log", yscale="log", xlabel="training samples n", ylabel="risk ‖β̂ − β‖²",
           title=f"linear, p = {cfg.samplewise_p}, SNR {cfg.samplewise_snr:g}")
    ax.set_ylim(top=100)
    ax.legend(fontsize=8)
    sns.lineplot(data=rf, x="n", y="test_mse", hue="labels", estimator="median",
                 errorbar=("pi", 100), marker="o", ms=4, ax=axes[1])
    axes[1].axvline(cfg.rf_samplewise_p, color="0.6", lw=0.8, ls="--")
    axes[1].set(xscale="log", yscale="log", xlabel="training samples n", ylabel="test MSE",
                title=f"random ReLU features on digits, p = {cfg.rf_samplewise_p}")
    fig.tight_layout()
    return Figure(
        "samplewise",
        "Sample-wise non-monotonicity: at a fixed number of parameters, adding training data "
        "raises the test error as n approaches p (dashed line). Left: linear model, median "
        "over seeds against the exact finite-n expectation (min-norm) and the optimal-ridge "
        "closed form, which is monotone (Nakkiran et al. 2020, Theorem 1). Right: min-norm "
        "random-features regression on digits, clean and noisy labels.",
        fig,
    )


def _mlp_figure(res: Results, cfg: Config) -> Figure:
    final, curves = res.tables["mlp"], res.tables["mlp_curves"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.0))
    long = final.melt(id_vars=["width", "seed"], value_vars=["train_error", "test_error"],
                      var_name="split", value_name="error")
    sns.lineplot(data=long, x="width", y="error", hue="split", estimator="median",
                 errorbar=("pi", 100), marker="o", ax=axes[0])
    axes[0].set(xscale="log", xlabel="hidden width h", ylabel="0-1 error",
                title=f"after {cfg.mlp_steps} Adam steps")
    axes[0].set_xticks(cfg.mlp_widths, [str(w) for w in cfg.mlp_widths])
    axes[0].set_xticks([], minor=True)
    shown = sorted({cfg.mlp_widths[0], cfg.mlp_widths[len(cfg.mlp_widths) // 2],
                    cfg.mlp_widths[-1]})
    sns.lineplot(data=curves[curves["width"].isin(shown)], x="step", y="test_error",
                 hue="width", estimator="median", errorbar=None,
                 palette=sns.color_palette("rocket_r", len(shown)), ax=axes[1])
    axes[1].set(xlabel="Adam step (full batch)", ylabel="test error (0-1)",
                title="epoch-wise test error")
    fig.tight_layout()
    arch = "64 → " + " → ".join(["h"] * MLP_DEPTH) + " → 10"
    return Figure(
        "mlp_width",
        f"Deep double descent (Nakkiran et al. 2019), reduced: MLPs {arch} "
        f"trained on {cfg.mlp_n_train} digits with {cfg.label_noise:.0%} label noise "
        f"({cfg.mlp_seeds} seeds, median, band = min–max). Left: final train and test error "
        "against width. Right: test error during training for a narrow, a middle and the "
        "widest net.",
        fig,
    )


def _no_minor_labels(figs: list[Figure]) -> list[Figure]:
    """Log axes spanning less than a decade get crowded minor tick labels: keep majors only."""
    for f in figs:
        for ax in f.fig.axes:
            ax.xaxis.set_minor_formatter(NullFormatter())
            ax.yaxis.set_minor_formatter(NullFormatter())
    return figs


def figures(res: Results, cfg: Config) -> list[Figure]:
    """The report's figures, drawn from stored results only."""
    return _no_minor_labels([_linear_figure(res, cfg), _rf_figure(res, cfg),
                             _samplewise_figure(res, cfg), _mlp_figure(res, cfg)])
