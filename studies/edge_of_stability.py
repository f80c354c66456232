"""Edge of stability: full-batch gradient descent sharpens until the top Hessian eigenvalue
reaches 2/η and then hovers there; Adam's preconditioned sharpness equilibrates at 38/η; a wide
net trained above 2/λ₀ is catapulted to a flatter region; mini-batch SGD settles below 2/η.

The science lives in nntheory.analysis.eos (the experiments and their reading) and
nntheory.analysis.sharpness (Hessian-vector products and Lanczos inside the training program);
this file declares the sweeps, the claims with their sources and the figures. Data: sklearn's
8×8 digits (a fresh subset per replicate, standardised pixels, one-hot targets minus 1/10 for
MSE). Learning rates of the GD and SGD arms are multiples of 2/S₀, S₀ the replicate's sharpness
at initialisation, so that every architecture is probed at the same places relative to its own
threshold; the catapult's are multiples of 2/λ₀, λ₀ the NTK's top eigenvalue over n.

The grids and run lengths were set, and every threshold below fixed, after development runs on
keys outside the replicates (tanh MLP 64–48–48–10, 256 digits): sharpness at init ≈ 9 and ≈ 7
after the first steps; at m ≤ 0.2 it rose 13–35 % in 2,000 steps without reaching 2/η; at m ≥ 1
it sat at 1.00–1.03 × 2/η; Adam at 0.99–1.0 × 38/η for η ≥ 0.008; SGD (batch 32) at
0.92–0.94 × 2/η; the catapult's boundaries at 1.0–1.15 and 1.7–2.2 × 2/λ₀ (ReLU, tanh).
Measured at quick: progressive sharpening 5/5 at seeds 0–4 (rise 1.10–1.34) but 1/5 at
9000–9004 (1.04–1.20): within 1,500 steps the rise sits near its 10 % line; every other claim
held at both.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from nntheory import nets
from nntheory.analysis import eos, ntk, sharpness
from nntheory.claims import Claim, farthest, measured
from nntheory.config import StudyConfig, at_least, field, increasing, nonempty, one_of, positive
from nntheory.report import Figure, plots
from nntheory.study import Rows, Sweep

TITLE = "Edge of stability: sharpness at 2/η, Adam at 38/η, and the catapult"

SUMMARY = r"""
Classical optimisation says gradient descent with step $\eta$ is stable only where the
sharpness $\lambda_{max}(\nabla^2 L)$ is below $2/\eta$. On neural networks full-batch gradient
descent does something else (Cohen et al. 2021): the sharpness rises during training
(progressive sharpening) until it reaches $2/\eta$, and then stays there while the loss keeps
falling, non-monotonically — the edge of stability. Adam's preconditioned sharpness does the
same at $38/\eta$ (Cohen et al. 2022). A wide network started with a step above $2/\lambda_0$
first blows its loss up, then lands in a flatter region: the catapult (Lewkowycz et al. 2020).

