"""Training: optax optimisers, one jitted step, ``fit`` for one net, ``fit_ensemble`` for many.

A training run is a ``lax.scan`` over steps inside ``jit``; ``fit_ensemble`` is the same
program under ``vmap`` over a leading "member" axis of the parameters (and, optionally, of the
data), so K seeds (or K targets) of one architecture train as one XLA program. Large
ensembles are cut into chunks that fit a memory budget, and the member axis is sharded over
all local devices when there are several.

Learning rates are data, not compile-time constants: an optimiser given by name is built with
unit rate (its schedule's shape only) and the program multiplies its updates by the member's
rate, held in the training state. Every optax optimiser named here ends by scaling with the
rate, so this is the same update; one compiled program serves every rate, and the members of
one ensemble may each have their own (a learning-rate sweep, replicates whose rate depends on
their data).

Divergence: a step whose loss or gradient is not finite stops that member — its parameters are
frozen at their last finite value and the step is recorded in :class:`History` — instead of
raising or silently averaging NaN into the ensemble.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from nntheory.nets import Net

# ---------------------------------------------------------------------------------------------
# Optimisers and losses
# ---------------------------------------------------------------------------------------------


def _momentum(learning_rate, momentum=0.9, **kw):
    return optax.sgd(learning_rate, momentum=momentum, **kw)


OPTIMIZERS: dict[str, Callable[..., optax.GradientTransformation]] = {
    "sgd": optax.sgd,
    "momentum": _momentum,
    "adam": optax.adam,
    "adamw": optax.adamw,
}


SCHEDULES = ("constant", "cosine")
DEFAULT_LEARNING_RATE = 1e-3  # of an optimizer given by name, when none is given


def make_optimizer(
    name: str,
    learning_rate: float,
    *,
    schedule: str = "constant",
    steps: int | None = None,
    **kwargs,
) -> optax.GradientTransformation:
    """An optax optimiser by name (``sgd``, ``momentum``, ``adam``, ``adamw``).

    ``schedule="cosine"`` decays the rate as η_t = η · ½(1 + cos(π t / steps))
    (Loshchilov & Hutter 2017, arXiv:1608.03983, Eq. 5 without restarts).
    Extra keyword arguments go to the optax constructor (e.g. ``weight_decay`` for adamw).

    Raises:
      ValueError: unknown name or schedule, or a learning rate that is not a positive finite
        number.
    """
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; allowed: {', '.join(OPTIMIZERS)}")
    try:
        lr = float(learning_rate)
    except (TypeError, ValueError):
        raise ValueError(f"learning_rate must be a number, got {learning_rate!r}") from None
    if not (lr > 0 and math.isfinite(lr)):
        raise ValueError(f"learning_rate must be positive and finite, got {learning_rate!r}")
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r}; allowed: {', '.join(SCHEDULES)}")
    rate = lr
    if schedule == "cosine":
        if not steps:
            raise ValueError("the cosine schedule needs the number of steps")
        rate = optax.cosine_decay_schedule(lr, steps)
    return OPTIMIZERS[name](rate, **kwargs)


def mse(pred: jax.Array, y: jax.Array) -> jax.Array:
    """Mean squared error, ½ · mean over points of ‖f(x) − y‖² (the ½ makes ∇ = residual)."""
    return 0.5 * jnp.mean(jnp.sum((pred - y.reshape(pred.shape)) ** 2, axis=-1))


def cross_entropy(logits: jax.Array, labels: jax.Array) -> jax.Array:
    """Softmax cross-entropy with integer labels, computed with a stable log-softmax in
    at least float32."""
    logits = logits.astype(jnp.promote_types(logits.dtype, jnp.float32))
    return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()


def accuracy(logits: jax.Array, labels: jax.Array) -> jax.Array:
    """Fraction of points whose arg-max logit is the label."""
    return jnp.mean(jnp.argmax(logits, axis=-1) == labels)


LOSSES: dict[str, Callable[[jax.Array, jax.Array], jax.Array]] = {
    "mse": mse,
    "cross_entropy": cross_entropy,
}

# ---------------------------------------------------------------------------------------------
# History
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class History:
    """What a run logged.

    Attributes:
      step: (T,) the steps at which metrics were logged (0 = before training).
      metrics: name -> array of shape (T,) for ``fit`` or (K, T) for ``fit_ensemble``;
        ``train_loss`` always, ``test_loss`` with test data, ``*_accuracy`` for cross-entropy.
      diverged: () or (K,) bool — a non-finite loss or gradient stopped the member.
      diverged_step: () or (K,) int — the first non-finite step, −1 if none.
      wall_time: seconds, compile included.
    """

    step: np.ndarray
    metrics: dict[str, np.ndarray]
    diverged: np.ndarray
    diverged_step: np.ndarray
    wall_time: float

    def final(self, name: str) -> np.ndarray:
        """The last logged value of a metric (per member for an ensemble)."""
        return self.metrics[name][..., -1]


# ---------------------------------------------------------------------------------------------
# The training program
# ---------------------------------------------------------------------------------------------


def _all_finite(tree) -> jax.Array:
    return jnp.all(jnp.array([jnp.all(jnp.isfinite(x)) for x in jax.tree_util.tree_leaves(tree)]))


def _check_steps(steps, log_every) -> tuple[int, int]:
    for name, v in (("steps", steps), ("log_every", log_every)):
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    if steps % log_every:
        raise ValueError(f"log_every ({log_every}) must divide steps ({steps})")
    return int(steps), int(log_every)


@dataclasses.dataclass(frozen=True)
class _Program:
    """The pieces of one training configuration, built once and reused by fit/fit_ensemble."""

    init_state: Callable
    run_chunks: Callable  # (state, data, n_chunks) -> (state, metrics (n_chunks, ...))
    evaluate: Callable  # (params, data) -> metrics dict


def _takes_state(fn: Callable) -> bool:
    """Whether a metrics hook takes the optimiser state: a third positional parameter."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 3 or any(p.kind == p.VAR_POSITIONAL for p in params)


