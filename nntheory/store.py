"""Results on disk: one folder per (study, config hash, seed).

Layout of ``<root>/<study>/<hash>-seed<seed>/``::

    meta.json       config, config hash, seed, git commit, package versions, device, wall time
    metrics.json    the scalar metrics claims read
    arrays.npz      raw arrays (loaded with allow_pickle=False)
    tables/*.parquet

A folder is written under a temporary name in the same directory and renamed into place, so
a reader never sees a half-written result and a killed run leaves only a ``.tmp-*`` folder,
which the next run of the same config removes. A per-result lock file serialises two
processes computing the same result: the second waits, then reuses the first one's result.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import fcntl
import io
import json
import os
import platform
import shutil
import subprocess
import uuid
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nntheory import interrupt
from nntheory.study import Results, config_dict, config_hash

PACKAGES = ("nntheory", "jax", "jaxlib", "optax", "neural-tangents", "numpy", "scipy", "pandas")


class StoreError(ValueError):
    """A results folder is missing, corrupt, or belongs to another config."""


def result_dir(root: str | Path, study: str, cfg_hash: str, seed: int) -> Path:
    return Path(root) / study / f"{cfg_hash}-seed{seed}"


def _git_commit() -> str:
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here, capture_output=True, text=True, timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    if not commit:
        return "unknown"
    return commit + ("+dirty" if dirty else "")


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for p in PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = "not installed"
    return out


def _device() -> dict[str, Any]:
    import jax

    devs = jax.devices()
    return dict(
        platform=devs[0].platform,
        kind=devs[0].device_kind,
        count=len(devs),
        processes=jax.process_count(),
        cpu=platform.processor() or platform.machine(),
        cores=os.cpu_count(),
    )


def make_meta(study: str, profile: str | None, cfg, seed: int, wall_time: float) -> dict:
    """The provenance block written beside every result."""
    return dict(
        study=study,
        profile=profile,
        config=config_dict(cfg),
        config_hash=config_hash(study, cfg),
        seed=seed,
        git_commit=_git_commit(),
        versions=_versions(),
        device=_device(),
        wall_time_s=round(float(wall_time), 3),
        created_utc=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    )


def _write_bytes(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def contents(results: Results) -> dict[str, list[str]]:
    """The names of a result's tables and arrays, recorded in meta.json so that a load notices
    a missing file."""
    return dict(tables=sorted(results.tables), arrays=sorted(results.arrays))


def save(root: str | Path, results: Results, meta: dict) -> Path:
    """Write ``results`` and ``meta`` atomically; return the final folder.

    An existing folder for the same key is replaced (used by ``--force``). A Ctrl-C that Python
    swallowed during the run (see :mod:`nntheory.interrupt`) stops it here, before publishing.
    """
    interrupt.check()
    arrays = {k: np.asarray(v) for k, v in results.arrays.items()}
    bad = [k for k, v in arrays.items() if v.dtype.hasobject]
    if bad:  # they would need pickle, which load (rightly) refuses
        raise ValueError(f"results arrays must be numeric or string, not objects: {', '.join(bad)}")
    meta = {**meta, "contents": contents(results)}
    final = result_dir(root, meta["study"], meta["config_hash"], meta["seed"])
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f".tmp-{final.name}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        (tmp / "tables").mkdir()
        for name, df in results.tables.items():
            buf = io.BytesIO()
            df.to_parquet(buf, index=False)
            _write_bytes(tmp / "tables" / f"{name}.parquet", buf.getvalue())
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        _write_bytes(tmp / "arrays.npz", buf.getvalue())
        metrics = {k: float(v) for k, v in results.metrics.items()}
        _write_bytes(tmp / "metrics.json", json.dumps(metrics, indent=1, sort_keys=True).encode())
        # meta.json last: a folder with a readable meta.json is complete.
        _write_bytes(tmp / "meta.json", json.dumps(meta, indent=1, sort_keys=True).encode())
        if final.exists():
            old = final.parent / f".old-{final.name}-{uuid.uuid4().hex[:8]}"
            os.rename(final, old)
            try:
                os.rename(tmp, final)
            except BaseException:
                os.rename(old, final)  # put the previous result back
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def exists(root: str | Path, study: str, cfg_hash: str, seed: int) -> bool:
    return (result_dir(root, study, cfg_hash, seed) / "meta.json").is_file()


def load(root: str | Path, study: str, cfg, seed: int) -> tuple[Results, dict]:
    """Load the results of (study, config, seed), checking they are whole and belong to cfg.

    Raises:
      StoreError: missing folder, unreadable or foreign meta.json, corrupt table or arrays.
    """
    h = config_hash(study, cfg)
    d = result_dir(root, study, h, seed)
    if not d.is_dir():
        raise StoreError(f"no results for {study} (config {h}, seed {seed}) in {Path(root)}")
    try:
        meta = json.loads((d / "meta.json").read_text())
        if not isinstance(meta, dict):
            raise ValueError
    except (OSError, ValueError, UnicodeDecodeError):
        raise StoreError(
            f"corrupt results in {d}: meta.json is missing or not valid JSON") from None
    if meta.get("config_hash") != h or meta.get("config") != config_dict(cfg):
        raise StoreError(f"results in {d} belong to another config (meta.json does not match)")
    if meta.get("study") != study or meta.get("seed") != seed:
        raise StoreError(f"results in {d} belong to another study or seed")
    try:
        metrics = json.loads((d / "metrics.json").read_text())
        if not isinstance(metrics, dict):
            raise ValueError
        metrics = {str(k): float(v) for k, v in metrics.items()}
    except (OSError, ValueError, TypeError, UnicodeDecodeError):
        raise StoreError(f"corrupt results in {d}: metrics.json is not valid") from None
    tables = {}
    for p in sorted((d / "tables").glob("*.parquet")):
        try:
            tables[p.stem] = pd.read_parquet(p)
        except Exception as e:  # pyarrow raises several types for a damaged file
            raise StoreError(
                f"corrupt results in {d}: table {p.name} is unreadable ({type(e).__name__})"
            ) from None
    try:
        # open the file here so it is closed even when numpy rejects a damaged archive
        with open(d / "arrays.npz", "rb") as f, np.load(f, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except Exception as e:
        raise StoreError(
            f"corrupt results in {d}: arrays.npz is unreadable ({type(e).__name__})"
        ) from None
    contents = meta.get("contents")
    if isinstance(contents, dict):
        missing = sorted(set(contents.get("tables", ())) - set(tables)) + sorted(
            set(contents.get("arrays", ())) - set(arrays))
        if missing:
            raise StoreError(f"corrupt results in {d}: missing {', '.join(missing)}")
    return Results(tables, arrays, metrics), meta


@contextlib.contextmanager
def lock(root: str | Path, study: str, cfg_hash: str, seed: int):
    """An exclusive lock for computing one result (a second process blocks until released)."""
    d = Path(root) / study
    d.mkdir(parents=True, exist_ok=True)
    path = d / f".lock-{cfg_hash}-seed{seed}"
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def clean_stale(root: str | Path, study: str, cfg_hash: str, seed: int) -> int:
    """Remove temporary folders a killed run of this key left behind; return how many.

    Call only while holding :func:`lock` for the key.
    """
    d = Path(root) / study
    n = 0
    for pattern in (f".tmp-{cfg_hash}-seed{seed}-*", f".old-{cfg_hash}-seed{seed}-*"):
        for p in d.glob(pattern):
            shutil.rmtree(p, ignore_errors=True)
            n += 1
    return n


class Checkpoint:
    """Per-sweep-point checkpoints of one run, so a killed run resumes instead of starting over.

    A study whose ``run`` takes a ``ckpt`` argument wraps each sweep point in
    ``ckpt.step(name, compute)``: ``compute() -> {name: array}`` runs only if no checkpoint of
    that name exists; its arrays are written atomically to
    ``<root>/<study>/.partial-<hash>-seed<seed>/<name>.npz`` (never visible to readers of
    results). Points must depend only on the config and keys derived from the seed, so a
    resumed run equals an uninterrupted one. The folder is removed once the result is saved.
    An unreadable checkpoint (a damaged file) is recomputed, and so is one written by other code:
    each file carries ``fingerprint`` (:func:`code_fingerprint`: the study's and the library's
    source), so a run killed before an upgrade does not resume from points whose contents the new
    code no longer matches.

    Several processes (hosts of ``jax.distributed``, sharing the results folder) split the
    points: point i belongs to process i mod count; each computes and writes only its own
    points (its shard) and waits for the others' files, so all of them end with every point.
    """

    FINGERPRINT_KEY = "__code_fingerprint__"

    def __init__(self, directory: Path | None, process: tuple[int, int] = (0, 1),
                 wait_timeout_s: float = 24 * 3600.0, fingerprint: str = ""):
        index, count = process
        if not 0 <= index < count:
            raise ValueError(f"process index {index} is not in [0, {count})")
        self.directory = directory
        self.process = (index, count)
        self.wait_timeout_s = wait_timeout_s
        self.fingerprint = fingerprint
        self.resumed = 0
        self.computed = 0
        self._seen = 0

    def _read(self, path: Path) -> dict[str, np.ndarray] | None:
        """The point's arrays; None if the file is missing, damaged or from other code."""
        try:
            with open(path, "rb") as f, np.load(f, allow_pickle=False) as z:
                out = {k: z[k] for k in z.files}
        except Exception:  # missing, or a damaged checkpoint
            return None
        fp = out.pop(self.FINGERPRINT_KEY, None)
        return out if fp is not None and str(fp) == self.fingerprint else None

    def step(self, name: str, compute) -> dict[str, np.ndarray]:
        interrupt.check()  # a Ctrl-C whose KeyboardInterrupt Python swallowed stops here
        index, count = self.process
        mine = self._seen % count == index
        self._seen += 1
        if self.directory is None:
            self.computed += 1
            return {k: np.asarray(v) for k, v in compute().items()}
        safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)
        path = self.directory / f"{safe}.npz"
        if not mine:  # another process computes it: wait for its file
            import time

            deadline = time.monotonic() + self.wait_timeout_s
            while (out := self._read(path)) is None:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no checkpoint {path.name} from process "
                                       f"{(self._seen - 1) % count} after {self.wait_timeout_s} s")
                time.sleep(0.2)
            self.resumed += 1
            return out
        if path.is_file():
            out = self._read(path)
            if out is not None:
                self.resumed += 1
                return out
            path.unlink(missing_ok=True)  # damaged or stale: compute the point again
        out = {k: np.asarray(v) for k, v in compute().items()}
        if self.FINGERPRINT_KEY in out:
            raise ValueError(f"a checkpointed point may not use the key {self.FINGERPRINT_KEY}")
        self.directory.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        np.savez(buf, **out, **{self.FINGERPRINT_KEY: np.asarray(self.fingerprint)})
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
        _write_bytes(tmp, buf.getvalue())
        os.replace(tmp, path)
        self.computed += 1
        return out


