"""The depth-vs-width study end to end at a tiny config: every claimed metric is measured, the
exact facts hold even at this size, the figures draw from stored results, and the report has
one page per figure."""

from __future__ import annotations

import numpy as np
import pytest

from nntheory import store
from nntheory.report import Figure
from nntheory.report.render import expected_pdf_pages, render_study
from nntheory.study import check_claims, get_study

NAME = "depth_vs_width"

TINY = dict(
    sawtooth_ks=[1, 2, 3, 4, 5, 6],
    fit_ks=[2],
    shallow_widths=[2],
    seeds=2,
    steps=40,
    neurons=8,
    depths=[1, 2],
    init_seeds=2,
    input_dim=3,
    sampling_points=2001,
    traj_width=8,
    traj_depth=3,
    tanh_sigma_w2=[0.5, 4.0],
    relu_sigma_w2=[1.0, 3.0],
    yarotsky_ms=[1, 2, 3],
)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    base = tmp_path_factory.mktemp("dvw")
    study = get_study(NAME)
    cfg = study.config("quick", TINY)
    out = store.run_and_store(study, cfg, 0, root=base / "results", profile="quick")
    return dict(study=study, cfg=cfg, res=out.results, meta=out.meta, base=base)


@pytest.mark.slow
def test_results_hold_every_claimed_metric_and_the_exact_facts(tiny):
    res = tiny["res"]
    for claim in tiny["study"].CLAIMS:
        assert claim.measured in res.metrics, claim.id
        assert np.isfinite(res.metrics[claim.measured]), claim.id
    m = res.metrics
    # exact at any size
    assert m["sawtooth_max_count_error"] == 0 and m["sawtooth_max_sup_error"] == 0
    assert m["yarotsky_max_rel_error"] <= 1e-12 and m["yarotsky_max_piece_error"] == 0
    assert m["shallow_below_min_sup_error"] >= 0.5  # theorem: width 2 < 2^2 − 1
    assert m["sampling_mismatches"] == 0
    saw = res.tables["sawtooth"]
    assert saw["n_pieces"].tolist() == [2**k for k in TINY["sawtooth_ks"]]
    assert (saw["n_params"] == 6 * saw["k"] + 1).all()
    fits = res.tables["fits"]
    assert len(fits) == (len(TINY["shallow_widths"]) + 1) * TINY["seeds"] * len(TINY["fit_ks"])
    reg = res.tables["regions"]
    line = reg[reg["setting"] == "1-D input, whole line"]
    assert (line[line["depth"] == 1]["regions"] == TINY["neurons"] + 1).all()  # exact at depth 1
    assert not reg["overflow"].any()
    bounds = res.tables["region_bounds"]
    assert (bounds["montufar_attained"] <= bounds["serra_upper"]).all()
    assert m["nets_per_second_speed"] > 0
    # divergence, shown in the report, counts every trained member: the fits and the training
    train = res.tables["training"]
    assert train["diverged"].dtype == bool and len(train) == TINY["seeds"]
    assert m["diverged_members"] == fits["diverged"].sum() + train["diverged"].sum() == 0


@pytest.mark.slow
def test_figures_and_report(tiny):
    from pypdf import PdfReader

    study, cfg, res = tiny["study"], tiny["cfg"], tiny["res"]
    figs = study.figures(res, cfg)
    assert len(figs) == 7 and all(isinstance(f, Figure) for f in figs)
    assert len({f.name for f in figs}) == 7
    for f in figs:
        f.svg()  # closes the figure
    verdicts = check_claims(study.CLAIMS, res.metrics)
    paths = render_study(study, cfg, res, tiny["meta"], verdicts, tiny["base"] / "reports")
    assert len(PdfReader(paths["pdf"]).pages) == expected_pdf_pages(7)


def test_config_validation():
    study = get_study(NAME)
    for bad in (dict(neurons=6, depths=[1, 4]), dict(fit_ks=[3, 2]), dict(seeds=0),
                dict(tanh_sigma_w2=[-1.0]), dict(sawtooth_ks=[50])):
        with pytest.raises(ValueError):
            study.config("quick", bad)
    cfg = study.config("quick")
    assert cfg.fit_points == 2 ** (max(cfg.fit_ks) + 5) + 1 and (cfg.fit_points - 1) % 2**3 == 0
    assert study.config("full").neurons % 4 == 0
