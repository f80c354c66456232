"""The claims ledger: judgements over replicates as JSON (``nntheory claims --json``,
``reports/<study>/claims.json``) and as rows for the report, from one source so the two can
never disagree."""

from __future__ import annotations

from collections.abc import Sequence

from nntheory.claims import VERDICT_RULE, Judgement, headline, tally


def ledger_json(study: str, profile: str | None, seeds: Sequence[int],
                judgements: Sequence[Judgement], stale: Sequence[int] = (),
                not_judged: Sequence[str] = ()) -> dict:
    """The object ``nntheory claims STUDY --json`` prints::

        {"study", "profile", "seeds": [...], "verdict_rule", "headline",
         "counts": {"claim": {...}, "check": {...}}, "stale_seeds": [...],
         "claims": [{"id", "kind", "statement", "source", "expected", "op", "tolerance",
                     "replicates", "passes", "verdict", "median", "low", "high", "margin",
                     ...}]}
    """
    return dict(
        study=study, profile=profile, seeds=[int(s) for s in seeds],
        verdict_rule=VERDICT_RULE, headline=headline(judgements),
        counts=dict(claim=tally(judgements, "claim"), check=tally(judgements, "check")),
        stale_seeds=[int(s) for s in stale],
        not_judged_at_this_profile=list(not_judged),
        claims=[j.as_dict() for j in judgements],
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


def ledger_rows(judgements: Sequence[Judgement], kind: str) -> list[dict]:
    """Rows of one ledger table (claims or checks), formatted for the report."""
    rows = []
    for j in judgements:
        if j.claim.kind != kind:
            continue
        d = j.as_dict()
        rows.append(dict(
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
