"""The study registry: built-in studies, ./studies of the working directory, studies of
other installed distributions (entry points), and `nntheory new`."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import subprocess
import sys
import textwrap

import pytest

from nntheory import study
from nntheory.claims import Claim
from nntheory.config import load_config_file

# --------------------------------------------------------------------------------------------
# registry
# --------------------------------------------------------------------------------------------


def test_get_study_unknown_names_available():
    """An unknown study raises ValueError naming it and the available studies."""
    with pytest.raises(ValueError) as info:
        study.get_study("nope")
    msg = str(info.value)
    assert "'nope'" in msg
    assert "universal_approximation" in msg
    assert "universal_approximation" in study.study_names()


@pytest.fixture(scope="module")
def ua():
    return study.get_study("universal_approximation")


def test_get_study_universal_approximation(ua):
    """The study loads with the common interface and quick/full profiles whose configs
    re-validate when rebuilt from their fields."""
    assert ua.name == "universal_approximation"
    for attr in study.REQUIRED:
        assert hasattr(ua.module, attr)
    assert set(ua.profiles) >= {"test", "quick", "full"}
    for name in ua.profiles:
        cfg = ua.PROFILES[name]
        assert isinstance(cfg, ua.Config)
        assert type(cfg)(**dataclasses.asdict(cfg)) == cfg
        assert ua.config(name) == cfg
    for c in ua.CLAIMS:
        assert isinstance(c, Claim)
    assert len({c.id for c in ua.CLAIMS}) == len(ua.CLAIMS)


def test_study_config_overrides(ua, tiny_toml):
    """Study.config applies a config file's overrides (TOML lists become tuples) and rejects
    an unknown profile naming the allowed ones."""
    cfg = ua.config("quick", load_config_file(tiny_toml))
    assert cfg.widths == (2, 16) and cfg.activations == ("tanh", "relu", "poly2")
    with pytest.raises(ValueError, match="test, quick, full"):
        ua.config("huge")


@pytest.mark.parametrize(
    "kwargs,fragment",
    [
        (dict(widths=(0,)), "widths"),
        (dict(widths=(4, 2)), "increasing"),
        (dict(widths=()), "widths"),
        (dict(activations=("swish",)), "'swish'"),
        (dict(activations=("poly2",)), "non-polynomial"),
        (dict(targets=("cos",)), "'cos'"),
        (dict(steps=0), "steps"),
        (dict(learning_rate=0.0), "learning_rate"),
        (dict(learning_rate=math.nan), "learning_rate"),
        (dict(b_std=-1.0), "b_std"),
    ],
)
def test_ua_config_rejects_bad_values(ua, kwargs, fragment):
    """A Config with a bad value raises ValueError naming the problem."""
    with pytest.raises(ValueError) as info:
        ua.Config(**kwargs)
    assert fragment in str(info.value)


# --------------------------------------------------------------------------------------------
# studies kept elsewhere
# --------------------------------------------------------------------------------------------

TINY = textwrap.dedent('''
    """A tiny study shipped by another distribution."""
    from dataclasses import dataclass
    import jax
    from nntheory.claims import Claim
    from nntheory.config import StudyConfig, field, positive
    from nntheory.study import Sweep

    TITLE = "Tiny external study"

    @dataclass(frozen=True)
    class Config(StudyConfig):
        n: int = field(3, positive)

    PROFILES = {"test": Config(replicates=2), "quick": Config(), "full": Config(replicates=10)}

    def point(cfg, key, *, i):
        return dict(u=float(jax.random.uniform(key)))

    SWEEPS = {"draws": Sweep(point, grid=lambda c: dict(i=list(range(c.n))))}

    def metrics(tables, arrays, cfg):
        return dict(mean=float(tables["draws"]["u"].mean()))

    CLAIMS = (Claim("mean_in_unit_interval", "The mean of uniforms lies in [0, 1].",
                    "the uniform law", "mean", "between", (0.0, 1.0)),)

    def figures(res, cfg):
        import matplotlib.pyplot as plt
        from nntheory.report import Figure
        fig, ax = plt.subplots()
        ax.plot(res.tables["draws"]["u"].to_numpy())
        return [Figure("draws", "The draws.", fig)]
''')


def _cli(args, cwd, env=None):
    return subprocess.run([sys.executable, "-m", "nntheory.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, NNTHEORY_PROGRESS="0", **(env or {})))


@pytest.mark.slow
def test_study_of_another_installed_distribution(tmp_path):
    """A distribution built here, declaring the entry point nntheory.studies, is found and runs
    through run, claims and report."""
    dist = tmp_path / "dist"
    (dist / "tinystudy").mkdir(parents=True)
    (dist / "tinystudy" / "__init__.py").write_text("")
    (dist / "tinystudy" / "study.py").write_text(TINY)
    (dist / "pyproject.toml").write_text(textwrap.dedent("""
        [build-system]
        requires = ["setuptools"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "tinystudy"
        version = "0.1"
        [project.entry-points."nntheory.studies"]
        tiny_external = "tinystudy.study"
        [tool.setuptools]
        packages = ["tinystudy"]
    """))
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    "--no-build-isolation", "--target", str(site), str(dist)], check=True,
                   capture_output=True, timeout=300)
    env = dict(PYTHONPATH=str(site))
    listed = _cli(["list"], tmp_path, env)
    assert "tiny_external" in listed.stdout and "Tiny external study" in listed.stdout
    assert _cli(["run", "tiny_external", "--profile", "test"], tmp_path, env).returncode == 0
    claims = _cli(["claims", "tiny_external", "--profile", "test", "--json"], tmp_path, env)
    assert claims.returncode == 0, claims.stderr
    assert json.loads(claims.stdout)["claims"][0]["verdict"] == "holds"
    rep = _cli(["report", "tiny_external", "--profile", "test"], tmp_path, env)
    assert rep.returncode == 0, rep.stderr
    assert (tmp_path / "reports" / "tiny_external" / "report.pdf").stat().st_size > 0


def test_studies_folder_of_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "studies").mkdir()
    (tmp_path / "studies" / "local_tiny.py").write_text(TINY)
    monkeypatch.chdir(tmp_path)
    assert "local_tiny" in study.study_names()
    s = study.get_study("local_tiny")
    assert s.TITLE == "Tiny external study" and s.config("test").replicates == 2


def test_studies_are_not_top_level_packages():
    """The repository's studies are nntheory.studies (no top-level `studies` or `benchmarks`
    in site-packages)."""
    import nntheory.studies

    assert "universal_approximation" in study.study_names()
    assert study.study_modules()["universal_approximation"] == \
        "nntheory.studies.universal_approximation"
    assert nntheory.studies.__name__ == "nntheory.studies"


@pytest.mark.slow
def test_new_study_runs_reports_and_checks_out_of_the_box(tmp_path):
    out = _cli(["new", "my_study"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "studies" / "my_study.py").is_file()
    assert (tmp_path / "tests" / "test_my_study.py").is_file()
    assert _cli(["run", "my_study", "--profile", "test"], tmp_path).returncode == 0
    claims = _cli(["claims", "my_study", "--profile", "test", "--json"], tmp_path)
    payload = json.loads(claims.stdout)
    assert [c["id"] for c in payload["claims"]] == ["error_falls_with_width"]
    rep = _cli(["report", "my_study", "--profile", "test"], tmp_path)
    assert rep.returncode == 0, rep.stderr
    test = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/test_my_study.py"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert test.returncode == 0, test.stdout + test.stderr
    again = _cli(["new", "my_study"], tmp_path)
    assert again.returncode == 2 and "exists" in again.stderr


@pytest.mark.parametrize("name", ["My", "1x", "a-b", "class", "universal_approximation"])
def test_new_rejects_bad_names(tmp_path, name, monkeypatch):
    from nntheory.scaffold import new_study

    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError):
        new_study(name)
    assert not (tmp_path / "studies").exists()


@pytest.mark.slow
def test_changing_a_metric_changes_claims_without_a_rerun(tmp_path):
    """Edit the study file's metrics: `nntheory claims` reads the stored tables with the new
    metric at once, and `nntheory run` keeps reusing the stored replicates (the metric is not
    part of the code that computed them). Editing a sweep point makes `run` recompute."""
    (tmp_path / "studies").mkdir()
    path = tmp_path / "studies" / "edited.py"
    path.write_text(TINY)
    assert _cli(["run", "edited", "--profile", "test"], tmp_path).returncode == 0
    before = json.loads(_cli(["claims", "edited", "--profile", "test", "--json"],
                             tmp_path).stdout)["claims"][0]
    assert before["verdict"] == "holds" and 0 <= before["median"] <= 1
    path.write_text(TINY.replace('return dict(mean=float(tables["draws"]["u"].mean()))',
                                 'return dict(mean=1 + float(tables["draws"]["u"].mean()))'))
    after = _cli(["claims", "edited", "--profile", "test", "--json"], tmp_path)
    assert after.returncode == 1
    claim = json.loads(after.stdout)["claims"][0]
    assert claim["verdict"] == "fails" and claim["median"] == pytest.approx(1 + before["median"])
    rerun = _cli(["run", "edited", "--profile", "test"], tmp_path)
    assert "reused seeds 0,1" in rerun.stdout and "computed" not in rerun.stdout
    path.write_text(TINY.replace("float(jax.random.uniform(key))",
                                 "float(jax.random.uniform(key)) / 2"))
    again = _cli(["run", "edited", "--profile", "test"], tmp_path)
    assert "computed seeds 0,1" in again.stdout and "stored by other code" in again.stdout