#: For scripts and tests: computes every point, keeps nothing.
NO_CHECKPOINT = Checkpoint(None)


def frame_arrays(df: pd.DataFrame, prefix: str) -> dict[str, np.ndarray]:
    """A DataFrame as plain arrays that a :class:`Checkpoint` can store (no pickle).

    Returns ``{prefix}__columns`` (the column names, in order), ``{prefix}__kinds`` (``""``
    for a numeric column, else the name of its string dtype), ``{prefix}__rows`` (a 0-d int)
    and ``{prefix}__<i>``, column ``i``'s values: numeric and bool columns as they are, string
    columns as fixed-width unicode. :func:`arrays_frame` inverts it exactly, column order and
    dtypes included; the index is not kept (the result has a RangeIndex, as tables stored as
    parquet do). Several frames can share one checkpoint under different prefixes.

    Raises:
      TypeError: a non-string column name, a column of another dtype (dates, categories,
        nullable integers), or a string column holding non-strings or missing values.
      ValueError: duplicate column names, or a string ending in NUL (unicode arrays drop it).
    """
    cols = list(df.columns)
    if not all(isinstance(c, str) for c in cols):
        raise TypeError(f"frame_arrays: column names must be strings, got {cols}")
    if len(set(cols)) != len(cols):
        raise ValueError(f"frame_arrays: duplicate column names in {cols}")
    out = {f"{prefix}__columns": np.asarray(cols, dtype=str),
           f"{prefix}__rows": np.asarray(len(df), dtype=np.int64)}
    kinds = []
    for i, c in enumerate(cols):
        s = df.iloc[:, i]
        dt = s.dtype
        if isinstance(dt, np.dtype) and dt.kind in "biufc":
            out[f"{prefix}__{i}"] = s.to_numpy(copy=True)
            kinds.append("")
        elif (is_object := isinstance(dt, np.dtype) and dt.kind == "O") or isinstance(
                dt, pd.StringDtype):
            vals = s.to_numpy(dtype=object)
            if not all(isinstance(v, str) for v in vals):
                raise TypeError(f"frame_arrays: column {c!r} holds non-strings or missing "
                                "values")
            if any(v.endswith("\x00") for v in vals):
                raise ValueError(f"frame_arrays: column {c!r} has a string ending in NUL")
            out[f"{prefix}__{i}"] = np.asarray(vals.tolist(), dtype=str)
            kinds.append("object" if is_object else dt.name)
        else:
            raise TypeError(f"frame_arrays: column {c!r} has dtype {dt}; only numeric, bool "
                            "and string columns can be stored")
    out[f"{prefix}__kinds"] = np.asarray(kinds, dtype=str)
    return out


