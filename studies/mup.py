"""μP: hyperparameter transfer across width — the coordinate check, the optimal learning rate
that stays put under μP and drifts under standard parameterisation, and feature learning that
survives width.

The science lives in nntheory.analysis.mup and in nntheory.nets (``parameterization="mup"``,
the per-layer rates of Yang et al. 2022, Table 3, applied as an optax multi_transform by
nntheory.train); this file declares the sweeps, the claims with their sources and the figures.
Data: sklearn's 8×8 digits, a fresh subset per replicate. Nets: ReLU MLPs with two hidden layers
of the swept width, μP relative to the narrowest width (where μP is standard parameterisation).

The transformer is the one-layer model of the grokking study (nets.one_layer_transformer) on
modular addition mod 23, μP relative to its narrowest d_model (1/d attention, Table 3's
rates). The transfer criterion (one grid step) and the drift criterion (two) are the MLP's,
applied unchanged to the transformer, to the initialisation scale and — as the limit of μP's
width rules — to depth.

The grids, the budgets and every threshold were fixed after development sweeps on keys outside
the replicates. MLP (widths 32–512, 100 Adam steps on 256 digits): the μP optimum read −6.4,
−5.4, −6.0, −6.2, −6.5 in log₂ η, the standard one −6.4 → −10.0. Transformer (d_model 16–128,
30 steps; at 100 steps every rate near the optimum drove the loss to zero): μP −5.0, −4.7,
−4.6, −4.7, standard −5.0, −5.5, −6.4, −7.4. Initialisation scale (μP, widths 32, 128, 512,
1024): −2.3, −1.3, −0.7, −0.4 in log₂ σ — moving towards a limit, by more than the criterion
at these widths, a finding kept as the claim states it. Depth (μP, width 256, 1–8 hidden
layers): −5.5, −6.3, −6.7, −7.2.
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
    "G. Yang, D. Yu, C. Zhu, S. Hayou (2023). Tensor Programs VI: Feature learning in "
    "infinite-depth neural networks. arXiv:2310.02244.",
    "N. Nanda, L. Chan, T. Lieberum, J. Smith, J. Steinhardt (2023). Progress measures for "
    "grokking via mechanistic interpretability. ICLR 2023, arXiv:2301.05217.",
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
TF_HEADS = 4


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
    init_log2_scales: tuple[float, ...] = field(tuple(float(v) for v in range(-4, 4)),
                                                increasing)
    init_lr: float = field(2.0**-8, positive)
    init_steps: int = field(40, positive)
    depths: tuple[int, ...] = field((1, 2, 4, 8), increasing)
    depth_width: int = field(128, positive)
    p: int = field(23, at_least(3))
    tf_fraction: float = field(0.6, positive)
    tf_widths: tuple[int, ...] = field((16, 32, 64, 128), increasing | at_least(4))
    tf_log2_lrs: tuple[float, ...] = field(tuple(float(v) for v in range(-10, -2)), increasing)
    tf_steps: int = field(30, positive)

    def validate(self) -> None:
        if len(self.widths) < 3:
            raise ValueError("widths: at least 3 widths, for the slopes")
        if self.base_width > min(self.widths):
            raise ValueError(f"base_width ({self.base_width}) is larger than the narrowest of "
                             f"the widths swept ({min(self.widths)})")
        if any(w % TF_HEADS for w in self.tf_widths):
            raise ValueError(f"tf_widths: every d_model must be divisible by the {TF_HEADS} "
                             f"attention heads, got {self.tf_widths}")
        if not 0 < self.tf_fraction < 1:
            raise ValueError(f"tf_fraction must be in (0, 1), got {self.tf_fraction}")


PROFILES = {
    "test": Config(replicates=2, widths=(16, 32, 64), base_width=16, n_train=32,
                   log2_lrs=(-9.0, -7.0, -5.0, -3.0), steps=20, coord_steps=3, feature_steps=10,
                   init_log2_scales=(-2.0, 0.0, 2.0), init_steps=10, depths=(1, 2),
                   depth_width=16, p=7, tf_widths=(8, 16), tf_log2_lrs=(-8.0, -6.0, -4.0),
                   tf_steps=5),
    "quick": Config(replicates=5),
    # Paper scale, for one GPU, not yet run: widths 64 → 8192 (2^7), d_model 64 → 1024. Its
    # FLOP count (1.4·10^17, 83 % of it the MLP learning-rate grid) puts it at about 40 min on
    # one GPU sustaining 60 TFLOP/s; ensembles are chunked to NNTHEORY_MEMORY_BUDGET (default
    # 2 GiB), so the peak stays a few GB.
    "full": Config(replicates=10, widths=(64, 128, 256, 512, 1024, 2048, 4096, 8192),
                   base_width=64, n_train=1024, log2_lrs=tuple(v / 2 for v in range(-26, -5)),
                   steps=500, init_steps=250, depths=(1, 2, 4, 8, 16), depth_width=512, p=47,
                   tf_widths=(64, 128, 256, 512, 1024),
                   tf_log2_lrs=tuple(v / 2 for v in range(-24, -3))),
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
    Claim(id="transformer_lr_transfers_under_mup",
          statement="The same holds for a one-layer transformer on modular addition: under μP "
          f"the optimal log₂ η spreads by at most {TRANSFER_STEPS:g} grid step across d_model.",
          source="Yang et al. 2022, Fig. 1 (Transformers) and §8 (μP for Transformers: 1/d "
          "attention, Table 3's rates)",
          measured="tf_mup_optimum_spread", op="<=", expected=TRANSFER_STEPS,
          note="The transformer of nets.one_layer_transformer (Nanda et al. 2023's grokking "
          "model), d_model from 16 to 128 with four heads and d_mlp = 4 d_model; the training "
          "loss after a fixed budget of full-batch Adam."),
    Claim(id="transformer_lr_drifts_under_sp",
          statement="…and under the standard parameterisation its optimum at the widest "
          f"d_model is at least {DRIFT_STEPS:g} grid steps below that at the narrowest.",
          source="Yang et al. 2022, Fig. 1 (standard parameterisation, Transformers)",
          measured="tf_sp_optimum_drift", op=">=", expected=DRIFT_STEPS,
          note="The same criterion as lr_drifts_under_sp, over a width range of 2^3 instead of "
          "2^5."),
    Claim(id="init_scale_transfers_under_mup",
          statement="Under μP the optimal initialisation scale σ of the input and hidden "
          f"weights spreads by at most {TRANSFER_STEPS:g} grid step (log₂ σ) across the widths.",
          source="Yang et al. 2022, Table 1 and Fig. 4 (the initialisation scale is "
          "μTransferable)",
          measured="init_mup_optimum_spread", op="<=", expected=TRANSFER_STEPS,
          note="σ multiplies the input and hidden weights' standard deviation (the readout keeps "
          "μP's draw); Adam at η = 2^(−8), two grid steps below the learning-rate optimum, for "
          "40 steps, a budget fixed so that the loss is not yet near zero and its curve in σ "
          "has a minimum."),
    Claim(id="lr_shifts_with_depth_under_mup",
          statement="μP's rules are a width limit: at fixed width the optimal learning rate "
          f"moves by at least {TRANSFER_STEPS:g} grid step between the shallowest and the "
          "deepest MLP.",
          source="Yang et al. 2022, Table 1 (transfer across depth is empirical, for pre-LN "
          "Transformers only); Yang, Yu, Zhu & Hayou 2023, §1 and Fig. 1 (the optimum moves "
          "with depth under width-only μP)",
          measured="depth_optimum_shift", op=">=", expected=TRANSFER_STEPS,
          note="The limitation, measured with the transfer claims' own criterion: plain ReLU "
          "MLPs without residual branches, so the depth-μP fix of Yang et al. 2023 does not "
          "apply."),
    Claim(id="mup_is_standard_at_base_width", kind="check",
          statement="At the base width μP and standard parameterisation are the same net with "
          "the same updates, for the MLP and for the transformer: largest |difference| of the "
          "parameters after 10 Adam steps is 0.",
          source="Yang et al. 2022, §4 (μP defined relative to a base shape)",
          measured="base_width_max_difference", op="<=", expected=0.0),
)


def _net(cfg: Config, param: str, width: int, depth: int = 2) -> nets.Net:
    kw = dict(base_width=cfg.base_width) if param == "mup" else {}
    return nets.mlp(width, depth, 10, "relu", parameterization=param, **kw)


def _transformer(cfg: Config, param: str, width: int) -> nets.Net:
    kw = dict(base_d_model=cfg.tf_widths[0]) if param == "mup" else {}
    return nets.one_layer_transformer(cfg.p, d_model=width, n_heads=TF_HEADS, d_mlp=4 * width,
                                      parameterization=param, **kw)


def transfer_point(cfg: Config, keys, *, param: str, width: int) -> pd.DataFrame:
    """Adam at every learning rate of the grid: the final training loss."""
    _, _, hist = mup.train_grid(_net(cfg, param, width), keys, mup.replicate_data(
        keys, cfg.n_train), 2.0 ** np.array(cfg.log2_lrs), optimizer="adam", steps=cfg.steps)
    return mup.loss_table(hist, len(keys), "log2_lr", cfg.log2_lrs)


def transformer_point(cfg: Config, keys, *, param: str, width: int) -> pd.DataFrame:
    """The transformer on modular addition, Adam at every learning rate: final training loss."""
    _, _, hist = mup.train_grid(
        _transformer(cfg, param, width), keys, mup.replicate_modular_data(keys, cfg.p,
                                                                          cfg.tf_fraction),
        2.0 ** np.array(cfg.tf_log2_lrs), optimizer="adam", steps=cfg.tf_steps,
        loss="cross_entropy")
    return mup.loss_table(hist, len(keys), "log2_lr", cfg.tf_log2_lrs)


def init_scale_point(cfg: Config, keys, *, width: int) -> pd.DataFrame:
    """μP at every initialisation scale σ, one learning rate: the final training loss."""
    scales = np.asarray(cfg.init_log2_scales)
    _, _, hist = mup.train_grid(_net(cfg, "mup", width), keys, mup.replicate_data(
        keys, cfg.n_train), [cfg.init_lr] * len(scales), init_scales=2.0**scales,
        optimizer="adam", steps=cfg.init_steps)
    return mup.loss_table(hist, len(keys), "log2_scale", scales)


def depth_point(cfg: Config, keys, *, depth: int) -> pd.DataFrame:
    """μP at one width and ``depth`` hidden layers, Adam at every learning rate."""
    _, _, hist = mup.train_grid(_net(cfg, "mup", cfg.depth_width, depth), keys,
                                mup.replicate_data(keys, cfg.n_train),
                                2.0 ** np.array(cfg.log2_lrs), optimizer="adam", steps=cfg.steps)
    return mup.loss_table(hist, len(keys), "log2_lr", cfg.log2_lrs)


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
    net = (_net(cfg, param, width) if param != "ntk" else
           nets.mlp(width, 2, 10, "relu", parameterization="ntk"))
    data = mup.replicate_data(keys, cfg.n_train)
    p0, pt, _ = mup.train_grid(net, keys, data, [cfg.feature_lr], optimizer="sgd",
                               steps=cfg.feature_steps)
    return pd.DataFrame([dict(replicate=r, change=mup.feature_change(
        net, mup.member(p0, r), mup.member(pt, r), data["x_train"][r]))
        for r in range(len(keys))])


def base_check(cfg: Config, keys) -> pd.DataFrame:
    """μP at its base width against standard parameterisation, same keys, same steps, for the
    MLP and the transformer: per replicate, the largest |difference| of the parameters."""
    diff = np.zeros(len(keys))
    for make, data, loss in (
            (lambda p: _net(cfg, p, cfg.base_width), mup.replicate_data(keys, cfg.n_train),
             "mse"),
            (lambda p: _transformer(cfg, p, cfg.tf_widths[0]),
             mup.replicate_modular_data(keys, cfg.p, cfg.tf_fraction), "cross_entropy")):
        a, b = (jax.tree_util.tree_leaves(mup.train_grid(
            make(param), keys, data, [cfg.coord_lr], optimizer="adam", steps=10,
            loss=loss)[1]) for param in PARAMS)
        for u, v in zip(a, b, strict=True):
            diff = np.maximum(diff, np.abs(u - v).reshape(len(keys), -1).max(axis=1))
    return pd.DataFrame(dict(replicate=np.arange(len(keys)), max_difference=diff))


SWEEPS = {
    "transfer": Sweep(transfer_point, grid=lambda c: dict(param=PARAMS, width=c.widths),
                      batched=True),
    "coord": Sweep(coord_point, grid=lambda c: dict(param=PARAMS, width=c.widths), batched=True),
    "features": Sweep(feature_point, grid=lambda c: dict(param=(*PARAMS, "ntk"),
                                                         width=c.widths), batched=True),
    "transformer": Sweep(transformer_point, grid=lambda c: dict(param=PARAMS,
                                                                width=c.tf_widths),
                         batched=True),
    "init_scale": Sweep(init_scale_point, grid=lambda c: dict(width=c.widths), batched=True),
    "depth": Sweep(depth_point, grid=lambda c: dict(depth=c.depths), batched=True),
    "base": Sweep(base_check, batched=True),
}


def metrics(tables, arrays, cfg: Config) -> dict[str, float]:
    """One replicate's metrics, derived from its stored tables."""
    tr, co, fe = tables["transfer"], tables["coord"], tables["features"]
    opt = mup.optima(tr, ["width", "param"]).pivot(index="width", columns="param",
                                                   values="log2_opt")
    tf = mup.optima(tables["transformer"], ["width", "param"]).pivot(
        index="width", columns="param", values="log2_opt")
    init = mup.optima(tables["init_scale"], ["width"], x="log2_scale")["log2_opt"]
    depth = mup.optima(tables["depth"], ["depth"])["log2_opt"]
    base_lr = float(opt["mup"].iloc[0])
    nearest = min(cfg.log2_lrs, key=lambda v: abs(v - base_lr))
    mu = tr[(tr["param"] == "mup") & (tr["log2_lr"] == nearest)].sort_values("width")
    coord = {p: d.pivot(index="width", columns="layer", values="change")
             for p, d in co.groupby("param")}
    hidden = co[(co["param"] == "mup") & (co["layer"] < co["layer"].max())].pivot(
        index="width", columns="layer", values="size")
    feat = {p: mup.slopes(d["width"], d["change"])[0] for p, d in fe.groupby("param")
            if p != "standard"}  # SGD at μP's rate diverges under SP at large widths
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
        tf_mup_optimum_spread=float(tf["mup"].max() - tf["mup"].min()),
        tf_sp_optimum_drift=float(tf["standard"].iloc[0] - tf["standard"].iloc[-1]),
        **{f"tf_log2_opt__{p}__w{w}": float(tf.loc[w, p]) for w in tf.index for p in tf},
        init_mup_optimum_spread=float(init.max() - init.min()),
        **{f"init_log2_opt__w{w}": float(v) for w, v in zip(cfg.widths, init, strict=True)},
        depth_optimum_shift=float(abs(depth.iloc[-1] - depth.iloc[0])),
        **{f"depth_log2_opt__d{d}": float(v) for d, v in zip(cfg.depths, depth, strict=True)},
        base_width_max_difference=float(tables["base"]["max_difference"].max()),
    )


