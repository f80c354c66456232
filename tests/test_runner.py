"""The sweep runner on a toy study: keys per (replicate, sweep, point), batched replicates,
shared deterministic sweeps, checkpoints and resume, stale code, locks, several processes,
Ctrl-C; and the seed syntax."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import toy_study

from nntheory import provenance, runner, store
from nntheory.config import config_hash, override
from nntheory.study import Study

TESTS = Path(__file__).resolve().parent
TOY = Study("toy", toy_study)


@pytest.fixture(autouse=True)
def fresh_toy():
    toy_study.CALLS.clear()
    toy_study.STOP_AFTER[0] = None
    yield
    toy_study.STOP_AFTER[0] = None


def cfg(**kw):
    return override(toy_study.PROFILES["test"], kw)


# --------------------------------------------------------------------------------------------
# Seeds
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec,seeds", [
    ("3", (3,)), ("9001-9005", (9001, 9002, 9003, 9004, 9005)), ("1,3,5", (1, 3, 5)),
    (" 0-1 , 7 ", (0, 1, 7)), ("4-4", (4,)), ("0-999", tuple(range(1000))),
])
def test_parse_seeds(spec, seeds):
    assert runner.parse_seeds(spec) == seeds


@pytest.mark.parametrize("spec,words", [
    ("5-2", ["backwards"]), ("a", ["'a'", "seed"]), ("-1", ["'-1'"]), ("", ["empty"]),
    ("1-100000", ["maximum", "1000"]), ("1,,2", ["''"]), ("1,1", ["repeat"]),
    ("2-a", ["'2-a'"]), ("1.5", ["'1.5'"]), ("0-1000", ["maximum"]),
    ("99999999999", ["seed must be"]), ("1_000", ["'1_000'"]), ("+5", ["'+5'"]),
    ("\u0663", ["seed"]), ("0-1_0", ["'0-1_0'"]),
])
def test_parse_seeds_rejects(spec, words):
    with pytest.raises(ValueError) as e:
        runner.parse_seeds(spec)
    assert all(w in str(e.value) for w in words), str(e.value)


# --------------------------------------------------------------------------------------------
# Keys and replicates
# --------------------------------------------------------------------------------------------


def values(results, seed, table="draws"):
    return results[seed].tables[table]["value"].to_numpy()


def test_same_seed_same_numbers_and_replicates_differ():
    a, _ = runner.compute(TOY, cfg(), (0, 1))
    b, _ = runner.compute(TOY, cfg(), (1, 0))
    for s in (0, 1):
        np.testing.assert_array_equal(values(a, s), values(b, s))
    assert not np.allclose(values(a, 0), values(a, 1))


def test_a_points_key_does_not_depend_on_the_rest_of_the_grid():
    small, _ = runner.compute(TOY, cfg(points=2), (0,))
    big, _ = runner.compute(TOY, cfg(points=5), (0,))
    np.testing.assert_array_equal(values(small, 0), values(big, 0)[:2])
    assert list(big[0].tables["draws"]["i"]) == [0, 1, 2, 3, 4]  # the grid as a column


def test_setup_is_computed_once_per_replicate_and_shared_by_its_points():
    res, _ = runner.compute(TOY, cfg(), (0,))
    import jax

    shift = toy_study.shift(None, runner.setup_key(0, "draws"))
    raw = [float(jax.random.normal(runner.point_key(0, "draws", dict(i=i)))) for i in range(4)]
    np.testing.assert_allclose(values(res, 0), np.array(raw) + shift)


def test_batched_replicates_equal_one_at_a_time():
    """A batched point runs one program per block of five master seeds, whichever of them a
    command asks for, so a replicate's numbers never depend on its company."""
    together, _ = runner.compute(TOY, cfg(), (0, 1, 2))
    calls = [c for c in toy_study.CALLS if c[0] == "batched"]
    assert calls == [("batched", 0, 5), ("batched", 1, 5)]  # one program per point
    for s in (0, 1, 2):
        alone, _ = runner.compute(TOY, cfg(), (s,))
        pd.testing.assert_frame_equal(together[s].tables["batched"], alone[s].tables["batched"])
        np.testing.assert_array_equal(together[s].arrays["b1"], alone[s].arrays["b1"])
        assert "replicate" not in together[s].tables["batched"].columns


