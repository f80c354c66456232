"""Equations as inline SVG, drawn by matplotlib's mathtext (no LaTeX install needed).

WeasyPrint renders SVG but not MathML, so every equation in a report is an SVG made here.
"""

from __future__ import annotations

import functools
import io

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure as _MplFigure  # noqa: E402


@functools.lru_cache(maxsize=256)
def equation_svg(tex: str, fontsize: float = 13.0) -> str:
    """Render mathtext (``r"$E = mc^2$"``) to an SVG string sized to its content.

    Raises:
      ValueError: if matplotlib cannot parse the expression.
    """
    fig = _MplFigure(figsize=(0.01, 0.01))
    fig.text(0, 0, tex, fontsize=fontsize)
    buf = io.StringIO()
    try:
        fig.savefig(buf, format="svg", bbox_inches="tight", pad_inches=0.02, transparent=True,
                    metadata={"Date": None})
    except ValueError as e:
        raise ValueError(f"cannot render equation {tex!r}: {str(e).splitlines()[0]}") from None
    text = buf.getvalue()
    return text[text.index("<svg"):]