def figures(res, cfg: Config) -> list[Figure]:
    return [_transfer_figure(res, cfg), _coord_figure(res, cfg), _optima_figure(res, cfg)]


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
        plots.band(axes[2], d.assign(change=d["change"].where(np.isfinite(d["change"]))),
                   "width", "change", label=param, ms=3)
    top = 10 * fe.loc[fe["param"] != "standard", "change"].max()  # SP's blow-up leaves the panel
    axes[2].set(xscale="log", yscale="log", xlabel="width n", ylabel="relative change of h_L",
                title="features after SGD", ylim=(None, top))
    plots.legend_below(fig, [axes[0], axes[2]], ncol=5)
    return Figure(
        "coordinates", "Left and middle: the coordinate check — the RMS change of each layer's "
        "activations after a few Adam steps against width, μP (flat) and standard "
        "parameterisation (the output's change grows). Right: the last hidden layer's relative "
        f"change after {cfg.feature_steps} SGD steps at η = {cfg.feature_lr:g} under μP, the "
        "NTK and the standard parameterisation; the standard curve leaves the panel where SGD at "
        "that width-independent rate blows up (standard parameterisation needs η ∝ 1/n).", fig,
        claims=("coordinate_check_mup_flat", "coordinate_check_sp_output_grows",
                "features_learn_under_mup", "features_freeze_under_ntk"))


