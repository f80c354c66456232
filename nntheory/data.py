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


def numpy_rng(key: jax.Array) -> np.random.Generator:
    """A NumPy generator seeded by a JAX PRNG key (raw uint32 or typed): as explicit and
    reproducible as the key, and free of compilation (each new shape drawn with ``jax.random``
    costs an XLA compile on CPU, and its float64 normals are several times slower)."""
    key = jnp.asarray(key) if not hasattr(key, "dtype") else key
    if jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        key = jax.random.key_data(key)
    return np.random.default_rng(np.asarray(key, np.uint32).ravel().tolist())


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


def cosine_ridges(key: jax.Array, dim: int, frequencies=(2.0, 3.0, 4.0, 5.0),
                  amplitude: float = 0.5) -> tuple[Target, np.ndarray, np.ndarray]:
    """A random sum of cosine ridges on [-1, 1]^dim, g(x) = a Σⱼ cos(κⱼ uⱼ·x + θⱼ), with the
    directions uⱼ uniform on the unit sphere and the phases θⱼ uniform on [0, 2π), drawn from
    ``key``; one ridge per frequency κⱼ.

    A Barron-class target whose constant does not depend on the dimension: its Fourier
    distribution is a/2 at ±κⱼuⱼ, so C_g = a Σⱼ κⱼ for B the unit ball (Barron 1993, IEEE
    Trans. Inf. Theory 39(3):930–945, Section IX: ridge functions and their sums); see
    ``nntheory.analysis.approximation.cosine_ridge_barron_constant``. In one dimension the
    directions are ±1 and g is a sum of cosines of x.

    Returns:
      (target, directions (m, dim), phases (m,)).
    """
    if isinstance(dim, bool) or not isinstance(dim, int | np.integer) or dim < 1:
        raise ValueError(f"dim must be a positive integer, got {dim!r}")
    kappa = np.asarray(frequencies, np.float64)
    if kappa.ndim != 1 or kappa.size == 0:
        raise ValueError("frequencies must be a non-empty sequence")
    rng = numpy_rng(key)
    u = rng.standard_normal((kappa.size, int(dim)))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    theta = rng.uniform(0.0, 2.0 * np.pi, kappa.size)
    uf, kf, tf = (v.astype(np.float32) for v in (u, kappa, theta))

    def fn(x):  # NumPy in, NumPy out (no compilation); JAX arrays otherwise
        xp = np if isinstance(x, np.ndarray) else jnp
        return amplitude * xp.sum(xp.cos((x @ uf.T) * kf[None, :] + tf[None, :]), axis=-1)

    tgt = Target(f"ridges{dim}d", fn, int(dim), True,
                 rf"${amplitude:g}\sum_j\cos(\kappa_j u_j^\top x+\theta_j)$")
    return tgt, u, theta


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


# ---------------------------------------------------------------------------------------------
# Modular arithmetic (grokking)
# ---------------------------------------------------------------------------------------------


def _mod_inverse(b: np.ndarray, p: int) -> np.ndarray:
    """b^(p−2) mod p, the inverse of b ≠ 0 modulo a prime p (Fermat's little theorem)."""
    out = np.ones_like(b)
    base, e = b % p, p - 2
    while e:
        if e & 1:
            out = out * base % p
        base = base * base % p
        e >>= 1
    return out


def _div(a, b, p):
    return a * _mod_inverse(b, p) % p


@dataclasses.dataclass(frozen=True)
class ModularOp:
    """A binary operation on Z_p, from the list in the appendix of Power et al. (2022,
    arXiv:2201.02177).

    Attributes:
      name: registry name (ASCII: ``"+"``, ``"-"``, ``"*"``, ``"/"``, ``"x^2+xy+y^2"``, …).
      fn: (a, b, p) -> a∘b mod p on int64 numpy arrays.
      formula: mathtext for figures.
      nonzero_b: only pairs with b ≠ 0 are in the dataset (division).
      needs_prime: p must be prime (the op uses inverses mod p).
    """

    name: str
    fn: Callable[[np.ndarray, np.ndarray, int], np.ndarray]
    formula: str
    nonzero_b: bool = False
    needs_prime: bool = False


MODULAR_OPS: dict[str, ModularOp] = {
    o.name: o
    for o in (
        ModularOp("+", lambda a, b, p: (a + b) % p, r"$x+y$"),
        ModularOp("-", lambda a, b, p: (a - b) % p, r"$x-y$"),
        ModularOp("*", lambda a, b, p: a * b % p, r"$x\cdot y$"),
        ModularOp("/", _div, r"$x/y$", nonzero_b=True, needs_prime=True),
        ModularOp("x/y_if_odd_else_x-y",
                  lambda a, b, p: np.where(b % 2 == 1, _div(a, np.where(b == 0, 1, b), p),
                                           (a - b) % p),
                  r"$x/y\ (y\ \mathrm{odd}),\ x-y\ \mathrm{else}$", nonzero_b=True,
                  needs_prime=True),
        ModularOp("x^2+y^2", lambda a, b, p: (a * a + b * b) % p, r"$x^2+y^2$"),
        ModularOp("x^2+xy+y^2", lambda a, b, p: (a * a + a * b + b * b) % p, r"$x^2+xy+y^2$"),
        ModularOp("x^2+xy+y^2+x", lambda a, b, p: (a * a + a * b + b * b + a) % p,
                  r"$x^2+xy+y^2+x$"),
        ModularOp("x^3+xy", lambda a, b, p: (a * a * a + a * b) % p, r"$x^3+xy$"),
        ModularOp("x^3+xy^2+y", lambda a, b, p: (a * a * a + a * b * b + b) % p,
                  r"$x^3+xy^2+y$"),
    )
}


