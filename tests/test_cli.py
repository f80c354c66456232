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
    assert rc == 0 and UA in out and "claims" in out


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
