"""The sweep runner: every study's sweeps, over replicates, with checkpoints, resume and hosts.

A study declares its sweeps (:class:`nntheory.study.Sweep`: a point function and its grid);
this module does the rest, once for every study:

* **replicates** — master seeds s₁, s₂, …; each redraws everything random in the study;
* **keys** — replicate s, sweep w and point p get ``fold_in(fold_in(PRNGKey(s), crc(w)),
  crc(p))``, so a point's key depends on its own parameters only (adding a grid value leaves
  every other point's numbers as they were); a sweep's ``setup`` gets its own key per replicate;
* **batched replicates** — a ``batched`` sweep computes every replicate of a point as one
  program (its replicates are more members of one vmapped ensemble, chunked like any ensemble
  under ``NNTHEORY_MEMORY_BUDGET``). The group is the replicates one run computes (recorded
  as ``replicate_group`` in each replicate's meta.json); the same command gives the same
  numbers to the bit, resumed or not, while a replicate computed in another group may differ
  in float32 rounding, as with another device count;
* **checkpoints** — each (replicate, point) is written as it completes; a killed run resumes
  at the next point; points written by other code are recomputed (:mod:`nntheory.provenance`);
* **hosts** — unit i of the run belongs to process i mod count; each computes its own units
  and reads the others' checkpoints; process 0 publishes;
* **tables** — the points' rows stacked into one tidy table per sweep, the point's parameters
  as columns; a sweep that ``needs`` tables of earlier sweeps (a fit over a whole sweep, a
  bootstrap of it) gets them, per replicate, as ``tables=``.

Stored replicates are reused when their code fingerprint is current and recomputed otherwise.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import shutil
import sys
import time
import zlib
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

from nntheory import checkpoint, files, interrupt, store
from nntheory.config import MAX_REPLICATES, config_hash
from nntheory.provenance import code_fingerprint, make_meta
from nntheory.study import Evidence, Results, Rows, Study

#: the largest master seed (PRNGKey takes 32-bit seeds; kept signed for portability)
MAX_SEED = 2**31 - 1


# ---------------------------------------------------------------------------------------------
# Seeds
# ---------------------------------------------------------------------------------------------


def check_seeds(seeds) -> tuple[int, ...]:
    """The seeds as a tuple of ints, or ValueError naming the problem."""
    seeds = tuple(seeds)
    if not seeds:
        raise ValueError("no seeds given")
    for s in seeds:
        if isinstance(s, bool) or not isinstance(s, int | np.integer) or not 0 <= s <= MAX_SEED:
            raise ValueError(f"seed must be an integer in [0, {MAX_SEED}], got {s!r}")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds repeat: {', '.join(map(str, seeds))}")
    if len(seeds) > MAX_REPLICATES:
        raise ValueError(f"{len(seeds)} seeds is over the maximum of {MAX_REPLICATES} replicates")
    return tuple(int(s) for s in seeds)


def parse_seeds(spec: str) -> tuple[int, ...]:
    """``"9001-9005"`` (an inclusive range) or ``"1,3,5"`` (a list; items may be ranges).

    Raises ValueError for an empty list, a decreasing range, a non-integer or negative seed, a
    repeat, or more than :data:`~nntheory.config.MAX_REPLICATES` seeds."""
    text = spec.strip()
    if not text:
        raise ValueError("--seeds is empty")
    seeds: list[int] = []
    for item in text.split(","):
        item = item.strip()
        lo, sep, hi = item.partition("-")
        try:
            a = int(lo)
            b = int(hi) if sep else a
        except ValueError:
            raise ValueError(f"--seeds: {item!r} is not a seed or a range a-b of "
                             "non-negative integers") from None
        if lo.strip() == "" or a < 0 or b < 0:
            raise ValueError(f"--seeds: {item!r} is not a seed or a range a-b of "
                             "non-negative integers")
        if b < a:
            raise ValueError(f"--seeds: range {item!r} runs backwards")
        if b - a + 1 > MAX_REPLICATES or len(seeds) + b - a + 1 > MAX_REPLICATES:
            raise ValueError(f"--seeds {spec!r} asks for more than the maximum of "
                             f"{MAX_REPLICATES} replicates")
        seeds.extend(range(a, b + 1))
    return check_seeds(seeds)


def default_seeds(cfg) -> tuple[int, ...]:
    """The profile's replicates: master seeds 0 … R−1."""
    return tuple(range(cfg.replicates))