def arrays_frame(arrays: dict[str, np.ndarray], prefix: str) -> pd.DataFrame:
    """The DataFrame that :func:`frame_arrays` stored under ``prefix`` in ``arrays``."""
    cols = [str(c) for c in arrays[f"{prefix}__columns"]]
    kinds = [str(k) for k in arrays[f"{prefix}__kinds"]]
    rows = int(arrays[f"{prefix}__rows"])
    data = {}
    for i, (c, kind) in enumerate(zip(cols, kinds, strict=True)):
        a = np.asarray(arrays[f"{prefix}__{i}"])
        if kind == "":
            data[c] = pd.Series(a, copy=True)
        else:
            data[c] = pd.Series(a.astype(object), dtype=kind)
    return pd.DataFrame(data, columns=cols, index=pd.RangeIndex(rows))


def code_fingerprint(study) -> str:
    """sha256 (16 hex digits) of the source of ``study``'s module and of every module of the
    ``nntheory`` package: what a sweep point's contents can depend on besides its config."""
    import hashlib
    import sys

    h = hashlib.sha256()
    files = sorted(Path(__file__).resolve().parent.rglob("*.py"))
    mod = sys.modules.get(getattr(study.run, "__module__", ""), None)
    if mod is not None and getattr(mod, "__file__", None):
        files.append(Path(mod.__file__))
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def partial_dir(root: str | Path, study: str, cfg_hash: str, seed: int) -> Path:
    return Path(root) / study / f".partial-{cfg_hash}-seed{seed}"


