"""Wide networks and their kernels: the NTK at initialisation, lazy training, linearisation,
kernel regression.

Theorems (Jacot, Gabriel & Hongler 2018; Lee et al. 2019): in the NTK parameterisation, as
the hidden width n → ∞, (i) the empirical NTK at initialisation converges to a deterministic
analytic kernel Θ, with fluctuations O(n^(−1/2)); (ii) it stays constant during gradient
descent, moving by O(n^(−1/2)); (iii) the trained network equals its linearisation around the
initial parameters, and on the MSE loss the closed-form kernel dynamics with Θ. A
feature-learning (mean-field / μP-style) output scaling breaks (ii) at every width.

What this study measures, on CPU-sized problems:

1. relative Frobenius distance between the empirical NTK (the structured implementation of
   ``nntheory.kernels``) and neural-tangents' analytic NTK, for ReLU MLPs of 2, 3 and 4 layers,
   widths 64 … 2048 (8192 in full), several seeds; the log-log slope against width;
2. the relative change of the empirical NTK from initialisation to the end of full-batch
   gradient descent (MSE, 32 points), against width, in the NTK, standard and mean-field
   parameterisations (each at the same fraction of its own critical learning rate);
3. the trained network's test predictions against its linearisation (closed form, exact for a
   linear model under gradient descent, verified against an explicitly trained linearised net)
   and against the infinite-width prediction (analytic NTK, the net's own f₀);
4. the sympy-derived closed forms (arc-cosine and erf kernels) against neural-tangents, float64;
5. NNGP and NTK kernel regression on sklearn's digits against finite nets of growing width
   trained by gradient descent on the MSE loss.

Expected (quick profile, 2-core CPU, about 1.5 CPU-minutes): the NTK distance falls with slope
≈ −0.5 at every depth (3 layers: 0.40 at width 64 to 0.06 at 2048); the NTK drift and the
net–linearisation gap fall with slopes −0.7 to −0.8 in the NTK and standard parameterisations
while the drift stays flat (≈ 1.7, slope ≈ 0) under the mean-field scaling; the net–kernel gap
falls with slope ≈ −0.4 to −0.5; the sympy kernels agree with neural-tangents to ~1e-9 (ReLU
NTK diagonal) and ~1e-16 elsewhere; on digits NNGP/NTK regression reach ≈ 96 %, single finite
nets 73–86 % (narrowest best) and an ensemble of 5 nets ≈ 93 %: the random initial function,
not the width, separates a finite net from its kernel.
"""

from __future__ import annotations

import dataclasses
import functools

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd
import seaborn as sns

from nntheory import kernels, nets, symbolic, train
from nntheory.analysis import approximation as approx
from nntheory.report import Figure
from nntheory.study import Claim, Results

TITLE = "Wide networks as kernels: NTK convergence, lazy training, linearisation"

SUMMARY = """
In the NTK parameterisation a network's tangent kernel Θ̂(x, x') = ∂f(x)/∂θ · ∂f(x')/∂θ
converges, as the hidden width grows, to a deterministic kernel Θ that neural-tangents computes
in closed form (Jacot, Gabriel & Hongler 2018). It then stays fixed during gradient descent, so
the trained network equals its first-order Taylor expansion around the initial parameters and,
on the squared loss, kernel regression with Θ run for the same time (Lee et al. 2019).

This study measures each step at finite width: the distance between empirical and analytic NTK
at initialisation (ReLU MLPs, 2–4 layers, widths 64–4096, several seeds); the drift of the
empirical NTK during full-batch gradient descent, in the NTK and standard parameterisations
and under a mean-field (μP-style) output scaling that makes features move at every width; the
gap between the trained net, its linearisation and the infinite-width prediction; the
arc-cosine and erf kernels derived with sympy against neural-tangents; and NNGP/NTK kernel
regression on a real dataset (sklearn digits) against trained finite nets. Empirical NTKs use
the structured implementation of nntheory.kernels, O(n² Σ widths) instead of O(n² · parameters).
"""

EQUATIONS = (
    (r"$\hat\Theta_\theta(x,x')=\nabla_\theta f_\theta(x)\cdot\nabla_\theta f_\theta(x')"
     r"\;\to\;\Theta(x,x'),\qquad \|\hat\Theta_{\theta_0}-\Theta\|=O(n^{-1/2})$",
     "Empirical NTK and its infinite-width limit (Jacot et al. 2018, Theorem 1; Lee et al. "
     "2019, Theorem 2.1 and Fig. 1 for the n^(−1/2) rate)."),
    (r"$\hat\Theta_l(x,x')=\left(\delta_l(x)\cdot\delta_l(x')\right)\left(c_l^2\,a_{l-1}(x)"
     r"\cdot a_{l-1}(x')+\beta^2\right),\quad \delta_l=\partial f/\partial z_l$",
     "Structured NTK: the contribution of dense layer l, z_l = c_l a_{l−1} W_l + β b_l "
     "(Novak et al. 2022, Sec. 3); the empirical NTK is the sum over layers."),
    (r"$f^{\mathrm{lin}}_t(x)=f_0(x)+\nabla_\theta f_0(x)\,(\theta_t-\theta_0),\quad "
     r"f_t(x_*)=f_0(x_*)+\Theta_{*X}\Theta^{-1}\left(I-e^{-t\Theta/n}\right)(Y-f_0(X))$",
     "Linearised network and its closed-form MSE gradient flow (Lee et al. 2019, Eqs. 5, 9–11); "
     "t = learning rate × steps, n training points. Gradient descent replaces e^{−tΘ/n} by "
     "(I − ηΘ/n)^s."),
    (r"$K(x,x')=\frac{\sigma_v^2\sqrt{\Sigma_{11}\Sigma_{22}}}{2\pi}\left(\sin\vartheta+"
     r"(\pi-\vartheta)\cos\vartheta\right)+\sigma_b^2,\quad \Theta=K+\sigma_v^2\,\Sigma_{12}"
     r"\,\frac{\pi-\vartheta}{2\pi}$",
     "One-hidden-layer ReLU NNGP and NTK, derived with sympy (arc-cosine kernels, Cho & Saul "
     "2009); Σ = σ_w² x·x′/d + σ_b², ϑ = arccos(Σ₁₂/√(Σ₁₁Σ₂₂)). erf: Williams (1997)."),
    (r"$\mathrm{dist}(\hat\Theta,\Theta)=\|\hat\Theta-\Theta\|_F/\|\Theta\|_F,\quad"
     r"\mathrm{drift}=\|\hat\Theta_{\theta_T}-\hat\Theta_{\theta_0}\|_F/"
     r"\|\hat\Theta_{\theta_0}\|_F$",
     "The measured distances: relative Frobenius norms on the study's inputs."),
)

