"""The command line: bad input gets one line on stderr, exit 2, and nothing written."""

from __future__ import annotations

import subprocess
import sys

import pytest

from nntheory.cli import main

UA = "universal_approximation"


def _run(argv, dirs, capsys):
    results, reports = dirs
    rc = main(["--results-dir", str(results), "--reports-dir", str(reports), *argv])
    out, err = capsys.readouterr()
    return rc, out, err


BAD = [
    # (argv, words the one-line message must contain)
    (["run", "nope"], ["unknown study", "nope", UA]),
    (["report", "nope"], ["unknown study", "nope"]),
    (["claims", "nope"], ["unknown study", "nope"]),
    (["run", UA, "--profile", "huge"], ["unknown profile", "huge", "quick"]),
    (["run", UA, "--set", "bogus=1"], ["unknown config field", "bogus", "widths"]),
    (["run", UA, "--set", "steps=abc"], ["steps", "int", "abc"]),
    (["run", UA, "--set", "steps=2.5"], ["steps", "int", "2.5"]),
    (["run", UA, "--set", "steps=true"], ["steps", "int"]),
    (["run", UA, "--set", "steps=-5"], ["steps", "positive", "-5"]),
    (["run", UA, "--set", "seeds=0"], ["seeds", "positive"]),
    (["run", UA, "--set", "widths=[0, 4]"], ["widths", "positive"]),
    (["run", UA, "--set", "widths=[8, 4]"], ["widths", "increasing"]),
    (["run", UA, "--set", "widths=[2,"], ["malformed", "widths"]),
    (["run", UA, "--set", "widths=4"], ["widths", "list"]),
    (["run", UA, "--set", "widths=['a']"], ["widths", "int"]),
    (["run", UA, "--set", "learning_rate=nan"], ["learning_rate", "finite"]),
    (["run", UA, "--set", "learning_rate=-0.1"], ["learning_rate", "positive"]),
    (["run", UA, "--set", "learning_rate=inf"], ["learning_rate", "finite"]),
    (["run", UA, "--set", 'activations=["swish"]'], ["unknown activation", "swish", "relu"]),
    (["run", UA, "--set", 'targets=["cube"]'], ["unknown target", "cube", "sin"]),
    (["run", UA, "--set", 'activations=["poly2"]'], ["non-polynomial"]),
    (["run", UA, "--set", "noequals"], ["FIELD=VALUE", "noequals"]),
    (["run", UA, "--set", "=3"], ["FIELD=VALUE"]),
    (["run", UA, "--seed", "-1"], ["seed", "non-negative"]),
    (["run", UA, "--seed", "x"], ["seed", "'x'"]),
    (["run", UA, "--config", "/nonexistent/c.toml"], ["config file not found"]),
    (["frobnicate"], ["invalid choice", "frobnicate"]),
    ([], ["required", "command"]),
    (["run"], ["required", "study"]),
    (["run", UA, "--frob"], ["unrecognized", "--frob"]),
    (["claims", UA], ["no results", "nntheory run"]),
    (["report", UA], ["no results", "nntheory run"]),
    (["claims", UA, "--seeds", "0-2"], ["no results", "seeds 0,1,2", "--seeds 0,1,2"]),
    (["run", UA, "--seeds", "5-2"], ["--seeds", "backwards"]),
    (["run", UA, "--seeds", "a"], ["--seeds", "'a'"]),
    (["run", UA, "--seeds", "-1"], ["--seeds", "'-1'"]),
    (["run", UA, "--seeds", "1-100000"], ["maximum", "1000"]),
    (["run", UA, "--seeds", ""], ["--seeds", "empty"]),
    (["run", UA, "--seeds", "1,1"], ["repeat"]),
    (["run", UA, "--seed", "1", "--seeds", "2-3"], ["--seed", "--seeds", "not both"]),
    (["claims", UA, "--seeds", "3-1"], ["backwards"]),
    (["run", UA, "--set", "replicates=0"], ["replicates"]),
    (["new", "Bad-Name"], ["lowercase"]),
    (["new", UA], ["exists"]),
]