def _accepts_ckpt(run) -> bool:
    import inspect

    try:
        return "ckpt" in inspect.signature(run).parameters
    except (TypeError, ValueError):
        return False


@dataclasses.dataclass(frozen=True)
class RunOutcome:
    results: Results
    meta: dict
    path: Path | None
    reused: bool


def _run_cooperating(study, cfg, seed, root, profile, h, process) -> RunOutcome:
    """One of several processes computing one result (multi-host): no lock (they cooperate,
    they do not compete), points split by :class:`Checkpoint`, process 0 publishes."""
    import time

    import jax

    if not _accepts_ckpt(study.run):
        raise ValueError(f"study {study.name} has no sweep checkpoints to split over processes")
    if exists(root, study.name, h, seed):
        res, meta = load(root, study.name, cfg, seed)
        return RunOutcome(res, meta, result_dir(root, study.name, h, seed), True)
    partial = partial_dir(root, study.name, h, seed)
    ckpt = Checkpoint(partial, process=process, fingerprint=code_fingerprint(study))
    t0 = time.perf_counter()
    res = study.run(cfg, jax.random.PRNGKey(seed), ckpt=ckpt)
    meta = make_meta(study.name, profile, cfg, seed, time.perf_counter() - t0)
    meta["checkpoints"] = dict(resumed=ckpt.resumed, computed=ckpt.computed)
    meta["processes"] = process[1]
    meta["contents"] = contents(res)
    if process[0] != 0:  # tell process 0 this one has read every point it needs
        partial.mkdir(parents=True, exist_ok=True)
        _write_bytes(partial / f".done-{process[0]}", b"")
        return RunOutcome(res, meta, None, False)
    path = save(root, res, meta)
    deadline = time.monotonic() + ckpt.wait_timeout_s
    while not all((partial / f".done-{i}").exists() for i in range(1, process[1])):
        if time.monotonic() > deadline:  # leave the checkpoints for the stragglers
            return RunOutcome(res, meta, path, False)
        time.sleep(0.2)
    shutil.rmtree(partial, ignore_errors=True)
    return RunOutcome(res, meta, path, False)


