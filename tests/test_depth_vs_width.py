"""The depth-vs-width study's own science at its ``test`` profile (two replicates, computed in
memory): the exact facts hold even at this size, in every replicate; the batched sweeps give
every replicate its own members; config validation. (The end-to-end run, claims and report of
every study are in tests/test_studies.py.)"""

from __future__ import annotations

import numpy as np
import pytest

from nntheory import runner
from nntheory.study import get_study

NAME = "depth_vs_width"


@pytest.fixture(scope="module")
def tiny(test_profile_run):
    study = get_study(NAME)
    cfg = study.config("test")
    ev = runner.load(study, cfg, runner.default_seeds(cfg), root=test_profile_run(NAME))
    return dict(study=study, cfg=cfg, results=ev.per_seed)


@pytest.mark.slow
def test_exact_facts_hold_in_every_replicate(tiny):
    study, cfg = tiny["study"], tiny["cfg"]
    for res in tiny["results"].values():
        m = study.metrics(res, cfg)
        for claim in study.CLAIMS:
            assert np.isfinite(m[claim.measured]), claim.id
        # exact at any size
        assert m["sawtooth_max_count_error"] == 0 and m["sawtooth_max_sup_error"] == 0
        assert m["yarotsky_max_rel_error"] <= 1e-12 and m["yarotsky_max_piece_error"] == 0
        assert m["shallow_below_min_sup_error"] >= 0.5  # theorem: width 2 < 2^2 − 1
        assert m["sampling_mismatches"] == 0
        saw = res.tables["sawtooth"]
        assert saw["n_pieces"].tolist() == [2**k for k in cfg.sawtooth_ks]
        assert (saw["n_params"] == 6 * saw["k"] + 1).all()
        reg = res.tables["regions"]
        line = reg[reg["setting"] == "1-D input, whole line"]
        assert (line[line["depth"] == 1]["regions"] == cfg.neurons + 1).all()  # w + 1 exactly
        assert not reg["overflow"].any() and m["init_overflows"] == 0
        lr = res.tables["line_regions"]  # the scan in N: depth 1 is N + 1 exactly, slope 1
        assert len(lr) == len(cfg.neuron_counts) * len(cfg.depths) * cfg.init_seeds
        shallow = lr[lr["depth"] == 1]
        assert (shallow["regions"] == shallow["neurons"] + 1).all()
        assert m["line_regions_slope__depth1"] == pytest.approx(1.0, abs=1e-12)
        assert m["line_regions_per_neuron__depth1__N8"] == pytest.approx(1.0)
        # the mean-field prediction is the same for every net of a σ_w²; ReLU's is √(σ_w²/2)
        g = res.tables["growth"]
        relu = g[g["activation"] == "relu"]
        np.testing.assert_allclose(relu["predicted"], np.sqrt(relu["sigma_w2"] / 2), rtol=1e-9)
        assert 0 <= m["trajectory_side_agreement"] <= 1 and m["train_regions_worst_change"] > 0
        # divergence counts every trained member: the fits and the training
        fits, train = res.tables["fits"], res.tables["training"]
        assert train["diverged"].dtype == bool
        assert m["diverged_members"] == fits["diverged"].sum() + train["diverged"].sum() == 0


@pytest.mark.slow
def test_batched_sweeps_give_each_replicate_its_own_members(tiny):
    cfg = tiny["cfg"]
    (a, b) = tiny["results"].values()
    n_fits = (len(cfg.shallow_widths) + 1) * cfg.seeds * len(cfg.fit_ks)
    for res in (a, b):
        assert len(res.tables["fits"]) == n_fits and "replicate" not in res.tables["fits"]
        assert len(res.tables["training"]) == cfg.seeds
        n_sigma = len(cfg.tanh_sigma_w2) + len(cfg.relu_sigma_w2)
        assert len(res.tables["growth"]) == n_sigma * cfg.traj_seeds
        assert len(res.tables["trajectory"]) == n_sigma * cfg.traj_seeds * (cfg.traj_depth + 1)
        k = max(cfg.fit_ks)
        assert res.arrays[f"fit__deep__k{k}__w3"].shape == (cfg.fit_points,)
    # independent draws: the replicates' initial nets and training sets differ
    assert not np.array_equal(a.tables["fits"]["sup"], b.tables["fits"]["sup"])
    assert not np.array_equal(a.tables["training"]["test_loss"], b.tables["training"]["test_loss"])
    assert not np.array_equal(a.tables["line_regions"]["regions"],
                              b.tables["line_regions"]["regions"])
    assert not np.array_equal(a.tables["growth"]["growth"], b.tables["growth"]["growth"])
    # the deterministic sweeps are computed once and shared
    assert a.tables["sawtooth"]["n_pieces"].equals(b.tables["sawtooth"]["n_pieces"])


@pytest.mark.parametrize("bad", [
    dict(neurons=6, depths=[1, 4]),  # N must be divisible by every depth (and by 4)
    dict(neurons=10, depths=[1, 2]),
    dict(neuron_counts=[64, 100]),  # each N of the scan too
    dict(neuron_counts=[64]),  # a slope needs two N
    dict(traj_depth=3),  # the growth fit skips two layers
    dict(traj_seeds=0),
    dict(fit_ks=[3, 2]),
    dict(fit_ks=[11]),
    dict(seeds=0),
    dict(steps=0),
    dict(tanh_sigma_w2=[-1.0]),
    dict(relu_sigma_w2=[]),
    dict(sawtooth_ks=[50]),
    dict(yarotsky_ms=[21]),
    dict(init_seeds=1),
    dict(sampling_points=1),
    dict(learning_rate=0.0),
])
def test_config_validation(bad):
    with pytest.raises(ValueError):
        get_study(NAME).config("quick", bad)


def test_profiles():
    study = get_study(NAME)
    cfg = study.config("quick")
    assert cfg.fit_points == 2 ** (max(cfg.fit_ks) + 5) + 1 and (cfg.fit_points - 1) % 2**3 == 0
    assert study.config("full").neurons % 4 == 0
    assert (study.config("test").replicates, cfg.replicates,
            study.config("full").replicates) == (2, 5, 10)
