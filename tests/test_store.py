"""store: atomic save/load round trips, corruption detection, cleanup of killed runs; and the
DataFrame codec of checkpoints."""

from __future__ import annotations

import dataclasses
import io
import json

import numpy as np
import pandas as pd
import pytest

from nntheory import checkpoint, provenance, store
from nntheory.config import config_hash
from nntheory.study import Results

STUDY = "fake"


@dataclasses.dataclass(frozen=True)
class Cfg:
    n: int = 3
    widths: tuple[int, ...] = (2, 4)


def make_results(scale: float = 1.0) -> Results:
    return Results(
        tables={
            "errors": pd.DataFrame({"width": [2, 4, 8], "err": [0.5, 0.25, 0.125],
                                    "act": ["relu", "tanh", "relu"]}),
            "empty_cols": pd.DataFrame({"a": [1.0]}),
        },
        arrays={"curve": scale * np.arange(6.0).reshape(2, 3), "ints": np.array([1, 2, 3]),
                "flag": np.array(True)},
    )


def save_one(root, cfg=Cfg(), seed=0, results=None):
    meta = provenance.make_meta(STUDY, "quick", cfg, seed, 1.25, "f" * 16)
    return store.save(root, results or make_results(), meta), meta


def assert_results_equal(a: Results, b: Results):
    assert set(a.tables) == set(b.tables)
    for k in a.tables:
        pd.testing.assert_frame_equal(a.tables[k], b.tables[k], check_dtype=False)
    assert set(a.arrays) == set(b.arrays)
    for k in a.arrays:
        np.testing.assert_array_equal(a.arrays[k], b.arrays[k])
        assert a.arrays[k].dtype == b.arrays[k].dtype


# --------------------------------------------------------------------------------------------
# round trip
# --------------------------------------------------------------------------------------------


def test_round_trip(tmp_path):
    """save then load returns the same tables and arrays (dtypes kept), and the provenance
    block written by make_meta; no metrics are stored (they are derived at load time)."""
    path, meta = save_one(tmp_path)
    assert path == store.result_dir(tmp_path, STUDY, config_hash(STUDY, Cfg()), 0)
    assert sorted(p.name for p in path.iterdir()) == ["arrays.npz", "meta.json", "tables"]
    res, meta2 = store.load(tmp_path, STUDY, Cfg(), 0)
    assert_results_equal(res, make_results())
    assert {k: v for k, v in meta2.items() if k != "contents"} == meta
    assert meta2["contents"] == dict(tables=sorted(make_results().tables),
                                     arrays=sorted(make_results().arrays))
    for key in ("format", "study", "profile", "config", "config_hash", "seed", "git_commit",
                "versions", "device", "wall_time_s", "created_utc", "code_fingerprint"):
        assert key in meta2
    assert meta2["config"] == {"n": 3, "widths": [2, 4]}
    assert meta2["wall_time_s"] == 1.25
    assert "jax" in meta2["versions"] and "platform" in meta2["device"]
    assert store.exists(tmp_path, STUDY, meta["config_hash"], 0)
    assert not list(path.parent.glob(".tmp-*"))


def test_round_trip_empty_results(tmp_path):
    """Results with no tables or arrays round-trip too."""
    save_one(tmp_path, results=Results())
    res, _ = store.load(tmp_path, STUDY, Cfg(), 0)
    assert res.tables == {} and res.arrays == {}


# --------------------------------------------------------------------------------------------
# load errors
# --------------------------------------------------------------------------------------------


def test_load_missing_folder(tmp_path):
    """No stored result is a StoreError (a ValueError) naming the study."""
    with pytest.raises(store.StoreError, match="no results for fake"):
        store.load(tmp_path, STUDY, Cfg(), 0)
    assert issubclass(store.StoreError, ValueError)


def corrupt(path, name, content: bytes | None):
    """Replace (or, with None, delete) one file of a stored result."""
    p = path / name
    if content is None:
        p.unlink()
    else:
        p.write_bytes(content)


