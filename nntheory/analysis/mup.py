"""Hyperparameter transfer across width: the coordinate check of the maximal-update
parameterisation (μP), the optimal learning rate and its uncertainty, and how much the features
of the last hidden layer move.

μP (Yang & Hu 2021, "Tensor Programs IV", arXiv:2011.14522; Yang et al. 2022, "Tensor
Programs V", arXiv:2203.03466) scales each layer's initialisation and learning rate with width
so that, after training starts, every layer's activations *and their updates* stay of order one
as the width n grows (:func:`nntheory.nets.mlp` with ``parameterization="mup"``,
:data:`nntheory.nets.MUP_LR`). Two consequences are measured here:

* the *coordinate check* (Yang et al. 2022, §7 and their ``mup`` package): the RMS size of each
  layer's activations h_l and of their change Δh_l = h_l(θ_t) − h_l(θ_0) after t steps, against
  width; under μP the log-log slopes are ≈ 0, under standard parameterisation the output's
  change grows with width (:func:`layer_outputs`, :func:`coordinate_check`, :func:`slopes`);
* *hyperparameter transfer* (Yang et al. 2022, Fig. 1): the learning rate that minimises the
  training loss after a fixed budget stays put across widths under μP and drifts under standard
  parameterisation (:func:`optimal_log2_lr`, a parabola through the minimum in log₂ η).

Feature learning: the relative change ‖h_L(θ_t) − h_L(θ_0)‖ / ‖h_L(θ_0)‖ of the last hidden
layer stays Θ(1) under μP and vanishes like n^(−1/2) in the NTK parameterisation (Yang & Hu
2021, §3; the lazy limit of Jacot et al. 2018) (:func:`feature_change`).

Nothing here reads files or prints.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from nntheory import nets
from nntheory.analysis.expressivity import affine_layers
from nntheory.tables import grid_frame


def layer_outputs(net: nets.Net, params, x) -> list:
    """Every layer's output of an MLP made by :func:`nntheory.nets.mlp`: the post-activation
    h_l of each hidden layer, then the readout f(x), from the effective affine maps
    (:func:`nntheory.analysis.expressivity.affine_layers`)."""
    act = nets.activation(net.info["activation"]).fn
    layers = affine_layers(net, params)
    h, out = jnp.asarray(x), []
    for i, (w, b) in enumerate(layers):
        z = h @ w
        z = z + jnp.broadcast_to(b, z.shape)  # stax keeps b as (out,) or (1, out)
        h = z if i == len(layers) - 1 else act(z)
        out.append(h)
    return out


def rms(a) -> float:
    """√(mean a²): the typical size of one coordinate (Yang et al. 2022's coordinate check)."""
    return float(jnp.sqrt(jnp.mean(jnp.square(a))))


def coordinate_check(net: nets.Net, params0, params_t, x) -> dict[str, np.ndarray]:
    """Per layer (hidden layers, then the output): the RMS of its activations at initialisation
    and the RMS of their change after training, ``{"size": (L,), "change": (L,)}``."""
    h0, ht = layer_outputs(net, params0, x), layer_outputs(net, params_t, x)
    return dict(size=np.array([rms(a) for a in h0]),
                change=np.array([rms(b - a) for a, b in zip(h0, ht, strict=True)]))


def feature_change(net: nets.Net, params0, params_t, x) -> float:
    """‖h_L(θ_t) − h_L(θ_0)‖ / ‖h_L(θ_0)‖ for the last hidden layer h_L on the inputs ``x``."""
    a, b = layer_outputs(net, params0, x)[-2], layer_outputs(net, params_t, x)[-2]
    return float(jnp.linalg.norm(b - a) / jnp.linalg.norm(a))


def slopes(widths, values) -> np.ndarray:
    """Least-squares log-log slopes of ``values`` (widths × …) against ``widths``, one per
    trailing index: d log v / d log n."""
    w = np.log(np.asarray(widths, np.float64))
    v = np.log(np.asarray(values, np.float64).reshape(len(w), -1))
    return np.polyfit(w, v, 1)[0]


def optimal_log2_lr(log2_lrs, losses) -> tuple[float, bool]:
    """The learning rate (log₂ η) minimising a loss measured on a grid: the vertex of the
    parabola through the grid minimum and its two neighbours (Yang et al. 2022 read the optimum
    off such curves). Non-finite losses (diverged runs) count as +∞, and a loss of exactly 0 (a
    float32 cross-entropy of a confident net underflows to it) as the smallest positive float32,
    so the parabola in log loss stays finite. Returns (log₂ η*, whether the minimum is inside
    the grid); at an edge of the grid it returns that edge.

    Raises:
      ValueError: shapes differ, the grid is not increasing, or every loss is non-finite.
    """
    g = np.asarray(log2_lrs, np.float64)
    y = np.asarray(losses, np.float64)
    if g.shape != y.shape or g.ndim != 1 or np.any(np.diff(g) <= 0):
        raise ValueError("log2_lrs must be increasing and match losses")
    y = np.where(np.isfinite(y), np.maximum(y, np.finfo(np.float32).tiny), np.inf)
    if not np.isfinite(y).any():
        raise ValueError("every loss is non-finite")
    i = int(np.argmin(y))
    if i == 0 or i == len(g) - 1 or not np.all(np.isfinite(y[i - 1:i + 2])):
        return float(g[i]), False
    a, b, _ = np.polyfit(g[i - 1:i + 2], np.log(y[i - 1:i + 2]), 2)
    vertex = -b / (2 * a) if a > 0 else g[i]
    return float(np.clip(vertex, g[i - 1], g[i + 1])), True


def replicate_data(keys, n: int) -> dict:
    """One digits training set per replicate key (:func:`nntheory.analysis.ntk.digits_split`
    with ``fold_in(key, 2)``), stacked: ``x_train`` (R, n, 64), ``y_train`` (R, n, 10)."""
    from nntheory.analysis.ntk import digits_split

    ds = [digits_split(jax.random.fold_in(k, 2), n, 0) for k in jnp.asarray(keys).reshape(-1, 2)]
    return {k: np.stack([d[k] for d in ds]) for k in ("x_train", "y_train")}


def replicate_modular_data(keys, p: int, fraction: float) -> dict:
    """One split of modular addition on Z_p per replicate key (the grokking task of Power et
    al. 2022, :func:`nntheory.analysis.grokking.member_data` with ``fold_in(key, 2)``), stacked:
    ``x_train`` (R, n, 2) token pairs, ``y_train`` (R, n) labels."""
    from nntheory.analysis.grokking import member_data

    ks = [jax.random.fold_in(k, 2) for k in jnp.asarray(keys).reshape(-1, 2)]
    d = member_data(p, "+", fraction, ks)
    return {k: np.asarray(d[k]) for k in ("x_train", "y_train")}


def loss_table(hist, replicates: int, name: str, values) -> pd.DataFrame:
    """The final training loss of a :func:`train_grid` run as a table: one row per (replicate,
    setting) with the setting's value under ``name``, ``loss`` and ``diverged``."""
    shape = (replicates, len(values))
    return grid_frame({"replicate": replicates, name: np.asarray(values, np.float64)},
                      loss=np.reshape(hist.final("train_loss"), shape),
                      diverged=np.reshape(hist.diverged, shape))


def optima(table: pd.DataFrame, by, x: str = "log2_lr", y: str = "loss") -> pd.DataFrame:
    """:func:`optimal_log2_lr` of ``y`` against ``x`` for each group of ``by`` columns: a table
    with the ``by`` columns and ``log2_opt``."""
    by = list(by)
    rows = [dict(zip(by, k if isinstance(k, tuple) else (k,), strict=True),
                 log2_opt=optimal_log2_lr(d[x], d[y])[0])
            for k, d in table.sort_values(x).groupby(by)]
    return pd.DataFrame(rows, columns=[*by, "log2_opt"])


def train_grid(net: nets.Net, keys, data: dict, rates, *, optimizer: str, steps: int,
               loss: str = "mse", init_scales=None):
    """Every replicate at every setting as one vmapped program: replicate r's runs share its
    initialisation and data (:func:`nntheory.train.shared_init_members`). Setting i trains at
    learning rate ``rates[i]`` with the input and hidden weight matrices (not the readout, not
    the biases: :func:`nntheory.nets.mup_labels`) drawn ``init_scales[i]`` times larger
    (default 1): the initialisation scale σ of Yang et al. 2022 (§5, Fig. 4), as data, so a
    sweep over it is one program too. Returns (params0, params, History) with members
    replicate-major (R · len(rates))."""
    from nntheory import train

    if init_scales is not None and len(init_scales) != len(rates):
        raise ValueError("init_scales must have one entry per learning rate")
    init, member = train.shared_init_members(keys, len(rates), data)
    r = len(init) // len(rates)
    params0 = train.init_ensemble(net, init, member["x_train"].shape[1:])
    if init_scales is not None:
        s = jnp.tile(jnp.asarray(init_scales, jnp.float32), r)
        params0 = jax.tree_util.tree_map(
            lambda kind, a: a * s.reshape((-1,) + (1,) * (a.ndim - 1)).astype(a.dtype)
            if kind in ("input", "hidden") else a, nets.mup_labels(params0), params0)
    params, hist = train.fit_ensemble(
        net, params0, member, member_data=True, optimizer=optimizer,
        learning_rate=np.tile(np.asarray(rates, np.float32), r), steps=steps, log_every=steps,
        loss=loss, progress=False)
    return params0, params, hist


def member(params, i: int):
    """Member ``i`` of stacked parameters."""
    return jax.tree_util.tree_map(lambda a: a[i], params)
