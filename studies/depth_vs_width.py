"""Depth versus width: what "exponentially fewer parameters" means, and where it shows up.

Seed statement: depth often allows networks to represent the same functions with exponentially
fewer parameters than a shallow network. This study makes it exact and measures it:

1. Separation (Telgarsky 2016): the width-2, depth-k sawtooth has exactly 2^k affine pieces
   (counted exactly, from the breakpoints layer by layer, for k = 1 … 20) with 6k + 1
   parameters. A one-hidden-layer ReLU net of width w on a 1-D input has at most w + 1 pieces,
   and any continuous piecewise-linear function with fewer than 2^k pieces is at sup distance
   >= 1/2 from the sawtooth, so shallow nets need width >= 2^k − 1. Shallow nets of growing
   width and deep narrow nets are trained on the sawtooth; their exact sup errors are measured.
2. Regions at initialisation (Hanin & Rolnick 2019): N neurons spread over depths 1 … 8; the
   regions along a random line (the whole real line for a 1-D input) number about N + 1 at every
   depth, nowhere near the 2^depth-type maxima of Montúfar et al. (2014) and Serra et al. (2018).
3. Trajectory length (Raghu et al. 2017; Poole et al. 2016): the length of the image of a circle
   grows by ≈ √χ₁ per layer: exponentially with depth above the order–chaos transition
   (tanh, σ_b = 0: σ_w² > 1; ReLU: σ_w² > 2) and shrinks below it.
4. Training changes the count: regions along the same line before and after training.
5. Yarotsky (2017): a width-3, depth-m ReLU net approximates x² on [0, 1] with sup error
   exactly 2^(−2m−2), i.e. ε-accuracy with O(log 1/ε) layers.

Expected (quick profile, 2-core CPU, about a minute): 2^k pieces exactly for every k <= 20; the
construction is exact; every trained shallow net below width 2^k − 1 sits at sup error >= 1/2,
and most trained nets, shallow or deep, stay near the constant 1/2 even where width or depth
would allow zero error (quick: only k = 2 is beaten, from width 16; the trained depth-3 width-3
nets never are): expressivity is not learnability. At N = 64 the mean count along the whole
line is within ~6 % of N + 1 at depths 1, 2, 4, 8, and training on sin(πx) changes it by ~10 %;
trajectory growth factors sit on the side of 1 that χ₁ predicts; Yarotsky's error is exactly
2^(−2m−2).
"""

from __future__ import annotations

import dataclasses
import functools
import time

import jax
import jax.numpy as jnp
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from nntheory import data, nets, symbolic, train
from nntheory.analysis import expressivity as ex
from nntheory.report import Figure
from nntheory.study import Claim, Results

TITLE = "Depth versus width: linear regions, the sawtooth separation, trajectory length"

SUMMARY = """
A ReLU network computes a piecewise-linear function, and the number of its linear pieces is the
usual measure of what depth buys. Composing the tent map k times with a width-2, depth-k net
gives Telgarsky's sawtooth with 2^k pieces from 6k + 1 parameters, while one hidden layer of
width w has at most w + 1 pieces on a line: matching the sawtooth to sup error below 1/2 needs
width at least 2^k − 1. Yarotsky's deep construction approximates x² to error 2^(−2m−2) with m
layers. These are statements about what depth can express.

What random and trained networks actually do is different. All region counts here are exact:
breakpoints are tracked layer by layer in float64 (intervals split only within their parent
interval), batched over many nets and lines in one jitted program, and checked against dense
sampling. At He initialisation the number of regions along a line is about the number of
neurons, whatever the depth (Hanin & Rolnick 2019), far below the exponential maxima; training
moves it little. The trajectory length of Raghu et al. (2017) does grow exponentially with depth,
but only in the chaotic phase of Poole et al. (2016), above the order–chaos transition, and
shrinks below it.
"""

EQUATIONS = (
    (r"$g_k=T^{\circ k},\ \ T(x)=2\,\mathrm{relu}(x)-4\,\mathrm{relu}(x-\frac{1}{2}),\qquad"
     r"\#\mathrm{pieces}(g_k)=2^k,\qquad \#\mathrm{params}=6k+1$",
     "Telgarsky's sawtooth: width 2, depth k (Telgarsky 2016, Sec. 2)."),
    (r"$\#\mathrm{pieces}(f)<2^k\ \Rightarrow\ \sup_{[0,1]}|f-g_k|\geq\frac{1}{2},\qquad"
     r"\#\mathrm{pieces}(\mathrm{width}\ w,\ \mathrm{depth}\ 1)\leq w+1$",
     "f must cross 1/2 between the 2^k + 1 alternating extrema of g_k, once per monotone piece: "
     "shallow nets need width ≥ 2^k − 1 (Telgarsky 2016, Sec. 3)."),
    (r"$R_{\max}\geq\lfloor n/n_0\rfloor^{n_0(L-1)}\sum_{j=0}^{n_0}\binom{n}{j},\qquad"
     r"R_{\max}\leq\sum_{(j_1..j_L)\in J}\ \prod_{l=1}^{L}\binom{n_l}{j_l}$",
     "Most regions of L hidden layers of width n on ℝ^{n0}: attained (Montúfar et al. 2014, "
     "Thm. 4) and bounded (Serra et al. 2018, Thm. 1); for n0 = 1: n^{L−1}(n+1) ≤ R ≤ (n+1)^L."),
    (r"$q^*=\sigma_w^2\,\mathbb{E}_z[\phi(\sqrt{q^*}z)^2]+\sigma_b^2,\qquad"
     r"\chi_1=\sigma_w^2\,\mathbb{E}_z[\phi'(\sqrt{q^*}z)^2],\qquad"
     r"\ell_{l+1}/\ell_l\approx\sqrt{\chi_1}$",
     "Order (χ₁ < 1) and chaos (χ₁ > 1): curve length grows by √χ₁ per layer (Poole et al. 2016; "
     "Schoenholz et al. 2017). ReLU: χ₁ = σ_w²/2; tanh at σ_b = 0: critical σ_w² = 1."),
    (r"$f_m(x)=x-\sum_{s=1}^{m}\frac{g_s(x)}{4^{s}},\qquad"
     r"\sup_{[0,1]}|f_m(x)-x^2|=2^{-2m-2}$",
     "Yarotsky's deep approximation of x² (Yarotsky 2017, Prop. 2): width 3, depth m."),
)

REFERENCES = (
    "M. Telgarsky (2016). Benefits of depth in neural networks. COLT; arXiv:1602.04485.",
    "G. Montúfar, R. Pascanu, K. Cho, Y. Bengio (2014). On the number of linear regions of deep "
    "neural networks. NeurIPS; arXiv:1402.1869.",
    "T. Serra, C. Tjandraatmadja, S. Ramalingam (2018). Bounding and counting linear regions of "
    "deep neural networks. ICML; arXiv:1711.02114.",
    "B. Hanin, D. Rolnick (2019). Complexity of linear regions in deep networks. ICML; "
    "arXiv:1901.09021.",
    "M. Raghu, B. Poole, J. Kleinberg, S. Ganguli, J. Sohl-Dickstein (2017). On the expressive "
    "power of deep neural networks. ICML; arXiv:1606.05336.",
    "B. Poole, S. Lahiri, M. Raghu, J. Sohl-Dickstein, S. Ganguli (2016). Exponential "
    "expressivity in deep neural networks through transient chaos. NeurIPS; arXiv:1606.05340.",
    "S. Schoenholz, J. Gilmer, S. Ganguli, J. Sohl-Dickstein (2017). Deep information "
    "propagation. ICLR; arXiv:1611.01232.",
    "D. Yarotsky (2017). Error bounds for approximations with deep ReLU networks. Neural "
    "Networks 94:103–114; arXiv:1610.01145.",
)


