"""Benchmark 7: R replicates of one sweep trained as one vmapped ensemble (a `batched` sweep)
against the same replicates one at a time, through `nntheory.runner.compute`. The sweep is
universal_approximation's error sweep (every width of one-hidden-layer nets on three targets);
both arms run the same point function with the same keys, so their numbers agree up to float32
rounding. No target: the figure is what replicates cost on this machine."""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from benchmarks.harness import Record, summary


def _one_at_a_time(sweep):
    """The batched point and setup, called with one replicate's key at a time."""
    from nntheory.study import Sweep

    def point(cfg, key, data, **params):
        out = sweep.point(cfg, key[None], data, **params)
        out.tables = out.tables.drop(columns="replicate")
        out.arrays = {k: v[0] for k, v in out.arrays.items()}
        return out

    return Sweep(point, sweep.grid, setup=lambda cfg, key: sweep.setup(cfg, key[None]))


def run(quick: bool = False) -> Record:
    from nntheory import runner
    from nntheory.study import Study, get_study

    base = get_study("universal_approximation")
    cfg = base.config("quick", dict(activations=["tanh", "relu"], widths=[2, 32],
                                    steps=1000)) if quick else base.config("quick")
    seeds = tuple(range(cfg.replicates))
    sweep = base.SWEEPS["errors"]
    arms = {"batched": sweep, "one_at_a_time": _one_at_a_time(sweep)}
    seconds, errors = {}, {}
    for name, sw in arms.items():
        module = type(base.module)(f"bench_{name}")
        module.__dict__.update(base.module.__dict__, SWEEPS={"errors": sw})
        study = Study(base.name, module)
        runner.compute(study, cfg, seeds[:1])  # compile (and warm the caches) once
        t0 = time.perf_counter()
        res, _ = runner.compute(study, cfg, seeds)
        seconds[name] = time.perf_counter() - t0
        errors[name] = np.concatenate([
            res[s].tables["errors"].sort_values(["activation", "width", "target", "seed"])[
                "rel_l2"].to_numpy() for s in seeds])
    rel = float(np.max(np.abs(errors["batched"] - errors["one_at_a_time"])
                       / np.abs(errors["one_at_a_time"])))
    ratio = seconds["one_at_a_time"] / seconds["batched"]
    return Record(
        name="replicates",
        description=summary(__doc__),
        target="none (measured)",
        ratio=ratio,
        target_met=None,
        timings={k: dict(median_s=v, min_s=v, max_s=v, repeats=1) for k, v in seconds.items()},
        details=dict(replicates=len(seeds), config=dataclasses.asdict(cfg),
                     max_relative_difference=rel),
        note="ratio = one-at-a-time seconds / batched seconds, after one warm-up replicate "
        "per arm (compilation excluded). One run each.",
        finding=f"{len(seeds)} replicates of the error sweep: batched {seconds['batched']:.0f} "
        f"s, one at a time {seconds['one_at_a_time']:.0f} s ({ratio:.2f}×); errors agree "
        f"within {rel:.1e} relative (float32 rounding of different program shapes).",
    )