Each is measured here with the top Hessian eigenvalue computed by Lanczos inside the training
program, so that every learning rate and replicate is one compiled run.
"""

EQUATIONS = (
    (r"$\lambda_{max}(\nabla^2 L)\;\to\;2/\eta,\qquad \lambda_{max}(P^{-1}\nabla^2 L)\;\to\;"
     r"\frac{2+2\beta_1}{(1-\beta_1)\,\eta}=\frac{38}{\eta}$",
     "Gradient descent (Cohen et al. 2021) and Adam with its preconditioner P (Cohen et al. "
     "2022) at the edge of stability."),
    (r"$\eta<2/\lambda_0:\ \mathrm{lazy};\quad 2/\lambda_0<\eta<\eta_{max}:\ \mathrm{catapult};"
     r"\quad \eta_{max}=4/\lambda_0\ (uv\ \mathrm{model})$",
     "The three phases of Lewkowycz et al. 2020, λ₀ the top eigenvalue of the NTK over n."),
)

REFERENCES = (
    "J. M. Cohen, S. Kaur, Y. Li, J. Z. Kolter, A. Talwalkar (2021). Gradient descent on neural "
    "networks typically occurs at the edge of stability. ICLR 2021, arXiv:2103.00065.",
    "J. M. Cohen, B. Ghorbani, S. Krishnan, N. Agarwal, S. Medapati, M. Badura, D. Suo, D. "
    "Cardoze, Z. Nado, G. E. Dahl, J. Gilmer (2022). Adaptive gradient methods at the edge of "
    "stability. arXiv:2207.14484.",
    "A. Lewkowycz, Y. Bahri, E. Dyer, J. Sohl-Dickstein, G. Gur-Ari (2020). The large learning "
    "rate phase of deep learning: the catapult mechanism. arXiv:2003.02218.",
    "B. A. Pearlmutter (1994). Fast exact multiplication by the Hessian. Neural Comput. "
    "6:147–160.",
    "C. Lanczos (1950). An iteration method for the solution of the eigenvalue problem of "
    "linear differential and integral operators. J. Res. Natl. Bur. Stand. 45:255–282.",
)

ARCHS = ("tanh_mlp", "relu_mlp", "cnn")
SHARPENING_RISE = 1.1
PLATEAU_BAND = (0.9, 1.1)
SLOPE_TOL = 0.1
ADAM_BAND = (0.8, 1.2)
LAZY_TOL = 0.15
CRIT_BAND = (0.8, 1.25)
MAX_BAND = (1.5, 3.0)
FLAT_SLACK = 1.05


@dataclass(frozen=True)
class Config(StudyConfig):
    """Sizes of the edge-of-stability study."""

    n_train: int = field(256, at_least(16))
    archs: tuple[str, ...] = field(("tanh_mlp",), nonempty | one_of(*ARCHS))
    losses: tuple[str, ...] = field(("mse",), nonempty | one_of("mse", "cross_entropy"))
    tasks: tuple[str, ...] = field(("digits",), nonempty | one_of("digits", "synthetic"))
    width: int = field(48, positive)
    gd_multiples: tuple[float, ...] = field((0.1, 0.2, 1.1, 1.4, 1.7, 2.1, 2.6),
                                            increasing | positive)
    gd_steps: int = field(1500, positive)
    log_every: int = field(50, positive)
    lanczos_iters: int = field(15, at_least(2))
    adam_etas: tuple[float, ...] = field((0.008, 0.016, 0.032), increasing | positive)
    sgd_multiples: tuple[float, ...] = field((1.4, 2.1), increasing | positive)
    sgd_batch: int = field(32, positive)
    catapult_activations: tuple[str, ...] = field(("tanh", "relu"), nonempty | one_of("tanh",
                                                                                     "relu"))
    catapult_multiples: tuple[float, ...] = field(
        (0.5, 0.7, 0.85, 0.95, 1.05, 1.15, 1.3, 1.5, 1.75, 2.0, 2.3, 2.6, 3.0, 3.5, 4.0),
        increasing | positive)
    catapult_width: int = field(512, positive)
    catapult_n: int = field(64, at_least(4))
    catapult_steps: int = field(300, at_least(10))


PROFILES = {
    "test": Config(replicates=2, n_train=64, width=16, gd_multiples=(0.2, 1.4, 1.7, 2.1, 2.5),
                   gd_steps=300, log_every=20, lanczos_iters=8, adam_etas=(0.032, 0.064),
                   sgd_multiples=(2.1,), sgd_batch=32, catapult_activations=("tanh",),
                   catapult_multiples=(0.7, 1.3, 2.0, 4.0), catapult_width=64, catapult_n=16,
                   catapult_steps=60),
    "quick": Config(replicates=5),
    # Paper scale, for one GPU (estimated ~30 min, < 4 GB): all 1,797 digits and a synthetic
    # task, three architectures, MSE and cross-entropy, 10,000 steps.
    "full": Config(replicates=10, n_train=1797, archs=ARCHS, losses=("mse", "cross_entropy"),
                   tasks=("digits", "synthetic"), width=200, gd_steps=10000,
                   log_every=100, lanczos_iters=20, catapult_width=2048, catapult_n=256,
                   catapult_steps=1000),
}

CLAIMS = (
    Claim(id="progressive_sharpening",
          statement="Where 2/η is never reached, the sharpness rises during training: its final "
          f"value over its smallest after the first steps is at least {SHARPENING_RISE} for "
          "every such run.",
          source="Cohen et al. 2021, §3 (progressive sharpening)",
          note="The GD claims are judged on the square loss, as the source's; with "
          "cross-entropy (full profile) the sharpness falls late in training (their §3), "
          "reported as plateau_ratio_worst__cross_entropy.",
          measured="sharpening_rise_min", op=">=", expected=SHARPENING_RISE),
    Claim(id="sharpness_hovers_at_2_over_eta",
          statement="Once the sharpness reaches 2/η it stays there: its median over the rest "
          f"of training is within [{PLATEAU_BAND[0]}, {PLATEAU_BAND[1]}] × 2/η for every η "
          "that reached it.",
          source="Cohen et al. 2021, §3 and Fig. 1 (the sharpness hovers at, or just above, 2/η)",
          measured="plateau_ratio_worst", op="between", expected=PLATEAU_BAND),
    Claim(id="loss_falls_at_the_edge",
          statement="At the edge the training loss keeps falling over long horizons (final "
          "below half its value at entry) but not monotonically (at least one logged rise), "
          "for every η that reached it: fraction of such runs.",
          source="Cohen et al. 2021, §3 (the loss decreases over long timescales, "
          "non-monotonically)",
          measured="edge_loss_fraction", op="==", expected=1.0),
    Claim(id="threshold_follows_eta",
          statement="The plateau sharpness scales as 1/η: the log-log slope of the plateau "
          f"against η over the runs at the edge is −1 ± {SLOPE_TOL}.",
          source="Cohen et al. 2021, §3 (the plateau is 2/η at every η)",
          measured="plateau_slope", op="==", expected=-1.0, tolerance=SLOPE_TOL),
    Claim(id="adam_at_38_over_eta",
          statement="Adam's preconditioned sharpness equilibrates at (2 + 2β₁)/((1 − β₁)η) = "
          f"38/η: median over the rest of training within [{ADAM_BAND[0]}, {ADAM_BAND[1]}] × "
          "38/η at every η that reached it.",
          source="Cohen et al. 2022, §3 (adaptive edge of stability; β₁ = 0.9)",
          measured="adam_ratio_worst", op="between", expected=ADAM_BAND),
    Claim(id="sgd_settles_below_gd",
          statement="Mini-batch SGD's sharpness settles below full-batch GD's at the same η: "
          "the ratio of their plateaus is at most 1 at every η.",
          source="Cohen et al. 2021, §5 and App. (SGD sits below 2/η, the lower the smaller "
          "the batch)",
          measured="sgd_over_gd_max", op="<=", expected=1.0,
          note="Batch 32 of 256. The source's statement is qualitative; 1 is its threshold."),
    Claim(id="lazy_below_2_over_lambda0",
          statement="Below 2/λ₀ training is lazy: the loss never rises and the final curvature "
          f"is within {LAZY_TOL:.0%} of λ₀, for every run with η < 0.9 · 2/λ₀.",
          source="Lewkowycz et al. 2020, §2–3 (the lazy phase)",
          measured="lazy_curvature_change_max", op="<=", expected=LAZY_TOL,
          note="At width 512 the NTK itself moves by several per cent in a lazy run."),
    Claim(id="catapult_starts_at_2_over_lambda0",
          statement="The catapult phase (the loss rises, then falls) begins at 2/λ₀: the "
          f"measured boundary is within [{CRIT_BAND[0]}, {CRIT_BAND[1]}] × 2/λ₀ for each "
          "activation.",
          source="Lewkowycz et al. 2020, §2 (η_crit = 2/λ₀) and §3 (wide nets)",
          measured="eta_crit_worst", op="between", expected=CRIT_BAND),
    Claim(id="catapult_lands_flatter",
          statement="A catapulted run ends flatter: its final curvature is below both λ₀ and "
          f"2/η (within {FLAT_SLACK - 1:.0%}) in every catapult-phase run.",
          source="Lewkowycz et al. 2020, §2–3 (the curvature ends below 2/η)",
          measured="catapult_final_over_bound_max", op="<=", expected=FLAT_SLACK,
          note="5 %: the final curvature sits at the edge 2/η; Lanczos and a finite run."),
    Claim(id="catapult_ends_near_4_over_lambda0",
          statement="Training diverges above η_max near the solvable model's 4/λ₀: the measured "
          f"boundary is within [{MAX_BAND[0]}, {MAX_BAND[1]}] × 2/λ₀ for each activation.",
          source="Lewkowycz et al. 2020, §2 (η_max = 4/λ₀ for the two-layer linear uv model)",
          measured="eta_max_worst", op="between", expected=MAX_BAND,
          note="The source derives 4/λ₀ for a linear model; a factor 1.5 either way allows for "
          "the nonlinearity."),
    Claim(id="lanczos_matches_dense", kind="check",
          statement="The jitted Lanczos top eigenvalue equals the largest eigenvalue of the "
          "dense Hessian (jax.hessian) of a small net within 1e-4 relative.",
          source="Lanczos 1950; Pearlmutter 1994 (Hessian-vector products)",
          measured="lanczos_rel_error", op="<=", expected=1e-4),
)


def _digits(key, n: int, task: str = "digits", loss: str = "mse") -> dict:
    """Digits, or Gaussian inputs labelled by a random linear teacher (the synthetic task);
    one-hot targets minus 1/10 for MSE, labels for cross-entropy."""
    if task == "digits":
        d = ntk.digits_split(key, n, 0)
        x, labels = d["x_train"], np.argmax(d["y_train"], -1)
    else:
        kx, kw = jax.random.split(key)
        x = np.asarray(jax.random.normal(kx, (n, 64)))
        labels = np.argmax(x @ np.asarray(jax.random.normal(kw, (64, 10))), -1)
    y = labels.astype(np.int32) if loss == "cross_entropy" else np.eye(10)[labels] - 0.1
    return dict(x_train=x.astype(np.float32), y_train=np.asarray(y, y.dtype))


def _replicate_data(keys, n: int, image: bool = False, task: str = "digits",
                    loss: str = "mse") -> dict:
    ds = [_digits(jax.random.fold_in(k, 2), n, task, loss) for k in keys]
    x = np.stack([d["x_train"] for d in ds])
    return dict(x_train=x.reshape(len(ds), n, 8, 8, 1) if image else x,
                y_train=np.stack([d["y_train"] for d in ds]))


def _net(cfg: Config, arch: str) -> nets.Net:
    if arch == "cnn":
        return nets.cnn((8, 8), 10, "relu", pool="flatten", parameterization="standard")
    act = "tanh" if arch == "tanh_mlp" else "relu"
    return nets.mlp(cfg.width, 2, 10, act, parameterization="standard",
                    w_std=1.0 if act == "tanh" else 2**0.5, b_std=0.0)


def gd_point(cfg: Config, keys, *, arch: str, objective: str, task: str) -> pd.DataFrame:
    """Full-batch GD at every multiple of 2/S₀ on the loss ``objective``, sharpness logged."""
    data = _replicate_data(keys, cfg.n_train, arch == "cnn", task, objective)
    return eos.rate_sweep(_net(cfg, arch), keys, data, cfg.gd_multiples, relative=True,
                          steps=cfg.gd_steps, log_every=cfg.log_every, iters=cfg.lanczos_iters,
                          loss=objective)


def adam_point(cfg: Config, keys) -> pd.DataFrame:
    """Full-batch Adam at every η, preconditioned sharpness logged."""
    return eos.rate_sweep(_net(cfg, "tanh_mlp"), keys, _replicate_data(keys, cfg.n_train),
                          cfg.adam_etas, optimizer="adam", steps=cfg.gd_steps,
                          log_every=cfg.log_every, iters=cfg.lanczos_iters)


def sgd_point(cfg: Config, keys) -> pd.DataFrame:
    """Mini-batch SGD at the multiples of 2/S₀ of the SGD arm."""
    return eos.rate_sweep(_net(cfg, "tanh_mlp"), keys, _replicate_data(keys, cfg.n_train),
                          cfg.sgd_multiples, relative=True, steps=cfg.gd_steps,
                          log_every=cfg.log_every, iters=cfg.lanczos_iters,
                          batch_size=cfg.sgd_batch)


def catapult_point(cfg: Config, keys, *, activation: str) -> Rows:
    """A wide one-hidden-layer net (NTK parameterisation) on a parity-of-digit target."""
    data = _replicate_data(keys, cfg.catapult_n)
    parity = np.where(np.argmax(data["y_train"], -1) % 2 == 0, 1.0, -1.0)
    data["y_train"] = parity[..., None].astype(np.float32)
    net = nets.mlp(cfg.catapult_width, 1, 1, activation, parameterization="ntk",
                   w_std=2**0.5 if activation == "relu" else 1.0, b_std=0.0)
    table, losses = eos.catapult_sweep(net, keys, data, cfg.catapult_multiples,
                                       steps=cfg.catapult_steps, iters=cfg.lanczos_iters)
    return Rows(table, {f"catapult_losses__{activation}": losses})


def dense_check(cfg: Config, key) -> dict:
    """Lanczos against the dense Hessian of a 10-6-6-3 tanh net on 20 points."""
    net = nets.mlp(6, 2, 3, "tanh", parameterization="standard", w_std=1.5, b_std=0.5)
    kp, kx, ky, kl = jax.random.split(key, 4)
    p = net.init_params(kp, (10,))
    x, y = jax.random.normal(kx, (20, 10)), jax.random.normal(ky, (20, 3))
    with jax.enable_x64(True):
        p64 = jax.tree_util.tree_map(lambda a: np.asarray(a, np.float64), p)
        loss = lambda q: 0.5 * ((net.apply(q, np.asarray(x, np.float64)) - np.asarray(
            y, np.float64)) ** 2).sum(-1).mean()
        exact = eos.dense_top_eigenvalue(loss, p64)
        approx = sharpness.top_eigenvalue(loss, p64, kl, iters=60)
    return dict(exact=exact, lanczos=approx)


SWEEPS = {
    "gd": Sweep(gd_point, grid=lambda c: dict(arch=c.archs, objective=c.losses, task=c.tasks),
                batched=True),
    "adam": Sweep(adam_point, batched=True),
    "sgd": Sweep(sgd_point, batched=True),
    "catapult": Sweep(catapult_point, grid=lambda c: dict(activation=c.catapult_activations),
                      batched=True),
    "check": Sweep(dense_check),
}


def _edges(runs: pd.DataFrame, threshold) -> pd.DataFrame:
    """Per run (arch, rate): where its sharpness met the threshold and what it did after."""
    rows = []
    keys = [c for c in ("arch", "objective", "task", "rate") if c in runs]
    for key, d in runs.groupby(keys):
        eta = float(d["eta"].iloc[0])
        e = eos.edge_of_stability(d["step"], d["sharpness"], threshold(eta))
        ratio, rises = eos.loss_at_the_edge(d["step"], d["loss"], e.entry_step)
        sharp = d["sharpness"].to_numpy()[1:]
        key = key if isinstance(key, tuple) else (key,)
        rows.append(dict(zip(keys, key, strict=True), eta=eta, **e._asdict(),
                         loss_ratio=ratio, loss_rises=rises,
                         rise=e.final / np.nanmin(sharp) if sharp.size else np.nan,
                         diverged=bool(d["diverged"].any())))
    return pd.DataFrame(rows)


def _main(runs: pd.DataFrame) -> pd.Series:
    """The runs of the main setting (tanh MLP, MSE, digits), which SGD is compared with."""
    return ((runs["arch"] == "tanh_mlp") & (runs["objective"] == "mse")
            & (runs["task"] == "digits"))


def metrics(tables, arrays, cfg: Config) -> dict[str, float]:
    """One replicate's metrics, derived from its stored traces."""
    every = _edges(tables["gd"], lambda eta: 2 / eta)
    ce = every[(every["objective"] == "cross_entropy") & every["reached"] & ~every["diverged"]]
    gd = every[every["objective"] == "mse"]  # the source's claims are for the square loss
    at_edge, below = gd[gd["reached"] & ~gd["diverged"]], gd[~gd["reached"] & ~gd["diverged"]]
    adam = _edges(tables["adam"], lambda eta: 38 / eta)
    sgd = _edges(tables["sgd"], lambda eta: 2 / eta)
    gd_tanh = gd[_main(gd)].set_index("rate")["plateau"]
    sgd_over_gd = sgd.set_index("rate")["plateau"] / gd_tanh.reindex(sgd["rate"]).to_numpy()
    cat = tables["catapult"]
    lazy = cat[cat["multiple"] < 0.9]
    catapulted = cat[cat["phase"] == "catapult"]
    bounds = {a: eos.phase_boundaries(d["multiple"], d["phase"])
              for a, d in cat.groupby("activation")}
    chk = tables["check"].iloc[0]
    slope = measured(lambda: np.polyfit(np.log(at_edge["eta"]), np.log(
        at_edge["plateau"] * 2 / at_edge["eta"]), 1)[0] if len(at_edge) >= 4 else np.nan)
    return dict(
        sharpening_rise_min=float(below["rise"].min()) if len(below) else float("nan"),
        plateau_ratio_worst=farthest(at_edge["plateau"], 1.0, log=True),
        edge_loss_fraction=float(((at_edge["loss_ratio"] < 0.5) & (at_edge["loss_rises"] > 0))
                                 .mean()) if len(at_edge) else float("nan"),
        plateau_slope=slope,
        edge_runs=float(len(at_edge)),
        plateau_ratio_worst__cross_entropy=farthest(ce["plateau"], 1.0, log=True),
        adam_ratio_worst=farthest(adam.loc[adam["reached"], "plateau"], 1.0, log=True),
        adam_runs_at_edge=float(adam["reached"].sum()),
        sgd_over_gd_max=float(np.max(sgd_over_gd)) if len(sgd_over_gd) else float("nan"),
        **{f"sgd_plateau__m{r:g}": float(p) for r, p in sgd.set_index("rate")["plateau"].items()},
        lazy_curvature_change_max=float(np.max(np.abs(
            lazy["curvature_final"] / lazy["lambda0"] - 1))) if len(lazy) else float("nan"),
        eta_crit_worst=farthest([b[0] for b in bounds.values()], 1.0, log=True),
        eta_max_worst=farthest([b[1] for b in bounds.values()], np.sqrt(1.5 * 3.0), log=True),
        **{f"eta_crit__{a}": b[0] for a, b in bounds.items()},
        **{f"eta_max__{a}": b[1] for a, b in bounds.items()},
        catapult_final_over_bound_max=float(np.max(catapulted["curvature_final"] / np.minimum(
            catapulted["lambda0"], 2 / catapulted["eta"]))) if len(catapulted) else np.nan,
        lanczos_rel_error=abs(chk["lanczos"] / chk["exact"] - 1),
    )


