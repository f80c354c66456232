"""Depth versus width: what "exponentially fewer parameters" means, and where it shows up.

Seed statement: depth often allows networks to represent the same functions with exponentially
fewer parameters than a shallow network. This study makes it exact (Telgarsky's sawtooth and
Yarotsky's x², counted exactly) and measures what random and trained nets do (SUMMARY).

Expected at quick (five replicates, ~75 s of CPU on 2 cores; seeds 0–4 and 9000–9004): all
claims and checks hold. Whole-line region counts of He nets are within 11 % of N + 1 at every
N = 64 … 512 and depth, log-log slope in N 0.97–1.05; trajectory growth per layer is 0.97–0.99
of the mean field at every σ_w², critical points included (the finite-width bias ~1.25/n),
where √χ₁(q*) is ~9 % too high at the tanh critical point; training on sin(πx) changes the
region count by a factor 0.82–1.21. Findings without a published value: most trained nets stay
near sup error 1/2 where zero error is representable (k = 2 is beaten by shallow nets from
width 8 to 32, and by a deep narrow net in one replicate of ten; k = 3 never).

Chosen after looking at results: the 25 % band of regions_per_neuron_near_one (set when N = 64
was the only N) and the factor-2 band of regions_after_training (set after changes ≤ 20 % were
seen); the other tolerances were fixed from theory before this version's first replicate.
Earlier versions kept σ_w² 0.5 from the transition after tanh at 1.5 measured 0.97–1.00 against
√χ₁(q*) = 1.02; the mean field along depth predicts 0.996 there: q had not reached q*.
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
from nntheory.claims import Claim, farthest
from nntheory.config import StudyConfig, at_least, at_most, field, increasing, nonempty, positive
from nntheory.report import Figure, plots
from nntheory.study import Rows, Sweep

TITLE = "Depth versus width: linear regions, the sawtooth separation, trajectory length"

SUMMARY = r"""
A ReLU net computes a piecewise-linear function; the number of its pieces measures what depth
buys. The k-fold tent map, a width-2, depth-k net with 6k + 1 parameters, is Telgarsky's sawtooth
with $2^k$ pieces; one hidden layer of width w has at most w + 1 pieces on a line and needs width
$2^k-1$ to come within sup error 1/2 of it; Yarotsky's deep net approximates $x^2$ to $2^{-2m-2}$
with m layers. These are statements about what depth can express.