# ---------------------------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------------------------


def _crc(text: str) -> int:
    return zlib.crc32(text.encode()) & 0x7FFFFFFF


def point_id(params: dict) -> str:
    """The canonical text of a point's parameters (names its checkpoint, derives its key)."""
    return json.dumps(params, sort_keys=True, default=str)


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


def _stack(keys):
    import jax.numpy as jnp

    return jnp.stack(list(keys))


# ---------------------------------------------------------------------------------------------
# Point outputs
# ---------------------------------------------------------------------------------------------


def _frames(out, sweep: str, params: dict) -> tuple[dict[str, pd.DataFrame], dict]:
    """A point's return value as ``({table: DataFrame}, {array: ndarray})``, its parameters
    added as leading columns where missing."""
    tables, arrays = (out.tables, dict(out.arrays)) if isinstance(out, Rows) else (out, {})
    if tables is None:
        tables = {}
    elif isinstance(tables, pd.DataFrame):
        tables = {sweep: tables}
    elif isinstance(tables, list):
        tables = {sweep: pd.DataFrame(tables)}
    elif isinstance(tables, dict) and tables and all(
            isinstance(v, pd.DataFrame) for v in tables.values()):
        tables = dict(tables)
    elif isinstance(tables, dict):
        tables = {sweep: pd.DataFrame([tables])}
    else:
        raise TypeError(f"sweep {sweep}: a point returned {type(out).__name__}; expected Rows, "
                        "a DataFrame, a list of row dicts or one row dict")
    for name, df in list(tables.items()):
        df = df.reset_index(drop=True)
        for i, (k, v) in enumerate(params.items()):
            if k not in df.columns:
                df.insert(min(i, len(df.columns)), k, v)
        tables[name] = df
    return tables, {k: np.asarray(v) for k, v in arrays.items()}


def _split(tables, arrays, n: int, sweep: str) -> list[tuple[dict, dict]]:
    """A batched point's output, one (tables, arrays) per replicate."""
    parts = []
    for i in range(n):
        t = {}
        for name, df in tables.items():
            if "replicate" not in df.columns:
                raise ValueError(f"batched sweep {sweep}: table {name} has no 'replicate' "
                                 "column")
            t[name] = df[df["replicate"] == i].drop(columns="replicate").reset_index(drop=True)
        a = {}
        for k, v in arrays.items():
            if v.ndim == 0 or v.shape[0] != n:
                raise ValueError(f"batched sweep {sweep}: array {k} has no leading replicate "
                                 f"axis of length {n}")
            a[k] = v[i]
        parts.append((t, a))
    return parts


# ---------------------------------------------------------------------------------------------
# Checkpoints and progress
# ---------------------------------------------------------------------------------------------


class _Checkpoints:
    """Per-(replicate, point) files under each replicate's partial folder (or none)."""

    def __init__(self, root, study: str, cfg_hash: str, fingerprint: str, enabled: bool):
        self.root, self.study, self.hash = root, study, cfg_hash
        self.fingerprint, self.enabled = fingerprint, enabled

    def path(self, seed: int, name: str) -> Path:
        safe = "".join(c if c.isalnum() or c in "._-=" else "_" for c in name)[:80]
        return (store.partial_dir(self.root, self.study, self.hash, seed)
                / f"{safe}-{zlib.crc32(name.encode()):08x}.npz")

    def read(self, seed: int, name: str):
        return checkpoint.read(self.path(seed, name), self.fingerprint) if self.enabled else None

    def write(self, seed: int, name: str, tables, arrays) -> None:
        if self.enabled:
            checkpoint.write(self.path(seed, name), tables, arrays, self.fingerprint)


class Progress:
    """One line per computed sweep point on stderr (with elapsed time and an estimate of the
    time left), unless ``NNTHEORY_PROGRESS=0``."""

    def __init__(self, study: str, total: int, enabled: bool | None = None):
        self.study, self.total, self.done = study, max(total, 1), 0
        self.t0 = time.perf_counter()
        self.enabled = (os.environ.get("NNTHEORY_PROGRESS", "") != "0") if enabled is None \
            else enabled

    def step(self, what: str, seconds: float | None) -> None:
        self.done += 1
        if not self.enabled or seconds is None:
            return
        elapsed = time.perf_counter() - self.t0
        left = elapsed / self.done * (self.total - self.done)
        print(f"[{self.study}] {self.done}/{self.total} {what}: {seconds:.1f} s "
              f"(elapsed {_duration(elapsed)}, ~{_duration(left)} left)",
              file=sys.stderr, flush=True)


