"""μP: hyperparameter transfer across width — the coordinate check, the optimal learning rate
that stays put under μP and drifts under standard parameterisation, and feature learning that
survives width.

The science lives in nntheory.analysis.mup and in nntheory.nets (``parameterization="mup"``,
the per-layer rates of Yang et al. 2022, Table 3, applied as an optax multi_transform by
nntheory.train); this file declares the sweeps, the claims with their sources and the figures.
Data: sklearn's 8×8 digits, a fresh subset per replicate. Nets: ReLU MLPs with two hidden layers
of the swept width, μP relative to the narrowest width (where μP is standard parameterisation).

The grids, the budget and every threshold were fixed after one development sweep on keys
outside the replicates (widths 32–512, 100 Adam steps on 256 digits): the μP optimum read
−6.4, −5.4, −6.0, −6.2, −6.5 in log₂ η, the standard one −6.4 → −10.0.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from nntheory import nets
from nntheory.analysis import mup
from nntheory.claims import Claim
from nntheory.config import StudyConfig, at_least, field, increasing, positive
from nntheory.report import Figure, plots
from nntheory.study import Sweep

TITLE = "μP: learning rates that transfer across width, and features that keep learning"

SUMMARY = r"""
Under standard parameterisation the best learning rate of a network depends on its width, so
a small model's hyperparameters do not carry over to a large one. The maximal-update
parameterisation μP (Yang & Hu 2021; Yang et al. 2022) rescales each layer's initialisation and
learning rate with the width $n$ so that every layer's activations and their updates stay of
order one as $n$ grows: the coordinate check. Its consequence is hyperparameter transfer — the
optimal learning rate found on a narrow net is the optimum of a wide one — and feature
learning that survives at every width, where the NTK parameterisation freezes the features
as $n^{-1/2}$.
"""

EQUATIONS = (
    (r"$\mu P\ (\mathrm{Adam}):\ \sigma^2_{out}\propto\frac{1}{n\,m},\quad "
     r"\eta_{hidden},\,\eta_{out}\propto\frac{\eta}{m},\quad m=\frac{n}{n_{base}}$",
     "The μP rules relative to a base width (Yang et al. 2022, Table 3)."),
    (r"$\Delta h_l = O(1)\ (\mu P),\qquad \frac{\|h_L(\theta_t)-h_L(\theta_0)\|}{\|h_L(\theta_0)\|}"
     r"\propto n^{-1/2}\ (\mathrm{NTK})$",
     "The coordinate check and the lazy features of the NTK parameterisation (Yang & Hu 2021)."),
)

REFERENCES = (
    "G. Yang, E. J. Hu (2021). Tensor Programs IV: Feature learning in infinite-width neural "
    "networks. ICML 2021, arXiv:2011.14522.",
    "G. Yang, E. J. Hu, I. Babuschkin, S. Sidor, X. Liu, D. Farhi, N. Ryder, J. Pachocki, W. "
    "Chen, J. Gao (2022). Tensor Programs V: Tuning large neural networks via zero-shot "
    "hyperparameter transfer. arXiv:2203.03466.",
    "A. Jacot, F. Gabriel, C. Hongler (2018). Neural tangent kernel. NeurIPS 2018, "
    "arXiv:1806.07572.",
)

PARAMS = ("mup", "standard")
COORD_FLAT = 0.2
SP_GROWTH = 0.5
TRANSFER_STEPS = 1.0
DRIFT_STEPS = 2.0
WIDER_SLACK = 1.05
FEATURE_FLAT = 0.15
LAZY_SLOPE, LAZY_TOL = -0.5, 0.15


@dataclass(frozen=True)
class Config(StudyConfig):
    """Sizes of the μP study."""

    widths: tuple[int, ...] = field((32, 64, 128, 256, 512, 1024), increasing | at_least(4))
    base_width: int = field(32, positive)
    n_train: int = field(128, at_least(16))
    log2_lrs: tuple[float, ...] = field(tuple(float(v) for v in range(-11, -3)), increasing)
    steps: int = field(80, positive)
    coord_lr: float = field(2.0**-10, positive)
    coord_steps: int = field(2, positive)
    feature_lr: float = field(0.2, positive)
    feature_steps: int = field(50, positive)

    def validate(self) -> None:
        if len(self.widths) < 3:
            raise ValueError("widths: at least 3 widths, for the slopes")
        if self.base_width > min(self.widths):
            raise ValueError(f"base_width ({self.base_width}) is larger than the narrowest of "
                             f"the widths swept ({min(self.widths)})")


PROFILES = {
    "test": Config(replicates=2, widths=(16, 32, 64), base_width=16, n_train=32,
                   log2_lrs=(-9.0, -7.0, -5.0, -3.0), steps=20, coord_steps=3, feature_steps=10),
    "quick": Config(replicates=5),
    # Paper scale, for one GPU (estimated ~10 min, < 8 GB): widths 64 → 8192 (2^7), all digits.
    "full": Config(replicates=10, widths=(64, 128, 256, 512, 1024, 2048, 4096, 8192),
                   base_width=64, n_train=1024, log2_lrs=tuple(v / 2 for v in range(-26, -5)),
                   steps=500),
}

CLAIMS = (
    Claim(id="coordinate_check_mup_flat",
          statement="Under μP the hidden activations' size and every layer's change after two "
          f"Adam steps are Θ(1) in width: the largest |log-log slope| is at most {COORD_FLAT}.",
          source="Yang et al. 2022, §7 and the coordinate-check figures (flat lines under μP)",
          measured="coord_mup_max_abs_slope", op="<=", expected=COORD_FLAT,
          note="The readout's size at initialisation is not in it: μP draws it with variance "
          "1/(n·m), so it shrinks as n^(−1/2) by design (Table 3); its change is."),
    Claim(id="coordinate_check_sp_output_grows",
          statement="Under standard parameterisation the output's change after the same steps "
          f"grows with width: log-log slope at least {SP_GROWTH}.",
          source="Yang et al. 2022, §7 and Table 3 (Adam in SP: the readout's update is Θ(n))",
          measured="coord_sp_output_slope", op=">=", expected=SP_GROWTH,
          note="The source's scaling is slope 1; 0.5 leaves room for the finite widths."),
    Claim(id="lr_transfers_under_mup",
          statement="Under μP the optimal learning rate stays put: its log₂ spread across the "
          f"widths is at most {TRANSFER_STEPS:g} grid step.",
          source="Yang et al. 2022, Fig. 1 and §3 (the MLP figure)",
          measured="mup_optimum_spread", op="<=", expected=TRANSFER_STEPS,
          note="Optimum: vertex of the parabola through the grid minimum of the final training "
          "loss and its neighbours, in log₂ η (grid step 1)."),
    Claim(id="lr_drifts_under_sp",
          statement="Under standard parameterisation it drifts: the optimum at the widest width "
          f"is at least {DRIFT_STEPS:g} grid steps below that at the narrowest.",
          source="Yang et al. 2022, Fig. 1 (standard parameterisation)",
          measured="sp_optimum_drift", op=">=", expected=DRIFT_STEPS),
    Claim(id="wider_is_better_under_mup",
          statement="Under μP, at the narrowest width's best learning rate, the training loss "
          f"does not increase with width (each step ≤ {WIDER_SLACK:g} × the previous).",
          source="Yang et al. 2022, §3 and Fig. 1 ('wider is always better' under μP)",
          measured="mup_wider_max_ratio", op="<=", expected=WIDER_SLACK),
    Claim(id="features_learn_under_mup",
          statement="Under μP the last hidden layer's relative change after training is Θ(1): "
          f"|log-log slope against width| ≤ {FEATURE_FLAT}.",
          source="Yang & Hu 2021, §3 and §5 (μP is the feature-learning limit)",
          measured="feature_slope__mup", op="==", expected=0.0, tolerance=FEATURE_FLAT,
          note="SGD with μP's rates. The NTK study measures the companion effect on the kernel "
          "(its claims lazy_ntk_drift and feature_learning_drift)."),
    Claim(id="features_freeze_under_ntk",
          statement="Under the NTK parameterisation the same relative change vanishes as "
          f"n^(−1/2): slope {LAZY_SLOPE} ± {LAZY_TOL}.",
          source="Yang & Hu 2021, §3 (the NTK limit does not learn features); Jacot et al. 2018",
          measured="feature_slope__ntk", op="==", expected=LAZY_SLOPE, tolerance=LAZY_TOL),
    Claim(id="mup_is_standard_at_base_width", kind="check",
          statement="At the base width μP and standard parameterisation are the same net with "
          "the same updates: largest |difference| of the parameters after 10 Adam steps is 0.",
          source="Yang et al. 2022, §4 (μP defined relative to a base shape)",
          measured="base_width_max_difference", op="<=", expected=0.0),
)


def _net(cfg: Config, param: str, width: int, depth: int = 2) -> nets.Net:
    kw = dict(base_width=cfg.base_width) if param == "mup" else {}
    return nets.mlp(width, depth, 10, "relu", parameterization=param, **kw)


def transfer_point(cfg: Config, keys, *, param: str, width: int) -> pd.DataFrame:
    """Adam at every learning rate of the grid: the final training loss."""
    _, _, hist = mup.train_grid(_net(cfg, param, width), keys, mup.replicate_data(
        keys, cfg.n_train), 2.0 ** np.array(cfg.log2_lrs), optimizer="adam", steps=cfg.steps)
    r, e = len(keys), len(cfg.log2_lrs)
    return pd.DataFrame(dict(replicate=np.repeat(np.arange(r), e),
                             log2_lr=np.tile(cfg.log2_lrs, r),
                             loss=hist.final("train_loss"), diverged=hist.diverged))


def coord_point(cfg: Config, keys, *, param: str, width: int) -> pd.DataFrame:
    """The coordinate check after ``coord_steps`` Adam steps at one learning rate."""
    net, data = _net(cfg, param, width), mup.replicate_data(keys, cfg.n_train)
    p0, pt, _ = mup.train_grid(net, keys, data, [cfg.coord_lr], optimizer="adam",
                               steps=cfg.coord_steps)
    rows = []
    for r in range(len(keys)):
        c = mup.coordinate_check(net, mup.member(p0, r), mup.member(pt, r), data["x_train"][r])
        rows += [dict(replicate=r, layer=i, size=s, change=ch)
                 for i, (s, ch) in enumerate(zip(c["size"], c["change"], strict=True))]
    return pd.DataFrame(rows)


def feature_point(cfg: Config, keys, *, param: str, width: int) -> pd.DataFrame:
    """The last hidden layer's relative change after SGD training."""
    net = (_net(cfg, "mup", width) if param == "mup" else
           nets.mlp(width, 2, 10, "relu", parameterization="ntk"))
    data = mup.replicate_data(keys, cfg.n_train)
    p0, pt, _ = mup.train_grid(net, keys, data, [cfg.feature_lr], optimizer="sgd",
                               steps=cfg.feature_steps)
    return pd.DataFrame([dict(replicate=r, change=mup.feature_change(
        net, mup.member(p0, r), mup.member(pt, r), data["x_train"][r]))
        for r in range(len(keys))])