# Fixed settings (stated once; the Config holds what a profile changes).
B_STD = 0.1  # bias std of the He-initialised nets (He et al. 2015: σ_w² = 2)
FIT_B_STD = 1.0  # sawtooth fits: first-layer kinks −b/w spread over [0, 1] and beyond
CAPACITY_FACTOR = 2  # breakpoints per line the batched program holds, per neuron (overflows
#                      are recounted exactly)
SEGMENTS_PER_NET = 4  # random segments per net, besides the whole line
SAMPLING_NETS = 4  # nets cross-checked against dense sampling (shallowest and deepest)
SPEED_DEPTH, SPEED_WIDTH = 8, 32  # the closing note's nets per second (4 × init_seeds nets)
DEEP_WIDTH = 3  # trained deep narrow nets (the construction needs 2)
MAP_RESOLUTION = 300  # grid of the 2-D region maps
TRAIN_TARGET, TRAIN_DEPTH, TRAIN_POINTS = "sin", 4, 256  # part 4 (width: neurons // 4)


@dataclasses.dataclass(frozen=True)
class Config:
    """Five parts: sawtooth separation, regions at init, trajectory length, training, Yarotsky."""

    # 1. separation: exact piece counts of the construction, then trained shallow / deep nets
    sawtooth_ks: tuple[int, ...] = tuple(range(1, 21))
    fit_ks: tuple[int, ...] = (2, 3)
    shallow_widths: tuple[int, ...] = (2, 4, 8, 16, 32)
    seeds: int = 4  # per sawtooth fit, per trajectory setting, and for part 4
    steps: int = 3000  # Adam steps (cosine schedule) of every training run
    learning_rate: float = 3e-3
    # 2. regions at He initialisation: N neurons over several depths (N divisible by each)
    neurons: int = 64
    depths: tuple[int, ...] = (1, 2, 4, 8)
    init_seeds: int = 20
    input_dim: int = 10  # whole lines through 0 (≡ 1-D input, see _regions_point), segments
    sampling_points: int = 200_001
    # 3. trajectory length (standard parameterisation, weights N(0, σ_w²/n))
    traj_width: int = 64
    traj_depth: int = 10
    # values at least 0.5 from the critical point: at width 64, tanh at σ_w² = 1.5 (mean-field
    # factor 1.02) measured 0.97–1.00, i.e. finite width blurs the sign that close to it
    tanh_sigma_w2: tuple[float, ...] = (0.5, 0.75, 2.0, 3.0, 4.0)
    relu_sigma_w2: tuple[float, ...] = (1.0, 1.5, 2.5, 3.0)
    # 5. Yarotsky's x²
    yarotsky_ms: tuple[int, ...] = tuple(range(1, 11))

    def __post_init__(self):
        ints = ("seeds", "steps", "neurons", "init_seeds", "input_dim", "sampling_points",
                "traj_width", "traj_depth")
        for name in ints:
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        for name in ("sawtooth_ks", "fit_ks", "shallow_widths", "depths", "yarotsky_ms"):
            v = list(getattr(self, name))
            if not v or any(x < 1 for x in v) or v != sorted(set(v)):
                raise ValueError(f"{name} must be strictly increasing positive integers, got {v}")
        if max(self.sawtooth_ks) > 40 or max(self.fit_ks) > 10 or max(self.yarotsky_ms) > 20:
            raise ValueError("sawtooth_ks <= 40, fit_ks <= 10, yarotsky_ms <= 20 (float64 "
                             "dyadic arithmetic and memory)")
        bad = [d for d in self.depths + (TRAIN_DEPTH,) if self.neurons % d]
        if bad:
            raise ValueError(f"neurons ({self.neurons}) must be divisible by every depth and by "
                             f"{TRAIN_DEPTH}; not by {bad}")
        if self.sampling_points < 2 or self.init_seeds < SAMPLING_NETS // 2:
            raise ValueError(f"sampling_points must be >= 2 and init_seeds >= "
                             f"{SAMPLING_NETS // 2}")
        for name in ("tanh_sigma_w2", "relu_sigma_w2"):
            v = getattr(self, name)
            if not v or any(not 0 < x < float("inf") for x in v):
                raise ValueError(f"{name} must be positive numbers, got {list(v)}")
        if not 0 < self.learning_rate < float("inf"):
            raise ValueError(f"learning_rate must be positive and finite, got "
                             f"{self.learning_rate}")

    @property
    def fit_points(self) -> int:
        """The training grid on [0, 1]: 32 points per piece of the finest sawtooth, holding
        every breakpoint j/2^k."""
        return 2 ** (max(self.fit_ks) + 5) + 1

    @property
    def capacity(self) -> int:
        return CAPACITY_FACTOR * self.neurons

    @property
    def traj_points(self) -> int:
        """Points on the circle: 100 per layer, enough to resolve the growth at the deepest."""
        return 100 * self.traj_depth

    @property
    def speed_nets(self) -> int:
        return 4 * self.init_seeds

    @property
    def train_width(self) -> int:
        return self.neurons // TRAIN_DEPTH

    @property
    def log_every(self) -> int:
        return self.steps // 4 if self.steps % 4 == 0 else self.steps


PROFILES = {
    # ~1 minute on a 2-core CPU.
    "quick": Config(),
    # Paper-scale, meant for a GPU: k to 24, more widths, seeds, neurons and depths.
    "full": Config(
        sawtooth_ks=tuple(range(1, 25)),
        fit_ks=(2, 3, 4, 5, 6),
        shallow_widths=(2, 4, 8, 16, 32, 64, 128, 256),
        seeds=16,
        steps=20000,
        neurons=240,
        depths=(1, 2, 3, 4, 5, 6, 8),
        init_seeds=200,
        sampling_points=2_000_001,
        traj_width=512,
        traj_depth=20,
        tanh_sigma_w2=(0.5, 0.75, 1.5, 2.0, 3.0, 4.0),
        relu_sigma_w2=(1.0, 1.5, 1.8, 2.2, 2.5, 3.0),
        yarotsky_ms=tuple(range(1, 16)),
    ),
}

# Thresholds of the claims (stated once, here, with their reasons in the notes).
SAWTOOTH_FLOOR = 0.5
REGION_BAND = 0.25
YAROTSKY_RTOL = 1e-9

