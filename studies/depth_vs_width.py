"""Depth versus width: what "exponentially fewer parameters" means, and where it shows up.

Seed statement: depth often allows networks to represent the same functions with exponentially
fewer parameters than a shallow network. This study makes it exact (Telgarsky's sawtooth and
Yarotsky's x², counted exactly) and measures what random and trained nets do (SUMMARY).

Expected (quick profile, five replicates, 2-core CPU, about a minute): every check holds; the
trained shallow nets below width 2^k − 1 sit at sup error >= 1/2, and most trained nets stay
near 1/2 even where zero error is representable (k = 2 is beaten by shallow nets from width 8
to 32 depending on the replicate, and by a deep narrow net in one replicate of five; k = 3
never): expressivity is not learnability. At N = 64 the mean whole-line count is within 6 % of
N + 1 at every depth, training on sin(πx) moves it by up to ~20 %, and every trajectory growth
factor sits on the side of 1 that χ₁ predicts.
"""
from __future__ import annotations

import functools
import time
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from nntheory import data, nets, symbolic, train
from nntheory.analysis import approximation as approx
from nntheory.analysis import expressivity as ex
from nntheory.claims import Claim
from nntheory.config import StudyConfig, at_least, at_most, field, increasing, nonempty, positive
from nntheory.report import Figure, plots
from nntheory.study import Rows, Sweep

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
DEEP_WIDTH = 3  # trained deep narrow nets (the construction needs 2)
MAP_RESOLUTION = 300  # grid of the 2-D region maps
TRAIN_TARGET, TRAIN_DEPTH, TRAIN_POINTS = "sin", 4, 256  # part 4 (width: neurons // 4)
LINE = "1-D input, whole line"  # the setting of the whole-line counts


