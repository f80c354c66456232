"""Studies: what one declares, and where they are found.

A study is one module with the same names in every file (``nntheory new NAME`` writes one):

* ``Config``: a frozen dataclass subclassing :class:`nntheory.config.StudyConfig`, its rules
  declared in field metadata;
* ``PROFILES``: ``{"test": …, "quick": …, "full": …}`` configs; each sets its ``replicates``
  (``quick`` ≥ 5, ``full`` ≥ 10; ``test`` is the tiny run of the test suite);
* ``SWEEPS``: ``{name: Sweep(point, grid)}``; ``point(cfg, key, **params)`` computes one
  sweep point and returns tidy rows (:class:`Rows`); the runner (:mod:`nntheory.runner`) owns
  keys, replicates, checkpoints and hosts, and stacks the rows into one table per sweep;
* ``metrics(tables, arrays, cfg) -> dict[str, float]``: pure, called on stored results each
  time claims are checked or a report is built, so a verdict is never stale;
* ``CLAIMS``: a tuple of :class:`nntheory.claims.Claim` (kind ``"claim"`` or ``"check"``);
* ``figures(res, cfg) -> list[Figure]`` (``res`` a :class:`Evidence`: the tables of every
  replicate, with a ``replicate`` column);
* ``TITLE``, ``SUMMARY``, ``EQUATIONS`` (mathtext, caption) and ``REFERENCES`` for the report.

Studies are found in the package ``nntheory.studies`` (the repository's ``studies/`` folder),
in ``./studies/`` of the working directory (where ``nntheory new`` writes), and in every
installed distribution declaring the entry-point group ``nntheory.studies``
(``name = "module.path"``); a built-in name wins over the others.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import importlib.util
import pkgutil
import sys
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from nntheory.config import override

if typing.TYPE_CHECKING:  # numpy and pandas load only where a study runs (`list` stays fast)
    import numpy as np
    import pandas as pd

ENTRY_POINT_GROUP = "nntheory.studies"
REQUIRED = ("Config", "PROFILES", "SWEEPS", "metrics", "figures", "CLAIMS", "TITLE")
MIN_REPLICATES = dict(quick=5, full=10)


# ---------------------------------------------------------------------------------------------
# Sweeps and what their points return
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Rows:
    """What a sweep point returns: tidy tables and (optionally) raw arrays.

    ``tables`` is one DataFrame (it becomes the table named after the sweep), a list of row
    dicts or one row dict, or ``{table name: DataFrame}`` for several tables. The point's
    parameters are added as leading columns where a table lacks them. ``arrays`` maps globally
    unique names to numeric arrays (fitted curves, maps: what a figure needs beyond the rows).
    A point of a ``batched`` sweep puts a ``replicate`` column (0 … R−1) in every table and a
    leading replicate axis on every array.
    """

    tables: Any = None
    arrays: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Sweep:
    """A sweep: a point function and its grid.

    Attributes:
      point: ``point(cfg, key, **params) -> Rows | DataFrame | list[dict] | dict``; one sweep
        point. ``key`` is independent per (replicate, sweep, point). With ``setup``, the point
        also receives ``data=`` (what ``setup`` returned for this replicate); with ``needs``,
        ``tables=``.
      grid: ``grid(cfg)`` returns ``{param: values}`` (their product is the grid) or a list
        of ``{param: value}`` dicts (the points themselves); ``None`` is one point without
        parameters. Values are JSON scalars (str, int, float, bool).
      setup: ``setup(cfg, key)``, computed once per replicate and shared by every point of the
        sweep (e.g. the data set, so that points of a grid compare on the same draw).
      random: False when the points ignore their key (exact counts, closed forms): computed
        once and shared by every replicate.
      batched: the point takes ``keys`` (one per replicate, stacked) instead of ``key`` and
        computes every replicate at once — replicates become more members of one vmapped
        ensemble; ``setup`` then takes ``keys`` too.
      needs: names of tables made by earlier sweeps (in ``SWEEPS`` order) that the point reads:
        it receives ``tables={name: DataFrame}`` of its own replicate (a list of them, one per
        replicate, for a batched sweep) — a law fitted to a whole sweep, its bootstrap. A
        deterministic (``random=False``) sweep should need only deterministic tables.
    """

    point: Callable[..., Any]
    grid: Callable[[Any], Mapping[str, Sequence] | Sequence[Mapping[str, Any]]] | None = None
    setup: Callable[..., Any] | None = None
    random: bool = True
    batched: bool = False
    needs: tuple[str, ...] = ()

    def points(self, cfg) -> list[dict[str, Any]]:
        """The grid's points, in order."""
        if self.grid is None:
            return [{}]
        g = self.grid(cfg)
        if isinstance(g, Mapping):
            import itertools

            names = list(g)
            return [dict(zip(names, combo, strict=True))
                    for combo in itertools.product(*(list(g[n]) for n in names))]
        return [dict(p) for p in g]


