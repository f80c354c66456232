"""Expressivity of deep nets: exact linear-region counts, Telgarsky's sawtooth, Yarotsky's
deep approximation of x², trajectory length, and the order–chaos mean-field quantities.

Linear regions along a line
---------------------------
A net with a piecewise-linear activation φ (ReLU, leaky ReLU, the identity) restricted to the
line x(t) = a + t (b − a) is piecewise affine in t. Layer by layer, on each interval of t where
every earlier neuron keeps its activation piece, the pre-activations of the next layer are affine,
z(t) = c + t d, so the new breakpoints are the roots t = (κ − c)/d of each neuron at each kink κ of
φ that fall strictly inside the interval. Splitting every interval at its own roots (never merging
intervals across parents) gives the exact *activation regions* along the line; merging adjacent
regions whose output slope is equal gives the *linear pieces* of the function. This is the exact
1-D version of the region counting of Serra, Tjandraatmadja & Ramalingam (2018, arXiv:1711.02114)
and of the breakpoint counts of Hanin & Rolnick (2019, arXiv:1901.09021, Sec. 3); it is computed
in float64, in jitted programs with fixed-size arrays.

* :func:`count_linear_regions` — one net, one segment (or the whole line), exact, with the
  breakpoints and the affine map on every region; arrays grow as needed (no capacity to choose).
* :func:`count_regions_batch` — many nets × many lines in one jitted, vmapped program with a fixed
  capacity; an ``overflow`` flag says where the capacity was too small (recount those with
  :func:`count_linear_regions`).
* :func:`count_regions_sampled` — the dense-sampling cross-check (activation patterns on a grid).
* :func:`region_map_2d` — regions on a planar slice, on a grid (a lower bound: see there).

Nothing here reads files or prints.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Sequence
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from nntheory import nets
from nntheory.compat.neural_tangents import permissive, stax
from nntheory.data import numpy_rng  # noqa: F401  (re-exported: studies call ex.numpy_rng)
from nntheory.nets import Net

# ---------------------------------------------------------------------------------------------
# Piecewise-linear activations and the affine layers of a net
# ---------------------------------------------------------------------------------------------

#: φ(z) = slopes[j] · z + intercepts[j] on the j-th piece, pieces separated by ``kinks``
#: (sorted). Names match :mod:`nntheory.nets` (leaky ReLU has slope 0.1 there).
PIECEWISE_LINEAR: dict[str, tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]]] = {
    "relu": ((0.0,), (0.0, 1.0), (0.0, 0.0)),
    "leaky_relu": ((0.0,), (0.1, 1.0), (0.0, 0.0)),
    "poly1": ((), (1.0,), (0.0,)),
}


def piecewise_linear(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(kinks, slopes, intercepts) of a piecewise-linear activation of :data:`PIECEWISE_LINEAR`.

    Raises:
      ValueError: the activation is not piecewise linear (naming the ones that are).
    """
    if name not in PIECEWISE_LINEAR:
        raise ValueError(
            f"activation {name!r} is not piecewise linear; allowed: {', '.join(PIECEWISE_LINEAR)}"
        )
    k, s, i = PIECEWISE_LINEAR[name]
    return np.array(k, np.float64), np.array(s, np.float64), np.array(i, np.float64)


def affine_layers(net: Net, params) -> list[tuple[jax.Array, jax.Array]]:
    """The effective affine maps (W, b) of an MLP, so that layer l computes h W + b.

    Undoes the parameterisation of :func:`nntheory.nets.mlp` ("ntk": W_eff = σ_w/√n_in · W,
    b_eff = σ_b · b; "standard": as stored). Works on stacked parameters too (leading axes are
    kept; n_in is ``W.shape[-2]``).

    Raises:
      ValueError: ``net`` is not an MLP described by ``net.info``.
    """
    info = net.info
    if "activation" not in info or "parameterization" not in info:
        raise ValueError(f"{net.name}: affine_layers needs an MLP built by nets.mlp or this module")
    dense = [p for p in params if isinstance(p, tuple | list) and len(p) == 2]
    out = []
    for i, (w, b) in enumerate(dense):
        if b is None:
            b = jnp.zeros(w.shape[:-2] + w.shape[-1:], w.dtype)
        if info["parameterization"] == "ntk":
            last = i == len(dense) - 1
            w_std = info["out_w_std"] if last else info["w_std"]
            w = w * (w_std / math.sqrt(w.shape[-2]))
            b = b * info["b_std"]
        out.append((w, b))
    return out


def sample_mlp_params(net: Net, key, n_nets: int, input_dim: int) -> list:
    """``n_nets`` parameter sets of an MLP made by :func:`nntheory.nets.mlp`, stacked on a
    leading axis like :func:`nntheory.train.init_ensemble`, with the same distribution as
    ``net.init``: "standard" W ~ N(0, σ_w²/n_in), b ~ N(0, σ_b²) (σ_w → out_w_std for the
    readout); "ntk" W, b ~ N(0, 1). Drawn with :func:`numpy_rng` (float32), so many
    architectures cost no compilation; the pytree layout is taken from ``net.init`` by
    ``jax.eval_shape`` (no computation).

    He et al. 2015 (arXiv:1502.01852) initialisation is σ_w² = 2.
    """
    info = net.info
    if info.get("kind") != "mlp":
        raise ValueError(f"{net.name}: sample_mlp_params needs a net made by nets.mlp")
    if isinstance(n_nets, bool) or not isinstance(n_nets, int) or n_nets < 1:
        raise ValueError(f"n_nets must be a positive integer, got {n_nets!r}")
    shapes = jax.eval_shape(lambda k: net.init_params(k, (input_dim,)), jax.random.PRNGKey(0))
    rng = numpy_rng(key)
    dense = [i for i, p in enumerate(shapes) if isinstance(p, tuple | list) and len(p) == 2]
    out = []
    for i, p in enumerate(shapes):
        if i not in dense:
            out.append(p)
            continue
        w_s, b_s = p
        w = rng.standard_normal((n_nets,) + tuple(w_s.shape))
        b = None if b_s is None else rng.standard_normal((n_nets,) + tuple(b_s.shape))
        if info["parameterization"] in ("standard", "mup"):  # mup: out_w_std already scaled
            w_std = info["out_w_std"] if i == dense[-1] else info["w_std"]
            w = w * (w_std / math.sqrt(w_s.shape[0]))
            b = None if b is None else b * info["b_std"]
        out.append((jnp.asarray(w, w_s.dtype), None if b is None else jnp.asarray(b, b_s.dtype)))
    return out


def _resolve(net_or_activation, params) -> tuple[list, str]:
    if isinstance(net_or_activation, Net):
        piecewise_linear(net_or_activation.info.get("activation"))  # raises for tanh, …
        return affine_layers(net_or_activation, params), net_or_activation.info["activation"]
    if isinstance(net_or_activation, str):
        return [(w, b) for w, b in params], net_or_activation
    raise ValueError(
        "the first argument must be a Net (nets.mlp, sawtooth_net, …) or the activation name "
        "of a list of (W, b) layers"
    )


def _as64(layers):
    return [(jnp.asarray(w, jnp.float64), jnp.asarray(b, jnp.float64)) for w, b in layers]


# ---------------------------------------------------------------------------------------------
# The refinement step (one hidden layer), on fixed-size arrays
# ---------------------------------------------------------------------------------------------


def _bounds(xp, bp, n, t_lo, t_hi):
    """Interval i is [lo_i, hi_i]; intervals 0..n are valid (bp holds n sorted interior points,
    padded with +inf)."""
    idx = xp.arange(bp.shape[0] + 1)
    bp_ext = xp.concatenate([bp, xp.full((1,), xp.inf, bp.dtype)])
    lo = xp.concatenate([xp.full((1,), t_lo, bp.dtype), bp])
    hi = xp.where(idx == n, t_hi, bp_ext)
    return lo, hi, idx <= n, bp_ext