CLAIMS = (
    Claim(
        id="sawtooth_pieces",
        statement="The width-2, depth-k sawtooth net has exactly 2^k linear pieces (and 2^k "
        "activation regions) on [0, 1] for every k tested: the largest |count − 2^k|.",
        source="Telgarsky 2016, Sec. 2 (T^k has 2^k pieces); 2^k from the recurrence "
        "p_k = 2p_{k−1} in nntheory.symbolic",
        measured="sawtooth_max_count_error",
        op="==",
        expected=0.0,
        note="Exact integer counts (float64, dyadic breakpoints are exact), so no tolerance.",
    ),
    Claim(
        id="sawtooth_exact",
        statement="The construction (6k + 1 parameters) equals the k-fold tent map exactly: the "
        "largest sup distance over the k tested, computed from both functions' breakpoints.",
        source="Telgarsky 2016, Sec. 2",
        measured="sawtooth_max_sup_error",
        op="==",
        expected=0.0,
        note="Both functions are piecewise linear, so the sup is a maximum over the union of "
        "their breakpoints; float64 on dyadic points is exact.",
    ),
    Claim(
        id="shallow_floor",
        statement=f"Every trained one-hidden-layer net narrower than 2^k − 1 has sup error at "
        f"least {SAWTOOTH_FLOOR} on the depth-k sawtooth (smallest over k, widths, seeds).",
        source="Telgarsky 2016, Sec. 3 (crossing argument); w + 1 pieces for width w",
        measured="shallow_below_min_sup_error",
        op=">=",
        expected=SAWTOOTH_FLOOR,
        note="Exact sup of the trained net (float64 breakpoints). A theorem, so this checks "
        "the counting and training code; the smallest shallow width that beats 1/2 per k is "
        "in the metrics (shallow_needed_width__k*).",
    ),
    Claim(
        id="exact_vs_sampling",
        statement="Exact counts equal dense-sampling counts on the checked random nets "
        "(number of disagreements).",
        source="Method check (Serra et al. 2018, Sec. 3: regions are activation patterns)",
        measured="sampling_mismatches",
        op="==",
        expected=0.0,
        note="Sampling counts pattern flips between neighbouring points; it can only miss a "
        "neuron that switches twice inside one cell.",
    ),
    Claim(
        id="regions_linear_in_neurons",
        statement=f"At He initialisation the mean number of regions along the whole input line "
        f"(1-D input) is within {REGION_BAND:.0%} of N + 1 at every depth for fixed N, instead "
        f"of growing like 2^depth: the largest |mean/(N + 1) − 1| over depths.",
        source="Hanin & Rolnick 2019, Sec. 3 (regions along a line grow linearly in the "
        "number of neurons, not with depth)",
        measured="init_regions_max_rel_dev",
        op="<=",
        expected=REGION_BAND,
        note="Whole lines through 0 of He nets with 10 inputs, distributed as 1-D-input nets. "
        "N + 1 is exact at depth 1; the theorem gives linear scaling with a constant near 1, "
        "not a band: 25 % is our tolerance for that constant (narrow layers lose regions).",
    ),
    Claim(
        id="trajectory_order_chaos",
        statement="The per-layer growth factor of trajectory length is above 1 exactly when "
        "σ_w² is above the critical value (tanh, σ_b = 0: 1; ReLU: 2), for every σ_w² and "
        "seed: the fraction on the predicted side.",
        source="Poole et al. 2016 (χ₁, curve length); Schoenholz et al. 2017; Raghu et al. 2017",
        measured="trajectory_side_agreement",
        op="==",
        expected=1.0,
        note="Growth factor = exp(slope of log length over layers 2…L). Each seed must agree, "
        "so no tolerance; σ_w² within 0.5 of the transition is left out at quick (see Config).",
    ),
    Claim(
        id="yarotsky_square",
        statement="Yarotsky's width-3, depth-m net has sup error exactly 2^(−2m−2) against x² "
        "on [0, 1] for every m tested: the largest |error/2^(−2m−2) − 1|.",
        source="Yarotsky 2017, Prop. 2; 2^(−2m−2) derived in nntheory.symbolic",
        measured="yarotsky_max_rel_error",
        op="<=",
        expected=YAROTSKY_RTOL,
        note="The sup is exact on each affine piece (a concave quadratic gap); 1e-9 covers "
        "float64 rounding.",
    ),
)


# ---------------------------------------------------------------------------------------------
# Run
# ---------------------------------------------------------------------------------------------


def _keys(key, n: int) -> list:
    """n independent keys from one (``fold_in`` compiles once for every n; ``split`` would
    compile again for each new n)."""
    return [jax.random.fold_in(key, i) for i in range(n)]


def _count_sawtooths(cfg: Config) -> tuple[pd.DataFrame, dict]:
    rows = []
    for k in cfg.sawtooth_ks:
        net = ex.sawtooth_net(k)
        params = net.init_params(jax.random.PRNGKey(0), (1,))
        t0 = time.perf_counter()
        r = ex.count_linear_regions(net, params, [0.0], [1.0])
        seconds = time.perf_counter() - t0
        dyadic = np.arange(2**k + 1) / 2**k
        sup = ex.sup_distance_pl(r, functools.partial(ex.sawtooth, k), dyadic)
        rows.append(dict(k=k, n_regions=r.n_regions, n_pieces=r.n_pieces,
                         expected=int(symbolic.sawtooth_piece_count(k)), sup_error=sup,
                         n_params=net.info["n_params"], seconds=seconds))
    df = pd.DataFrame(rows)
    err = np.maximum(np.abs(df["n_pieces"] - df["expected"]),
                     np.abs(df["n_regions"] - df["expected"]))
    return df, dict(sawtooth_max_count_error=float(err.max()),
                    sawtooth_max_sup_error=float(df["sup_error"].max()),
                    sawtooth_seconds_largest_k=float(df["seconds"].iloc[-1]))


def _exact_sup_errors(net, params, ks) -> np.ndarray:
    """Exact sup distance from each member to its sawtooth, from the breakpoints (float64)."""
    out = []
    for i, k in enumerate(ks):
        p = jax.tree_util.tree_map(lambda x, i=i: x[i], params)
        r = ex.count_linear_regions(net, p, [0.0], [1.0])
        out.append(ex.sup_distance_pl(r, functools.partial(ex.sawtooth, k),
                                      np.arange(2**k + 1) / 2**k))
    return np.array(out)


def _fit_point(cfg: Config, net, ks, key) -> dict[str, np.ndarray]:
    """Train one architecture on the sawtooths ``ks`` (one member per entry) and return exact
    sup errors, relative L² errors on the grid and the fits."""
    x = jnp.linspace(0.0, 1.0, cfg.fit_points)[:, None]
    y = np.stack([ex.sawtooth(k, np.asarray(x, np.float64)) for k in ks])
    d = dict(x_train=jnp.broadcast_to(x, (len(ks),) + x.shape),
             y_train=jnp.asarray(y, jnp.float32))
    params = ex.sample_mlp_params(net, key, len(ks), 1)
    params, hist = train.fit_ensemble(
        net, params, d, member_data=True, optimizer="adam",
        learning_rate=cfg.learning_rate, schedule="cosine", steps=cfg.steps,
        log_every=cfg.log_every)
    pred = np.asarray(jax.vmap(net.apply)(params, d["x_train"]), np.float64)
    rel = np.sqrt(np.sum((pred - y) ** 2, axis=(1, 2)) / np.sum(y**2, axis=(1, 2)))
    return dict(sup=_exact_sup_errors(net, params, ks), rel_l2=rel,
                diverged=hist.diverged, pred=pred[..., 0].astype(np.float32))