Random and trained nets do something else. Region counts here are exact (float64 breakpoints, one
jitted program, checked against dense sampling): at He initialisation a line meets about N + 1
regions of N neurons, whatever the depth (Hanin & Rolnick 2019), and training moves this little.
Trajectory length grows by the mean-field $\sqrt{\chi}$ per layer (Poole et al. 2016; Raghu et al.
2017): exponentially with depth only in the chaotic phase.
"""

EQUATIONS = (
    (r"$g_k=T^{\circ k},\ \ T(x)=2\,\mathrm{relu}(x)-4\,\mathrm{relu}(x-\frac{1}{2}),\qquad"
     r"\#\mathrm{pieces}(g_k)=2^k,\qquad \#\mathrm{params}=6k+1$",
     "Telgarsky's sawtooth: width 2, depth k (Telgarsky 2016, Sec. 2)."),
    (r"$\#\mathrm{pieces}(f)<2^k\ \Rightarrow\ \sup_{[0,1]}|f-g_k|\geq\frac{1}{2},\qquad"
     r"\#\mathrm{pieces}(\mathrm{width}\ w,\ \mathrm{depth}\ 1)\leq w+1$",
     "$f$ must cross 1/2 between the $2^k+1$ alternating extrema of $g_k$, once per monotone "
     r"piece: shallow nets need width ≥ $2^k-1$ (Telgarsky 2016, Sec. 3)."),
    (r"$R_{\max}\geq\lfloor n/n_0\rfloor^{n_0(L-1)}\sum_{j=0}^{n_0}\binom{n}{j},\qquad"
     r"R_{\max}\leq\sum_{(j_1..j_L)\in J}\ \prod_{l=1}^{L}\binom{n_l}{j_l}$",
     r"Most regions, $L$ layers of width $n$ on $\mathbb{R}^{n_0}$: attained (Montúfar et al. "
     "2014, Thm. 4), bounded (Serra et al. 2018, Thm. 1); $n_0=1$: "
     r"$n^{L-1}(n+1)\leq R\leq(n+1)^L$. A He net: $E[R]=N+o(N)+1$, $N=nL$ (Kogan et al. 2025; "
     "Hanin & Rolnick 2019)."),
    (r"$q_{l+1}=\sigma_w^2\,\mathbb{E}_z[\phi(\sqrt{q_l}z)^2]+\sigma_b^2,\qquad"
     r"\chi(q)=\sigma_w^2\,\mathbb{E}_z[\phi'(\sqrt{q}z)^2],\qquad"
     r"\ell_{l}/\ell_{l-1}\approx\sqrt{\chi(q_l)}\to\sqrt{\chi_1}=\sqrt{\chi(q^*)}$",
     r"Order ($\chi_1<1$) and chaos ($\chi_1>1$): length grows by $\sqrt{\chi}$ per layer (Poole "
     r"et al. 2016; Schoenholz et al. 2017); critical $\sigma_w^2$: ReLU 2 ($\chi=\sigma_w^2/2$), "
     r"tanh 1 ($\sigma_b=0$)."),
    (r"$f_m(x)=x-\sum_{s=1}^{m}\frac{g_s(x)}{4^{s}},\qquad\sup_{[0,1]}|f_m(x)-x^2|=2^{-2m-2}$",
     "Yarotsky's deep approximation of $x^2$ (Yarotsky 2017, Prop. 2): width 3, depth m."),
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
    "B. Hanin, M. Nica (2019). Products of many large random matrices and gradients in deep "
    "neural networks. Commun. Math. Phys.; arXiv:1812.05994.",
    "J. Kogan, H. Jananthan, J. Kepner (2025). Complexity of one-dimensional ReLU DNNs. IEEE MIT "
    "URTC; arXiv:2512.08091.",
)


# Fixed settings (stated once; the Config holds what a profile changes).
B_STD = 0.1  # bias std of the He-initialised nets (He et al. 2015: σ_w² = 2)
FIT_B_STD = 1.0  # sawtooth fits: first-layer kinks −b/w spread over [0, 1] and beyond
CAPACITY_FACTOR = 2  # breakpoints per line and neuron of the batched count (overflows recounted)
SEGMENTS_PER_NET, SAMPLING_NETS = 4, 4  # segments per net besides the whole line; nets sampled
DEEP_WIDTH, MAP_RESOLUTION = 3, 300  # trained deep narrow nets (construction: 2); 2-D map grid
TRAJ_POINTS, TRAJ_SKIP = 512, 2  # circle points (exact tangents); growth fitted on layers 2 … L
TRAIN_TARGET, TRAIN_DEPTH, TRAIN_POINTS = "sin", 4, 256  # part 4 (width: neurons // 4)
LINE = "1-D input, whole line"  # the setting of the whole-line counts


@dataclass(frozen=True)
class Config(StudyConfig):
    """Five parts: sawtooth separation, regions at init, trajectory length, training, Yarotsky."""

    # 1. separation (k <= 40, fit k <= 10, m <= 20: float64 dyadic arithmetic and memory)
    sawtooth_ks: tuple[int, ...] = field(tuple(range(1, 21)), increasing | positive | at_most(40))
    fit_ks: tuple[int, ...] = field((2, 3), increasing | positive | at_most(10))
    shallow_widths: tuple[int, ...] = field((2, 4, 8, 16, 32), increasing | positive)
    # nets per sawtooth fit and for part 4, per replicate (4 as before replicates existed)
    seeds: int = field(4, positive)
    steps: int = field(3000, positive)  # Adam steps (cosine schedule) of every training run
    learning_rate: float = field(3e-3, positive)
    # 2. regions at He init, N over depths; whole lines at several N from (deepest)², so that
    # β = Σ 1/n_l = L²/N <= 1 (gradients, hence Hanin & Rolnick's constants, O(1): Hanin & Nica)
    neurons: int = field(64, positive)
    depths: tuple[int, ...] = field((1, 2, 4, 8), increasing | positive)
    neuron_counts: tuple[int, ...] = field((64, 128, 256, 512), increasing | positive)
    init_seeds: int = field(20, at_least(SAMPLING_NETS // 2))
    input_dim: int = field(10, positive)  # whole lines through 0 (≡ 1-D input), segments
    sampling_points: int = field(200_001, at_least(2))
    # 3. trajectory length (weights N(0, σ_w²/n)), nets per σ_w², critical points included
    traj_width: int = field(64, at_least(2))
    traj_depth: int = field(10, at_least(TRAJ_SKIP + 2))
    traj_seeds: int = field(16, positive)
    tanh_sigma_w2: tuple[float, ...] = field((0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0),
                                             nonempty | positive)
    relu_sigma_w2: tuple[float, ...] = field((1.0, 1.5, 2.0, 2.5, 3.0), nonempty | positive)
    yarotsky_ms: tuple[int, ...] = field(tuple(range(1, 11)), increasing | positive | at_most(20))

    def validate(self):
        bad = [n for n in (self.neurons, *self.neuron_counts) if any(n % d for d in self.depths)]
        if bad or self.neurons % TRAIN_DEPTH or len(self.neuron_counts) < 2:
            raise ValueError(f"neurons and each of neuron_counts (at least two) must be divisible "
                             f"by every depth, neurons also by {TRAIN_DEPTH}; not so: {bad}")

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
    "test": Config(replicates=2, sawtooth_ks=(1, 2, 3, 4, 5, 6), fit_ks=(2,), shallow_widths=(2,),
                   seeds=2, steps=40, neurons=8, depths=(1, 2), neuron_counts=(8, 16),
                   init_seeds=2, input_dim=3, sampling_points=2001, traj_width=8, traj_depth=4,
                   traj_seeds=2, tanh_sigma_w2=(0.5, 4.0), relu_sigma_w2=(1.0, 3.0),
                   yarotsky_ms=(1, 2, 3)),
    # measured: 75–80 s of CPU (user) for the five replicates; 3–4 min wall at load 8–9/2 cores
    "quick": Config(replicates=5),
    # Paper scale, one GPU. Estimated from quick rates and operation counts, ~1 h: whole-line
    # counts on the host (numpy, ~N² per net, 50–140 ms at N = 960: ~3 min per replicate),
    # sawtooth k <= 24 (~1.5 min, once), fits (9 nets × 2 blocks × 20 000 Adam steps, launch-
    # bound at 1–2 ms: ~10 min, 300 TFLOP), the region batch (1 400 nets × 5 lines × 8 layers ×
    # 481·240² comparisons: ~5 min), training and trajectories (27 TFLOP) ~3 min. Peak GPU
    # memory ~5 GB: fit chunks <= NNTHEORY_MEMORY_BUDGET (2 GiB), a region-batch slice ~1 GB,
    # 335 MB of weights per σ_w² (chunked likewise); host ~3 GB (2^24 sawtooth pieces).
    "full": Config(replicates=10, sawtooth_ks=tuple(range(1, 25)), fit_ks=(2, 3, 4, 5, 6),
                   shallow_widths=(2, 4, 8, 16, 32, 64, 128, 256), seeds=16, steps=20000,
                   neurons=240, depths=(1, 2, 3, 4, 5, 6, 8), neuron_counts=(120, 240, 480, 960),
                   init_seeds=200, sampling_points=2_000_001, traj_width=512, traj_depth=20,
                   tanh_sigma_w2=(0.5, 0.75, 0.9, 1.0, 1.1, 1.5, 2.0, 3.0, 4.0),
                   relu_sigma_w2=(1.0, 1.5, 1.8, 2.0, 2.2, 2.5, 3.0),
                   yarotsky_ms=tuple(range(1, 16))),
}

# Thresholds of the claims (stated once, here, with their reasons in the notes).
SAWTOOTH_FLOOR, YAROTSKY_RTOL = 0.5, 1e-9
REGION_BAND, SLOPE_TOL, GROWTH_RTOL, SIDE_MARGIN = 0.25, 0.1, 0.10, 0.05

CLAIMS = (
    Claim(id="sawtooth_pieces", kind="check", measured="sawtooth_max_count_error", op="==",
          expected=0.0, statement="The width-2, depth-k sawtooth net has exactly $2^k$ linear "
          r"pieces and regions on [0, 1] for every k tested: the largest $|\mathrm{count}-2^k|$.",
          source="Telgarsky 2016, Sec. 2; $2^k$ from the recurrence $p_k=2p_{k-1}$ (sympy)"),
    Claim(id="sawtooth_exact", kind="check", measured="sawtooth_max_sup_error", op="==",
          expected=0.0, source="Telgarsky 2016, Sec. 2",
          statement="The construction (6k + 1 parameters) equals the k-fold tent map exactly: the "
          "largest sup distance over the k tested, from both functions' breakpoints."),
    Claim(id="shallow_floor", kind="check", measured="shallow_below_min_sup_error", op=">=",
          expected=SAWTOOTH_FLOOR,
          statement=f"Every trained one-hidden-layer net narrower than $2^k-1$ has sup error at "
          f"least {SAWTOOTH_FLOOR} on the depth-k sawtooth (smallest over k, widths, seeds).",
          source="Telgarsky 2016, Sec. 3 (crossing argument); w + 1 pieces for width w",
          note="A theorem about every function with < $2^k$ pieces, so a check of the counting and "
          "training code. It gives no width that training needs: the smallest trained width "
          "beating 1/2 is a metric (shallow_needed_width__k*), not a claim."),
    Claim(id="exact_vs_sampling", kind="check", measured="sampling_mismatches", op="==",
          expected=0.0, statement="Exact counts equal dense-sampling counts on the checked "
          "random nets (number of disagreements).",
          source="Method check (Serra et al. 2018, Sec. 3: regions are activation patterns)",
          note="Sampling counts pattern flips between neighbouring points; it can only miss a "
          "neuron that switches twice inside one cell."),
    Claim(id="regions_linear_in_neurons", measured="line_regions_worst_slope", op="==",
          expected=1.0, tolerance=SLOPE_TOL,
          statement="At He initialisation the mean number of regions along the whole line grows "
          "linearly in the number of neurons N at every depth: the log-log slope of (mean − 1) "
          "against N, per depth over the sweep's N; the slope farthest from 1.",
          source="Hanin & Rolnick 2019, main theorem and Sec. 3; Kogan, Jananthan & Kepner "
          r"2025 (1-D He nets with biases: $N+o(N)+1$)",
          note="Exact counts of 1-input He nets (the whole-line count is equal for every "
          r"$\sigma_b>0$: scaling biases and t together scales every pre-activation); depth 1 has "
          "N + 1 exactly. ±0.1 fixed before replicates: the o(N) term may move the count per "
          r"neuron by $8^{0.1}\approx1.23$× over N's 8× range, while $N^L$ (the maximum, Montúfar "
          r"et al. 2014) has slope L. N starts at $\mathrm{deepest}^2$ (Config)."),
    Claim(id="regions_per_neuron_near_one", measured="line_regions_worst_ratio", op="==",
          expected=1.0, tolerance=REGION_BAND,
          statement=f"At every depth and N of the sweep the mean number of regions along the whole "
          f"line is within {REGION_BAND:.0%} of N + 1: the ratio mean/(N + 1) farthest from 1.",
          source="Kogan, Jananthan & Kepner 2025 ($E=N+o(N)+1$); Hanin & Rolnick 2019",
          note="Exact at depth 1 and the infinite-width limit at every depth; 25 % is our "
          "tolerance for the o(N) term, set when this was judged at N = 64 only."),
    Claim(id="trajectory_growth_mean_field", measured="trajectory_worst_ratio", op="==",
          expected=1.0, tolerance=GROWTH_RTOL,
          statement="Per-layer trajectory growth (geometric mean over nets) equals the mean-field "
          r"$\sqrt{\chi}$ at each layer's own $q_l$, at every $\sigma_w^2$ of tanh ($\sigma_b=0$) "
          "and ReLU, critical points included: measured/mean field farthest from 1.",
          source=r"Poole et al. 2016 (length map $q$, $\chi_1$: the length element grows by "
          r"$\chi_1$ per layer); Raghu et al. 2017, Sec. 2.1; Schoenholz et al. 2017",
          note=f"Both are exp(least-squares slope of log length over layers {TRAJ_SKIP}…L): "
          r"measured from exact tangents, predicted as $\prod_l\sqrt{\chi(q_l)}$ from "
          rf"$q_1=\sigma_w^2+\sigma_b^2$. ±{GROWTH_RTOL:.0%} fixed before the replicates: width n "
          r"biases the factor by up to $-1.25/n$ (ReLU: $\mathrm{Var}\,R=5/n$ per layer, cf. Hanin "
          "& Nica 2019; 2 % at $n=64$), a net scatters by ≤ 5 %, a mean of 16 by ≤ 1.3 %: bias + "
          r"3σ ≈ 6 %, rounded up. $\sqrt{\chi(q^*)}$ misses tanh at criticality by ~9 % at depth "
          r"10 ($q_l\to0$ as $1/(2l)$): metric trajectory_worst_ratio_fixed_point."),
    Claim(id="trajectory_order_chaos", measured="trajectory_side_agreement", op="==", expected=1.0,
          statement=r"Mean per-layer trajectory growth exceeds 1 exactly when $\sigma_w^2$ exceeds "
          r"critical (tanh, $\sigma_b=0$: 1; ReLU: 2), at every $\sigma_w^2$ whose $\sqrt{\chi_1}$ "
          f"is more than {SIDE_MARGIN:.0%} from 1: fraction on the predicted side.",
          source=r"Poole et al. 2016 ($\chi_1$, length); Schoenholz et al. 2017; Raghu et al. 2017",
          note=r"Geometric mean over the nets of each $\sigma_w^2$; $|\sqrt{\chi_1}-1|\leq$ "
          f"{SIDE_MARGIN:.0%} (bias + 3σ, fixed before the replicates) is not resolved: tanh 1, "
          "1.5 and ReLU 2 are left out at quick. Until replicates existed every net had to agree, "
          "on a grid kept 0.5 from the transition."),
    Claim(id="regions_after_training", measured="train_regions_worst_change", op="between",
          expected=(0.5, 2.0),
          statement=f"Training (Adam, {TRAIN_TARGET}(πx)) keeps the mean number of regions of a "
          f"depth-{TRAIN_DEPTH} ReLU net along [−1, 1] and along the whole line of the same order "
          f"as at initialisation: the ratio after/before farthest from 1 (in log).",
          source="Hanin & Rolnick 2019, Sec. 3 (regions along a line stay roughly constant in "
          "training, far below exponential)",
          note="'Roughly constant' read as within a factor 2, against growth towards the maximum "
          r"($(n+1)^L\approx8\cdot10^4$ at width 16, depth 4); the source gives no number. Set "
          "after earlier quick runs had shown changes of up to ~20 %."),
    Claim(id="yarotsky_square", kind="check", measured="yarotsky_max_rel_error", op="<=",
          expected=YAROTSKY_RTOL, source="Yarotsky 2017, Prop. 2; $2^{-2m-2}$ derived with sympy",
          statement="Yarotsky's width-3, depth-m net has sup error exactly $2^{-2m-2}$ against "
          r"$x^2$ on [0, 1] for every m tested: the largest $|\mathrm{error}/2^{-2m-2}-1|$.",
          note="The sup is exact on each affine piece (a concave gap); 1e-9 is float64 rounding."),
)


# Sweeps -------------------------------------------------------------------------------------------
def he_relu(width: int, depth: int, b_std: float = B_STD) -> nets.Net:
    """A ReLU MLP in standard parameterisation, He-initialised (σ_w² = 2)."""
    return nets.mlp(width, depth, 1, "relu", parameterization="standard", w_std=2.0**0.5,
                    b_std=b_std)


def sawtooth_point(cfg: Config, key, *, k: int) -> dict:
    """The construction's exact pieces and regions on [0, 1] (timed), parameters, exact sup
    distance to the k-fold tent map."""
    net = ex.sawtooth_net(k)
    params = net.init_params(key, (1,))  # fixed parameters: the key is not used
    t0 = time.perf_counter()
    r = ex.count_linear_regions(net, params, [0.0], [1.0])
    seconds = time.perf_counter() - t0
    sup = ex.sup_distance_pl(r, functools.partial(ex.sawtooth, k), np.arange(2**k + 1) / 2**k)
    return dict(n_regions=r.n_regions, n_pieces=r.n_pieces, sup_error=sup, seconds=seconds,
                expected=int(symbolic.sawtooth_piece_count(k)), n_params=net.info["n_params"])


def fit_point(cfg: Config, keys, *, kind: str, width: int, depth: int) -> Rows:
    """One architecture (one hidden layer, or the deep narrow net) trained on the sawtooths as
    one ensemble of members (replicate, k, seed): exact sup and relative L² errors, seed-0 fits."""
    net = he_relu(width, depth, FIT_B_STD)
    members = [(r, k, s) for r in range(len(keys)) for k in cfg.fit_ks for s in range(cfg.seeds)]
    ks = [k for _, k, _ in members]
    x, y = ex.sawtooth_targets(ks, cfg.fit_points)
    params = ex.sample_mlp_ensembles(net, keys, len(cfg.fit_ks) * cfg.seeds, 1)
    n_params = nets.param_count(jax.tree_util.tree_map(lambda a: a[0], params))
    params, hist = train.fit_ensemble(
        net, params, dict(x_train=jnp.asarray(x, jnp.float32), y_train=jnp.asarray(y, jnp.float32)),
        member_data=True, optimizer="adam", learning_rate=cfg.learning_rate, schedule="cosine",
        steps=cfg.steps, log_every=cfg.log_every)
    pred = np.asarray(jax.vmap(net.apply)(params, jnp.asarray(x, jnp.float32)), np.float64)
    rel, sup = approx.relative_l2(pred, y), ex.sawtooth_sup_errors(net, params, ks)
    rows = [dict(replicate=r, k=k, seed=s, n_params=n_params, sup=sup[i], rel_l2=rel[i],
                 diverged=bool(hist.diverged[i]), below_threshold=kind == "shallow"
                 and width < 2**k - 1) for i, (r, k, s) in enumerate(members)]
    return Rows(pd.DataFrame(rows), {f"fit__{kind}__k{k}__w{width}": np.stack(
        [pred[i, :, 0] for i, m in enumerate(members) if m[1:] == (k, 0)]).astype(np.float32)
        for k in cfg.fit_ks})


def regions_point(cfg: Config, key) -> Rows:
    """Exact regions of ``init_seeds`` He nets per depth (``neurons``, ``input_dim`` inputs) on
    the whole line through 0 and random segments (one batched count, timed); sampling check."""
    k_init, k_lines, k_maps = (jax.random.fold_in(key, i) for i in range(3))
    d, S, P = cfg.input_dim, cfg.init_seeds, 1 + SEGMENTS_PER_NET
    batch = ex.stack_nets([ex.affine_layers(net, ex.sample_mlp_params(
        net, jax.random.fold_in(k_init, L), S, d)) for L, net in (
            (L, he_relu(cfg.neurons // L, L)) for L in cfg.depths)])
    B, depth = batch.w_in.shape[0], np.repeat(cfg.depths, S)
    starts, stops, whole = ex.random_lines(k_lines, B, d, SEGMENTS_PER_NET)
    t0 = time.perf_counter()
    counts = ex.count_regions_exact("relu", batch, starts, stops, whole_line=whole,
                                    capacity=CAPACITY_FACTOR * cfg.neurons)
    seconds = time.perf_counter() - t0
    lines = pd.DataFrame(dict(
        depth=np.repeat(depth, P), width=cfg.neurons // np.repeat(depth, P),
        seed=np.repeat(np.tile(np.arange(S), len(cfg.depths)), P),
        setting=np.tile([LINE] + [f"{d}-D, segment"] * SEGMENTS_PER_NET, B),
        regions=counts.n_regions.ravel().astype(float), overflow=counts.overflow.ravel(),
        pieces=np.where(whole, counts.n_pieces, np.nan).ravel(),
        length=np.where(whole, np.nan, np.linalg.norm(stops - starts, axis=-1)).ravel()))
    which = list(range(SAMPLING_NETS // 2)) + list(range(B - SAMPLING_NETS // 2, B))
    sampling = pd.DataFrame(ex.sampling_cross_check("relu", batch, starts[:, 1], stops[:, 1],
                                                    which, cfg.sampling_points))
    maps = ex.init_region_maps({f"map_depth{L}": he_relu(cfg.neurons // L, L) for L in (1, 4, 8)
                                if cfg.neurons % L == 0}, k_maps, extent=3.0,
                               resolution=MAP_RESOLUTION)
    maps["map_sawtooth"] = ex.sawtooth_region_map(3, MAP_RESOLUTION).astype(np.int32)
    return Rows(dict(regions=lines, sampling=sampling.assign(depth=depth[which]),
                     batch_timing=pd.DataFrame([dict(lines=B * P, seconds=seconds)])), maps)


def line_regions_point(cfg: Config, key, *, neurons: int) -> pd.DataFrame:
    """Exact regions on the whole line of ``init_seeds`` 1-input He nets per depth, N neurons."""
    rows = []
    for depth in cfg.depths:
        net = he_relu(neurons // depth, depth)
        params = ex.sample_mlp_params(net, jax.random.fold_in(key, depth), cfg.init_seeds, 1)
        rows += [dict(depth=depth, width=neurons // depth, seed=i, regions=r.n_regions,
                      pieces=r.n_pieces) for i, r in enumerate(
                          ex.member_regions(net, params, [0.0], [1.0], whole_line=True))]
    return pd.DataFrame(rows)


def trajectory_point(cfg: Config, keys, *, activation: str) -> Rows:
    """Exact-tangent lengths of a circle's image per layer, per (replicate, σ_w², net), and each
    net's growth factor beside the mean field's at each layer's q_l and at q*."""
    sws, b_std, critical = dict(tanh=(cfg.tanh_sigma_w2, 0.0, 1.0),
                                relu=(cfg.relu_sigma_w2, B_STD, 2.0))[activation]
    W, L, traj, growth = cfg.traj_width, cfg.traj_depth, [], []
    for r, key in enumerate(keys):
        curve = ex.circle_with_tangents(jax.random.fold_in(key, 0), W, TRAJ_POINTS)
        for s2 in map(float, sws):
            net = nets.mlp(W, L, 1, activation, parameterization="standard", w_std=s2**0.5,
                           b_std=b_std)
            lengths, g = ex.tangent_growth(net, jax.random.fold_in(key, round(1000 * s2)),
                                           cfg.traj_seeds, *curve, skip=TRAJ_SKIP,
                                           max_bytes=train.memory_budget())
            q_star, chi = ex.mean_field_chi(activation, s2, b_std**2)
            growth.append(pd.DataFrame(dict(
                replicate=r, sigma_w2=s2, seed=np.arange(len(g)), growth=g, critical=critical,
                predicted=ex.mean_field_growth(activation, s2, b_std**2, L, skip=TRAJ_SKIP),
                fixed_point=np.sqrt(chi), q_star=q_star)))
            traj.append(pd.DataFrame(dict(replicate=r, sigma_w2=s2, seed=np.repeat(
                np.arange(len(g)), L + 1), layer=np.tile(np.arange(L + 1), len(g)),
                length=lengths.ravel())))
    return Rows(dict(trajectory=pd.concat(traj), growth=pd.concat(growth)))


