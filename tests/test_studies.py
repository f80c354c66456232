"""Every study end to end at its tiny ``test`` profile (two replicates), through the command line:
run, claims (table and JSON), metrics, figures, HTML and PDF — and the report's verdicts are the
JSON's. One parametrised module instead of a copy per study; a study's own science is tested
in its own file."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nntheory import runner, store
from nntheory.cli import main
from nntheory.config import config_hash
from nntheory.study import get_study, study_names

STUDIES = study_names()
JSON_KEYS = {"id", "kind", "statement", "source", "expected", "replicates", "passes", "verdict",
             "median", "low", "high", "margin"}


@pytest.fixture(scope="module", params=STUDIES)
def built(request, tmp_path_factory, test_profile_run):
    """One study run at its test profile (computed once per session: ``test_profile_run``; the
    run command here finds it done), its claims as JSON and its report."""
    name = request.param
    base = tmp_path_factory.mktemp(name)
    test_profile_run(name, base / "results")
    common = ["--results-dir", str(base / "results"), "--reports-dir", str(base / "reports")]
    assert main([*common, "run", name, "--profile", "test"]) == 0
    assert main([*common, "report", name, "--profile", "test"]) == 0
    study = get_study(name)
    cfg = study.config("test")
    return dict(name=name, base=base, common=common, study=study, cfg=cfg,
                seeds=runner.default_seeds(cfg))


@pytest.mark.slow
def test_study_interface(built):
    study, cfg = built["study"], built["cfg"]
    assert set(study.profiles) >= {"test", "quick", "full"}
    assert study.config("quick").replicates >= 5 and study.config("full").replicates >= 10
    assert cfg.replicates >= 2
    assert all(c.kind in ("claim", "check") for c in study.CLAIMS)
    assert study.claims, "a study without a published claim"


@pytest.mark.slow
def test_every_replicate_stored_with_its_tables(built):
    study, cfg = built["study"], built["cfg"]
    h = config_hash(study.name, cfg)
    for s in built["seeds"]:
        res, meta = store.load(built["base"] / "results", study.name, cfg, s)
        assert res.tables and any(len(df) for df in res.tables.values())
        assert meta["seed"] == s and meta["config_hash"] == h and meta["code_fingerprint"]
        assert meta["checkpoints"]["computed"] > 0


@pytest.mark.slow
def test_every_claim_reads_a_measured_metric(built):
    study, cfg = built["study"], built["cfg"]
    ev = runner.load(study, cfg, built["seeds"], root=built["base"] / "results")
    assert list(ev.metrics["replicate"]) == list(built["seeds"])
    for c in study.judged_at("test"):
        assert c.measured in ev.metrics.columns, c.id
        assert np.isfinite(ev.metrics[c.measured]).all(), c.id


@pytest.mark.slow
def test_claims_json_schema_and_exit_status(built, capsys):
    rc = main([*built["common"], "claims", built["name"], "--profile", "test", "--json"])
    payload = json.loads(capsys.readouterr().out)
    assert payload["study"] == built["name"] and payload["profile"] == "test"
    assert payload["seeds"] == list(built["seeds"])
    for c in payload["claims"]:
        assert JSON_KEYS <= set(c), c["id"]
        assert c["replicates"] == len(built["seeds"]) and 0 <= c["passes"] <= c["replicates"]
        assert c["verdict"] in ("holds", "fragile", "fails")
    not_holding = [c for c in payload["claims"] if c["kind"] == "claim"
                   and c["verdict"] != "holds"]
    assert rc == (1 if not_holding else 0)


@pytest.mark.slow
def test_claims_table_has_one_line_per_claim(built, capsys):
    main([*built["common"], "claims", built["name"], "--profile", "test"])
    out = capsys.readouterr().out
    for c in built["study"].judged_at("test"):
        assert f" {c.id}: " in out
    assert "published claims hold" in out and "verdict rule" in out


@pytest.mark.slow
def test_report_shows_the_json_verdicts(built):
    from pypdf import PdfReader

    out = built["base"] / "reports" / built["name"]
    payload = json.loads((out / "claims.json").read_text())
    html = (out / "index.html").read_text()
    for c in payload["claims"]:
        prefix = "claim" if c["kind"] == "claim" else "check"
        row = html.split(f'id="{prefix}-{c["id"]}"', 1)[1].split("</tr>", 1)[0]
        assert f'class="{c["verdict"]}">{c["verdict"]}<' in row, c["id"]
        assert f'{c["passes"]} / {c["replicates"]}' in row, c["id"]
    assert payload["headline"] in html
    n_fig = payload["n_figures"]
    assert n_fig >= 1 and len(list(out.glob("fig-*.svg"))) == n_fig
    pdf = PdfReader(out / "report.pdf")
    text = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
    for i in range(1, n_fig + 1):
        assert f"Figure {i}." in text
    assert "Claims ledger" in text and "Provenance" in text
    assert f"{len(pdf.pages)} / {len(pdf.pages)}" in text  # page numbers
    assert f"{built['name']}/report.pdf" in (built["base"] / "reports" / "index.html").read_text()


def test_every_figure_prints_well(built):
    """At its own size each figure fits the report's column and half a page, carries no text
    under 7 pt, labels its axes in words and keeps its legends off the data
    (:func:`nntheory.report.figures.print_problems`, measured on the drawn figure)."""
    import matplotlib.pyplot as plt

    from nntheory.report.figures import set_theme

    study, cfg = built["study"], built["cfg"]
    ev = runner.load(study, cfg, built["seeds"], root=built["base"] / "results")
    set_theme()
    figures = study.figures(ev, cfg)
    problems = [p for f in figures for p in f.print_problems()]
    plt.close("all")
    assert not problems, "\n".join(problems)
