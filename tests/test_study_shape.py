"""Every study file keeps to the one small shape: at most 700 lines, and at most 60 lines that
are not science.

How the non-science lines are counted (by the syntax tree; blank lines, comments and
docstrings never count):

* import statements;
* config validation written by hand: a ``validate`` or ``__post_init__`` method;
* the ``SWEEPS`` declaration;
* plot boilerplate: a statement in a figure function whose call is only axis styling (scales,
  ticks, tick formatters, legends, layout: :data:`STYLE`), and every line of a module-level
  helper whose statements are mostly such styling;
* plumbing the runner owns: any line naming checkpoints, master keys or progress bars
  (:data:`PLUMBING`).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from nntheory.study import study_modules

MAX_LINES = 700
MAX_NON_SCIENCE = 60

STYLE = {"set_xscale", "set_yscale", "set_xticks", "set_yticks", "set_xticklabels",
         "set_yticklabels", "minorticks_off", "legend", "tight_layout", "subplots_adjust",
         "set_major_formatter", "set_minor_formatter", "set_major_locator",
         "set_minor_locator", "ticklabel_format", "tick_params", "margins", "log_axis",
         "no_minor_labels", "legend_below", "set_aspect", "despine", "set_theme"}
PLUMBING = re.compile(r"ckpt|Checkpoint|(?<!\w)progress\(|PRNGKey\(|\.step\(")


def _call_name(node) -> str | None:
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        f = node.value.func
        return f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)
    return None


def _lines(node) -> set[int]:
    return set(range(node.lineno, node.end_lineno + 1))


def _docstring_lines(tree) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef) and body
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            out |= _lines(body[0])
    return out


def non_science_lines(source: str) -> set[int]:
    """The line numbers of ``source`` (a study module) that are not science (see above)."""
    tree = ast.parse(source)
    lines = source.splitlines()
    out: set[int] = set()
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            out |= _lines(node)
        elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "SWEEPS" for t in node.targets):
            out |= _lines(node)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name in ("validate",
                                                                        "__post_init__"):
                    out |= _lines(item)
        elif isinstance(node, ast.FunctionDef):
            stmts = [s for s in ast.walk(node) if isinstance(s, ast.stmt) and s is not node]
            styled = [s for s in stmts if _call_name(s) in STYLE]
            if stmts and len(styled) * 2 >= len(stmts):
                out |= _lines(node)
            elif "figure" in node.name:
                for s in styled:
                    out |= _lines(s)
    for i, text in enumerate(lines, 1):
        if PLUMBING.search(text):
            out.add(i)
    blank = {i for i, t in enumerate(lines, 1) if not t.strip() or t.strip().startswith("#")}
    return out - blank - _docstring_lines(tree)


def _files():
    import nntheory.studies

    folder = Path(nntheory.studies.__path__[0])
    return [(name, folder / f"{name}.py") for name, module in study_modules().items()
            if module.startswith("nntheory.studies.")]


@pytest.mark.parametrize("name,path", _files(), ids=[n for n, _ in _files()])
def test_study_file_is_small_and_mostly_science(name, path):
    source = path.read_text()
    n_lines = len(source.splitlines())
    plumbing = non_science_lines(source)
    assert n_lines <= MAX_LINES, f"{name}: {n_lines} lines"
    assert len(plumbing) <= MAX_NON_SCIENCE, (
        f"{name}: {len(plumbing)} non-science lines: {sorted(plumbing)}")


def test_the_counter_counts_what_it_says():
    src = '''"""Doc."""
import numpy as np
from x import y

class Config:
    a: int = 1

    def validate(self):
        if self.a < 0:
            raise ValueError("a")

def point(cfg, key, *, w):
    return dict(v=np.sum(w))

SWEEPS = {"s": Sweep(point)}

def _axis(ax, values):
    ax.set_xscale("log")
    ax.set_xticks(values)

def _curve_figure(res):
    fig, ax = plt.subplots()
    ax.plot(res)
    ax.legend()
    return fig

def run(cfg, key, ckpt=None):
    step = ckpt.step
'''
    assert sorted(non_science_lines(src)) == [2, 3, 8, 9, 10, 15, 17, 18, 19, 24, 27, 28]
