"""Sphinx configuration of the nntheory documentation (`make docs` → docs/_build/html).

The API reference and one page per study are generated here from the code, so they can never
drift from it: ``_api/<module>.rst`` for every module of the package (autodoc, Google-style
docstrings through napoleon) and ``_studies/<study>.md`` for every study (its summary, its
theory equations drawn by matplotlib's mathtext as SVG — offline, as in the reports — its
claims and checks with their sources and thresholds, and how to run it). The ``$...$`` math of
summaries, captions and statements goes through MyST's ``dollarmath`` (MathJax in the browser).
"""

from __future__ import annotations

import os
import pkgutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("NNTHEORY_PROGRESS", "0")

project = "nntheory"
author = "nntheory developers"
extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "myst_parser"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "_generated"]
html_theme = "alabaster"
html_static_path: list[str] = []
autodoc_default_options = {"members": True, "undoc-members": True, "member-order": "bysource"}
autodoc_typehints = "description"
autodoc_typehints_format = "short"
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_ivar = True  # dataclass fields: documented once, from the class docstring
napoleon_custom_sections = [("References", "notes_style")]
myst_heading_anchors = 3
myst_enable_extensions = ["dollarmath"]  # $...$ in statements, captions, summaries
suppress_warnings = ["myst.header"]


def _modules() -> list[str]:
    import nntheory

    names = ["nntheory"]
    for m in pkgutil.walk_packages(nntheory.__path__, "nntheory."):
        if m.name.startswith("nntheory.studies"):
            continue
        names.append(m.name)
    return sorted(names)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def _api() -> None:
    lines = ["API reference", "=============", "",
             "Every module of the package, from its docstrings.", "", ".. toctree::",
             "   :maxdepth: 1", ""]
    for name in _modules():
        lines.append(f"   {name}")
        title = f"``{name}``"
        _write(HERE / "_api" / f"{name}.rst",
               f"{title}\n{'=' * len(title)}\n\n.. automodule:: {name}\n")
    _write(HERE / "_api" / "index.rst", "\n".join(lines) + "\n")


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _studies() -> None:
    from nntheory.report.mathtext import equation_svg
    from nntheory.study import get_study, study_names

    index = ["# Studies", "", "One page per study: what it reproduces, its theory, its claims "
             "with their sources, and how to run it.", "", "```{toctree}", ":maxdepth: 1", ""]
    for name in study_names():
        s = get_study(name)
        index.append(name)
        out = [f"# {s.TITLE}", "", f"`nntheory run {name}` · `make {name}` · "
               f"profiles {', '.join(s.profiles)}", ""]
        out += [p.strip().replace("\n", " ") + "\n" for p in
                getattr(s.module, "SUMMARY", "").strip().split("\n\n")]
        eqs = getattr(s.module, "EQUATIONS", ())
        if eqs:
            out += ["## Theory", ""]
            for i, (tex, caption) in enumerate(eqs):
                svg = f"{name}-eq{i}.svg"
                _write(HERE / "_studies" / svg, equation_svg(tex))
                out += [f"![equation {i + 1}]({svg})", "", caption, ""]
        for kind, heading in (("claim", "Published claims"), ("check", "Checks")):
            rows = [c for c in s.CLAIMS if c.kind == kind]
            if not rows:
                continue
            out += [f"## {heading}", "", "| id | statement | expected | source |",
                    "|---|---|---|---|"]
            out += [f"| `{c.id}` | {_md_escape(c.statement)} | {_md_escape(c.expected_text)} | "
                    f"{_md_escape(c.source)} |" for c in rows]
            out.append("")
        out += ["## Run it", "", "```bash", f"nntheory run {name}            # quick: "
                f"{s.config('quick').replicates} replicates",
                f"nntheory claims {name}", f"nntheory report {name}", "```", ""]
        refs = getattr(s.module, "REFERENCES", ())
        if refs:
            out += ["## References", ""] + [f"1. {r}" for r in refs] + [""]
        _write(HERE / "_studies" / f"{name}.md", "\n".join(out))
    _write(HERE / "_studies" / "index.md", "\n".join(index + ["```", ""]))


def _help() -> None:
    from nntheory.cli import build_parser

    _write(HERE / "_generated" / "help.txt", build_parser().format_help())


_api()
_studies()
_help()
