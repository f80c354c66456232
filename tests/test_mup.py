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
    for bad in (dict(log2_lrs=(-5.0, -7.0)), dict(widths=(16, 32), base_width=16),
                dict(tf_widths=(16, 30)), dict(tf_fraction=1.5)):
        with pytest.raises(ValueError, match=next(iter(bad))):
            study.Config(**bad)
    for bad in ("base_width=64",):
        proc = subprocess.run([sys.executable, "-m", "nntheory.cli", "--results-dir",
                               str(tmp_path), "run", "mup", "--profile", "test", "--set", bad],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2, bad
        assert len(proc.stderr.strip().splitlines()) == 1
    assert not list(tmp_path.iterdir())


def _transformers(d_model, base, **kw):
    return (nets.one_layer_transformer(7, d_model=d_model, n_heads=2, d_mlp=2 * d_model,
                                       parameterization="mup", base_d_model=base, **kw),
            nets.one_layer_transformer(7, d_model=d_model, n_heads=2, d_mlp=2 * d_model, **kw))


def test_mup_transformer_at_base_width_is_the_standard_one():
    mu, sp = _transformers(16, 16)
    x = np.stack(np.meshgrid(np.arange(7), np.arange(7)), -1).reshape(-1, 2).astype(np.int32)
    y = (x.sum(1) % 7).astype(np.int32)
    pa, pb = (n.init_params(jax.random.PRNGKey(3), (1, 2)) for n in (mu, sp))
    ta, tb = (train.fit(n, q, (x, y), optimizer="adam", learning_rate=1e-2, steps=10,
                        log_every=10, loss="cross_entropy")[0] for n, q in ((mu, pa), (sp, pb)))
    for u, v in zip(jax.tree_util.tree_leaves((pa, ta)), jax.tree_util.tree_leaves((pb, tb)),
                    strict=True):
        np.testing.assert_array_equal(u, v)


def test_mup_transformer_scales_follow_table_3():
    """Embeddings keep the base width's draw, hidden matrices 1/√d_model, the unembedding falls
    as 1/m; Adam's rates: 1/m for hidden and output matrices, 1 for embeddings and biases."""
    base, wide = 16, 256  # m = 16
    stds = {}
    for d in (base, wide):
        mu, sp = _transformers(d, base)
        stds[d] = {k: (float(np.std(v)), float(np.std(w))) for (k, v), w in zip(
            mu.init_params(jax.random.PRNGKey(0), (1, 2)).items(),
            sp.init_params(jax.random.PRNGKey(0), (1, 2)).values(), strict=True)}
    m = wide / base
    assert stds[wide]["W_E"][0] == pytest.approx(stds[base]["W_E"][0], rel=0.1)
    assert stds[wide]["W_E"][1] == pytest.approx(stds[base]["W_E"][1] / m**0.5, rel=0.1)
    assert stds[wide]["W_Q"][0] == pytest.approx(stds[wide]["W_Q"][1], rel=0.05)
    assert stds[wide]["W_U"][0] == pytest.approx(stds[wide]["W_U"][1] / m, rel=0.1)
    mu = _transformers(wide, base)[0]
    p = mu.init_params(jax.random.PRNGKey(0), (1, 2))
    assert set(nets.mup_labels(p)) == set(p)
    mult = nets.mup_lr_multipliers(mu, p, "adam")
    assert {k: float(v) for k, v in mult.items()} == dict(
        W_E=1.0, W_pos=1.0, W_Q=1 / m, W_K=1 / m, W_V=1 / m, W_O=1 / m, W_in=1 / m,
        W_out=1 / m, W_U=1 / m, b_in=1.0, b_out=1.0)


def test_mup_transformer_attention_is_1_over_d():
    """Attention scores of a μP transformer at m = 4 are those of the standard one divided by
    √m = 2 (1/d_head against 1/√d_head, equal at the base width): with W_Q doubled, the μP
    net computes what the standard one does."""
    mu, sp = _transformers(32, 8)
    p = sp.init_params(jax.random.PRNGKey(1), (1, 2))
    x = np.array([[1, 2], [3, 4], [6, 0]], np.int32)
    doubled = dict(p, W_Q=2 * p["W_Q"])
    np.testing.assert_allclose(mu.apply(doubled, x), sp.apply(p, x), rtol=1e-5, atol=1e-6)


def test_bad_mup_transformer_arguments():
    with pytest.raises(ValueError, match="standard, mup"):
        nets.one_layer_transformer(7, d_model=8, n_heads=2, parameterization="ntk")
    with pytest.raises(ValueError, match="base_d_model"):
        nets.one_layer_transformer(7, d_model=8, n_heads=2, parameterization="mup",
                                   base_d_model=16)
    with pytest.raises(ValueError, match="mup"):
        nets.one_layer_transformer(7, d_model=8, n_heads=2, base_d_model=4)


def test_init_scales_multiply_input_and_hidden_weights_only():
    keys = jax.random.split(jax.random.PRNGKey(0), 2)
    data = mup.replicate_data(keys, 16)
    net = nets.mlp(8, 2, 10, "relu", parameterization="mup", base_width=8)
    p1 = mup.train_grid(net, keys, data, [1e-3, 1e-3], optimizer="adam", steps=1)[0]
    p3 = mup.train_grid(net, keys, data, [1e-3, 1e-3], optimizer="adam", steps=1,
                        init_scales=[1.0, 3.0])[0]
    dense = [(i, q) for i, q in enumerate(p1) if q != ()]
    for j, (i, (w, b)) in enumerate(dense):
        w3, b3 = p3[i]
        np.testing.assert_array_equal(b3, b)  # biases untouched
        expected = w * np.array([1.0, 3.0, 1.0, 3.0])[:, None, None] if j < 2 else w
        np.testing.assert_allclose(w3, expected, rtol=1e-6)  # readout untouched
    with pytest.raises(ValueError, match="init_scales"):
        mup.train_grid(net, keys, data, [1e-3], optimizer="adam", steps=1, init_scales=[1, 2])


def test_optima_per_group_and_zero_losses():
    g = np.arange(-6.0, 0.0)
    rows = [dict(width=w, log2_lr=v, loss=np.exp((v + c) ** 2))
            for w, c in ((8, 3.0), (16, 2.5)) for v in g]
    import pandas as pd

    opt = mup.optima(pd.DataFrame(rows).sample(frac=1, random_state=0), ["width"])
    assert opt["width"].tolist() == [8, 16]
    assert opt["log2_opt"].to_numpy() == pytest.approx([-3.0, -2.5])
    zero = np.array([1.0, 0.1, 0.0, 0.2, 1.0])  # float32 cross-entropy can underflow to 0
    best, inside = mup.optimal_log2_lr(np.arange(5.0), zero)
    assert inside and np.isfinite(best) and 1.5 < best < 2.5
