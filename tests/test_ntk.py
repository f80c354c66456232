"""The NTK study: the exact facts hold even at the test profile, every batched sweep
(convergence, training, digits) gives each replicate its own numbers whatever else is batched
with it, and the config rules (its end-to-end run and report are in tests/test_studies.py)."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from nntheory import runner
from nntheory.study import get_study

NAME = "ntk"
STUDY = get_study(NAME)


@pytest.fixture(scope="module")
def tiny(test_profile_run):
    """The test profile's two replicates (computed once per session)."""
    cfg = STUDY.config("test")
    res = runner.load(STUDY, cfg, (0, 1), root=test_profile_run(NAME)).per_seed
    return dict(cfg=cfg, res=res, metrics={s: STUDY.metrics(r, cfg) for s, r in res.items()})


@pytest.mark.slow
def test_exact_facts_and_table_shapes(tiny):
    cfg = tiny["cfg"]
    for s, res in tiny["res"].items():
        m = tiny["metrics"][s]
        # exact (to float rounding) at any width
        assert m["symbolic_max_rel_error"] <= 1e-6
        assert m["lin_closed_form_max_abs"] <= 1e-4
        assert m["flow_vs_descent_max"] < 0.05  # discrete gradient descent ≈ gradient flow
        assert m["diverged_members"] == 0
        conv = res.tables["convergence"]
        assert len(conv) == len(cfg.depths) * len(cfg.widths) * cfg.seeds
        assert (conv["distance"] > 0).all()
        tr = res.tables["training"]
        acts = len(cfg.train_activations)
        assert len(tr) == (len(cfg.parameterizations) * acts * len(cfg.train_widths)
                           * cfg.train_seeds)
        ntk = tr[tr["parameterization"] == "ntk"]
        assert ntk["kernel_gap"].notna().all()
        assert tr[tr["parameterization"] != "ntk"]["kernel_gap"].isna().all()
        # the explicit linearised net is trained at the narrowest width only, every seed
        assert ntk["lin_closed_form_max_abs"].notna().sum() == cfg.train_seeds * acts
        # the critical rate scales with width as the parameterisation says: constant for NTK,
        # ∝ n under the mean-field scaling
        lr = tr.groupby(["parameterization", "width"])["lr"].first()
        assert lr["ntk", 32] == pytest.approx(lr["ntk", 16])
        assert lr["mean_field", 32] > 1.5 * lr["mean_field", 16]
        sym = res.tables["symbolic"]
        assert set(sym["activation"]) == {"relu"} and set(sym["kernel"]) == {"nngp", "ntk"}
        dg, kern = res.tables["digits"], res.tables["digits_kernels"]
        assert len(dg) == 2 * len(cfg.digits_widths) * cfg.digits_seeds  # plain and centred
        assert list(dg["training"].unique()) == ["plain", "centred"]
        assert len(kern) == 3 and dg["lr"].nunique() == 1
        assert (dg["rms_to_kernel"] > 0).all()
        assert ((kern["accuracy"] > 0.5) & (kern["accuracy"] <= 1)).all()  # 10 classes
        for w in (cfg.widths[0], cfg.widths[-1]):
            assert res.arrays[f"conv_empirical__w{w}"].shape == (cfg.n_points, cfg.n_points)
        assert res.arrays["pred_net__erf__w16"].shape == (cfg.n_test,)


@pytest.mark.slow
def test_replicates_draw_their_own_data(tiny):
    a, b = (tiny["res"][s] for s in (0, 1))
    for table, col in (("convergence", "distance"), ("training", "drift"),
                       ("symbolic", "max_rel_error")):
        assert not np.array_equal(a.tables[table][col], b.tables[table][col]), table
    assert a.tables["digits"]["lr"].iloc[0] != b.tables["digits"]["lr"].iloc[0]