def base_check(cfg: Config, key) -> dict:
    """μP at its base width against standard parameterisation, same key, same steps."""
    out = []
    for param in PARAMS:
        net = _net(cfg, param, cfg.base_width)
        _, pt, _ = mup.train_grid(net, key[None], mup.replicate_data(key[None], cfg.n_train),
                                  [cfg.coord_lr], optimizer="adam", steps=10)
        out.append(jax.tree_util.tree_leaves(pt))
    return dict(max_difference=max(float(np.max(np.abs(a - b)))
                                   for a, b in zip(*out, strict=True)))


SWEEPS = {
    "transfer": Sweep(transfer_point, grid=lambda c: dict(param=PARAMS, width=c.widths),
                      batched=True),
    "coord": Sweep(coord_point, grid=lambda c: dict(param=PARAMS, width=c.widths), batched=True),
    "features": Sweep(feature_point, grid=lambda c: dict(param=("mup", "ntk"), width=c.widths),
                      batched=True),
    "base": Sweep(base_check),
}


def _optima(tr: pd.DataFrame) -> pd.DataFrame:
    rows = [dict(param=p, width=w, log2_opt=mup.optimal_log2_lr(d["log2_lr"], d["loss"])[0])
            for (p, w), d in tr.sort_values("log2_lr").groupby(["param", "width"])]
    return pd.DataFrame(rows)