def training_point(cfg: Config, keys) -> pd.DataFrame:
    """ReLU nets trained on ``TRAIN_TARGET`` (members: replicate × seed): exact regions along
    [−1, 1] and the whole line before and after training."""
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
    for name, p in (("before", p0), ("after", p1)):
        for where, a, b, whole in (("segment", -1.0, 1.0, False), ("whole", 0.0, 1.0, True)):
            table[f"{where}_{name}"] = [float(r.n_regions) for r in ex.member_regions(
                net, p, [a], [b], whole_line=whole)]
    return table


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
    "line_regions": Sweep(line_regions_point, grid=lambda c: dict(neurons=c.neuron_counts)),
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
             diverged_members=fits["diverged"].sum() + tr["diverged"].sum())  # every ensemble
    # 1. separation (NaN where no net qualifies)
    sh = fits[fits["kind"] == "shallow"]
    m["shallow_below_min_sup_error"] = sh[sh["below_threshold"]]["sup"].min()
    for k, f in fits.groupby("k"):
        s = f[f["kind"] == "shallow"]
        m[f"shallow_needed_width__k{k}"] = s[s["sup"] < SAWTOOTH_FLOOR]["width"].min()
        m[f"deep_trained_best_sup__k{k}"] = f[f["kind"] == "deep"]["sup"].min()
    # 2. regions at initialisation at N = neurons, the sampling cross-check, timings
    N, line, seg = cfg.neurons, reg[reg["setting"] == LINE], reg[reg["setting"] != LINE]
    by_depth, sampling = line.groupby("depth")["regions"].mean(), tables["sampling"]
    m.update(sampling_mismatches=np.sum(sampling["exact"] != sampling["sampled"]),
             exact_ms_per_count=1e3 * sampling["exact_seconds"].mean(),
             sampled_s_per_count=sampling["sampled_seconds"].mean(),
             **{f"init_{k}": v for k, v in tables["batch_timing"].iloc[0].items()},
             init_overflows=reg["overflow"].sum())
    m.update({f"init_regions_per_neuron__depth{L}": v / N for L, v in by_depth.items()})
    m.update({f"segment_regions_per_neuron__depth{L}": v / N
              for L, v in seg.groupby("depth")["regions"].mean().items()})
    # ... and along the whole line at several N, per depth: slope in N and ratio to N + 1
    for L, v in tables["line_regions"].groupby(["depth", "neurons"])["regions"].mean().groupby(
            level="depth"):
        m[f"line_regions_slope__depth{L}"], ratio = ex.region_scaling(v.index.get_level_values(
            "neurons"), v.to_numpy())
        m.update({f"line_regions_per_neuron__depth{L}__N{n}": x for (_, n), x in zip(
            v.index, ratio, strict=True)})
    m.update(line_regions_worst_slope=farthest([v for k, v in m.items() if k.startswith(
        "line_regions_slope")], 1.0), line_regions_worst_ratio=farthest([
            v for k, v in m.items() if k.startswith("line_regions_per_neuron")], 1.0))
    # 3. trajectory length: geometric mean growth per σ_w² against the mean field
    p = tables["growth"].assign(growth=np.log(tables["growth"]["growth"])).groupby(
        ["activation", "sigma_w2", "predicted", "fixed_point", "critical"], as_index=False)[
        "growth"].mean().assign(growth=lambda d: np.exp(d["growth"]))
    ok = p[np.abs(p["fixed_point"] - 1) > SIDE_MARGIN]
    m.update(trajectory_worst_ratio=farthest(p["growth"] / p["predicted"], 1.0),
             trajectory_worst_ratio_fixed_point=farthest(
                 p["growth"] / p["fixed_point"], 1.0),
             trajectory_side_agreement=np.mean((ok["growth"] > 1) == (ok["sigma_w2"]
                                                                      > ok["critical"])))
    for r in p.itertuples():
        m[f"trajectory_growth__{r.activation}__{r.sigma_w2:g}"] = r.growth
        m[f"trajectory_ratio__{r.activation}__{r.sigma_w2:g}"] = r.growth / r.predicted
    # 4. training: regions before and after
    m.update({f"train_regions{n}_{w}": tr[f"{c}_{w}"].mean() for w in ("before", "after")
              for n, c in (("", "segment"), ("_whole", "whole"))})
    change = [tr[f"{c}_after"].mean() / tr[f"{c}_before"].mean() for c in ("segment", "whole")]
    m.update(train_test_loss=np.median(tr["test_loss"]),
             train_regions_worst_change=np.exp(farthest(np.log(change), 0)))
    # 5. Yarotsky
    y = tables["yarotsky"]
    m.update(yarotsky_max_rel_error=y["rel_error"].max(),
             yarotsky_max_piece_error=np.max(np.abs(y["pieces"] - 2.0 ** y["m"])))
    return {k: float(v) for k, v in m.items()}