def test_batched_convergence_replicate_is_independent_of_its_batch():
    """A replicate's empirical NTKs are the same whether it is computed alone or batched with
    another replicate (its keys and inputs are its own)."""
    cfg = STUDY.config("test")
    keys = jax.numpy.stack([runner.point_key(s, "convergence", {}) for s in (3, 4)])
    both = STUDY.convergence_point(cfg, keys, STUDY.inputs(cfg, keys), depth=1, width=32)
    alone = STUDY.convergence_point(cfg, keys[1:], STUDY.inputs(cfg, keys[1:]), depth=1,
                                    width=32)
    t = both.tables
    assert list(t["replicate"]) == [0] * cfg.seeds + [1] * cfg.seeds
    np.testing.assert_allclose(t[t["replicate"] == 1]["distance"], alone.tables["distance"],
                               rtol=1e-5)
    assert both.arrays["conv_empirical__w32"].shape == (2, cfg.n_points, cfg.n_points)
    np.testing.assert_allclose(both.arrays["conv_empirical__w32"][1],
                               alone.arrays["conv_empirical__w32"][0], rtol=1e-5, atol=1e-6)


def _alone_and_batched(sweep: str, params: dict, seeds=(3, 4)):
    """One sweep point for the replicates ``seeds`` together and for the last one alone: each
    replicate's (tables, arrays) of the batched run, and those of the lone run."""
    cfg, sw = STUDY.config("test"), STUDY.SWEEPS[sweep]
    keys = jax.numpy.stack([runner.point_key(s, sweep, params) for s in seeds])
    setup = jax.numpy.stack([runner.setup_key(s, sweep) for s in seeds])
    both = sw.point(cfg, keys, data=sw.setup(cfg, setup), **params)
    alone = sw.point(cfg, keys[-1:], data=sw.setup(cfg, setup[-1:]), **params)
    return [_replicate(both, i, sweep) for i in range(len(seeds))], _replicate(alone, 0, sweep)


def _replicate(out, i: int, sweep: str):
    """Replicate ``i``'s tables (without the replicate column) and arrays of a batched point."""
    tables = out.tables if isinstance(out.tables, dict) else {sweep: out.tables}
    return ({k: df[df["replicate"] == i].drop(columns="replicate").reset_index(drop=True)
             for k, df in tables.items()}, {k: np.asarray(v)[i] for k, v in out.arrays.items()})


@pytest.mark.parametrize("sweep,params", [
    ("training", dict(parameterization="ntk", activation="erf", width=16)),
    ("training", dict(parameterization="mean_field", activation="relu", width=32)),
    ("digits", dict(model="kernels")),
    ("digits", dict(model="nets", width=16)),
])
def test_batched_training_and_digits_replicate_is_independent_of_its_batch(sweep, params):
    """A replicate trained as members of one ensemble with another replicate (each on its own
    data at the critical-rate fraction of its own analytic NTK: one rate per member) gives the
    numbers it gives trained alone, to float32 rounding; the two replicates differ."""
    parts, (alone, aarrays) = _alone_and_batched(sweep, params)
    batched, barrays = parts[-1]
    assert batched.keys() == alone.keys() and barrays.keys() == aarrays.keys()
    for name, df in alone.items():
        assert list(batched[name].columns) == list(df.columns)
        for col in df.columns:
            if df[col].dtype.kind == "f":
                np.testing.assert_allclose(batched[name][col], df[col], rtol=1e-4, atol=1e-6,
                                           err_msg=f"{name}.{col}")
            else:
                assert list(batched[name][col]) == list(df[col]), f"{name}.{col}"
    for k, v in aarrays.items():
        np.testing.assert_allclose(barrays[k], v, rtol=1e-4, atol=1e-6, err_msg=k)
    name, col = ("training", "lr") if sweep == "training" else (
        "digits_kernels" if params["model"] == "kernels" else "digits", "accuracy")
    first = parts[0][0][name]
    assert not np.allclose(first[col], batched[name][col])  # their own data (and rates)
    if "lr" in first:  # one rate per replicate, shared by its seeds
        assert first["lr"].nunique() == 1 and batched[name]["lr"].nunique() == 1