def modular_op(name: str) -> ModularOp:
    """Look a modular operation up by name. Raises ValueError naming the allowed ones."""
    if name not in MODULAR_OPS:
        raise ValueError(f"unknown modular operation {name!r}; allowed: {', '.join(MODULAR_OPS)}")
    return MODULAR_OPS[name]


def _is_prime(p: int) -> bool:
    return p >= 2 and all(p % d for d in range(2, int(p**0.5) + 1))


def modular_table(p: int, op: str) -> tuple[jax.Array, jax.Array]:
    """Every equation of ``op`` on Z_p: x (n, 2) int32 pairs (a, b) in row-major order of the
    (a, b) grid (b ≠ 0 for division) and y (n,) int32 labels a∘b mod p.

    Raises:
      ValueError: p < 2, an unknown op, or a composite p for an op that divides.
    """
    if isinstance(p, bool) or not isinstance(p, int | np.integer) or p < 2:
        raise ValueError(f"p must be an integer >= 2, got {p!r}")
    o = modular_op(op)
    if o.needs_prime and not _is_prime(int(p)):
        raise ValueError(f"operation {op!r} divides, so p must be prime; got {p}")
    x, y = _modular_table_np(int(p), o)
    return jnp.asarray(x), jnp.asarray(y)


def _modular_table_np(p: int, o: ModularOp) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.meshgrid(np.arange(p, dtype=np.int64), np.arange(p, dtype=np.int64),
                       indexing="ij")
    a, b = a.ravel(), b.ravel()
    if o.nonzero_b:
        keep = b != 0
        a, b = a[keep], b[keep]
    y = o.fn(a, b, p) % p
    return np.stack([a, b], axis=1).astype(np.int32), y.astype(np.int32)


def modular_arithmetic(p: int, op: str, train_fraction: float, key: jax.Array) -> Dataset:
    """The grokking dataset of Power, Burda, Edwards, Babuschkin & Misra (2022,
    arXiv:2201.02177, §2): every equation a∘b = c (mod p), split into a
    training set holding ``round(train_fraction · n)`` of them and a test set holding the rest,
    by a permutation drawn from ``key``.

    x arrays are (n, 2) int32 token pairs (a, b), y arrays (n,) int32 labels in [0, p).

    Raises:
      ValueError: as :func:`modular_table`, or a train fraction outside (0, 1) or one that
        leaves a split empty.
    """
    if not (0.0 < float(train_fraction) < 1.0):
        raise ValueError(f"train_fraction must be in (0, 1), got {train_fraction!r}")
    modular_table(p, op)  # validates p and op
    x, y = _modular_table_np(int(p), modular_op(op))
    n = x.shape[0]
    n_train = int(round(n * float(train_fraction)))
    if n_train in (0, n):
        raise ValueError(f"train_fraction {train_fraction} leaves an empty split of {n} equations")
    perm = np.asarray(jax.random.permutation(key, n))
    tr, te = perm[:n_train], perm[n_train:]
    return Dataset(*(jnp.asarray(v) for v in (x[tr], y[tr], x[te], y[te])))


# ---------------------------------------------------------------------------------------------
# Published scaling-law data (package data in nntheory/datasets/, provenance in its README.md)
# ---------------------------------------------------------------------------------------------


def chinchilla_points():
    """The 245 training runs of Hoffmann et al. 2022 (arXiv:2203.15556), Figure 4, as extracted
    from the figure's SVG by Besiroglu, Erdil, Barnett & You 2024 (arXiv:2404.10102; repository
    epoch-research/analyzing-chinchilla, ``data/svg_extracted_data.csv``), shipped as
    ``nntheory/datasets/chinchilla_fig4_epoch_extracted.csv``.

    Returns a pandas DataFrame, one row per run in file order, with columns ``N`` (parameters),
    ``C`` (training FLOP), ``D`` = C / (6N) (training tokens) and ``loss`` (final validation
    loss). The replication drops the 5 highest-loss runs before fitting (done by the caller).
    """
    import importlib.resources
    import io

    import pandas as pd

    res = importlib.resources.files("nntheory").joinpath(
        "datasets/chinchilla_fig4_epoch_extracted.csv")
    raw = pd.read_csv(io.StringIO(res.read_text(encoding="utf-8")))
    n = raw["Model Size"].to_numpy(np.float64)
    c = raw["Training FLOP"].to_numpy(np.float64)
    return pd.DataFrame(dict(N=n, C=c, D=c / (6.0 * n), loss=raw["loss"].to_numpy(np.float64)))