def metrics(tables, arrays, cfg: Config) -> dict[str, float]:
    """One replicate's metrics, derived from its stored tables."""
    tr, co, fe = tables["transfer"], tables["coord"], tables["features"]
    opt = _optima(tr).pivot(index="width", columns="param", values="log2_opt")
    base_lr = float(opt["mup"].iloc[0])
    nearest = min(cfg.log2_lrs, key=lambda v: abs(v - base_lr))
    mu = tr[(tr["param"] == "mup") & (tr["log2_lr"] == nearest)].sort_values("width")
    coord = {p: d.pivot(index="width", columns="layer", values="change")
             for p, d in co.groupby("param")}
    hidden = co[(co["param"] == "mup") & (co["layer"] < co["layer"].max())].pivot(
        index="width", columns="layer", values="size")
    feat = {p: mup.slopes(d["width"], d["change"])[0] for p, d in fe.groupby("param")}
    sp_change = coord["standard"]
    mup_slopes = np.r_[mup.slopes(coord["mup"].index, coord["mup"].to_numpy()),
                       mup.slopes(hidden.index, hidden.to_numpy())]
    return dict(
        coord_mup_max_abs_slope=float(np.max(np.abs(mup_slopes))),
        coord_sp_output_slope=float(mup.slopes(sp_change.index, sp_change.iloc[:, -1])[0]),
        mup_optimum_spread=float(opt["mup"].max() - opt["mup"].min()),
        sp_optimum_drift=float(opt["standard"].iloc[0] - opt["standard"].iloc[-1]),
        **{f"log2_opt__{p}__w{w}": float(opt.loc[w, p]) for w in opt.index for p in opt},
        mup_wider_max_ratio=float(np.max(mu["loss"].to_numpy()[1:] / mu["loss"].to_numpy()[:-1])),
        feature_slope__mup=float(feat["mup"]),
        feature_slope__ntk=float(feat["ntk"]),
        base_width_max_difference=float(tables["base"]["max_difference"].max()),
    )