@pytest.mark.parametrize("bad", [
    dict(widths=[64, 32]),
    dict(widths=[64]),
    dict(train_widths=[64]),
    dict(parameterizations=["standard"]),
    dict(parameterizations=["ntk", "ntk"]),
    dict(parameterizations=["ntk", "mup"]),
    dict(train_activations=["relu"]),
    dict(train_activations=["erf", "erf"]),
    dict(train_activations=["erf", "tanh"]),
    dict(symbolic_activations=["tanh"]),
    dict(symbolic_activations=[]),
    dict(lr_fraction=1.5),
    dict(lr_fraction=0.0),
    dict(seeds=0),
    dict(b_std=-0.1),
    dict(digits_train=1500, digits_test=500),
])
def test_config_validation(bad):
    with pytest.raises(ValueError):
        STUDY.config("quick", bad)


def test_profiles():
    quick, full = STUDY.config("quick"), STUDY.config("full")
    assert max(full.widths) >= 4096 and len(full.depths) >= 3
    assert quick.seeds >= 5 and quick.train_seeds >= 5  # single seeds mislead
    # the exponent claims need a span of widths: at least 4 octaves, from n >= 256
    for c in (quick, full):
        assert c.train_widths[-1] >= 16 * c.train_widths[0] >= 16 * 256
        assert {"erf", "relu"} <= set(c.train_activations) and "mean_field" in c.parameterizations
    assert full.replicates >= 10 and quick.replicates >= 5


# ---------------------------------------------------------------------------------------------
# Metrics on tables built by hand; nntheory.analysis.ntk
# ---------------------------------------------------------------------------------------------


def _tables(cfg, drift_rate=-1.0, lin_rate=-1.0, kernel_rate=-0.5, mf_rate=0.0):
    """One replicate's tables where every measured quantity is an exact power of the width."""
    import pandas as pd

    rows = []
    for p in cfg.parameterizations:
        for a in cfg.train_activations:
            for w in cfg.train_widths:
                for seed in range(cfg.train_seeds):
                    c = 1.0 + 0.1 * seed  # seeds differ by a constant factor: same slope
                    rows.append(dict(
                        parameterization=p, activation=a, width=w, seed=seed, diverged=False,
                        drift=c * w ** (mf_rate if p == "mean_field" else drift_rate),
                        lin_gap=c * w**lin_rate,
                        kernel_gap=c * w**kernel_rate if p == "ntk" else np.nan,
                        flow_vs_descent=1e-3 if p == "ntk" else np.nan,
                        lin_closed_form_max_abs=2e-6 if p == "ntk" and w == cfg.train_widths[0]
                        else np.nan))
    conv = pd.DataFrame([dict(depth=d, width=w, seed=s, distance=(1 + s) * w**-0.5)
                         for d in cfg.depths for w in cfg.widths for s in range(cfg.seeds)])
    digits = pd.DataFrame([dict(training=t, width=w, seed=s, replicate=0,
                                accuracy=acc, ensemble_accuracy=0.9, diverged=False,
                                rms_to_kernel=0.1 * (w / cfg.digits_widths[0]) ** -0.5)
                           for t, accs in (("plain", (0.85, 0.8, 0.75)),
                                           ("centred", (0.9, 0.94, 0.955)))
                           for w, acc in zip(cfg.digits_widths, accs, strict=True)
                           for s in range(cfg.digits_seeds)])
    kern = pd.DataFrame(dict(predictor=["NNGP regression (t = ∞)", "NTK regression (t = ∞)",
                                        "NTK gradient descent (same t as nets)"],
                             accuracy=[0.95, 0.955, 0.96]))
    sym = pd.DataFrame(dict(max_rel_error=[1e-9, 1e-15]))
    return dict(convergence=conv, training=pd.DataFrame(rows), digits=digits,
                digits_kernels=kern, symbolic=sym)


