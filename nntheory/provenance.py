"""Provenance: what produced a result — git commit, package versions, device, and the code
fingerprint that decides whether a stored result (or checkpoint) is still current.

The fingerprint covers exactly the code that can change a replicate's tables:

* in the study module, the sweeps and everything they reach — ``SWEEPS``, ``Config`` and the
  module-level functions and constants their code names, transitively — but not ``metrics``,
  ``CLAIMS``, ``figures`` or the report's text, which are re-derived from stored tables each
  time (so editing a metric or a claim needs no rerun);
* every module of the ``nntheory`` library except those that only judge, store, report or
  parse (:data:`NOT_NUMERICAL`).

Both are hashed as syntax trees without docstrings, so comments and docstrings can change
freely.
"""

from __future__ import annotations

import ast
import datetime as _dt
import hashlib
import inspect
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from nntheory.config import config_hash, config_identity

PACKAGES = ("nntheory", "jax", "jaxlib", "optax", "neural-tangents", "numpy", "scipy", "pandas")

#: library modules (relative to the package) whose code cannot change a stored number
NOT_NUMERICAL = ("report/", "cli.py", "claims.py", "store.py", "provenance.py", "checkpoint.py",
                 "interrupt.py", "scaffold.py", "study.py", "config.py", "progress.py",
                 "studies/")

#: the store layout written by this version (results of other layouts are recomputed)
FORMAT = 2


def git_commit() -> str:
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here, capture_output=True, text=True, timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    if not commit:
        return "unknown"
    return commit + ("+dirty" if dirty else "")


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for p in PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = "not installed"
    return out


def device() -> dict[str, Any]:
    import jax

    devs = jax.devices()
    return dict(
        platform=devs[0].platform,
        kind=devs[0].device_kind,
        count=len(devs),
        processes=jax.process_count(),
        cpu=platform.processor() or platform.machine(),
        cores=os.cpu_count(),
    )


def make_meta(study: str, profile: str | None, cfg, seed: int, wall_time: float,
              fingerprint: str) -> dict:
    """The provenance block written beside every replicate's result."""
    return dict(
        format=FORMAT,
        study=study,
        profile=profile,
        config=config_identity(cfg),
        config_hash=config_hash(study, cfg),
        seed=seed,
        code_fingerprint=fingerprint,
        git_commit=git_commit(),
        versions=versions(),
        device=device(),
        wall_time_s=round(float(wall_time), 3),
        created_utc=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    )


# ---------------------------------------------------------------------------------------------
# Code fingerprint
# ---------------------------------------------------------------------------------------------


def _strip_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return tree


def _defined_names(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Assign):
        return [n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    if isinstance(node, ast.AnnAssign | ast.AugAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []


def study_code(source: str, roots=("SWEEPS", "Config")) -> str:
    """The part of a study module's source that computes its tables, as a canonical dump:
    imports, and the top-level definitions reachable from ``roots`` by name."""
    tree = _strip_docstrings(ast.parse(source))
    defs: dict[str, list[ast.stmt]] = {}
    kept: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            kept.append(node)
        for name in _defined_names(node):
            defs.setdefault(name, []).append(node)
    seen: set[str] = set()
    todo = [r for r in roots if r in defs]
    reached: list[ast.stmt] = []
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for node in defs[name]:
            if node not in reached:
                reached.append(node)
            for n in ast.walk(node):
                if isinstance(n, ast.Name) and n.id in defs and n.id not in seen:
                    todo.append(n.id)
    order = {id(n): i for i, n in enumerate(tree.body)}
    reached.sort(key=lambda n: order[id(n)])
    return "\n".join(ast.dump(n) for n in kept + reached)


def library_code() -> str:
    """The numerical modules of the ``nntheory`` package as one canonical dump."""
    root = Path(__file__).resolve().parent
    parts = []
    for f in sorted(root.rglob("*.py")):
        rel = f.relative_to(root).as_posix()
        if any(rel == x or rel.startswith(x) for x in NOT_NUMERICAL if x.endswith("/")) or \
                rel in NOT_NUMERICAL:
            continue
        parts.append(rel + "\n" + ast.dump(_strip_docstrings(ast.parse(f.read_text()))))
    return "\n".join(parts)


def code_fingerprint(module) -> str:
    """sha256 (16 hex digits) of what a study's tables can depend on besides its config and
    seed: its sweep code (:func:`study_code`) and the library's numerical code."""
    h = hashlib.sha256()
    h.update(study_code(inspect.getsource(module)).encode())
    h.update(library_code().encode())
    return h.hexdigest()[:16]
