"""The sweep runner: every study's sweeps, over replicates, with checkpoints, resume and hosts.

A study declares its sweeps (:class:`nntheory.study.Sweep`: a point function and its grid);
this module does the rest, once for every study:

* **replicates** — master seeds s₁, s₂, …; each redraws everything random in the study;
* **keys** — one per (replicate, sweep, point), depending on the point's own parameters only
  (:mod:`nntheory.keys`); a sweep's ``setup`` gets its own key per replicate;
* **batched replicates** — a ``batched`` sweep computes the replicates of a point as one
  program: they become more members of one vmapped ensemble, chunked like any ensemble under
  ``NNTHEORY_MEMORY_BUDGET``. The program always holds a whole block of
  :data:`REPLICATE_BLOCK` consecutive master seeds (b·B … b·B + B − 1) in fixed slots, asked
  for or not, so a replicate's numbers never depend on which other replicates a command asked
  for, nor on resuming: same config and seed, same numbers (on one machine and device count);
* **checkpoints** — each (replicate, point) is written as it completes; a killed run resumes
  at the next point; points written by other code are recomputed (:mod:`nntheory.provenance`);
* **hosts** — unit i of the run belongs to process i mod count; each computes its own units
  and reads the others' checkpoints; process 0 publishes;
* **tables** — the points' rows stacked into one tidy table per sweep, the point's parameters
  as columns; a sweep that ``needs`` tables of earlier sweeps (a fit over a whole sweep, a
  bootstrap of it) gets them, per replicate, as ``tables=``.

Stored replicates are reused when their code fingerprint is current and recomputed otherwise.
An exception raised by a study's own code is re-raised as :class:`StudyError`, naming the
study, the sweep and the point.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
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
from nntheory.keys import point_id, point_key, setup_key
from nntheory.provenance import code_fingerprint, make_meta
from nntheory.study import Evidence, Results, Rows, Study

#: the largest master seed (PRNGKey takes 32-bit seeds; kept signed for portability)
MAX_SEED = 2**31 - 1
#: master seeds b·B … b·B + B − 1 form one block of a batched sweep
REPLICATE_BLOCK = 5


class StudyError(RuntimeError):
    """A study's own code (a sweep point, a setup, metrics, figures) raised an exception."""


@contextlib.contextmanager
def blame(where: str):
    """Re-raise an exception of study code as :class:`StudyError` naming ``where``
    (KeyboardInterrupt passes through)."""
    try:
        yield
    except StudyError:
        raise
    except Exception as e:
        raise StudyError(f"{where}: {type(e).__name__}: {e}") from e


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


_ITEM = re.compile(r"([0-9]+)(?:-([0-9]+))?")


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
        m = _ITEM.fullmatch(item)
        if m is None:
            raise ValueError(f"--seeds: {item!r} is not a seed or a range a-b of "
                             "non-negative integers")
        a = int(m.group(1))
        b = int(m.group(2)) if m.group(2) is not None else a
        if b < a:
            raise ValueError(f"--seeds: range {item!r} runs backwards")
        if len(seeds) + b - a + 1 > MAX_REPLICATES:
            raise ValueError(f"--seeds {spec!r} asks for more than the maximum of "
                             f"{MAX_REPLICATES} replicates")
        seeds.extend(range(a, b + 1))
    return check_seeds(seeds)


def default_seeds(cfg) -> tuple[int, ...]:
    """The profile's replicates: master seeds 0 … R−1."""
    return tuple(range(cfg.replicates))


def block(seed: int) -> tuple[int, ...]:
    """The block of master seeds a batched sweep computes ``seed`` with."""
    first = seed - seed % REPLICATE_BLOCK
    return tuple(range(first, first + REPLICATE_BLOCK))


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
    if tables is None or (isinstance(tables, dict) and not tables):
        tables = {}
    elif isinstance(tables, pd.DataFrame):
        tables = {sweep: tables}
    elif isinstance(tables, list):
        tables = {sweep: pd.DataFrame(tables)}
    elif isinstance(tables, dict) and all(isinstance(v, pd.DataFrame) for v in tables.values()):
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