@pytest.mark.parametrize("argv,words", BAD, ids=[" ".join(a) or "empty" for a, _ in BAD])
def test_bad_input_one_line_exit_2_nothing_written(argv, words, dirs, capsys):
    rc, out, err = _run(argv, dirs, capsys)
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nntheory: error: "), err
    for w in words:
        assert w in lines[0], (w, lines[0])
    assert "Traceback" not in err
    for d in dirs:
        assert not d.exists() or not any(p.is_file() for p in d.rglob("*")), list(d.rglob("*"))


@pytest.mark.parametrize(
    "content,words",
    [
        ("steps = [", ["not valid TOML"]),
        ("bogus = 3\n", ["unknown config field", "bogus"]),
        ("steps = 'many'\n", ["steps", "int"]),
        ("\xff\xfe", ["not UTF-8"]),
    ],
)
def test_bad_config_file(content, words, dirs, capsys, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_bytes(content.encode("latin-1"))
    rc, _, err = _run(["run", UA, "--config", str(path)], dirs, capsys)
    assert rc == 2 and len(err.strip().splitlines()) == 1
    for w in words:
        assert w in err


def test_list(dirs, capsys):
    rc, out, _ = _run(["list"], dirs, capsys)
    assert rc == 0 and UA in out and "claims" in out and "checks" in out


def test_results_of_an_older_layout_are_one_line(dirs, capsys):
    """A stored replicate written by an older nntheory: `claims` says so in one line (exit 2);
    `nntheory run` recomputes it (tested in test_runner)."""
    import json

    from nntheory import store
    from nntheory.config import config_hash
    from nntheory.study import get_study

    cfg = get_study(UA).config("test")
    d = store.result_dir(dirs[0], UA, config_hash(UA, cfg), 0)
    d.mkdir(parents=True)
    (d / "meta.json").write_text(json.dumps(dict(study=UA, seed=0)))
    rc, _, err = _run(["claims", UA, "--profile", "test", "--seed", "0"], dirs, capsys)
    assert rc == 2 and len(err.strip().splitlines()) == 1
    assert "older nntheory" in err and "Traceback" not in err


def test_help_lists_commands_and_examples(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "--seeds 0-9" in out and "claims" in out and "new" in out


def test_subprocess_has_no_traceback(tmp_path):
    """The installed entry point, end to end: one line, exit 2."""
    p = subprocess.run(
        [sys.executable, "-m", "nntheory.cli", "--results-dir", str(tmp_path / "r"), "run",
         "no_such_study"],
        capture_output=True, text=True, timeout=120,
    )
    assert p.returncode == 2
    assert p.stderr.strip().splitlines() == [p.stderr.strip()]
    assert "unknown study 'no_such_study'" in p.stderr and "Traceback" not in p.stderr
    assert not (tmp_path / "r").exists()


MISSING_NT = """
import importlib.metadata as md, sys
real = md.version
def version(name):
    if name == "neural-tangents":
        raise md.PackageNotFoundError(name)
    return real(name)
md.version = version
from nntheory.cli import main
sys.exit(main(["--results-dir", sys.argv[1], "run", "universal_approximation"]))
"""


def test_missing_neural_tangents_is_one_line(tmp_path):
    """Without neural-tangents the CLI says how to install it: one line, exit 2."""
    p = subprocess.run([sys.executable, "-c", MISSING_NT, str(tmp_path / "r")],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2, p.stderr
    assert p.stderr.strip().splitlines() == [p.stderr.strip()]
    assert "neural-tangents is not installed" in p.stderr and "make install" in p.stderr
    assert not (tmp_path / "r").exists()


def test_list_and_help_do_not_load_jax_or_the_studies():
    """`nntheory list` and `--help` read the studies' sources, not their modules, so they
    answer without importing JAX (measured under a second; timings are not tested)."""
    code = ("import sys, io, contextlib\n"
            "from nntheory.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
            "    main(['list'])\n"
            "assert 'universal_approximation' in out.getvalue()\n"
            "heavy = [m for m in ('jax', 'pandas', 'nntheory.studies.ntk') if m in sys.modules]\n"
            "print(heavy)\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[]"


def test_list_counts_what_the_studies_declare():
    from nntheory.study import get_study, study_names, summary

    for name in study_names():
        s, study = summary(name), get_study(name)
        assert (s["title"], s["claims"], s["checks"]) == (study.TITLE, len(study.claims),
                                                          len(study.checks))