def test_deterministic_sweep_is_computed_once_and_shared():
    res, _ = runner.compute(TOY, cfg(), (0, 1, 2))
    assert [c for c in toy_study.CALLS if c[0] == "exact"] == [("exact",)]
    assert all(res[s].tables["exact"]["count"].tolist() == [4] for s in (0, 1, 2))


# --------------------------------------------------------------------------------------------
# Storage, resume, stale code
# --------------------------------------------------------------------------------------------


def test_run_stores_each_replicate_and_reuses_it(tmp_path):
    c = cfg()
    out = runner.run(TOY, c, (0, 1), root=tmp_path)
    assert out.computed == (0, 1) and out.reused == ()
    h = config_hash("toy", c)
    for s in (0, 1):
        assert store.exists(tmp_path, "toy", h, s)
        assert not store.partial_dir(tmp_path, "toy", h, s).exists()
    toy_study.CALLS.clear()
    again = runner.run(TOY, c, (0, 1, 2), root=tmp_path)
    assert again.reused == (0, 1) and again.computed == (2,)
    assert {c[0] for c in toy_study.CALLS} == {"draws", "batched", "exact"}
    assert [c[1] for c in toy_study.CALLS if c[0] == "draws"] == [0, 1, 2, 3]  # seed 2 only
    assert again.metas[2]["replicate_block"] == [0, 1, 2, 3, 4]


def test_replicates_do_not_change_the_config_hash():
    assert config_hash("toy", cfg(replicates=2)) == config_hash("toy", cfg(replicates=7))
    assert config_hash("toy", cfg(points=3)) != config_hash("toy", cfg(points=4))


def test_interrupted_run_resumes_and_equals_an_uninterrupted_one(tmp_path):
    c = cfg()
    toy_study.STOP_AFTER[0] = 3
    with pytest.raises(KeyboardInterrupt):
        runner.run(TOY, c, (0, 1), root=tmp_path)
    h = config_hash("toy", c)
    assert not any(store.exists(tmp_path, "toy", h, s) for s in (0, 1))  # nothing published
    done = sum(len(list(store.partial_dir(tmp_path, "toy", h, s).glob("*.npz"))) for s in (0, 1))
    assert done == 3
    toy_study.STOP_AFTER[0] = None
    toy_study.CALLS.clear()
    out = runner.run(TOY, c, (0, 1), root=tmp_path)
    # 8 draw points (4 per replicate) + 2 batched + 1 exact = 11 units, 3 resumed
    assert len(toy_study.CALLS) == 11 - 3
    assert sum(out.metas[s]["checkpoints"]["resumed"] for s in (0, 1)) == 3
    clean = runner.run(TOY, c, (0, 1), root=tmp_path / "clean")
    for s in (0, 1):
        a, _ = store.load(tmp_path, "toy", c, s)
        b, _ = store.load(tmp_path / "clean", "toy", c, s)
        for t in a.tables:
            pd.testing.assert_frame_equal(a.tables[t], b.tables[t])
        assert clean.metas[s]["checkpoints"]["resumed"] == 0


def test_damaged_checkpoint_is_recomputed(tmp_path):
    c = cfg()
    toy_study.STOP_AFTER[0] = 2
    with pytest.raises(KeyboardInterrupt):
        runner.run(TOY, c, (0,), root=tmp_path)
    part = store.partial_dir(tmp_path, "toy", config_hash("toy", c), 0)
    victim = sorted(part.glob("*.npz"))[0]
    victim.write_bytes(b"not a zip file")
    toy_study.STOP_AFTER[0] = None
    toy_study.CALLS.clear()
    out = runner.run(TOY, c, (0,), root=tmp_path)
    assert out.metas[0]["checkpoints"] == dict(resumed=1, computed=6, from_peers=0)


def test_checkpoints_and_results_of_other_code_are_recomputed(tmp_path, monkeypatch):
    c = cfg()
    toy_study.STOP_AFTER[0] = 2
    with pytest.raises(KeyboardInterrupt):
        runner.run(TOY, c, (0,), root=tmp_path)
    toy_study.STOP_AFTER[0] = None
    monkeypatch.setattr(runner, "code_fingerprint", lambda module: "0123456789abcdef")
    out = runner.run(TOY, c, (0,), root=tmp_path)
    assert out.metas[0]["checkpoints"] == dict(resumed=0, computed=7, from_peers=0)
    monkeypatch.undo()
    again = runner.run(TOY, c, (0,), root=tmp_path)
    assert again.stale == (0,) and again.computed == (0,)  # stored by "other code"
    assert runner.run(TOY, c, (0,), root=tmp_path).reused == (0,)


