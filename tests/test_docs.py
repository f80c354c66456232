"""docs/writing-a-study.md: its code blocks, put together in order, are a study that runs,
reports and holds its claims, and the test it shows passes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "writing-a-study.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", GUIDE.read_text(), flags=re.S)


def _cli(args, cwd):
    return subprocess.run([sys.executable, "-m", "nntheory.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, NNTHEORY_PROGRESS="0"))


@pytest.mark.slow
def test_the_guides_study_runs_end_to_end(tmp_path):
    *study, test = _blocks()
    (tmp_path / "studies").mkdir()
    (tmp_path / "studies" / "perceptron_bound.py").write_text("\n".join(study))
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_perceptron_bound.py").write_text(
        "import jax.numpy as jnp\n"
        "from nntheory.study import get_study\n"
        "perceptron_mistakes = get_study('perceptron_bound').perceptron_mistakes\n\n" + test)
    run = _cli(["run", "perceptron_bound", "--profile", "test"], tmp_path)
    assert run.returncode == 0, run.stderr
    claims = _cli(["claims", "perceptron_bound", "--profile", "test", "--json"], tmp_path)
    payload = json.loads(claims.stdout)
    assert {c["id"]: c["verdict"] for c in payload["claims"]} == dict(
        novikoff_bound="holds", converged="holds")
    assert claims.returncode == 0
    report = _cli(["report", "perceptron_bound", "--profile", "test"], tmp_path)
    assert report.returncode == 0, report.stderr
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            "tests/test_perceptron_bound.py"], cwd=tmp_path,
                           capture_output=True, text=True, timeout=300)
    assert tests.returncode == 0, tests.stdout + tests.stderr


def test_the_guides_study_keeps_the_shape():
    from test_study_shape import MAX_NON_SCIENCE, non_science_lines

    source = "\n".join(_blocks()[:-1])
    assert len(non_science_lines(source)) <= MAX_NON_SCIENCE