def _inside_point(xp, lo, hi):
    """A point strictly inside each interval (intervals may be unbounded)."""
    lo_inf, hi_inf = xp.isinf(lo), xp.isinf(hi)
    lo0, hi0 = xp.where(lo_inf, 0.0, lo), xp.where(hi_inf, 0.0, hi)
    mid = 0.5 * (lo0 + hi0)
    mid = xp.where(lo_inf & ~hi_inf, hi0 - 1.0, mid)
    mid = xp.where(hi_inf & ~lo_inf, lo0 + 1.0, mid)
    return xp.where(lo_inf & hi_inf, 0.0, mid)


def _scatter(xp, arr, pos, vals):
    """arr[pos] = vals, dropping positions past the end."""
    if xp is np:
        ok = pos < arr.shape[0]
        arr[pos[ok]] = vals[ok]
        return arr
    return arr.at[pos].set(vals, mode="drop")


def _refine(xp, bp, n, c, d, w, b, kinks, slopes, intercepts, t_lo, t_hi, cap_out):
    """Split every interval at the roots of the layer (w, b) inside it; return the new
    breakpoints, their count, and the post-activation coefficients h = c' + t d' per interval.

    One algorithm for two array modules: numpy (``xp=np``, exact sizes, no compilation) and
    jax.numpy (``xp=jnp``, fixed sizes, jitted and vmapped).

    bp: (P,) sorted breakpoints (+inf padded), n: how many are real; c, d: (P+1, n_in).
    Returns (bp' (cap_out,), n', c' (cap_out+1, n_out), d', overflow). With numpy,
    ``cap_out=None`` sizes the new arrays to the exact count (never overflows).
    """
    P1 = bp.shape[0] + 1
    lo, hi, valid, bp_ext = _bounds(xp, bp, n, t_lo, t_hi)
    zc, zd = c @ w + b[None, :], d @ w  # (P+1, m)
    m, K = w.shape[1], kinks.shape[0]
    if K:
        safe = xp.where(zd == 0, 1.0, zd)
        r = (kinks[None, None, :] - zc[..., None]) / safe[..., None]
        inside = (valid[:, None, None] & (zd != 0)[..., None]
                  & (r > lo[:, None, None]) & (r < hi[:, None, None]))
        r = xp.where(inside, r, xp.inf).reshape(P1, m * K)
        ok = inside.reshape(P1, m * K)
        # where several neurons switch at the same t it is one breakpoint: keep one root
        if xp is np:  # sort, drop repeats, rank = order among the kept ones
            r = np.sort(r, axis=1)
            ok = np.isfinite(r)
            ok[:, 1:] &= r[:, 1:] != r[:, :-1]
            rank = np.cumsum(ok, axis=1) - 1
        else:  # no sort: rank by comparisons (faster for XLA on CPU at these sizes)
            jj = xp.arange(m * K)
            same = ((r[:, :, None] == r[:, None, :]) & ok[:, None, :]
                    & (jj[None, None, :] < jj[None, :, None]))
            ok = ok & ~xp.any(same, axis=2)
            rank = xp.sum(ok[:, None, :] & (r[:, None, :] < r[:, :, None]), axis=2)
        cnt = ok.sum(axis=1)
    else:
        r = xp.full((P1, 0), xp.inf, bp.dtype)
        ok = xp.zeros((P1, 0), bool)
        rank = xp.zeros((P1, 0), xp.int32)
        cnt = xp.zeros((P1,), xp.int32)
    cnt = xp.where(valid, cnt, 0)
    size = cnt + 1
    base = xp.cumsum(size) - size  # the first new interval of each parent
    new_n = n + xp.sum(cnt)
    if cap_out is None:  # numpy: exactly as many breakpoints as there are
        cap_out = int(new_n)
    pos_r = xp.where(ok, base[:, None] + rank, cap_out)
    idx = xp.arange(P1)
    pos_old = xp.where(idx < n, base + cnt, cap_out)
    new_bp = xp.full((cap_out,), xp.inf, bp.dtype)
    new_bp = _scatter(xp, new_bp, pos_r.reshape(-1), r.reshape(-1))
    new_bp = _scatter(xp, new_bp, pos_old, bp_ext)
    overflow = new_n > cap_out
    new_n = xp.minimum(new_n, cap_out)
    # each new interval inherits the affine pre-activation of its parent; its piece of φ is read
    # at a point strictly inside it
    first = _scatter(xp, xp.zeros((cap_out + 1,), idx.dtype), xp.where(valid, base, cap_out + 1),
                     idx)
    parent = np.maximum.accumulate(first) if xp is np else jax.lax.cummax(first)
    nlo, nhi, nvalid, _ = _bounds(xp, new_bp, new_n, t_lo, t_hi)
    t = _inside_point(xp, nlo, nhi)
    pc, pd = zc[parent], zd[parent]
    z = pc + t[:, None] * pd
    piece = (xp.sum(z[..., None] > kinks[None, None, :], axis=-1) if K
             else xp.zeros(z.shape, xp.int32))
    s, i0 = slopes[piece], intercepts[piece]
    keep = nvalid[:, None]
    return (new_bp, new_n, xp.where(keep, s * pc + i0, 0.0), xp.where(keep, s * pd, 0.0),
            overflow)


def _n_pieces(xp, slope, n, rtol):
    """1 + the number of adjacent valid regions whose output slopes differ (relative rtol)."""
    a, bb = slope[:-1], slope[1:]
    scale = xp.maximum(xp.max(xp.abs(a), -1), xp.max(xp.abs(bb), -1))
    differ = xp.max(xp.abs(a - bb), -1) > rtol * scale
    return 1 + xp.sum(differ & (xp.arange(a.shape[0]) < n))


# ---------------------------------------------------------------------------------------------
# Exact counts: one net, one line
# ---------------------------------------------------------------------------------------------


class LinearRegions(NamedTuple):
    """The exact regions of a piecewise-linear net along x(t) = start + t (end − start).

    Attributes:
      n_regions: activation regions (intervals of t on which every neuron keeps its piece).
      breakpoints: (n_regions − 1,) sorted t where some neuron changes piece.
      n_pieces: maximal intervals on which the output is affine (<= n_regions; they differ where
        a neuron's kink is invisible at the output, e.g. behind dead units).
      kinks: (n_pieces − 1,) the breakpoints at which the output's slope changes.
      intercept, slope: (n_regions, out) the output is intercept + t · slope on each region.
      t_range: (t_lo, t_hi): (0, 1) for the segment, (−inf, inf) for the whole line.
    """

    n_regions: int
    breakpoints: np.ndarray
    n_pieces: int
    kinks: np.ndarray
    intercept: np.ndarray
    slope: np.ndarray
    t_range: tuple[float, float]

    def __call__(self, t) -> np.ndarray:
        """The output at parameters t (exact evaluation from the pieces), shape (len(t), out)."""
        t = np.asarray(t, np.float64)
        i = np.searchsorted(self.breakpoints, t, side="right")
        return self.intercept[i] + t[:, None] * self.slope[i]