# ---------------------------------------------------------------------------------------------
# What metrics and figures receive
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Results:
    """One replicate's stored results: tidy tables and raw arrays."""

    tables: dict[str, pd.DataFrame] = dataclasses.field(default_factory=dict)
    arrays: dict[str, np.ndarray] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Evidence:
    """Every replicate of one study and config, as figures and reports read them.

    ``tables[name]`` stacks the table of every replicate with a leading ``replicate`` column
    (the master seed); ``arrays`` are the first replicate's; ``metrics`` has one row per
    replicate (its seed in ``replicate``); ``per_seed`` keeps each replicate's results.
    """

    seeds: tuple[int, ...]
    per_seed: dict[int, Results]
    metrics: pd.DataFrame
    metas: dict[int, dict]

    @functools.cached_property
    def tables(self) -> dict[str, pd.DataFrame]:
        names = dict.fromkeys(n for r in self.per_seed.values() for n in r.tables)
        out = {}
        for n in names:
            parts = [r.tables[n].assign(replicate=s) for s, r in self.per_seed.items()
                     if n in r.tables]
            import pandas as pd

            df = pd.concat(parts, ignore_index=True)
            out[n] = df[["replicate", *[c for c in df.columns if c != "replicate"]]]
        return out

    @property
    def arrays(self) -> dict[str, np.ndarray]:
        return self.per_seed[self.seeds[0]].arrays


# ---------------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Study:
    """A loaded study module with the common interface."""

    name: str
    module: types.ModuleType

    def __getattr__(self, item):
        return getattr(self.module, item)

    @property
    def profiles(self) -> tuple[str, ...]:
        return tuple(self.module.PROFILES)

    @property
    def claims(self):
        return tuple(c for c in self.module.CLAIMS if c.kind == "claim")

    @property
    def checks(self):
        return tuple(c for c in self.module.CLAIMS if c.kind == "check")

    def judged_at(self, profile: str | None) -> tuple:
        """The claims and checks judged at ``profile``, in ledger order."""
        return tuple(c for c in self.module.CLAIMS if c.judged_at(profile))

    def config(self, profile: str = "quick", overrides: Mapping[str, Any] | None = None):
        """The profile's config with overrides applied (validated)."""
        if profile not in self.module.PROFILES:
            raise ValueError(
                f"unknown profile {profile!r} for {self.name}; allowed: {', '.join(self.profiles)}"
            )
        return override(self.module.PROFILES[profile], overrides or {})

    def metrics(self, results: Results, cfg) -> dict[str, float]:
        """The study's metrics of one replicate, as plain floats."""
        m = self.module.metrics(results.tables, results.arrays, cfg)
        return {str(k): float(v) for k, v in m.items()}


LOCAL_PACKAGE = "nntheory_local_studies"


def _builtin() -> dict[str, str]:
    import nntheory.studies as pkg

    return {m.name: f"nntheory.studies.{m.name}" for m in pkgutil.iter_modules(pkg.__path__)
            if not m.name.startswith("_")}


