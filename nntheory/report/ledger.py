"""The claims ledger: judgements over replicates as JSON (``nntheory claims --json``,
``reports/<study>/claims.json``) and as rows for the report, from one source so the two can
never disagree."""

from __future__ import annotations

from collections.abc import Sequence

from nntheory.claims import VERDICT_RULE, Judgement, headline, tally
from nntheory.report.mathtext import plain_math


def ledger_json(study: str, profile: str | None, seeds: Sequence[int],
                judgements: Sequence[Judgement], stale: Sequence[int] = (),
                not_judged: Sequence[str] = ()) -> dict:
    """The object ``nntheory claims STUDY --json`` prints:

    .. code-block:: text

        {"study", "profile", "seeds": [...], "verdict_rule", "headline",
         "counts": {"claim": {...}, "check": {...}}, "stale_seeds": [...],
         "claims": [{"id", "kind", "statement", "source", "expected", "op", "tolerance",
                     "replicates", "passes", "verdict", "median", "low", "high", "margin",
                     ...}]}

    Statements, sources and notes are plain text (:func:`~nntheory.report.mathtext.plain_math`:
    ``$n^{-1/2}$`` → ``n^(−1/2)``); the report draws their math.
    """
    return dict(
        study=study, profile=profile, seeds=[int(s) for s in seeds],
        verdict_rule=VERDICT_RULE, headline=headline(judgements),
        counts=dict(claim=tally(judgements, "claim"), check=tally(judgements, "check")),
        stale_seeds=[int(s) for s in stale],
        not_judged_at_this_profile=list(not_judged),
        claims=[{k: plain_math(v) if k in ("statement", "source", "note") else v
                 for k, v in j.as_dict().items()} for j in judgements],
    )


def fmt(x) -> str:
    """Three significant figures, plainly (no exponent between 1e-3 and 1e4)."""
    if x is None:
        return "—"
    x = float(x)
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "∞" if x > 0 else "−∞"
    if x == 0:
        return "0"
    if 1e-3 <= abs(x) < 1e4:
        return f"{x:#.3g}".rstrip(".")
    return f"{x:.2e}"


def margin_bar(j: Judgement) -> dict:
    """How far the median lies inside (green) or outside (red) the threshold, as a fraction of
    the larger of the threshold's and the median's magnitudes (capped at 1)."""
    m, margin = j.median, j.margin
    if margin != margin:
        return dict(side="out", percent=0)
    edge = max(abs(v) for v in (j.claim.expected if j.claim.op == "between"
                                else (j.claim.expected,)))
    scale = max(edge, abs(m) if m == m else 0.0, 1e-12)
    return dict(side="in" if margin >= 0 else "out",
                percent=round(100 * min(1.0, abs(margin) / scale)))


def metric_name(key: str) -> str:
    """``nonpoly_max_fall_ratio`` → ``nonpoly max fall ratio`` (the metric, in words)."""
    return key.replace("__", " · ").replace("_", " ")


def ledger_rows(judgements: Sequence[Judgement], kind: str,
                figures: dict[str, dict] | None = None) -> list[dict]:
    """Rows of one ledger table (claims or checks), formatted for the report; ``figures``
    maps a claim id to the figure that shows it (``name``, ``number``)."""
    rows = []
    for j in judgements:
        if j.claim.kind != kind:
            continue
        d = j.as_dict()
        rows.append(dict(
            bar=margin_bar(j), metric_name=metric_name(d["measured_key"]),
            figure=(figures or {}).get(d["id"]),
            id=d["id"], statement=d["statement"], source=d["source"], note=d["note"],
            measured_key=d["measured_key"], expected=d["expected_text"],
            verdict=d["verdict"], passes=d["passes"], replicates=d["replicates"],
            median=fmt(d["median"]), low=fmt(d["low"]), high=fmt(d["high"]),
            margin=fmt(d["margin"]), range=d["range"], details=d["details"],
            per_replicate=", ".join(f"{p['seed']}: {fmt(p['measured'])}"
                                    f"{'' if p['passed'] else ' ✗'}"
                                    for p in d["per_replicate"]),
        ))
    return rows


def finding(payload: dict) -> str:
    """One sentence on a study's ledger, derived from its numbers: what holds, and the claims
    that do not (or, when all hold, the one with the narrowest margin)."""
    claims = [c for c in payload["claims"] if c["kind"] == "claim"]
    if not claims:
        return "No published claims judged at this profile."
    r = claims[0]["replicates"]
    holding = [c for c in claims if c["verdict"] == "holds"]

    def said(c) -> str:
        return (f"{c['id']} {c['verdict']} ({c['passes']}/{c['replicates']}; median "
                f"{fmt(c['median'])}, expected {c['expected_text']})")

    if len(holding) == len(claims):
        margins = [(abs(c["margin"]) / max(abs(c["median"] or 0), 1e-12), c) for c in claims
                   if isinstance(c["margin"], float) and isinstance(c["median"], float)
                   and c["margin"] != 0.0]  # 0: an exact count or fraction, met exactly
        tight = min(margins, key=lambda mc: mc[0])[1] if margins else None
        return (f"All {len(claims)} published claims hold over {r} replicates"
                + (f"; the narrowest margin is {tight['id']}, {fmt(tight['margin'])} inside "
                   f"{tight['expected_text']}." if tight else "."))
    others = [c for c in claims if c["verdict"] != "holds"]
    return (f"{len(holding)} of {len(claims)} published claims hold over {r} replicates; "
            + "; ".join(said(c) for c in others) + ".")
