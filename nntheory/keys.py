"""The PRNG keys of a run: one per (replicate, sweep, point), and one per (replicate, sweep)
for a sweep's setup.

Replicate s, sweep w and point p get ``fold_in(fold_in(PRNGKey(s), crc(w)), crc(p))``, where
p is the canonical JSON of the point's parameters: a point's key depends on its own parameters
only, so adding a grid value, or reordering the grid, leaves every other point's numbers as
they were. This module is part of every study's code fingerprint (it decides the numbers);
the rest of the runner is not.
"""

from __future__ import annotations

import json
import zlib

import numpy as np


def _crc(text: str) -> int:
    return zlib.crc32(text.encode()) & 0x7FFFFFFF


def _plain(value):
    """A parameter value as a JSON scalar (numpy scalars unwrapped), or TypeError."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"a sweep parameter must be a str, int, float or bool, got {value!r} "
                    f"({type(value).__name__})")


def point_id(params: dict) -> str:
    """The canonical text of a point's parameters (names its checkpoint, derives its key)."""
    return json.dumps({str(k): _plain(v) for k, v in params.items()}, sort_keys=True)


def point_key(seed: int, sweep: str, params: dict):
    """The PRNG key of one (replicate, sweep, point)."""
    import jax

    k = jax.random.fold_in(jax.random.PRNGKey(seed), _crc(sweep))
    return jax.random.fold_in(k, _crc(point_id(params)))


def setup_key(seed: int, sweep: str):
    """The PRNG key of a sweep's ``setup`` in one replicate."""
    import jax

    k = jax.random.fold_in(jax.random.PRNGKey(seed), _crc(sweep))
    return jax.random.fold_in(k, _crc("setup"))