def _duration(s: float) -> str:
    return f"{s:.0f} s" if s < 90 else f"{s / 60:.1f} min"


# ---------------------------------------------------------------------------------------------
# Computing replicates
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass
class _Tally:
    resumed: int = 0
    computed: int = 0
    seconds: float = 0.0


def _units(study: Study, cfg, seeds):
    """The run's units of work in order: (sweep name, sweep, params, seeds it serves)."""
    for sname, sweep in study.SWEEPS.items():
        for params in sweep.points(cfg):
            if sweep.batched or not sweep.random:
                yield sname, sweep, params, tuple(seeds)
            else:
                for s in seeds:
                    yield sname, sweep, params, (s,)


def compute(study: Study, cfg, seeds, *, ckpt: _Checkpoints | None = None,
            process: tuple[int, int] = (0, 1), progress: Progress | None = None,
            wait_timeout_s: float = 24 * 3600.0) -> tuple[dict[int, Results], dict[int, _Tally]]:
    """Compute every sweep of ``study`` for the replicates ``seeds``; return each replicate's
    results and its checkpoint tally. Scripts call it directly (nothing is stored)."""
    seeds = check_seeds(seeds)
    index, count = process
    if not 0 <= index < count:
        raise ValueError(f"process index {index} is not in [0, {count})")
    ckpt = ckpt or _Checkpoints(None, study.name, "", "", enabled=False)
    units = list(_units(study, cfg, seeds))
    progress = progress or Progress(study.name, len(units), enabled=False)
    tables: dict[int, dict[str, list]] = {s: defaultdict(list) for s in seeds}
    arrays: dict[int, dict] = {s: {} for s in seeds}
    tally = {s: _Tally() for s in seeds}
    setups: dict = {}

    def needed(sname, sweep, seed) -> dict[str, pd.DataFrame]:
        out = {}
        for t in sweep.needs:
            if not tables[seed].get(t):
                raise ValueError(f"sweep {sname} needs table {t!r}, which no earlier sweep "
                                 "made")
            out[t] = pd.concat(tables[seed][t], ignore_index=True)
        return out

    def inputs_for(sname, sweep, group) -> dict:
        """The point's ``data=`` (the sweep's setup) and ``tables=`` (earlier sweeps' tables)
        for the replicates ``group`` (all of them for a batched sweep, else one)."""
        out = {}
        if sweep.needs:
            out["tables"] = ([needed(sname, sweep, s) for s in group] if sweep.batched
                             else needed(sname, sweep, group[0]))
        if sweep.setup is None:
            return out
        if sweep.batched:
            key = (sname, group)
            if key not in setups:
                setups[key] = sweep.setup(cfg, _stack(setup_key(s, sname) for s in group))
        else:
            key = (sname, group[0])
            if key not in setups:
                setups[key] = sweep.setup(cfg, setup_key(group[0], sname))
        return dict(out, data=setups[key])

    def run_point(sname, sweep, params, missing) -> dict[int, tuple[dict, dict]]:
        if not sweep.random:  # one computation serves every replicate
            out = sweep.point(cfg, point_key(0, sname, params), **inputs_for(
                sname, sweep, (missing[0],)), **params)
            t, a = _frames(out, sname, params)
            return {s: (t, a) for s in missing}
        if sweep.batched:
            keys = _stack(point_key(s, sname, params) for s in missing)
            out = sweep.point(cfg, keys, **inputs_for(sname, sweep, missing), **params)
            t, a = _frames(out, sname, params)
            return dict(zip(missing, _split(t, a, len(missing), sname), strict=True))
        (s,) = missing
        out = sweep.point(cfg, point_key(s, sname, params), **inputs_for(sname, sweep, missing),
                          **params)
        return {s: _frames(out, sname, params)}

    for i, (sname, sweep, params, group) in enumerate(units):
        interrupt.check()  # a Ctrl-C whose KeyboardInterrupt Python swallowed stops here
        name = f"{sname}-{point_id(params)}"
        got = {s: ckpt.read(s, name) for s in group}
        missing = tuple(s for s in group if got[s] is None)
        if missing and sweep.batched and sweep.random:
            # the whole group again: a replicate's numbers come from one program shape, so a
            # resumed run equals an uninterrupted one to the bit
            missing = group
        what = f"{sname} {_label(params)}" + (f" seed {group[0]}" if len(group) == 1 else "")
        fresh: tuple[int, ...] = ()
        if missing and i % count != index:  # another process computes it: wait for its files
            deadline = time.monotonic() + wait_timeout_s
            while missing:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no checkpoint of {name} from process {i % count} "
                                       f"after {wait_timeout_s} s")
                time.sleep(0.2)
                for s in missing:
                    got[s] = ckpt.read(s, name)
                missing = tuple(s for s in group if got[s] is None)
            progress.step(what, None)
        elif missing:
            t0 = time.perf_counter()
            new = run_point(sname, sweep, params, missing)
            dt = time.perf_counter() - t0
            for s in missing:
                ckpt.write(s, name, *new[s])
                got[s] = new[s]
                tally[s].computed += 1
                tally[s].seconds += dt / len(missing)
            fresh = missing
            progress.step(what, dt)
        else:
            progress.step(what, None)
        for s in group:
            if s not in fresh:
                tally[s].resumed += 1
            t, a = got[s]
            for tname, df in t.items():
                tables[s][tname].append(df)
            clash = set(a) & set(arrays[s])
            if clash:
                raise ValueError(f"sweep {sname}: arrays {sorted(clash)} returned by two points")
            arrays[s].update(a)
    results = {s: Results({n: pd.concat(dfs, ignore_index=True) for n, dfs in tables[s].items()},
                          arrays[s]) for s in seeds}
    return results, tally