def count_linear_regions(net_or_activation, params, start, end, *, whole_line: bool = False,
                         rtol: float = 1e-9) -> LinearRegions:
    """The exact linear regions of a piecewise-linear MLP along the segment from start to end.

    With x(t) = start + t (end − start), t ∈ [0, 1] (or t ∈ ℝ with ``whole_line``), each hidden
    layer's pre-activations are affine on each current interval, z(t) = c + t d; the interval is
    split at the roots t* = (κ − c)/d, κ a kink of φ, that lie strictly inside it. Regions are
    never merged across parents (merging equal last-layer masks undercounts). Computed in float64
    with numpy, layer by layer, on arrays sized to the exact count (no compilation; for many nets
    at once use :func:`count_regions_batch`).

    Args:
      net_or_activation: a :class:`~nntheory.nets.Net` made by :func:`nntheory.nets.mlp` (ReLU,
        leaky ReLU or poly1) or by :func:`sawtooth_net` / :func:`yarotsky_square_net`, with
        ``params`` its parameters; or an activation name, with ``params`` a list of effective
        (W, b) layers (the last one linear).
      start, end: points of the input space, shape (d,).

    Returns:
      :class:`LinearRegions`. References: Serra et al. 2018 (arXiv:1711.02114, Sec. 3, regions as
      activation patterns); Hanin & Rolnick 2019 (arXiv:1901.09021, Sec. 3, breakpoints along a
      line).
    """
    layers, act = _resolve(net_or_activation, params)
    kinks, slopes, intercepts = piecewise_linear(act)
    layers = [(np.asarray(w, np.float64), np.asarray(b, np.float64)) for w, b in layers]
    a = np.asarray(start, np.float64).reshape(-1)
    e = np.asarray(end, np.float64).reshape(-1)
    if a.shape != e.shape or a.shape[0] != layers[0][0].shape[0]:
        raise ValueError(f"start and end must be points of the input space "
                         f"(width {layers[0][0].shape[0]}), got {a.shape} and {e.shape}")
    t_lo, t_hi = (-np.inf, np.inf) if whole_line else (0.0, 1.0)
    n, bp = 0, np.zeros(0)
    c, d = a[None, :], (e - a)[None, :]
    for w, b in layers[:-1]:  # arrays sized to the exact count of each layer
        bp, n, c, d, _ = _refine(np, bp, n, c, d, w, b, kinks, slopes, intercepts, t_lo, t_hi,
                                 None)
        n = int(n)
    w, b = layers[-1]
    icpt, slope = c @ w + b[None, :], d @ w
    n_pieces = int(_n_pieces(np, slope, n, rtol))
    ds = np.abs(slope[1:] - slope[:-1]).max(-1, initial=0.0)
    scale = np.maximum(np.abs(slope[1:]).max(-1, initial=0.0),
                       np.abs(slope[:-1]).max(-1, initial=0.0))
    kinks_t = bp[ds > rtol * scale]
    return LinearRegions(n + 1, bp, n_pieces, kinks_t, icpt, slope, (t_lo, t_hi))


# ---------------------------------------------------------------------------------------------
# Exact counts: many nets × many lines, one jitted program
# ---------------------------------------------------------------------------------------------


class StackedNets(NamedTuple):
    """Many MLPs of possibly different widths and depths as one set of padded arrays (B nets).

    Hidden layers 2 … L are stacked on an axis of length L − 1 and zero-padded to a common
    width; ``active`` (B, L − 1) is False for the layers a shallower net lacks (they are
    skipped). A zero-padded unit has no kink and outputs 0, so padding changes no count.
    """

    w_in: np.ndarray  # (B, d, w)
    b_in: np.ndarray  # (B, w)
    w_hidden: np.ndarray  # (B, L - 1, w, w)
    b_hidden: np.ndarray  # (B, L - 1, w)
    active: np.ndarray  # (B, L - 1) bool
    w_out: np.ndarray  # (B, w, out)
    b_out: np.ndarray  # (B, out)


def stack_nets(groups: Sequence[Sequence[tuple]]) -> StackedNets:
    """Pad and stack groups of nets into :class:`StackedNets`.

    Each group is a list of effective (W, b) layers with a leading net axis (e.g.
    :func:`affine_layers` of an ensemble); groups may differ in width and depth but not in
    input or output width.
    """
    groups = [[(np.asarray(w, np.float64), np.asarray(b, np.float64)) for w, b in g]
              for g in groups]
    if not groups or any(len(g) < 2 for g in groups):
        raise ValueError("every group needs at least one hidden layer and a readout")
    d, out = groups[0][0][0].shape[-2], groups[0][-1][0].shape[-1]
    if any(g[0][0].shape[-2] != d or g[-1][0].shape[-1] != out for g in groups):
        raise ValueError("all groups must share the input and the output width")
    width = max(w.shape[-1] for g in groups for w, _ in g[:-1])
    depth = max(len(g) - 1 for g in groups)
    parts = []
    for g in groups:
        B = g[0][0].shape[0]
        w_in = np.zeros((B, d, width))
        b_in = np.zeros((B, width))
        w_in[:, :, : g[0][0].shape[-1]] = g[0][0]
        b_in[:, : g[0][1].shape[-1]] = g[0][1]
        w_h = np.zeros((B, depth - 1, width, width))
        b_h = np.zeros((B, depth - 1, width))
        act = np.zeros((B, depth - 1), bool)
        for i, (w, b) in enumerate(g[1:-1]):
            w_h[:, i, : w.shape[-2], : w.shape[-1]] = w
            b_h[:, i, : b.shape[-1]] = b
            act[:, i] = True
        w_out = np.zeros((B, width, out))
        w_out[:, : g[-1][0].shape[-2]] = g[-1][0]
        parts.append(StackedNets(w_in, b_in, w_h, b_h, act, w_out, g[-1][1]))
    return StackedNets(*(np.concatenate(x) for x in zip(*parts, strict=True)))


#: Memory one vmapped slice of :func:`count_regions_batch` may use, roughly (bytes).
BATCH_BYTES = 2**30


class RegionCounts(NamedTuple):
    """Counts from :func:`count_regions_batch`, each of shape (nets, lines).

    ``overflow`` marks lines whose breakpoints exceeded the capacity: their counts are wrong
    (too small) and must be recounted with :func:`count_linear_regions`."""

    n_regions: np.ndarray
    n_pieces: np.ndarray
    overflow: np.ndarray


def _count_stacked(net: StackedNets, start, end, kinks, slopes, intercepts, t_lo, t_hi,
                   capacity, rtol):
    """Exact counts of one padded net along one line (fixed capacity)."""
    bp = jnp.full((capacity,), jnp.inf, start.dtype)
    c = jnp.zeros((capacity + 1, start.shape[0]), start.dtype).at[0].set(start)
    d = jnp.zeros((capacity + 1, start.shape[0]), start.dtype).at[0].set(end - start)
    tab = (kinks, slopes, intercepts, t_lo, t_hi, capacity)
    state = _refine(jnp, bp, jnp.zeros((), jnp.int32), c, d, net.w_in, net.b_in, *tab)

    def layer(state, x):
        w, b, active = x
        new = _refine(jnp, *state[:4], w, b, *tab)
        new = new[:4] + (state[4] | new[4],)
        return jax.tree_util.tree_map(lambda a, o: jnp.where(active, a, o), new, state), None

    state, _ = jax.lax.scan(layer, state, (net.w_hidden, net.b_hidden, net.active))
    _, n, _, d, over = state
    return n + 1, _n_pieces(jnp, d @ net.w_out, n, rtol), over


@functools.partial(jax.jit, static_argnames=("capacity", "rtol", "batch_size"))
def _batch_program(net, starts, ends, whole, kinks, slopes, intercepts, *, capacity, rtol,
                   batch_size):
    def per_net(x):
        one, s, e, w = x

        def f(si, ei, wi):
            t_lo, t_hi = jnp.where(wi, -jnp.inf, 0.0), jnp.where(wi, jnp.inf, 1.0)
            return _count_stacked(one, si, ei, kinks, slopes, intercepts, t_lo, t_hi, capacity,
                                  rtol)

        return jax.vmap(f)(s, e, w)

    return jax.lax.map(per_net, (net, starts, ends, whole), batch_size=batch_size)


