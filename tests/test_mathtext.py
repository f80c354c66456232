"""Math in report prose: ``$...$`` spans as inline SVG on the text's baseline (reports), as
readable Unicode (terminal, JSON); and every study's prose math parses."""

from __future__ import annotations

import re

import markupsafe
import pytest

from nntheory.claims import Claim, judge
from nntheory.report.ledger import ledger_json
from nntheory.report.mathtext import inline_math, inline_svg, math_spans, plain_math
from nntheory.study import get_study, study_names


def _style(svg: str) -> dict[str, float]:
    """The em sizes of an inline SVG: width, height and (positive) depth below the baseline."""
    style = re.search(r'style="([^"]*)"', svg)[1]
    em = dict(re.findall(r"([a-z-]+): (-?[0-9.]+)em", style))
    return dict(width=float(em["width"]), height=float(em["height"]),
                depth=-float(em["vertical-align"]))


# ---------------------------------------------------------------------------------------------
# inline_math
# ---------------------------------------------------------------------------------------------


def test_inline_math_draws_each_span_as_an_svg_and_escapes_the_prose():
    html = inline_math("a < b & $x^2$ grows")
    assert isinstance(html, markupsafe.Markup)
    assert html.startswith("a &lt; b &amp; <svg")
    assert html.endswith("</svg> grows")
    assert html.count("<svg") == 1 and 'class="math"' in html and 'aria-label="x^2"' in html


def test_inline_math_without_math_is_escaped_text():
    assert inline_math("no <math> here") == "no &lt;math&gt; here"
    assert inline_math("") == ""


def test_escaped_dollar_is_a_literal_dollar():
    assert inline_math(r"costs \$5 and \$6") == "costs $5 and $6"
    assert plain_math(r"costs \$5, $x$") == "costs $5, x"
    assert math_spans(r"a \$ b $c$") == [("a $ b ", False), ("c", True)]


def test_spans_across_lines_are_one_expression():
    assert math_spans("the rate $n^{-1/2}\n  \\cdot x$.") == [
        ("the rate ", False), (r"n^{-1/2} \cdot x", True), (".", False)]


@pytest.mark.parametrize("text", ["an unclosed $x^2 span", "an empty $$ span",
                                  r"bad TeX $x^{2$ here", r"unknown $\nosuchcommand$ one"])
def test_malformed_math_raises_naming_the_text(text):
    with pytest.raises(ValueError) as e:
        inline_math(text)
    assert repr(text) in str(e.value)


def test_inline_math_is_sized_in_em_and_sits_on_the_baseline():
    x, y = _style(inline_svg("x")), _style(inline_svg("y"))
    frac = _style(inline_svg(r"\frac{a}{b}"))
    # drawn at 10 pt and sized in em: 1em tall text gets an x about 0.55em high above the
    # baseline, and the box reaches below the baseline only by a descender's depth (~0.3em)
    assert 0.8 < x["height"] < 1.6 and 0.2 < x["depth"] < 0.45
    assert x["height"] - x["depth"] > 0.5
    # the same depth for a letter with and without a descender (matplotlib sizes a line by
    # "lp"), a deeper one for a fraction whose denominator hangs below the baseline
    assert y["depth"] == pytest.approx(x["depth"], abs=0.05)
    assert frac["depth"] > x["depth"] + 0.05
    # the SVG keeps its own aspect ratio
    svg = inline_svg("x")
    w, h = (float(v) for v in re.search(r'viewBox="0 0 ([0-9.]+) ([0-9.]+)"', svg).groups())
    assert x["width"] / x["height"] == pytest.approx(w / h, rel=1e-3)


@pytest.mark.parametrize("tex", [r"\sup_t |f_t|", r"\sum_i v_i", r"\max_i e_i", r"\prod_l q_l"])
def test_inline_big_operators_take_their_limits_at_the_side(tex):
    """Text style: a limit under the operator would make the line two lines tall."""
    assert _style(inline_svg(tex))["depth"] <= _style(inline_svg("x_i"))["depth"] + 0.05


