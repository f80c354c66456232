"""Study configs: a frozen dataclass with declarative validation, overrides, files and a hash.

A study's ``Config`` subclasses :class:`StudyConfig` and states each field's rule in its
metadata instead of a hand-written ``__post_init__``::

    @dataclass(frozen=True)
    class Config(StudyConfig):
        widths: tuple[int, ...] = field((2, 8, 32), increasing | positive)
        steps: int = field(4000, positive)
        activation: str = field("relu", valid(nets.activation))

The rules (:func:`rule` makes more; ``a | b`` requires both): :data:`positive`,
:data:`nonnegative`, :data:`integer`, :func:`within`, :func:`at_least`, :func:`at_most`,
:func:`one_of`, :func:`valid` (a function that raises ``ValueError`` on a bad value), and for
tuples :data:`increasing` (non-empty, strictly increasing) and :data:`nonempty`. A rule on
values given to a tuple field applies to every element. Rules that tie several fields together
go in a ``validate(self)`` method, which runs after the field rules.

``replicates`` (every config has it) is how many independent master seeds a profile judges its
claims over; it is not part of a result's identity: one replicate's numbers do not depend on
how many others there are, so the config hash leaves it out.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
import tomllib
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

#: metadata key holding a field's rules
RULES = "nntheory.rules"

#: the most replicates one profile or command may ask for
MAX_REPLICATES = 1000


# ---------------------------------------------------------------------------------------------
# Field rules
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Rule:
    """One validation rule of a config field.

    ``test(value)`` is true for a valid value and ``says`` completes "<field> must be …"; or
    ``raises(value)`` raises ``ValueError`` with its own message. ``whole`` rules look at a
    tuple as a whole; the others at each of its elements (or at a scalar value).
    """

    test: Callable[[Any], bool] | None = None
    says: str = ""
    whole: bool = False
    raises: Callable[[Any], Any] | None = None

    def check(self, name: str, value) -> None:
        values = [value] if self.whole or not isinstance(value, tuple) else list(value)
        for v in values:
            if self.raises is not None:
                self.raises(v)
            elif not self.test(v):
                shown = list(value) if isinstance(value, tuple) else value
                raise ValueError(f"{name} must be {self.says}, got {shown!r}")


class Rules(dict):
    """Field metadata holding rules (use as ``metadata=``); ``a | b`` requires both."""

    def __init__(self, *rules: Rule):
        super().__init__({RULES: tuple(rules)})

    def __or__(self, other):
        if not isinstance(other, Rules):
            return NotImplemented
        return Rules(*self[RULES], *other[RULES])


def rule(test: Callable[[Any], bool], says: str, *, whole: bool = False) -> Rules:
    """Rules checking each value (each element of a tuple, unless ``whole``) with ``test``."""
    return Rules(Rule(test, says, whole))


def _finite_number(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


positive = rule(lambda v: _finite_number(v) and v > 0, "positive and finite")
nonnegative = rule(lambda v: _finite_number(v) and v >= 0, "non-negative and finite")
integer = rule(lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer")
nonempty = rule(lambda v: len(v) > 0, "a non-empty list", whole=True)
#: a non-empty, strictly increasing tuple
increasing = rule(lambda v: len(v) > 0 and all(a < b for a, b in zip(v, v[1:], strict=False)),
                  "a non-empty, strictly increasing list", whole=True)


def within(lo: float, hi: float) -> Rules:
    """``lo <= value <= hi``."""
    return rule(lambda v: _finite_number(v) and lo <= v <= hi, f"in [{lo:g}, {hi:g}]")


def at_least(lo: float) -> Rules:
    """``value >= lo``."""
    return rule(lambda v: _finite_number(v) and v >= lo, f"at least {lo:g}")


def at_most(hi: float) -> Rules:
    """``value <= hi``."""
    return rule(lambda v: _finite_number(v) and v <= hi, f"at most {hi:g}")


def one_of(*allowed) -> Rules:
    """One of the given values."""
    return rule(lambda v: v in allowed, f"one of {', '.join(map(str, allowed))}")


def valid(check: Callable[[Any], Any]) -> Rules:
    """Valid when ``check(value)`` does not raise; its ``ValueError`` is the error message
    (``valid(nets.activation)`` names the allowed activations)."""
    return Rules(Rule(raises=check))


# ---------------------------------------------------------------------------------------------
# The base config
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class StudyConfig:
    """Base of every study's ``Config``: runs the field rules, then ``validate()``."""

    replicates: int = dataclasses.field(
        default=5, metadata=integer | within(1, MAX_REPLICATES))

    def __post_init__(self):
        hints = _hints(type(self))
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in hints:  # 1 and 1.0 are one config (and one hash) for a float field
                value = coerce(f.name, hints[f.name], value)
                object.__setattr__(self, f.name, value)
            for r in f.metadata.get(RULES, ()):
                r.check(f.name, value)
        self.validate()

    def validate(self) -> None:
        """Rules tying several fields together (override; raise ValueError)."""


@functools.cache
def _hints(cls) -> dict:
    return typing.get_type_hints(cls)


def field(default, rules: Rules | None = None):
    """``dataclasses.field(default=default, metadata=rules)``: ``field((2, 8), increasing |
    positive)``."""
    return dataclasses.field(default=default, metadata=rules if rules is not None else {})


# ---------------------------------------------------------------------------------------------
# Overrides: --set and --config
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
    """A copy of the frozen config ``cfg`` with fields replaced, type-checked and validated.

    Raises:
      ValueError: unknown field (naming the allowed ones) or an invalid value.
      TypeError: a value of the wrong type.
    """
    fields = {f.name: f for f in dataclasses.fields(cfg)}
    hints = _hints(type(cfg))
    new = {}
    for name, value in overrides.items():
        if name not in fields:
            raise ValueError(
                f"unknown config field {name!r} for {type(cfg).__module__}; "
                f"allowed: {', '.join(fields)}"
            )
        new[name] = coerce(name, hints[name], value)
    return dataclasses.replace(cfg, **new)


# ---------------------------------------------------------------------------------------------
# Identity
# ---------------------------------------------------------------------------------------------

#: config fields that say how a result is judged, not what one replicate computes
NOT_IDENTITY = ("replicates",)


def config_dict(cfg) -> dict[str, Any]:
    """The config as JSON-able primitives (tuples become lists), every field."""
    return json.loads(json.dumps(dataclasses.asdict(cfg)))


def config_identity(cfg) -> dict[str, Any]:
    """The fields that determine one replicate's numbers (all but :data:`NOT_IDENTITY`)."""
    return {k: v for k, v in config_dict(cfg).items() if k not in NOT_IDENTITY}


def config_hash(study: str, cfg) -> str:
    """12 hex digits of SHA-256 over the study name and the canonical JSON of the config's
    identity (so ``replicates`` does not change it)."""
    blob = json.dumps({"study": study, "config": config_identity(cfg)}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]