def _split(tables, arrays, slots: list[int], sweep: str) -> list[tuple[dict, dict]]:
    """A batched point's output for the given slots of its block, one (tables, arrays) each."""
    n = REPLICATE_BLOCK
    for name, df in tables.items():
        if "replicate" not in df.columns:
            raise ValueError(f"batched sweep {sweep}: table {name} has no 'replicate' column")
    for k, v in arrays.items():
        if v.ndim == 0 or v.shape[0] != n:
            raise ValueError(f"batched sweep {sweep}: array {k} has no leading replicate axis "
                             f"of length {n}")
    return [({name: df[df["replicate"] == i].drop(columns="replicate").reset_index(drop=True)
              for name, df in tables.items()},
             {k: v[i] for k, v in arrays.items()}) for i in slots]


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
    """One line per computed sweep point (with elapsed time and an estimate of the time left)
    on stderr, unless ``NNTHEORY_PROGRESS=0`` — plain lines, so a run under nohup, a batch
    scheduler or CI shows its progress too — and, always, in ``log`` (a file) if given."""

    def __init__(self, study: str, total: int, enabled: bool | None = None, log=None):
        self.study, self.total, self.done = study, max(total, 1), 0
        self.t0 = time.perf_counter()
        self.enabled = (os.environ.get("NNTHEORY_PROGRESS", "") != "0") if enabled is None \
            else enabled
        self.log = log

    def say(self, line: str, *, echo: bool = True) -> None:
        if self.log is not None:
            self.log.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}\n")
            self.log.flush()
        if echo and self.enabled:
            print(line, file=sys.stderr, flush=True)

    def step(self, what: str, seconds: float | None) -> None:
        self.done += 1
        elapsed = time.perf_counter() - self.t0
        left = elapsed / self.done * (self.total - self.done)
        how = "resumed" if seconds is None else f"{seconds:.1f} s"
        self.say(f"[{self.study}] {self.done}/{self.total} {what}: {how} "
                 f"(elapsed {_duration(elapsed)}, ~{_duration(left)} left)",
                 echo=seconds is not None)


def _duration(s: float) -> str:
    return f"{s:.0f} s" if s < 90 else f"{s / 60:.1f} min"


# ---------------------------------------------------------------------------------------------
# Computing replicates
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass
class _Tally:
    computed: int = 0  # units this process computed
    resumed: int = 0  # read back from an earlier, interrupted run
    from_peers: int = 0  # computed by another cooperating process
    seconds: float = 0.0


def check_sweeps(study: Study) -> None:
    """Reject sweep declarations the runner cannot honour (TypeError naming the sweep)."""
    for name, sw in study.SWEEPS.items():
        if not sw.random and (sw.batched or sw.setup is not None):
            raise TypeError(f"study {study.name}: sweep {name} is deterministic "
                            "(random=False), so it takes no setup and is not batched")


def _units(study: Study, cfg, seeds):
    """The run's units of work in order: (sweep name, sweep, params, seeds it serves)."""
    for sname, sweep in study.SWEEPS.items():
        for params in sweep.points(cfg):
            if not sweep.random:
                yield sname, sweep, params, tuple(seeds)
            elif sweep.batched:
                for b in dict.fromkeys(block(s) for s in seeds):
                    yield sname, sweep, params, tuple(s for s in seeds if s in b)
            else:
                for s in seeds:
                    yield sname, sweep, params, (s,)