def _program(net: Net, optimizer, loss: str, log_every: int, batch_size: int | None,
             extra_metrics: Callable | None = None) -> _Program:
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; allowed: {', '.join(LOSSES)}")
    loss_fn = LOSSES[loss]
    classify = loss == "cross_entropy"

    def objective(params, x, y):
        return loss_fn(net.apply(params, x), y)

    with_state = extra_metrics is not None and _takes_state(extra_metrics)

    def evaluate(params, data, opt_state=None):
        out = {}
        for split in ("train", "test"):
            if data.get(f"x_{split}") is None:
                continue
            pred = net.apply(params, data[f"x_{split}"])
            out[f"{split}_loss"] = loss_fn(pred, data[f"y_{split}"])
            if classify:
                out[f"{split}_accuracy"] = accuracy(pred, data[f"y_{split}"])
        if extra_metrics is not None:
            extra = (extra_metrics(params, data, opt_state) if with_state
                     else extra_metrics(params, data))
            clash = set(extra) & set(out)
            if clash:
                raise ValueError(f"extra_metrics may not redefine {', '.join(sorted(clash))}")
            out.update({k: jnp.asarray(v, jnp.float32) for k, v in extra.items()})
        return out

    def init_state(params, key, rate):
        return dict(
            params=params,
            opt_state=optimizer.init(params),
            step=jnp.zeros((), jnp.int32),
            diverged_step=jnp.full((), -1, jnp.int32),
            key=key,
            rate=jnp.asarray(rate),
        )

    def one_step(state, data):
        x, y = data["x_train"], data["y_train"]
        if batch_size is not None:
            k = jax.random.fold_in(state["key"], state["step"])
            idx = jax.random.choice(k, x.shape[0], (batch_size,), replace=False)
            x, y = x[idx], y[idx]
        loss_value, grads = jax.value_and_grad(objective)(state["params"], x, y)
        updates, opt_state = optimizer.update(grads, state["opt_state"], state["params"])
        updates = jax.tree_util.tree_map(lambda u: state["rate"].astype(u.dtype) * u, updates)
        params = optax.apply_updates(state["params"], updates)
        running = state["diverged_step"] < 0
        ok = jnp.isfinite(loss_value) & _all_finite(grads) & _all_finite(params) & running
        keep = lambda new, old: jax.tree_util.tree_map(lambda a, b: jnp.where(ok, a, b), new, old)
        return dict(
            params=keep(params, state["params"]),
            opt_state=keep(opt_state, state["opt_state"]),
            step=state["step"] + 1,
            diverged_step=jnp.where(running & ~ok, state["step"], state["diverged_step"]),
            key=state["key"],
            rate=state["rate"],
        )

    def run_chunks(state, data, n_chunks):
        def chunk(state, _):
            state = jax.lax.fori_loop(0, log_every, lambda _, s: one_step(s, data), state)
            metrics = evaluate(state["params"], data, state["opt_state"])
            # a stopped member logs NaN from the step it diverged at, not its frozen value
            stopped = state["diverged_step"] >= 0
            metrics = {k: jnp.where(stopped, jnp.nan, v) for k, v in metrics.items()}
            return state, metrics

        return jax.lax.scan(chunk, state, None, length=n_chunks)

    return _Program(init_state, run_chunks, evaluate)