# Figures ------------------------------------------------------------------------------------------
def _sawtooth_figure(res) -> Figure:
    saw, x = res.tables["sawtooth"].drop_duplicates("k"), np.linspace(0, 1, 4097)  # exact
    saw = saw.assign(shallow=3 * (saw["expected"] - 1) + 1)  # parameters of width 2^k − 1
    fig, axes = plt.subplots(1, 3, figsize=(7.0, 2.6), layout="constrained")
    for k, c in zip((1, 2, 3, 4), sns.color_palette("rocket_r", 5)[1:], strict=True):
        axes[0].plot(x, ex.sawtooth(k, x), color=c, lw=1.0, label=f"k = {k}")
    axes[0].set(xlabel="x", ylabel="$g_k(x)$", title="the sawtooth $g_k = T^{\\circ k}$",
                ylim=(-0.05, 1.6), yticks=(0, 0.5, 1))
    axes[1].semilogy(saw["k"], saw["expected"], color="0.6", lw=4, label="$2^k$ (sympy)")
    plots.log_curves(axes[1:], saw, "k", [
        ([("n_pieces", "o", "pieces"), ("n_regions", "x", "regions")], "depth k",
         "exact count on [0, 1]", "pieces of the net", "upper left", None),
        ([("shallow", "o-", "depth 1, width $2^k-1$"), ("n_params", "s-", "depth k, width 2")],
         "depth k", "parameters", "parameters for $g_k$", "upper left", 1e9)])
    plots.legend(axes[0], "upper center", ncol=2, handlelength=1, columnspacing=0.8)
    return Figure("sawtooth", "Telgarsky's sawtooth. The exact number of pieces (and of "
                  "activation regions) of the width-2, depth-k net equals $2^k$ for every k "
                  f"tested (k ≤ {int(saw['k'].max())}; the count at the largest took "
                  f"{saw['seconds'].iloc[-1]:.1f} s, numpy, float64); one hidden layer needs "
                  "$3(2^k-1)+1$ parameters for it where depth needs 6k + 1.", fig,
                  claims=("sawtooth_pieces",))


