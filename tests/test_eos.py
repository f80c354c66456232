"""The edge-of-stability experiments and their reading (nntheory.analysis.eos)."""

from __future__ import annotations

import subprocess
import sys

import jax
import numpy as np
import pytest

from nntheory import nets, train
from nntheory.analysis import eos, sharpness


def test_edge_of_stability_reads_a_trace():
    steps = np.arange(0, 100, 10)
    trace = np.array([12.0, 6.0, 7.0, 8.0, 9.5, 10.2, 9.9, 10.1, 9.8, 10.0])
    e = eos.edge_of_stability(steps, trace, 10.0)
    assert e.reached and e.entry_step == 40  # the initial 12 is not an entry
    assert e.plateau == pytest.approx(np.median(trace[5:]) / 10.0)
    assert (e.initial, e.final) == (12.0, 10.0)
    never = eos.edge_of_stability(steps, trace / 2, 10.0)
    assert not never.reached and np.isnan(never.plateau) and never.entry_step == -1
    with pytest.raises(ValueError, match="threshold"):
        eos.edge_of_stability(steps, trace, 0.0)


def test_loss_at_the_edge_counts_rises():
    steps = np.arange(6) * 10
    ratio, rises = eos.loss_at_the_edge(steps, [1.0, 0.8, 0.9, 0.5, 0.6, 0.2], 10)
    assert ratio == pytest.approx(0.2 / 0.8) and rises == 2
    assert np.isnan(eos.loss_at_the_edge(steps, np.ones(6), -1)[0])


@pytest.mark.parametrize("trace,diverged,phase", [
    ([1.0, 0.5, 0.2], False, "lazy"), ([1.0, 3.0, 0.1], False, "catapult"),
    ([1.0, 3.0, 2.0], False, "diverged"), ([1.0, np.nan, np.nan], False, "diverged"),
    ([1.0, 0.5, 0.2], True, "diverged"),
])
def test_catapult_phase(trace, diverged, phase):
    assert eos.catapult_phase(trace, diverged) == phase


def test_phase_boundaries_are_geometric_midpoints():
    x = [0.5, 1.0, 2.0, 4.0, 8.0]
    crit, top = eos.phase_boundaries(x, ["lazy", "lazy", "catapult", "catapult", "diverged"])
    assert crit == pytest.approx(np.sqrt(2.0)) and top == pytest.approx(np.sqrt(32.0))
    assert np.isnan(eos.phase_boundaries(x, ["lazy"] * 5)[0])
    with pytest.raises(ValueError):
        eos.phase_boundaries([2.0, 1.0], ["lazy", "lazy"])


def _tiny():
    net = nets.mlp(8, 1, 2, "tanh", parameterization="standard", w_std=1.0, b_std=0.0)
    rng = np.random.default_rng(0)
    data = dict(x_train=rng.normal(size=(2, 24, 3)).astype(np.float32),
                y_train=rng.normal(size=(2, 24, 2)).astype(np.float32))
    return net, jax.random.split(jax.random.PRNGKey(0), 2), data


def test_rate_sweep_runs_every_rate_and_replicate_as_one_program():
    net, keys, data = _tiny()
    table = eos.rate_sweep(net, keys, data, (0.5, 1.5), relative=True, steps=40, log_every=10,
                           iters=6)
    assert len(table) == 2 * 2 * 5 and set(table["rate"]) == {0.5, 1.5}
    first = table[(table["replicate"] == 0) & (table["step"] == 0)]
    # relative rates: η = m · 2/S₀ with S₀ the sharpness at initialisation
    s0 = first["sharpness"].to_numpy()
    np.testing.assert_allclose(first["eta"], np.array([0.5, 1.5]) * 2 / s0, rtol=1e-3)
    adam = eos.rate_sweep(net, keys, data, (0.01,), optimizer="adam", steps=20, log_every=10,
                          iters=6)
    assert np.isnan(adam.loc[adam["step"] == 0, "sharpness"]).all()  # P undefined at t = 0
    assert np.isfinite(adam.loc[adam["step"] > 0, "sharpness"]).all()
    with pytest.raises(ValueError, match="etas"):
        eos.rate_sweep(net, keys, data, (0.2, 0.1), steps=10, log_every=10)
    with pytest.raises(ValueError, match="optimizer"):
        eos.rate_sweep(net, keys, data, (0.1,), optimizer="lbfgs", steps=10, log_every=10)


def test_catapult_sweep_lambda0_is_the_initial_curvature_of_a_wide_net():
    net = nets.mlp(256, 1, 1, "tanh", parameterization="ntk", w_std=1.0, b_std=0.0)
    rng = np.random.default_rng(1)
    data = dict(x_train=rng.normal(size=(1, 12, 4)).astype(np.float32),
                y_train=np.sign(rng.normal(size=(1, 12, 1))).astype(np.float32))
    table, losses = eos.catapult_sweep(net, jax.random.PRNGKey(0)[None], data,
                                       (0.5, 1.5, 8.0), steps=40, iters=10)
    assert losses.shape == (1, 3, 41)
    assert list(table["phase"])[0] == "lazy" and list(table["phase"])[-1] == "diverged"
    lazy = table.iloc[0]
    # lazy and wide: the Hessian's top eigenvalue stays near the NTK's λ₀ (Gauss–Newton)
    assert lazy["curvature_final"] / lazy["lambda0"] == pytest.approx(1.0, abs=0.15)


def test_hooks_log_sharpness_inside_training():
    net, keys, data = _tiny()
    d = dict(x_train=data["x_train"][0], y_train=data["y_train"][0])
    p = net.init_params(keys[0], (3,))
    _, hist = train.fit(net, p, d, optimizer="sgd", learning_rate=0.1, steps=20, log_every=10,
                        extra_metrics=eos.sharpness_metrics(net, "mse", keys[1], iters=10))
    loss = lambda q: train.mse(net.apply(q, d["x_train"]), d["y_train"])
    assert hist.metrics["sharpness"][0] == pytest.approx(eos.dense_top_eigenvalue(loss, p),
                                                          rel=1e-3)
    with pytest.raises(ValueError, match="iters"):
        eos.sharpness_metrics(net, "mse", keys[0], iters=0)


def test_dense_top_eigenvalue_of_a_quadratic():
    a = np.diag([3.0, 1.0, -2.0]).astype(np.float32)
    assert eos.dense_top_eigenvalue(lambda w: 0.5 * w @ a @ w, np.ones(3, np.float32)) == (
        pytest.approx(3.0))
    assert sharpness.top_eigenvalue(lambda w: 0.5 * w @ a @ w, np.ones(3, np.float32),
                                    jax.random.PRNGKey(0), iters=3) == pytest.approx(3.0)


def test_bad_config_is_one_line_and_exit_2(tmp_path):
    from nntheory.study import get_study

    study = get_study("edge_of_stability")
    for bad in (dict(adam_etas=(-0.1,)), dict(lanczos_iters=0), dict(archs=("lstm",))):
        with pytest.raises(ValueError, match=next(iter(bad))):
            study.Config(**bad)
    for bad in ("gd_multiples=[0.5,0.2]",):
        proc = subprocess.run([sys.executable, "-m", "nntheory.cli", "--results-dir",
                               str(tmp_path), "run", "edge_of_stability", "--profile", "test",
                               "--set", bad], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2, bad
        assert len(proc.stderr.strip().splitlines()) == 1 and bad.split("=")[0] in proc.stderr
    assert not list(tmp_path.iterdir())
