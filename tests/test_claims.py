"""claims: each op's test on one replicate, margins, and the verdict rule over replicates."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nntheory import claims
from nntheory.claims import Claim


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
    """A claim contradicting its measurement fails, and judge keeps the order."""
    good = claim(">=", 0.0)
    bad = Claim("c2", "slope is -1/2", "Barron 1993", "m", "==", -0.5, 0.1)
    js = claims.judge([good, bad], [0], [{"m": 3.0}])
    assert [j.verdict for j in js] == ["holds", "fails"]
    assert [j.claim.id for j in js] == ["c1", "c2"]


def test_expected_text():
    """expected_text renders op and tolerance."""
    c = Claim("c9", "s", "src", "m", "between", (0.25, 0.5), 0.125, note="why")
    assert c.expected_text == "in [0.25, 0.5] (tolerance 0.125)"
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




def test_kind_must_be_claim_or_check():
    assert Claim("c", "s", "src", "m", "<=", 1.0).kind == "claim"
    assert Claim("c", "s", "src", "m", "<=", 1.0, kind="check").kind == "check"
    with pytest.raises(ValueError, match="kind"):
        Claim("c", "s", "src", "m", "<=", 1.0, kind="identity")


# --------------------------------------------------------------------------------------------
# margins
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("op,expected,tol,m,margin", [
    ("<=", 1.0, 0.0, 0.75, 0.25),
    ("<=", 1.0, 0.5, 2.0, -0.5),
    (">=", 1.0, 0.0, 1.5, 0.5),
    (">=", 1.0, 0.25, 0.5, -0.25),
    ("==", 2.0, 0.5, 2.25, 0.25),
    ("==", 2.0, 0.0, 1.0, -1.0),
    ("between", (1.0, 2.0), 0.0, 1.25, 0.25),
    ("between", (1.0, 2.0), 0.0, 1.875, 0.125),
    ("between", (1.0, 2.0), 0.5, 3.0, -0.5),
])
def test_margin_is_the_distance_inside_the_threshold(op, expected, tol, m, margin):
    c = claim(op, expected, tol)
    assert c.margin(m) == pytest.approx(margin)
    assert c.passes(m) is (margin >= 0)


# --------------------------------------------------------------------------------------------
# the verdict rule
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("passes,replicates,verdict", [
    (5, 5, "holds"), (10, 10, "holds"), (1, 1, "holds"),
    (4, 5, "fragile"), (3, 5, "fragile"), (2, 5, "fails"), (0, 5, "fails"),
    (5, 10, "fragile"), (4, 10, "fails"), (9, 10, "fragile"),
    (1, 2, "fragile"), (0, 2, "fails"), (0, 0, "fails"),
])
def test_verdict_rule(passes, replicates, verdict):
    """holds = every replicate passes; fragile = at least half; fails = fewer than half."""
    assert claims.verdict(passes, replicates) == verdict


def test_verdict_rule_is_stated_as_applied():
    text = claims.VERDICT_RULE
    assert "every replicate" in text and "at least half" in text and "fewer than" in text


def test_judgement_over_replicates():
    c = claim("<=", 1.0)
    j = claims.judge([c], [7, 8, 9, 10, 11], [{"m": v} for v in (0.5, 0.9, 1.2, 0.1, 0.7)])[0]
    assert (j.passes, j.replicates, j.verdict) == (4, 5, "fragile")
    assert (j.median, j.low, j.high) == (0.7, 0.1, 1.2)
    assert j.margin == pytest.approx(0.3) and j.range_kind == "min–max"
    d = j.as_dict()
    assert d["per_replicate"][2] == dict(seed=9, measured=1.2, passed=False)
    assert d["expected"] == 1.0 and d["op"] == "<=" and d["verdict"] == "fragile"


def test_judgement_range_is_an_interval_from_ten_replicates():
    values = np.linspace(0.0, 1.0, 21)
    j = claims.judge([claim("<=", 2.0)], list(range(21)), [{"m": v} for v in values])[0]
    assert j.range_kind == "95 % interval"
    assert j.low == np.quantile(values, 0.025, method="inverted_cdf") == values[0]
    assert j.high == np.quantile(values, 0.975, method="inverted_cdf") == values[-1]


def test_nan_replicates_fail_and_do_not_enter_the_median():
    j = claims.judge([claim("<=", 1.0)], [0, 1, 2], [{"m": 0.5}, {"m": math.nan}, {}])[0]
    assert j.passes == 1 and j.verdict == "fails" and j.median == 0.5
    assert j.as_dict()["per_replicate"][1]["measured"] is None  # JSON has no NaN


def test_headline_counts_claims_not_checks():
    cs = [claim("<=", 1.0), Claim("k", "s", "src", "m", "==", 0.5, kind="check"),
          Claim("c3", "s", "src", "m", ">=", 2.0)]
    js = claims.judge(cs, [0, 1], [{"m": 0.5}, {"m": 0.5}])
    assert claims.headline(js) == "1 of 2 published claims hold, 0 fragile, 1 fails; 1 of 1 " \
        "checks hold"
    assert claims.tally(js, "check") == dict(holds=1, fragile=0, fails=0, total=1)


def test_infinite_values_survive_json_and_the_interval():
    import json

    c = claim("<=", 1.0)
    for n in (5, 10):
        values = [0.1] * (n - 1) + [math.inf]
        j = claims.judge([c], list(range(n)), [{"m": v} for v in values])[0]
        d = j.as_dict()
        assert d["high"] == "inf" and d["low"] == 0.1 and j.passes == n - 1
        json.dumps(d, allow_nan=False)


@pytest.mark.parametrize("n,kind", [(9, "min–max"), (10, "95 % interval")])
def test_the_interval_starts_at_ten_replicates(n, kind):
    j = claims.judge([claim("<=", 1.0)], list(range(n)), [{"m": v} for v in range(n)])[0]
    assert j.range_kind == kind
    if n < 10:
        assert (j.low, j.high) == (0.0, n - 1.0)


@pytest.mark.parametrize("expected,tol", [(math.inf, 0.0), ((2.0, 1.0), 0.0), (1.0, math.inf)])
def test_claims_reject_infinite_or_reversed_thresholds(expected, tol):
    op = "between" if isinstance(expected, tuple) else "<="
    with pytest.raises(ValueError, match="claim c1"):
        Claim("c1", "s", "src", "m", op, expected, tol)


def test_a_claim_may_be_judged_at_some_profiles_only():
    c = Claim("tf", "s", "src", "m", "<=", 1.0, profiles=("full",))
    assert c.judged_at("full") and not c.judged_at("quick") and c.judged_at(None)
    assert claim("<=", 1.0).judged_at("quick")
    with pytest.raises(ValueError, match="profiles"):
        Claim("tf", "s", "src", "m", "<=", 1.0, profiles="full")


def test_farthest_picks_the_value_a_two_sided_claim_must_bound():
    from nntheory.claims import farthest

    assert farthest([0.9, 1.05, 1.2], 1.0) == 1.2
    assert farthest([0.7, 1.05, 1.2], 1.0) == 0.7
    assert farthest(np.array([2.0]), 0.0) == 2.0
    assert farthest({"erf": -0.9, "relu": -0.7}, -1.0) == -0.7  # a mapping: its values
    assert farthest({"a": 0.1, "b": -0.12}, 0.0) == -0.12
    assert np.isnan(farthest({"a": -1.0, "b": np.nan}, -1.0))
    assert np.isnan(farthest({}, -1.0))
    # ratios judged by factor
    assert farthest([0.8, 1.1, 1.2], 1.0, log=True) == 0.8
    assert farthest([0.95, 1.3], 1.0, log=True) == 1.3
    assert farthest([1.1, -0.5], 1.0, log=True) == -0.5  # not positive: infinitely far


def test_measured_turns_a_failed_measurement_into_nan():
    from nntheory.claims import measured

    assert measured(lambda a, b=1: a + b, 2, b=3) == 5.0

    def fails():
        raise ValueError("too few points")

    assert math.isnan(measured(fails))