def test_force_recomputes_and_discards_checkpoints(tmp_path):
    c = cfg()
    runner.run(TOY, c, (0,), root=tmp_path)
    toy_study.CALLS.clear()
    out = runner.run(TOY, c, (0,), root=tmp_path, force=True)
    assert out.computed == (0,) and len(toy_study.CALLS) == 7
    toy_study.STOP_AFTER[0] = 2  # an interrupted forced run leaves checkpoints …
    with pytest.raises(KeyboardInterrupt):
        runner.run(TOY, c, (1,), root=tmp_path)
    toy_study.STOP_AFTER[0] = None
    toy_study.CALLS.clear()
    out = runner.run(TOY, c, (1,), root=tmp_path, force=True)  # … which force ignores
    assert out.metas[1]["checkpoints"]["resumed"] == 0 and len(toy_study.CALLS) == 7


def test_a_killed_batched_point_resumes_to_the_same_numbers(tmp_path):
    """A run of seeds 0-2 killed after the first batched point, resumed as seeds 0-1: every
    replicate has the numbers of an uninterrupted run, whatever the company."""
    c = cfg()
    toy_study.STOP_AFTER[0] = 13  # 12 draw points, then the first batched point, then stop
    with pytest.raises(KeyboardInterrupt):
        runner.run(TOY, c, (0, 1, 2), root=tmp_path)
    toy_study.STOP_AFTER[0] = None
    runner.run(TOY, c, (0, 1), root=tmp_path)
    clean = runner.run(TOY, c, (0, 1, 2, 3), root=tmp_path / "clean")
    for s in (0, 1):
        a, _ = store.load(tmp_path, "toy", c, s)
        b, _ = store.load(tmp_path / "clean", "toy", c, s)
        pd.testing.assert_frame_equal(a.tables["batched"], b.tables["batched"])
    assert clean.metas[3]["replicate_block"] == [0, 1, 2, 3, 4]


def test_run_removes_what_a_killed_run_left(tmp_path):
    c = cfg()
    h = config_hash("toy", c)
    junk = store.config_dir(tmp_path, "toy", h) / ".tmp-seed0-deadbeef"
    junk.mkdir(parents=True)
    runner.run(TOY, c, (0,), root=tmp_path)
    assert not junk.exists()


def test_deterministic_sweeps_take_no_setup_and_no_random_tables(monkeypatch):
    from nntheory.study import Sweep

    bad = dict(toy_study.SWEEPS, fixed=Sweep(toy_study.exact_point, setup=toy_study.shift,
                                             random=False))
    monkeypatch.setattr(toy_study, "SWEEPS", bad)
    with pytest.raises(TypeError, match="fixed is deterministic"):
        runner.compute(TOY, cfg(), (0,))
    reads = dict(toy_study.SWEEPS, fixed=Sweep(lambda cfg, key, tables: dict(n=1),
                                               needs=("draws",), random=False))
    monkeypatch.setattr(toy_study, "SWEEPS", reads)
    with pytest.raises(ValueError, match="deterministic but needs table 'draws'"):
        runner.compute(TOY, cfg(), (0,))


def test_a_failing_point_is_named(monkeypatch):
    from nntheory.study import Sweep

    def broken(cfg, key, *, i):
        return np.ones(2) @ np.ones(3)

    monkeypatch.setattr(toy_study, "SWEEPS", dict(bad=Sweep(broken, grid=lambda c: dict(i=[7]))))
    with pytest.raises(runner.StudyError, match="toy: sweep bad: point i=7: ValueError"):
        runner.compute(TOY, cfg(), (0,))


def test_what_a_point_may_return():
    """No rows from ``{}``, ``[]``, ``None`` or ``Rows(tables={})`` (never a row holding only
    the parameters); one row from a dict; a row per dict of a list."""
    from nntheory.study import Rows

    for out, rows in (({}, 0), ([], 0), (None, 0), (Rows(tables={}), 0), ({"v": 1.0}, 1),
                      ([{"v": 1.0}, {"v": 2.0}], 2)):
        tables, _ = runner._frames(out, "s", dict(i=3))
        assert sum(len(df) for df in tables.values()) == rows, out


def test_point_ids_are_canonical():
    from nntheory.keys import point_id

    assert point_id(dict(w=np.int64(4), lr=np.float32(0.5))) == point_id(dict(lr=0.5, w=4))
    assert point_id(dict(w=1)) != point_id(dict(w="1"))
    with pytest.raises(TypeError, match="sweep parameter"):
        point_id(dict(w=(1, 2)))


