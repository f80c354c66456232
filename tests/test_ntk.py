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
def tiny():
    """The test profile's two replicates, computed in memory."""
    cfg = STUDY.config("test")
    res, _ = runner.compute(STUDY, cfg, (0, 1))
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
        assert len(tr) == len(cfg.parameterizations) * len(cfg.train_widths) * cfg.train_seeds
        ntk = tr[tr["parameterization"] == "ntk"]
        assert ntk["kernel_gap"].notna().all()
        assert tr[tr["parameterization"] != "ntk"]["kernel_gap"].isna().all()
        # the explicit linearised net is trained at the narrowest width only, every seed
        assert ntk["lin_closed_form_max_abs"].notna().sum() == cfg.train_seeds
        # the critical rate scales with width as the parameterisation says: constant for NTK,
        # ∝ n under the mean-field scaling
        lr = tr.groupby(["parameterization", "width"])["lr"].first()
        assert lr["ntk", 32] == pytest.approx(lr["ntk", 16])
        assert lr["mean_field", 32] > 1.5 * lr["mean_field", 16]
        sym = res.tables["symbolic"]
        assert set(sym["activation"]) == {"relu"} and set(sym["kernel"]) == {"nngp", "ntk"}
        dg, kern = res.tables["digits"], res.tables["digits_kernels"]
        assert len(dg) == len(cfg.digits_widths) * cfg.digits_seeds
        assert len(kern) == 3 and dg["lr"].nunique() == 1
        assert ((kern["accuracy"] > 0.5) & (kern["accuracy"] <= 1)).all()  # 10 classes
        for w in (cfg.widths[0], cfg.widths[-1]):
            assert res.arrays[f"conv_empirical__w{w}"].shape == (cfg.n_points, cfg.n_points)
        assert res.arrays["pred_net__w16"].shape == (cfg.n_test,)


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
    ("training", dict(parameterization="ntk", width=16)),
    ("training", dict(parameterization="mean_field", width=32)),
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
    assert quick.steps % 5 == 0 and quick.log_every * 5 == quick.steps
    assert full.replicates >= 10 and quick.replicates >= 5
