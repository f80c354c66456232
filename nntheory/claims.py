"""Claims and checks, and the one verdict rule that judges them over replicates.

A :class:`Claim` of ``kind="claim"`` is a published, checkable statement: the metric it reads,
the published value or bound, the tolerance, and the source (paper and figure / table /
equation) beside it. ``kind="check"`` marks identities and code checks — a construction
computing what it was built to compute, a closed form against its sympy derivation, exact
against sampled counts — which stay in the ledger, in their own table, and never count as
reproduced results.

Each claim is checked on every replicate (an independent master seed, everything random
redrawn) and judged by :data:`VERDICT_RULE`, fixed before any replicate is looked at.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

OPS = ("<=", ">=", "==", "between")
KINDS = ("claim", "check")

#: The pre-registered verdict rule, printed in every report and by ``nntheory claims``.
VERDICT_RULE = ("A claim is judged over R independent replicates (master seeds; everything "
                "random redrawn): it holds if it passes in every replicate, is fragile if it "
                "passes in at least half of them but not all, and fails if it passes in fewer "
                "than half.")

#: replicates from which the range is a 95 % interval rather than the min–max
INTERVAL_FROM = 10


def verdict(passes: int, replicates: int) -> str:
    """:data:`VERDICT_RULE`: ``"holds"`` (every replicate passes), ``"fragile"`` (at least half)
    or ``"fails"`` (fewer than half, or no replicates at all)."""
    if replicates <= 0:
        return "fails"
    if passes == replicates:
        return "holds"
    return "fragile" if 2 * passes >= replicates else "fails"


@dataclasses.dataclass(frozen=True)
class Claim:
    """A published, checkable statement (or, with ``kind="check"``, an identity or code check)
    and how to check it against a replicate's metrics.

    The test on a measured value m:

    * ``"<="``: m <= expected + tolerance
    * ``">="``: m >= expected − tolerance
    * ``"=="``: ``abs(m − expected) <= tolerance``
    * ``"between"``: expected[0] − tolerance <= m <= expected[1] + tolerance

    Attributes:
      id: short identifier, unique within the study.
      statement: the claim in words.
      source: paper and figure / table / equation / theorem the expected value comes from.
      measured: the key of the study's ``metrics`` holding the measured value.
      op: one of :data:`OPS`.
      expected: the published value or bound (a pair for ``"between"``).
      tolerance: slack allowed, in the units of the metric.
      note: why this threshold, what the measurement is, anything a reader should know.
      kind: ``"claim"`` (a published result) or ``"check"`` (an identity or code check).
      profiles: the profiles it is judged at (empty: every profile) — a claim about a model
        only the ``full`` profile trains is not judged at ``quick``.
    """

    id: str
    statement: str
    source: str
    measured: str
    op: str
    expected: float | tuple[float, float]
    tolerance: float = 0.0
    note: str = ""
    kind: str = "claim"
    profiles: tuple[str, ...] = ()

    def __post_init__(self):
        if self.op not in OPS:
            raise ValueError(f"claim {self.id}: unknown op {self.op!r}; allowed: {', '.join(OPS)}")
        if (self.op == "between") != isinstance(self.expected, tuple):
            raise ValueError(
                f"claim {self.id}: 'between' needs a (low, high) pair, the others a number")
        if not (self.tolerance >= 0 and math.isfinite(self.tolerance)):
            raise ValueError(f"claim {self.id}: tolerance must be finite and >= 0, got "
                             f"{self.tolerance!r}")
        values = self.expected if self.op == "between" else (self.expected,)
        if not all(isinstance(v, int | float) and math.isfinite(v) for v in values):
            raise ValueError(f"claim {self.id}: expected must be finite numbers, got "
                             f"{self.expected!r}")
        if self.op == "between" and not self.expected[0] <= self.expected[1]:
            raise ValueError(f"claim {self.id}: 'between' needs low <= high, got "
                             f"{self.expected!r}")
        if not (isinstance(self.profiles, tuple)
                and all(isinstance(p, str) for p in self.profiles)):
            raise ValueError(f"claim {self.id}: profiles must be a tuple of profile names")
        if self.kind not in KINDS:
            raise ValueError(f"claim {self.id}: kind must be one of {', '.join(KINDS)}, "
                             f"got {self.kind!r}")

    @property
    def expected_text(self) -> str:
        tol = f" (tolerance {self.tolerance:g})" if self.tolerance else ""
        if self.op == "between":
            lo, hi = self.expected
            return f"in [{lo:g}, {hi:g}]{tol}"
        sym = {"<=": "≤", ">=": "≥", "==": "="}[self.op]
        return f"{sym} {self.expected:g}{tol}"

    def judged_at(self, profile: str | None) -> bool:
        """Whether this claim is judged at ``profile`` (any claim, for a custom config)."""
        return not self.profiles or profile is None or profile in self.profiles

    def margin(self, m: float) -> float:
        """How far ``m`` lies inside the threshold, in the metric's units (negative: outside).

        ``<=``: (expected + tol) − m; ``>=``: m − (expected − tol); ``==``: tol − abs(m − expected);
        ``between``: the distance to the nearer edge of the widened interval."""
        t = self.tolerance
        if math.isnan(m):
            return math.nan
        if self.op == "<=":
            return self.expected + t - m
        if self.op == ">=":
            return m - (self.expected - t)
        if self.op == "==":
            return t - abs(m - self.expected)
        lo, hi = self.expected
        return min(m - (lo - t), (hi + t) - m)

    def passes(self, m: float) -> bool:
        """The test on one measured value (NaN fails)."""
        margin = self.margin(float(m))
        return bool(margin >= 0) if not math.isnan(margin) else False

    def check(self, metrics: Mapping[str, float]) -> Outcome:
        """This claim on one replicate's ``metrics`` (a missing or NaN value fails)."""
        if self.measured not in metrics:
            return Outcome(self, math.nan, False, f"metric {self.measured!r} was not measured")
        m = float(metrics[self.measured])
        if math.isnan(m):
            return Outcome(self, m, False, "measured value is NaN")
        return Outcome(self, m, self.passes(m), "")