def _separation(cfg: Config, key, step) -> tuple[pd.DataFrame, dict, dict]:
    """Shallow nets of every width, and one deep narrow architecture (depth max(fit_ks), width
    ``DEEP_WIDTH``, O(k) parameters), each trained as one ensemble whose members are
    (k, seed) pairs."""
    ks = [k for k in cfg.fit_ks for _ in range(cfg.seeds)]
    seeds = [s for _ in cfg.fit_ks for s in range(cfg.seeds)]
    rows, fits = [], {}
    points = [("shallow", w, 1) for w in cfg.shallow_widths] + [
        ("deep", DEEP_WIDTH, max(cfg.fit_ks))]
    for kind, width, depth in train.progress(points, "sawtooth fits"):
        net = nets.mlp(width, depth, 1, "relu", parameterization="standard",
                       w_std=2.0**0.5, b_std=FIT_B_STD)
        point = step(f"fit-{kind}-w{width}-L{depth}", functools.partial(
            _fit_point, cfg, net, ks, jax.random.fold_in(key, 1000 * depth + width)))
        n_params = nets.param_count(ex.sample_mlp_params(net, key, 1, 1))
        for i, (k, s) in enumerate(zip(ks, seeds, strict=True)):
            rows.append(dict(kind=kind, width=width, depth=depth, k=k, seed=s,
                             n_params=n_params, sup=float(point["sup"][i]),
                             rel_l2=float(point["rel_l2"][i]),
                             diverged=bool(point["diverged"][i]),
                             below_threshold=kind == "shallow" and width < 2**k - 1))
            if s == 0:
                fits[f"fit__{kind}__k{k}__w{width}"] = point["pred"][i]
    df = pd.DataFrame(rows)
    sh = df[df["kind"] == "shallow"]
    below = sh[sh["below_threshold"]]
    m = dict(shallow_below_min_sup_error=float(below["sup"].min()) if len(below) else np.nan)
    for k in cfg.fit_ks:
        ok = sh[(sh["k"] == k) & (sh["sup"] < SAWTOOTH_FLOOR)]
        m[f"shallow_needed_width__k{k}"] = float(ok["width"].min()) if len(ok) else np.nan
        deep = df[(df["kind"] == "deep") & (df["k"] == k)]
        m[f"deep_trained_best_sup__k{k}"] = float(deep["sup"].min())
        m[f"shallow_widest_best_sup__k{k}"] = float(
            sh[(sh["k"] == k) & (sh["width"] == sh["width"].max())]["sup"].min())
    return df, fits, m


def _init_nets(cfg: Config, key, dim: int) -> tuple[ex.StackedNets, list]:
    """He-initialised ReLU nets of ``cfg.neurons`` neurons at every depth, ``init_seeds`` each,
    stacked and padded into one batch."""
    groups, labels = [], []
    for depth in cfg.depths:
        net = nets.mlp(cfg.neurons // depth, depth, 1, "relu", parameterization="standard",
                       w_std=2.0**0.5, b_std=B_STD)
        params = ex.sample_mlp_params(net, jax.random.fold_in(key, depth), cfg.init_seeds, dim)
        groups.append(ex.affine_layers(net, params))
        labels += [(depth, s) for s in range(cfg.init_seeds)]
    return ex.stack_nets(groups), labels


def _regions_point(cfg: Config, key) -> dict[str, np.ndarray]:
    """Regions at initialisation of one batch of ``input_dim``-input nets: along the whole line
    through 0 in a random direction of norm √d, and along random segments; the dense-sampling
    cross-check; the speed of the batched program.

    A whole line x = t·u, ‖u‖ = √d, through a He-initialised net with d inputs is distributed
    exactly as a He-initialised net with one input over the whole real line: the first layer's
    weights along u, Wᵀu, are N(0, (2/d)‖u‖²) = N(0, 2) per unit, independently, as for d = 1.
    """
    k_init, k_dir, k_seg, k_speed = _keys(key, 4)
    batch, _ = _init_nets(cfg, k_init, cfg.input_dim)
    B, d = batch.w_in.shape[0], cfg.input_dim
    u = ex.numpy_rng(k_dir).standard_normal((B, 1, d))
    u *= np.sqrt(d) / np.linalg.norm(u, axis=-1, keepdims=True)
    ends = ex.numpy_rng(k_seg).standard_normal((2, B, SEGMENTS_PER_NET, d))
    # one program for both: line 0 of each net is the whole line, the others segments
    starts = np.concatenate([np.zeros_like(u), ends[0]], axis=1)
    stops = np.concatenate([u, ends[1]], axis=1)
    whole = np.zeros(starts.shape[:2], bool)
    whole[:, 0] = True
    t0 = time.perf_counter()
    counts = ex.count_regions_batch("relu", batch, starts, stops, capacity=cfg.capacity,
                                    whole_line=whole)
    batch_seconds = time.perf_counter() - t0
    n_all = counts.n_regions.astype(float)
    # recount any line that overflowed the fixed capacity, exactly
    for i, j in zip(*np.nonzero(counts.overflow), strict=True):
        n_all[i, j] = ex.count_linear_regions("relu", _unstack(batch, i), starts[i, j],
                                              stops[i, j], whole_line=bool(whole[i, j])
                                              ).n_regions
    n_line, n_seg = n_all[:, :1], n_all[:, 1:]
    # exact vs dense sampling on segments of the shallowest and the deepest nets
    half = SAMPLING_NETS // 2
    picks = list(range(half)) + list(range(B - (SAMPLING_NETS - half), B))
    exact_s, sampled_s, sampled = [], [], []
    for i in picks:
        layers = _unstack(batch, i)
        t0 = time.perf_counter()
        exact = ex.count_linear_regions("relu", layers, ends[0, i, 0], ends[1, i, 0]).n_regions
        exact_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        sampled.append((exact, ex.count_regions_sampled("relu", layers, ends[0, i, 0],
                                                        ends[1, i, 0], cfg.sampling_points)))
        sampled_s.append(time.perf_counter() - t0)
    # speed: nets per second of the batched program at the closing note's size, compiled
    # first (one random segment per net)
    net = nets.mlp(SPEED_WIDTH, SPEED_DEPTH, 1, "relu", parameterization="standard",
                   w_std=2.0**0.5, b_std=B_STD)
    k_p, k_e = _keys(k_speed, 2)
    sp = ex.sample_mlp_params(net, k_p, cfg.speed_nets, d)
    s_ends = ex.numpy_rng(k_e).standard_normal((2, cfg.speed_nets, 1, d))
    cap = CAPACITY_FACTOR * SPEED_WIDTH * SPEED_DEPTH
    ex.count_regions_batch(net, sp, s_ends[0], s_ends[1], capacity=cap)  # compile
    t0 = time.perf_counter()
    speed = ex.count_regions_batch(net, sp, s_ends[0], s_ends[1], capacity=cap)
    speed_seconds = time.perf_counter() - t0
    return dict(
        line=n_line[:, 0], line_pieces=counts.n_pieces[:, 0].astype(float),
        line_overflow=counts.overflow[:, 0], segment=n_seg,
        segment_overflow=counts.overflow[:, 1:],
        segment_length=np.linalg.norm(ends[1] - ends[0], axis=-1),
        sampled=np.array(sampled, float), exact_seconds=np.array(exact_s),
        sampled_seconds=np.array(sampled_s), batch_seconds=np.array(batch_seconds),
        speed_seconds=np.array(speed_seconds),
        speed_overflow=np.array(speed.overflow.any()),
        speed_mean_regions=np.array(speed.n_regions.mean()),
    )


def _unstack(st: ex.StackedNets, i: int) -> list:
    """Net ``i`` of a padded batch as its list of (W, b) layers (padding kept: it adds no
    kinks)."""
    layers = [(st.w_in[i], st.b_in[i])]
    layers += [(st.w_hidden[i, j], st.b_hidden[i, j]) for j in range(st.active.shape[1])
               if st.active[i, j]]
    return layers + [(st.w_out[i], st.b_out[i])]


