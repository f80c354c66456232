"""Equations as inline SVG, drawn by matplotlib's mathtext (no LaTeX install needed).

WeasyPrint renders SVG but not MathML, so every equation in a report is an SVG made here:
whole equations (:func:`equation_svg`) and the ``$...$`` spans of the prose around them —
captions, claim statements and notes, summaries — by :func:`inline_math`, sized in ``em`` so
they take the size of the text they sit in and aligned on its baseline. :func:`plain_math` turns
the same spans into readable Unicode for the terminal and JSON.
"""

from __future__ import annotations

import functools
import io
import re

import markupsafe
import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure as _MplFigure  # noqa: E402


@functools.lru_cache(maxsize=256)
def equation_svg(tex: str, fontsize: float = 13.0, pad: float = 0.02) -> str:
    """Render mathtext (``r"$E = mc^2$"``) to an SVG string sized to its content, ``pad``
    inches around it.

    Raises:
      ValueError: if matplotlib cannot parse the expression.
    """
    fig = _MplFigure(figsize=(0.01, 0.01))
    fig.text(0, 0, tex, fontsize=fontsize)
    buf = io.StringIO()
    try:
        fig.savefig(buf, format="svg", bbox_inches="tight", pad_inches=pad, transparent=True,
                    metadata={"Date": None})
    except ValueError as e:
        raise ValueError(f"cannot render equation {tex!r}: {str(e).splitlines()[0]}") from None
    text = buf.getvalue()
    return text[text.index("<svg"):]


# ---------------------------------------------------------------------------------------------
# Inline math: ``$...$`` in prose
# ---------------------------------------------------------------------------------------------

#: the size (pt) inline math is drawn at; its SVG is sized in em, so it takes the text's size
INLINE_FONTSIZE = 10.0
#: inches around inline math (the equations' 0.02 would set it apart from its words)
INLINE_PAD = 0.01

_SIZE = re.compile(r'width="([0-9.]+)pt" height="([0-9.]+)pt"')
# matplotlib draws a text's glyphs in a group translated to its baseline (tested), coloured
# by the text colour of the theme (which the inline SVG replaces by the surrounding text's)
_BASELINE = re.compile(r'<g (?:style="fill: #[0-9a-fA-F]+" )?'
                       r'transform="translate\([-0-9.e]+ ([-0-9.e]+)\) scale\(')
_GLYPH_FILL = re.compile(r'(<g )style="fill: #[0-9a-fA-F]+" (transform="translate)')
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.S)
_GROUP_IDS = re.compile(r' id="(?:figure|patch|text)_[0-9]+"')  # the same in every span
# Text style, as TeX sets math inside a line: mathtext would put the limits of \sum, \max, …
# under them, two lines tall; inline they go at the side (Σᵢ, supₜ).
_TEXT_STYLE = [(re.compile(r"\\(sup|inf|max|min|lim|limsup|liminf)(?![A-Za-z])"), r"\\mathrm{\1}"),
               (re.compile(r"\\sum(?![A-Za-z])"), r"\\Sigma"),
               (re.compile(r"\\prod(?![A-Za-z])"), r"\\Pi")]


def math_spans(text: str) -> list[tuple[str, bool]]:
    """``text`` split into ``(part, is_math)``: the TeX inside each ``$...$`` span (whitespace
    collapsed) and the prose between, in which ``\\$`` is a literal dollar.

    Raises:
      ValueError: naming the text, on a ``$`` that is never closed or an empty span.
    """
    parts: list[tuple[str, bool]] = []
    prose: list[str] = []
    i = 0
    while i < len(text):
        if text.startswith("\\$", i):
            prose.append("$")
            i += 2
            continue
        if text[i] != "$":
            prose.append(text[i])
            i += 1
            continue
        j = i + 1
        while (j := text.find("$", j)) != -1 and text[j - 1] == "\\":
            j += 1  # \$ inside math: mathtext's literal dollar
        if j == -1:
            raise ValueError(f"unclosed $ at character {i} in {text!r}")
        tex = " ".join(text[i + 1:j].split())
        if not tex:
            raise ValueError(f"empty $...$ at character {i} in {text!r}")
        if prose:
            parts.append(("".join(prose), False))
            prose = []
        parts.append((tex, True))
        i = j + 1
    if prose:
        parts.append(("".join(prose), False))
    return parts


