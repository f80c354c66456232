"""Data: target functions, the XOR set, grids and splits. Every random generator takes an
explicit PRNG key; nothing here reads a file or downloads anything."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np


class Dataset(NamedTuple):
    """Arrays for training and evaluation; ``x_*`` are (n, d), ``y_*`` are (n, out) or (n,)."""

    x_train: jax.Array
    y_train: jax.Array
    x_test: jax.Array | None = None
    y_test: jax.Array | None = None


@dataclasses.dataclass(frozen=True)
class Target:
    """A continuous target function on the cube [-1, 1]^dim.

    Attributes:
      name: registry name.
      fn: (n, dim) -> (n,) array.
      dim: input dimension.
      smooth: whether it is infinitely differentiable (it changes which rates apply).
      formula: mathtext for figures.
    """

    name: str
    fn: Callable[[jax.Array], jax.Array]
    dim: int
    smooth: bool
    formula: str

    def __call__(self, x: jax.Array) -> jax.Array:
        return self.fn(x)


def _smooth_step(x):
    # A continuous, step-like ramp: 0 below -0.1, 1 above 0.1, linear between (kinks at ±0.1).
    return jnp.clip((x[:, 0] + 0.1) / 0.2, 0.0, 1.0)


TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target("sin", lambda x: jnp.sin(jnp.pi * x[:, 0]), 1, True, r"$\sin(\pi x)$"),
        Target("abs", lambda x: jnp.abs(x[:, 0]), 1, False, r"$|x|$"),
        Target("ramp", _smooth_step, 1, False, r"$\mathrm{clip}((x+0.1)/0.2,\,0,\,1)$"),
        Target(
            "bump2d",
            lambda x: jnp.exp(-4.0 * jnp.sum(x**2, axis=-1)) * jnp.cos(2.0 * x[:, 0] * x[:, 1]),
            2,
            True,
            r"$e^{-4\|x\|^2}\cos(2x_1x_2)$",
        ),
        Target(
            "sincos2d",
            lambda x: jnp.sin(jnp.pi * x[:, 0]) * jnp.cos(jnp.pi * x[:, 1]),
            2,
            True,
            r"$\sin(\pi x_1)\cos(\pi x_2)$",
        ),
    )
}


def target(name: str) -> Target:
    """Look a target up by name. Raises ValueError naming the allowed ones."""
    if name not in TARGETS:
        raise ValueError(f"unknown target {name!r}; allowed: {', '.join(TARGETS)}")
    return TARGETS[name]


def grid(n_per_dim: int, dim: int, low: float = -1.0, high: float = 1.0) -> jax.Array:
    """A dense tensor grid of ``n_per_dim**dim`` points on [low, high]^dim, shape (n, dim)."""
    if n_per_dim < 2 or dim < 1:
        raise ValueError(f"grid needs n_per_dim >= 2 and dim >= 1, got {n_per_dim}, {dim}")
    axis = jnp.linspace(low, high, n_per_dim)
    mesh = jnp.meshgrid(*([axis] * dim), indexing="ij")
    return jnp.stack([m.reshape(-1) for m in mesh], axis=-1)


def uniform(key: jax.Array, n: int, dim: int, low: float = -1.0, high: float = 1.0) -> jax.Array:
    """``n`` points uniform on [low, high]^dim."""
    return jax.random.uniform(key, (n, dim), minval=low, maxval=high)


def regression(key: jax.Array, tgt: Target | str, n_train: int, n_test_per_dim: int) -> Dataset:
    """Noise-free regression on a target: uniform random training points, a dense test grid.

    y arrays are (n, 1).
    """
    tgt = target(tgt) if isinstance(tgt, str) else tgt
    x = uniform(key, n_train, tgt.dim)
    xt = grid(n_test_per_dim, tgt.dim)
    return Dataset(x, tgt(x)[:, None], xt, tgt(xt)[:, None])


def xor() -> Dataset:
    """The four XOR points (Minsky & Papert 1969): x in {0,1}², label x1 XOR x2 (0/1 ints)."""
    x = jnp.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = jnp.array([0, 1, 1, 0])
    return Dataset(x, y, x, y)


def train_test_split(
    key: jax.Array, x: jax.Array, y: jax.Array, test_fraction: float
) -> Dataset:
    """Split (x, y) by a seeded permutation; ``test_fraction`` in (0, 1)."""
    if not (0.0 < float(test_fraction) < 1.0):
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
    n = x.shape[0]
    n_test = int(round(n * test_fraction))
    if n_test in (0, n):
        raise ValueError(f"test_fraction {test_fraction} leaves an empty split of {n} points")
    perm = np.asarray(jax.random.permutation(key, n))
    te, tr = perm[:n_test], perm[n_test:]
    return Dataset(x[tr], y[tr], x[te], y[te])