def _regions(cfg: Config, key, step) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    point = step("regions-at-init", functools.partial(_regions_point, cfg, key))
    labels = [(d, s) for d in cfg.depths for s in range(cfg.init_seeds)]
    N = cfg.neurons
    rows = []
    for i, (depth, s) in enumerate(labels):
        width = N // depth
        rows.append(dict(
            depth=depth, width=width, seed=s, setting="1-D input, whole line",
            regions=point["line"][i], pieces=point["line_pieces"][i],
            overflow=bool(point["line_overflow"][i])))
        for j in range(SEGMENTS_PER_NET):
            rows.append(dict(
                depth=depth, width=width, seed=s, setting=f"{cfg.input_dim}-D, segment",
                regions=point["segment"][i, j], pieces=np.nan,
                overflow=bool(point["segment_overflow"][i, j]),
                length=point["segment_length"][i, j]))
    df = pd.DataFrame(rows)
    line = df[df["setting"] == "1-D input, whole line"]
    mean_by_depth = line.groupby("depth")["regions"].mean()
    bounds = []
    for depth in cfg.depths:
        w = N // depth
        bounds.append(dict(
            depth=depth, width=w, neurons=N,
            measured_mean=float(mean_by_depth[depth]),
            shallow_bound=int(symbolic.shallow_region_bound(1, N)),
            montufar_attained=int(symbolic.deep_region_lower_bound(1, w, depth)),
            serra_upper=int(symbolic.deep_region_upper_bound(1, [w] * depth)),
            two_to_depth=2**depth))
    sampled = point["sampled"]
    m = dict(
        init_regions_max_rel_dev=float(np.max(np.abs(mean_by_depth / (N + 1) - 1))),
        sampling_mismatches=float(np.sum(sampled[:, 0] != sampled[:, 1])),
        exact_ms_per_count=float(1e3 * point["exact_seconds"].mean()),
        sampled_s_per_count=float(point["sampled_seconds"].mean()),
        init_batch_seconds=float(point["batch_seconds"]),
        nets_per_second_speed=float(cfg.speed_nets / point["speed_seconds"]),
        speed_overflow=float(point["speed_overflow"]),
        speed_mean_regions=float(point["speed_mean_regions"]),
        init_overflows=float(df["overflow"].sum()),
    )
    for depth in cfg.depths:
        m[f"init_regions_per_neuron__depth{depth}"] = float(mean_by_depth[depth] / N)
        seg = df[(df["setting"] != "1-D input, whole line") & (df["depth"] == depth)]
        m[f"segment_regions_per_neuron__depth{depth}"] = float(seg["regions"].mean() / N)
    return df, pd.DataFrame(bounds), m


def _trajectory_point(cfg: Config, act: str, sigma_w2: tuple, b_std: float, key) -> dict:
    """Lengths after each layer for every (σ_w², seed), in one vmapped program per activation."""
    W = cfg.traj_width
    ku, kn = _keys(key, 2)
    u = ex.numpy_rng(ku).standard_normal((2, W))
    u = jnp.asarray(u / np.linalg.norm(u, axis=1, keepdims=True), jnp.float32)
    theta = jnp.linspace(0.0, 2 * jnp.pi, cfg.traj_points + 1)  # a closed circle of radius √W
    curve = jnp.sqrt(W) * (jnp.cos(theta)[:, None] * u[0][None, :]
                           + jnp.sin(theta)[:, None] * u[1][None, :])
    phi = nets.activation(act).fn
    layers = None
    for i, s2 in enumerate(sigma_w2):
        net = nets.mlp(W, cfg.traj_depth, 1, act, parameterization="standard",
                       w_std=float(s2) ** 0.5, b_std=b_std)
        params = ex.sample_mlp_params(net, jax.random.fold_in(kn, i), cfg.seeds, W)
        lay = ex.affine_layers(net, params)[:-1]
        layers = lay if layers is None else jax.tree_util.tree_map(
            lambda a, b: jnp.concatenate([a, b]), layers, lay)
    f = jax.jit(jax.vmap(lambda ls: ex.trajectory_length(ex.dense_layer(phi), ls, curve)))
    return dict(lengths=np.asarray(f(layers), np.float64))


def _trajectory(cfg: Config, key, step) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    rows, growth_rows = [], []
    settings = (("tanh", cfg.tanh_sigma_w2, 0.0, 1.0), ("relu", cfg.relu_sigma_w2,
                                                        B_STD, 2.0))
    agree = []
    for act, sws, b_std, critical in settings:
        kk = jax.random.fold_in(key, len(act))
        point = step(f"trajectory-{act}",
                     functools.partial(_trajectory_point, cfg, act, sws, b_std, kk))
        lengths = point["lengths"].reshape(len(sws), cfg.seeds, cfg.traj_depth + 1)
        growth = ex.growth_rate(lengths, skip=2)
        for i, s2 in enumerate(sws):
            q, chi = ex.mean_field_chi(act, float(s2), b_std**2)
            for s in range(cfg.seeds):
                growth_rows.append(dict(activation=act, sigma_w2=float(s2), seed=s,
                                        growth=float(growth[i, s]), predicted=np.sqrt(chi),
                                        critical=critical, q_star=q))
                agree.append((growth[i, s] > 1) == (s2 > critical))
                for layer in range(cfg.traj_depth + 1):
                    rows.append(dict(activation=act, sigma_w2=float(s2), seed=s, layer=layer,
                                     length=float(lengths[i, s, layer])))
    g = pd.DataFrame(growth_rows)
    m = dict(trajectory_side_agreement=float(np.mean(agree)))
    for (act, s2), gg in g.groupby(["activation", "sigma_w2"]):
        m[f"trajectory_growth__{act}__{s2:g}"] = float(gg["growth"].mean())
    return pd.DataFrame(rows), g, m


def _training_point(cfg: Config, key) -> dict[str, np.ndarray]:
    """Regions along [−1, 1] and along the whole line before and after training."""
    net = nets.mlp(cfg.train_width, TRAIN_DEPTH, 1, "relu", parameterization="standard",
                   w_std=2.0**0.5, b_std=B_STD)
    kd, ki = _keys(key, 2)
    tgt = data.target(TRAIN_TARGET)
    ds = data.regression(kd, tgt, TRAIN_POINTS, 1001)
    p0 = ex.sample_mlp_params(net, ki, cfg.seeds, 1)
    p1, hist = train.fit_ensemble(net, p0, ds, optimizer="adam",
                                  learning_rate=cfg.learning_rate, schedule="cosine",
                                  steps=cfg.steps,
                                  log_every=cfg.log_every)
    out = {}
    for name, p in (("before", p0), ("after", p1)):
        seg, whole = [], []
        for i in range(cfg.seeds):
            pi = jax.tree_util.tree_map(lambda x, i=i: x[i], p)
            r = ex.count_linear_regions(net, pi, [-1.0], [1.0])
            seg.append(r.n_regions)
            whole.append(ex.count_linear_regions(net, pi, [0.0], [1.0],
                                                 whole_line=True).n_regions)
            if i == 0:
                out[f"bp_{name}"] = -1.0 + 2.0 * r.breakpoints
        out[f"segment_{name}"] = np.array(seg, float)
        out[f"whole_{name}"] = np.array(whole, float)
        out[f"pred_{name}"] = np.asarray(net.apply(jax.tree_util.tree_map(lambda x: x[0], p),
                                                   ds.x_test))[:, 0]
    out["x"] = np.asarray(ds.x_test)[:, 0]
    out["y"] = np.asarray(ds.y_test)[:, 0]
    out["test_loss"] = hist.final("test_loss")
    out["diverged"] = np.asarray(hist.diverged, bool)
    return out


def _training(cfg: Config, key, step) -> tuple[pd.DataFrame, dict, dict]:
    point = step("training", functools.partial(_training_point, cfg, key))
    df = pd.DataFrame(dict(
        seed=np.arange(cfg.seeds), segment_before=point["segment_before"],
        segment_after=point["segment_after"], whole_before=point["whole_before"],
        whole_after=point["whole_after"], test_loss=point["test_loss"],
        diverged=point["diverged"]))
    arrays = {f"train_{k}": v for k, v in point.items() if k in (
        "bp_before", "bp_after", "pred_before", "pred_after", "x", "y")}
    N = cfg.train_width * TRAIN_DEPTH
    m = dict(train_regions_before=float(df["segment_before"].mean()),
             train_regions_after=float(df["segment_after"].mean()),
             train_regions_whole_before=float(df["whole_before"].mean()),
             train_regions_whole_after=float(df["whole_after"].mean()),
             train_neurons=float(N),
             train_test_loss=float(np.median(df["test_loss"])))
    return df, arrays, m


