"""The universal-approximation study end to end at a tiny config: run, claims, HTML and PDF;
the same seed gives identical numbers; a run killed at any point leaves no partial result and
a rerun reproduces the uninterrupted one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from conftest import TINY_UA

from nntheory import store
from nntheory.cli import main
from nntheory.report.render import expected_pdf_pages
from nntheory.study import check_claims, get_study

UA = "universal_approximation"


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """One uninterrupted tiny run through the CLI, with its report."""
    base = tmp_path_factory.mktemp("ua")
    toml = base / "tiny.toml"
    toml.write_text("".join(f"{k} = {json.dumps(v)}\n" for k, v in TINY_UA.items()))
    results, reports = base / "results", base / "reports"
    common = ["--results-dir", str(results), "--reports-dir", str(reports)]
    assert main([*common, "run", UA, "--config", str(toml)]) == 0
    assert main([*common, "report", UA, "--config", str(toml)]) == 0
    study = get_study(UA)
    cfg = study.config("quick", TINY_UA)
    res, meta = store.load(results, UA, cfg, 0)
    return dict(base=base, toml=toml, results=results, reports=reports, cfg=cfg, res=res,
                meta=meta, common=common)


def test_results_hold_every_claimed_metric(tiny_run):
    res = tiny_run["res"]
    study = get_study(UA)
    for claim in study.CLAIMS:
        assert claim.measured in res.metrics, claim.id
        assert np.isfinite(res.metrics[claim.measured]), claim.id
    err = res.tables["errors"]
    n_members = len(TINY_UA["activations"]) * len(TINY_UA["targets"]) * len(
        TINY_UA["widths"]) * TINY_UA["seeds"]
    assert len(err) == n_members and not err["diverged"].any()
    # exact facts that hold even at this size
    assert res.metrics["xor_linear_best_accuracy"] == 0.75
    assert res.metrics["poly_min_ratio"] >= 1 - 1e-3


def test_report_files(tiny_run):
    from pypdf import PdfReader

    out = tiny_run["reports"] / UA
    html = (out / "index.html").read_text()
    assert "Claims ledger" in html and tiny_run["meta"]["config_hash"] in html
    assert html.count("<svg") >= 3 + len(get_study(UA).EQUATIONS)
    for f in ("fig-error_vs_width.svg", "fig-fits.svg", "fig-xor.svg", "claims.json"):
        assert (out / f).stat().st_size > 0
    pdf = PdfReader(out / "report.pdf")
    assert len(pdf.pages) == expected_pdf_pages(3)
    index = (tiny_run["reports"] / "index.html").read_text()
    assert f"{UA}/report.pdf" in index


def test_claims_command_matches_verdicts(tiny_run, capsys):
    rc = main([*tiny_run["common"], "claims", UA, "--config", str(tiny_run["toml"])])
    out = capsys.readouterr().out
    verdicts = check_claims(get_study(UA).CLAIMS, tiny_run["res"].metrics)
    assert rc == (0 if all(v.passed for v in verdicts) else 1)
    assert out.count("PASS") == sum(v.passed for v in verdicts)
    assert len(out.strip().splitlines()) == len(verdicts)


def test_failing_claim_fails_the_command(tiny_run, capsys, monkeypatch):
    """A claim built to fail makes `nntheory claims` exit 1 and print FAIL."""
    from nntheory.study import Claim

    study = get_study(UA)
    impossible = Claim("impossible", "XOR is linearly separable", "none (built to fail)",
                       "xor_linear_best_accuracy", "==", 1.0)
    monkeypatch.setattr(study.module, "CLAIMS", (*study.CLAIMS, impossible))
    rc = main([*tiny_run["common"], "claims", UA, "--config", str(tiny_run["toml"])])
    out = capsys.readouterr().out
    assert rc == 1 and "FAIL  universal_approximation.impossible" in out


def test_rerun_reuses_and_force_reproduces(tiny_run, capsys):
    common = tiny_run["common"]
    assert main([*common, "run", UA, "--config", str(tiny_run["toml"])]) == 0
    assert "reused" in capsys.readouterr().out
    assert main([*common, "run", UA, "--config", str(tiny_run["toml"]), "--force"]) == 0
    res, _ = store.load(tiny_run["results"], UA, tiny_run["cfg"], 0)
    _assert_identical(res, tiny_run["res"])


def _assert_identical(a, b):
    assert a.metrics == b.metrics
    assert a.tables.keys() == b.tables.keys()
    for k in a.tables:
        pd.testing.assert_frame_equal(a.tables[k], b.tables[k], check_exact=True)
    assert a.arrays.keys() == b.arrays.keys()
    for k in a.arrays:
        np.testing.assert_array_equal(a.arrays[k], b.arrays[k])


def _cli(results, toml):
    return [sys.executable, "-m", "nntheory.cli", "--results-dir", str(results), "run", UA,
            "--config", str(toml)]


@pytest.mark.parametrize("kill_after", [1.5, 6.0])
def test_killed_run_leaves_nothing_partial_and_rerun_matches(tiny_run, tmp_path, kill_after):
    results = tmp_path / "results"
    env = dict(os.environ, NNTHEORY_PROGRESS="0")
    proc = subprocess.Popen(_cli(results, tiny_run["toml"]), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(kill_after)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    cfg = tiny_run["cfg"]
    final = store.result_dir(results, UA, store.config_hash(UA, cfg), 0)
    if final.exists():  # finished before the kill: then it must be whole
        store.load(results, UA, cfg, 0)
    visible = [p for p in (results / UA).iterdir()] if (results / UA).exists() else []
    assert all(p.name.startswith(".") or p == final for p in visible)
    rerun = subprocess.run(_cli(results, tiny_run["toml"]), env=env, capture_output=True,
                           text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    res, _ = store.load(results, UA, cfg, 0)
    _assert_identical(res, tiny_run["res"])
    assert not list((results / UA).glob(".tmp-*"))