REFERENCES = (
    "A. Jacot, F. Gabriel, C. Hongler (2018). Neural tangent kernel: convergence and "
    "generalization in neural networks. NeurIPS. arXiv:1806.07572.",
    "J. Lee, L. Xiao, S. S. Schoenholz, Y. Bahri, R. Novak, J. Sohl-Dickstein, J. Pennington "
    "(2019). Wide neural networks of any depth evolve as linear models under gradient descent. "
    "NeurIPS. arXiv:1902.06720.",
    "J. Lee, Y. Bahri, R. Novak, S. S. Schoenholz, J. Pennington, J. Sohl-Dickstein (2018). Deep "
    "neural networks as Gaussian processes. ICLR. arXiv:1711.00165.",
    "J. Lee, S. S. Schoenholz, J. Pennington, B. Adlam, L. Xiao, R. Novak, J. Sohl-Dickstein "
    "(2020). Finite versus infinite neural networks: an empirical study. NeurIPS. "
    "arXiv:2007.15801.",
    "S. Arora, S. S. Du, W. Hu, Z. Li, R. Salakhutdinov, R. Wang (2019). On exact computation "
    "with an infinitely wide neural net. NeurIPS. arXiv:1904.11955.",
    "L. Chizat, E. Oyallon, F. Bach (2019). On lazy training in differentiable programming. "
    "NeurIPS. arXiv:1812.07956.",
    "S. Mei, A. Montanari, P.-M. Nguyen (2018). A mean field view of the landscape of two-layer "
    "neural networks. PNAS 115(33). arXiv:1804.06561.",
    "G. Yang, E. J. Hu (2021). Tensor programs IV: feature learning in infinite-width neural "
    "networks. ICML. arXiv:2011.14522.",
    "J. Sohl-Dickstein, R. Novak, S. S. Schoenholz, J. Lee (2020). On the infinite width limit "
    "of neural networks with a standard parameterization. arXiv:2001.07301.",
    "Y. Cho, L. K. Saul (2009). Kernel methods for deep learning. NIPS 22.",
    "C. K. I. Williams (1997). Computing with infinite networks. NIPS 9.",
    "R. Novak, J. Sohl-Dickstein, S. S. Schoenholz (2022). Fast finite width neural tangent "
    "kernel. ICML. arXiv:2206.08720.",
)

PARAMETERIZATIONS = ("ntk", "standard", "mean_field")


