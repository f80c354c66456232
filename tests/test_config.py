"""config: declarative field rules, coercion of overrides, --set parsing, config files,
overrides and the hash."""

from __future__ import annotations

import dataclasses
import math
import typing

import pytest

from nntheory import config as study
from nntheory.config import (
    StudyConfig,
    at_least,
    field,
    increasing,
    nonempty,
    one_of,
    positive,
    valid,
    within,
)

# --------------------------------------------------------------------------------------------
# coerce
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tp,value,expected",
    [
        (int, 3, 3),
        (int, -2, -2),
        (float, 2.5, 2.5),
        (float, 3, 3.0),
        (str, "relu", "relu"),
        (bool, True, True),
        (bool, False, False),
        (tuple[int, ...], [2, 4], (2, 4)),
        (tuple[int, ...], (2, 4), (2, 4)),
        (tuple[int, ...], [], ()),
        (tuple[float, ...], [1, 2.5], (1.0, 2.5)),
        (tuple[str, ...], ["relu", "tanh"], ("relu", "tanh")),
        (int | None, None, None),
        (int | None, 4, 4),
        (typing.Optional[float], None, None),  # noqa: UP045 (typing.Union form)
        (typing.Optional[float], 1, 1.0),  # noqa: UP045
        (str | None, "x", "x"),
    ],
)
def test_coerce_accepts(tp, value, expected):
    """Values of the declared type pass through (lists become tuples, ints become floats)."""
    out = study.coerce("field", tp, value)
    assert out == expected
    assert type(out) is type(expected)
    if isinstance(out, tuple):
        assert all(type(a) is type(b) for a, b in zip(out, expected, strict=True))


@pytest.mark.parametrize(
    "tp,value",
    [
        (int, True),
        (int, "3"),
        (int, 2.5),
        (int, None),
        (float, True),
        (float, "1e-3"),
        (bool, 1),
        (bool, "true"),
        (str, 3),
        (str, ["a"]),
        (tuple[int, ...], [1, "a"]),
        (tuple[int, ...], [1, True]),
        (tuple[int, ...], 3),
        (tuple[str, ...], "relu"),
        (int | None, "x"),
        (float | None, True),
    ],
)
def test_coerce_rejects(tp, value):
    """Anything else raises TypeError naming the field and the bad value."""
    with pytest.raises(TypeError) as info:
        study.coerce("my_field", tp, value)
    assert "my_field" in str(info.value)


def test_coerce_unsupported_type():
    """A field type the config system does not support raises TypeError."""
    with pytest.raises(TypeError, match="unsupported"):
        study.coerce("f", dict, {})


# --------------------------------------------------------------------------------------------
# parse_set
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "item,expected",
    [
        ("steps=10", ("steps", 10)),
        (" steps = 10 ", ("steps", 10)),
        ("widths=[2,4]", ("widths", [2, 4])),
        ("widths=[2, 4]", ("widths", [2, 4])),
        ('activations=["relu"]', ("activations", ["relu"])),
        ('name="relu"', ("name", "relu")),
        ("name=relu", ("name", "relu")),
        ("name=leaky_relu", ("name", "leaky_relu")),
        ("lr=1e-3", ("lr", 1e-3)),
        ("lr=0.5", ("lr", 0.5)),
        ("flag=true", ("flag", True)),
        ('x="a=b"', ("x", "a=b")),  # split at the first '=' only
        ("lr=.5", ("lr", 0.5)),  # numbers TOML spells differently are still numbers
        ("lr=5.", ("lr", 5.0)),
    ],
)
def test_parse_set(item, expected):
    """FIELD=VALUE parses VALUE as TOML, a bare word as a string."""
    assert study.parse_set(item) == expected


@pytest.mark.parametrize("item", ["x=[1,", "steps", "=3", "name=", "name=two words", "x=[1, 2"])
def test_parse_set_rejects(item):
    """Malformed values, a missing '=' and an empty field name raise ValueError."""
    with pytest.raises(ValueError, match="--set"):
        study.parse_set(item)


# --------------------------------------------------------------------------------------------
# config files, overrides, hashes
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Cfg(StudyConfig):
    steps: int = field(10, positive)
    lr: float = field(0.1, positive)
    widths: tuple[int, ...] = field((2, 4), increasing | positive)
    name: str = field("relu", one_of("relu", "tanh"))
    limit: int | None = None


def test_load_config_file(tiny_toml):
    """A TOML file of overrides loads as a flat dict of parsed values."""
    loaded = study.load_config_file(tiny_toml)
    assert loaded["widths"] == [2, 16]
    assert loaded["activations"] == ["tanh", "relu", "poly2"]
    assert loaded["steps"] == 200 and isinstance(loaded["steps"], int)
    p = tiny_toml.with_name("small.toml")
    p.write_text('steps = 10\nlr = 1e-3\nname = "relu"\nflag = false\n')
    assert study.load_config_file(str(p)) == dict(steps=10, lr=1e-3, name="relu", flag=False)


def test_load_config_file_invalid_toml(tmp_path):
    """Invalid TOML raises ValueError naming the file."""
    p = tmp_path / "bad.toml"
    p.write_text("steps = [1,\n")
    with pytest.raises(ValueError, match="not valid TOML") as info:
        study.load_config_file(p)
    assert "bad.toml" in str(info.value)