def test_missing_replicates_are_named(tmp_path):
    c = cfg()
    runner.run(TOY, c, (0, 2), root=tmp_path)
    with pytest.raises(store.MissingResult) as e:
        runner.load(TOY, c, (0, 1, 2, 3), root=tmp_path, profile="test")
    msg = str(e.value)
    assert "seeds 1,3 of 4" in msg and "--seeds 1,3" in msg and "--profile test" in msg


def test_results_of_the_previous_layout_are_recomputed(tmp_path):
    c = cfg()
    h = config_hash("toy", c)
    old = tmp_path / "toy" / f"{h}-seed0"  # the layout before replicates
    old.mkdir(parents=True)
    (old / "meta.json").write_text(json.dumps(dict(study="toy", seed=0, config_hash=h)))
    (old / "metrics.json").write_text("{}")
    with pytest.raises(store.MissingResult):
        runner.load(TOY, c, (0,), root=tmp_path)
    assert runner.run(TOY, c, (0,), root=tmp_path).computed == (0,)
    # a result in this layout's place written by another format is recomputed too
    meta = store.result_dir(tmp_path, "toy", h, 0) / "meta.json"
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "format": 1}))
    with pytest.raises(store.StoreError, match="older nntheory"):
        runner.load(TOY, c, (0,), root=tmp_path)
    out = runner.run(TOY, c, (0,), root=tmp_path)
    assert out.stale == (0,)


def test_metrics_are_derived_at_load_time(tmp_path, monkeypatch):
    c = cfg()
    runner.run(TOY, c, (0,), root=tmp_path)
    before = runner.load(TOY, c, (0,), root=tmp_path).metrics["total"].iloc[0]
    monkeypatch.setattr(toy_study, "metrics", lambda tables, arrays, cfg: dict(total=-1.0))
    after = runner.load(TOY, c, (0,), root=tmp_path).metrics["total"].iloc[0]
    assert after == -1.0 != before


# --------------------------------------------------------------------------------------------
# The code fingerprint
# --------------------------------------------------------------------------------------------

SOURCE = textwrap.dedent('''
    """Docstring."""
    import numpy as np
    from nntheory.study import Sweep

    SCALE = 2.0
    UNUSED = 3.0

    def helper(x):
        return SCALE * x

    def point(cfg, key, *, i):
        """A point."""
        return dict(v=helper(i))

    class Config:
        pass

    SWEEPS = {"s": Sweep(point)}

    def metrics(tables, arrays, cfg):
        return dict(m=tables["s"]["v"].sum())

    CLAIMS = ()
    TITLE = "t"
''')


@pytest.mark.parametrize("old,new,changes", [
    ('return dict(m=tables["s"]["v"].sum())', 'return dict(m=tables["s"]["v"].mean())', False),
    ('CLAIMS = ()', 'CLAIMS = (1,)', False),
    ('TITLE = "t"', 'TITLE = "u"', False),
    ('"""A point."""', '"""Another docstring."""', False),
    ("UNUSED = 3.0", "UNUSED = 4.0", False),
    ("return dict(v=helper(i))", "return dict(v=helper(i)  )  # a comment", False),
    ("SCALE = 2.0", "SCALE = 2.5", True),
    ("return SCALE * x", "return SCALE * x + 1", True),
    ("return dict(v=helper(i))", "return dict(v=helper(i), w=1)", True),
    ("import numpy as np", "import numpy as np\nimport scipy", True),
    ("UNUSED = 3.0", "UNUSED = 3.0\njax.config.update('jax_enable_x64', True)", True),
    ("SCALE = 2.0", "try:\n    SCALE = 2.0\nexcept ImportError:\n    SCALE = 1.0", True),
])
def test_fingerprint_covers_what_computes_tables_and_nothing_else(old, new, changes):
    assert old in SOURCE
    a = provenance.study_code(SOURCE)
    b = provenance.study_code(SOURCE.replace(old, new))
    assert (a != b) == changes


def test_fingerprint_is_stable():
    fp = provenance.code_fingerprint(toy_study)
    assert len(fp) == 16 and fp == provenance.code_fingerprint(toy_study)


