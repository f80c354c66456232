"""study: claims and verdicts, config coercion, --set parsing, config files, overrides,
hashes, and the study registry."""

from __future__ import annotations

import dataclasses
import math
import typing

import pytest

from nntheory import study
from nntheory.study import Claim


def claim(op, expected, tolerance=0.0, measured="m"):
    return Claim("c1", "a statement", "Paper 2000, Fig. 1", measured, op, expected, tolerance)


# --------------------------------------------------------------------------------------------
# Claim.check
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "op,expected,tol,m,passed",
    [
        ("<=", 1.0, 0.0, 0.5, True),
        ("<=", 1.0, 0.0, 1.0, True),  # boundary
        ("<=", 1.0, 0.0, 1.0000001, False),
        ("<=", 1.0, 0.5, 1.5, True),  # boundary with tolerance
        ("<=", 1.0, 0.5, 1.5000001, False),
        ("<=", 1.0, 0.0, -math.inf, True),
        (">=", 1.0, 0.0, 1.0, True),
        (">=", 1.0, 0.0, 0.9999999, False),
        (">=", 1.0, 0.25, 0.75, True),
        (">=", 1.0, 0.25, 0.7499999, False),
        (">=", 1.0, 0.0, math.inf, True),
        ("==", 2.0, 0.0, 2.0, True),
        ("==", 2.0, 0.0, 2.0000001, False),
        ("==", 2.0, 0.5, 2.5, True),
        ("==", 2.0, 0.5, 1.5, True),
        ("==", 2.0, 0.5, 1.4999999, False),
        ("==", 2.0, 0.5, 2.5000001, False),
        ("==", -0.5, 0.125, -0.375, True),
        ("between", (1.0, 2.0), 0.0, 1.0, True),
        ("between", (1.0, 2.0), 0.0, 2.0, True),
        ("between", (1.0, 2.0), 0.0, 1.5, True),
        ("between", (1.0, 2.0), 0.0, 0.9999999, False),
        ("between", (1.0, 2.0), 0.0, 2.0000001, False),
        ("between", (1.0, 2.0), 0.5, 0.5, True),
        ("between", (1.0, 2.0), 0.5, 2.5, True),
        ("between", (1.0, 2.0), 0.5, 0.4999999, False),
        ("between", (1.0, 2.0), 0.5, 2.5000001, False),
        ("==", 1.0, 0.5, math.inf, False),
    ],
)
def test_claim_check(op, expected, tol, m, passed):
    """Each op's verdict, including values exactly on (and just past) the tolerance edge."""
    v = claim(op, expected, tol).check({"m": m, "other": 0.0})
    assert v.passed is passed
    assert v.measured == m
    assert v.detail == ""


@pytest.mark.parametrize("op,expected", [("<=", 1.0), (">=", 1.0), ("==", 1.0),
                                         ("between", (0.0, 2.0))])
def test_nan_measured_fails(op, expected):
    """A NaN measurement fails every op, even with a huge tolerance, and says why."""
    v = claim(op, expected, 1e9).check({"m": math.nan})
    assert v.passed is False
    assert math.isnan(v.measured)
    assert "NaN" in v.detail


def test_missing_metric_fails():
    """A metric the study did not measure fails the claim, naming the metric."""
    v = claim("<=", 1.0, measured="slope").check({"m": 0.0})
    assert v.passed is False
    assert math.isnan(v.measured)
    assert "'slope'" in v.detail


def test_claim_built_to_fail_fails():
    """A claim contradicting its measurement fails, and check_claims keeps the order."""
    good = claim(">=", 0.0)
    bad = Claim("c2", "slope is -1/2", "Barron 1993", "m", "==", -0.5, 0.1)
    verdicts = study.check_claims([good, bad], {"m": 3.0})
    assert [v.passed for v in verdicts] == [True, False]
    assert [v.claim.id for v in verdicts] == ["c1", "c2"]


def test_verdict_row_and_expected_text():
    """A verdict's row carries the claim's fields; expected_text renders op and tolerance."""
    c = Claim("c9", "s", "src", "m", "between", (0.25, 0.5), 0.125, note="why")
    row = c.check({"m": 0.3}).as_row()
    assert row["id"] == "c9" and row["passed"] is True and row["note"] == "why"
    assert row["expected"] == "in [0.25, 0.5] (tolerance 0.125)"
    assert claim("<=", 2.0).expected_text == "≤ 2"
    assert claim("==", -0.5, 0.1).expected_text == "= -0.5 (tolerance 0.1)"


def test_check_accepts_numpy_scalars():
    """Metrics may be numpy scalars; the verdict's measured value is a float."""
    import numpy as np

    v = claim("<=", 1.0).check({"m": np.float32(0.5)})
    assert v.passed is True and isinstance(v.measured, float)


@pytest.mark.parametrize(
    "op,expected,tol,fragment",
    [
        ("<", 1.0, 0.0, "unknown op '<'"),
        ("approx", 1.0, 0.0, "unknown op"),
        ("between", 1.0, 0.0, "pair"),
        ("between", [0.0, 1.0], 0.0, "pair"),
        ("<=", (0.0, 1.0), 0.0, "pair"),
        ("<=", 1.0, -0.1, "tolerance"),
        ("==", 1.0, math.nan, "tolerance"),
    ],
)
def test_claim_construction_errors(op, expected, tol, fragment):
    """A bad op, a 'between' without a (low, high) tuple (or a pair for another op), or a
    negative/NaN tolerance raises ValueError naming the claim."""
    with pytest.raises(ValueError) as info:
        Claim("bad1", "s", "src", "m", op, expected, tol)
    assert fragment in str(info.value)
    assert "bad1" in str(info.value)


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
class Cfg:
    steps: int = 10
    lr: float = 0.1
    widths: tuple[int, ...] = (2, 4)
    name: str = "relu"
    limit: int | None = None

    def __post_init__(self):
        if self.steps < 1:
            raise ValueError(f"steps must be positive, got {self.steps}")


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
    with any field or with the study name."""
    h = study.config_hash("s", Cfg())
    assert len(h) == 12 and all(c in "0123456789abcdef" for c in h)
    assert study.config_hash("s", Cfg()) == h
    assert study.config_hash("s", study.override(Cfg(), {"widths": [2, 4]})) == h
    others = {
        study.config_hash("s", Cfg(steps=11)),
        study.config_hash("s", Cfg(lr=0.2)),
        study.config_hash("s", Cfg(widths=(4, 2))),
        study.config_hash("s", Cfg(limit=0)),
        study.config_hash("t", Cfg()),
    }
    assert h not in others and len(others) == 5


def test_config_dict_is_json_primitives():
    """config_dict turns tuples into lists."""
    assert study.config_dict(Cfg()) == dict(steps=10, lr=0.1, widths=[2, 4], name="relu",
                                            limit=None)


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
    assert set(ua.profiles) >= {"quick", "full"}
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
    cfg = ua.config("quick", study.load_config_file(tiny_toml))
    assert cfg.widths == (2, 16) and cfg.activations == ("tanh", "relu", "poly2")
    with pytest.raises(ValueError, match="quick, full"):
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