def figures(res, cfg: Config) -> list[Figure]:
    return [_transfer_figure(res, cfg), _coord_figure(res, cfg)]


def _transfer_figure(res, cfg: Config) -> Figure:
    tr = res.tables["transfer"]
    fig, axes = plt.subplots(1, 2, figsize=(7.15, 2.9), layout="constrained", sharey=True)
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(cfg.widths)))
    for ax, param in zip(axes, PARAMS, strict=True):
        for c, w in zip(colors, cfg.widths, strict=True):
            d = tr[(tr["param"] == param) & (tr["width"] == w)]
            plots.band(ax, d.assign(loss=d["loss"].where(np.isfinite(d["loss"]))), "log2_lr",
                       "loss", color=c, label=f"n = {w}", ms=2)
        ax.set(yscale="log", xlabel="log₂ learning rate", title=param)
    axes[0].set(ylabel="training loss after the budget")
    plots.legend_below(fig, [axes[0]], ncol=6)
    return Figure(
        "transfer", f"Training loss after {cfg.steps} Adam steps against the learning rate, "
        "per width (median over replicates with range), μP (left) and standard "
        "parameterisation (right): the μP curves share their minimum; the standard ones move "
        "left as the width grows (Yang et al. 2022, Fig. 1).", fig,
        claims=("lr_transfers_under_mup", "lr_drifts_under_sp", "wider_is_better_under_mup"))


def _coord_figure(res, cfg: Config) -> Figure:
    co, fe = res.tables["coord"], res.tables["features"]
    fig, axes = plt.subplots(1, 3, figsize=(7.15, 2.8), layout="constrained")
    names = {0: "hidden 1", 1: "hidden 2", 2: "output"}
    for ax, param in zip(axes[:2], PARAMS, strict=True):
        for layer, d in co[co["param"] == param].groupby("layer"):
            plots.band(ax, d, "width", "change", label=names.get(layer, str(layer)), ms=3)
        ax.set(xscale="log", yscale="log", xlabel="width n", title=f"{param}: Δh after "
               f"{cfg.coord_steps} steps")
    axes[0].set(ylabel="RMS of the change")
    for param, d in fe.groupby("param"):
        plots.band(axes[2], d, "width", "change", label=param, ms=3)
    axes[2].set(xscale="log", yscale="log", xlabel="width n", ylabel="relative change of h_L",
                title="features after SGD")
    plots.legend_below(fig, [axes[0], axes[2]], ncol=5)
    return Figure(
        "coordinates", "Left and middle: the coordinate check — the RMS change of each layer's "
        "activations after a few Adam steps against width, μP (flat) and standard "
        "parameterisation (the output's change grows). Right: the last hidden layer's relative "
        "change after SGD training under μP and the NTK parameterisation.", fig,
        claims=("coordinate_check_mup_flat", "coordinate_check_sp_output_grows",
                "features_learn_under_mup", "features_freeze_under_ntk"))