def count_regions_batch(net_or_activation, params, starts, ends, *, capacity: int,
                        whole_line=False, batch_size: int | None = None,
                        rtol: float = 1e-9) -> RegionCounts:
    """Exact region counts of B nets along M lines each, in one jitted, vmapped float64 program.

    The algorithm of :func:`count_linear_regions` on arrays of a fixed ``capacity`` (the most
    breakpoints a line may have), scanning over the layers; lines that need more are flagged in
    ``overflow``. Nets of different widths and depths run in the same program once padded by
    :func:`stack_nets`.

    Args:
      net_or_activation, params: a Net and its stacked parameters (leading net axis B, e.g.
        from :func:`nntheory.train.init_ensemble`); or an activation name and either a
        :class:`StackedNets` or a list of stacked effective (W, b) layers.
      starts, ends: (B, M, d) the lines of each net.
      whole_line: a bool, or a (B, M) bool array, per line: count over t ∈ ℝ instead of the
        segment t ∈ [0, 1].
      batch_size: nets per vmapped slice (``jax.lax.map``). By default one at a time on CPU
        (measured fastest there) and, on accelerators, as many as keep the comparisons of one
        slice under :data:`BATCH_BYTES`.
    """
    if isinstance(net_or_activation, str) and isinstance(params, StackedNets):
        net, act = params, net_or_activation
    else:
        layers, act = _resolve(net_or_activation, params)
        net = stack_nets([layers])
    tables = piecewise_linear(act)
    if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
        raise ValueError(f"capacity must be a positive integer, got {capacity!r}")
    starts, ends = np.asarray(starts, np.float64), np.asarray(ends, np.float64)
    B = net.w_in.shape[0]
    if starts.shape != ends.shape or starts.shape[:1] != (B,) or starts.ndim != 3:
        raise ValueError(f"starts and ends must both have shape ({B}, lines, "
                         f"{net.w_in.shape[1]}), got {starts.shape} and {ends.shape}")
    whole = np.broadcast_to(np.asarray(whole_line, bool), starts.shape[:2])
    if batch_size is None and jax.default_backend() != "cpu":
        # vmap over as many nets as keep the rank step's (capacity + 1) × (w K)² comparisons
        # per line under BATCH_BYTES; on CPU a scan over nets is faster (XLA's CPU scatters do
        # not vectorise across nets), so there the nets go one at a time, lines vmapped
        width = net.w_in.shape[-1] * max(1, len(tables[0]))
        per_net = starts.shape[1] * (capacity + 1) * width**2 * 8
        batch_size = int(max(1, min(B, BATCH_BYTES // per_net)))
    with jax.enable_x64(True):
        out = _batch_program(
            jax.tree_util.tree_map(jnp.asarray, net), jnp.asarray(starts), jnp.asarray(ends),
            jnp.asarray(whole), *(jnp.asarray(x) for x in tables), capacity=capacity,
            rtol=float(rtol), batch_size=batch_size)
        n_reg, n_pc, over = (np.asarray(x) for x in out)
    return RegionCounts(n_reg, n_pc, over)


# ---------------------------------------------------------------------------------------------
# Cross-checks and figures: dense sampling, planar slices
# ---------------------------------------------------------------------------------------------


def activation_pattern(layers, activation: str, x) -> jax.Array:
    """The piece index of φ at every hidden neuron, (n, total hidden neurons) int8, for inputs
    x (n, d) of a net given by its effective (W, b) layers."""
    kinks = jnp.asarray(piecewise_linear(activation)[0], x.dtype)
    _, slopes, intercepts = (jnp.asarray(v, x.dtype) for v in piecewise_linear(activation))
    h, pats = x, []
    for w, b in layers[:-1]:
        z = h @ w + b[None, :]
        piece = jnp.sum(z[..., None] > kinks[None, None, :], axis=-1)
        pats.append(piece.astype(jnp.int8))
        h = slopes[piece] * z + intercepts[piece]
    return jnp.concatenate(pats, axis=-1)


def count_regions_sampled(net_or_activation, params, start, end, n_samples: int, *,
                          chunk: int = 65536, method: str = "flips") -> int:
    """Regions along the segment counted by dense sampling (the slow cross-check).

    At t_i = i/(n−1) the activation pattern is computed. ``method="flips"`` counts
    1 + Σ_i Σ_neurons [pattern changes between t_i and t_{i+1}] (Hamming distance), so two
    different neurons switching inside one cell count twice, as they should; it undercounts only
    when one neuron switches twice inside a cell. ``method="changes"`` counts the pieces a
    sampler sees, 1 + Σ_i [pattern_i ≠ pattern_{i+1}], and undercounts whenever two breakpoints
    share a cell, so it needs a spacing below the smallest gap between breakpoints. Refine
    ``n_samples`` until the count agrees with :func:`count_linear_regions`. Evaluated in float64,
    ``chunk`` points at a time.
    """
    layers, act = _resolve(net_or_activation, params)
    if n_samples < 2:
        raise ValueError(f"n_samples must be at least 2, got {n_samples}")
    if method not in ("flips", "changes"):
        raise ValueError(f"method must be 'flips' or 'changes', got {method!r}")
    with jax.enable_x64(True):
        flips = _sampled_flips(_as64(layers), jnp.asarray(start, jnp.float64).reshape(-1),
                               jnp.asarray(end, jnp.float64).reshape(-1), act=act,
                               n_samples=int(n_samples), chunk=int(chunk),
                               hamming=method == "flips")
        return 1 + int(flips)


@functools.partial(jax.jit, static_argnames=("act", "n_samples", "chunk", "hamming"))
def _sampled_flips(layers, a, e, *, act, n_samples, chunk, hamming=True):
    """Σ over consecutive samples of the Hamming distance of their activation patterns (or,
    with ``hamming=False``, of [the patterns differ])."""
    def flips(i):
        idx = i * chunk + jnp.arange(chunk + 1)
        t = jnp.minimum(idx, n_samples - 1) / (n_samples - 1)
        pat = activation_pattern(layers, act, a[None, :] + t[:, None] * (e - a)[None, :])
        diff = pat[1:] != pat[:-1]
        return jnp.sum(diff) if hamming else jnp.sum(jnp.any(diff, axis=-1))

    n_chunks = -(-(n_samples - 1) // chunk)
    return jnp.sum(jax.lax.map(flips, jnp.arange(n_chunks)))


def region_map_2d(net_or_activation, params, origin, u, v, *, extent: float = 1.0,
                  resolution: int = 256) -> tuple[np.ndarray, int]:
    """Activation regions on the planar slice x = origin + α u + β v, α, β ∈ [−extent, extent],
    on a ``resolution`` × ``resolution`` grid.

    Every activation region of a piecewise-linear net is convex (a fixed pattern makes the net
    affine and each neuron's piece a half-space), so each distinct pattern on the grid is one
    connected region: the count is exact except for regions that no grid point hits, i.e. it is
    a lower bound that converges as the grid is refined. Returns (labels (res, res) int, count).
    """
    layers, act = _resolve(net_or_activation, params)
    with jax.enable_x64(True):
        layers = _as64(layers)
        ax = jnp.linspace(-extent, extent, resolution)
        aa, bb = jnp.meshgrid(ax, ax, indexing="xy")
        o, uu, vv = (jnp.asarray(z, jnp.float64).reshape(-1) for z in (origin, u, v))
        x = o[None, :] + aa.reshape(-1, 1) * uu[None, :] + bb.reshape(-1, 1) * vv[None, :]
        pat = np.asarray(jax.jit(lambda x: activation_pattern(layers, act, x))(x))
    if pat.max(initial=0) > 1:  # more than two pieces of φ: keep the raw pattern
        packed = np.ascontiguousarray(pat)
    else:
        packed = np.ascontiguousarray(np.packbits(pat.astype(np.uint8), axis=1))
    rows = packed.view(np.dtype((np.void, packed.dtype.itemsize * packed.shape[1])))[:, 0]
    _, labels = np.unique(rows, return_inverse=True)
    labels = labels.reshape(resolution, resolution)
    return labels, int(labels.max() + 1)


# ---------------------------------------------------------------------------------------------
# Constructions: Telgarsky's sawtooth, Yarotsky's x²
# ---------------------------------------------------------------------------------------------


def _fixed_net(layers: Sequence[tuple[np.ndarray, np.ndarray]], name: str, info: dict) -> Net:
    """A ReLU net with fixed parameters, built from stax (standard parameterisation)."""
    stax_layers = []
    for i, (w, _) in enumerate(layers):
        stax_layers.append(stax.Dense(w.shape[1], 1.0, 1.0, parameterization="standard"))
        if i < len(layers) - 1:
            stax_layers.append(stax.Relu())
    apply_fn = permissive(stax.serial(*stax_layers)[1])
    params = []
    for i, (w, b) in enumerate(layers):
        params.append((jnp.asarray(w, jnp.float32), jnp.asarray(b, jnp.float32)))
        if i < len(layers) - 1:
            params.append(())

    n_in, n_out = layers[0][0].shape[0], layers[-1][0].shape[1]

    def init(key, input_shape):
        if input_shape[-1] != n_in:
            raise ValueError(f"{name} takes inputs of width {n_in}, got shape {input_shape}")
        return tuple(input_shape[:-1]) + (n_out,), params

    info = dict(info, kind="fixed", activation="relu", parameterization="standard",
                n_params=int(sum(w.size + b.size for w, b in layers)))
    return Net(init, apply_fn, None, name, info)


def tent_layers(k: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The effective (W, b) layers of :func:`sawtooth_net` (float64)."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    first = (np.array([[1.0, 1.0]]), np.array([0.0, -0.5]))
    mid = (np.array([[2.0, 2.0], [-4.0, -4.0]]), np.array([0.0, -0.5]))
    out = (np.array([[2.0], [-4.0]]), np.array([0.0]))
    return [first] + [mid] * (k - 1) + [out]


def sawtooth_net(k: int) -> Net:
    """Telgarsky's sawtooth: a width-2, depth-k ReLU net computing the k-fold tent map on [0, 1].

    The tent map T(x) = 2 relu(x) − 4 relu(x − ½) is 2x on [0, ½] and 2 − 2x on [½, 1]; its
    k-fold composition g_k = T∘…∘T has 2^k affine pieces of slope ±2^k and 2^(k−1) teeth.
    Each layer holds relu(y), relu(y − ½) of the previous output y, which the next layer reads
    as 2·relu(y) − 4·relu(y − ½). ``net.init`` returns the fixed parameters (6k + 1 numbers),
    whatever the key; ``net.kernel`` is None.

    References: Telgarsky 2016, "Benefits of depth in neural networks" (arXiv:1602.04485),
    Sec. 2 (the tent/sawtooth construction) and Theorem 1.1.
    """
    return _fixed_net(tent_layers(k), f"sawtooth[k={k}]", dict(depth=k, width=2))


def sawtooth(k: int, x) -> np.ndarray:
    """g_k(x): the k-fold tent map T(x) = 2 min(x, 1 − x) on [0, 1], in float64 (exact at dyadic
    points)."""
    y = np.asarray(x, np.float64)
    for _ in range(k):
        y = 2.0 * np.minimum(y, 1.0 - y)
    return y


def yarotsky_layers(m: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The effective (W, b) layers of :func:`yarotsky_square_net` (float64)."""
    if isinstance(m, bool) or not isinstance(m, int) or m < 1:
        raise ValueError(f"m must be a positive integer, got {m!r}")
    # hidden units of layer s: relu(g), relu(g − ½), relu(acc), where g = g_{s−1}, acc = f_{s−1}
    # and g_s = 2 relu(g) − 4 relu(g − ½), f_s = acc − g_s / 4^s (all non-negative on [0, 1]).
    layers = [(np.array([[1.0, 1.0, 1.0]]), np.array([0.0, -0.5, 0.0]))]
    for s in range(1, m):
        a = 4.0 ** -s
        w = np.array([[2.0, 2.0, -2.0 * a], [-4.0, -4.0, 4.0 * a], [0.0, 0.0, 1.0]])
        layers.append((w, np.array([0.0, -0.5, 0.0])))
    a = 4.0 ** -m
    layers.append((np.array([[-2.0 * a], [4.0 * a], [1.0]]), np.array([0.0])))
    return layers


def yarotsky_square_net(m: int) -> Net:
    """Yarotsky's deep ReLU approximation of x² on [0, 1]: f_m(x) = x − Σ_{s=1}^m g_s(x)/4^s.

    f_m is the piecewise-linear interpolant of x² at the 2^m + 1 points j/2^m, so
    ``sup_{[0,1]} |f_m(x) − x²| = 2^(−2m−2)``. The net has width 3 and depth m (m hidden
    layers).

    References: Yarotsky 2017, "Error bounds for approximations with deep ReLU networks",
    Neural Networks 94 (arXiv:1610.01145), Proposition 2 and Fig. 2.
    """
    return _fixed_net(yarotsky_layers(m), f"yarotsky_x2[m={m}]", dict(depth=m, width=3))


def sup_error_vs_square(regions: LinearRegions) -> float:
    """sup over the segment of ``|f(t) − t²|`` for a 1-D net f on [0, 1] given by its exact
    pieces.

    On a piece [l, h] with f = α + β t, e(t) = α + β t − t² is concave: its maximum is at
    clip(β/2, l, h) and its minimum at an end, so the sup is exact up to float64 rounding.
    """
    lo = np.concatenate([[regions.t_range[0]], regions.breakpoints])
    hi = np.concatenate([regions.breakpoints, [regions.t_range[1]]])
    if not (np.isfinite(lo[0]) and np.isfinite(hi[-1])):
        raise ValueError("sup_error_vs_square needs a bounded segment")
    a, b = regions.intercept[:, 0], regions.slope[:, 0]
    e = lambda t: a + b * t - t * t
    top = e(np.clip(b / 2.0, lo, hi))
    bottom = np.minimum(e(lo), e(hi))
    return float(max(np.abs(top).max(), np.abs(bottom).max()))


def sup_distance_pl(regions: LinearRegions, g: Callable[[np.ndarray], np.ndarray],
                    g_breakpoints) -> float:
    """sup over the segment of ``|f − g|`` for two continuous piecewise-linear functions of t: the
    maximum over the union of both sets of breakpoints and the two ends (exact)."""
    t = np.unique(np.concatenate([[regions.t_range[0], regions.t_range[1]],
                                  regions.breakpoints, np.asarray(g_breakpoints, np.float64)]))
    if not np.all(np.isfinite(t)):
        raise ValueError("sup_distance_pl needs a bounded segment")
    return float(np.max(np.abs(regions(t)[:, 0] - np.asarray(g(t), np.float64))))


# ---------------------------------------------------------------------------------------------
# Trajectory length and the order–chaos transition
# ---------------------------------------------------------------------------------------------


def dense_layer(phi: Callable[[jax.Array], jax.Array]) -> Callable:
    """``apply_layer((W, b), h) = φ(h W + b)``, for :func:`trajectory_length` (h: (..., n))."""
    return lambda p, h: phi(h @ p[0] + jnp.reshape(p[1], (1,) * (h.ndim - 1) + (-1,)))


def curve_length(points: jax.Array) -> jax.Array:
    """Σ_i ‖x_{i+1} − x_i‖ over a polyline (..., T, d)."""
    return jnp.sum(jnp.linalg.norm(jnp.diff(points, axis=-2), axis=-1), axis=-1)


def trajectory_length(apply_layer: Callable, params_by_layer: Sequence, curve: jax.Array
                      ) -> jax.Array:
    """The length of the image of an input curve after each layer: (L + 1,) from the input on.

    ℓ_l = Σ_i ‖h_l(x_{i+1}) − h_l(x_i)‖, h_0 = x, h_l = apply_layer(params_by_layer[l−1],
    h_{l−1}), for a densely sampled curve (T, d) (close it by repeating its first point). Pure
    and jittable; vmap it over nets. In the large-width limit the length is multiplied by
    √χ₁ per layer once the activations reach their fixed point q*, so it grows exponentially
    with depth when χ₁ > 1 (chaos) and shrinks when χ₁ < 1 (order).

    References: Raghu et al. 2017, "On the expressive power of deep neural networks"
    (arXiv:1606.05336), Sec. 2.1 and Fig. 1 (trajectory length); Poole et al. 2016,
    "Exponential expressivity in deep neural networks through transient chaos"
    (arXiv:1606.05340), χ₁ and the growth of curve length.
    """
    h, out = curve, [curve_length(curve)]
    for p in params_by_layer:
        h = apply_layer(p, h)
        out.append(curve_length(h))
    return jnp.stack(out)


def growth_rate(lengths, skip: int = 1) -> np.ndarray:
    """The per-layer growth factor of a length sequence (..., L + 1): exp of the least-squares
    slope of log ℓ_l against l over layers l >= ``skip`` (skipping the transient to q*)."""
    ell = np.log(np.asarray(lengths, np.float64))[..., skip:]
    layer = np.arange(ell.shape[-1], dtype=np.float64)
    lc = layer - layer.mean()
    slope = np.sum((ell - ell.mean(-1, keepdims=True)) * lc, -1) / np.sum(lc**2)
    return np.exp(slope)


@functools.lru_cache(maxsize=4)
def _hermite_nodes(n: int) -> tuple[np.ndarray, np.ndarray]:
    z, wts = np.polynomial.hermite_e.hermegauss(n)
    return z, wts / np.sqrt(2 * np.pi)


def _gauss_expect(f, q, n=200):
    """E[f(√q z)], z ~ N(0, 1), by Gauss–Hermite quadrature of even order (no node at 0, so
    the ReLU step φ' is integrated exactly)."""
    z, wts = _hermite_nodes(n)
    return float(np.sum(wts * f(np.sqrt(q) * z)))


MEAN_FIELD: dict[str, tuple[Callable, Callable]] = {
    "tanh": (np.tanh, lambda z: 1.0 / np.cosh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(np.float64)),
}


def mean_field_chi(activation: str, sigma_w2: float, sigma_b2: float,
                   iterations: int = 2000) -> tuple[float, float]:
    """(q*, χ₁) of a deep random net with weights N(0, σ_w²/n) and biases N(0, σ_b²).

    q* is the fixed point of q ↦ σ_w² E[φ(√q z)²] + σ_b², z ~ N(0, 1), found by iteration from
    q = 1; χ₁ = σ_w² E[φ'(√q* z)²] (Gauss–Hermite quadrature). χ₁ = 1 is the order–chaos
    transition: for ReLU χ₁ = σ_w²/2 (critical σ_w² = 2, any σ_b); for tanh at σ_b = 0 the
    critical point is σ_w² = 1.

    References: Poole et al. 2016 (arXiv:1606.05340), the length map q and χ₁; Schoenholz et al.
    2017, "Deep information propagation" (arXiv:1611.01232), χ₁ and the phase diagram.
    """
    if activation not in MEAN_FIELD:
        raise ValueError(f"unknown activation {activation!r}; allowed: {', '.join(MEAN_FIELD)}")
    phi, dphi = MEAN_FIELD[activation]
    q = 1.0
    for _ in range(iterations):
        q_new = sigma_w2 * _gauss_expect(lambda z: phi(z) ** 2, q) + sigma_b2
        if q_new > 1e100:  # no fixed point (ReLU with σ_w² > 2): q grows without bound
            q = math.inf
            break
        if abs(q_new - q) < 1e-15 * max(1.0, q):
            q = q_new
            break
        q = q_new
    # at q* = 0 (the ordered phase at σ_b = 0) χ₁ is the limit q → 0⁺
    q_eval = min(max(q, 1e-300), 1e100)
    chi = sigma_w2 * _gauss_expect(lambda z: dphi(z) ** 2, q_eval)
    return float(q), float(chi)


def mean_field_lengths(activation: str, sigma_w2: float, sigma_b2: float, depth: int,
                       q1: float | None = None) -> np.ndarray:
    """The mean-field trajectory length after each layer, relative to the input's: (depth + 1,)
    ℓ_l/ℓ_0 = Π_{k≤l} √χ(q_k), χ(q) = σ_w² E[φ'(√q z)²], along the length map
    q_{k+1} = σ_w² E[φ(√q_k z)²] + σ_b² from the first layer's q_1 (default σ_w² + σ_b²: inputs
    of norm √d through weights N(0, σ_w²/d), as :func:`random_circle`).

    The tangent of a curve is multiplied in squared norm by χ(q_l) at layer l, where q_l is
    that layer's pre-activation variance (Poole et al. 2016, arXiv:1606.05340, the length map
    and χ₁; Raghu et al. 2017, arXiv:1606.05336, Sec. 2.1). Once q_l has reached q* this is
    √χ₁ per layer (:func:`mean_field_chi`); at σ_b = 0 near the tanh critical point q_l → 0 only
    as ~1/(2l) (Schoenholz et al. 2017, arXiv:1611.01232, Sec. 3: power-law approach at
    criticality), so a net of finite depth sees a factor below √χ₁(q*) there.
    """
    if activation not in MEAN_FIELD:
        raise ValueError(f"unknown activation {activation!r}; allowed: {', '.join(MEAN_FIELD)}")
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise ValueError(f"depth must be a positive integer, got {depth!r}")
    phi, dphi = MEAN_FIELD[activation]
    q = sigma_w2 + sigma_b2 if q1 is None else float(q1)
    log_factor = []
    for _ in range(depth):
        q_eval = min(max(q, 1e-300), 1e100)
        log_factor.append(0.5 * math.log(sigma_w2 * _gauss_expect(lambda z: dphi(z) ** 2, q_eval)))
        q = sigma_w2 * _gauss_expect(lambda z: phi(z) ** 2, q_eval) + sigma_b2
    return np.exp(np.concatenate([[0.0], np.cumsum(log_factor)]))


def mean_field_growth(activation: str, sigma_w2: float, sigma_b2: float, depth: int, *,
                      skip: int = 2, q1: float | None = None) -> float:
    """The per-layer growth factor that :func:`growth_rate` (with the same ``skip``) reads off
    the mean-field lengths :func:`mean_field_lengths`: the prediction for a measured growth
    factor of a net of this depth, estimator included."""
    return float(growth_rate(mean_field_lengths(activation, sigma_w2, sigma_b2, depth, q1),
                             skip=skip))


def tangent_length(apply_layer: Callable, params_by_layer: Sequence, points: jax.Array,
                   tangents: jax.Array, span: float = 2 * math.pi) -> jax.Array:
    """The arc length of the image of a curve after each layer, from its exact tangents:
    (L + 1,) with ℓ_l = span · mean_i ‖∂h_l(x(θ_i))/∂θ‖ over T points equally spaced in a period
    of length ``span`` (``points`` (T, d) without the repeated end, ``tangents`` = dx/dθ there).

    The tangent is pushed through each layer by forward-mode differentiation
    (``jax.jvp``), so this is a Riemann sum of the exact length integrand: unlike the polyline
    length of :func:`trajectory_length` it does not saturate when the image curve wiggles on a
    scale finer than the sampling (the chaotic phase at depth). In the large-width limit its
    square grows by χ(q_l) per layer (:func:`mean_field_lengths`).

    References: Raghu et al. 2017 (arXiv:1606.05336), Sec. 2.1, trajectory length;
    Poole et al. 2016 (arXiv:1606.05340), the length element and χ₁.
    """
    h, dh = points, tangents
    out = [span * jnp.mean(jnp.linalg.norm(dh, axis=-1))]
    for p in params_by_layer:
        h, dh = jax.jvp(lambda x, p=p: apply_layer(p, x), (h,), (dh,))
        out.append(span * jnp.mean(jnp.linalg.norm(dh, axis=-1)))
    return jnp.stack(out)


# ---------------------------------------------------------------------------------------------
# Helpers for studies: batched counts with exact recounts, unstacking, sawtooth fits, circles
# ---------------------------------------------------------------------------------------------


def unstack_net(st: StackedNets, i: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Net ``i`` of a padded batch (:func:`stack_nets`) as its list of effective (W, b) layers.

    The zero padding is kept: a padded unit has no kink and outputs 0, so it changes no count.
    """
    layers = [(st.w_in[i], st.b_in[i])]
    layers += [(st.w_hidden[i, j], st.b_hidden[i, j]) for j in range(st.active.shape[1])
               if st.active[i, j]]
    return layers + [(st.w_out[i], st.b_out[i])]


def count_regions_exact(activation: str, st: StackedNets, starts, ends, *, capacity: int,
                        whole_line=False) -> RegionCounts:
    """:func:`count_regions_batch`, with every line that overflowed ``capacity`` recounted by
    :func:`count_linear_regions`, so every count is exact; ``overflow`` still marks the lines
    that were recounted. Arguments as for :func:`count_regions_batch` (a :class:`StackedNets`).
    """
    counts = count_regions_batch(activation, st, starts, ends, capacity=capacity,
                                 whole_line=whole_line)
    n_reg, n_pc = counts.n_regions.copy(), counts.n_pieces.copy()
    whole = np.broadcast_to(np.asarray(whole_line, bool), n_reg.shape)
    for i, j in zip(*np.nonzero(counts.overflow), strict=True):
        r = count_linear_regions(activation, unstack_net(st, i), starts[i, j], ends[i, j],
                                 whole_line=bool(whole[i, j]))
        n_reg[i, j], n_pc[i, j] = r.n_regions, r.n_pieces
    return RegionCounts(n_reg, n_pc, counts.overflow)


def sampling_cross_check(activation: str, st: StackedNets, starts, ends, which: Sequence[int],
                         n_samples: int) -> list[dict]:
    """Exact against dense-sampling counts, timed, for nets ``which`` of a padded batch along
    their segments starts[i] → ends[i] (each (d,)): per net, ``exact`` and ``sampled`` regions
    and the seconds of each (:func:`count_linear_regions`, :func:`count_regions_sampled`)."""
    out = []
    for i in which:
        layers = unstack_net(st, i)
        t0 = time.perf_counter()
        exact = count_linear_regions(activation, layers, starts[i], ends[i]).n_regions
        t1 = time.perf_counter()
        sampled = count_regions_sampled(activation, layers, starts[i], ends[i], n_samples)
        out.append(dict(exact=exact, sampled=sampled, exact_seconds=t1 - t0,
                        sampled_seconds=time.perf_counter() - t1))
    return out


def init_region_maps(nets_by_name: dict[str, Net], key, *, extent: float, resolution: int
                     ) -> dict[str, np.ndarray]:
    """:func:`region_map_2d` of one freshly drawn 2-input net per name (key folded with the
    name's position) on the square [−extent, extent]² of the input plane: int32 labels."""
    out = {}
    for i, (name, net) in enumerate(nets_by_name.items()):
        p = jax.tree_util.tree_map(lambda x: x[0], sample_mlp_params(
            net, jax.random.fold_in(key, i), 1, 2))
        out[name] = region_map_2d(net, p, [0.0, 0.0], [1.0, 0.0], [0.0, 1.0], extent=extent,
                                  resolution=resolution)[0].astype(np.int32)
    return out


def sawtooth_targets(ks: Sequence[int], n_points: int) -> tuple[np.ndarray, np.ndarray]:
    """Training data for fitting sawtooths: x (K, n, 1) on the uniform grid of [0, 1] and
    y (K, n, 1) = g_{k_i}(x) (:func:`sawtooth`), float64, one target per k in ``ks``."""
    x = np.linspace(0.0, 1.0, n_points)[:, None]
    return np.broadcast_to(x, (len(ks),) + x.shape), np.stack([sawtooth(k, x) for k in ks])


def region_scaling(neurons, mean_regions) -> tuple[float, np.ndarray]:
    """How the mean number of regions along a line scales with the number of neurons N: the
    least-squares slope of log(mean − 1) against log N (1 for a count c N + 1), and the ratios
    mean/(N + 1) (1 in the large-width limit).

    References: Hanin & Rolnick 2019 (arXiv:1901.09021): regions along a line at He
    initialisation grow linearly in N; Kogan, Jananthan & Kepner 2025 (arXiv:2512.08091): for
    1-D He nets with biases E[regions] = Σ n_l + o(Σ n_l) + 1.
    """
    n, r = np.asarray(neurons, np.float64), np.asarray(mean_regions, np.float64)
    if n.shape != r.shape or n.size < 2 or np.any(n <= 0) or np.any(r <= 1):
        raise ValueError("region_scaling needs at least two N > 0 with mean counts above 1")
    return float(np.polyfit(np.log(n), np.log(r - 1), 1)[0]), r / (n + 1)


def tangent_growth(net: Net, key, n_nets: int, points, tangents, *, skip: int = 2,
                   max_bytes: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``n_nets`` fresh draws of an MLP (:func:`sample_mlp_params`, input width = its width):
    the exact-tangent lengths of a curve after each hidden layer (:func:`tangent_lengths`,
    (n_nets, L + 1)) and each net's per-layer growth factor (:func:`growth_rate`, ``skip``)."""
    layers = affine_layers(net, sample_mlp_params(net, key, n_nets, points.shape[-1]))[:-1]
    phi = nets.activation(net.info["activation"]).fn
    lengths = tangent_lengths(phi, layers, points, tangents, max_bytes=max_bytes)
    return lengths, growth_rate(lengths, skip=skip)


def sample_mlp_ensembles(net: Net, keys, n_nets: int, input_dim: int) -> list:
    """:func:`sample_mlp_params` of ``n_nets`` nets for each key, concatenated on the leading
    axis (key 0's nets first): several independent ensembles as one, e.g. one per replicate."""
    return jax.tree_util.tree_map(lambda *a: jnp.concatenate(a), *(
        sample_mlp_params(net, key, n_nets, input_dim) for key in keys))


def member_regions(net: Net, params, start, end, *, whole_line: bool = False
                   ) -> list[LinearRegions]:
    """:func:`count_linear_regions` of every member of stacked ``params`` (leading axis) along
    the same segment (or whole line)."""
    n = jax.tree_util.tree_leaves(params)[0].shape[0]
    return [count_linear_regions(net, jax.tree_util.tree_map(lambda x, i=i: x[i], params),
                                 start, end, whole_line=whole_line) for i in range(n)]


def sawtooth_sup_errors(net: Net, params, ks: Sequence[int]) -> np.ndarray:
    """``sup_{[0,1]} |f_i − g_{k_i}|`` for each member i of stacked ``params`` of a 1-D ReLU MLP
    against its sawtooth g_{k_i} (:func:`sawtooth`), exact: both functions are piecewise linear,
    so the sup is a maximum over the member's breakpoints (:func:`count_linear_regions`, float64)
    and the dyadic points j/2^k (:func:`sup_distance_pl`).

    References: Telgarsky 2016 (arXiv:1602.04485), Sec. 3: a function with fewer than 2^k
    pieces is at sup distance >= 1/2 from g_k.
    """
    regions = member_regions(net, params, [0.0], [1.0])
    return np.array([sup_distance_pl(r, functools.partial(sawtooth, k),
                                     np.arange(2**k + 1) / 2**k)
                     for r, k in zip(regions, ks, strict=True)])


def random_lines(key, n_nets: int, dim: int, n_segments: int
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lines for region counts of ``n_nets`` nets on ℝ^dim: per net, line 0 is the whole line
    through 0 in a uniformly random direction u of norm √dim, lines 1 … ``n_segments`` are
    segments between independent standard Gaussian points.

    Returns (starts, ends, whole) of shapes (n_nets, 1 + n_segments, dim) and (n_nets,
    1 + n_segments), ready for :func:`count_regions_batch`. Through a He-initialised net
    (W ~ N(0, 2/dim)) the whole line x = t u is distributed exactly as a 1-input He net over
    ℝ: Wᵀu ~ N(0, 2) per unit, independently (Hanin & Rolnick 2019, arXiv:1901.09021).
    """
    rng = numpy_rng(key)
    u = rng.standard_normal((n_nets, 1, dim))
    u *= np.sqrt(dim) / np.linalg.norm(u, axis=-1, keepdims=True)
    ends = rng.standard_normal((2, n_nets, n_segments, dim))
    whole = np.zeros((n_nets, 1 + n_segments), bool)
    whole[:, 0] = True
    return (np.concatenate([np.zeros_like(u), ends[0]], axis=1),
            np.concatenate([u, ends[1]], axis=1), whole)


def random_circle(key, dim: int, n_points: int) -> jax.Array:
    """The closed curve √dim (cos θ u + sin θ v), θ ∈ [0, 2π] at ``n_points`` + 1 points (the
    last repeats the first), with u, v independent uniform unit vectors of ℝ^dim (float32):
    the input trajectory of Raghu et al. 2017 (arXiv:1606.05336, Sec. 2.1), of norm ≈ √dim
    like a standard Gaussian input."""
    u = numpy_rng(key).standard_normal((2, dim))
    u = jnp.asarray(u / np.linalg.norm(u, axis=1, keepdims=True), jnp.float32)
    theta = jnp.linspace(0.0, 2 * jnp.pi, n_points + 1)
    return jnp.sqrt(dim) * (jnp.cos(theta)[:, None] * u[0][None, :]
                            + jnp.sin(theta)[:, None] * u[1][None, :])


def circle_with_tangents(key, dim: int, n_points: int) -> tuple[jax.Array, jax.Array]:
    """The circle x(θ) = √dim (cos θ u + sin θ v) at θ_i = 2π i/T, i < T (no repeated end), and
    its tangents dx/dθ = √dim (−sin θ u + cos θ v), float32: the input of :func:`tangent_length`
    (span 2π; input length 2π √dim). u, v are orthonormal (Gram–Schmidt of the two Gaussian
    directions of :func:`random_circle`, same plane), so every point has norm √dim, i.e. the
    same q_1 = σ_w² + σ_b² through weights N(0, σ_w²/dim), as the mean field assumes."""
    g = numpy_rng(key).standard_normal((2, dim))
    u0 = g[0] / np.linalg.norm(g[0])
    v0 = g[1] - (g[1] @ u0) * u0
    u = jnp.asarray(np.stack([u0, v0 / np.linalg.norm(v0)]), jnp.float32)
    theta = 2 * jnp.pi * jnp.arange(n_points) / n_points
    c, s = jnp.cos(theta)[:, None], jnp.sin(theta)[:, None]
    return (jnp.sqrt(dim) * (c * u[0][None, :] + s * u[1][None, :]),
            jnp.sqrt(dim) * (-s * u[0][None, :] + c * u[1][None, :]))


@functools.partial(jax.jit, static_argnames="phi")
def _tangent_lengths_of_nets(layers, points, tangents, phi):
    return jax.vmap(lambda ls: tangent_length(dense_layer(phi), ls, points, tangents))(layers)


def tangent_lengths(phi: Callable[[jax.Array], jax.Array], layers, points, tangents, *,
                    max_bytes: int | None = None) -> np.ndarray:
    """:func:`tangent_length` of one curve through M nets: ``layers`` is the list of their
    stacked hidden (W, b) layers (leading axis M); returns (M, L + 1). One jitted, vmapped
    program, called on chunks of nets whose weights and two (T, width) activations per net fit
    ``max_bytes`` (all at once when None); the last chunk is padded so every chunk compiles
    once."""
    M = layers[0][0].shape[0]
    per_net = sum(int(np.prod(w.shape[1:])) + int(np.prod(b.shape[1:])) for w, b in layers)
    per_net = 4 * (per_net + 4 * points.shape[0] * max(w.shape[-1] for w, _ in layers))
    chunk = M if max_bytes is None else int(max(1, min(M, max_bytes // per_net)))
    out = []
    for i in range(0, M, chunk):
        part = jax.tree_util.tree_map(lambda a, i=i: a[i:i + chunk], layers)
        n = jax.tree_util.tree_leaves(part)[0].shape[0]
        if n < chunk:  # pad with copies of the first net, dropped below
            part = jax.tree_util.tree_map(
                lambda a, n=n: jnp.concatenate([a, jnp.repeat(a[:1], chunk - n, 0)]), part)
        out.append(np.asarray(_tangent_lengths_of_nets(part, points, tangents, phi),
                              np.float64)[:n])
    return np.concatenate(out)


@functools.partial(jax.jit, static_argnames="phi")
def _lengths_of_nets(layers, curve, phi):
    return jax.vmap(lambda ls: trajectory_length(dense_layer(phi), ls, curve))(layers)


def trajectory_lengths(phi: Callable[[jax.Array], jax.Array], layers, curve) -> np.ndarray:
    """:func:`trajectory_length` of one ``curve`` (T, d) through M nets at once: ``layers`` is
    the list of their stacked hidden (W, b) layers (leading axis M, e.g. :func:`affine_layers`
    of an ensemble without the readout); returns (M, L + 1) lengths (one jitted, vmapped
    program, compiled once per shape and activation)."""
    return np.asarray(_lengths_of_nets(layers, curve, phi), np.float64)


def sawtooth_region_map(k: int, resolution: int) -> np.ndarray:
    """Activation regions of the sawtooth g_k(x₁) of the first coordinate (the net of
    :func:`tent_layers`, blind to x₂) on the unit square, by :func:`region_map_2d`: 2^k vertical
    strips. The window stops just inside [0, 1]²: on x₁ = 0 and x₁ = 1 a unit sits exactly at
    its kink, a measure-zero pattern the grid would otherwise count as two extra regions."""
    (w0, b0), *rest = tent_layers(k)
    layers = [(np.vstack([w0, np.zeros_like(w0)]), b0), *rest]
    return region_map_2d("relu", layers, [0.5, 0.5], [0.499, 0.0], [0.0, 0.499], extent=1.0,
                         resolution=resolution)[0]