@functools.lru_cache(maxsize=1024)
def inline_svg(tex: str) -> str:
    """One inline math span (TeX without its dollars) as an ``<svg class="math">`` whose
    width, height and baseline offset are in em: drawn at :data:`INLINE_FONTSIZE`, it takes
    the size of the surrounding text, and ``vertical-align`` puts its baseline on the text's.
    Big operators take their limits at the side, as in TeX's text style.

    Raises:
      ValueError: if matplotlib cannot parse it.
    """
    drawn = tex
    for pattern, text_style in _TEXT_STYLE:
        drawn = pattern.sub(text_style, drawn)
    svg = _METADATA.sub("", equation_svg(f"${drawn}$", INLINE_FONTSIZE, pad=INLINE_PAD), count=1)
    svg = _GROUP_IDS.sub("", _GLYPH_FILL.sub(r"\1\2", svg))
    size, base = _SIZE.search(svg), _BASELINE.search(svg)
    if size is None or base is None:  # matplotlib changed its SVG
        raise ValueError(f"cannot size inline math ${tex}$: unexpected SVG from matplotlib")
    width, height = float(size.group(1)), float(size.group(2))
    depth = height - float(base.group(1))

    def em(pt: float) -> str:
        return f"{pt / INLINE_FONTSIZE:.4f}".rstrip("0").rstrip(".") + "em"

    style = (f'class="math" role="img" aria-label="{markupsafe.escape(tex)}" '
             f'style="width: {em(width)}; height: {em(height)}; '
             f'vertical-align: -{em(depth)}; fill: currentColor"')
    return (svg[:size.start()] + style + svg[size.end():]).strip()  # no space after it


def inline_math(text: str, color: str | None = None) -> markupsafe.Markup:
    """HTML for prose with ``$...$`` math: the prose escaped, each span an :func:`inline_svg`
    (the Jinja filter ``math`` of the report templates: ``{{ note|math("#555") }}``).

    The math takes the colour of its text in a browser (``currentColor``); WeasyPrint does not
    pass the text's colour into an SVG, so text that is not near-black names its ``color``.

    Raises:
      ValueError: naming the text, if a span is unclosed, empty or not valid mathtext — a
        report never prints broken math.
    """
    out = []
    for part, is_math in math_spans(str(text)):
        if not is_math:
            out.append(str(markupsafe.escape(part)))
            continue
        try:
            svg = inline_svg(part)
        except ValueError as e:
            raise ValueError(f"malformed math ${part}$ in {text!r}: {e}") from None
        if color:
            svg = svg.replace("fill: currentColor", f"fill: currentColor; color: {color}", 1)
        out.append(svg)
    return markupsafe.Markup("".join(out))


# TeX → readable text, for the terminal and JSON: a small table, not a TeX implementation.
_SYMBOLS = dict(
    alpha="α", beta="β", gamma="γ", delta="δ", epsilon="ϵ", varepsilon="ε", zeta="ζ", eta="η",
    theta="θ", vartheta="ϑ", iota="ι", kappa="κ", lambda_="λ", mu="μ", nu="ν", xi="ξ", pi="π",
    rho="ρ", sigma="σ", tau="τ", upsilon="υ", phi="ϕ", varphi="φ", chi="χ", psi="ψ",
    omega="ω", Gamma="Γ", Delta="Δ", Theta="Θ", Lambda="Λ", Xi="Ξ", Pi="Π", Sigma="Σ",
    Phi="Φ", Psi="Ψ", Omega="Ω", cdot="·", times="×", div="÷", le="≤", leq="≤", ge="≥",
    geq="≥", ne="≠", neq="≠", approx="≈", sim="~", simeq="≃", propto="∝", equiv="≡", to="→",
    rightarrow="→", leftarrow="←", Rightarrow="⇒", mapsto="↦", infty="∞", pm="±", mp="∓",
    partial="∂", nabla="∇", sum="Σ", prod="∏", int="∫", in_="∈", notin="∉", subset="⊂",
    cup="∪", cap="∩", ll="≪", gg="≫", ldots="…", dots="…", cdots="⋯", circ="∘", ast="∗",
    star="⋆", prime="′", top="⊤", forall="∀", exists="∃", emptyset="∅", langle="⟨",
    rangle="⟩", lfloor="⌊", rfloor="⌋", lceil="⌈", rceil="⌉", mid="|", vert="|", Vert="‖",
    log="log", ln="ln", exp="exp", sin="sin", cos="cos", tan="tan", arccos="arccos",
    max="max", min="min", sup="sup", inf="inf", lim="lim", det="det", tr="tr", arg="arg",
    quad=" ", qquad="  ",
)
_SYMBOLS.update({"lambda": "λ", "in": "∈", "|": "‖", ",": " ", ";": " ", ":": " ", "!": "",
                 " ": " ", "{": "{", "}": "}", "%": "%", "$": "$", "#": "#", "&": "&",
                 "_": "_"})
del _SYMBOLS["lambda_"], _SYMBOLS["in_"]
_ACCENTS = dict(hat="\u0302", widehat="\u0302", tilde="\u0303", widetilde="\u0303",
                bar="\u0304", overline="\u0305", vec="\u20d7", dot="\u0307", ddot="\u0308")
_FONTS = {"mathrm", "mathit", "mathbf", "mathsf", "mathtt", "mathcal", "mathbb", "text",
          "textrm", "textit", "textbf", "operatorname", "boldsymbol", "mathdefault"}