@pytest.mark.parametrize(
    "name,content,fragment",
    [
        ("meta.json", b"{not json", "meta.json"),
        ("meta.json", b"[1, 2]", "meta.json"),
        ("meta.json", b"\xff\xfe", "meta.json"),
        ("meta.json", None, "meta.json"),
        ("arrays.npz", b"garbage, not a zip file", "arrays.npz"),
        ("arrays.npz", None, "arrays.npz"),
    ],
)
def test_load_corrupt_files(tmp_path, name, content, fragment):
    """A missing, unparsable or ill-typed meta.json / arrays.npz is a StoreError naming the
    file."""
    path, _ = save_one(tmp_path)
    corrupt(path, name, content)
    with pytest.raises(store.StoreError, match=fragment):
        store.load(tmp_path, STUDY, Cfg(), 0)


def test_load_truncated_npz(tmp_path):
    """An arrays.npz cut in half is a StoreError."""
    path, _ = save_one(tmp_path)
    raw = (path / "arrays.npz").read_bytes()
    (path / "arrays.npz").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(store.StoreError, match="arrays.npz"):
        store.load(tmp_path, STUDY, Cfg(), 0)


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.0])
def test_load_truncated_parquet(tmp_path, keep):
    """A truncated (or emptied) parquet table is a StoreError naming the table."""
    path, _ = save_one(tmp_path)
    p = path / "tables" / "errors.parquet"
    raw = p.read_bytes()
    p.write_bytes(raw[: int(len(raw) * keep)])
    with pytest.raises(store.StoreError, match="errors.parquet"):
        store.load(tmp_path, STUDY, Cfg(), 0)


def test_load_meta_of_another_config(tmp_path):
    """A folder whose meta.json belongs to another config (moved into this config's place)
    is a StoreError, not a silent load of the wrong results."""
    path, _ = save_one(tmp_path, cfg=Cfg(n=3))
    other = Cfg(n=4)
    target = store.result_dir(tmp_path, STUDY, config_hash(STUDY, other), 0)
    target.parent.mkdir(parents=True)
    path.rename(target)
    with pytest.raises(store.StoreError, match="another config"):
        store.load(tmp_path, STUDY, other, 0)