@pytest.mark.parametrize("drift_rate,lin_rate,kernel_rate,mf_rate,holds", [
    (-1.0, -1.0, -0.5, 0.0, True),      # Dyer & Gur-Ari's n^(−1), the kernel gap's n^(−1/2)
    (-0.5, -1.0, -0.5, 0.0, False),     # Lee et al.'s bound as the rate: lazy_ntk_drift fails
    (-0.75, -0.75, -0.5, 0.0, False),   # between the two (the ReLU nets): fails
    (-1.0, -1.0, -0.3, 0.0, False),     # a kernel gap slower than n^(−1/2)
    (-1.0, -1.0, -0.5, -0.5, False),    # a lazy mean-field net
])
def test_metrics_and_claims_on_exact_power_laws(drift_rate, lin_rate, kernel_rate, mf_rate,
                                                holds):
    cfg = STUDY.config("quick")
    m = STUDY.module.metrics(_tables(cfg, drift_rate, lin_rate, kernel_rate, mf_rate), {}, cfg)
    assert m["conv_slope_worst"] == pytest.approx(-0.5)
    for a in cfg.train_activations:
        assert m[f"drift_slope__ntk__{a}"] == pytest.approx(drift_rate)
        assert m[f"lin_gap_slope__ntk__{a}"] == pytest.approx(lin_rate)
        assert m[f"kernel_gap_slope__ntk__{a}"] == pytest.approx(kernel_rate)
    assert m["drift_slope__mean_field_worst"] == pytest.approx(mf_rate, abs=1e-12)
    assert m["digits_kernel_minus_best_net"] == pytest.approx(0.96 - 0.85)
    assert m["digits_centred_gap_widest"] == pytest.approx(0.96 - 0.955)
    assert m["digits_centred_gap__w32"] == pytest.approx(0.06)
    assert m["digits_centred_rms_slope"] == pytest.approx(-0.5)
    lazy = [c for c in STUDY.claims if c.id in ("lazy_ntk_drift", "net_vs_linearised",
                                                 "net_vs_kernel", "feature_learning_drift")]
    assert all(c.check(m).passed for c in lazy) == holds
    assert all(c.check(m).passed for c in STUDY.claims if c.id.startswith(("kernel_vs", "centred")))


def test_rate_tolerance_separates_the_two_published_exponents():
    """The n^(−1) claims' band excludes Lee et al.'s −1/2 and the midpoint −3/4."""
    lazy = next(c for c in STUDY.claims if c.id == "lazy_ntk_drift")
    assert lazy.passes(-1.0) and lazy.passes(-0.86) and lazy.passes(-1.14)
    assert not lazy.passes(-0.5) and not lazy.passes(-0.75) and not lazy.passes(-0.84)


def test_width_exponent_and_farthest():
    from nntheory.analysis import ntk as A

    w = np.repeat([256.0, 1024.0, 4096.0], 3)
    c = np.tile([1.0, 2.0, 0.5], 3)
    assert A.width_exponent(w, c * w**-0.75) == pytest.approx(-0.75)


