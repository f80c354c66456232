"""Results on disk: one folder per (study, config hash, replicate seed), and nothing else.

Layout of ``<root>/<study>/<hash>/``::

    seed<seed>/meta.json          provenance (nntheory.provenance.make_meta) and contents
    seed<seed>/arrays.npz         raw arrays (loaded with allow_pickle=False)
    seed<seed>/tables/*.parquet   the tidy tables, one per sweep (or as the points named them)
    .partial-seed<seed>/          checkpoints of a run in progress (nntheory.checkpoint)
    .lock-seed<seed>              serialises two processes computing the same replicate
    run-process<i>.log            every run's progress, one line per sweep point (appended)

Metrics are not stored: they are derived from the tables each time claims are checked or a
report is built. A folder is written under a temporary name and renamed into place, so a reader
never sees a half-written result and a killed run leaves only a ``.tmp-*`` folder, which the
next run of the same replicate removes.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
import os
import shutil
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

from nntheory import interrupt
from nntheory.config import config_hash, config_identity
from nntheory.files import write_bytes
from nntheory.provenance import FORMAT
from nntheory.study import Results


class StoreError(ValueError):
    """A results folder is missing, corrupt, from an older layout, or of another config."""


class MissingResult(StoreError):
    """No stored result for a (study, config, seed)."""


class OldLayout(StoreError):
    """A stored result written by an earlier layout of the store (``nntheory run``
    recomputes it)."""


def config_dir(root: str | Path, study: str, cfg_hash: str) -> Path:
    return Path(root) / study / cfg_hash


def result_dir(root: str | Path, study: str, cfg_hash: str, seed: int) -> Path:
    return config_dir(root, study, cfg_hash) / f"seed{seed}"


def partial_dir(root: str | Path, study: str, cfg_hash: str, seed: int) -> Path:
    return config_dir(root, study, cfg_hash) / f".partial-seed{seed}"


def contents(results: Results) -> dict[str, list[str]]:
    """The names of a result's tables and arrays, recorded in meta.json so that a load notices
    a missing file."""
    return dict(tables=sorted(results.tables), arrays=sorted(results.arrays))


def save(root: str | Path, results: Results, meta: dict) -> Path:
    """Write ``results`` and ``meta`` atomically; return the final folder.

    An existing folder for the same key is replaced. A Ctrl-C that Python swallowed during the
    run (see :mod:`nntheory.interrupt`) stops it here, before publishing.
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
            write_bytes(tmp / "tables" / f"{name}.parquet", buf.getvalue())
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        write_bytes(tmp / "arrays.npz", buf.getvalue())
        # meta.json last: a folder with a readable meta.json is complete.
        write_bytes(tmp / "meta.json", json.dumps(meta, indent=1, sort_keys=True).encode())
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


def read_meta(root: str | Path, study: str, cfg, seed: int) -> dict:
    """The meta.json of a stored replicate, checked to be whole, current-layout and cfg's.

    Raises:
      MissingResult: nothing stored for this key.
      StoreError: unreadable, of an older layout, or of another config, study or seed.
    """
    h = config_hash(study, cfg)
    d = result_dir(root, study, h, seed)
    if not d.is_dir():
        raise MissingResult(f"no results for {study} (config {h}, seed {seed}) in {Path(root)}")
    try:
        meta = json.loads((d / "meta.json").read_text())
        if not isinstance(meta, dict):
            raise ValueError
    except (OSError, ValueError, UnicodeDecodeError):
        raise StoreError(
            f"corrupt results in {d}: meta.json is missing or not valid JSON") from None
    if meta.get("format") != FORMAT:
        raise OldLayout(f"results in {d} were stored by an older nntheory (layout "
                         f"{meta.get('format', 1)}, now {FORMAT}): rerun with --force")
    if meta.get("config_hash") != h or meta.get("config") != config_identity(cfg):
        raise StoreError(f"results in {d} belong to another config (meta.json does not match)")
    if meta.get("study") != study or meta.get("seed") != seed:
        raise StoreError(f"results in {d} belong to another study or seed")
    return meta


def load(root: str | Path, study: str, cfg, seed: int) -> tuple[Results, dict]:
    """Load the results of (study, config, seed), checking they are whole and belong to cfg.

    Raises:
      MissingResult: nothing stored for this key.
      StoreError: unreadable or foreign meta.json, an older layout, a corrupt table or arrays.
    """
    meta = read_meta(root, study, cfg, seed)
    d = result_dir(root, study, config_hash(study, cfg), seed)
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
    listed = meta.get("contents")
    if isinstance(listed, dict):
        missing = sorted(set(listed.get("tables", ())) - set(tables)) + sorted(
            set(listed.get("arrays", ())) - set(arrays))
        if missing:
            raise StoreError(f"corrupt results in {d}: missing {', '.join(missing)}")
    return Results(tables, arrays), meta


@contextlib.contextmanager
def lock(root: str | Path, study: str, cfg_hash: str, seed: int):
    """An exclusive lock for computing one replicate (a second process blocks until
    released)."""
    d = config_dir(root, study, cfg_hash)
    d.mkdir(parents=True, exist_ok=True)
    with open(d / f".lock-seed{seed}", "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def clean_stale(root: str | Path, study: str, cfg_hash: str, seed: int) -> int:
    """Remove temporary folders a killed run of this replicate left behind; return how many.

    Call only while holding :func:`lock` for the key.
    """
    d = config_dir(root, study, cfg_hash)
    n = 0
    for pattern in (f".tmp-seed{seed}-*", f".old-seed{seed}-*"):
        for p in d.glob(pattern):
            shutil.rmtree(p, ignore_errors=True)
            n += 1
    return n