def _region_maps(cfg: Config, key) -> dict[str, np.ndarray]:
    """Activation regions on the input plane of 2-D-input nets (grid, for the figure)."""
    out = {}
    for depth in (1, 4, 8):
        if cfg.neurons % depth:
            continue
        net = nets.mlp(cfg.neurons // depth, depth, 1, "relu", parameterization="standard",
                       w_std=2.0**0.5, b_std=B_STD)
        p = jax.tree_util.tree_map(
            lambda x: x[0], ex.sample_mlp_params(net, jax.random.fold_in(key, depth), 1, 2))
        labels, _ = ex.region_map_2d(net, p, [0.0, 0.0], [1.0, 0.0], [0.0, 1.0], extent=3.0,
                                     resolution=MAP_RESOLUTION)
        out[f"map_depth{depth}"] = labels.astype(np.int32)
        out[f"map_depth{depth}_extent"] = np.array([-3.0, 3.0])
    tent = ex.tent_layers(3)
    w0, b0 = tent[0]
    lay = [(np.vstack([w0, np.zeros_like(w0)]), b0)] + tent[1:]  # g_3(x_1), blind to x_2
    # the window stops just inside [0, 1]²: on x₁ = 0 and x₁ = 1 a unit sits exactly at its
    # kink, a measure-zero pattern the grid would otherwise count as two extra regions
    labels, _ = ex.region_map_2d("relu", lay, [0.5, 0.5], [0.499, 0.0], [0.0, 0.499],
                                 extent=1.0, resolution=MAP_RESOLUTION)
    out["map_sawtooth"] = labels.astype(np.int32)
    out["map_sawtooth_extent"] = np.array([0.0, 1.0])
    return out


def _yarotsky(cfg: Config) -> tuple[pd.DataFrame, dict, dict]:
    rows, arrays = [], {}
    for m in cfg.yarotsky_ms:
        net = ex.yarotsky_square_net(m)
        r = ex.count_linear_regions(net, net.init_params(jax.random.PRNGKey(0), (1,)),
                                    [0.0], [1.0])
        err = ex.sup_error_vs_square(r)
        expected = float(symbolic.yarotsky_sup_error(m))
        rows.append(dict(m=m, pieces=r.n_pieces, sup_error=err, expected=expected,
                         rel_error=abs(err / expected - 1), n_params=net.info["n_params"]))
        if m <= 3:
            t = np.linspace(0.0, 1.0, 401)
            arrays[f"yarotsky_f{m}"] = r(t)[:, 0]
    df = pd.DataFrame(rows)
    piece_err = float(np.max(np.abs(df["pieces"] - 2.0 ** df["m"])))
    return df, arrays, dict(yarotsky_max_rel_error=float(df["rel_error"].max()),
                            yarotsky_max_piece_error=piece_err)


def run(cfg: Config, key: jax.Array, ckpt=None) -> Results:
    """All five parts; every number the claims read is in ``metrics``.

    ``ckpt`` (a ``nntheory.store.Checkpoint``, given by ``nntheory run``) lets a killed run
    resume at the next training or counting point."""
    step = ckpt.step if ckpt is not None else (lambda name, compute: compute())
    k_sep, k_reg, k_traj, k_train = _keys(key, 4)
    saw, m_saw = _count_sawtooths(cfg)
    fits_df, fits, m_fit = _separation(cfg, k_sep, step)
    reg_df, bounds, m_reg = _regions(cfg, k_reg, step)
    traj_df, growth_df, m_traj = _trajectory(cfg, k_traj, step)
    train_df, train_arrays, m_train = _training(cfg, k_train, step)
    yar_df, yar_arrays, m_yar = _yarotsky(cfg)
    maps = _region_maps(cfg, jax.random.fold_in(k_reg, 2))
    grid = np.linspace(0.0, 1.0, cfg.fit_points)
    return Results(
        tables=dict(sawtooth=saw, fits=fits_df, regions=reg_df, region_bounds=bounds,
                    trajectory=traj_df, growth=growth_df, training=train_df, yarotsky=yar_df),
        arrays=dict(fit_grid=grid, **fits, **train_arrays, **yar_arrays, **maps),
        metrics={**m_saw, **m_fit, **m_reg, **m_traj, **m_train, **m_yar,
                 # every trained ensemble: the sawtooth fits and the region-count training
                 "diverged_members": float(fits_df["diverged"].sum()
                                           + train_df["diverged"].sum())},
    )


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------


def _log2_axis(ax, values) -> None:
    """A base-2 log x axis ticked at the given values, written as plain numbers."""
    ax.set_xscale("log", base=2)
    ax.set_xticks(list(values))
    ax.get_xaxis().set_major_formatter(matplotlib.ticker.ScalarFormatter())
    ax.minorticks_off()


def _sawtooth_figure(res: Results) -> Figure:
    saw = res.tables["sawtooth"]
    fig, axes = plt.subplots(2, 2, figsize=(10, 7.5))
    ax = axes[0, 0]
    x = np.linspace(0, 1, 4097)
    for k, c in zip((1, 2, 3, 4), sns.color_palette("rocket_r", 5)[1:], strict=True):
        ax.plot(x, ex.sawtooth(k, x), color=c, lw=1.0, label=f"k = {k}")
    ax.set(xlabel="x", ylabel="$g_k(x)$", title="the sawtooth $g_k = T^{\\circ k}$")
    ax.legend(fontsize=8, loc="lower right", framealpha=0.9)
    ax = axes[0, 1]
    ax.semilogy(saw["k"], saw["expected"], color="0.6", lw=4, label="$2^k$ (sympy)")
    ax.semilogy(saw["k"], saw["n_pieces"], "o", ms=4, label="exact count: pieces")
    ax.semilogy(saw["k"], saw["n_regions"], "x", ms=5, label="exact count: regions")
    ax.set(xlabel="k", ylabel="count on [0, 1]", title="pieces of the depth-k construction")
    ax.legend(fontsize=8)
    ax = axes[1, 0]
    ax.semilogy(saw["k"], 3 * (saw["expected"] - 1) + 1, "o-", ms=3,
                label="one hidden layer, width $2^k-1$: $3(2^k-1)+1$")
    ax.semilogy(saw["k"], saw["n_params"], "s-", ms=3, label="depth k, width 2: $6k+1$")
    ax.set(xlabel="k", ylabel="parameters", title="parameters needed for $g_k$")
    ax.legend(fontsize=8)
    ax = axes[1, 1]
    ax.semilogy(saw["k"], saw["seconds"], "o-", ms=4)
    ax.set(xlabel="k", ylabel="seconds",
           title="time of one exact count (numpy, float64)")
    fig.tight_layout()
    return Figure("sawtooth", "Telgarsky's sawtooth. The exact number of pieces (and of "
                  "activation regions) of the width-2, depth-k net equals 2^k for every k "
                  f"tested (k ≤ {int(saw['k'].max())}); one hidden layer needs 3(2^k − 1) + 1 "
                  "parameters for it where depth needs 6k + 1.", fig)


