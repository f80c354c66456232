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


# --- the API reference (docs/conf.py) covers the whole public package -----------------------

CONF = GUIDE.parent / "conf.py"


def _conf_generators(here: Path) -> dict:
    """docs/conf.py's imports and functions, with ``HERE`` pointed at ``here``: its page
    generators, run without Sphinx and without the module-level calls that build the site."""
    import ast

    tree = ast.parse(CONF.read_text())
    keep = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom | ast.FunctionDef)]
    ns: dict = {"__name__": "docs_conf", "HERE": here}
    exec(compile(ast.Module(body=keep, type_ignores=[]), str(CONF), "exec"), ns)
    return ns


def _public_modules() -> list[str]:
    """Every module of nntheory whose dotted name has no ``_``-prefixed part (import errors
    raise), less ``nntheory.studies``, which the study pages document."""
    import pkgutil

    import nntheory

    def fail(name):
        raise ImportError(f"cannot walk {name}")

    names = ["nntheory"] + [m.name for m in pkgutil.walk_packages(nntheory.__path__,
                                                                     "nntheory.", onerror=fail)]
    return sorted(n for n in names if not any(p.startswith("_") for p in n.split("."))
                  and not n.startswith("nntheory.studies"))


def test_the_api_reference_has_a_page_for_every_public_module(tmp_path):
    conf = _conf_generators(tmp_path)
    listed = set(conf["_modules"]())
    public = _public_modules()
    assert {"nntheory.analysis.ntk", "nntheory.report.render",
            "nntheory.compat.neural_tangents"} <= set(public)
    assert sorted(set(public) - listed) == []
    conf["_api"]()
    index = (tmp_path / "_api" / "index.rst").read_text()
    toctree = {line.strip() for line in index.split(":maxdepth: 1", 1)[1].splitlines()}
    for name in public:
        assert name in toctree, name
        assert f".. automodule:: {name}\n" in (tmp_path / "_api" / f"{name}.rst").read_text()


def test_every_public_function_and_class_reaches_its_api_page():
    """autodoc's ``members`` documents a module's ``__all__`` when it has one, else what the
    module defines: a public function or class left out of ``__all__`` would be left out."""
    import importlib
    import inspect

    missing = []
    for name in _public_modules():
        mod = importlib.import_module(name)
        for attr, obj in vars(mod).items():
            if (not attr.startswith("_") and not inspect.ismodule(obj) and callable(obj)
                    and getattr(obj, "__module__", None) == name
                    and attr not in getattr(mod, "__all__", [attr])):
                missing.append(f"{name}.{attr}")
    assert missing == []
