"""The universal-approximation study: its exact facts at the test profile, its metrics on
tables built by hand, a claim built to fail, bit-identical reruns, and a killed run that leaves
nothing partial (its end-to-end run and report are in tests/test_studies.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest

from nntheory import data, runner, store
from nntheory.analysis import approximation as approx
from nntheory.claims import Claim
from nntheory.cli import main
from nntheory.config import config_hash
from nntheory.study import Results, get_study

UA = "universal_approximation"
STUDY = get_study(UA)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, test_profile_run):
    """The test profile's two replicates through the command line (computed once per session,
    shared with tests/test_studies.py)."""
    base = tmp_path_factory.mktemp("ua")
    test_profile_run(UA, base / "results")
    common = ["--results-dir", str(base / "results"), "--reports-dir", str(base / "reports")]
    assert main([*common, "run", UA, "--profile", "test"]) == 0
    cfg = STUDY.config("test")
    ev = runner.load(STUDY, cfg, (0, 1), root=base / "results")
    return dict(base=base, common=common, cfg=cfg, ev=ev)


def test_every_member_trained_and_exact_facts(tiny_run):
    cfg, ev = tiny_run["cfg"], tiny_run["ev"]
    for s in ev.seeds:
        err = ev.per_seed[s].tables["errors"]
        assert len(err) == len(cfg.activations) * len(cfg.targets) * len(cfg.widths) * cfg.seeds
        assert not err["diverged"].any()
        assert set(err.columns) >= {"activation", "width", "target", "seed", "rel_l2", "sup"}
    m = ev.metrics
    assert (m["xor_linear_best_accuracy"] == 0.75).all()  # exhaustive LP: XOR is not linear
    assert (m["xor_construction_accuracy"] == 1.0).all()  # two hidden units suffice
    assert (m["poly_min_ratio"] >= 1 - 1e-3).all()  # x^k nets never beat the best polynomial
    assert (m["width1_min_over_monotone_floor"] >= 1 - 1e-3).all()  # width 1 is monotone


def test_fits_of_each_replicate_are_its_own(tiny_run):
    ev = tiny_run["ev"]
    a, b = (ev.per_seed[s].arrays["fit__sin__relu__16"] for s in ev.seeds)
    assert a.shape == b.shape == (tiny_run["cfg"].grid_1d,) and not np.allclose(a, b)


def test_baselines_are_the_exact_least_squares_floors():
    cfg = STUDY.config("test")
    rows = STUDY.baseline_point(cfg, jax.random.PRNGKey(0)).tables
    sin = rows[(rows["target"] == "sin") & (rows["activation"] == "poly2")]
    x = np.linspace(-1.0, 1.0, cfg.grid_1d)
    y = np.sin(np.pi * x)
    fit = np.polynomial.polynomial.polyval(x, np.polynomial.polynomial.polyfit(x, y, 2))
    assert sin["rel_l2"].iloc[0] == pytest.approx(np.linalg.norm(fit - y) / np.linalg.norm(y),
                                                  rel=1e-5)


def _tables(falls=(0.5, 0.05), poly=(1.2, 1.1), base=1.0):
    """Errors of one non-polynomial and one polynomial activation at widths 1 and 8, the
    polynomial and monotone floors, XOR results, and a Barron sweep in d = 1 and 16 whose errors
    are exact power laws (trained: width^−1 and width^−1/2; fixed basis: flat at d = 16)."""
    rows = []
    for a, errs, pol in (("relu", falls, False), ("poly2", poly, True)):
        for w, e in zip((1, 8), errs, strict=True):
            rows.append(dict(activation=a, target="sin", dim=1, width=w, seed=0, rel_l2=e,
                             sup=e, train_loss=e, diverged=False, polynomial=pol))
    baselines = pd.DataFrame([dict(target="sin", activation="poly2", degree=2, rel_l2=base,
                                   sup=base),
                              dict(target="sin", activation="relu", degree=-1, rel_l2=0.25,
                                   sup=1.0)])
    xor = pd.DataFrame(dict(seed=[0, 1], accuracy=[1.0, 0.75], final_loss=[0.1, 0.5]))
    barron = pd.DataFrame([dict(dim=d, width=w, seed=0, err_train=w ** p, err_test=2 * w ** p,
                                fixed_train=f(w), bound_rel=20.0 / np.sqrt(w))
                           for d, p, f in ((1, -1.0, lambda w: w ** -2.0),
                                           (16, -0.5, lambda w: 0.9))
                           for w in (2, 8, 32)])
    return dict(errors=pd.DataFrame(rows), poly_baselines=baselines, xor=xor, barron=barron,
                xor_linear=pd.DataFrame([dict(best_accuracy=0.75, construction_accuracy=1.0)]))


def test_metrics_by_hand():
    m = STUDY.metrics(Results(_tables(), {}), STUDY.config("test"))
    assert m["nonpoly_max_fall_ratio"] == pytest.approx(0.1)  # from width 1
    assert m["nonpoly_max_err_widest"] == pytest.approx(0.05)
    assert m["width1_min_over_monotone_floor"] == pytest.approx(0.5 / 0.25)
    assert m["poly_min_ratio"] == pytest.approx(1.1)
    assert m["poly_over_nonpoly_widest_sin"] == pytest.approx(1.1 / 0.05)
    assert m["barron_slope_d1"] == pytest.approx(-1.0)
    assert m["fixed_slope_d1"] == pytest.approx(-2.0)
    assert m["barron_slope_d16"] == pytest.approx(-0.5)
    assert m["barron_test_slope_d16"] == pytest.approx(-0.5)
    assert m["barron_max_slope"] == pytest.approx(-0.5)
    assert m["barron_gap_fraction"] == pytest.approx(0.5 / (0.5 - 1 / 16))
    assert m["barron_bound_rel_widest"] == pytest.approx(20 / np.sqrt(32))
    assert m["xor_construction_accuracy"] == 1.0 and m["xor_linear_best_accuracy"] == 0.75
    assert m["xor_mlp_best_accuracy"] == 1.0 and m["xor_mlp_fraction_solved"] == 0.5


def test_metrics_without_a_barron_sweep():
    """A config whose Barron table is empty still has every other metric."""
    t = _tables()
    t["barron"] = t["barron"].iloc[:0]
    m = STUDY.metrics(Results(t, {}), STUDY.config("test"))
    assert "barron_max_slope" not in m and m["nonpoly_max_fall_ratio"] == pytest.approx(0.1)


@pytest.mark.parametrize(
    "kwargs,fragment",
    [(dict(barron_dims=(4, 1)), "increasing"), (dict(barron_widths=()), "barron_widths"),
     (dict(barron_frequencies=(0.0,)), "barron_frequencies"), (dict(targets=("abs",)), "1-D"),
     (dict(barron_points_per_param=0), "barron_points_per_param")],
)
def test_config_rejects_bad_barron_values(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        STUDY.Config(**kwargs)


def test_barron_points_exceed_the_widest_nets_parameters():
    """N = 4 × ((d + 2)·n + 1): the widest net, d·n + n weights and biases in, n + 1 out."""
    cfg = STUDY.config("quick")
    for d in cfg.barron_dims:
        n = cfg.barron_widths[-1]
        assert cfg.barron_points(d) == 4 * (d * n + n + n + 1)


def test_cosine_ridges_target():
    """a Σ cos(κⱼ uⱼ·x + θⱼ) with unit directions; the same draw from the same key; NumPy and
    JAX inputs agree; its Barron constant on the ball is a Σ κⱼ whatever the dimension."""
    key = jax.random.PRNGKey(3)
    tgt, u, theta = data.cosine_ridges(key, 16, (2.0, 3.0), 0.5)
    assert tgt.dim == 16 and u.shape == (2, 16) and theta.shape == (2,)
    np.testing.assert_allclose(np.linalg.norm(u, axis=1), 1.0)
    x = np.random.default_rng(0).uniform(-1, 1, (5, 16)).astype(np.float32)
    expected = 0.5 * np.cos(x @ u.T * np.array([2.0, 3.0]) + theta).sum(axis=1)
    np.testing.assert_allclose(tgt(x), expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(tgt(jnp.asarray(x))), expected, rtol=1e-5, atol=1e-5)
    _, u2, _ = data.cosine_ridges(key, 16, (2.0, 3.0), 0.5)
    np.testing.assert_array_equal(u, u2)
    for d in (1, 4, 16):
        _, u, _ = data.cosine_ridges(jax.random.PRNGKey(d), d, (2.0, 3.0, 4.0, 5.0), 0.5)
        assert approx.cosine_ridge_barron_constant(np.full(4, 0.5), (2, 3, 4, 5), u) == \
            pytest.approx(7.0)
    with pytest.raises(ValueError, match="dim"):
        data.cosine_ridges(key, 0)


def test_barron_rows_of_the_test_run(tiny_run):
    """Every (dimension, width) member has its errors, its training-set size and Barron's
    constants; a fixed random basis of 8 tanh units fits a 1-D target better than it fits a
    16-times-wider input space (here d = 4)."""
    cfg, ev = tiny_run["cfg"], tiny_run["ev"]
    for s in ev.seeds:
        b = ev.per_seed[s].tables["barron"]
        assert len(b) == len(cfg.barron_dims) * len(cfg.barron_widths) * cfg.barron_seeds
        assert not b["diverged"].any()
        for d, g in b.groupby("dim"):
            assert (g["n_train"] == cfg.barron_points(d)).all()
            assert np.allclose(g["c_ball"], 7.0) and (g["c_cube"] >= 7.0 - 1e-9).all()
        assert ((b[["err_train", "err_test", "fixed_train", "fixed_test"]] > 0).all()).all()
        assert (b["bound_rel"] > 1).all()  # Barron's constant is vacuous at these widths
        wide = b[b["width"] == max(cfg.barron_widths)].set_index("dim")["fixed_train"]
        assert wide.loc[1] < wide.loc[4]


def test_failing_claim_fails_the_command(tiny_run, capsys, monkeypatch):
    """A claim built to fail makes `nntheory claims` exit 1 and print FAILS."""
    impossible = Claim("impossible", "XOR is linearly separable", "none (built to fail)",
                       "xor_linear_best_accuracy", "==", 1.0)
    monkeypatch.setattr(STUDY.module, "CLAIMS", (*STUDY.CLAIMS, impossible))
    rc = main([*tiny_run["common"], "claims", UA, "--profile", "test"])
    out = capsys.readouterr().out
    assert rc == 1 and "FAILS   claim impossible: 0/2 pass" in out


def _assert_identical(a, b):
    assert a.tables.keys() == b.tables.keys()
    for k in a.tables:
        pd.testing.assert_frame_equal(a.tables[k], b.tables[k], check_exact=True)
    assert a.arrays.keys() == b.arrays.keys()
    for k in a.arrays:
        np.testing.assert_array_equal(a.arrays[k], b.arrays[k])


def test_rerun_reuses_and_force_reproduces(tiny_run, capsys):
    common = tiny_run["common"]
    assert main([*common, "run", UA, "--profile", "test"]) == 0
    assert "reused seeds 0,1" in capsys.readouterr().out
    assert main([*common, "run", UA, "--profile", "test", "--force"]) == 0
    res, _ = store.load(tiny_run["base"] / "results", UA, tiny_run["cfg"], 1)
    _assert_identical(res, tiny_run["ev"].per_seed[1])


def _cli(results):
    return [sys.executable, "-m", "nntheory.cli", "--results-dir", str(results), "run", UA,
            "--profile", "test"]


def test_killed_run_leaves_nothing_partial_and_rerun_matches(tiny_run, tmp_path):
    """SIGKILL once the first sweep point is checkpointed (mid-run, whatever the machine's
    speed; a kill at a fixed time could land before anything was written), then a rerun."""
    results = tmp_path / "results"
    env = dict(os.environ, NNTHEORY_PROGRESS="0")
    proc = subprocess.Popen(_cli(results), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while not list((results / UA).glob("*/.partial-*/*.npz")):
        assert proc.poll() is None and time.monotonic() < deadline, "run ended or stalled"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    cfg = tiny_run["cfg"]
    folder = store.config_dir(results, UA, config_hash(UA, cfg))
    for s in (0, 1):
        if store.result_dir(results, UA, config_hash(UA, cfg), s).exists():
            store.load(results, UA, cfg, s)  # finished before the kill: then it must be whole
    visible = list(folder.iterdir()) if folder.exists() else []
    assert all(p.name.startswith(".") or p.name in ("seed0", "seed1")
               or p.name.startswith("run-process") for p in visible)  # the run's progress log
    rerun = subprocess.run(_cli(results), env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    for s in (0, 1):
        res, _ = store.load(results, UA, cfg, s)
        _assert_identical(res, tiny_run["ev"].per_seed[s])
    assert not list(folder.glob(".tmp-*")) and not list(folder.glob(".partial-*"))


def test_a_claim_of_another_profile_is_named_not_judged(tiny_run, capsys, monkeypatch):
    import json

    only_full = Claim("full_only", "A metric only the full profile computes", "none",
                      "not_measured_at_test", "==", 1.0, profiles=("full",))
    monkeypatch.setattr(STUDY.module, "CLAIMS", (*STUDY.CLAIMS, only_full))
    main([*tiny_run["common"], "claims", UA, "--profile", "test", "--json"])
    payload = json.loads(capsys.readouterr().out)
    assert payload["not_judged_at_this_profile"] == ["full_only"]
    assert "full_only" not in [c["id"] for c in payload["claims"]]