@dataclasses.dataclass(frozen=True)
class Config:
    """Four sweeps: NTK at initialisation (depths × widths), training (parameterisations ×
    widths), the sympy kernels, and digits (widths). ``seeds`` nets per point throughout."""

    # 1. convergence at initialisation; depth = hidden layers (1, 2, 3 = 2-, 3-, 4-layer MLPs)
    depths: tuple[int, ...] = (1, 2, 3)
    widths: tuple[int, ...] = (64, 128, 256, 512, 1024, 2048)
    seeds: int = 5
    n_points: int = 50
    input_dim: int = 10
    w_std: float = 2.0**0.5
    b_std: float = 0.1
    # 2–3. training: full-batch gradient descent on the MSE loss, y = sin(2 x·u), x ~ N(0, I)
    train_depth: int = 2
    train_widths: tuple[int, ...] = (64, 128, 256, 512)
    parameterizations: tuple[str, ...] = PARAMETERIZATIONS
    # 10 seeds: a log-log slope fitted over 3 octaves from 5 seeds scatters by ±0.065 (std over
    # 8 independent 5-seed blocks, measured for the linearised-vs-kernel gap), too much for a
    # ±0.1 tolerance; 10 seeds halve the variance.
    train_seeds: int = 10
    n_train: int = 32
    n_test: int = 64
    steps: int = 200
    lr_fraction: float = 0.5  # of the critical rate 2n/λ_max(Θ̂₀), min over seeds
    # 4. sympy kernels: activations checked against neural-tangents
    symbolic_activations: tuple[str, ...] = ("relu", "erf")
    # 5. sklearn digits: kernel regression against trained nets
    digits_train: int = 256
    digits_test: int = 512
    digits_depth: int = 1
    digits_widths: tuple[int, ...] = (32, 128, 512)
    digits_seeds: int = 5
    digits_steps: int = 500

    def __post_init__(self):
        for name in ("seeds", "n_points", "input_dim", "train_depth", "train_seeds", "n_train",
                     "n_test",
                     "steps", "digits_train", "digits_test", "digits_depth", "digits_seeds",
                     "digits_steps"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        for name in ("depths", "widths", "train_widths", "digits_widths"):
            v = getattr(self, name)
            if not v or any(w < 1 for w in v) or list(v) != sorted(set(v)):
                raise ValueError(f"{name} must be strictly increasing positive integers, "
                                 f"got {list(v)}")
        for name in ("widths", "train_widths"):
            if len(getattr(self, name)) < 2:
                raise ValueError(f"{name} needs at least two widths (a slope is fitted)")
        if not self.parameterizations or "ntk" not in self.parameterizations:
            raise ValueError("parameterizations must include 'ntk' (the lazy-regime claims)")
        bad = [p for p in self.parameterizations if p not in PARAMETERIZATIONS]
        if bad or len(set(self.parameterizations)) != len(self.parameterizations):
            raise ValueError(f"parameterizations must be distinct names from "
                             f"{', '.join(PARAMETERIZATIONS)}, got {list(self.parameterizations)}")
        for a in self.symbolic_activations:
            if a not in symbolic.ACTIVATIONS:
                raise ValueError(f"symbolic_activations: no derived kernel for {a!r}; "
                                 f"allowed: {', '.join(symbolic.ACTIVATIONS)}")
        if not 0 < self.lr_fraction < 1:
            raise ValueError(f"lr_fraction must be in (0, 1) (a fraction of the critical "
                             f"rate), got {self.lr_fraction}")
        if not (0 < self.w_std < float("inf")) or not (0 <= self.b_std < float("inf")):
            raise ValueError("w_std must be positive and b_std non-negative")
        if self.digits_train + self.digits_test > 1797:
            raise ValueError("digits has 1797 images: digits_train + digits_test must not "
                             "exceed it")

    @property
    def log_every(self) -> int:
        return self.steps // 5 if self.steps % 5 == 0 else self.steps

    @property
    def digits_log_every(self) -> int:
        return self.digits_steps // 5 if self.digits_steps % 5 == 0 else self.digits_steps


PROFILES = {
    # About a minute on a 2-core CPU; every part in under 4 GiB (the widest NTK, width 4096 at
    # 4 layers, holds one seed's 50 M parameters at a time).
    "quick": Config(),
    # Paper-scale, meant for a GPU: more seeds and points, training up to width 4096.
    "full": Config(
        depths=(1, 2, 3, 4),
        widths=(64, 128, 256, 512, 1024, 2048, 4096, 8192),
        seeds=20,
        n_points=100,
        train_widths=(64, 128, 256, 512, 1024, 2048, 4096),
        n_train=128,
        n_test=256,
        steps=2000,
        digits_train=1000,
        digits_test=797,
        digits_depth=2,
        digits_widths=(64, 128, 256, 512, 1024, 2048, 4096),
        digits_seeds=10,
        digits_steps=4000,
    ),
}

# Thresholds of the claims (stated once, here, with their reasons in the notes).
RATE = -0.5
SLOPE_TOL = 0.1
MF_FLAT = -0.15
SYMBOLIC_TOL = 1e-6
LIN_CLOSED_FORM_TOL = 1e-4
DIGITS_TOL = 0.02

CLAIMS = (
    Claim(
        id="ntk_converges_at_init",
        statement="The relative distance between empirical and analytic NTK at initialisation "
        "falls as width^(−1/2): log-log slope −0.5 at every depth (the worst depth reported).",
        source="Lee et al. 2019, Theorem 2.1 and Fig. 1; Jacot et al. 2018, Theorem 1",
        measured="conv_slope_worst",
        op="==",
        expected=RATE,
        tolerance=SLOPE_TOL,
        note="Central-limit scaling of a sum over n units. ±0.1 ≈ 2.5 standard errors of a "
        "5-seed slope (per-seed slopes scatter by ~0.08) and covers O(1/n) terms at n = 64.",
    ),
    Claim(
        id="lazy_ntk_drift",
        statement="NTK parameterisation: the relative change of the empirical NTK during "
        "training falls at least as fast as width^(−1/2) (slope ≤ −0.5).",
        source="Jacot et al. 2018, Theorem 2; Lee et al. 2019, Theorem 2.1 (O(n^(−1/2)))",
        measured="drift_slope__ntk",
        op="<=",
        expected=RATE,
        tolerance=SLOPE_TOL,
        note="An upper bound; the issue's CPU run measured −0.83. ±0.1: seed spread of the "
        "slope. Each parameterisation trains at the same fraction of its critical rate.",
    ),
    Claim(
        id="feature_learning_drift",
        statement="Mean-field (μP-style) output scaling, learning rate ∝ n: the NTK drift does "
        "not fall with width (slope ≥ −0.15).",
        source="Chizat, Oyallon & Bach 2019, Sec. 2; Yang & Hu 2021, Sec. 5 (features move "
        "by Θ(1) in the mean-field/μP limit)",
        measured="drift_slope__mean_field",
        op=">=",
        expected=MF_FLAT,
        note="Theory: slope 0. −0.15 allows finite-width corrections and seed spread, far "
        "from the lazy −0.5. No biases in this net (an O(1) bias gradient would set the rate).",
    ),
    Claim(
        id="net_vs_linearised",
        statement="NTK parameterisation: the RMS gap between the trained net's test "
        "predictions and its linearised model's falls at least as fast as width^(−1/2).",
        source="Lee et al. 2019, Theorem 2.1 (sup_t ‖f_t − f_t^lin‖ = O(n^(−1/2))), Fig. 2",
        measured="lin_gap_slope__ntk",
        op="<=",
        expected=RATE,
        tolerance=SLOPE_TOL,
        note="An upper bound (the issue's run: −0.66). Linearised predictions: the exact "
        "gradient-descent closed form with each seed's Θ̂₀ (see linearised_closed_form).",
    ),
    Claim(
        id="net_vs_kernel",
        statement="The RMS gap between the trained net and the infinite-width prediction "
        "(analytic NTK, same rate and steps, the net's own f₀) shrinks as width^(−1/2).",
        source="Lee et al. 2019, Theorem 2.1 and Eq. 11; Jacot et al. 2018, Theorem 2",
        measured="kernel_gap_slope",
        op="<=",
        expected=RATE,
        tolerance=SLOPE_TOL,
        note="Set by Θ̂₀ − Θ = O(n^(−1/2)), so −0.5 itself: ±0.1 ≈ 2 SD of a 10-seed slope "
        "(the 40-seed slope over 64–512 is −0.49). The own f₀ removes the random initial "
        "function, which does not shrink with width.",
    ),
    Claim(
        id="linearised_closed_form",
        statement="A linearised net trained by gradient descent matches the closed-form "
        "prediction with its Θ̂₀: max |Δf| on test points ≤ 1e-4.",
        source="Lee et al. 2019, Eqs. 3, 5–11 (a linear model's dynamics are linear in Θ̂₀)",
        measured="lin_closed_form_max_abs",
        op="<=",
        expected=LIN_CLOSED_FORM_TOL,
        note="Exact in exact arithmetic; 1e-4 covers float32 training against a float64 "
        "closed form. Narrowest training width, all seeds.",
    ),
    Claim(
        id="sympy_kernels",
        statement="The sympy-derived NNGP and NTK (ReLU arc-cosine, erf; one hidden layer and "
        "the layer recursion) equal neural-tangents' analytic kernels to 1e-6.",
        source="Cho & Saul 2009, Eq. 1; Williams 1997, Eq. 11; Jacot et al. 2018, Theorem 1",
        measured="symbolic_max_rel_error",
        op="<=",
        expected=SYMBOLIC_TOL,
        note="float64 on both sides; max |sympy − nt| / max |nt|, worst case. The ReLU NTK "
        "differs by ~1e-9 on the diagonal, where arccos(ρ → 1) loses digits.",
    ),
    Claim(
        id="kernel_vs_finite_digits",
        statement="sklearn digits: NNGP/NTK kernel regression (the better) is at least as "
        "accurate as the best finite FC net trained with MSE (median over seeds).",
        source="Lee et al. 2020, Sec. 3.1 and Fig. 1 (kernels outperform finite FC nets); "
        "Arora et al. 2019",
        measured="digits_kernel_minus_best_net",
        op=">=",
        expected=0.0,
        tolerance=DIGITS_TOL,
        note="A comparison on a small dataset, not a published number. 2 points ≈ 1.6 "
        "binomial SE at 95 % on 512 test images. Accuracies in digits_acc__*.",
    ),
)


# ---------------------------------------------------------------------------------------------
# Nets and data
# ---------------------------------------------------------------------------------------------


def _mlp(cfg: Config, width: int, depth: int, parameterization: str = "ntk",
         out_dim: int = 1) -> nets.Net:
    """ReLU MLP; ``mean_field`` is the NTK parameterisation with the readout scaled by an
    extra 1/√width (f = σ_v/n Σ vᵢ φ(zᵢ)) and no biases (Mei et al. 2018; Chizat et al. 2019)."""
    if parameterization == "mean_field":
        return nets.mlp(width, depth, out_dim, "relu", parameterization="ntk", w_std=cfg.w_std,
                        b_std=0.0, out_w_std=cfg.w_std / width**0.5)
    return nets.mlp(width, depth, out_dim, "relu", parameterization=parameterization,
                    w_std=cfg.w_std, b_std=cfg.b_std)


def _regression(cfg: Config, key) -> dict[str, jax.Array]:
    """x ~ N(0, I_d) (train and test), y = sin(2 x·u) with a random unit vector u: a smooth
    single-index target of unit scale (the Gaussian-input setting of Lee et al. 2019, Sec. 3)."""
    k_tr, k_te, k_u = jax.random.split(key, 3)
    u = jax.random.normal(k_u, (cfg.input_dim,))
    u = u / jnp.linalg.norm(u)
    x = jax.random.normal(k_tr, (cfg.n_train, cfg.input_dim))
    xt = jax.random.normal(k_te, (cfg.n_test, cfg.input_dim))
    f = lambda z: jnp.sin(2.0 * z @ u)[:, None]
    return dict(x_train=x, y_train=f(x), x_test=xt, y_test=f(xt))


def _digits(key, n_train: int, n_test: int) -> dict[str, np.ndarray]:
    """sklearn's 8×8 digits (1797 images, shipped with scikit-learn, no download): a seeded
    split, pixels standardised with the training split's mean and standard deviation, targets
    one-hot minus 1/10 (zero-mean regression targets, as Lee et al. 2018, Sec. 3.1)."""
    from sklearn.datasets import load_digits

    d = load_digits()
    x, labels = d.data.astype(np.float64), d.target.astype(np.int32)
    perm = np.asarray(jax.random.permutation(key, len(x)))
    tr, te = perm[:n_train], perm[n_train:n_train + n_test]
    mu, sd = x[tr].mean(0), x[tr].std(0)
    sd = np.where(sd > 0, sd, 1.0)
    x = (x - mu) / sd
    y = np.eye(10)[labels] - 0.1
    return dict(x_train=x[tr].astype(np.float32), y_train=y[tr].astype(np.float32),
                x_test=x[te].astype(np.float32), y_test=y[te].astype(np.float32),
                labels_test=labels[te])


def _stack_ntk(net, params, x):
    """The empirical NTK on x of every member of a stacked ensemble, (K, n, n)."""
    return jax.vmap(lambda p: kernels.empirical_ntk(net, p, x))(params)


# ---------------------------------------------------------------------------------------------
# 1. Convergence at initialisation
# ---------------------------------------------------------------------------------------------


def _convergence_point(cfg: Config, net, keys, x, theta) -> dict[str, np.ndarray]:
    """Empirical NTKs of ``seeds`` fresh nets and their distances to the analytic NTK.

    Parameters are drawn by ``train.init_ensemble`` outside ``jit`` on purpose: its random
    draws are compiled once per weight shape and shared by every depth and seed, where a
    jitted init would recompile them for every net (seconds each on a CPU)."""
    params = train.init_ensemble(net, keys, (-1, x.shape[1]))
    emp = _stack_ntk(net, params, x)
    return dict(distance=kernels.kernel_distance(emp, theta),
                seed0=np.asarray(emp[0], np.float32))


def _convergence(cfg: Config, key, step) -> tuple[pd.DataFrame, dict]:
    x = jax.random.normal(jax.random.fold_in(key, 0), (cfg.n_points, cfg.input_dim))
    rows, arrays = [], dict(conv_x=np.asarray(x))
    points = [(d, w) for d in cfg.depths for w in cfg.widths]
    thetas = {d: kernels.analytic_kernels(_mlp(cfg, cfg.widths[0], d), x).ntk
              for d in cfg.depths}
    for depth, width in train.progress(points, "NTK at initialisation"):
        net = _mlp(cfg, width, depth)
        keys = jax.random.split(jax.random.fold_in(jax.random.fold_in(key, depth), width),
                                cfg.seeds)
        compute = functools.partial(_convergence_point, cfg, net, keys, x, thetas[depth])
        point = step(f"conv-d{depth}-w{width}", compute)
        for s, dist in enumerate(point["distance"]):
            rows.append(dict(depth=depth, layers=depth + 1, width=width, seed=s,
                             distance=float(dist)))
        if depth == cfg.train_depth and width in (cfg.widths[0], cfg.widths[-1]):
            arrays[f"conv_empirical__w{width}"] = point["seed0"]
    if cfg.train_depth in thetas:
        arrays["conv_analytic"] = np.asarray(thetas[cfg.train_depth], np.float32)
    return pd.DataFrame(rows), arrays


# ---------------------------------------------------------------------------------------------
# 2–3. Training: NTK drift, linearisation, kernel prediction
# ---------------------------------------------------------------------------------------------


def _train_point(cfg: Config, net, keys, ds: dict, theta_analytic, lr: float,
                 explicit_linear: bool):
    """Train ``seeds`` nets of one width by full-batch gradient descent at rate ``lr``;
    measure the NTK drift, and the test predictions of the net, its linearisation (closed
    form) and, given ``theta_analytic``, the analytic kernel (closed form, the net's own f₀)."""
    n = cfg.n_train
    z = jnp.concatenate([ds["x_train"], ds["x_test"]])
    params0 = train.init_ensemble(net, keys, (-1, cfg.input_dim))
    th0 = _stack_ntk(net, params0, z)
    params, hist = train.fit_ensemble(net, params0, ds, optimizer="sgd", learning_rate=lr,
                                      steps=cfg.steps, log_every=cfg.log_every)
    th_t = _stack_ntk(net, params, z)
    apply = jax.jit(jax.vmap(net.apply, (0, None)))
    f0_tr, f0_te = apply(params0, ds["x_train"]), apply(params0, ds["x_test"])
    f_te = np.asarray(apply(params, ds["x_test"]), np.float64)
    y = ds["y_train"]
    th0 = np.asarray(th0, np.float64)
    _, lin_te = kernels.predict_gradient_descent(
        (th0[:, :n, :n], th0[:, n:, :n]), y, cfg.steps, lr, f0_train=f0_tr, f0_test=f0_te)
    out = dict(
        drift=kernels.kernel_distance(th_t, th0),
        lin_gap=kernels.prediction_rmse(f_te, lin_te),
        net_test_rmse=kernels.prediction_rmse(f_te, ds["y_test"]),
        lin_test_rmse=kernels.prediction_rmse(lin_te, ds["y_test"]),
        train_loss=hist.final("train_loss"),
        diverged=hist.diverged,
    )
    if theta_analytic is not None:
        th = theta_analytic
        kernel = ((th[:n, :n], th[n:, :n]), y)
        _, ker_te = kernels.predict_gradient_descent(*kernel, cfg.steps, lr, f0_train=f0_tr,
                                                     f0_test=f0_te)
        _, flow_te = kernels.predict_gradient_flow(*kernel, lr * cfg.steps, f0_train=f0_tr,
                                                   f0_test=f0_te)
        out.update(kernel_gap=kernels.prediction_rmse(f_te, ker_te),
                   lin_kernel_gap=kernels.prediction_rmse(lin_te, ker_te),
                   kernel_test_rmse=kernels.prediction_rmse(ker_te, ds["y_test"]),
                   flow_vs_descent=kernels.prediction_rmse(flow_te, ker_te),
                   pred_net=f_te[0, :, 0], pred_lin=lin_te[0, :, 0], pred_kernel=ker_te[0, :, 0])
    if explicit_linear:
        lnet = kernels.linearized_net(net)
        lp, _ = train.fit_ensemble(lnet, kernels.linearized_params(params0), ds,
                                   optimizer="sgd", learning_rate=lr, steps=cfg.steps,
                                   log_every=cfg.steps)
        lin_explicit = np.asarray(jax.vmap(lnet.apply, (0, None))(lp, ds["x_test"]))
        out["lin_closed_form_max_abs"] = np.max(np.abs(lin_explicit - lin_te))
    return out


def _training(cfg: Config, key, step) -> tuple[pd.DataFrame, dict, dict]:
    """Every parameterisation and width trains at ``lr_fraction`` × the critical rate
    2n/λ_max of its own infinite-width NTK (neural-tangents; width-independent in the NTK
    parameterisation, ∝ 1/n in the standard one, ∝ n under the mean-field scaling), so the
    training time is comparable across widths and every seed gets the same rate."""
    ds = _regression(cfg, jax.random.fold_in(key, 0))
    n = cfg.n_train
    z = jnp.concatenate([ds["x_train"], ds["x_test"]])
    rows, extra, arrays = [], {}, {}
    points = [(p, w) for p in cfg.parameterizations for w in cfg.train_widths]
    for par, width in train.progress(points, "training"):
        net = _mlp(cfg, width, cfg.train_depth, par)
        theta = kernels.analytic_kernels(net, z, float64=True).ntk
        lr = cfg.lr_fraction * float(kernels.max_learning_rate(theta[:n, :n]))
        keys = jax.random.split(jax.random.fold_in(jax.random.fold_in(key, width),
                                                   PARAMETERIZATIONS.index(par) + 1),
                                cfg.train_seeds)
        explicit = par == "ntk" and width == cfg.train_widths[0]
        compute = functools.partial(_train_point, cfg, net, keys, ds,
                                    theta if par == "ntk" else None, lr, explicit)
        point = step(f"train-{par}-w{width}", compute)
        for s in range(cfg.train_seeds):
            row = dict(parameterization=par, width=width, seed=s, lr=lr)
            for k in ("drift", "lin_gap", "net_test_rmse", "lin_test_rmse", "train_loss",
                      "kernel_gap", "lin_kernel_gap", "kernel_test_rmse", "flow_vs_descent"):
                if k in point:
                    row[k] = float(point[k][s])
            row["diverged"] = bool(point["diverged"][s])
            rows.append(row)
        if "lin_closed_form_max_abs" in point:
            extra["lin_closed_form_max_abs"] = float(point["lin_closed_form_max_abs"])
        if par == "ntk" and width in (cfg.train_widths[0], cfg.train_widths[-1]):
            for k in ("pred_net", "pred_lin", "pred_kernel"):
                arrays[f"{k}__w{width}"] = np.asarray(point[k], np.float32)
    return pd.DataFrame(rows), extra, arrays


# ---------------------------------------------------------------------------------------------
# 4. sympy kernels against neural-tangents
# ---------------------------------------------------------------------------------------------


def _symbolic(cfg: Config, x) -> pd.DataFrame:
    """Largest relative error of the sympy kernels (one hidden layer: the lambdified closed
    form; deeper: the layer recursion) against neural-tangents, both float64."""
    x64 = np.asarray(x, np.float64)
    rows = []
    for act in cfg.symbolic_activations:
        for depth in cfg.depths:
            net = nets.mlp(16, depth, 1, act, w_std=cfg.w_std, b_std=cfg.b_std)
            ref = kernels.analytic_kernels(net, x64, float64=True)
            if depth == 1:
                sq = np.sum(x64**2, axis=1)
                sym = symbolic.one_hidden_layer_kernel_fn(act)(
                    sq[:, None], x64 @ x64.T, sq[None, :], x64.shape[1], cfg.w_std, cfg.w_std,
                    cfg.b_std)
                form = "closed form"
            else:
                sym = symbolic.kernel_fn(act, depth, w_std=cfg.w_std, b_std=cfg.b_std)(x64)
                form = "recursion"
            for name, a, b in (("nngp", sym[0], ref.nngp), ("ntk", sym[1], ref.ntk)):
                err = float(np.max(np.abs(a - b)) / np.max(np.abs(b)))
                rows.append(dict(activation=act, depth=depth, kernel=name, form=form,
                                 max_rel_error=err))
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# 5. Digits: kernel regression against finite nets
# ---------------------------------------------------------------------------------------------


def _accuracy(pred, labels) -> np.ndarray:
    return np.mean(np.argmax(np.asarray(pred), axis=-1) == np.asarray(labels), axis=-1)


def _digits_point(cfg: Config, net, keys, ds: dict, lr: float) -> dict[str, np.ndarray]:
    params = train.init_ensemble(net, keys, (-1, ds["x_train"].shape[1]))
    data = {k: ds[k] for k in ("x_train", "y_train", "x_test", "y_test")}
    params, hist = train.fit_ensemble(net, params, data, optimizer="sgd", learning_rate=lr,
                                      steps=cfg.digits_steps, log_every=cfg.digits_log_every)
    pred = np.asarray(jax.jit(jax.vmap(net.apply, (0, None)))(params, ds["x_test"]), np.float64)
    return dict(accuracy=_accuracy(pred, ds["labels_test"]),
                ensemble_accuracy=_accuracy(pred.mean(0), ds["labels_test"]),
                train_loss=hist.final("train_loss"), diverged=hist.diverged)


def _digits_study(cfg: Config, key, step) -> tuple[pd.DataFrame, pd.DataFrame]:
    ds = _digits(jax.random.fold_in(key, 0), cfg.digits_train, cfg.digits_test)
    net0 = _mlp(cfg, cfg.digits_widths[0], cfg.digits_depth, out_dim=10)
    n = cfg.digits_train
    z = np.concatenate([ds["x_train"], ds["x_test"]])
    k = kernels.analytic_kernels(net0, z, float64=True)
    lr = cfg.lr_fraction * float(kernels.max_learning_rate(k.ntk[:n, :n]))
    y, labels = ds["y_train"], ds["labels_test"]
    _, ntk_t = kernels.predict_gradient_descent((k.ntk[:n, :n], k.ntk[n:, :n]), y,
                                                cfg.digits_steps, lr)
    kern = pd.DataFrame([
        dict(predictor="NNGP regression (t = ∞)",
             accuracy=_accuracy(kernels.kernel_regression(k.nngp[:n, :n], k.nngp[n:, :n], y),
                                labels)),
        dict(predictor="NTK regression (t = ∞)",
             accuracy=_accuracy(kernels.kernel_regression(k.ntk[:n, :n], k.ntk[n:, :n], y),
                                labels)),
        dict(predictor="NTK gradient descent (same steps as nets)",
             accuracy=_accuracy(ntk_t, labels)),
    ])
    kern["accuracy"] = kern["accuracy"].astype(float)
    rows = []
    for width in train.progress(cfg.digits_widths, "digits"):
        net = _mlp(cfg, width, cfg.digits_depth, out_dim=10)
        keys = jax.random.split(jax.random.fold_in(key, width), cfg.digits_seeds)
        point = step(f"digits-w{width}", functools.partial(_digits_point, cfg, net, keys, ds,
                                                           lr))
        for s in range(cfg.digits_seeds):
            rows.append(dict(width=width, seed=s, lr=lr,
                             accuracy=float(point["accuracy"][s]),
                             ensemble_accuracy=float(point["ensemble_accuracy"]),
                             train_loss=float(point["train_loss"][s]),
                             diverged=bool(point["diverged"][s])))
    return pd.DataFrame(rows), kern


# ---------------------------------------------------------------------------------------------
# Run
# ---------------------------------------------------------------------------------------------


def _slope(df: pd.DataFrame, value: str) -> float:
    """Pooled least-squares slope of log(value) on log(width) over every seed and width."""
    return approx.loglog_slope(df["width"].to_numpy(float), df[value].to_numpy(float))


def summarise(conv: pd.DataFrame, trained: pd.DataFrame, sym: pd.DataFrame,
              digits: pd.DataFrame, kern: pd.DataFrame) -> dict[str, float]:
    """The claims' metrics (and the key numbers beside them) from the stored tables."""
    m: dict[str, float] = {}
    slopes = {}
    for depth, g in conv.groupby("depth"):
        slopes[depth] = _slope(g, "distance")
        m[f"conv_slope__depth{depth}"] = slopes[depth]
        for w, gw in g.groupby("width"):
            m[f"conv_distance__depth{depth}__w{w}"] = float(gw["distance"].mean())
    m["conv_slope_worst"] = max(slopes.values(), key=lambda s: abs(s - RATE))
    ok = trained[~trained["diverged"]]
    for par, g in ok.groupby("parameterization"):
        m[f"drift_slope__{par}"] = _slope(g, "drift")
        m[f"lin_gap_slope__{par}"] = _slope(g, "lin_gap")
        for w, gw in g.groupby("width"):
            m[f"drift__{par}__w{w}"] = float(gw["drift"].mean())
            m[f"lin_gap__{par}__w{w}"] = float(gw["lin_gap"].mean())
    ntk = ok[ok["parameterization"] == "ntk"]
    m["kernel_gap_slope"] = _slope(ntk, "kernel_gap")
    m["lin_kernel_gap_slope"] = _slope(ntk, "lin_kernel_gap")
    for w, gw in ntk.groupby("width"):
        m[f"kernel_gap__w{w}"] = float(gw["kernel_gap"].mean())
        m[f"lin_kernel_gap__w{w}"] = float(gw["lin_kernel_gap"].mean())
    # numpy maxima, so that a NaN propagates into the metric (and fails its claim)
    m["flow_vs_descent_max"] = float(np.max(ntk["flow_vs_descent"].to_numpy()))
    m["symbolic_max_rel_error"] = float(np.max(sym["max_rel_error"].to_numpy()))
    med = digits.groupby("width")["accuracy"].median()
    best_net = float(med.max())
    acc = dict(zip(kern["predictor"], kern["accuracy"], strict=True))
    best_kernel = max(v for k, v in acc.items() if "t = ∞" in k)
    m["digits_acc__best_net_median"] = best_net
    m["digits_acc__best_net_width"] = float(med.idxmax())
    m["digits_acc__best_ensemble"] = float(digits.groupby("width")["ensemble_accuracy"]
                                           .first().max())
    m["digits_acc__nngp"] = float(acc["NNGP regression (t = ∞)"])
    m["digits_acc__ntk"] = float(acc["NTK regression (t = ∞)"])
    m["digits_acc__ntk_same_time"] = float(acc["NTK gradient descent (same steps as nets)"])
    m["digits_kernel_minus_best_net"] = best_kernel - best_net
    m["diverged_members"] = float(trained["diverged"].sum() + digits["diverged"].sum())
    return m


def run(cfg: Config, key: jax.Array, ckpt=None) -> Results:
    """Run the four sweeps; every number the claims read is in ``metrics``.

    ``ckpt`` (a ``nntheory.store.Checkpoint``, given by ``nntheory run``) lets a killed run
    resume at the next sweep point."""
    step = ckpt.step if ckpt is not None else (lambda name, compute: compute())
    k_conv, k_train, k_digits = jax.random.split(key, 3)
    conv, conv_arrays = _convergence(cfg, k_conv, step)
    trained, extra, pred_arrays = _training(cfg, k_train, step)
    sym = _symbolic(cfg, conv_arrays["conv_x"])
    digits, kern = _digits_study(cfg, k_digits, step)
    metrics = {**summarise(conv, trained, sym, digits, kern), **extra}
    return Results(
        tables=dict(convergence=conv, training=trained, symbolic=sym, digits=digits,
                    digits_kernels=kern),
        arrays={**conv_arrays, **pred_arrays},
        metrics=metrics,
    )


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------


def _width_axis(ax, widths):
    """Log width axis labelled with the widths themselves."""
    ax.set_xscale("log")
    ax.set_xticks(list(widths))
    ax.set_xticklabels([str(w) for w in widths])
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())