def _optima_figure(res, cfg: Config) -> Figure:
    t = res.tables
    fig, axes = plt.subplots(1, 3, figsize=(7.15, 2.8), layout="constrained")
    for name, model, ls in (("transfer", "MLP", "-"), ("transformer", "transformer", "--")):
        opt = mup.optima(t[name], ["replicate", "param", "width"])
        for param, d in opt.groupby("param"):
            plots.band(axes[0], d, "width", "log2_opt", label=f"{model}, {param}", ls=ls, ms=3)
    axes[0].set(xscale="log", xlabel="width n (d_model)", ylabel="optimal log₂ η",
                title="learning rate")
    plots.band(axes[1], mup.optima(t["init_scale"], ["replicate", "width"], x="log2_scale"),
               "width", "log2_opt", color="C0", ms=3)
    axes[1].set(xscale="log", xlabel="width n", ylabel="optimal log₂ σ",
                title=f"init scale (μP, η = $2^{{{np.log2(cfg.init_lr):g}}}$)")
    plots.band(axes[2], mup.optima(t["depth"], ["replicate", "depth"]), "depth", "log2_opt",
               color="C0", ms=3)
    axes[2].set(xscale="log", xlabel="hidden layers", ylabel="optimal log₂ η",
                title=f"depth (μP, n = {cfg.depth_width})")
    axes[2].set_xticks(cfg.depths, [str(d) for d in cfg.depths], minor=False)
    axes[2].minorticks_off()
    plots.legend_below(fig, [axes[0]], ncol=4)
    return Figure(
        "optima", "The optimum against width and depth (median over replicates with range; "
        "each optimum the parabola vertex of the loss curve in log₂ of the setting). Left: "
        "the learning rate of the MLP (digits) and the one-layer transformer (modular "
        "addition), μP against standard parameterisation. Middle: μP's initialisation scale. "
        "Right: μP's learning rate against depth at one width, where its width rules make no "
        "promise (Yang et al. 2022, Table 1; Yang et al. 2023).", fig,
        claims=("lr_transfers_under_mup", "lr_drifts_under_sp",
                "transformer_lr_transfers_under_mup", "transformer_lr_drifts_under_sp",
                "init_scale_transfers_under_mup", "lr_shifts_with_depth_under_mup"))