def test_a_try_block_constant_is_followed():
    block = "try:\n    SCALE = 2.0\nexcept ImportError:\n    SCALE = 1.0"
    src = SOURCE.replace("SCALE = 2.0", block)
    changed = src.replace("SCALE = 1.0", "SCALE = 0.5")
    assert provenance.study_code(src) != provenance.study_code(changed)


def test_library_code_is_the_studys_import_closure():
    """A study's fingerprint covers the library modules it imports (transitively) and the keys,
    not the report, the store or modules it never imports."""
    from nntheory.study import get_study

    lib = provenance.library_code(get_study("universal_approximation").module)
    names = {line for line in lib.splitlines() if line.startswith("nntheory")}
    assert {"nntheory.train", "nntheory.nets", "nntheory.analysis.approximation",
            "nntheory.keys", "nntheory.compat.neural_tangents"} <= names
    assert not names & {"nntheory.report.plots", "nntheory.runner", "nntheory.store",
                        "nntheory.analysis.grokking", "nntheory.kernels"}


# --------------------------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------------------------

SCRIPT = textwrap.dedent("""
    import json, sys, time
    sys.path.insert(0, sys.argv[4])
    import toy_study
    from nntheory import runner
    from nntheory.config import override
    from nntheory.study import Study

    slow = toy_study.draw_point
    def draw(cfg, key, data, *, i):
        time.sleep(float(sys.argv[5]))
        return slow(cfg, key, data, i=i)
    toy_study.SWEEPS["draws"] = toy_study.SWEEPS["draws"].__class__(
        draw, toy_study.SWEEPS["draws"].grid, setup=toy_study.shift)
    index, count = int(sys.argv[2]), int(sys.argv[3])
    cfg = override(toy_study.PROFILES["test"], dict(points=5))
    out = runner.run(Study("toy", toy_study), cfg, (0,), root=sys.argv[1],
                     process=(index, count) if count > 1 else None)
    res = runner.load(Study("toy", toy_study), cfg, (0,), root=sys.argv[1]) if index == 0 \\
        else None
    print(json.dumps(dict(
        calls=[c[1] for c in toy_study.CALLS if c[0] == "draws"], reused=list(out.reused),
        published=out.paths[0] is not None,
        total=None if res is None else float(res.metrics["total"].iloc[0]))))
""")


def _script(root, index, count, sleep=0.0):
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(root), str(index), str(count), str(TESTS),
         str(sleep)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, NNTHEORY_PROGRESS="0"))


def _out(p):
    out, err = p.communicate(timeout=180)
    assert p.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def test_two_processes_do_not_both_compute(tmp_path):
    procs = [_script(tmp_path, 0, 1, sleep=0.5) for _ in range(2)]
    outs = [_out(p) for p in procs]
    assert sorted(len(o["reused"]) for o in outs) == [0, 1]
    assert outs[0]["total"] == outs[1]["total"]


def test_processes_split_the_units_and_one_publishes(tmp_path):
    """Multi-host without the hosts: two processes sharing a results folder each compute only
    their own units (0, 2, 4 and 1, 3 of the five draw points), read the other's, and process
    0 alone publishes; the result equals a one-process run."""
    procs = [_script(tmp_path / "shared", i, 2) for i in range(2)]
    outs = [_out(p) for p in procs]
    assert [o["calls"] for o in outs] == [[0, 2, 4], [1, 3]]
    assert [o["published"] for o in outs] == [True, False]
    one = _out(_script(tmp_path / "single", 0, 1))
    assert outs[0]["total"] == one["total"]
    assert not list((tmp_path / "shared" / "toy").glob("*/.partial-*"))


# --------------------------------------------------------------------------------------------
# Ctrl-C
# --------------------------------------------------------------------------------------------