def _separation_figure(res, cfg: Config) -> Figure:
    df = res.tables["fits"]
    sh, deep = df[df["kind"] == "shallow"], df[df["kind"] == "deep"]
    pal = dict(zip(cfg.fit_ks, sns.color_palette(n_colors=len(cfg.fit_ks)), strict=True))
    fig, (top, _), (axes, (fits,)) = plots.rows(2, 1, height_ratios=(1.5, 1))
    for k in cfg.fit_ks:
        plots.band(axes[0], sh[sh["k"] == k], "width", "sup", color=pal[k])
        axes[0].axvline(2**k - 1, color=pal[k], ls="--", lw=1)
    plots.log_axis(axes[0], cfg.shallow_widths, base=2)
    axes[0].set(xlabel="width w (one hidden layer)", ylabel="exact sup error", ylim=(0, None),
                title="shallow nets: median, band = all nets;\ndashed: $w = 2^k-1$")
    for (kind, k), b in df.groupby(["kind", "k", "n_params"], as_index=False)["sup"].min(
            ).groupby(["kind", "k"]):
        axes[1].plot(b["n_params"], b["sup"], "o" if kind == "shallow" else "s", color=pal[k],
                     mfc=pal[k] if kind == "shallow" else "none", label=f"{kind}, k = {k}")
    at = res.tables["sawtooth"].drop_duplicates("k").query("k in @cfg.fit_ks")
    axes[1].plot(at["n_params"], 0 * at["k"], "k*", ms=10, label="construction (error 0)")
    axes[1].set(xscale="log", xlabel="parameters", ylabel="exact sup error (best net)",
                title="best net per size;\nblack: the floor 1/2")
    for ax in axes:
        ax.axhline(SAWTOOTH_FLOOR, color="k", lw=1)
    k, x = max(cfg.fit_ks), np.linspace(0.0, 1.0, cfg.fit_points)
    fits.plot(x, ex.sawtooth(k, x), color="0.6", lw=3, label=f"$g_{k}$")
    for kind, w, c in (("shallow", max(cfg.shallow_widths), "C2"), ("deep", DEEP_WIDTH, "C4")):
        fits.plot(x, res.arrays[f"fit__{kind}__k{k}__w{w}"], lw=1.2, color=c,
                  label=f"trained {kind}, width {w}")
    fits.set(xlabel="x", ylabel="net output",
             title=f"fits of $g_{k}$ (replicate {res.seeds[0]}, seed 0)")
    plots.legend_below(top, [axes[1]], ncol=3)
    plots.legend(fits)
    needed = "; ".join(f"k = {k}: " + "/".join("–" if np.isnan(v) else f"{v:g}" for v in
                                              res.metrics[f"shallow_needed_width__k{k}"])
                       for k in cfg.fit_ks)
    return Figure("separation", "Fitting the depth-k sawtooth (exact sup errors; every net of "
                  "every replicate). Every shallow net left of its dashed line (width < $2^k-1$) "
                  r"sits at sup error ≥ 1/2, as the crossing argument forces. Smallest trained "
                  f"width beating 1/2, per replicate (–: none up to {cfg.shallow_widths[-1]}): "
                  f"{needed}. Trained deep narrow nets (depth {int(deep['depth'].iloc[0])}, "
                  f"width {DEEP_WIDTH}, {int(deep['n_params'].iloc[0])} parameters) reach at best "
                  f"{deep['sup'].min():.3g}, where the construction is exact with 6k + 1: depth's "
                  "advantage is in what can be expressed, not in what gradient descent finds.", fig,
                  claims=("shallow_floor",))