def _local_dir() -> Path | None:
    """``./studies`` of the working directory, unless it is the package's own folder."""
    import nntheory.studies as pkg

    d = Path.cwd() / "studies"
    if not d.is_dir() or any(Path(p).resolve() == d.resolve() for p in pkg.__path__):
        return None
    return d


def _local() -> dict[str, str]:
    d = _local_dir()
    if d is None:
        return {}
    return {p.stem: f"{LOCAL_PACKAGE}.{p.stem}" for p in sorted(d.glob("*.py"))
            if not p.stem.startswith("_")}


def _import(module: str) -> types.ModuleType:
    """Import a study module; those of ``./studies`` are loaded from their files."""
    if not module.startswith(LOCAL_PACKAGE + "."):
        return importlib.import_module(module)
    if module in sys.modules:
        return sys.modules[module]
    path = _local_dir() / f"{module.rsplit('.', 1)[1]}.py"
    spec = importlib.util.spec_from_file_location(module, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[module] = mod  # dataclasses resolve annotations through sys.modules
    try:
        spec.loader.exec_module(mod)
    except BaseException:
        del sys.modules[module]
        raise
    return mod


def _entry_points() -> dict[str, str]:
    return {ep.name: ep.value for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}


def study_modules() -> dict[str, str]:
    """Every study's name and module path: the built-in ones and the entry points'."""
    found = _entry_points()
    found.update(_local())
    found.update(_builtin())  # a built-in name wins over a local or an installed one
    return dict(sorted(found.items()))


def study_names() -> list[str]:
    return list(study_modules())


def summary(name: str) -> dict[str, Any]:
    """A study's title and numbers of claims and checks, read from its source without
    importing it (so ``nntheory list`` needs neither JAX nor the study's dependencies); a
    study whose ``TITLE`` or ``CLAIMS`` is not written out literally is imported instead."""
    import ast

    module = study_modules()[name]
    try:
        if module.startswith(LOCAL_PACKAGE + "."):
            path = _local_dir() / f"{module.rsplit('.', 1)[1]}.py"
        else:
            path = Path(importlib.util.find_spec(module).origin)
        tree = ast.parse(path.read_text())
        values = {t.id: node.value for node in tree.body if isinstance(node, ast.Assign)
                  for t in node.targets if isinstance(t, ast.Name)}
        title = ast.literal_eval(values["TITLE"])
        kinds = []
        for call in values["CLAIMS"].elts:
            if not (isinstance(call, ast.Call) and getattr(call.func, "id", "") == "Claim"):
                raise ValueError
            kw = {k.arg: k.value for k in call.keywords}
            kinds.append(ast.literal_eval(kw["kind"]) if "kind" in kw else "claim")
    except (KeyError, ValueError, AttributeError, TypeError, SyntaxError, OSError):
        s = get_study(name)
        return dict(title=s.TITLE, claims=len(s.claims), checks=len(s.checks))
    return dict(title=title, claims=kinds.count("claim"), checks=kinds.count("check"))


def get_study(name: str) -> Study:
    """Load a study by name.

    Raises:
      ValueError: unknown study (naming the available ones).
      TypeError: a module lacking part of the study interface.
    """
    modules = study_modules()
    if name not in modules:
        raise ValueError(f"unknown study {name!r}; available: {', '.join(modules)}")
    module = _import(modules[name])
    missing = [a for a in REQUIRED if not hasattr(module, a)]
    if missing:
        raise TypeError(f"study {name} lacks {', '.join(missing)}")
    ids = [c.id for c in module.CLAIMS]
    if len(set(ids)) != len(ids):
        raise TypeError(f"study {name} has duplicate claim ids")
    for profile, least in MIN_REPLICATES.items():
        cfg = module.PROFILES.get(profile)
        if cfg is not None and cfg.replicates < least:
            raise TypeError(f"study {name}: profile {profile} judges its claims over "
                            f"{cfg.replicates} replicates; it needs at least {least}")
    return Study(name, module)