def figures(res, cfg: Config) -> list[Figure]:
    return [_traces_figure(res), _thresholds_figure(res), _catapult_figure(res, cfg)]


def _traces_figure(res) -> Figure:
    gd = res.tables["gd"]
    gd = gd[(gd["replicate"] == gd["replicate"].min()) & _main(gd)]
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(7.15, 2.9), layout="constrained")
    for i, (rate, d) in enumerate(gd.groupby("rate")):
        c = f"C{i}"
        ax.plot(d["step"], d["loss"], color=c, lw=1, label=f"m = {rate:g}")
        ax2.plot(d["step"], d["sharpness"], color=c, lw=1)
        ax2.axhline(2 / d["eta"].iloc[0], color=c, ls="--", lw=0.8)
    ax.set(yscale="log", xlabel="step", ylabel="training loss (MSE)")
    ax2.set(xlabel="step", ylabel="sharpness λ_max", title="dashed: 2/η",
            ylim=(0, 1.25 * gd["sharpness"].max()))
    plots.legend_below(fig, [ax], ncol=7)
    return Figure(
        "traces", "Full-batch gradient descent on 256 digits (tanh MLP, first replicate) at "
        "η = m · 2/S₀. Left: the training loss. Right: the sharpness, with 2/η dashed in the "
        "same colour (those of the two smallest steps lie above the panel): small steps "
        "sharpen without reaching 2/η; every larger step is thrown to its 2/η and stays there "
        "while the loss keeps falling.", fig,
        claims=("progressive_sharpening", "sharpness_hovers_at_2_over_eta",
                "loss_falls_at_the_edge"))


