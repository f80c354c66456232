"""Backpropagation on Boolean problems: XOR and n-bit parity learned by sigmoid networks, many
random starts as one vmapped program, with each start's outcome and failure mode.

Rumelhart, Hinton & Williams 1986 ("Learning internal representations by error propagation",
PDP vol. 1, ch. 8; Nature 323:533–536) trained networks of sigmoid units σ(z) = 1/(1 + e^(−z))
on the squared error E = ½ Σ_p Σ_o (t_po − o_po)² by gradient descent with momentum,

    Δw(t) = −η ∂E/∂w + α Δw(t − 1),

and reported that XOR with two hidden units is learned from most starting weights, with a few
runs that stop short of a solution — later analysed as plateaus and saddle regions of the error
surface rather than strict local minima (Sprinkhuizen-Kuyper & Boers 1999, IEEE Trans. Neural
Netw. 10:968–974; Hamey 1998, Neural Netw. 11:669–681). Here the same rule is
:func:`nntheory.train.fit_ensemble` with optax's momentum SGD on nntheory's loss
½·mean_p ‖f − t‖², i.e. E/P, so the rate η·P in the library's convention is RHW's η.

* :func:`boolean_inputs_and_parity` — the 2ⁿ inputs in {0, 1}ⁿ and their parity targets.
* :func:`train_boolean` — ``starts`` random initialisations of an n-``width``-1 sigmoid net on
  one truth table, trained together; per start: solved or not, the final loss, how much the
  loss still fell over the last quarter of training and how many patterns end on the wrong
  side of ½.

A start *solves* its truth table when every output is on the target's side of ½. A start that
has not solved it is *stalled* when its loss fell by less than 1 % over the last quarter of the
run (a plateau or a stationary point for this budget) and *slow* otherwise (still descending).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from nntheory import nets, train
from nntheory.arguments import int_at_least

STALL_DROP = 0.01  # relative fall of the loss over the last quarter below which a run stalled


def boolean_inputs_and_parity(n: int) -> tuple[np.ndarray, np.ndarray]:
    """All 2ⁿ points of {0, 1}ⁿ (rows in binary order) and their parity (sum mod 2), as float32
    arrays of shapes (2ⁿ, n) and (2ⁿ, 1). n = 2 is XOR."""
    n = int_at_least("n", n)
    x = ((np.arange(2**n)[:, None] >> np.arange(n - 1, -1, -1)) & 1).astype(np.float32)
    return x, (x.sum(axis=1, keepdims=True) % 2).astype(np.float32)


def sigmoid_net(width: int, *, w_std: float = 1.0, b_std: float = 1.0) -> nets.Net:
    """One hidden layer of ``width`` sigmoid units and one sigmoid output unit (RHW 1986), weights
    drawn N(0, w_std²/fan_in) and biases N(0, b_std²)."""
    return nets.mlp(width, 1, 1, "sigmoid", parameterization="standard", w_std=w_std,
                    b_std=b_std, out_activation="sigmoid")


def train_boolean(key, x, t, width: int, starts: int, *, steps: int, eta: float,
                  momentum: float = 0.9, w_std: float = 1.0, b_std: float = 1.0) -> dict:
    """Train ``starts`` random sigmoid nets with ``width`` hidden units on the truth table (x, t).

    Gradient descent with momentum on E = ½ Σ (t − o)² (Rumelhart, Hinton & Williams 1986,
    Eq. 16) for ``steps`` full-batch epochs; every start is a member of one vmapped program.

    Args:
      key: a JAX key, or a stack of R keys (R, 2) trained together (one vmapped program of
        R · starts members); start k of key r is initialised from ``split(key_r, starts)[k]``.
      x: (P, n) inputs; t: (P, 1) targets in [0, 1].
      width: hidden units, >= 1.
      starts: random initialisations, >= 1.
      steps: epochs, >= 4.
      eta: RHW's learning rate η on the summed error (> 0); α = ``momentum``.

    Returns:
      dict of (R · starts,) NumPy arrays, key-major: ``group`` (the key's index r, 0 for one
      key), ``solved`` (bool), ``final_loss`` (E/P, the library's
      loss), ``last_quarter_drop`` (relative fall of the loss over the last quarter),
      ``wrong`` (patterns on the wrong side of ½), ``stalled`` (not solved and dropped by less
      than :data:`STALL_DROP`), ``diverged`` (bool).

    Raises:
      ValueError: shapes disagree, or a count or rate is out of range.
    """
    int_at_least("width", width)
    int_at_least("starts", starts)
    int_at_least("steps", steps, 4)
    x, t = np.asarray(x, np.float32), np.asarray(t, np.float32).reshape(len(x), -1)
    if x.ndim != 2 or t.shape != (len(x), 1):
        raise ValueError(f"x must be (P, n) and t (P, 1), got {x.shape} and {t.shape}")
    if not (eta > 0 and np.isfinite(eta)):
        raise ValueError(f"eta must be a positive number, got {eta!r}")
    net = sigmoid_net(width, w_std=w_std, b_std=b_std)
    keys = jnp.asarray(key).reshape(-1, 2)
    members = jax.vmap(lambda k: jax.random.split(k, starts))(keys).reshape(-1, 2)
    params = train.init_ensemble(net, members, (x.shape[1],))
    params, hist = train.fit_ensemble(
        net, params, (x, t), optimizer="momentum", learning_rate=eta * len(x), steps=steps,
        log_every=steps // 4, loss="mse", momentum=momentum, progress=False)
    out = np.asarray(jax.vmap(net.apply, (0, None))(params, jnp.asarray(x)))[..., 0]
    wrong = np.sum((out > 0.5) != (t[:, 0] > 0.5), axis=1)
    loss = np.asarray(hist.metrics["train_loss"])
    drop = 1.0 - loss[:, -1] / loss[:, -2]
    solved = (wrong == 0) & ~np.asarray(hist.diverged)
    return dict(group=np.repeat(np.arange(len(keys)), starts), solved=solved,
                final_loss=loss[:, -1], last_quarter_drop=drop, wrong=wrong,
                stalled=~solved & (drop < STALL_DROP), diverged=np.asarray(hist.diverged))
