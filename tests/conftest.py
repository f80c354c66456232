"""Strict test settings: rank promotion raises (equinox-style), warnings are errors (pyproject),
no progress bars, and every test that writes gets its own results/reports folders."""

from __future__ import annotations

import os

os.environ.setdefault("NNTHEORY_PROGRESS", "0")

import jax  # noqa: E402
import pytest  # noqa: E402

jax.config.update("jax_numpy_rank_promotion", "raise")

# A universal-approximation config small enough for end-to-end tests (seconds, not a minute).
TINY_UA = dict(
    activations=["tanh", "relu", "poly2"],
    targets=["sin", "bump2d"],
    widths=[2, 16],
    seeds=2,
    n_train_1d=64,
    train_grid_2d=8,
    grid_1d=201,
    grid_2d=12,
    steps=200,
    xor_seeds=4,
    xor_steps=200,
)


@pytest.fixture
def dirs(tmp_path):
    """Fresh results/ and reports/ folders for one test."""
    r, p = tmp_path / "results", tmp_path / "reports"
    return r, p


@pytest.fixture
def tiny_toml(tmp_path):
    """TINY_UA written as a TOML config file."""
    import json

    lines = [f"{k} = {json.dumps(v)}" for k, v in TINY_UA.items()]
    path = tmp_path / "tiny.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="session")
def test_profile_run(tmp_path_factory):
    """``get(name, dest=None)``: the results folder of study ``name`` run at its test profile
    through the command line, computed once per test session — shared by the xdist workers
    through a lock file in the session's common temporary folder, so the end-to-end tests and a
    study's own tests do not each recompute it. With ``dest`` the folder is copied there first
    (for a test that writes into it); without, callers only read it."""
    import fcntl
    import shutil

    from nntheory.cli import main

    base = tmp_path_factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "test-profile-runs"
    shared.mkdir(exist_ok=True)

    def get(name: str, dest=None):
        done = shared / name
        with open(shared / f"{name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # the other worker waits while one computes
            if not (done / "complete").exists():
                shutil.rmtree(done, ignore_errors=True)
                assert main(["--results-dir", str(done / "results"), "run", name,
                             "--profile", "test"]) == 0
                (done / "complete").touch()
        if dest is None:
            return done / "results"
        shutil.copytree(done / "results", dest)
        return dest

    return get