def _reference_line(ax, widths, anchor: float, slope: float, label: str):
    w = np.array([min(widths), max(widths)], float)
    ax.plot(w, anchor * (w / w[0]) ** slope, ls=":", color="0.3", lw=1.2, label=label)


def _convergence_figure(res: Results, cfg: Config) -> Figure:
    conv = res.tables["convergence"]
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.9), gridspec_kw=dict(width_ratios=[1.25, 1]))
    ax = axes[0]
    sns.lineplot(data=conv, x="width", y="distance", hue="layers", style="layers",
                 markers=True, dashes=False, errorbar=("pi", 100), palette="colorblind", ax=ax)
    ax.set(xscale="log", yscale="log", xlabel="hidden width n",
           ylabel=r"$\|\hat\Theta_0-\Theta\|_F/\|\Theta\|_F$")
    _width_axis(ax, cfg.widths)
    first = conv[conv["width"] == conv["width"].min()]["distance"].mean()
    _reference_line(ax, conv["width"], first, -0.5, r"$\propto n^{-1/2}$")
    slopes = ", ".join(f"{d + 1} layers {res.metrics[f'conv_slope__depth{d}']:.2f}"
                       for d in sorted(conv["depth"].unique()))
    ax.set_title(f"slopes: {slopes}", fontsize=8)
    ax.legend(fontsize=7, title="layers", title_fontsize=7)
    ax = axes[1]
    if "conv_analytic" in res.arrays:
        th = res.arrays["conv_analytic"].ravel()
        lim = [th.min(), th.max()]
        for w, c in ((cfg.widths[0], "tab:orange"), (cfg.widths[-1], "tab:blue")):
            k = f"conv_empirical__w{w}"
            if k in res.arrays:
                ax.scatter(th, res.arrays[k].ravel(), s=3, alpha=0.5, color=c,
                           label=f"width {w}")
        ax.plot(lim, lim, color="k", lw=1)
        ax.set(xlabel=r"analytic $\Theta(x,x')$", ylabel=r"empirical $\hat\Theta_0(x,x')$")
        ax.set_title(f"{cfg.train_depth + 1} layers, seed 0, all pairs", fontsize=8)
        ax.legend(fontsize=7, markerscale=3)
    fig.tight_layout()
    return Figure(
        "ntk_convergence",
        "Left: relative Frobenius distance between the empirical NTK at initialisation "
        f"({cfg.n_points} Gaussian inputs) and neural-tangents' analytic NTK, against width; "
        f"line = mean over {cfg.seeds} seeds, band = min–max; dotted: slope −1/2 (Lee et al. "
        "2019, Fig. 1). Right: kernel entries, empirical against analytic, at the narrowest "
        "and widest width.",
        fig,
    )