def _separation_figure(res: Results, cfg: Config) -> Figure:
    df = res.tables["fits"]
    sh = df[df["kind"] == "shallow"]
    deep = df[df["kind"] == "deep"]
    pal = dict(zip(cfg.fit_ks, sns.color_palette(n_colors=len(cfg.fit_ks)), strict=True))
    fig, axes = plt.subplots(2, 2, figsize=(10, 8))
    for ax, col, label in ((axes[0, 0], "sup", "exact sup error"),
                           (axes[0, 1], "rel_l2", "relative L² error (grid)")):
        for k in cfg.fit_ks:
            g = sh[sh["k"] == k].groupby("width")[col]
            ax.plot(g.min().index, g.min().values, "o-", color=pal[k], label=f"k = {k}, best")
            ax.plot(g.median().index, g.median().values, ":", color=pal[k],
                    label=f"k = {k}, median")
            ax.axvline(2**k - 1, color=pal[k], ls="--", lw=1)
        if col == "sup":
            ax.axhline(SAWTOOTH_FLOOR, color="k", lw=1)
        _log2_axis(ax, cfg.shallow_widths)
        ax.set(xlabel="width w (one hidden layer)", ylabel=label, ylim=(0, None))
        ax.legend(fontsize=7, ncol=2)
    axes[0, 0].set_title("shallow nets; dashed: $w = 2^k-1$, black: floor 1/2", fontsize=10)
    axes[0, 1].set_title("same nets, L² error", fontsize=10)
    ax = axes[1, 0]
    for kind, marker in (("shallow", "o"), ("deep", "s")):
        d = df[df["kind"] == kind].groupby(["k", "n_params"], as_index=False)["sup"].min()
        for k in cfg.fit_ks:
            dk = d[d["k"] == k]
            ax.plot(dk["n_params"], dk["sup"], marker, color=pal[k],
                    mfc="none" if kind == "deep" else pal[k], label=f"{kind} trained, k = {k}")
    saw = res.tables["sawtooth"]
    at = saw[saw["k"].isin(cfg.fit_ks)]
    ax.plot(at["n_params"], np.full(len(at), 0.0), "*", color="k", ms=12,
            label="construction, exact (error 0)")
    ax.axhline(SAWTOOTH_FLOOR, color="k", lw=1)
    ax.set(xscale="log", xlabel="parameters", ylabel="exact sup error (best seed)",
           title="error against parameters")
    ax.legend(fontsize=7)
    ax = axes[1, 1]
    k = max(cfg.fit_ks)
    x = res.arrays["fit_grid"]
    ax.plot(x, ex.sawtooth(k, x), color="0.6", lw=3, label=f"$g_{k}$")
    for kind, w in (("shallow", max(cfg.shallow_widths)), ("deep", DEEP_WIDTH)):
        key = f"fit__{kind}__k{k}__w{w}"
        if key in res.arrays:
            ax.plot(x, res.arrays[key], lw=1.2, label=f"trained {kind}, width {w} (seed 0)")
    ax.set(xlabel="x", title=f"fits of the depth-{k} sawtooth")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    m = res.metrics
    needed = ", ".join(
        f"k = {k}: " + (f"{m[f'shallow_needed_width__k{k}']:g}"
                        if np.isfinite(m.get(f"shallow_needed_width__k{k}", np.nan))
                        else f"none up to {cfg.shallow_widths[-1]}")
        for k in cfg.fit_ks)
    return Figure(
        "separation",
        "Fitting the depth-k sawtooth (exact sup errors from the breakpoints). Every shallow "
        "net left of its dashed line (width < 2^k − 1) sits at sup error ≥ 1/2, as the crossing "
        f"argument forces. Smallest trained width that beats 1/2: {needed}; beyond 2^k − 1 zero "
        "error is representable, so the rest is optimisation. Trained deep narrow nets (depth "
        f"{int(deep['depth'].iloc[0])}, width {DEEP_WIDTH}, {int(deep['n_params'].iloc[0])} "
        f"parameters) reach at best {deep['sup'].min():.3g}, while the construction is exact "
        "with 6k + 1 parameters: depth's advantage is in what can be expressed, not in what "
        "gradient descent finds here.", fig)


def _regions_figure(res: Results, cfg: Config) -> Figure:
    df, bounds = res.tables["regions"], res.tables["region_bounds"]
    N = cfg.neurons
    fig = plt.figure(figsize=(10, 8))
    grid = fig.add_gridspec(2, 2)
    ax = fig.add_subplot(grid[0, 0])
    line = df[df["setting"] == "1-D input, whole line"]
    sns.stripplot(data=line, x="depth", y="regions", ax=ax, size=3.5, alpha=0.7,
                  color="tab:blue")
    sns.pointplot(data=line, x="depth", y="regions", ax=ax, color="k", markers="D",
                  linestyles="none", errorbar=None)
    ax.axhline(N + 1, color="k", ls="--", lw=1, label="N + 1")
    ax.set(title=f"1-D input, whole line, N = {N} (black: mean)", ylabel="regions at init")
    ax.legend(fontsize=8)
    ax = fig.add_subplot(grid[0, 1])
    seg = df[df["setting"] != "1-D input, whole line"].copy()
    seg["per_neuron"] = seg["regions"] / N
    sns.stripplot(data=seg, x="depth", y="per_neuron", ax=ax, size=2.5, alpha=0.5,
                  color="tab:green")
    sns.pointplot(data=seg, x="depth", y="per_neuron", ax=ax, color="k", markers="D",
                  linestyles="none", errorbar=None)
    ax.set(title=f"{cfg.input_dim}-D input, segments between Gaussian points",
           ylabel="regions / N")
    ax = fig.add_subplot(grid[1, :])
    b = bounds
    ax.semilogy(b["depth"], b["serra_upper"], "v-", label="upper bound (Serra et al. 2018)")
    ax.semilogy(b["depth"], b["montufar_attained"], "^-",
                label="attainable (Montúfar et al. 2014)")
    ax.semilogy(b["depth"], (N + 1) * 2.0 ** (b["depth"] - 1), ":",
                label="(N + 1) · 2^(depth − 1)")
    ax.semilogy(b["depth"], b["measured_mean"], "o-", color="k", label="measured mean at init")
    ax.set(xlabel="depth (width N / depth)", ylabel="regions on the line (1-D input)",
           title=f"fixed N = {N}: the maximum grows with depth, the typical count does not")
    ax.legend(fontsize=8)
    fig.tight_layout()
    m = res.metrics
    return Figure(
        "regions_at_init",
        "Regions at He initialisation with N neurons spread over depth (exact counts, "
        f"{cfg.init_seeds} nets per depth). The mean stays near N + 1 (Hanin & Rolnick 2019) "
        "while the attainable maximum grows exponentially with depth. The batched exact count "
        f"runs at {m['nets_per_second_speed']:.0f} nets/s for depth {SPEED_DEPTH}, width "
        f"{SPEED_WIDTH} (one segment each, compiled, this machine); one exact count took "
        f"{m['exact_ms_per_count']:.1f} ms against {m['sampled_s_per_count']:.2f} s for "
        f"{cfg.sampling_points} samples, with {m['sampling_mismatches']:.0f} disagreements.",
        fig)


