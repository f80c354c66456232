"""The NTK study end to end at a tiny config: every claimed metric is measured, the exact facts
hold even at this size, the figures draw from stored results, and the report has one page per
figure (the claims table on one page)."""

from __future__ import annotations

import numpy as np
import pytest

from nntheory import store
from nntheory.report import Figure
from nntheory.report.render import expected_pdf_pages, render_study
from nntheory.study import check_claims, get_study

NAME = "ntk"

TINY = dict(
    depths=[1],
    widths=[16, 32],
    seeds=2,
    n_points=8,
    train_depth=1,  # the depth of the convergence nets: their compiled initialisers are reused
    train_widths=[16, 32],
    parameterizations=["ntk", "mean_field"],  # the claims read these two; quick has all three
    train_seeds=2,
    n_train=8,
    n_test=8,
    steps=20,
    symbolic_activations=["relu"],
    digits_train=40,
    digits_test=40,
    digits_widths=[16],
    digits_seeds=2,
    digits_steps=20,
)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    base = tmp_path_factory.mktemp("ntk")
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
    # exact (to float rounding) at any width
    assert m["symbolic_max_rel_error"] <= 1e-6
    assert m["lin_closed_form_max_abs"] <= 1e-4
    assert m["flow_vs_descent_max"] < 0.05  # discrete gradient descent ≈ gradient flow
    assert m["diverged_members"] == 0
    conv = res.tables["convergence"]
    assert len(conv) == len(TINY["depths"]) * len(TINY["widths"]) * TINY["seeds"]
    assert (conv["distance"] > 0).all()
    tr = res.tables["training"]
    assert len(tr) == 2 * len(TINY["train_widths"]) * TINY["train_seeds"]
    assert tr[tr["parameterization"] == "ntk"]["kernel_gap"].notna().all()
    # the critical rate scales with width as the parameterisation says: constant for NTK,
    # ∝ n under the mean-field scaling
    lr = tr.groupby(["parameterization", "width"])["lr"].first()
    assert lr["ntk", 32] == pytest.approx(lr["ntk", 16])
    assert lr["mean_field", 32] > 1.5 * lr["mean_field", 16]
    sym = res.tables["symbolic"]
    assert set(sym["activation"]) == {"relu"} and set(sym["kernel"]) == {"nngp", "ntk"}
    dg, kern = res.tables["digits"], res.tables["digits_kernels"]
    assert len(dg) == len(TINY["digits_widths"]) * TINY["digits_seeds"]
    assert ((kern["accuracy"] > 0.5) & (kern["accuracy"] <= 1)).all()  # 10 classes, chance 0.1


@pytest.mark.slow
def test_figures_and_report(tiny):
    from pypdf import PdfReader

    study, cfg, res = tiny["study"], tiny["cfg"], tiny["res"]
    figs = study.figures(res, cfg)
    assert len(figs) == 4 and all(isinstance(f, Figure) for f in figs)
    assert len({f.name for f in figs}) == 4
    for f in figs:
        f.svg()  # closes the figure
    verdicts = check_claims(study.CLAIMS, res.metrics)
    paths = render_study(study, cfg, res, tiny["meta"], verdicts, tiny["base"] / "reports")
    assert len(PdfReader(paths["pdf"]).pages) == expected_pdf_pages(4)


@pytest.mark.parametrize("bad", [
    dict(widths=[64, 32]),
    dict(widths=[64]),
    dict(parameterizations=["standard"]),
    dict(parameterizations=["ntk", "ntk"]),
    dict(parameterizations=["ntk", "mup"]),
    dict(symbolic_activations=["tanh"]),
    dict(lr_fraction=1.5),
    dict(seeds=0),
    dict(digits_train=1500, digits_test=500),
])
def test_config_validation(bad):
    with pytest.raises(ValueError):
        get_study(NAME).config("quick", bad)


def test_profiles():
    study = get_study(NAME)
    quick, full = study.config("quick"), study.config("full")
    assert max(full.widths) >= 4096 and len(full.depths) >= 3
    assert quick.seeds >= 5 and quick.train_seeds >= 5  # single seeds mislead
    assert quick.steps % 5 == 0 and quick.log_every * 5 == quick.steps