def _thresholds_figure(res) -> Figure:
    per = [_edges(d, lambda eta: 2 / eta).assign(replicate=r)
           for r, d in res.tables["gd"].groupby("replicate")]
    gd = pd.concat(per)
    gd = gd[gd["reached"] & ~gd["diverged"]]
    adam = pd.concat([_edges(d, lambda eta: 38 / eta).assign(replicate=r)
                      for r, d in res.tables["adam"].groupby("replicate")])
    sgd = pd.concat([_edges(d, lambda eta: 2 / eta).assign(replicate=r)
                     for r, d in res.tables["sgd"].groupby("replicate")])
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(7.15, 2.9), layout="constrained")
    ax.plot(gd["eta"], gd["plateau"] * 2 / gd["eta"], "o", ms=4, alpha=0.6, label="GD")
    ax.plot(sgd["eta"], sgd["plateau"] * 2 / sgd["eta"], "s", ms=4, alpha=0.6,
            label="SGD, batch 32")
    eta = np.geomspace(res.tables["gd"]["eta"].min() * 0.8, res.tables["gd"]["eta"].max(), 20)
    ax.plot(eta, 2 / eta, color="k", lw=1, label="2/η")
    ax.set(xscale="log", yscale="log", xlabel="learning rate η", ylabel="plateau sharpness")
    a = adam[adam["reached"]]
    ax2.plot(a["eta"], a["plateau"] * 38 / a["eta"], "o", ms=4, alpha=0.6, color="C2",
             label="Adam")
    eta = np.geomspace(adam["eta"].min() * 0.8, adam["eta"].max() * 1.25, 20)
    ax2.plot(eta, 38 / eta, color="k", lw=1, ls="--", label="38/η")
    ax2.set(xscale="log", yscale="log", xlabel="learning rate η",
            ylabel="preconditioned sharpness")
    plots.legend_below(fig, [ax, ax2], ncol=5)
    plots.no_minor_labels(fig)
    return Figure(
        "thresholds", "Left: the median sharpness after reaching the edge against η, every "
        "run and replicate, with 2/η (slope −1); mini-batch SGD at the same η settles lower. "
        "Right: Adam's preconditioned sharpness $\\lambda_{max}(P^{-1}H)$ against 38/η.", fig,
        claims=("threshold_follows_eta", "adam_at_38_over_eta", "sgd_settles_below_gd"))