_SIZING = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr",
           "displaystyle", "textstyle", "limits", "nolimits"}
_SUP = dict(zip("0123456789+−=()abcdefghijklmnoprstuvwxyzLT*⊤",
                "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴸᵀ*ᵀ", strict=True))
_NUMERAL = set("0123456789+−=()")
_BLACKBOARD = dict(zip("CENQRZ", "ℂ𝔼ℕℚℝℤ", strict=True))
_SUB = dict(zip("0123456789+−=()aehijklmnoprstuvx",
                "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", strict=True))
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\s+|.", re.S)
_OPERATORS = "·×÷≤≥≠≈~≃∝≡→←⇒↦±∓∈∉⊂∪∩≪≫∘="
_SPACED = re.compile(rf"\s*([{_OPERATORS}])\s*")


def _plain_atom(toks: list[str], i: int, arg: bool = False) -> tuple[str, int]:
    """One atom of TeX from ``toks[i]`` on, as text (``arg``: a script's or command's
    argument); returns it and the next index."""
    t = toks[i]
    if t == "{":
        out = []
        i += 1
        while i < len(toks) and toks[i] != "}":
            s, i = _plain_atom(toks, i)
            out.append(s)
        return "".join(out), i + 1
    if t in ("^", "_"):
        a, i = _plain_arg(toks, i + 1)
        table = _SUP if t == "^" else _SUB
        if a and all(c in table for c in a) and (len(a) == 1 or all(c in _NUMERAL for c in a)):
            return "".join(table[c] for c in a), i  # x², n⁻¹, χ₁
        return t + (a if len(a) <= 1 or a.isalnum() else f"({a})"), i  # t_test, n^(−1/2)
    if t.isspace():
        return " ", i + 1
    if t == "-":
        return "−", i + 1
    if t == "}":
        return "", i + 1
    if not t.startswith("\\") or len(t) == 1:
        return t, i + 1
    name = t[1:]
    if name in ("frac", "dfrac", "tfrac"):
        num, i = _plain_arg(toks, i + 1)
        den, i = _plain_arg(toks, i)
        return f"{_wrap(num)}/{_wrap(den)}", i
    if name == "sqrt":
        a, i = _plain_arg(toks, i + 1)
        return "√" + _wrap(a), i
    if name in _ACCENTS:
        a, i = _plain_arg(toks, i + 1)
        return a + _ACCENTS[name], i
    if name in _FONTS:
        a, i = _plain_arg(toks, i + 1)
        return ("".join(_BLACKBOARD.get(c, c) for c in a) if name == "mathbb" else a), i
    if name in _SIZING:
        i += 1
        if name in ("left", "right") and i < len(toks) and toks[i] == ".":
            i += 1
        return "", i
    symbol = _SYMBOLS.get(name, name)
    if i + 1 < len(toks) and toks[i + 1].isspace() and (
            symbol in _OPERATORS or not arg and i + 2 < len(toks) and toks[i + 2].isalnum()):
        i += 1  # TeX drops the space after a control word: \Delta f → Δf, x\cdot y → x·y
    return symbol, i + 1


def _plain_arg(toks: list[str], i: int) -> tuple[str, int]:
    while i < len(toks) and toks[i].isspace():
        i += 1
    return _plain_atom(toks, i, arg=True) if i < len(toks) else ("", i)


def _wrap(s: str) -> str:
    """``s`` as an operand: bare if one symbol (with its scripts and accents) or a number."""
    bases = [c for c in s if c not in _SUP.values() and c not in _SUB.values()
             and not "\u0300" <= c <= "\u036f" and c != "\u20d7"]
    return s if len(bases) <= 1 or s.isdigit() else f"({s})"


def tex_to_text(tex: str) -> str:
    """One span's TeX (without its dollars) as readable Unicode: ``n^{-1/2}`` → ``n^(−1/2)``,
    ``\\sigma_w^2`` → ``σ_w²``, ``\\sqrt{\\chi_1}`` → ``√χ₁``."""
    toks = _TOKEN.findall(tex)
    out, i = [], 0
    while i < len(toks):
        s, i = _plain_atom(toks, i)
        out.append(s)
    text = " ".join("".join(out).split())
    # an operator spaced on one side is spaced on both: x\cdot x' → x·x', a \le b → a ≤ b
    # an operator typed with a space before it is spaced on both sides: a \le b → a ≤ b
    return _SPACED.sub(lambda m: f" {m[1]} " if m[0] != m[1] or m.start() == 0 else m[1],
                       text).strip()


def plain_math(text: str) -> str:
    """``text`` with every ``$...$`` span as readable Unicode (:func:`tex_to_text`) and ``\\$``
    as ``$``: the terminal's and JSON's form of a statement. Raises ``ValueError`` where
    :func:`math_spans` does."""
    return "".join(tex_to_text(p) if m else p for p, m in math_spans(str(text)))
