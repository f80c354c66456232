"""The benchmark plumbing (not the timings: those are measured by `make bench`, never in
tests): the harness counts its calls, and a payload renders to HTML and PDF."""

from __future__ import annotations

import dataclasses

from benchmarks.harness import Record, machine, measure, summary
from nntheory.report.render import render_benchmarks


def test_measure_warms_up_then_repeats():
    calls = []
    t = measure(lambda: calls.append(1), repeats=4, warmup=2)
    assert len(calls) == 6 and t.repeats == 4 and 0 <= t.min_s <= t.median_s <= t.max_s


def test_render_benchmarks(tmp_path):
    rec = Record(name="demo", description="a <b>demo</b>", target="≥ 2×", ratio=0.8,
                 target_met=False,
                 timings=dict(ours=dict(median_s=1.0, min_s=0.9, max_s=1.1, repeats=3)),
                 details=dict(k=1), note="n", finding="2× <slower>")
    payload = dict(machine=dict(machine(), jax_platform="cpu"), quick=True,
                   records=[dataclasses.asdict(rec)], created="2026-01-01T00:00:00Z")
    render_benchmarks(payload, tmp_path)
    html = (tmp_path / "index.html").read_text()
    assert "a &lt;b&gt;demo&lt;/b&gt;" in html and "not met" in html  # escaped, verdict shown
    assert "2× &lt;slower&gt;" in html and "no accelerator" in html
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")


def test_summary_is_the_first_sentence():
    doc = """Benchmark 5: exact `counts` along lines,
    batched. More text.

    Another paragraph."""
    assert summary(doc) == "Exact counts along lines, batched."
    assert summary("No period here\n\nrest") == "No period here"


def test_sharpness_benchmark_without_torch(monkeypatch):
    """The sharpness benchmark imports PyTorch lazily: without it (simulated) the record has
    the JAX side only and no ratio, and the suite needs no torch."""
    import subprocess
    import sys
    from pathlib import Path

    from benchmarks import sharpness

    def no_torch(*args):
        raise ImportError("No module named 'torch'")

    monkeypatch.setattr(sharpness, "_torch", no_torch)
    rec = sharpness.run(width=8, n=16, iters=4)
    assert rec.ratio is None and rec.target_met is None and "not installed" in rec.details["torch"]
    assert rec.details["parameters"] == 784 * 8 + 8 + 8 * 8 + 8 + 8 * 10 + 10
    assert rec.details["jax_top_eigenvalue"] > 0 and "jax_lanczos" in rec.timings
    # importing the module does not import torch
    code = "import sys, benchmarks.sharpness; sys.exit('torch' in sys.modules)"
    root = Path(__file__).parents[1]
    assert subprocess.run([sys.executable, "-c", code], cwd=root).returncode == 0