def _label(params: dict) -> str:
    return " ".join(f"{k}={v}" for k, v in params.items()) or "(one point)"


# ---------------------------------------------------------------------------------------------
# Run and store
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RunOutcome:
    """What ``run`` did for each replicate."""

    seeds: tuple[int, ...]
    reused: tuple[int, ...]
    computed: tuple[int, ...]
    stale: tuple[int, ...]  # stored by other code (or layout), recomputed
    paths: dict[int, Path | None]
    metas: dict[int, dict]


def stored_state(root, study: Study, cfg, seed: int, fingerprint: str) -> str:
    """``"current"``, ``"missing"``, ``"stale"`` (other code or an older layout) or
    ``"corrupt"``."""
    try:
        meta = store.read_meta(root, study.name, cfg, seed)
    except store.MissingResult:
        return "missing"
    except store.StoreError as e:
        return "stale" if "older nntheory" in str(e) else "corrupt"
    return "current" if meta.get("code_fingerprint") == fingerprint else "stale"


def run(study: Study, cfg, seeds, *, root: str | Path = "results", profile: str | None = None,
        force: bool = False, process: tuple[int, int] | None = None,
        progress: bool | None = None) -> RunOutcome:
    """Compute and store the replicates ``seeds`` of ``study`` at ``cfg``, reusing those stored
    by the current code unless ``force``.

    A stored replicate that is damaged is an error unless ``force`` (which recomputes every
    replicate asked for). ``process = (index, count)`` (default: ``jax.process_index(),
    jax.process_count()``) splits the units over cooperating processes sharing ``root``;
    process 0 alone publishes (the others' ``paths`` are None).
    """
    import jax

    seeds = check_seeds(seeds)
    if process is None:
        process = (jax.process_index(), jax.process_count())
    h = config_hash(study.name, cfg)
    fp = code_fingerprint(study.module)
    cooperating = process[1] > 1
    with contextlib.ExitStack() as stack:
        if not cooperating:  # cooperating processes share the work instead of competing
            for s in sorted(seeds):
                stack.enter_context(store.lock(root, study.name, h, s))
                store.clean_stale(root, study.name, h, s)
        state = {s: stored_state(root, study, cfg, s, fp) for s in seeds}
        bad = [s for s, v in state.items() if v == "corrupt"]
        if bad and not force:
            store.load(root, study.name, cfg, bad[0])  # raises the precise StoreError
        todo = tuple(s for s in seeds if force or state[s] != "current")
        if force and not cooperating:
            for s in todo:
                shutil.rmtree(store.partial_dir(root, study.name, h, s), ignore_errors=True)
        paths: dict[int, Path | None] = {}
        metas: dict[int, dict] = {}
        for s in seeds:
            if s not in todo:
                paths[s] = store.result_dir(root, study.name, h, s)
                metas[s] = store.read_meta(root, study.name, cfg, s)
        if todo:
            ckpt = _Checkpoints(root, study.name, h, fp, enabled=True)
            n_units = len(list(_units(study, cfg, todo)))
            results, tally = compute(study, cfg, todo, ckpt=ckpt, process=process,
                                     progress=Progress(study.name, n_units, progress))
            batched = any(sw.batched for sw in study.SWEEPS.values())
            for s in todo:
                meta = make_meta(study.name, profile, cfg, s, tally[s].seconds, fp)
                meta["checkpoints"] = dict(resumed=tally[s].resumed, computed=tally[s].computed)
                if batched:
                    meta["replicate_group"] = list(todo)
                if cooperating:
                    meta["processes"] = process[1]
                metas[s] = meta
                if process[0] == 0:
                    paths[s] = store.save(root, results[s], meta)
                else:
                    paths[s] = None
            _finish_partials(root, study.name, h, todo, process)
    return RunOutcome(seeds, tuple(s for s in seeds if s not in todo), todo,
                      tuple(s for s in todo if state[s] == "stale"), paths, metas)