def test_load_meta_with_edited_config(tmp_path):
    """meta.json whose config no longer matches its hash is a StoreError."""
    path, meta = save_one(tmp_path)
    meta["config"]["n"] = 99
    (path / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(store.StoreError, match="another config"):
        store.load(tmp_path, STUDY, Cfg(), 0)


@pytest.mark.parametrize("field,value", [("seed", 1), ("study", "other")])
def test_load_meta_of_another_seed_or_study(tmp_path, field, value):
    """meta.json naming another seed or study is a StoreError."""
    path, meta = save_one(tmp_path)
    meta[field] = value
    (path / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(store.StoreError, match="another study or seed"):
        store.load(tmp_path, STUDY, Cfg(), 0)


def test_load_refuses_pickled_arrays(tmp_path):
    """arrays.npz is read with allow_pickle=False: an object array (which np.savez pickles)
    cannot be loaded and is a StoreError."""
    path, _ = save_one(tmp_path)
    buf = io.BytesIO()
    np.savez(buf, obj=np.array([{"a": 1}, None], dtype=object))
    (path / "arrays.npz").write_bytes(buf.getvalue())
    with pytest.raises(store.StoreError, match="arrays.npz is unreadable"):
        store.load(tmp_path, STUDY, Cfg(), 0)


# --------------------------------------------------------------------------------------------
# atomic writes
# --------------------------------------------------------------------------------------------


class Boom(RuntimeError):
    pass


def boom(*args, **kwargs):
    raise Boom("injected failure")


@pytest.mark.parametrize(
    "target,attr",
    [(np, "savez"), (pd.DataFrame, "to_parquet"), (store, "write_bytes"), (store.os, "rename")],
)
def test_failed_save_leaves_nothing(tmp_path, monkeypatch, target, attr):
    """An exception mid-save (writing a table, the arrays, any file, or the final rename)
    propagates and leaves neither the final folder nor a .tmp-* folder."""
    meta = provenance.make_meta(STUDY, "quick", Cfg(), 0, 0.0, "f" * 16)
    monkeypatch.setattr(target, attr, boom)
    with pytest.raises(Boom):
        store.save(tmp_path, make_results(), meta)
    monkeypatch.undo()
    d = store.config_dir(tmp_path, STUDY, meta["config_hash"])
    assert list(d.iterdir()) == []
    assert not store.exists(tmp_path, STUDY, config_hash(STUDY, Cfg()), 0)


def test_failed_save_keeps_previous_result(tmp_path, monkeypatch):
    """A save that fails over an existing result leaves the old result intact and loadable."""
    save_one(tmp_path)
    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(Boom):
        save_one(tmp_path, results=make_results(scale=2.0))
    monkeypatch.undo()
    res, _ = store.load(tmp_path, STUDY, Cfg(), 0)
    assert_results_equal(res, make_results())
    h = config_hash(STUDY, Cfg())
    assert [p.name for p in store.config_dir(tmp_path, STUDY, h).iterdir()] == [
        store.result_dir(tmp_path, STUDY, h, 0).name]


def test_save_replaces_existing(tmp_path):
    """Saving over an existing folder replaces its contents (no stale table survives) and
    leaves no .tmp-* or .old-* folder."""
    path, _ = save_one(tmp_path)
    new = make_results(scale=2.0)
    del new.tables["empty_cols"]
    path2, _ = save_one(tmp_path, results=new)
    assert path2 == path
    res, _ = store.load(tmp_path, STUDY, Cfg(), 0)
    assert_results_equal(res, new)
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_clean_stale(tmp_path):
    """clean_stale removes this key's .tmp-* and .old-* folders, counts them, and leaves the
    final folder and other keys' temporary folders alone."""
    path, meta = save_one(tmp_path)
    h = meta["config_hash"]
    d = store.config_dir(tmp_path, STUDY, h)
    other = store.config_dir(tmp_path, STUDY, "000000000000")
    other.mkdir()
    for folder in (d / ".tmp-seed0-aaaa1111", d / ".tmp-seed0-bbbb2222", d / ".old-seed0-cc",
                   d / ".tmp-seed1-dddd4444", other / ".tmp-seed0-eeee5555"):
        folder.mkdir()
        (folder / "arrays.npz").write_bytes(b"partial")
    assert store.clean_stale(tmp_path, STUDY, h, 0) == 3
    assert sorted(p.name for p in d.iterdir()) == sorted([path.name, ".tmp-seed1-dddd4444"])
    assert [p.name for p in other.iterdir()] == [".tmp-seed0-eeee5555"]
    assert store.clean_stale(tmp_path, STUDY, h, 0) == 0
    store.load(tmp_path, STUDY, Cfg(), 0)


# --------------------------------------------------------------------------------------------
# failure paths found in review
# --------------------------------------------------------------------------------------------


def test_failed_publish_restores_previous_result(tmp_path, monkeypatch):
    """If renaming the new folder into place fails, the old result is put back, not lost."""
    save_one(tmp_path)
    real_rename = store.os.rename
    calls = []

    def flaky(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:  # the new folder into place
            raise OSError("disk full")
        return real_rename(src, dst)

    monkeypatch.setattr(store.os, "rename", flaky)
    with pytest.raises(OSError):
        save_one(tmp_path, results=make_results(scale=2.0))
    monkeypatch.setattr(store.os, "rename", real_rename)
    res, _ = store.load(tmp_path, STUDY, Cfg(), 0)
    assert_results_equal(res, make_results())
    assert not list((tmp_path / STUDY).glob("*/.old-*")) and not list(
        (tmp_path / STUDY).glob("*/.tmp-*"))


def test_object_arrays_are_refused_at_save(tmp_path):
    """An array that would need pickle is refused before anything is written."""
    res = Results(arrays={"o": np.array([{"x": 1}], dtype=object)})
    with pytest.raises(ValueError, match="not objects: o"):
        save_one(tmp_path, results=res)
    assert not list((tmp_path / STUDY).glob("*/*"))


@pytest.mark.parametrize("victim", ["tables/errors.parquet", "arrays.npz"])
def test_missing_file_is_noticed(tmp_path, victim):
    """meta.json lists the tables and arrays, so a deleted file is corruption, not absence."""
    path, _ = save_one(tmp_path)
    if victim == "arrays.npz":  # an archive without one of its arrays
        with np.load(path / victim) as z:
            kept = {k: z[k] for k in z.files[1:]}
        np.savez(path / victim, **kept)
    else:
        (path / victim).unlink()
    with pytest.raises(store.StoreError, match="missing"):
        store.load(tmp_path, STUDY, Cfg(), 0)


# ---------------------------------------------------------------------------------------------
# DataFrames through checkpoints: frame_arrays / arrays_frame
# ---------------------------------------------------------------------------------------------


def _through_npz(arrays: dict) -> dict:
    """What a Checkpoint reads back: saved with np.savez, loaded without pickle."""
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    buf.seek(0)
    with np.load(buf, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def test_frame_arrays_round_trip_exactly():
    df = pd.DataFrame({
        "width": np.array([4, 8, 16], np.int64),
        "small": np.array([1, 2, 3], np.int32),
        "err": [0.5, np.nan, 1e-300],
        "f32": np.array([0.1, 0.2, 0.3], np.float32),
        "diverged": [False, True, False],
        "est": ["min-norm", "optimal ridge", ""],
        "obj": pd.Series(["a", "bé", "ccc"], dtype=object),
    })
    df = df[["est", "err", "width", "obj", "diverged", "f32", "small"]]  # order kept, not sorted
    arrays = checkpoint.frame_arrays(df, "t")
    assert not any(v.dtype.hasobject for v in arrays.values())
    back = checkpoint.arrays_frame(_through_npz(arrays), "t")
    pd.testing.assert_frame_equal(back, df, check_exact=True)
    assert list(back.columns) == list(df.columns)
    assert back.dtypes.to_dict() == df.dtypes.to_dict()
    assert isinstance(back.index, pd.RangeIndex)


def test_frame_arrays_empty_frames_and_shared_checkpoints():
    empty = pd.DataFrame({"a": np.array([], np.int64), "b": np.array([], bool),
                          "s": pd.Series([], dtype=str)})
    none = pd.DataFrame()
    rows_only = pd.DataFrame(index=range(3))
    arrays = {**checkpoint.frame_arrays(empty, "e"), **checkpoint.frame_arrays(none, "n"),
              **checkpoint.frame_arrays(rows_only, "r"), "x": np.asarray(2.5)}
    back = _through_npz(arrays)
    pd.testing.assert_frame_equal(checkpoint.arrays_frame(back, "e"), empty, check_exact=True)
    for df, prefix in ((none, "n"), (rows_only, "r")):  # no columns: only the row count
        out = checkpoint.arrays_frame(back, prefix)
        assert list(out.columns) == [] and len(out) == len(df)
    assert float(back["x"]) == 2.5


@pytest.mark.parametrize("df, error", [
    (pd.DataFrame({"t": pd.to_datetime(["2024-01-01"])}), TypeError),
    (pd.DataFrame({"c": pd.Categorical(["a"])}), TypeError),
    (pd.DataFrame({"s": ["a", None]}), TypeError),
    (pd.DataFrame({"o": pd.Series([1, "a"], dtype=object)}), TypeError),
    (pd.DataFrame({0: [1.0]}), TypeError),
    (pd.DataFrame([[1, 2]], columns=["a", "a"]), ValueError),
    (pd.DataFrame({"s": ["a\x00"]}), ValueError),
])
def test_frame_arrays_rejects_what_it_cannot_restore(df, error):
    with pytest.raises(error):
        checkpoint.frame_arrays(df, "t")