def _drift_figure(res: Results, cfg: Config) -> Figure:
    tr = res.tables["training"]
    tr = tr[~tr["diverged"]]
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.9))
    for ax, col, label in ((axes[0], "drift", r"$\|\hat\Theta_T-\hat\Theta_0\|_F/"
                                               r"\|\hat\Theta_0\|_F$"),
                           (axes[1], "lin_gap", r"RMS$(f_T-f^{\mathrm{lin}}_T)$ on test")):
        sns.lineplot(data=tr, x="width", y=col, hue="parameterization",
                     style="parameterization", markers=True, dashes=False,
                     errorbar=("pi", 100), palette="colorblind", ax=ax)
        ax.set(xscale="log", yscale="log", xlabel="hidden width n", ylabel=label)
        _width_axis(ax, cfg.train_widths)
        first = tr[(tr["width"] == tr["width"].min()) & (tr["parameterization"] == "ntk")][col]
        _reference_line(ax, tr["width"], float(first.mean()), -0.5, r"$\propto n^{-1/2}$")
        slopes = ", ".join(f"{p} {res.metrics[f'{col}_slope__{p}']:.2f}"
                           for p in cfg.parameterizations)
        ax.set_title(f"slopes: {slopes}", fontsize=8)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return Figure(
        "lazy_training",
        f"Full-batch gradient descent on the MSE loss ({cfg.n_train} points, {cfg.steps} "
        f"steps, {cfg.lr_fraction:g} × the critical rate 2n/λ_max(Θ̂₀)), {cfg.train_depth + 1}"
        f"-layer ReLU nets, {cfg.train_seeds} seeds (band = min–max). Left: relative change of the "
        "empirical NTK between initialisation and the end of training. Right: RMS gap between "
        "the trained net and its linearisation on the test points. NTK and standard "
        "parameterisations are lazy (both fall with width); the mean-field output scaling "
        "learns features at every width.",
        fig,
    )


