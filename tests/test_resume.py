"""Interruption, resumption and concurrency of `run_and_store`: a run interrupted after some
sweep points resumes from their checkpoints and equals an uninterrupted run; two processes
computing the same result do not both compute it; Ctrl-C stops with one line."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
import pytest

from nntheory import store
from nntheory.study import Results


@dataclasses.dataclass(frozen=True)
class Cfg:
    points: int = 4


class FakeStudy:
    """A study of ``points`` sweep points; can be told to stop (Ctrl-C) after some of them."""

    name = "fake"

    def __init__(self, stop_after=None):
        self.stop_after = stop_after
        self.computed = []

    def run(self, cfg, key, ckpt=None):
        rows = []
        for i in range(cfg.points):
            if self.stop_after is not None and len(self.computed) == self.stop_after:
                raise KeyboardInterrupt

            def compute(i=i):
                self.computed.append(i)
                return dict(value=np.float64(i) ** 2 + float(key[1]))

            rows.append(float(ckpt.step(f"point-{i}", compute)["value"]))
        return Results(tables=dict(t=pd.DataFrame(dict(v=rows))), metrics=dict(total=sum(rows)))


def test_interrupted_run_resumes_from_checkpoints(tmp_path):
    cfg = Cfg()
    first = FakeStudy(stop_after=2)
    with pytest.raises(KeyboardInterrupt):
        store.run_and_store(first, cfg, 0, root=tmp_path, profile=None)
    h = store.config_hash("fake", cfg)
    assert not store.exists(tmp_path, "fake", h, 0)           # nothing half-published
    assert len(list(store.partial_dir(tmp_path, "fake", h, 0).glob("*.npz"))) == 2

    second = FakeStudy()
    out = store.run_and_store(second, cfg, 0, root=tmp_path, profile=None)
    assert second.computed == [2, 3]
    assert out.meta["checkpoints"] == dict(resumed=2, computed=2)
    assert not store.partial_dir(tmp_path, "fake", h, 0).exists()

    clean = store.run_and_store(FakeStudy(), cfg, 0, root=tmp_path / "other", profile=None)
    assert clean.results.metrics == out.results.metrics
    pd.testing.assert_frame_equal(clean.results.tables["t"], out.results.tables["t"])


def test_damaged_checkpoint_is_recomputed(tmp_path):
    cfg = Cfg()
    with pytest.raises(KeyboardInterrupt):
        store.run_and_store(FakeStudy(stop_after=2), cfg, 0, root=tmp_path, profile=None)
    part = store.partial_dir(tmp_path, "fake", store.config_hash("fake", cfg), 0)
    (part / "point-0.npz").write_bytes(b"not a zip file")
    again = FakeStudy()
    out = store.run_and_store(again, cfg, 0, root=tmp_path, profile=None)
    assert again.computed == [0, 2, 3]
    assert out.meta["checkpoints"] == dict(resumed=1, computed=3)


def test_checkpoints_of_other_code_are_recomputed(tmp_path, monkeypatch):
    """A run killed before an upgrade does not resume from points the new code may not match:
    each checkpoint carries the code fingerprint it was computed under."""
    cfg = Cfg()
    with pytest.raises(KeyboardInterrupt):
        store.run_and_store(FakeStudy(stop_after=2), cfg, 0, root=tmp_path, profile=None)
    fp = store.code_fingerprint(FakeStudy())
    assert len(fp) == 16 and fp == store.code_fingerprint(FakeStudy())  # deterministic
    monkeypatch.setattr(store, "code_fingerprint", lambda study: "0123456789abcdef")
    again = FakeStudy()
    out = store.run_and_store(again, cfg, 0, root=tmp_path, profile=None)
    assert again.computed == [0, 1, 2, 3]
    assert out.meta["checkpoints"] == dict(resumed=0, computed=4)


def test_force_discards_checkpoints(tmp_path):
    cfg = Cfg()
    with pytest.raises(KeyboardInterrupt):
        store.run_and_store(FakeStudy(stop_after=2), cfg, 0, root=tmp_path, profile=None)
    again = FakeStudy()
    store.run_and_store(again, cfg, 0, root=tmp_path, profile=None, force=True)
    assert again.computed == [0, 1, 2, 3]


CONCURRENT = textwrap.dedent("""
    import dataclasses, json, sys, time
    import numpy as np
    from nntheory import store
    from nntheory.study import Results

    @dataclasses.dataclass(frozen=True)
    class Cfg:
        points: int = 1

    class Slow:
        name = "slow"
        def run(self, cfg, key):
            time.sleep(3.0)
            return Results(metrics=dict(x=float(key[1])))

    out = store.run_and_store(Slow(), Cfg(), 0, root=sys.argv[1], profile=None)
    print(json.dumps(dict(reused=out.reused, x=out.results.metrics["x"])))