def _finish_partials(root, study: str, h: str, seeds, process, timeout_s: float = 24 * 3600):
    """Remove the checkpoints once published; with several processes, once every process has
    read every point it needs (each leaves a ``.done-<index>`` marker)."""
    index, count = process
    if count == 1:
        for s in seeds:
            shutil.rmtree(store.partial_dir(root, study, h, s), ignore_errors=True)
        return
    if index != 0:
        for s in seeds:
            d = store.partial_dir(root, study, h, s)
            d.mkdir(parents=True, exist_ok=True)
            files.write_bytes(d / f".done-{index}", b"")
        return
    deadline = time.monotonic() + timeout_s
    for s in seeds:
        d = store.partial_dir(root, study, h, s)
        while not all((d / f".done-{i}").exists() for i in range(1, count)):
            if time.monotonic() > deadline:  # leave the checkpoints for the stragglers
                return
            time.sleep(0.2)
        shutil.rmtree(d, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Loading replicates for claims and reports
# ---------------------------------------------------------------------------------------------


def load(study: Study, cfg, seeds, *, root: str | Path = "results",
         profile: str | None = None) -> Evidence:
    """Every replicate's stored results, with the study's metrics derived now.

    Raises:
      MissingResult: some replicates are not stored (all of them are named).
      StoreError: a stored replicate is damaged or of an older layout.
    """
    seeds = check_seeds(seeds)
    per_seed, metas, missing = {}, {}, []
    for s in seeds:
        try:
            per_seed[s], metas[s] = store.load(root, study.name, cfg, s)
        except store.MissingResult:
            missing.append(s)
    if missing:
        h = config_hash(study.name, cfg)
        listed = ",".join(map(str, missing))
        prof = f" --profile {profile}" if profile else ""
        raise store.MissingResult(
            f"no results for {study.name} (config {h}) at seed{'s' if len(missing) > 1 else ''} "
            f"{listed} of {len(seeds)} asked for: run `nntheory run {study.name}{prof} "
            f"--seeds {listed}` first")
    rows = [dict(replicate=s, **study.metrics(per_seed[s], cfg)) for s in seeds]
    return Evidence(seeds, per_seed, pd.DataFrame(rows), metas)


def stale_seeds(study: Study, ev: Evidence) -> list[int]:
    """Replicates whose tables were computed by other code than the current one."""
    fp = code_fingerprint(study.module)
    return [s for s in ev.seeds if ev.metas[s].get("code_fingerprint") != fp]


def metric_values(ev: Evidence, key: str) -> np.ndarray:
    """One metric over the replicates (NaN where a replicate lacks it)."""
    if key not in ev.metrics.columns:
        return np.full(len(ev.seeds), math.nan)
    return ev.metrics[key].to_numpy(float)