@dataclasses.dataclass(frozen=True)
class Outcome:
    """A claim on one replicate: the measured value and whether it passed."""

    claim: Claim
    measured: float
    passed: bool
    detail: str = ""


@dataclasses.dataclass(frozen=True)
class Judgement:
    """A claim judged over replicates by :data:`VERDICT_RULE`.

    ``median``, ``low`` and ``high`` summarise the metric over replicates (``low``–``high``:
    min–max below :data:`INTERVAL_FROM` replicates, else the 2.5–97.5 % percentiles);
    ``margin`` is the claim's margin at the median (:meth:`Claim.margin`), in the metric's
    units; ``measured`` lists the per-replicate values in seed order. A replicate whose value
    is NaN fails and is left out of the summaries; ±∞ are kept (in JSON as ``"inf"``).
    """

    claim: Claim
    seeds: tuple[int, ...]
    measured: tuple[float, ...]
    passed: tuple[bool, ...]
    details: tuple[str, ...] = ()

    @property
    def replicates(self) -> int:
        return len(self.seeds)

    @property
    def passes(self) -> int:
        return int(sum(self.passed))

    @property
    def verdict(self) -> str:
        return verdict(self.passes, self.replicates)

    def _finite(self) -> np.ndarray:
        a = np.asarray(self.measured, float)
        return a[~np.isnan(a)]

    @property
    def median(self) -> float:
        a = self._finite()
        return float(np.median(a)) if a.size else math.nan

    def _bound(self, q: float) -> float:
        """The q-quantile of the measured values (an order statistic, never an interpolation,
        so infinite values stay infinite) from :data:`INTERVAL_FROM` replicates; below that the
        min (q < ½) or max."""
        a = self._finite()
        if not a.size:
            return math.nan
        if a.size >= INTERVAL_FROM:
            return float(np.quantile(a, q, method="inverted_cdf"))
        return float(a.min() if q < 0.5 else a.max())

    @property
    def low(self) -> float:
        return self._bound(0.025)

    @property
    def high(self) -> float:
        return self._bound(0.975)

    @property
    def range_kind(self) -> str:
        return "95 % interval" if self._finite().size >= INTERVAL_FROM else "min–max"

    @property
    def margin(self) -> float:
        return self.claim.margin(self.median)

    def as_dict(self) -> dict[str, Any]:
        """The JSON schema of ``nntheory claims --json`` for one claim."""
        c = self.claim
        return dict(
            id=c.id, kind=c.kind, statement=c.statement, source=c.source,
            expected=list(c.expected) if c.op == "between" else c.expected,
            op=c.op, tolerance=c.tolerance, expected_text=c.expected_text,
            replicates=self.replicates, passes=self.passes, verdict=self.verdict,
            median=_num(self.median), low=_num(self.low), high=_num(self.high),
            margin=_num(self.margin),
            measured_key=c.measured, note=c.note, range=self.range_kind,
            per_replicate=[dict(seed=s, measured=_num(m), passed=p)
                           for s, m, p in zip(self.seeds, self.measured, self.passed,
                                              strict=True)],
            details=sorted({d for d in self.details if d}),
        )