def run_and_store(study, cfg, seed: int, *, root: str | Path = "results",
                  profile: str | None = None, force: bool = False,
                  process: tuple[int, int] | None = None) -> RunOutcome:
    """Run a study (or reuse its stored results) and store what it measured.

    ``study`` is a :class:`nntheory.study.Study`. Results for the same config hash and seed are
    reused unless ``force``; a corrupt stored result is an error (rerun with ``force``).

    ``process = (index, count)`` (default: ``jax.process_index(), jax.process_count()``) splits
    the sweep points over cooperating processes sharing ``root`` (see :class:`Checkpoint`);
    process 0 alone publishes the result, the others return it unpublished (``path`` None).
    """
    import time

    import jax

    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if process is None:
        process = (jax.process_index(), jax.process_count())
    h = config_hash(study.name, cfg)
    if process[1] > 1:
        return _run_cooperating(study, cfg, seed, root, profile, h, process)
    with lock(root, study.name, h, seed):
        clean_stale(root, study.name, h, seed)
        if not force and exists(root, study.name, h, seed):
            try:
                res, meta = load(root, study.name, cfg, seed)
            except StoreError as e:
                raise StoreError(f"{e} (rerun with --force to replace it)") from None
            return RunOutcome(res, meta, result_dir(root, study.name, h, seed), True)
        partial = partial_dir(root, study.name, h, seed)
        if force:
            shutil.rmtree(partial, ignore_errors=True)
        t0 = time.perf_counter()
        key = jax.random.PRNGKey(seed)
        if _accepts_ckpt(study.run):
            ckpt = Checkpoint(partial, fingerprint=code_fingerprint(study))
            res = study.run(cfg, key, ckpt=ckpt)
        else:
            ckpt, res = None, study.run(cfg, key)
        meta = make_meta(study.name, profile, cfg, seed, time.perf_counter() - t0)
        if ckpt is not None:
            meta["checkpoints"] = dict(resumed=ckpt.resumed, computed=ckpt.computed)
        meta["contents"] = contents(res)
        path = save(root, res, meta)
        shutil.rmtree(partial, ignore_errors=True)
    return RunOutcome(res, meta, path, False)