def _kernel_gap_figure(res: Results, cfg: Config) -> Figure:
    tr = res.tables["training"]
    tr = tr[(tr["parameterization"] == "ntk") & ~tr["diverged"]]
    long = tr.melt(id_vars=["width", "seed"], value_vars=["lin_gap", "kernel_gap"],
                   var_name="gap", value_name="rms")
    long["gap"] = long["gap"].map({"lin_gap": "net vs its linearisation",
                                   "kernel_gap": "net vs analytic-NTK prediction"})
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.9))
    ax = axes[0]
    sns.lineplot(data=long, x="width", y="rms", hue="gap", style="gap", markers=True,
                 dashes=False, errorbar=("pi", 100), palette="colorblind", ax=ax)
    ax.set(xscale="log", yscale="log", xlabel="hidden width n", ylabel="RMS gap on test points")
    first = long[long["width"] == long["width"].min()]["rms"].max()
    _reference_line(ax, long["width"], float(first), -0.5, r"$\propto n^{-1/2}$")
    ax.set_title(f"slopes: linearisation {res.metrics['lin_gap_slope__ntk']:.2f}, kernel "
                 f"{res.metrics['kernel_gap_slope']:.2f}", fontsize=8)
    ax.legend(fontsize=7)
    _width_axis(ax, cfg.train_widths)
    ax = axes[1]
    for w, c in ((cfg.train_widths[0], "tab:orange"), (cfg.train_widths[-1], "tab:blue")):
        if f"pred_net__w{w}" in res.arrays:
            ax.scatter(res.arrays[f"pred_kernel__w{w}"], res.arrays[f"pred_net__w{w}"], s=9,
                       alpha=0.7, color=c, label=f"width {w}")
    lims = [min(ax.get_xlim()[0], ax.get_ylim()[0]), max(ax.get_xlim()[1], ax.get_ylim()[1])]
    ax.plot(lims, lims, color="k", lw=1)
    ax.set(xlabel="analytic-NTK prediction (own f₀)", ylabel="trained net")
    ax.set_title("test-point predictions, seed 0", fontsize=8)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, markerscale=1.5)
    fig.tight_layout()
    return Figure(
        "linearisation",
        "NTK parameterisation. Left: RMS gap, on the test points, between the trained net and "
        "(i) its linearised model trained for the same steps (closed form with its own Θ̂₀), "
        "(ii) the infinite-width prediction (analytic NTK, same steps and rate, the net's own "
        "f₀); dotted: slope −1/2. Right: the trained net's test predictions against the "
        "infinite-width ones at the narrowest and widest width.",
        fig,
    )