def _catapult_figure(res, cfg: Config) -> Figure:
    cat = res.tables["catapult"]
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(7.15, 2.9), layout="constrained")
    losses = res.arrays[f"catapult_losses__{cfg.catapult_activations[0]}"]
    for i, m in enumerate(cfg.catapult_multiples):
        if m in (0.7, 1.3, 2.0) or i in (0, len(cfg.catapult_multiples) // 2):
            ax.plot(np.arange(losses.shape[1]), losses[i], lw=1, label=f"η = {m:g} · 2/λ₀")
    ax.set(yscale="log", xlabel="step", ylabel="training loss",
           title=cfg.catapult_activations[0])
    plots.legend(ax)
    for j, (act, d) in enumerate(cat.groupby("activation")):
        ok = d[~d["diverged"]]
        ax2.plot(ok["multiple"], ok["curvature_final"] / ok["lambda0"], "o", ms=3, alpha=0.5,
                 color=f"C{j}", label=f"{act}: final curvature / λ₀")
        bad = d[d["diverged"]]
        ax2.plot(bad["multiple"], np.full(len(bad), 1.3), "x", ms=4, color=f"C{j}")
    m = np.geomspace(min(cfg.catapult_multiples), max(cfg.catapult_multiples), 50)
    ax2.plot(m, 1 / m, color="k", lw=1, label="2/η (in units of λ₀)")
    ax2.axvline(1.0, color="0.5", ls=":", lw=1)
    ax2.axvline(2.0, color="0.5", ls="--", lw=1)
    ax2.set(xscale="log", xlabel="η · λ₀ / 2", ylabel="final curvature / λ₀", ylim=(0, 1.4))
    plots.legend_below(fig, [ax2], ncol=3)
    plots.no_minor_labels(fig)
    return Figure(
        "catapult", "The catapult (Lewkowycz et al. 2020): a one-hidden-layer net of width "
        f"{cfg.catapult_width} on {cfg.catapult_n} digits (parity target). Left: loss traces of "
        "the first replicate. Right: the top Hessian eigenvalue at the end over λ₀ against "
        "η·λ₀/2, every replicate; crosses: diverged; dotted 2/λ₀, dashed the solvable model's "
        "4/λ₀.", fig,
        claims=("lazy_below_2_over_lambda0", "catapult_starts_at_2_over_lambda0",
                "catapult_lands_flatter", "catapult_ends_near_4_over_lambda0"))
