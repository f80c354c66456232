"""Provenance: what produced a result — git commit, package versions, device, and the code
fingerprint that decides whether a stored result (or checkpoint) is still current.

The fingerprint covers exactly what can change a replicate's tables:

* in the study module, the sweeps and everything they reach — ``SWEEPS``, ``Config``, every
  module-level statement that is not a definition (a ``jax.config.update``, an ``if`` or
  ``try`` block) and the module-level functions and constants their code names, transitively —
  but not ``metrics``, ``CLAIMS``, ``figures`` or the report's text, which are re-derived from
  stored tables each time (so editing a metric or a claim needs no rerun);
* the library modules the study imports, transitively (its import closure within ``nntheory``
  and within the study's own package), except those that only judge, store, report or parse
  (:data:`NOT_NUMERICAL`); always :mod:`nntheory.keys`, which derives every key, and the data
  files shipped in ``nntheory/datasets``;
* the versions of the numerical packages (:data:`NUMERICAL_PACKAGES`).

Source is hashed as syntax trees without docstrings, so comments and docstrings can change
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
#: packages whose version can change a stored number
NUMERICAL_PACKAGES = ("jax", "jaxlib", "optax", "neural-tangents", "numpy", "scipy",
                      "scikit-learn")

#: library modules whose code cannot change a stored number
NOT_NUMERICAL = ("nntheory.report", "nntheory.cli", "nntheory.claims", "nntheory.store",
                 "nntheory.provenance", "nntheory.checkpoint", "nntheory.interrupt",
                 "nntheory.scaffold", "nntheory.study", "nntheory.config", "nntheory.files",
                 "nntheory.runner", "nntheory.devices", "nntheory.studies")

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
    """Names a top-level statement binds, including inside ``if``/``try``/``with`` blocks (but
    not a function's local variables)."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    if isinstance(node, ast.Import | ast.ImportFrom):
        return [(a.asname or a.name).split(".")[0] for a in node.names]
    out = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.stmt):
            out += _defined_names(child)
        elif isinstance(child, ast.ExceptHandler):
            out += [n for c in child.body for n in _defined_names(c)]
    return out


def _is_definition(node: ast.stmt) -> bool:
    return isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Assign
                      | ast.AnnAssign | ast.AugAssign)


def study_code(source: str, roots=("SWEEPS", "Config")) -> str:
    """The part of a study module's source that computes its tables, as a canonical dump:
    imports, every top-level statement that is not a plain definition, and the definitions
    reachable from those and from ``roots`` by name."""
    tree = _strip_docstrings(ast.parse(source))
    defs: dict[str, list[ast.stmt]] = {}
    kept: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom) or not _is_definition(node):
            kept.append(node)
        if not isinstance(node, ast.Import | ast.ImportFrom):
            for name in _defined_names(node):
                defs.setdefault(name, []).append(node)
    todo = [r for r in roots if r in defs]
    todo += [n.id for node in kept for n in ast.walk(node) if isinstance(n, ast.Name)]
    seen: set[str] = set()
    reached: list[ast.stmt] = list(kept)
    while todo:
        name = todo.pop()
        if name in seen or name not in defs:
            continue
        seen.add(name)
        for node in defs[name]:
            if not any(node is r for r in reached):
                reached.append(node)
            todo.extend(n.id for n in ast.walk(node)
                        if isinstance(n, ast.Name) and n.id in defs and n.id not in seen)
    order = {id(n): i for i, n in enumerate(tree.body)}
    reached.sort(key=lambda n: order[id(n)])
    return "\n".join(ast.dump(n) for n in reached)


def _imports(module_name: str, tree: ast.AST) -> set[str]:
    """The modules (and ``from X import y`` submodules) a module's code imports."""
    import importlib.util

    out: set[str] = set()
    package = module_name.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            out.add(base)
            for a in node.names:
                sub = f"{base}.{a.name}"
                try:
                    if importlib.util.find_spec(sub) is not None:
                        out.add(sub)
                except (ImportError, ValueError):
                    pass
    return out


def _module_source(name: str) -> str | None:
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None
    return Path(spec.origin).read_text()


def library_code(module) -> str:
    """The library code a study module's tables can depend on, as one canonical dump: its
    import closure within ``nntheory`` and within its own top-level package, minus
    :data:`NOT_NUMERICAL`, plus :mod:`nntheory.keys` and the shipped data files."""
    own = module.__name__.split(".")[0]
    prefixes = ("nntheory.", f"{own}.") if own not in ("nntheory", "nntheory_local_studies") \
        else ("nntheory.",)
    skip = lambda m: any(m == x or m.startswith(x + ".") for x in NOT_NUMERICAL)
    wanted = lambda m: (m == "nntheory" or m.startswith(prefixes)) and not skip(m) and \
        m != module.__name__
    todo = {m for m in _imports(module.__name__, ast.parse(inspect.getsource(module)))
            if wanted(m)} | {"nntheory.keys"}
    seen: dict[str, str] = {}
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        source = _module_source(name)
        seen[name] = "" if source is None else ast.dump(_strip_docstrings(ast.parse(source)))
        if source is not None:
            todo |= {m for m in _imports(name, ast.parse(source)) if wanted(m) and m not in seen}
    parts = [f"{name}\n{dump}" for name, dump in sorted(seen.items())]
    data = Path(__file__).resolve().parent / "datasets"
    parts += [f"{p.name}\n{p.read_bytes().hex()}" for p in sorted(data.glob("*"))
              if p.is_file()]
    return "\n".join(parts)


def code_fingerprint(module) -> str:
    """sha256 (16 hex digits) of what a study's tables can depend on besides its config and
    seed: its sweep code (:func:`study_code`), its library code (:func:`library_code`) and the
    versions of the numerical packages."""
    h = hashlib.sha256()
    h.update(study_code(inspect.getsource(module)).encode())
    h.update(library_code(module).encode())
    h.update(repr({p: v for p, v in versions().items() if p in NUMERICAL_PACKAGES}).encode())
    return h.hexdigest()[:16]
