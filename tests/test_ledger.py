"""The one-sentence finding each study's index row carries, derived from its ledger."""

from __future__ import annotations

from nntheory.report.ledger import finding


def _claim(cid, verdict, median, margin, expected_text, passes=5):
    return dict(id=cid, kind="claim", verdict=verdict, passes=passes, replicates=5,
                median=median, margin=margin, expected_text=expected_text)


def test_all_hold_names_the_narrowest_nonzero_margin():
    payload = dict(claims=[_claim("exact", "holds", 1.0, 0.0, "= 1"),
                           _claim("wide", "holds", 0.2, 0.8, "≤ 1"),
                           _claim("tight", "holds", -0.49, 0.01, "= -0.5 (tolerance 0.1)")])
    text = finding(payload)
    assert text.startswith("All 3 published claims hold over 5 replicates")
    assert "narrowest margin is tight, 0.0100 inside = -0.5 (tolerance 0.1)" in text


def test_claims_that_do_not_hold_are_named_with_their_numbers():
    payload = dict(claims=[_claim("ok", "holds", 0.2, 0.8, "≤ 1"),
                           _claim("shaky", "fragile", 1.19, 0.09, "≥ 1.1", passes=4),
                           _claim("off", "fails", 0.75, -0.05, "in [0.8, 1.25]", passes=2)])
    text = finding(payload)
    assert text.startswith("1 of 3 published claims hold over 5 replicates")
    assert "shaky fragile (4/5; median 1.19, expected ≥ 1.1)" in text
    assert "off fails (2/5; median 0.750, expected in [0.8, 1.25])" in text
