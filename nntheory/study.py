"""Studies, their configs, results and claims.

A study is one module in ``studies/`` with the same names in every file:

* ``Config``: a frozen dataclass (validated in ``__post_init__``);
* ``PROFILES``: ``{"quick": Config(...), "full": Config(...)}``;
* ``run(cfg, key) -> Results``;
* ``figures(results, cfg) -> list[Figure]``;
* ``CLAIMS``: a tuple of :class:`Claim`;
* ``TITLE``, ``SUMMARY``, ``EQUATIONS`` (mathtext, caption) and ``REFERENCES`` for the report.

A :class:`Claim` is a published, checkable statement: the metric it reads from the study's own
results, the published value or bound, the tolerance, and the source beside it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import math
import pkgutil
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Results:
    """What a study measured: tidy tables, raw arrays, and the scalar metrics claims read.

    ``metrics`` values are plain floats (NaN allowed: a claim reading NaN fails).
    """

    tables: dict[str, pd.DataFrame] = dataclasses.field(default_factory=dict)
    arrays: dict[str, np.ndarray] = dataclasses.field(default_factory=dict)
    metrics: dict[str, float] = dataclasses.field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Claims
# ---------------------------------------------------------------------------------------------

OPS = ("<=", ">=", "==", "between")


@dataclasses.dataclass(frozen=True)
class Claim:
    """A published, checkable statement and how to check it against measured metrics.

    The verdict on a measured value m:

    * ``"<="``: m <= expected + tolerance
    * ``">="``: m >= expected − tolerance
    * ``"=="``: |m − expected| <= tolerance
    * ``"between"``: expected[0] − tolerance <= m <= expected[1] + tolerance

    Attributes:
      id: short identifier, unique within the study.
      statement: the claim in words.
      source: paper and figure / table / equation / theorem the expected value comes from.
      measured: the key in ``Results.metrics`` holding the measured value.
      op: one of :data:`OPS`.
      expected: the published value or bound (a pair for ``"between"``).
      tolerance: slack allowed, in the units of the metric.
      note: why this tolerance, what the measurement is, anything a reader should know.
    """

    id: str
    statement: str
    source: str
    measured: str
    op: str
    expected: float | tuple[float, float]
    tolerance: float = 0.0
    note: str = ""

    def __post_init__(self):
        if self.op not in OPS:
            raise ValueError(f"claim {self.id}: unknown op {self.op!r}; allowed: {', '.join(OPS)}")
        if (self.op == "between") != isinstance(self.expected, tuple):
            raise ValueError(
                f"claim {self.id}: 'between' needs a (low, high) pair, the others a number")
        if not self.tolerance >= 0:
            raise ValueError(f"claim {self.id}: tolerance must be >= 0, got {self.tolerance!r}")

    @property
    def expected_text(self) -> str:
        tol = f" (tolerance {self.tolerance:g})" if self.tolerance else ""
        if self.op == "between":
            lo, hi = self.expected
            return f"in [{lo:g}, {hi:g}]{tol}"
        sym = {"<=": "≤", ">=": "≥", "==": "="}[self.op]
        return f"{sym} {self.expected:g}{tol}"

    def check(self, metrics: Mapping[str, float]) -> Verdict:
        """The verdict of this claim on ``metrics`` (a missing or NaN value fails)."""
        if self.measured not in metrics:
            return Verdict(self, math.nan, False, f"metric {self.measured!r} was not measured")
        m = float(metrics[self.measured])
        if math.isnan(m):
            return Verdict(self, m, False, "measured value is NaN")
        t = self.tolerance
        if self.op == "<=":
            ok = m <= self.expected + t
        elif self.op == ">=":
            ok = m >= self.expected - t
        elif self.op == "==":
            ok = abs(m - self.expected) <= t
        else:
            lo, hi = self.expected
            ok = lo - t <= m <= hi + t
        return Verdict(self, m, bool(ok), "")


@dataclasses.dataclass(frozen=True)
class Verdict:
    """A claim's outcome: the measured value and whether it passed."""

    claim: Claim
    measured: float
    passed: bool
    detail: str = ""

    def as_row(self) -> dict[str, Any]:
        c = self.claim
        return dict(
            id=c.id, statement=c.statement, source=c.source, measured_key=c.measured,
            measured=self.measured, expected=c.expected_text, passed=self.passed,
            detail=self.detail, note=c.note,
        )


def check_claims(claims, metrics: Mapping[str, float]) -> list[Verdict]:
    """Check every claim against the metrics."""
    return [c.check(metrics) for c in claims]


# ---------------------------------------------------------------------------------------------
# Configs: profiles, overrides, hash
# ---------------------------------------------------------------------------------------------


def _type_name(tp) -> str:
    origin = typing.get_origin(tp)
    if origin is tuple:
        args = typing.get_args(tp)
        return f"tuple of {_type_name(args[0])}"
    if origin in (types.UnionType, typing.Union):
        return " or ".join(_type_name(a) for a in typing.get_args(tp))
    return getattr(tp, "__name__", str(tp))


