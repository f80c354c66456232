"""A toy study for the runner's tests: its numbers come straight from the runner's keys, and
it records which points it computed (and can be told to stop, as Ctrl-C would, after some)."""

from __future__ import annotations

from dataclasses import dataclass

import jax
import numpy as np
import pandas as pd

from nntheory.claims import Claim
from nntheory.config import StudyConfig, field, nonnegative, positive
from nntheory.study import Rows, Sweep

TITLE = "Toy"
CALLS: list[tuple] = []  # (sweep, params, seeds) of every computed point
STOP_AFTER: list[int | None] = [None]  # raise KeyboardInterrupt before computing point n + 1


@dataclass(frozen=True)
class Config(StudyConfig):
    points: int = field(4, positive)
    offset: float = field(0.0, nonnegative)


PROFILES = {"test": Config(replicates=2), "quick": Config(replicates=5),
            "full": Config(replicates=10)}


def _tick(*what) -> None:
    if STOP_AFTER[0] is not None and len(CALLS) >= STOP_AFTER[0]:
        raise KeyboardInterrupt
    CALLS.append(what)


def shift(cfg, key) -> float:
    return float(jax.random.uniform(key))


def draw_point(cfg, key, data, *, i: int) -> dict:
    _tick("draws", i)
    return dict(value=float(jax.random.normal(key)) + data + cfg.offset)


def batched_point(cfg, keys, *, j: int) -> Rows:
    _tick("batched", j, len(keys))
    # + len(keys): a value that depends on how many replicates share the program, as the
    # float32 rounding of a vmapped program may
    v = np.asarray(jax.vmap(jax.random.normal)(keys), np.float64) + 1e-3 * len(keys)
    return Rows(pd.DataFrame(dict(replicate=np.arange(len(keys)), value=v)),
                {f"b{j}": np.repeat(v[:, None], 3, axis=1)})


def exact_point(cfg, key) -> dict:
    _tick("exact")
    return dict(count=cfg.points)


SWEEPS = {
    "draws": Sweep(draw_point, grid=lambda c: dict(i=list(range(c.points))), setup=shift),
    "batched": Sweep(batched_point, grid=lambda c: dict(j=[0, 1]), batched=True),
    "exact": Sweep(exact_point, random=False),
}


def metrics(tables, arrays, cfg) -> dict[str, float]:
    return dict(total=float(tables["draws"]["value"].sum()),
                count=float(tables["exact"]["count"].iloc[0]),
                batched_mean=float(tables["batched"]["value"].mean()))


CLAIMS = (
    Claim("total_small", "The sum of the draws is below 100.", "toy", "total", "<=", 100.0),
    Claim("count_is_points", "The exact sweep counts the points.", "toy", "count", "==", 4.0,
          kind="check"),
)


def figures(res, cfg):
    return []