@dataclass(frozen=True)
class Config(StudyConfig):
    """Five parts: sawtooth separation, regions at init, trajectory length, training, Yarotsky."""

    # 1. separation: exact piece counts of the construction, then trained shallow / deep nets
    # (k <= 40, fit k <= 10, m <= 20: float64 dyadic arithmetic and memory)
    sawtooth_ks: tuple[int, ...] = field(tuple(range(1, 21)), increasing | positive | at_most(40))
    fit_ks: tuple[int, ...] = field((2, 3), increasing | positive | at_most(10))
    shallow_widths: tuple[int, ...] = field((2, 4, 8, 16, 32), increasing | positive)
    # nets per sawtooth fit, per trajectory setting and for part 4, inside one replicate: 4 as
    # before replicates existed (five quick replicates of 4 run in about a minute, batched)
    seeds: int = field(4, positive)
    steps: int = field(3000, positive)  # Adam steps (cosine schedule) of every training run
    learning_rate: float = field(3e-3, positive)
    # 2. regions at He initialisation: N neurons over several depths (N divisible by each)
    neurons: int = field(64, positive)
    depths: tuple[int, ...] = field((1, 2, 4, 8), increasing | positive)
    init_seeds: int = field(20, at_least(SAMPLING_NETS // 2))
    input_dim: int = field(10, positive)  # whole lines through 0 (≡ 1-D input), segments
    sampling_points: int = field(200_001, at_least(2))
    # 3. trajectory length (standard parameterisation, weights N(0, σ_w²/n)); 100 points of
    # the circle per layer, enough to resolve the growth at the deepest
    traj_width: int = field(64, positive)
    traj_depth: int = field(10, positive)
    # values at least 0.5 from the critical point: at width 64, tanh at σ_w² = 1.5 (mean-field
    # factor 1.02) measured 0.97–1.00, i.e. finite width blurs the sign that close to it
    tanh_sigma_w2: tuple[float, ...] = field((0.5, 0.75, 2.0, 3.0, 4.0), nonempty | positive)
    relu_sigma_w2: tuple[float, ...] = field((1.0, 1.5, 2.5, 3.0), nonempty | positive)
    # 5. Yarotsky's x²
    yarotsky_ms: tuple[int, ...] = field(tuple(range(1, 11)), increasing | positive | at_most(20))

    def validate(self):
        bad = [d for d in self.depths + (TRAIN_DEPTH,) if self.neurons % d]
        if bad:
            raise ValueError(f"neurons ({self.neurons}) must be divisible by every depth and by "
                             f"{TRAIN_DEPTH}; not by {bad}")

    @property
    def fit_points(self) -> int:  # 32 points per piece of the finest sawtooth, on [0, 1]
        return 2 ** (max(self.fit_ks) + 5) + 1

    @property
    def train_width(self) -> int:
        return self.neurons // TRAIN_DEPTH

    @property
    def log_every(self) -> int:
        return self.steps // 4 if self.steps % 4 == 0 else self.steps


PROFILES = {
    # the test suite's end-to-end run: seconds
    "test": Config(replicates=2, sawtooth_ks=(1, 2, 3, 4, 5, 6), fit_ks=(2,), shallow_widths=(2,),
                   seeds=2, steps=40, neurons=8, depths=(1, 2), init_seeds=2, input_dim=3,
                   sampling_points=2001, traj_width=8, traj_depth=3, tanh_sigma_w2=(0.5, 4.0),
                   relu_sigma_w2=(1.0, 3.0), yarotsky_ms=(1, 2, 3)),
    # about a minute on a 2-core CPU (measured: 57 s of compute for the five replicates)
    "quick": Config(replicates=5),
    # Paper-scale, meant for a GPU: k to 24, more widths, seeds, neurons and depths.
    "full": Config(replicates=10, sawtooth_ks=tuple(range(1, 25)), fit_ks=(2, 3, 4, 5, 6),
                   shallow_widths=(2, 4, 8, 16, 32, 64, 128, 256), seeds=16, steps=20000,
                   neurons=240, depths=(1, 2, 3, 4, 5, 6, 8), init_seeds=200,
                   sampling_points=2_000_001, traj_width=512, traj_depth=20,
                   tanh_sigma_w2=(0.5, 0.75, 1.5, 2.0, 3.0, 4.0),
                   relu_sigma_w2=(1.0, 1.5, 1.8, 2.2, 2.5, 3.0), yarotsky_ms=tuple(range(1, 16))),
}

# Thresholds of the claims (stated once, here, with their reasons in the notes).
SAWTOOTH_FLOOR = 0.5
REGION_BAND = 0.25
YAROTSKY_RTOL = 1e-9

CLAIMS = (
    Claim(id="sawtooth_pieces", kind="check", measured="sawtooth_max_count_error", op="==",
          expected=0.0,
          statement="The width-2, depth-k sawtooth net has exactly 2^k linear pieces (and 2^k "
          "activation regions) on [0, 1] for every k tested: the largest |count − 2^k|.",
          source="Telgarsky 2016, Sec. 2 (T^k has 2^k pieces); 2^k from the recurrence "
          "p_k = 2p_{k−1} in nntheory.symbolic",
          note="Exact integer counts (float64, dyadic breakpoints are exact), so no tolerance."),
    Claim(id="sawtooth_exact", kind="check", measured="sawtooth_max_sup_error", op="==",
          expected=0.0,
          statement="The construction (6k + 1 parameters) equals the k-fold tent map exactly: the "
          "largest sup distance over the k tested, computed from both functions' breakpoints.",
          source="Telgarsky 2016, Sec. 2",
          note="Both functions are piecewise linear, so the sup is a maximum over the union of "
          "their breakpoints; float64 on dyadic points is exact."),
    Claim(id="shallow_floor", kind="check", measured="shallow_below_min_sup_error", op=">=",
          expected=SAWTOOTH_FLOOR,
          statement=f"Every trained one-hidden-layer net narrower than 2^k − 1 has sup error at "
          f"least {SAWTOOTH_FLOOR} on the depth-k sawtooth (smallest over k, widths, seeds).",
          source="Telgarsky 2016, Sec. 3 (crossing argument); w + 1 pieces for width w",
          note="Exact sup of the trained net (float64 breakpoints). A theorem, so this checks "
          "the counting and training code; the smallest shallow width that beats 1/2 per k is "
          "in the metrics (shallow_needed_width__k*)."),
    Claim(id="exact_vs_sampling", kind="check", measured="sampling_mismatches", op="==",
          expected=0.0,
          statement="Exact counts equal dense-sampling counts on the checked random nets "
          "(number of disagreements).",
          source="Method check (Serra et al. 2018, Sec. 3: regions are activation patterns)",
          note="Sampling counts pattern flips between neighbouring points; it can only miss a "
          "neuron that switches twice inside one cell."),
    Claim(id="regions_linear_in_neurons", measured="init_regions_max_rel_dev", op="<=",
          expected=REGION_BAND,
          statement=f"At He initialisation the mean number of regions along the whole input line "
          f"(1-D input) is within {REGION_BAND:.0%} of N + 1 at every depth for fixed N, instead "
          f"of growing like 2^depth: the largest |mean/(N + 1) − 1| over depths.",
          source="Hanin & Rolnick 2019, Sec. 3 (regions along a line grow linearly in the "
          "number of neurons, not with depth)",
          note="Whole lines through 0 of He nets with 10 inputs, distributed as 1-D-input nets. "
          "N + 1 is exact at depth 1; the theorem gives linear scaling with a constant near 1, "
          "not a band: 25 % is our tolerance for that constant (narrow layers lose regions)."),
    Claim(id="trajectory_order_chaos", measured="trajectory_side_agreement", op="==", expected=1.0,
          statement="The per-layer growth factor of trajectory length is above 1 exactly when "
          "σ_w² is above the critical value (tanh, σ_b = 0: 1; ReLU: 2), for every σ_w² and "
          "seed: the fraction on the predicted side.",
          source="Poole et al. 2016 (χ₁, curve length); Schoenholz et al. 2017; Raghu et al. 2017",
          note="Growth factor = exp(slope of log length over layers 2…L). Each seed must agree, "
          "so no tolerance; σ_w² within 0.5 of the transition is left out at quick (see Config)."),
    Claim(id="yarotsky_square", kind="check", measured="yarotsky_max_rel_error", op="<=",
          expected=YAROTSKY_RTOL,
          statement="Yarotsky's width-3, depth-m net has sup error exactly 2^(−2m−2) against x² "
          "on [0, 1] for every m tested: the largest |error/2^(−2m−2) − 1|.",
          source="Yarotsky 2017, Prop. 2; 2^(−2m−2) derived in nntheory.symbolic",
          note="The sup is exact on each affine piece (a concave quadratic gap); 1e-9 covers "
          "float64 rounding."),
)


# Sweeps -------------------------------------------------------------------------------------------


def he_relu(width: int, depth: int, b_std: float = B_STD) -> nets.Net:
    """A ReLU MLP in standard parameterisation, He-initialised (σ_w² = 2)."""
    return nets.mlp(width, depth, 1, "relu", parameterization="standard", w_std=2.0**0.5,
                    b_std=b_std)


def sawtooth_point(cfg: Config, key, *, k: int) -> dict:
    """The construction's exact pieces and regions on [0, 1] (timed), its parameters, and its
    exact sup distance to the k-fold tent map."""
    net = ex.sawtooth_net(k)
    params = net.init_params(key, (1,))  # fixed parameters: the key is not used
    t0 = time.perf_counter()
    r = ex.count_linear_regions(net, params, [0.0], [1.0])
    seconds = time.perf_counter() - t0
    sup = ex.sup_distance_pl(r, functools.partial(ex.sawtooth, k), np.arange(2**k + 1) / 2**k)
    return dict(n_regions=r.n_regions, n_pieces=r.n_pieces, sup_error=sup, seconds=seconds,
                expected=int(symbolic.sawtooth_piece_count(k)), n_params=net.info["n_params"])


def fit_point(cfg: Config, keys, *, kind: str, width: int, depth: int) -> Rows:
    """One architecture (one hidden layer, or the deep narrow net: O(k) parameters) trained on
    the sawtooths as one ensemble of members (replicate, k, seed): exact sup errors, relative
    L² errors on the grid, and the seed-0 fits."""
    net = he_relu(width, depth, FIT_B_STD)
    members = [(r, k, s) for r in range(len(keys)) for k in cfg.fit_ks for s in range(cfg.seeds)]
    ks = [k for _, k, _ in members]
    x = np.linspace(0.0, 1.0, cfg.fit_points)[:, None]
    y = np.stack([ex.sawtooth(k, x) for k in ks])
    d = dict(x_train=jnp.broadcast_to(jnp.asarray(x, jnp.float32), (len(ks),) + x.shape),
             y_train=jnp.asarray(y, jnp.float32))
    params = ex.sample_mlp_ensembles(net, keys, len(cfg.fit_ks) * cfg.seeds, 1)
    n_params = nets.param_count(jax.tree_util.tree_map(lambda a: a[0], params))
    params, hist = train.fit_ensemble(
        net, params, d, member_data=True, optimizer="adam", learning_rate=cfg.learning_rate,
        schedule="cosine", steps=cfg.steps, log_every=cfg.log_every)
    pred = np.asarray(jax.vmap(net.apply)(params, d["x_train"]), np.float64)
    rel = approx.relative_l2(pred, y)
    sup = ex.sawtooth_sup_errors(net, params, ks)
    rows = [dict(replicate=r, k=k, seed=s, n_params=n_params, sup=sup[i], rel_l2=rel[i],
                 diverged=bool(hist.diverged[i]), below_threshold=kind == "shallow"
                 and width < 2**k - 1) for i, (r, k, s) in enumerate(members)]
    fits = {f"fit__{kind}__k{k}__w{width}": np.stack(
        [pred[i, :, 0] for i, m in enumerate(members) if m[1:] == (k, 0)]).astype(np.float32)
        for k in cfg.fit_ks}
    return Rows(pd.DataFrame(rows), fits)


def regions_point(cfg: Config, key) -> Rows:
    """Regions at He initialisation of nets with ``input_dim`` inputs and ``neurons`` neurons
    at every depth (``init_seeds`` nets each): along the whole line through 0 (≡ a 1-D input
    over ℝ, see :func:`ex.random_lines`) and along random segments; the dense-sampling
    cross-check (both timed); the 2-D region maps. (The speed of the batched count on a
    fixed architecture is measured by ``benchmarks/linear_regions.py``.)"""
    k_init, k_lines, k_maps = (jax.random.fold_in(key, i) for i in range(3))
    d, S, P = cfg.input_dim, cfg.init_seeds, 1 + SEGMENTS_PER_NET
    archs = {depth: he_relu(cfg.neurons // depth, depth) for depth in cfg.depths}
    batch = ex.stack_nets([ex.affine_layers(net, ex.sample_mlp_params(
        net, jax.random.fold_in(k_init, depth), S, d)) for depth, net in archs.items()])
    B = batch.w_in.shape[0]
    starts, stops, whole = ex.random_lines(k_lines, B, d, SEGMENTS_PER_NET)
    t0 = time.perf_counter()
    counts = ex.count_regions_exact("relu", batch, starts, stops, whole_line=whole,
                                    capacity=CAPACITY_FACTOR * cfg.neurons)
    batch_seconds = time.perf_counter() - t0
    depth = np.repeat(cfg.depths, S)
    lines = pd.DataFrame(dict(
        depth=np.repeat(depth, P), width=cfg.neurons // np.repeat(depth, P),
        seed=np.repeat(np.tile(np.arange(S), len(cfg.depths)), P),
        setting=np.tile([LINE] + [f"{d}-D, segment"] * SEGMENTS_PER_NET, B),
        regions=counts.n_regions.ravel().astype(float), overflow=counts.overflow.ravel(),
        pieces=np.where(whole, counts.n_pieces, np.nan).ravel(),
        length=np.where(whole, np.nan, np.linalg.norm(stops - starts, axis=-1)).ravel()))
    # exact against dense sampling, on a segment of each of the shallowest and deepest nets
    sampling = []
    for i in list(range(SAMPLING_NETS // 2)) + list(range(B - SAMPLING_NETS // 2, B)):
        layers, a, b = ex.unstack_net(batch, i), starts[i, 1], stops[i, 1]
        t0 = time.perf_counter()
        exact = ex.count_linear_regions("relu", layers, a, b).n_regions
        t1 = time.perf_counter()
        sampled = ex.count_regions_sampled("relu", layers, a, b, cfg.sampling_points)
        sampling.append(dict(depth=depth[i], exact=exact, sampled=sampled, exact_seconds=t1 - t0,
                             sampled_seconds=time.perf_counter() - t1))
    # for the figure: regions on the input plane of 2-D-input nets, and of the sawtooth g_3(x₁)
    maps = dict(map_sawtooth=ex.sawtooth_region_map(3, MAP_RESOLUTION))
    for L in [L for L in (1, 4, 8) if cfg.neurons % L == 0]:
        net = he_relu(cfg.neurons // L, L)
        p = jax.tree_util.tree_map(lambda x: x[0], ex.sample_mlp_params(
            net, jax.random.fold_in(k_maps, L), 1, 2))
        maps[f"map_depth{L}"] = ex.region_map_2d(net, p, [0.0, 0.0], [1.0, 0.0], [0.0, 1.0],
                                                 extent=3.0, resolution=MAP_RESOLUTION)[0]
    return Rows(dict(regions=lines, sampling=pd.DataFrame(sampling),
                     batch_timing=pd.DataFrame([dict(lines=B * P, seconds=batch_seconds)])),
                {k: v.astype(np.int32) for k, v in maps.items()})


def trajectory_point(cfg: Config, keys, *, activation: str) -> Rows:
    """Lengths of the image of a circle after each layer for every (replicate, σ_w², seed), one
    vmapped program per replicate; the per-layer growth factor (fitted over layers 2 … L)
    beside the mean-field √χ₁."""
    sws, b_std, critical = dict(tanh=(cfg.tanh_sigma_w2, 0.0, 1.0),
                                relu=(cfg.relu_sigma_w2, B_STD, 2.0))[activation]
    W, L, S = cfg.traj_width, cfg.traj_depth, cfg.seeds
    chi = [ex.mean_field_chi(activation, float(s2), b_std**2) for s2 in sws]
    archs = [nets.mlp(W, L, 1, activation, parameterization="standard", w_std=float(s2) ** 0.5,
                      b_std=b_std) for s2 in sws]
    traj, growth = [], []
    for r, key in enumerate(keys):
        curve = ex.random_circle(jax.random.fold_in(key, 0), W, 100 * L)
        layers = [ex.affine_layers(net, ex.sample_mlp_params(
            net, jax.random.fold_in(key, i + 1), S, W))[:-1] for i, net in enumerate(archs)]
        layers = jax.tree_util.tree_map(lambda *a: jnp.concatenate(a), *layers)
        lengths = ex.trajectory_lengths(nets.activation(activation).fn, layers, curve)
        for j, g in enumerate(ex.growth_rate(lengths, skip=2)):
            (i, s), s2 = divmod(j, S), float(sws[j // S])
            growth.append(dict(replicate=r, sigma_w2=s2, seed=s, growth=g, critical=critical,
                               predicted=np.sqrt(chi[i][1]), q_star=chi[i][0]))
            traj += [dict(replicate=r, sigma_w2=s2, seed=s, layer=layer, length=lengths[j, layer])
                     for layer in range(L + 1)]
    return Rows(dict(trajectory=pd.DataFrame(traj), growth=pd.DataFrame(growth)))


def training_point(cfg: Config, keys) -> Rows:
    """Depth-``TRAIN_DEPTH`` ReLU nets trained on ``TRAIN_TARGET`` (members: replicate × seed,
    each replicate its own training set): exact regions along [−1, 1] and along the whole line
    before and after training; seed 0's fits and breakpoints (NaN-padded to one length)."""
    net, S = he_relu(cfg.train_width, TRAIN_DEPTH), cfg.seeds
    sets = [data.regression(jax.random.fold_in(key, 0), TRAIN_TARGET, TRAIN_POINTS, 1001)
            for key in keys]
    d = {f: jnp.repeat(jnp.stack([getattr(s, f) for s in sets]), S, axis=0)
         for f in data.Dataset._fields}
    p0 = ex.sample_mlp_ensembles(net, [jax.random.fold_in(k, 1) for k in keys], S, 1)
    p1, hist = train.fit_ensemble(net, p0, d, member_data=True, optimizer="adam",
                                  learning_rate=cfg.learning_rate, schedule="cosine",
                                  steps=cfg.steps, log_every=cfg.log_every)
    table = pd.DataFrame(dict(replicate=np.repeat(np.arange(len(keys)), S),
                              seed=np.tile(np.arange(S), len(keys)),
                              test_loss=hist.final("test_loss"), diverged=hist.diverged))
    arrays = dict(train_x=d["x_test"][::S, :, 0], train_y=d["y_test"][::S, :, 0])
    for name, p in (("before", p0), ("after", p1)):
        seg = ex.member_regions(net, p, [-1.0], [1.0])
        table[f"segment_{name}"] = [float(r.n_regions) for r in seg]
        table[f"whole_{name}"] = [float(r.n_regions) for r in ex.member_regions(
            net, p, [0.0], [1.0], whole_line=True)]
        bps = [-1.0 + 2.0 * r.breakpoints for r in seg[::S]]
        n = max(len(b) for b in bps)
        arrays[f"train_bp_{name}"] = np.stack([np.pad(b, (0, n - len(b)),
                                                      constant_values=np.nan) for b in bps])
        arrays[f"train_pred_{name}"] = jax.vmap(net.apply)(
            jax.tree_util.tree_map(lambda a: a[::S], p), d["x_test"][::S])[..., 0]
    return Rows(table, arrays)


def yarotsky_point(cfg: Config, key, *, m: int) -> Rows:
    """Yarotsky's width-3, depth-m net: its exact pieces and sup error against x² on [0, 1]."""
    net = ex.yarotsky_square_net(m)
    r = ex.count_linear_regions(net, net.init_params(key, (1,)), [0.0], [1.0])
    err, expected = ex.sup_error_vs_square(r), float(symbolic.yarotsky_sup_error(m))
    row = dict(pieces=r.n_pieces, sup_error=err, expected=expected,
               rel_error=abs(err / expected - 1), n_params=net.info["n_params"])
    return Rows(row, {f"yarotsky_f{m}": r(np.linspace(0.0, 1.0, 401))[:, 0]} if m <= 3 else {})


SWEEPS = {
    "sawtooth": Sweep(sawtooth_point, grid=lambda c: dict(k=c.sawtooth_ks), random=False),
    "fits": Sweep(fit_point, batched=True, grid=lambda c: [
        dict(kind="shallow", width=w, depth=1) for w in c.shallow_widths] + [
        dict(kind="deep", width=DEEP_WIDTH, depth=max(c.fit_ks))]),
    "regions": Sweep(regions_point),
    "trajectory": Sweep(trajectory_point, grid=lambda c: dict(activation=("tanh", "relu")),
                        batched=True),
    "training": Sweep(training_point, batched=True),
    "yarotsky": Sweep(yarotsky_point, grid=lambda c: dict(m=c.yarotsky_ms), random=False),
}


# Metrics ------------------------------------------------------------------------------------------


def metrics(tables, arrays, cfg: Config) -> dict[str, float]:
    """The claims' metrics of one replicate, from its tables (every part)."""
    saw, fits, reg, tr = (tables[n] for n in ("sawtooth", "fits", "regions", "training"))
    err = np.maximum(abs(saw["n_pieces"] - saw["expected"]),
                     abs(saw["n_regions"] - saw["expected"]))
    m = dict(sawtooth_max_count_error=err.max(), sawtooth_max_sup_error=saw["sup_error"].max(),
             sawtooth_seconds_largest_k=saw.sort_values("k")["seconds"].iloc[-1],
             # every trained ensemble: the sawtooth fits and the region-count training
             diverged_members=fits["diverged"].sum() + tr["diverged"].sum())
    # 1. separation
    sh = fits[fits["kind"] == "shallow"]
    m["shallow_below_min_sup_error"] = sh[sh["below_threshold"]]["sup"].min()  # NaN if none
    for k, f in fits.groupby("k"):  # NaN where no shallow net beats the floor
        s = f[f["kind"] == "shallow"]
        m[f"shallow_needed_width__k{k}"] = s[s["sup"] < SAWTOOTH_FLOOR]["width"].min()
        m[f"deep_trained_best_sup__k{k}"] = f[f["kind"] == "deep"]["sup"].min()
        m[f"shallow_widest_best_sup__k{k}"] = s[s["width"] == s["width"].max()]["sup"].min()
    # 2. regions at initialisation, the sampling cross-check, timings
    N, line, seg = cfg.neurons, reg[reg["setting"] == LINE], reg[reg["setting"] != LINE]
    mean_by_depth = line.groupby("depth")["regions"].mean()
    sampling, timing = tables["sampling"], tables["batch_timing"].iloc[0]
    m.update(init_regions_max_rel_dev=np.max(np.abs(mean_by_depth / (N + 1) - 1)),
             sampling_mismatches=np.sum(sampling["exact"] != sampling["sampled"]),
             exact_ms_per_count=1e3 * sampling["exact_seconds"].mean(),
             sampled_s_per_count=sampling["sampled_seconds"].mean(),
             init_batch_seconds=timing["seconds"], init_lines=timing["lines"],
             init_overflows=reg["overflow"].sum())
    m.update({f"init_regions_per_neuron__depth{L}": v / N for L, v in mean_by_depth.items()})
    m.update({f"segment_regions_per_neuron__depth{L}": v / N
              for L, v in seg.groupby("depth")["regions"].mean().items()})
    # 3. trajectory length: the growth factor on the side of 1 that χ₁ predicts
    g = tables["growth"]
    m["trajectory_side_agreement"] = np.mean((g["growth"] > 1) == (g["sigma_w2"] > g["critical"]))
    for (act, s2), gg in g.groupby(["activation", "sigma_w2"]):
        m[f"trajectory_growth__{act}__{s2:g}"] = gg["growth"].mean()
    # 4. training
    m.update({f"train_regions{n}_{w}": tr[f"{c}_{w}"].mean() for w in ("before", "after")
              for n, c in (("", "segment"), ("_whole", "whole"))})
    m.update(train_neurons=cfg.train_width * TRAIN_DEPTH,
             train_test_loss=np.median(tr["test_loss"]))
    # 5. Yarotsky
    y = tables["yarotsky"]
    m.update(yarotsky_max_rel_error=y["rel_error"].max(),
             yarotsky_max_piece_error=np.max(np.abs(y["pieces"] - 2.0 ** y["m"])))
    return {k: float(v) for k, v in m.items()}


# Figures ------------------------------------------------------------------------------------------


def _panels(axes, df, x: str, panels) -> None:
    """Per axis: log-y curves (column, format, label) of ``df`` against ``x``, then its labels
    and title."""
    for ax, (curves, xlabel, ylabel, title) in zip(axes.ravel(), panels, strict=True):
        for col, fmt, label in curves:
            ax.semilogy(df[x], df[col], fmt, ms=4, label=label)
        ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
        plots.legend(ax, "best", fontsize=8)


def _sawtooth_figure(res) -> Figure:
    saw, x = res.tables["sawtooth"].drop_duplicates("k"), np.linspace(0, 1, 4097)  # exact
    saw = saw.assign(shallow=3 * (saw["expected"] - 1) + 1)  # parameters of width 2^k − 1
    fig, axes = plt.subplots(2, 2, figsize=(10, 7.5))
    for k, c in zip((1, 2, 3, 4), sns.color_palette("rocket_r", 5)[1:], strict=True):
        axes[0, 0].plot(x, ex.sawtooth(k, x), color=c, lw=1.0, label=f"k = {k}")
    axes[0, 1].semilogy(saw["k"], saw["expected"], color="0.6", lw=4, label="$2^k$ (sympy)")
    _panels(axes[:, 1:].T, saw, "k", [
        ([("n_pieces", "o", "exact count: pieces"), ("n_regions", "x", "exact count: regions")],
         "k", "count on [0, 1]", "pieces of the depth-k construction"),
        ([("seconds", "o-", None)], "k", "seconds", "time of one exact count (numpy, float64)")])
    _panels(axes[1:, :1], saw, "k", [(
        [("shallow", "o-", "one hidden layer, width $2^k-1$: $3(2^k-1)+1$"),
         ("n_params", "s-", "depth k, width 2: $6k+1$")], "k", "parameters",
        "parameters needed for $g_k$")])
    axes[0, 0].set(xlabel="x", ylabel="$g_k(x)$", title="the sawtooth $g_k = T^{\\circ k}$")
    plots.legend(axes[0, 0], "lower right", fontsize=8)
    fig.tight_layout()
    return Figure("sawtooth", "Telgarsky's sawtooth. The exact number of pieces (and of "
                  "activation regions) of the width-2, depth-k net equals 2^k for every k "
                  f"tested (k ≤ {int(saw['k'].max())}); one hidden layer needs 3(2^k − 1) + 1 "
                  "parameters for it where depth needs 6k + 1.", fig)


def _separation_figure(res, cfg: Config) -> Figure:
    df = res.tables["fits"]
    sh, deep = df[df["kind"] == "shallow"], df[df["kind"] == "deep"]
    pal = dict(zip(cfg.fit_ks, sns.color_palette(n_colors=len(cfg.fit_ks)), strict=True))
    fig, axes = plt.subplots(2, 2, figsize=(10, 8))
    for ax, col, label, title in (
            (axes[0, 0], "sup", "exact sup error", "shallow nets; dashed: $w = 2^k-1$"),
            (axes[0, 1], "rel_l2", "relative L² error (grid)", "same nets, L² error")):
        for k in cfg.fit_ks:
            g = sh[sh["k"] == k].groupby("width")[col]
            ax.plot(g.min().index, g.min().values, "o-", color=pal[k], label=f"k = {k}, best")
            ax.plot(g.median().index, g.median().values, ":", color=pal[k],
                    label=f"k = {k}, median")
            ax.axvline(2**k - 1, color=pal[k], ls="--", lw=1)
        plots.log_axis(ax, cfg.shallow_widths, base=2)
        ax.set(xlabel="width w (one hidden layer)", ylabel=label, ylim=(0, None), title=title)
    best = df.groupby(["kind", "k", "n_params"], as_index=False)["sup"].min()
    for (kind, k), b in best.groupby(["kind", "k"]):
        axes[1, 0].plot(b["n_params"], b["sup"], "o" if kind == "shallow" else "s",
                        color=pal[k], mfc=pal[k] if kind == "shallow" else "none",
                        label=f"{kind} trained, k = {k}")
    at = res.tables["sawtooth"].drop_duplicates("k").query("k in @cfg.fit_ks")
    axes[1, 0].plot(at["n_params"], 0 * at["k"], "k*", ms=12, label="construction (error 0)")
    axes[1, 0].set(xscale="log", xlabel="parameters", ylabel="exact sup error (best net)",
                   title="error against parameters; black: the floor 1/2")
    for ax in (axes[0, 0], axes[1, 0]):
        ax.axhline(SAWTOOTH_FLOOR, color="k", lw=1)
    k, x = max(cfg.fit_ks), np.linspace(0.0, 1.0, cfg.fit_points)
    axes[1, 1].plot(x, ex.sawtooth(k, x), color="0.6", lw=3, label=f"$g_{k}$")
    for kind, w in (("shallow", max(cfg.shallow_widths)), ("deep", DEEP_WIDTH)):
        axes[1, 1].plot(x, res.arrays[f"fit__{kind}__k{k}__w{w}"], lw=1.2,
                        label=f"trained {kind}, width {w} (seed 0)")
    axes[1, 1].set(xlabel="x", title=f"fits of g_{k} (replicate {res.seeds[0]})")
    for ax in axes.ravel()[1:]:
        plots.legend(ax, "best", fontsize=7)
    fig.tight_layout()
    needed = "; ".join(f"k = {k}: " + "/".join("–" if np.isnan(v) else f"{v:g}" for v in
                                              res.metrics[f"shallow_needed_width__k{k}"])
                       for k in cfg.fit_ks)
    return Figure("separation", "Fitting the depth-k sawtooth (exact sup errors; every net of "
                  "every replicate). Every shallow net left of its dashed line (width < 2^k − 1) "
                  "sits at sup error ≥ 1/2, as the crossing argument forces. Smallest trained "
                  f"width beating 1/2, per replicate (–: none up to {cfg.shallow_widths[-1]}): "
                  f"{needed}; past 2^k − 1 zero error is representable, so the rest is "
                  f"optimisation. Trained deep narrow nets (depth {int(deep['depth'].iloc[0])}, "
                  f"width {DEEP_WIDTH}, {int(deep['n_params'].iloc[0])} parameters) reach at best "
                  f"{deep['sup'].min():.3g}; the construction is exact with 6k + 1 parameters: "
                  "depth's advantage is in what can be expressed, not in what gradient descent "
                  "finds here.", fig)


def _regions_figure(res, cfg: Config) -> Figure:
    df, N = res.tables["regions"], cfg.neurons
    fig = plt.figure(figsize=(10, 11))
    grid = fig.add_gridspec(3, 4, height_ratios=(1, 1, 0.8))
    line = df[df["setting"] == LINE]
    seg = df[df["setting"] != LINE].assign(per_neuron=lambda d: d["regions"] / N)
    for cell, d, y, title in (
            (grid[0, :2], line, "regions", f"1-D input, whole line, N = {N}; dashed: N + 1"),
            (grid[0, 2:], seg, "per_neuron", f"{cfg.input_dim}-D input, Gaussian segments")):
        ax = fig.add_subplot(cell)
        sns.stripplot(data=d, x="depth", y=y, ax=ax, size=2.5, alpha=0.5)
        sns.pointplot(data=d, x="depth", y=y, ax=ax, color="k", markers="D", linestyles="none",
                      errorbar=None)
        ax.set(title=title + " (black: mean)", ylabel=dict(regions="regions at init").get(
            y, "regions / N at init"))
    fig.axes[0].axhline(N + 1, color="k", ls="--", lw=1)
    b = line.groupby("depth", as_index=False)["regions"].mean()  # and the closed forms:
    b["serra_upper"] = [symbolic.deep_region_upper_bound(1, [N // L] * L) for L in b["depth"]]
    b["montufar_attained"] = [symbolic.deep_region_lower_bound(1, N // L, L) for L in b["depth"]]
    b["doubling"] = (N + 1) * 2.0 ** (b["depth"] - 1)
    _panels(np.array([fig.add_subplot(grid[1, :])]), b.astype(float), "depth", [(
            [("serra_upper", "v-", "upper bound (Serra et al. 2018)"),
             ("montufar_attained", "^-", "attainable (Montúfar et al. 2014)"),
             ("doubling", ":", "(N + 1) · 2^(depth − 1)"),
             ("regions", "ko-", "measured mean at init")],
            "depth (width N / depth)", "regions on the line (1-D input)",
            f"fixed N = {N}: the maximum grows with depth, the typical count does not")])
    for i, name in enumerate(n for n in ("map_depth1", "map_depth4", "map_depth8", "map_sawtooth")
                             if n in res.arrays):
        labels, ax = res.arrays[name], fig.add_subplot(grid[2, i])
        (lo, hi), n = (0, 1) if name == "map_sawtooth" else (-3, 3), int(labels.max()) + 1
        perm = np.random.default_rng(0).permutation(n)  # neighbours get unrelated colours
        ax.imshow(perm[labels], cmap="tab20", origin="lower", extent=(lo, hi, lo, hi),
                  interpolation="nearest")
        L = name.removeprefix("map_depth")
        ax.set_title(f"$g_3(x_1)$\n{n} regions" if name == "map_sawtooth" else
                     f"depth {L}, width {N // int(L)}\n{n} regions", fontsize=9)
    fig.tight_layout()
    m = res.metrics.median(numeric_only=True)
    return Figure(
        "regions_at_init",
        "Regions at He initialisation with N neurons spread over depth (exact counts, "
        f"{cfg.init_seeds} nets per depth and replicate, {len(res.seeds)} replicates). The mean "
        "stays near N + 1 (Hanin & Rolnick 2019) while the attainable maximum grows "
        f"exponentially with depth. Medians over replicates: the batched exact count ran at "
        f"{m['init_lines'] / m['init_batch_seconds']:.0f} lines/s (all depths in one program, "
        "compilation included, this machine); one exact count took "
        f"{m['exact_ms_per_count']:.1f} ms against {m['sampled_s_per_count']:.2f} s for "
        f"{cfg.sampling_points} samples, with {res.metrics['sampling_mismatches'].sum():.0f} "
        f"disagreements in all. Bottom: activation regions on a 2-D input plane of He nets "
        f"(replicate {res.seeds[0]}) and of the sawtooth, on a {MAP_RESOLUTION}² grid (a lower "
        "bound: regions thinner than a cell are missed); random nets at several depths look "
        "alike, the sawtooth's regions are vertical strips.", fig)


def _trajectory_figure(res, cfg: Config) -> Figure:
    traj, g = res.tables["trajectory"], res.tables["growth"]
    fig = plt.figure(figsize=(10, 8))
    grid = fig.add_gridspec(2, 2)
    for i, act in enumerate(("tanh", "relu")):
        ax = fig.add_subplot(grid[0, i])
        sns.lineplot(data=traj[traj["activation"] == act], x="layer", y="length", hue="sigma_w2",
                     ax=ax, palette="viridis", errorbar=("pi", 100), legend="full")
        ax.set(yscale="log", title=f"{act}: length of the image of a circle")
        plots.legend(ax, "best", title="σ_w²", fontsize=8, title_fontsize=8)
    ax = fig.add_subplot(grid[1, :])
    for act, c, b in (("tanh", "tab:blue", 0.0), ("relu", "tab:red", B_STD)):
        gg = g[g["activation"] == act]
        ax.plot(gg["sigma_w2"], gg["growth"], "o", color=c, ms=4, alpha=0.7,
                label=f"{act}, measured (each seed and replicate)")
        sgrid = np.linspace(0.3, max(float(gg["sigma_w2"].max()), 4.0), 80)
        ax.plot(sgrid, [np.sqrt(ex.mean_field_chi(act, float(v), b**2)[1]) for v in sgrid],
                color=c, lw=1.2, label=f"{act}, mean field √χ₁")
        ax.axvline(gg["critical"].iloc[0], color=c, ls="--", lw=1)
    ax.axhline(1.0, color="k", lw=1)
    ax.set(xlabel="σ_w²", ylabel="growth factor per layer",
           title="order (< 1) and chaos (> 1); dashed: critical σ_w²")
    plots.legend(ax, "best", fontsize=8)
    fig.tight_layout()
    return Figure("trajectory_length", "Trajectory length (Raghu et al. 2017) of a circle "
                  f"through width-{cfg.traj_width} nets: it grows exponentially with depth only "
                  "above the critical σ_w² (1 for tanh at σ_b = 0, 2 for ReLU) and shrinks "
                  "below; the per-layer factor (fitted over layers 2 … L) follows the "
                  "mean-field √χ₁ (Poole et al. 2016).", fig)


def _training_figure(res, cfg: Config) -> Figure:
    a, N = res.arrays, cfg.train_width * TRAIN_DEPTH
    fig, axes = plt.subplots(2, 1, figsize=(9, 8))
    axes[0].plot(a["train_x"], a["train_y"], color="0.6", lw=3, label="target")
    for name, c, y0 in (("before", "tab:gray", -1.25), ("after", "tab:blue", -1.4)):
        bp = a[f"train_bp_{name}"][np.isfinite(a[f"train_bp_{name}"])]
        axes[0].plot(a["train_x"], a[f"train_pred_{name}"], color=c, label=f"{name} training")
        axes[0].plot(bp, np.full(len(bp), y0), "|", color=c, ms=9,
                     label=f"breakpoints {name} ({len(bp)})")
    axes[0].set(xlabel="x", title=f"replicate {res.seeds[0]}, seed 0: the net and its exact "
                "breakpoints on [−1, 1]")
    plots.legend(axes[0], "upper left", fontsize=8, ncol=3)
    long = res.tables["training"].melt(id_vars=["replicate", "seed"], value_name="regions",
                                       value_vars=[f"{where}_{when}" for where in (
                                           "segment", "whole") for when in ("before", "after")])
    long["count"] = long["variable"].str.replace("segment", "[−1, 1]").str.replace(
        "whole", "whole line").str.replace("_", ", ")
    sns.barplot(data=long, x="count", y="regions", ax=axes[1], errorbar=("pi", 100),
                color="tab:blue", alpha=0.7)
    sns.stripplot(data=long, x="count", y="regions", ax=axes[1], color="k", size=3)
    axes[1].axhline(N + 1, color="k", ls="--", lw=1)
    axes[1].set(title=f"regions before and after training (N = {N}; dashed: N + 1)", xlabel="")
    fig.tight_layout()
    return Figure("training", f"Training a depth-{TRAIN_DEPTH}, width-{cfg.train_width} ReLU "
                  f"net on {TRAIN_TARGET} ({cfg.seeds} seeds × {len(res.seeds)} replicates, "
                  "Adam): exact regions along [−1, 1] and along the whole line before and after "
                  "(bars: mean, whiskers: range).", fig)


def _yarotsky_figure(res) -> Figure:
    df, a, t = res.tables["yarotsky"].drop_duplicates("m"), res.arrays, np.linspace(0, 1, 401)
    fig, axes = plt.subplots(2, 2, figsize=(10, 7.5))
    axes[0, 0].plot(t, t**2, color="k", lw=2, label="$x^2$")
    for m in [m for m in (1, 2, 3) if f"yarotsky_f{m}" in a]:
        axes[0, 0].plot(t, a[f"yarotsky_f{m}"], lw=1, label=f"$f_{m}$")
        axes[0, 1].plot(t, a[f"yarotsky_f{m}"] - t**2, lw=1, label=f"$f_{m}-x^2$")
        axes[0, 1].axhline(2.0 ** (-2 * m - 2), color="0.5", ls=":", lw=1)
    for ax, title in zip(axes[0], ("Yarotsky's $f_m$ (piecewise linear)",
                                   "the gap; dotted: $2^{-2m-2}$"), strict=True):
        ax.set(xlabel="x", title=title)
        plots.legend(ax, "best", fontsize=8)
    axes[1, 0].semilogy(df["m"], df["expected"], color="0.6", lw=4, label="$2^{-2m-2}$ (sympy)")
    _panels(axes[1], df, "m", [
        ([("sup_error", "o", "exact sup error of the net")], "depth m", "sup error",
         "the error falls 4× per layer"),
        ([("pieces", "o-", "pieces (exact count)"), ("n_params", "s-", "parameters")],
         "depth m", "", "pieces $2^m$ from $12m-2$ parameters")])
    fig.tight_layout()
    return Figure("yarotsky", "Yarotsky's width-3, depth-m ReLU approximation of x²: its sup "
                  "error, computed exactly from its 2^m pieces, is 2^(−2m−2), so ε accuracy "
                  "takes O(log 1/ε) layers.", fig)


def figures(res, cfg: Config) -> list[Figure]:
    """The report's figures, drawn from stored results only."""
    return [_sawtooth_figure(res), _separation_figure(res, cfg), _regions_figure(res, cfg),
            _trajectory_figure(res, cfg),
            _training_figure(res, cfg), _yarotsky_figure(res)]