def test_inline_math_under_the_report_theme():
    """The report's seaborn theme colours text: the inline SVG still finds its baseline, and
    takes the colour of the text around it."""
    from nntheory.report.figures import set_theme

    set_theme()
    svg = inline_svg(r"z_{\mathrm{themed}}")
    assert 0.2 < _style(svg)["depth"] < 0.45
    assert "fill: currentColor" in svg and "fill: #" not in svg
    # WeasyPrint resolves currentColor from the SVG's own colour: grey text names it
    assert "fill: currentColor; color: #555" in inline_math(r"a $z_{\mathrm{themed}}$", "#555")


def test_the_report_templates_have_the_math_filter():
    from nntheory.report.render import _ENV

    assert _ENV.filters["math"] is inline_math
    html = _ENV.from_string("<p>{{ s|math }}</p>").render(s="$x$ & y")
    assert html.startswith("<p><svg") and html.endswith(" &amp; y</p>")


# ---------------------------------------------------------------------------------------------
# plain_math
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("tex,text", [
    ("$n^{-1/2}$", "n^(−1/2)"),
    ("$O(n^{-1})$", "O(n⁻¹)"),
    (r"$\sqrt{\chi_1}$", "√χ₁"),
    (r"$\sigma_w^2$", "σ_w²"),
    ("$2^{-2m-2}$", "2^(−2m−2)"),
    (r"$\hat\Theta_0 - \Theta$", "Θ̂₀ − Θ"),
    (r"$\frac{1}{2}\cdot x \le 10^{-4}$", "1/2·x ≤ 10⁻⁴"),  # TeX drops the space after \cdot
    (r"$x\cdot y$", "x·y"),
    (r"$t_\mathrm{test}/t_\mathrm{train}$", "t_test/t_train"),
    (r"$\mathbb{E}R=\infty$", "𝔼R=∞"),
    (r"$\|f - f^{\mathrm{lin}}\|$", "‖f − f^lin‖"),
    (r"$\alpha\,\beta\gamma$", "α βγ"),
    (r"$\leq 10^{-4}$", "≤ 10⁻⁴"),
    (r"$\rho \to 1$", "ρ → 1"),
])
def test_plain_math_is_readable(tex, text):
    assert plain_math(f"rate {tex}.") == f"rate {text}."


def test_plain_math_leaves_plain_text_alone():
    text = "slope −1/2 ± 0.1 (Lee et al. 2019, Fig. 1)"
    assert plain_math(text) == text


def test_claims_json_carries_plain_statements():
    c = Claim("c1", r"falls as $n^{-1/2}$", r"Paper 2000 ($\sigma^2$)", "m", "<=", 1.0,
              note=r"$\sqrt{n}$ seeds")
    payload = ledger_json("toy", "quick", [0], judge([c], [0], [dict(m=0.5)]))
    row = payload["claims"][0]
    assert (row["statement"], row["source"], row["note"]) == (
        "falls as n^(−1/2)", "Paper 2000 (σ²)", "√n seeds")


# ---------------------------------------------------------------------------------------------
# every study's prose
# ---------------------------------------------------------------------------------------------


def _prose(name: str) -> list[tuple[str, str]]:
    """(where, text) of every piece of a study's prose the report prints (figure captions are
    built at run time from results, so they are checked where the reports are built)."""
    s = get_study(name)
    out = [(f"{name}.SUMMARY", getattr(s.module, "SUMMARY", ""))]
    out += [(f"{name}.EQUATIONS[{i}]", cap)
            for i, (_, cap) in enumerate(getattr(s.module, "EQUATIONS", ()))]
    for c in s.CLAIMS:
        out += [(f"{name}.{c.id}.{k}", getattr(c, k)) for k in ("statement", "source", "note")]
    return out


@pytest.mark.parametrize("name", study_names())
def test_every_math_span_of_every_study_renders(name):
    for where, text in _prose(name):
        # a control character is a TeX command in a string that is not raw: "\alpha" is BEL
        assert not re.search(r"[\x00-\x08\x0b-\x1f]", text), (where, text)
        inline_math(text)  # raises, naming the text, on any span matplotlib cannot draw
        assert "$" not in plain_math(text).replace(r"\$", ""), where


@pytest.mark.parametrize("name", study_names())
def test_the_equations_themselves_render(name):
    from nntheory.report.mathtext import equation_svg

    for tex, _ in getattr(get_study(name).module, "EQUATIONS", ()):
        assert equation_svg(tex).startswith("<svg")