def _digits_figure(res: Results, cfg: Config) -> Figure:
    dg = res.tables["digits"]
    kern = res.tables["digits_kernels"]
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    sns.lineplot(data=dg, x="width", y="accuracy", marker="o", errorbar=("pi", 100),
                 estimator="median", label="finite nets (median, min–max)", ax=ax)
    ens = dg.groupby("width")["ensemble_accuracy"].first()
    ax.plot(ens.index, ens.values, marker="s", ls="--", color="tab:green",
            label=f"ensemble of {cfg.digits_seeds} nets")
    styles = dict(zip(kern["predictor"], ("tab:purple", "tab:red", "tab:gray"), strict=False))
    for _, r in kern.iterrows():
        ax.axhline(r["accuracy"], color=styles.get(r["predictor"], "k"), ls=":",
                   label=f"{r['predictor']}: {r['accuracy']:.3f}")
    ax.set(xscale="log", xlabel="hidden width n", ylabel="test accuracy")
    _width_axis(ax, cfg.digits_widths)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return Figure(
        "digits",
        f"sklearn digits ({cfg.digits_train} training, {cfg.digits_test} test images): test "
        f"accuracy of {cfg.digits_depth + 1}-layer ReLU nets trained by gradient descent on "
        f"the MSE loss ({cfg.digits_steps} steps, one-hot − 0.1 targets), against kernel "
        "regression with the same architecture's NNGP and NTK (Lee et al. 2020 report FC "
        "kernels matching or beating FC nets). Averaging the nets (green) removes most of the "
        "gap: what separates a finite net from the kernel here is its random initial function "
        "f₀, which does not shrink with width, not a failure to become lazy.",
        fig,
    )


def figures(res: Results, cfg: Config) -> list[Figure]:
    """The report's figures, drawn from stored results only."""
    return [_convergence_figure(res, cfg), _drift_figure(res, cfg),
            _kernel_gap_figure(res, cfg), _digits_figure(res, cfg)]