def coerce(field: str, tp, value):
    """Convert a parsed TOML/``--set`` value to the field's declared type, or raise TypeError.

    Supported types: bool, int, float, str, ``tuple[T, ...]`` of those, and ``T | None``.
    Ints are accepted for floats; nothing else is converted implicitly.
    """
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        for a in args:
            if a is type(None):
                continue
            try:
                return coerce(field, a, value)
            except TypeError:
                pass
        raise TypeError(f"{field} must be {_type_name(tp)}, got {value!r}")
    if origin is tuple:
        (elem, *rest) = typing.get_args(tp)
        if not isinstance(value, list | tuple):
            raise TypeError(f"{field} must be a list ({_type_name(tp)}), got {value!r}")
        return tuple(coerce(field, elem, v) for v in value)
    if tp is bool:
        if isinstance(value, bool):
            return value
    elif tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif tp is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    elif tp is str:
        if isinstance(value, str):
            return value
    else:
        raise TypeError(f"{field}: unsupported config type {tp!r}")
    raise TypeError(f"{field} must be {_type_name(tp)}, got {value!r}")


def parse_set(item: str) -> tuple[str, Any]:
    """Parse one ``FIELD=VALUE`` override. VALUE is a TOML value (``3``, ``0.5``, ``true``,
    ``[2, 4]``, ``"relu"``); a bare word that is not valid TOML is taken as a string."""
    if "=" not in item:
        raise ValueError(f"--set expects FIELD=VALUE, got {item!r}")
    name, raw = item.split("=", 1)
    name, raw = name.strip(), raw.strip()
    if not name:
        raise ValueError(f"--set expects FIELD=VALUE, got {item!r}")
    try:
        return name, tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        pass
    try:
        return name, float(raw)  # numbers TOML spells differently: ".5", "5."
    except ValueError:
        pass
    if raw and all(ch.isalnum() or ch in "_-." for ch in raw):
        return name, raw
    raise ValueError(f"--set {name}: malformed value {raw!r}")


def load_config_file(path: str | Path) -> dict[str, Any]:
    """Read a TOML config file of field overrides (a flat table)."""
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"config file not found: {p}")
    try:
        data = tomllib.loads(p.read_text())
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"config file {p} is not valid TOML: {e}") from None
    except UnicodeDecodeError:
        raise ValueError(f"config file {p} is not UTF-8 text") from None
    return data


def override(cfg, overrides: Mapping[str, Any]):
    """A copy of the frozen config ``cfg`` with fields replaced, type-checked.

    Raises:
      ValueError: unknown field (naming the allowed ones) or an invalid value.
      TypeError: a value of the wrong type.
    """
    fields = {f.name: f for f in dataclasses.fields(cfg)}
    hints = typing.get_type_hints(type(cfg))
    new = {}
    for name, value in overrides.items():
        if name not in fields:
            raise ValueError(
                f"unknown config field {name!r} for {type(cfg).__module__}; "
                f"allowed: {', '.join(fields)}"
            )
        new[name] = coerce(name, hints[name], value)
    return dataclasses.replace(cfg, **new)


def config_dict(cfg) -> dict[str, Any]:
    """The config as JSON-able primitives (tuples become lists)."""
    return json.loads(json.dumps(dataclasses.asdict(cfg)))


def config_hash(study: str, cfg) -> str:
    """12 hex digits of SHA-256 over the study name and the canonical JSON of the config."""
    blob = json.dumps({"study": study, "config": config_dict(cfg)}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


# ---------------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------------

REQUIRED = ("Config", "PROFILES", "run", "figures", "CLAIMS", "TITLE")


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

    def config(self, profile: str = "quick", overrides: Mapping[str, Any] | None = None):
        """The profile's config with overrides applied (validated)."""
        if profile not in self.module.PROFILES:
            raise ValueError(
                f"unknown profile {profile!r} for {self.name}; allowed: {', '.join(self.profiles)}"
            )
        cfg = self.module.PROFILES[profile]
        return override(cfg, overrides or {})


def study_names() -> list[str]:
    """Names of every study module in the ``studies`` package."""
    import studies

    return sorted(
        m.name for m in pkgutil.iter_modules(studies.__path__) if not m.name.startswith("_")
    )


def get_study(name: str) -> Study:
    """Load a study by name.

    Raises:
      ValueError: unknown study (naming the available ones).
    """
    names = study_names()
    if name not in names:
        raise ValueError(f"unknown study {name!r}; available: {', '.join(names)}")
    module = importlib.import_module(f"studies.{name}")
    missing = [a for a in REQUIRED if not hasattr(module, a)]
    if missing:
        raise TypeError(f"study {name} lacks {', '.join(missing)}")
    return Study(name, module)