def compute(study: Study, cfg, seeds, *, ckpt: _Checkpoints | None = None,
            process: tuple[int, int] = (0, 1), progress: Progress | None = None,
            wait_timeout_s: float | None = None) -> tuple[dict[int, Results], dict[int, _Tally]]:
    """Compute every sweep of ``study`` for the replicates ``seeds``; return each replicate's
    results and its tally. Scripts call it directly (nothing is stored)."""
    seeds = check_seeds(seeds)
    check_sweeps(study)
    index, count = process
    if not 0 <= index < count:
        raise ValueError(f"process index {index} is not in [0, {count})")
    if wait_timeout_s is None:
        wait_timeout_s = float(os.environ.get("NNTHEORY_WAIT_TIMEOUT", 24 * 3600))
    ckpt = ckpt or _Checkpoints(None, study.name, "", "", enabled=False)
    units = list(_units(study, cfg, seeds))
    progress = progress or Progress(study.name, len(units), enabled=False)
    tables: dict[int, dict[str, list]] = {s: defaultdict(list) for s in seeds}
    arrays: dict[int, dict] = {s: {} for s in seeds}
    tally = {s: _Tally() for s in seeds}
    random_tables: set[str] = set()
    setups: dict = {}

    def needed(sname, sweep, seed) -> dict[str, pd.DataFrame]:
        out = {}
        for t in sweep.needs:
            if not tables[seed].get(t):
                raise ValueError(f"sweep {sname} needs table {t!r}, which no earlier sweep "
                                 "made")
            if not sweep.random and t in random_tables:
                raise ValueError(f"sweep {sname} is deterministic but needs table {t!r} of a "
                                 "random sweep")
            out[t] = pd.concat(tables[seed][t], ignore_index=True)
        return out

    def setup_for(sname, sweep, slots: tuple[int, ...]):
        key = (sname, slots)
        if key not in setups:
            with blame(f"{study.name}: sweep {sname}: setup"):
                if sweep.batched:
                    setups[key] = sweep.setup(cfg, _stack(setup_key(s, sname) for s in slots))
                else:
                    setups[key] = sweep.setup(cfg, setup_key(slots[0], sname))
        return setups[key]

    def run_point(sname, sweep, params, missing) -> dict[int, tuple[dict, dict]]:
        where = f"{study.name}: sweep {sname}: point {_label(params)}"
        if not sweep.random:  # one computation serves every replicate
            kw = dict(tables=needed(sname, sweep, missing[0])) if sweep.needs else {}
            with blame(where):
                out = sweep.point(cfg, point_key(0, sname, params), **kw, **params)
            t, a = _frames(out, sname, params)
            return {s: (t, a) for s in missing}
        if sweep.batched:  # the whole block, in fixed slots; keep the replicates asked for
            slots = block(missing[0])
            kw = {}
            if sweep.needs:  # slots not asked for get a stand-in (their output is dropped)
                kw["tables"] = [needed(sname, sweep, s if s in missing else missing[0])
                                for s in slots]
            if sweep.setup is not None:
                kw["data"] = setup_for(sname, sweep, slots)
            with blame(where):
                out = sweep.point(cfg, _stack(point_key(s, sname, params) for s in slots),
                                  **kw, **params)
            t, a = _frames(out, sname, params)
            parts = _split(t, a, [slots.index(s) for s in missing], sname)
            return dict(zip(missing, parts, strict=True))
        (s,) = missing
        kw = dict(tables=needed(sname, sweep, s)) if sweep.needs else {}
        if sweep.setup is not None:
            kw["data"] = setup_for(sname, sweep, (s,))
        with blame(where):
            out = sweep.point(cfg, point_key(s, sname, params), **kw, **params)
        return {s: _frames(out, sname, params)}

    for i, (sname, sweep, params, group) in enumerate(units):
        interrupt.check()  # a Ctrl-C whose KeyboardInterrupt Python swallowed stops here
        name = f"{sname}-{point_id(params)}"
        got = {s: ckpt.read(s, name) for s in group}
        missing = tuple(s for s in group if got[s] is None)
        what = f"{sname} {_label(params)}" + (f" seed {group[0]}" if len(group) == 1 else "")
        mine = i % count == index
        if missing and not mine:  # another process computes it: wait for its files
            deadline = time.monotonic() + wait_timeout_s
            while missing:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no checkpoint of {name} from process {i % count} "
                                       f"after {wait_timeout_s:.0f} s")
                time.sleep(0.2)
                for s in missing:
                    got[s] = ckpt.read(s, name)
                missing = tuple(s for s in group if got[s] is None)
            for s in group:
                tally[s].from_peers += 1
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
            for s in group:
                if s not in missing:
                    tally[s].resumed += 1
            progress.step(what, dt)
        else:
            for s in group:
                tally[s].resumed += 1
            progress.step(what, None)
        for s in group:
            t, a = got[s]
            for tname, df in t.items():
                tables[s][tname].append(df)
                if sweep.random:
                    random_tables.add(tname)
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
    except store.OldLayout:
        return "stale"
    except store.StoreError:
        return "corrupt"
    return "current" if meta.get("code_fingerprint") == fingerprint else "stale"


