"""Sweep-point checkpoints: one file per (replicate, point), so a killed run resumes.

A point's output (its tables and arrays) is written atomically to
``<results>/<study>/<hash>/.partial-seed<seed>/<point>.npz`` — never where readers of results
look — with the code fingerprint of the code that computed it (:mod:`nntheory.provenance`): a
file written by other code, or a damaged one, is recomputed, not resumed. Tables go through
:func:`frame_arrays`, so nothing needs pickle.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from nntheory.files import atomic_write

FINGERPRINT_KEY = "__code_fingerprint__"
TABLES_KEY = "__tables__"


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


def pack(tables: dict[str, pd.DataFrame], arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """A point's tables and arrays as one flat dict of plain arrays (see :func:`unpack`)."""
    out = {TABLES_KEY: np.asarray(list(tables), dtype=str)}
    for i, df in enumerate(tables.values()):
        out.update(frame_arrays(df, f"t{i}"))
    for k, v in arrays.items():
        out[f"a::{k}"] = np.asarray(v)
    return out


def unpack(flat: dict[str, np.ndarray]) -> tuple[dict[str, pd.DataFrame], dict[str, np.ndarray]]:
    names = [str(n) for n in flat[TABLES_KEY]]
    tables = {n: arrays_frame(flat, f"t{i}") for i, n in enumerate(names)}
    arrays = {k[3:]: v for k, v in flat.items() if k.startswith("a::")}
    return tables, arrays


def read(path: Path, fingerprint: str):
    """The point stored at ``path`` as (tables, arrays); None if the file is missing, damaged or
    written by other code."""
    try:
        with open(path, "rb") as f, np.load(f, allow_pickle=False) as z:
            flat = {k: z[k] for k in z.files}
        fp = flat.pop(FINGERPRINT_KEY, None)
        if fp is None or str(fp) != fingerprint:
            return None
        return unpack(flat)
    except Exception:  # missing, damaged, or not a point file
        return None


def write(path: Path, tables, arrays, fingerprint: str) -> None:
    """Store a point atomically."""
    buf = io.BytesIO()
    np.savez(buf, **pack(tables, arrays), **{FINGERPRINT_KEY: np.asarray(fingerprint)})
    atomic_write(path, buf.getvalue())