""")


def test_two_processes_do_not_both_compute(tmp_path):
    cmd = [sys.executable, "-c", CONCURRENT, str(tmp_path)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [json.loads(p.communicate(timeout=120)[0].strip().splitlines()[-1]) for p in procs]
    assert sorted(o["reused"] for o in outs) == [False, True]
    assert outs[0]["x"] == outs[1]["x"]


def test_ctrl_c_stops_with_one_line(tmp_path, tiny_toml):
    env = dict(os.environ, NNTHEORY_PROGRESS="0")
    p = subprocess.Popen(
        [sys.executable, "-m", "nntheory.cli", "--results-dir", str(tmp_path / "r"), "run",
         "universal_approximation", "--config", str(tiny_toml)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    partial = tmp_path / "r" / "universal_approximation"
    deadline = time.monotonic() + 240
    while not list(partial.glob(".partial-*/*.npz")):  # a sweep point is done: mid-run
        assert p.poll() is None and time.monotonic() < deadline, "run ended or stalled"
        time.sleep(0.1)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 130, err
    assert len(err.strip().splitlines()) == 1 and err.startswith("nntheory: interrupted;"), err
    published = [d for d in (tmp_path / "r" / "universal_approximation").iterdir()
                 if not d.name.startswith(".")]
    assert published == []


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


def test_swallowed_ctrl_c_stops_the_run_before_publishing(tmp_path):
    """A run whose Ctrl-C was swallowed mid-point stops at the next checkpoint, publishing
    nothing; the rerun resumes."""
    from nntheory import interrupt

    class Swallowing(FakeStudy):
        def run(self, cfg, key, ckpt=None):
            obj = _SwallowsCtrlC()
            del obj
            return super().run(cfg, key, ckpt)

    cfg = Cfg()
    with interrupt.interruptible(), pytest.raises(KeyboardInterrupt):
        store.run_and_store(Swallowing(), cfg, 0, root=tmp_path, profile=None)
    assert not store.exists(tmp_path, "fake", store.config_hash("fake", cfg), 0)


COOPERATE = textwrap.dedent("""
    import dataclasses, json, sys
    import numpy as np
    from nntheory import store
    from nntheory.study import Results

    @dataclasses.dataclass(frozen=True)
    class Cfg:
        points: int = 5

    class Sweep:
        name = "sweep"
        def run(self, cfg, key, ckpt=None):
            done, vals = [], []
            for i in range(cfg.points):
                def compute(i=i):
                    done.append(i)
                    return dict(v=np.float64(i) ** 2 + float(key[1]))
                vals.append(float(ckpt.step(f"p{i}", compute)["v"]))
            print(json.dumps(dict(computed=done)), file=sys.stderr)
            return Results(metrics=dict(total=sum(vals)))

    index, count = int(sys.argv[2]), int(sys.argv[3])
    out = store.run_and_store(Sweep(), Cfg(), 0, root=sys.argv[1], process=(index, count))
    print(json.dumps(dict(total=out.results.metrics["total"], published=out.path is not None)))
""")


def test_processes_split_the_sweep_and_one_publishes(tmp_path):
    """Multi-host without the hosts: two processes sharing a results folder each compute only
    their own sweep points (0, 2, 4 and 1, 3), read the other's, and process 0 alone
    publishes; the result equals a one-process run."""
    cmd = [sys.executable, "-c", COOPERATE, str(tmp_path / "shared")]
    procs = [subprocess.Popen([*cmd, str(i), "2"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i in range(2)]
    outs = [p.communicate(timeout=180) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    res = [json.loads(o[0].strip().splitlines()[-1]) for o in outs]
    done = [json.loads(o[1].strip().splitlines()[-1])["computed"] for o in outs]
    assert done == [[0, 2, 4], [1, 3]]
    assert [r["published"] for r in res] == [True, False]
    single = subprocess.run([*[sys.executable, "-c", COOPERATE, str(tmp_path / "single")], "0",
                             "1"], capture_output=True, text=True, timeout=180)
    one = json.loads(single.stdout.strip().splitlines()[-1])
    assert res[0]["total"] == res[1]["total"] == one["total"]
    assert not list((tmp_path / "shared" / "sweep").glob(".partial-*"))