def test_ctrl_c_stops_with_one_line(tmp_path):
    env = dict(os.environ, NNTHEORY_PROGRESS="0")
    p = subprocess.Popen(
        [sys.executable, "-m", "nntheory.cli", "--results-dir", str(tmp_path / "r"), "run",
         "universal_approximation", "--profile", "test"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    partial = tmp_path / "r" / "universal_approximation"
    deadline = time.monotonic() + 240
    while not list(partial.glob("*/.partial-*/*.npz")):  # a sweep point is done: mid-run
        assert p.poll() is None and time.monotonic() < deadline, "run ended or stalled"
        time.sleep(0.1)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 130, err
    assert len(err.strip().splitlines()) == 1 and err.startswith("nntheory: interrupted;"), err
    assert not list(partial.glob("*/seed*"))


class _SwallowsCtrlC:
    """Ctrl-C delivered inside a __del__: Python prints "Exception ignored" and carries on
    (as it does in JAX's _xla_gc_callback)."""

    def __del__(self):
        signal.raise_signal(signal.SIGINT)


def test_swallowed_ctrl_c_is_remembered(capsys):
    from nntheory import interrupt

    with interrupt.interruptible():
        obj = _SwallowsCtrlC()
        del obj  # the KeyboardInterrupt is raised inside __del__ and swallowed
        assert interrupt.interrupted()
        with pytest.raises(KeyboardInterrupt):
            interrupt.check()
    assert not interrupt.interrupted()  # cleared on leaving the block
    interrupt.check()
    assert "Exception ignored" not in capsys.readouterr().err  # handled, so not printed


def test_error_masking_a_ctrl_c_leaves_as_the_interrupt():
    """A Ctrl-C while np.savez closes a member's write handle leaves the handle open, and
    zipfile's close then raises ValueError ("Can't close the ZIP file while there is an open
    writing handle"), hiding the interrupt; the block reports the interrupt."""
    import io
    import zipfile

    from nntheory import interrupt

    with pytest.raises(KeyboardInterrupt) as info, interrupt.interruptible():
        with zipfile.ZipFile(io.BytesIO(), "w") as z:
            handle = z.open("a.npy", "w")  # left open, as by the interrupted close
            handle.write(b"x")
            signal.raise_signal(signal.SIGINT)
    assert isinstance(info.value.__cause__, ValueError)
    handle.close()
    z.close()
    with pytest.raises(ValueError), interrupt.interruptible():  # no signal: the error itself
        raise ValueError("bad input")


def test_swallowed_ctrl_c_stops_the_run_before_publishing(tmp_path, monkeypatch):
    """A run whose Ctrl-C was swallowed mid-point stops at the next unit, publishing nothing."""
    from nntheory import interrupt

    def swallowing(cfg, key):
        obj = _SwallowsCtrlC()
        del obj
        return 0.0

    sweeps = dict(toy_study.SWEEPS)
    sweeps["draws"] = type(sweeps["draws"])(toy_study.draw_point, sweeps["draws"].grid,
                                            setup=swallowing)
    monkeypatch.setattr(toy_study, "SWEEPS", sweeps)
    c = cfg()
    with interrupt.interruptible(), pytest.raises(KeyboardInterrupt):
        runner.run(TOY, c, (0,), root=tmp_path)
    assert not store.exists(tmp_path, "toy", config_hash("toy", c), 0)


def test_a_sweep_reads_the_tables_of_earlier_sweeps(monkeypatch):
    """`needs`: a point gets its own replicate's tables of earlier sweeps (a list of them, one
    per replicate, for a batched sweep); a table no earlier sweep made is an error."""
    from nntheory.study import Sweep

    def total(cfg, key, tables):
        return dict(total=float(tables["draws"]["value"].sum()), n=len(tables["draws"]))

    def totals(cfg, keys, tables):
        return pd.DataFrame(dict(replicate=range(len(keys)),
                                 total=[float(t["draws"]["value"].sum()) for t in tables]))

    sweeps = dict(toy_study.SWEEPS, total=Sweep(total, needs=("draws",)),
                  totals=Sweep(totals, needs=("draws",), batched=True))
    monkeypatch.setattr(toy_study, "SWEEPS", sweeps)
    res, _ = runner.compute(TOY, cfg(), (0, 1))
    for s in (0, 1):
        want = res[s].tables["draws"]["value"].sum()
        assert res[s].tables["total"]["total"].iloc[0] == pytest.approx(want)
        assert res[s].tables["total"]["n"].iloc[0] == 4
        assert res[s].tables["totals"]["total"].iloc[0] == pytest.approx(want)
    monkeypatch.setattr(toy_study, "SWEEPS", dict(sweeps, bad=Sweep(total, needs=("nope",))))
    with pytest.raises(ValueError, match="needs table 'nope'"):
        runner.compute(TOY, cfg(), (0,))


def test_every_run_writes_a_log_beside_its_results(tmp_path):
    runner.run(TOY, cfg(), (0,), root=tmp_path, progress=False)
    log = store.config_dir(tmp_path, "toy", config_hash("toy", cfg())) / "run-process0.log"
    lines = log.read_text().splitlines()
    assert "seeds 0, 7 units" in lines[0] and "published seeds 0" in lines[-1]
    assert sum("draws i=" in line for line in lines) == 4