def _as_data(data) -> dict:
    """Accept ``(x, y)``, ``(x, y, x_test, y_test)``, a dict, or a ``Dataset`` namedtuple."""
    if isinstance(data, dict):
        d = dict(data)
    elif hasattr(data, "_asdict"):
        d = dict(data._asdict())
    elif isinstance(data, tuple | list) and len(data) in (2, 4):
        names = ("x_train", "y_train", "x_test", "y_test")[: len(data)]
        d = dict(zip(names, data, strict=True))
    else:
        raise ValueError("data must be (x, y), (x, y, x_test, y_test), a dict or a Dataset")
    for k in ("x_train", "y_train"):
        if d.get(k) is None:
            raise ValueError(f"data is missing {k}")
    return {k: (None if v is None else jnp.asarray(v)) for k, v in d.items()}


def progress_enabled(progress: bool | None) -> bool:
    """Progress bars: on when stderr is a terminal, unless ``NNTHEORY_PROGRESS=0``."""
    if progress is not None:
        return progress
    if os.environ.get("NNTHEORY_PROGRESS", "") == "0":
        return False
    return sys.stderr.isatty()


def progress(iterable, desc: str, total: int | None = None, enabled: bool | None = None):
    """Wrap a study's outer sweep loop in a tqdm bar (shown after 3 s; see
    :func:`progress_enabled`)."""
    if not progress_enabled(enabled):
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=desc, total=total, delay=3.0, leave=False, file=sys.stderr)


def _segments(n_chunks: int, target: int = 20) -> int:
    """The largest divisor of n_chunks giving at least ``target`` segments (so the progress bar
    moves) while every segment has the same length (one compilation)."""
    best = 1
    for d in range(1, n_chunks + 1):
        if n_chunks % d == 0 and n_chunks // d >= min(target, n_chunks):
            best = d
    return best