def _region_maps_figure(res: Results, cfg: Config) -> Figure:
    a = res.arrays
    names = [k for k in ("map_depth1", "map_depth4", "map_depth8", "map_sawtooth") if k in a]
    cols = 2
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(9, 4.5 * rows), squeeze=False)
    for ax in axes.ravel()[len(names):]:
        ax.axis("off")
    for ax, name in zip(axes.ravel(), names, strict=False):
        labels = a[name]
        n = int(labels.max()) + 1
        perm = np.random.default_rng(0).permutation(n)  # neighbours get unrelated colours
        lo, hi = (float(v) for v in a[f"{name}_extent"])
        ax.imshow(perm[labels], cmap="tab20", origin="lower", extent=(lo, hi, lo, hi),
                  interpolation="nearest")
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.grid(False)
        depth = name.removeprefix("map_depth")
        title = (f"sawtooth k = 3 of $x_1$: {n} regions" if name == "map_sawtooth" else
                 f"He init, depth {depth}, width {cfg.neurons // int(depth)}: {n} regions")
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return Figure("region_maps", "Activation regions on a 2-D input plane, on a "
                  f"{MAP_RESOLUTION}² grid (a lower bound: regions thinner than a cell are "
                  f"missed). Random He-initialised nets with N = {cfg.neurons} neurons at "
                  "several depths look alike; the sawtooth's regions are vertical strips.", fig)


def _trajectory_figure(res: Results, cfg: Config) -> Figure:
    traj, g = res.tables["trajectory"], res.tables["growth"]
    fig = plt.figure(figsize=(10, 8))
    grid = fig.add_gridspec(2, 2)
    for i, act in enumerate(("tanh", "relu")):
        ax = fig.add_subplot(grid[0, i])
        t = traj[traj["activation"] == act]
        sns.lineplot(data=t, x="layer", y="length", hue="sigma_w2", ax=ax, palette="viridis",
                     errorbar=("pi", 100), legend="full")
        ax.set(yscale="log", title=f"{act}: length of the image of a circle")
        ax.legend(title="σ_w²", fontsize=8, title_fontsize=8)
    ax = fig.add_subplot(grid[1, :])
    for act, c in (("tanh", "tab:blue"), ("relu", "tab:red")):
        gg = g[g["activation"] == act]
        ax.plot(gg["sigma_w2"], gg["growth"], "o", color=c, ms=4, alpha=0.7,
                label=f"{act}, measured (each seed)")
        sgrid = np.linspace(0.3, max(float(gg["sigma_w2"].max()), 4.0), 80)
        b = 0.0 if act == "tanh" else B_STD
        pred = [np.sqrt(ex.mean_field_chi(act, float(v), b**2)[1]) for v in sgrid]
        ax.plot(sgrid, pred, color=c, lw=1.2, label=f"{act}, mean field √χ₁")
        ax.axvline(gg["critical"].iloc[0], color=c, ls="--", lw=1)
    ax.axhline(1.0, color="k", lw=1)
    ax.set(xlabel="σ_w²", ylabel="growth factor per layer",
           title="order (< 1) and chaos (> 1); dashed: critical σ_w²")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return Figure("trajectory_length", "Trajectory length (Raghu et al. 2017) of a circle "
                  f"through width-{cfg.traj_width} nets: it grows exponentially with depth only "
                  "above the critical σ_w² (1 for tanh at σ_b = 0, 2 for ReLU) and shrinks "
                  "below; the per-layer factor (fitted over layers 2 … L) follows the "
                  "mean-field √χ₁ (Poole et al. 2016).", fig)


def _training_figure(res: Results, cfg: Config) -> Figure:
    df, a = res.tables["training"], res.arrays
    fig, axes = plt.subplots(2, 1, figsize=(9, 8))
    ax = axes[0]
    ax.plot(a["train_x"], a["train_y"], color="0.6", lw=3, label="target")
    for name, c, y0 in (("before", "tab:gray", -1.25), ("after", "tab:blue", -1.4)):
        ax.plot(a["train_x"], a[f"train_pred_{name}"], color=c, label=f"{name} training")
        ax.plot(a[f"train_bp_{name}"], np.full(len(a[f"train_bp_{name}"]), y0), "|", color=c,
                ms=9, label=f"breakpoints {name} ({len(a[f'train_bp_{name}'])})")
    ax.set(xlabel="x", title="seed 0: the net and its exact breakpoints on [−1, 1]")
    ax.legend(fontsize=8, ncol=3, loc="upper left")
    ax = axes[1]
    long = df.melt(id_vars="seed", value_vars=["segment_before", "segment_after",
                                               "whole_before", "whole_after"],
                   var_name="count", value_name="regions")
    long["count"] = long["count"].map({
        "segment_before": "[−1, 1], before", "segment_after": "[−1, 1], after",
        "whole_before": "whole line, before", "whole_after": "whole line, after"})
    sns.barplot(data=long, x="count", y="regions", ax=ax, errorbar=("pi", 100),
                color="tab:blue", alpha=0.7)
    sns.stripplot(data=long, x="count", y="regions", ax=ax, color="k", size=4)
    N = cfg.train_width * TRAIN_DEPTH
    ax.axhline(N + 1, color="k", ls="--", lw=1)
    ax.set(title=f"regions before and after training (N = {N}; dashed: N + 1)", xlabel="")
    fig.tight_layout()
    return Figure("training", f"Training a depth-{TRAIN_DEPTH}, width-{cfg.train_width} ReLU "
                  f"net on {TRAIN_TARGET} ({cfg.seeds} seeds, Adam): exact regions along "
                  "[−1, 1] and along the whole line before and after (bars: mean, whiskers: "
                  "range).", fig)


def _yarotsky_figure(res: Results) -> Figure:
    df, a = res.tables["yarotsky"], res.arrays
    fig, axes = plt.subplots(2, 2, figsize=(10, 7.5))
    t = np.linspace(0, 1, 401)
    ax = axes[0, 0]
    ax.plot(t, t**2, color="k", lw=2, label="$x^2$")
    for m in (1, 2, 3):
        if f"yarotsky_f{m}" in a:
            ax.plot(t, a[f"yarotsky_f{m}"], lw=1, label=f"$f_{m}$")
    ax.set(xlabel="x", title="Yarotsky's $f_m$ (piecewise linear)")
    ax.legend(fontsize=8)
    ax = axes[0, 1]
    for m in (1, 2, 3):
        if f"yarotsky_f{m}" in a:
            ax.plot(t, a[f"yarotsky_f{m}"] - t**2, lw=1, label=f"$f_{m}-x^2$")
            ax.axhline(2.0 ** (-2 * m - 2), color="0.5", ls=":", lw=1)
    ax.set(xlabel="x", title="the gap; dotted: $2^{-2m-2}$")
    ax.legend(fontsize=8)
    ax = axes[1, 0]
    ax.semilogy(df["m"], df["expected"], color="0.6", lw=4, label="$2^{-2m-2}$ (sympy)")
    ax.semilogy(df["m"], df["sup_error"], "o", ms=4, label="exact sup error of the net")
    ax.set(xlabel="depth m", ylabel="sup error", title="the error falls 4× per layer")
    ax.legend(fontsize=8)
    ax = axes[1, 1]
    ax.semilogy(df["m"], df["pieces"], "o-", ms=4, label="pieces (exact count)")
    ax.semilogy(df["m"], df["n_params"], "s-", ms=4, label="parameters")
    ax.set(xlabel="depth m", title="pieces $2^m$ from $12m-2$ parameters")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return Figure("yarotsky", "Yarotsky's width-3, depth-m ReLU approximation of x²: its sup "
                  "error, computed exactly from its 2^m pieces, is 2^(−2m−2), so ε accuracy "
                  "takes O(log 1/ε) layers.", fig)


def figures(res: Results, cfg: Config) -> list[Figure]:
    """The report's figures, drawn from stored results only."""
    return [_sawtooth_figure(res), _separation_figure(res, cfg), _regions_figure(res, cfg),
            _region_maps_figure(res, cfg), _trajectory_figure(res, cfg),
            _training_figure(res, cfg), _yarotsky_figure(res)]
