"""μP in nntheory.nets / nntheory.train and the measurements of nntheory.analysis.mup."""

from __future__ import annotations

import subprocess
import sys

import jax
import numpy as np
import pytest

from nntheory import nets, train
from nntheory.analysis import mup


def test_mup_at_base_width_is_standard_parameterisation():
    x = np.random.default_rng(0).normal(size=(16, 5)).astype(np.float32)
    y = np.random.default_rng(1).normal(size=(16, 3)).astype(np.float32)
    a = nets.mlp(12, 2, 3, "relu", parameterization="mup", base_width=12)
    b = nets.mlp(12, 2, 3, "relu", parameterization="standard")
    pa, pb = (n.init_params(jax.random.PRNGKey(0), (5,)) for n in (a, b))
    for u, v in zip(jax.tree_util.tree_leaves(pa), jax.tree_util.tree_leaves(pb), strict=True):
        np.testing.assert_array_equal(u, v)
    ta = train.fit(a, pa, (x, y), optimizer="adam", learning_rate=1e-2, steps=10, log_every=10)[0]
    tb = train.fit(b, pb, (x, y), optimizer="adam", learning_rate=1e-2, steps=10, log_every=10)[0]
    for u, v in zip(jax.tree_util.tree_leaves(ta), jax.tree_util.tree_leaves(tb), strict=True):
        np.testing.assert_array_equal(u, v)


def test_mup_multipliers_follow_table_3():
    net = nets.mlp(64, 2, 3, "relu", parameterization="mup", base_width=16)  # m = 4
    p = net.init_params(jax.random.PRNGKey(0), (5,))
    adam = nets.mup_lr_multipliers(net, p, "adam")
    sgd = nets.mup_lr_multipliers(net, p, "sgd")
    dense = [q for q in adam if q != ()]
    assert [float(w) for w, _ in dense] == [1.0, 0.25, 0.25]  # input, hidden, output
    assert [float(b) for _, b in dense] == [1.0, 1.0, 1.0]
    dense = [q for q in sgd if q != ()]
    assert [float(w) for w, _ in dense] == [4.0, 1.0, 0.25]
    assert [float(b) for _, b in dense] == [4.0, 4.0, 1.0]
    # the readout is drawn with variance σ²/(n·m): std ratio 1/√m against standard
    w_out = p[-1][0]
    assert np.std(w_out) * np.sqrt(64) == pytest.approx(np.sqrt(2) / 2, rel=0.25)


def test_mup_updates_scale_per_layer():
    """One SGD step: each layer's update is its standard-parameterisation update times its
    multiplier (the optax multi_transform chained by nntheory.train)."""
    x = np.random.default_rng(0).normal(size=(8, 5)).astype(np.float32)
    y = np.random.default_rng(1).normal(size=(8, 2)).astype(np.float32)
    net = nets.mlp(32, 2, 2, "tanh", parameterization="mup", base_width=8)
    p0 = net.init_params(jax.random.PRNGKey(2), (5,))
    p1 = train.fit(net, p0, (x, y), optimizer="sgd", learning_rate=0.1, steps=1,
                   log_every=1)[0]
    grads = jax.grad(lambda q: train.mse(net.apply(q, x), y))(p0)
    mult = nets.mup_lr_multipliers(net, p0, "sgd")
    expected = jax.tree_util.tree_map(lambda a, g, m: a - 0.1 * m * g, p0, grads, mult)
    for u, v in zip(jax.tree_util.tree_leaves(p1), jax.tree_util.tree_leaves(expected),
                    strict=True):
        np.testing.assert_allclose(u, v, rtol=1e-5, atol=1e-6)


def test_bad_mup_arguments():
    with pytest.raises(ValueError, match="ntk, standard, mup"):
        nets.mlp(8, parameterization="mu-p")
    with pytest.raises(ValueError, match="base_width"):
        nets.mlp(8, parameterization="mup", base_width=16)
    with pytest.raises(ValueError, match="mup"):
        nets.mlp(8, parameterization="standard", base_width=4)
    with pytest.raises(ValueError, match="no μP learning-rate rule"):
        nets.mup_lr_multipliers(nets.mlp(8, parameterization="mup"), [], "lion")


def test_optimal_log2_lr_is_the_parabola_vertex():
    g = np.arange(-10.0, -3.0)
    losses = np.exp(0.3 * (g + 6.3) ** 2)  # log loss is an exact parabola with vertex −6.3
    opt, inside = mup.optimal_log2_lr(g, losses)
    assert inside and opt == pytest.approx(-6.3)
    edge, inside = mup.optimal_log2_lr(g, np.exp(-g))  # falls all the way: the right edge
    assert edge == g[-1] and not inside
    with_nan = losses.copy()
    with_nan[-1] = np.nan  # a diverged run counts as +∞
    assert mup.optimal_log2_lr(g, with_nan)[0] == pytest.approx(-6.3)
    with pytest.raises(ValueError):
        mup.optimal_log2_lr(g, np.full(g.shape, np.nan))


def test_slopes_and_layer_outputs():
    w = np.array([32.0, 64.0, 128.0])
    assert mup.slopes(w, np.c_[w**0.5, w**-1]) == pytest.approx([0.5, -1.0])
    net = nets.mlp(6, 2, 2, "relu", parameterization="ntk")
    p = net.init_params(jax.random.PRNGKey(0), (3,))
    x = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    outs = mup.layer_outputs(net, p, x)
    assert [o.shape for o in outs] == [(4, 6), (4, 6), (4, 2)]
    np.testing.assert_allclose(outs[-1], net.apply(p, x), rtol=1e-5, atol=1e-6)
    c = mup.coordinate_check(net, p, p, x)
    assert np.all(c["change"] == 0) and c["size"].shape == (3,)
    assert mup.feature_change(net, p, p, x) == 0.0


def test_bad_config_is_one_line_and_exit_2(tmp_path):
    from nntheory.study import get_study

    study = get_study("mup")
    for bad in (dict(log2_lrs=(-5.0, -7.0)), dict(widths=(16, 32), base_width=16)):
        with pytest.raises(ValueError, match=next(iter(bad))):
            study.Config(**bad)
    for bad in ("base_width=64",):
        proc = subprocess.run([sys.executable, "-m", "nntheory.cli", "--results-dir",
                               str(tmp_path), "run", "mup", "--profile", "test", "--set", bad],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2, bad
        assert len(proc.stderr.strip().splitlines()) == 1
    assert not list(tmp_path.iterdir())