def _regions_figure(res, cfg: Config) -> Figure:
    df, N, lr = res.tables["regions"], cfg.neurons, res.tables["line_regions"]
    fig, _, ((ax, ax2), maps) = plots.rows(2, 4, height_ratios=(1.35, 1))
    per = lr.groupby(["replicate", "depth", "neurons"], as_index=False)["regions"].mean()
    for L, d in per.assign(ratio=per["regions"] / (per["neurons"] + 1)).groupby("depth"):
        plots.band(ax, d, "neurons", "ratio", label=f"L = {L}", ms=4)
    ax.axhspan(1 - REGION_BAND, 1 + REGION_BAND, color="0.9", zorder=0)
    ax.axhline(1.0, color="k", lw=0.8, ls="--")
    plots.log_axis(ax, cfg.neuron_counts, base=2)
    ax.set(xlabel="neurons N", ylabel="mean regions / (N + 1)", ylim=(0.7, 1.55),
           title="whole line, depth L; grey: ±25 %,\ndashed: N + 1 (theory)")
    plots.legend(ax, "upper center", ncol=4, handlelength=1.2, columnspacing=0.8)
    b = df[df["setting"] == LINE].groupby("depth", as_index=False)["regions"].mean()
    b["serra_upper"] = [symbolic.deep_region_upper_bound(1, [N // L] * L) for L in b["depth"]]
    b["montufar_attained"] = [symbolic.deep_region_lower_bound(1, N // L, L) for L in b["depth"]]
    b["doubling"] = (N + 1) * 2.0 ** (b["depth"] - 1)
    plots.log_curves([ax2], b.astype(float), "depth", [(
            [("serra_upper", "v-", "upper bound (Serra)"),
             ("montufar_attained", "^-", "attainable (Montúfar)"),
             ("doubling", ":", "$(N+1)\\,2^{L-1}$"), ("regions", "ko-", "measured mean")],
            "depth L (width N / L)", "regions on the line",
            f"fixed N = {N}: the maximum grows\nwith depth, the typical count does not",
            "upper left", 1e12)])
    for name, ax in zip(sorted(n for n in res.arrays if n.startswith("map_")), maps,
                        strict=False):
        labels, L = res.arrays[name], name[9:]
        (lo, hi), n = (0, 1) if name == "map_sawtooth" else (-3, 3), int(labels.max()) + 1
        perm = np.random.default_rng(0).permutation(n)  # neighbours get unrelated colours
        ax.imshow(perm[labels], cmap="tab20", origin="lower", extent=(lo, hi, lo, hi),
                  interpolation="nearest")
        ax.set(xticks=(lo, hi), yticks=(lo, hi), title=f"$g_3(x_1)$: {n} regions" if name ==
               "map_sawtooth" else f"depth {L}, width {N // int(L)}:\n{n} regions")
    m, r = res.metrics.median(numeric_only=True), res.metrics
    return Figure(
        "regions_at_init", f"Regions at He initialisation (exact counts, {cfg.init_seeds} nets "
        f"per setting and replicate, {len(res.seeds)} replicates). Top left: the mean count along "
        "the whole line stays at N + 1 (grey: ±25 %) at every N and depth, i.e. linear in N "
        "(Hanin & Rolnick 2019; Kogan et al. 2025; line: median, band: range over replicates); "
        f"worst log-log slopes {r['line_regions_worst_slope'].min():.3f}–"
        f"{r['line_regions_worst_slope'].max():.3f}. Top right: at fixed N the maximum attainable "
        f"grows exponentially with depth, the mean does not (on {cfg.input_dim}-D Gaussian "
        f"segments: {m.filter(like='segment_regions_per').min():.2f}–"
        f"{m.filter(like='segment_regions_per').max():.2f} N). The batched count ran at "
        f"{m['init_lines'] / m['init_seconds']:.0f} lines/s (compilation included); one "
        f"exact count took {m['exact_ms_per_count']:.1f} ms against "
        f"{m['sampled_s_per_count']:.2f} s for {cfg.sampling_points} samples, with "
        f"{r['sampling_mismatches'].sum():.0f} disagreements in all. Bottom: regions on a 2-D "
        f"input plane (replicate {res.seeds[0]}) and of the sawtooth on a {MAP_RESOLUTION}² "
        "grid (a lower bound: thinner regions are missed).", fig,
        claims=("regions_linear_in_neurons", "regions_per_neuron_near_one", "exact_vs_sampling"))


def _trajectory_figure(res, cfg: Config) -> Figure:
    traj, g = res.tables["trajectory"], res.tables["growth"]
    fig, axes = plt.subplot_mosaic("tr;gg", figsize=(7.0, 4.0), layout="constrained")
    for act, c, b in (("tanh", "tab:blue", 0.0), ("relu", "tab:red", B_STD)):
        sns.lineplot(data=traj[traj["activation"] == act], x="layer", y="length", hue="sigma_w2",
                     ax=axes[act[0]], palette="viridis", errorbar=("pi", 100), legend="full")
        axes[act[0]].set(yscale="log", title=f"{act}: length of the image of a circle",
                         xlabel="layer l", ylabel="trajectory length")
        plots.legend(axes[act[0]], title="σ_w²")
        gg, pr = g[g["activation"] == act], g[g["activation"] == act].drop_duplicates("sigma_w2")
        axes["g"].plot(gg["sigma_w2"], gg["growth"], "o", color=c, ms=3, alpha=0.4,
                       label=f"{act}, measured")
        axes["g"].plot(pr["sigma_w2"], pr["predicted"], "kx", ms=6,
                       label="mean field at $q_l$" if act == "tanh" else None)
        sgrid = np.linspace(0.3, max(float(gg["sigma_w2"].max()), 4.0), 80)
        axes["g"].plot(sgrid, [np.sqrt(ex.mean_field_chi(act, float(v), b**2)[1]) for v in sgrid],
                       color=c, lw=1.2, label=f"{act}, $\\sqrt{{\\chi_1}}$ at $q^*$")
        axes["g"].axvline(gg["critical"].iloc[0], color=c, ls="--", lw=1)
    axes["g"].axhline(1.0, color="k", lw=1)
    axes["g"].set(xlabel="weight variance σ_w²", ylabel="growth factor per layer",
                  title="order (< 1) and chaos (> 1); dashed: critical σ_w²")
    plots.legend(axes["g"])
    w = res.metrics["trajectory_worst_ratio"]
    return Figure("trajectory_length", "Trajectory length (Raghu et al. 2017) of a circle through "
                  f"width-{cfg.traj_width} nets, from exact tangents: it grows exponentially with "
                  r"depth only above the critical $\sigma_w^2$ (1 for tanh at $\sigma_b=0$, 2 for "
                  f"ReLU). The per-layer factor (layers {TRAJ_SKIP}…{cfg.traj_depth}; mean over "
                  f"nets) is {w.min():.3f}–{w.max():.3f} of the mean field along depth (×) at the "
                  r"worst $\sigma_w^2$; $\sqrt{\chi_1}$ at the fixed point (lines) holds only "
                  "where $q_l$ has converged.", fig,
                  claims=("trajectory_growth_mean_field", "trajectory_order_chaos"))


def _training_figure(res, cfg: Config) -> Figure:
    N, cols = cfg.train_width * TRAIN_DEPTH, {
        f"{w}_{t}": f"{dict(segment='[−1, 1]', whole='whole line')[w]}, {t}"
        for w in ("segment", "whole") for t in ("before", "after")}
    long = res.tables["training"].rename(columns=cols).melt(id_vars=["replicate", "seed"],
        value_vars=list(cols.values()), var_name="count", value_name="regions")
    fig, ax = plt.subplots(figsize=(7.0, 3.0), layout="constrained")
    sns.stripplot(data=long, x="count", y="regions", hue="replicate", ax=ax, size=4)
    sns.pointplot(data=long, x="count", y="regions", estimator="mean", errorbar=None, ax=ax,
                  color="k", marker="_", markersize=16, linestyle="none", label="mean")
    ax.axhline(N + 1, color="k", ls="--", lw=1)
    ax.set(xlabel="", ylabel="regions (exact count)", title=f"N = {N} neurons; dashed: N + 1")
    plots.legend(ax, title="replicate")
    c = res.metrics["train_regions_worst_change"]
    return Figure("training", f"Training a depth-{TRAIN_DEPTH}, width-{cfg.train_width} ReLU "
                  f"net on {TRAIN_TARGET}(πx) ({cfg.seeds} seeds per replicate, Adam): exact "
                  "regions along [−1, 1] and the whole line before and after. The mean changes "
                  f"by a factor {c.min():.2f}–{c.max():.2f} at most (Hanin & Rolnick 2019: "
                  "roughly constant in training).", fig,
                  claims=("regions_after_training",))


def _yarotsky_figure(res) -> Figure:
    df, a, t = res.tables["yarotsky"].drop_duplicates("m"), res.arrays, np.linspace(0, 1, 401)
    fig, axes = plt.subplots(1, 3, figsize=(7.0, 2.6), layout="constrained")
    axes[0].plot(t, t**2, color="k", lw=2, label="$x^2$")
    for m in [m for m in (1, 2, 3) if f"yarotsky_f{m}" in a]:
        line = axes[0].plot(t, a[f"yarotsky_f{m}"], lw=1, label=f"$f_{m}$")
        axes[0].plot(t, 10 * (a[f"yarotsky_f{m}"] - t**2), ":", lw=1, color=line[0].get_color())
    axes[0].set(xlabel="x", ylabel="$f_m(x)$", ylim=(-0.05, 1.5), yticks=(0, 0.5, 1),
                title="Yarotsky's $f_m$;\ndotted: $10\\,(f_m - x^2)$")
    axes[1].semilogy(df["m"], df["expected"], color="0.6", lw=4, label="$2^{-2m-2}$")
    plots.log_curves(axes[1:], df, "m", [
        ([("sup_error", "o", "net")], "depth m", "sup error on [0, 1]",
         "the error falls\n4× per layer", "lower left", None),
        ([("pieces", "o-", "pieces (exact)"), ("n_params", "s-", "parameters")],
         "depth m", "count", "$2^m$ pieces from\n$12m-2$ parameters", "upper left",
         30 * df[["pieces", "n_params"]].to_numpy().max())])
    plots.legend(axes[0], "upper center", ncol=2, handlelength=1.2, columnspacing=0.8)
    return Figure("yarotsky", "Yarotsky's width-3, depth-m ReLU approximation of $x^2$: its sup "
                  "error, computed exactly from its $2^m$ pieces, is $2^{-2m-2}$, so "
                  r"$\varepsilon$ accuracy takes $O(\log 1/\varepsilon)$ layers.", fig,
                  claims=("yarotsky_square",))


def figures(res, cfg: Config) -> list[Figure]:
    """The report's figures, drawn from stored results only."""
    return [_sawtooth_figure(res), _separation_figure(res, cfg), _regions_figure(res, cfg),
            _trajectory_figure(res, cfg), _training_figure(res, cfg), _yarotsky_figure(res)]