def _num(x: float) -> float | str | None:
    """A number for JSON, which has neither NaN nor infinity: NaN is null, ±∞ the strings
    ``"inf"`` and ``"-inf"``."""
    if x is None or math.isnan(x):
        return None
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return float(x)


def judge(claims: Sequence[Claim], seeds: Sequence[int],
          metrics: Sequence[Mapping[str, float]]) -> list[Judgement]:
    """Every claim judged over the replicates (``metrics[i]`` belongs to ``seeds[i]``)."""
    if len(seeds) != len(metrics):
        raise ValueError("one metrics mapping per seed")
    out = []
    for c in claims:
        outcomes = [c.check(m) for m in metrics]
        out.append(Judgement(c, tuple(int(s) for s in seeds),
                             tuple(o.measured for o in outcomes),
                             tuple(o.passed for o in outcomes),
                             tuple(o.detail for o in outcomes)))
    return out


def tally(judgements: Sequence[Judgement], kind: str = "claim") -> dict[str, int]:
    """How many of ``kind`` hold, are fragile and fail, and their total."""
    js = [j for j in judgements if j.claim.kind == kind]
    out = {v: sum(j.verdict == v for j in js) for v in ("holds", "fragile", "fails")}
    out["total"] = len(js)
    return out


def headline(judgements: Sequence[Judgement]) -> str:
    """``"7 of 9 published claims hold, 1 fragile, 1 fails; 3 of 3 checks hold"``."""
    c, k = tally(judgements, "claim"), tally(judgements, "check")
    text = f"{c['holds']} of {c['total']} published claims hold"
    if c["fragile"] or c["fails"]:
        text += f", {c['fragile']} fragile, {c['fails']} fail{'s' if c['fails'] == 1 else ''}"
    if k["total"]:
        text += f"; {k['holds']} of {k['total']} checks hold"
    return text


def farthest(values, target: float, *, log: bool = False) -> float:
    """The value farthest from ``target``: what a two-sided claim about all of them (several
    fitted exponents, one ratio per setting) must bound; its sign says on which side the worst
    case lies. With ``log``, distance is ``|ln(v / target)|`` (ratios, judged by factor), and a
    value that is not positive is infinitely far. ``values`` is a sequence, an array or a
    mapping (its values). NaN if there is none or any is NaN: a missing measurement fails the
    claim."""
    if isinstance(values, Mapping):
        values = list(values.values())
    v = np.asarray(values, np.float64).ravel()
    if v.size == 0 or np.isnan(v).any():
        return float("nan")
    if log:
        with np.errstate(divide="ignore", invalid="ignore"):
            dist = np.where(v > 0, np.abs(np.log(np.where(v > 0, v, 1.0) / target)), np.inf)
    else:
        dist = np.abs(v - target)
    return float(v[np.argmax(dist)])


def measured(fn: Callable, *args, **kwargs) -> float:
    """``fn(*args, **kwargs)`` as a float, or NaN where the measurement cannot be made (``fn``
    raises ValueError: a fit with too few points, a curve that never crosses): a missing
    measurement fails its claim instead of stopping the report."""
    try:
        return float(fn(*args, **kwargs))
    except ValueError:
        return float("nan")