def _distributed() -> bool:
    import jax

    return jax.process_count() > 1


def _barrier(name: str) -> None:
    """Every process of a ``jax.distributed`` job reaches this point before any goes on."""
    from jax.experimental import multihost_utils

    multihost_utils.sync_global_devices(name)


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
    check_sweeps(study)
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
        if force and process[0] == 0:
            for s in todo:
                shutil.rmtree(store.partial_dir(root, study.name, h, s), ignore_errors=True)
        if cooperating and _distributed():
            _barrier(f"nntheory-start-{study.name}-{h}")
        paths: dict[int, Path | None] = {}
        metas: dict[int, dict] = {}
        for s in seeds:
            if s not in todo:
                paths[s] = store.result_dir(root, study.name, h, s)
                metas[s] = store.read_meta(root, study.name, cfg, s)
        if todo:
            ckpt = _Checkpoints(root, study.name, h, fp, enabled=True)
            n_units = len(list(_units(study, cfg, todo)))
            folder = store.config_dir(root, study.name, h)
            folder.mkdir(parents=True, exist_ok=True)
            log = stack.enter_context(open(folder / f"run-process{process[0]}.log", "a"))
            bar = Progress(study.name, n_units, progress, log=log)
            bar.say(f"[{study.name}] run: profile {profile}, config {h}, code {fp}, seeds "
                    f"{','.join(map(str, todo))}, {n_units} units, pid {os.getpid()}",
                    echo=False)
            results, tally = compute(study, cfg, todo, ckpt=ckpt, process=process,
                                     progress=bar)
            batched = any(sw.batched for sw in study.SWEEPS.values())
            for s in todo:
                meta = make_meta(study.name, profile, cfg, s, tally[s].seconds, fp)
                meta["checkpoints"] = dict(computed=tally[s].computed, resumed=tally[s].resumed,
                                           from_peers=tally[s].from_peers)
                if batched:
                    meta["replicate_block"] = list(block(s))
                if cooperating:
                    meta["processes"] = process[1]
                metas[s] = meta
                if process[0] == 0:
                    paths[s] = store.save(root, results[s], meta)
                    if not cooperating:  # published: its checkpoints have served
                        shutil.rmtree(store.partial_dir(root, study.name, h, s),
                                      ignore_errors=True)
                else:
                    paths[s] = None
            if cooperating:
                _finish_partials(root, study.name, h, todo, process)
            bar.say(f"[{study.name}] published seeds {','.join(map(str, todo))}"
                    if process[0] == 0 else f"[{study.name}] done (process {process[0]})",
                    echo=False)
    return RunOutcome(seeds, tuple(s for s in seeds if s not in todo), todo,
                      tuple(s for s in todo if state[s] == "stale"), paths, metas)


def _finish_partials(root, study: str, h: str, seeds, process) -> None:
    """Remove the checkpoints once every cooperating process has read every point it needs:
    behind a barrier under ``jax.distributed``; otherwise (processes started by hand, as in the
    tests) when each of them has left a ``.done-<index>`` marker."""
    index, count = process
    if _distributed():
        _barrier(f"nntheory-done-{study}-{h}")
        if index == 0:
            for s in seeds:
                shutil.rmtree(store.partial_dir(root, study, h, s), ignore_errors=True)
        return
    if index != 0:
        for s in seeds:
            d = store.partial_dir(root, study, h, s)
            d.mkdir(parents=True, exist_ok=True)
            files.write_bytes(d / f".done-{index}", b"")
        return
    deadline = time.monotonic() + float(os.environ.get("NNTHEORY_WAIT_TIMEOUT", 24 * 3600))
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
      StudyError: the study's ``metrics`` raised.
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
    rows = []
    for s in seeds:
        with blame(f"{study.name}: metrics of seed {s}"):
            rows.append(dict(replicate=s, **study.metrics(per_seed[s], cfg)))
    return Evidence(seeds, per_seed, pd.DataFrame(rows), metas)


def stale_seeds(study: Study, ev: Evidence) -> list[int]:
    """Replicates whose tables were computed by other code than the current one."""
    fp = code_fingerprint(study.module)
    return [s for s in ev.seeds if ev.metas[s].get("code_fingerprint") != fp]