def test_load_config_file_not_utf8(tmp_path):
    """A binary file raises ValueError, not UnicodeDecodeError."""
    p = tmp_path / "bin.toml"
    p.write_bytes(b"\xff\xfe\x00steps = 1")
    with pytest.raises(ValueError, match="UTF-8"):
        study.load_config_file(p)


@pytest.mark.parametrize("name", ["missing.toml", "."])
def test_load_config_file_missing(tmp_path, name):
    """A missing path (or a directory) raises ValueError saying it was not found."""
    with pytest.raises(ValueError, match="not found"):
        study.load_config_file(tmp_path / name)


def test_override_applies_and_coerces():
    """override returns a new config with coerced values; the original is unchanged."""
    base = Cfg()
    new = study.override(base, {"widths": [8, 16], "lr": 1, "limit": 3})
    assert new == Cfg(widths=(8, 16), lr=1.0, limit=3)
    assert isinstance(new.lr, float)
    assert base == Cfg()


def test_override_unknown_field_lists_allowed():
    """An unknown field raises ValueError naming it and every allowed field."""
    with pytest.raises(ValueError) as info:
        study.override(Cfg(), {"step": 5})
    msg = str(info.value)
    assert "'step'" in msg
    for f in ("steps", "lr", "widths", "name", "limit"):
        assert f in msg


def test_override_wrong_type_and_invalid_value():
    """A wrong type raises TypeError naming the field; a valid type with an invalid value
    raises the config's own ValueError."""
    with pytest.raises(TypeError, match="widths"):
        study.override(Cfg(), {"widths": [2, "4"]})
    with pytest.raises(ValueError, match="steps must be positive"):
        study.override(Cfg(), {"steps": 0})


def test_config_hash_stable_and_sensitive():
    """The hash is 12 hex digits, the same for equal configs and across calls, and changes
    with any field or with the study name — but not with the number of replicates."""
    h = study.config_hash("s", Cfg())
    assert len(h) == 12 and all(c in "0123456789abcdef" for c in h)
    assert study.config_hash("s", Cfg()) == h
    assert study.config_hash("s", study.override(Cfg(), {"widths": [2, 4]})) == h
    others = {
        study.config_hash("s", Cfg(steps=11)),
        study.config_hash("s", Cfg(lr=0.2)),
        study.config_hash("s", Cfg(widths=(2, 8))),
        study.config_hash("s", Cfg(limit=0)),
        study.config_hash("t", Cfg()),
    }
    assert h not in others and len(others) == 5
    assert study.config_hash("s", Cfg(replicates=9)) == h


def test_config_dict_is_json_primitives():
    """config_dict turns tuples into lists."""
    assert study.config_dict(Cfg()) == dict(replicates=5, steps=10, lr=0.1, widths=[2, 4],
                                            name="relu", limit=None)
    assert "replicates" not in study.config_identity(Cfg())




# --------------------------------------------------------------------------------------------
# declarative rules
# --------------------------------------------------------------------------------------------


def _check(name):
    if name not in ("a", "b"):
        raise ValueError(f"unknown thing {name!r}; allowed: a, b")


@dataclasses.dataclass(frozen=True)
class Ruled(StudyConfig):
    widths: tuple[int, ...] = field((2, 8), increasing | positive)
    rate: float = field(0.5, within(0, 1))
    floor: float = field(0.0, at_least(0))
    things: tuple[str, ...] = field(("a",), nonempty | valid(_check))
    mode: str = field("x", one_of("x", "y"))
    free: float = 3.0

    def validate(self):
        if self.floor > self.rate:
            raise ValueError("floor must not exceed rate")


@pytest.mark.parametrize("kwargs,words", [
    (dict(widths=(0, 2)), ["widths", "positive", "[0, 2]"]),
    (dict(widths=(4, 2)), ["widths", "increasing", "[4, 2]"]),
    (dict(widths=()), ["widths", "increasing"]),
    (dict(widths=(2, 2)), ["widths", "increasing"]),
    (dict(rate=1.5), ["rate", "in [0, 1]", "1.5"]),
    (dict(rate=math.nan), ["rate"]),
    (dict(floor=-1.0), ["floor", "at least 0"]),
    (dict(things=()), ["things", "non-empty"]),
    (dict(things=("a", "z")), ["unknown thing", "'z'"]),
    (dict(mode="q"), ["mode", "one of x, y"]),
    (dict(floor=0.75), ["floor must not exceed rate"]),
    (dict(replicates=0), ["replicates"]),
    (dict(replicates=1001), ["replicates", "1000"]),
])
def test_rules_reject_naming_the_field(kwargs, words):
    with pytest.raises(ValueError) as e:
        Ruled(**kwargs)
    assert all(w in str(e.value) for w in words), str(e.value)


def test_rules_accept_valid_values_and_survive_replace():
    r = Ruled(widths=(1, 3, 9), rate=1.0, things=("b", "a"), mode="y", free=-7.0)
    assert dataclasses.replace(r, rate=0.25).rate == 0.25
    with pytest.raises(ValueError, match="rate"):
        dataclasses.replace(r, rate=-0.25)


def test_a_number_is_one_config_however_it_is_spelled():
    a, b = Cfg(lr=1), Cfg(lr=1.0)
    assert a == b and isinstance(a.lr, float)
    assert study.config_hash("s", a) == study.config_hash("s", b)
    assert study.override(Cfg(lr=0.5), {"lr": 1}) == Cfg(lr=1.0)
    with pytest.raises(TypeError, match="steps"):
        Cfg(steps=2.5)