def test_accuracy_and_centred_targets():
    import jax.numpy as jnp

    from nntheory import nets
    from nntheory.analysis import ntk as A

    pred = np.array([[[0.1, 0.9], [0.8, 0.2], [0.3, 0.4]]])
    np.testing.assert_allclose(A.accuracy(pred, [[1, 0, 0]]), [2 / 3])
    # training f on y + f0(X) has the gradients of training the centred net f − f0 on y
    net = nets.mlp(8, 1, 2, "erf")
    p0 = net.init_params(jax.random.PRNGKey(0), (-1, 3))
    p = jax.tree.map(lambda a: a + 0.1, p0)
    x = jax.random.normal(jax.random.PRNGKey(1), (5, 3))
    y = jax.random.normal(jax.random.PRNGKey(2), (5, 2))
    yc = jnp.asarray(A.centred_targets(y, net.apply(p0, x)))
    g1 = jax.grad(lambda q: 0.5 * jnp.sum((net.apply(q, x) - yc) ** 2))(p)
    g2 = jax.grad(lambda q: 0.5 * jnp.sum((net.apply(q, x) - net.apply(p0, x) - y) ** 2))(p)
    for a, b in zip(jax.tree.leaves(g1), jax.tree.leaves(g2), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_ntk_descent_predictions_broadcast_one_kernel_per_data_set():
    from nntheory import kernels
    from nntheory.analysis import ntk as A

    rng = np.random.default_rng(0)
    r, members, n, m, k = 3, 4, 6, 5, 2
    a = rng.normal(size=(r, n + m, n + m))
    ntk = a @ a.transpose(0, 2, 1) / (n + m)
    y, lr = rng.normal(size=(r, n, k)), rng.uniform(0.1, 1.0, r)
    f0 = rng.normal(size=(r * members, n, k)), rng.normal(size=(r * members, m, k))
    rep = np.repeat(ntk, members, axis=0)
    ref = kernels.predict_gradient_descent((rep[:, :n, :n], rep[:, n:, :n]),
                                           np.repeat(y, members, axis=0), 7,
                                           np.repeat(lr, members), f0_train=f0[0],
                                           f0_test=f0[1])[1]
    np.testing.assert_allclose(A.ntk_descent_predictions(ntk, y, n, 7, lr, members, *f0), ref,
                               rtol=1e-12, atol=1e-12)
    ref0 = kernels.predict_gradient_descent((ntk[:, :n, :n], ntk[:, n:, :n]), y, 7, lr)[1]
    np.testing.assert_allclose(A.ntk_descent_predictions(ntk, y, n, 7, lr), ref0, rtol=1e-12)


def test_data_sets_and_members():
    from nntheory.analysis import ntk as A

    key = jax.random.PRNGKey(3)
    reg = A.single_index_regression(key, 8, 5, 4)
    assert reg["x_train"].shape == (8, 4) and reg["y_test"].shape == (5, 1)
    assert float(np.abs(reg["y_train"]).max()) <= 1.0
    d = A.digits_split(key, 100, 50)
    assert d["x_train"].shape == (100, 64) and d["y_test"].shape == (50, 10)
    np.testing.assert_allclose(d["x_train"].mean(0), 0.0, atol=1e-5)
    np.testing.assert_allclose(d["y_train"].sum(1), 0.0, atol=1e-6)  # one-hot − 1/10
    assert (np.argmax(d["y_test"], 1) == d["labels_test"]).all()
    with pytest.raises(ValueError, match="exceed"):
        A.digits_split(key, 1500, 500)
    keys = jax.random.split(key, 2)
    init, ids, data = A.replicate_members(keys, 3, dict(x_train=np.arange(2)[:, None],
                                                        other=np.zeros(2)))
    assert init.shape[0] == 6 and list(ids["replicate"]) == [0, 0, 0, 1, 1, 1]
    assert list(ids["seed"]) == [0, 1, 2] * 2 and list(data) == ["x_train"]
    np.testing.assert_array_equal(init[3:], jax.random.split(keys[1], 3))


@pytest.mark.parametrize("d_in,width,depth,d_out,params,forward", [
    (3, 4, 2, 1, 16 + 20 + 5, 2 * (12 + 16 + 4)),
    (10, 4096, 1, 1, 11 * 4096 + 4097, 2 * (10 * 4096 + 4096)),
])
def test_mlp_sizes(d_in, width, depth, d_out, params, forward):
    from nntheory.analysis import ntk as A

    z = A.mlp_sizes(d_in, width, depth, d_out)
    assert z["params"] == params and z["forward_flops"] == forward
    assert z["train_flops"] == 3 * forward