def _drive(run_segment, state, data, n_chunks, progress, desc):
    """Run ``n_chunks`` logging chunks in equal jitted segments, with an optional tqdm bar."""
    per = _segments(n_chunks)
    pieces = []
    bar = None
    if progress_enabled(progress):
        from tqdm.auto import tqdm

        bar = tqdm(total=n_chunks, desc=desc, delay=3.0, leave=False, file=sys.stderr)
    try:
        for _ in range(n_chunks // per):
            state, metrics = run_segment(state, data, per)
            pieces.append(metrics)
            if bar is not None:
                jax.block_until_ready(state["step"])
                bar.update(per)
    finally:
        if bar is not None:
            bar.close()
    axis = -1  # metrics come out (n_chunks,) or (K, n_chunks) per segment
    metrics = {k: np.concatenate([np.asarray(p[k]) for p in pieces], axis=axis) for k in pieces[0]}
    return state, metrics


def fit(
    net: Net,
    params,
    data,
    *,
    optimizer: str | optax.GradientTransformation = "adam",
    learning_rate: float | None = None,
    schedule: str = "constant",
    steps: int = 1000,
    log_every: int = 100,
    loss: str = "mse",
    batch_size: int | None = None,
    key: jax.Array | None = None,
    extra_metrics: Callable | None = None,
    progress: bool | None = None,
    **optimizer_kwargs,
) -> tuple[Any, History]:
    """Train one net from ``params`` with ``steps`` optimiser steps; return (params, history).

    Full-batch by default; with ``batch_size`` each step draws a batch without replacement from
    ``jax.random.fold_in(key, step)``. Metrics are logged at step 0 and every ``log_every``
    steps; ``extra_metrics(params, data) -> {name: scalar}`` (jittable) adds metrics of
    one's own to each log (a weight norm, a Fourier sparsity, the Hessian's top eigenvalue, …);
    written with a third parameter, ``extra_metrics(params, data, opt_state)``, it also sees the
    optimiser's state (Adam's second moments, for a preconditioned sharpness).
    """
    steps, log_every = _check_steps(steps, log_every)
    spec = _optimizer_spec(optimizer, schedule, steps, optimizer_kwargs)
    rate = _rates(optimizer, learning_rate, None)
    d = _as_data(data)
    init_j, eval_j, run_segment = _compiled(net, spec, loss, log_every, batch_size,
                                            extra_metrics, None)
    key = jax.random.PRNGKey(0) if key is None else key
    t0 = time.perf_counter()
    state = init_j(params, key, rate)
    metrics0 = eval_j(state["params"], d, state["opt_state"])
    state, metrics = _drive(run_segment, state, d, steps // log_every, progress, net.name)
    metrics = {
        k: np.concatenate([np.asarray(metrics0[k])[None], v]) for k, v in metrics.items()
    }
    jax.block_until_ready(state["params"])
    hist = History(
        step=np.arange(0, steps + 1, log_every),
        metrics=metrics,
        diverged=np.asarray(state["diverged_step"] >= 0),
        diverged_step=np.asarray(state["diverged_step"]),
        wall_time=time.perf_counter() - t0,
    )
    return state["params"], hist


def _optimizer_spec(optimizer, schedule, steps, kwargs) -> tuple:
    """A hashable description of the optimiser without its rate (validated now, built with
    unit rate in :func:`_compiled`)."""
    if isinstance(optimizer, str):
        make_optimizer(optimizer, 1.0, schedule=schedule, steps=steps, **kwargs)
        return ("name", optimizer, schedule, steps if schedule != "constant" else None,
                tuple(sorted(kwargs.items())))
    if kwargs or schedule != "constant":
        raise ValueError("optimizer keyword arguments only apply to an optimizer given by name")
    return ("object", optimizer)


def _rates(optimizer, learning_rate, members: int | None) -> np.ndarray:
    """The rate(s) the program scales updates by: ``learning_rate`` for an optimiser given by
    name (a number, or for an ensemble also one per member), 1 for an optax object (which
    carries its own rate).

    Raises:
      ValueError: a rate that is not positive and finite, or not one per member.
    """
    dtype = jnp.result_type(float)  # float32, or float64 under jax_enable_x64
    if not isinstance(optimizer, str):
        if learning_rate is not None:
            raise ValueError("learning_rate only applies to an optimizer given by name (an optax "
                             "optimizer carries its own rate)")
        return np.ones(() if members is None else (members,), dtype)
    if learning_rate is None:
        learning_rate = DEFAULT_LEARNING_RATE
    lr = np.asarray(learning_rate)
    if lr.dtype.kind not in "fiu":
        raise ValueError(f"learning_rate must be a number, got {learning_rate!r}")
    lr = lr.astype(np.float64)
    if not (np.all(lr > 0) and np.all(np.isfinite(lr))):
        raise ValueError(f"learning_rate must be positive and finite, got {learning_rate!r}")
    if lr.ndim == 0:
        return (lr if members is None else np.full((members,), lr)).astype(dtype)
    if members is None or lr.shape != (members,):
        raise ValueError(f"learning_rate must be a number{' or one per member' if members else ''}"
                         f", got shape {lr.shape}")
    return lr.astype(dtype)


@functools.lru_cache(maxsize=64)
def _compiled(net, spec, loss, log_every, batch_size, extra_metrics, data_axes):
    """The jitted (init, evaluate, run-segment) functions of one training configuration, cached
    so that repeated calls with the same net and settings compile once, whatever the learning
    rate. ``data_axes`` is None for :func:`fit`, else the ensemble's data axes as a sorted
    tuple of items."""
    if spec[0] == "name":
        _, name, schedule, steps, kwargs = spec
        opt = make_optimizer(name, 1.0, schedule=schedule, steps=steps, **dict(kwargs))
        if net.info.get("parameterization") == "mup":  # per-layer rates (nets.MUP_LR)
            from nntheory.nets import mup_transform

            opt = optax.chain(opt, mup_transform(net, name))
    else:
        opt = spec[1]
    prog = _program(net, opt, loss, log_every, batch_size, extra_metrics)
    if data_axes is None:
        return (jax.jit(prog.init_state), jax.jit(prog.evaluate),
                jax.jit(prog.run_chunks, static_argnums=2))
    axes = dict(data_axes)
    return (
        jax.jit(jax.vmap(prog.init_state)),
        jax.jit(jax.vmap(prog.evaluate, in_axes=(0, axes, 0))),
        jax.jit(jax.vmap(prog.run_chunks, in_axes=(0, axes, None), out_axes=(0, 0)),
                static_argnums=2),
    )


def init_ensemble(net: Net, keys: jax.Array, input_shape: tuple[int, ...]):
    """Parameters of K nets stacked on a leading axis, one per key (keys: (K, 2) or typed)."""
    return jax.vmap(lambda k: net.init_params(k, input_shape))(keys)


def shared_init_members(keys, per: int, data: dict) -> tuple[jax.Array, dict]:
    """An ensemble layout for sweeps whose runs of one replicate differ only in a setting (a
    learning rate): replicate r's ``per`` members share the initialisation key
    ``fold_in(keys[r], 0)`` and its training arrays (``x_train``, ``y_train``, leading
    replicate axis in ``data``), replicate-major. Returns (init keys (R · per, 2), member
    data)."""
    keys = jnp.asarray(keys).reshape(-1, 2)
    init = jnp.repeat(jax.vmap(lambda k: jax.random.fold_in(k, 0))(keys), per, axis=0)
    return init, {k: np.repeat(np.asarray(data[k]), per, axis=0) for k in ("x_train", "y_train")}


DEFAULT_MEMORY_BUDGET = 2 * 2**30  # bytes; override with NNTHEORY_MEMORY_BUDGET


def memory_budget() -> int:
    """Bytes one vmapped ensemble chunk may use (``NNTHEORY_MEMORY_BUDGET``, default 2 GiB)."""
    raw = os.environ.get("NNTHEORY_MEMORY_BUDGET")
    if raw is None:
        return DEFAULT_MEMORY_BUDGET
    try:
        value = int(float(raw))
    except ValueError:
        raise ValueError(f"NNTHEORY_MEMORY_BUDGET must be a number of bytes, got {raw!r}") from None
    if value <= 0:
        raise ValueError(f"NNTHEORY_MEMORY_BUDGET must be positive, got {raw!r}")
    return value


def member_bytes(net: Net, params_one, data_one: dict, batch_size: int | None) -> int:
    """A rough per-member memory estimate: parameters, gradients and two optimiser moments
    (4×), plus the activations of a forward/backward pass over the larger split (3× the
    largest intermediate, found by tracing, not by running)."""
    leaves = jax.tree_util.tree_leaves(params_one)
    p_bytes = sum(int(np.prod(x.shape)) * x.dtype.itemsize for x in leaves)
    x = data_one["x_train"]
    n = x.shape[0] if batch_size is None else batch_size
    if data_one.get("x_test") is not None:
        n = max(n, data_one["x_test"].shape[0])
    jaxpr = jax.make_jaxpr(net.apply)(params_one, jnp.zeros((n,) + x.shape[1:], x.dtype))
    act = sum(
        int(np.prod(v.aval.shape)) * v.aval.dtype.itemsize
        for eqn in jaxpr.eqns
        for v in eqn.outvars
        if hasattr(v.aval, "shape")
    )
    return 4 * p_bytes + 3 * act


def fit_ensemble(
    net: Net,
    params,
    data,
    *,
    member_data: bool = False,
    optimizer: str | optax.GradientTransformation = "adam",
    learning_rate: float | np.ndarray | None = None,
    schedule: str = "constant",
    steps: int = 1000,
    log_every: int = 100,
    loss: str = "mse",
    batch_size: int | None = None,
    keys: jax.Array | None = None,
    chunk_size: int | None = None,
    extra_metrics: Callable | None = None,
    progress: bool | None = None,
    **optimizer_kwargs,
) -> tuple[Any, History]:
    """Train K nets of one architecture as one vmapped, jitted program.

    Args:
      params: a pytree whose leaves have a leading member axis K (see :func:`init_ensemble`).
      data: as for :func:`fit`; shared by all members, or with a leading K axis on every array
        when ``member_data=True`` (K targets, K noisy label sets, …).
      learning_rate: one rate, or (K,) rates, one per member (for an optimiser given by name,
        default :data:`DEFAULT_LEARNING_RATE`; an optax object carries its own rate). Rates are
        data, so every rate shares one compiled program.
      keys: (K, 2) keys for minibatch sampling; defaults to ``fold_in(PRNGKey(0), k)``.
      extra_metrics: as for :func:`fit`, evaluated per member.
      chunk_size: members per vmapped call; by default as many as fit
        :func:`memory_budget` (the last chunk is padded so every chunk compiles once).

    Returns:
      (params with leading K axis, History with (K, T) metrics).

    Every member sees exactly the computation :func:`fit` would do for it; with several local
    devices each chunk's member axis is sharded over them (``jax.sharding``).
    """
    steps, log_every = _check_steps(steps, log_every)
    spec = _optimizer_spec(optimizer, schedule, steps, optimizer_kwargs)
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; allowed: {', '.join(LOSSES)}")
    d = _as_data(data)
    leaves = jax.tree_util.tree_leaves(params)
    if not leaves:
        raise ValueError("params is empty")
    K = leaves[0].shape[0]
    if any(x.shape[0] != K for x in leaves):
        raise ValueError("every parameter leaf needs the same leading member axis")
    if member_data:
        bad = [k for k, v in d.items() if v is not None and v.shape[0] != K]
        if bad:
            raise ValueError(f"member_data=True needs a leading axis of {K} on {', '.join(bad)}")
    rates = jnp.asarray(_rates(optimizer, learning_rate, K))
    if keys is None:
        keys = jax.vmap(lambda i: jax.random.fold_in(jax.random.PRNGKey(0), i))(jnp.arange(K))
    data_axes = {k: (0 if member_data and v is not None else None) for k, v in d.items()}

    one = lambda tree: jax.tree_util.tree_map(lambda x: x[0], tree)
    if chunk_size is None:
        d_one = one(d) if member_data else d
        per = member_bytes(net, one(params), d_one, batch_size)
        chunk_size = max(1, min(K, memory_budget() // max(per, 1)))
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    n_dev = jax.local_device_count()
    chunk_size = min(chunk_size, K)
    if n_dev > 1:
        chunk_size = int(math.ceil(chunk_size / n_dev) * n_dev)

    init_v, eval_v, seg_v = _compiled(net, spec, loss, log_every, batch_size, extra_metrics,
                                      tuple(sorted(data_axes.items())))
    sharding = _member_sharding() if n_dev > 1 else None

    t0 = time.perf_counter()
    out_params, out_metrics, out_div = [], [], []
    for start in range(0, K, chunk_size):
        idx = np.arange(start, start + chunk_size)
        real = idx < K
        if chunk_size == K:  # one chunk holding every member: no copies
            p_c, k_c, r_c, d_c = params, keys, rates, d
        else:
            idx = np.where(real, idx, 0)  # pad the last chunk with copies of member 0
            p_c, k_c, r_c, d_c = _take((params, keys, rates, d), idx, data_axes)
        if sharding is not None:
            p_c, k_c, r_c = jax.device_put((p_c, k_c, r_c), sharding)
            d_c = {k: (jax.device_put(v, sharding) if data_axes[k] == 0 else v)
                   for k, v in d_c.items()}
        state = init_v(p_c, k_c, r_c)
        m0 = eval_v(state["params"], d_c, state["opt_state"])
        state, metrics = _drive(seg_v, state, d_c, steps // log_every, progress, net.name)
        n_real = int(real.sum())
        out_params.append(jax.tree_util.tree_map(lambda x, n=n_real: x[:n], state["params"]))
        out_metrics.append({
            k: np.concatenate([np.asarray(m0[k])[:, None], v], axis=1)[:n_real]
            for k, v in metrics.items()
        })
        out_div.append(np.asarray(state["diverged_step"])[:n_real])
    params_out = jax.tree_util.tree_map(lambda *xs: jnp.concatenate(xs), *out_params)
    jax.block_until_ready(params_out)
    div = np.concatenate(out_div)
    hist = History(
        step=np.arange(0, steps + 1, log_every),
        metrics={k: np.concatenate([m[k] for m in out_metrics]) for k in out_metrics[0]},
        diverged=div >= 0,
        diverged_step=div,
        wall_time=time.perf_counter() - t0,
    )
    return params_out, hist


@jax.jit
def _take_jit(tree, idx):
    return jax.tree_util.tree_map(lambda x: x[idx], tree)


def _take(tree, idx, data_axes):
    """Members ``idx`` of (params, keys, rates, data), in one jitted gather."""
    params, keys, rates, d = tree
    member_d = {k: v for k, v in d.items() if data_axes[k] == 0}
    p, k, r, md = _take_jit((params, keys, rates, member_d), jnp.asarray(idx))
    return p, k, r, {**d, **md}


def _member_sharding():
    from jax.sharding import Mesh, NamedSharding, PartitionSpec

    mesh = Mesh(np.array(jax.local_devices()), ("member",))
    return NamedSharding(mesh, PartitionSpec("member"))
