"""Reports: seaborn figures, Jinja2 HTML, and the same HTML as a PDF through WeasyPrint.

* :mod:`nntheory.report.figures` — the :class:`Figure` a study returns, SVG serialisation;
* :mod:`nntheory.report.mathtext` — equations drawn with matplotlib's mathtext as inline SVG
  (WeasyPrint does not lay out MathML), and the ``$...$`` math of the prose around them;
* :mod:`nntheory.report.render` — ``reports/<study>/index.html``, ``report.pdf`` and
  ``reports/index.html``.
"""

from nntheory.report.figures import Figure

__all__ = ["Figure"]
