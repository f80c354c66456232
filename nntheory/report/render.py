"""Build ``reports/<study>/{index.html, report.pdf, fig-*.svg, claims.json}`` and
``reports/index.html`` from stored results. Every file is written atomically."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import jinja2

from nntheory.report.figures import set_theme
from nntheory.report.mathtext import equation_svg
from nntheory.study import Study, Verdict

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("nntheory.report", "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _fmt(x) -> str:
    if x is None:
        return "—"
    if isinstance(x, float):
        if x != x:
            return "NaN"
        return f"{x:.4g}"
    return str(x)


_ENV.filters["fmt"] = _fmt


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write to a temporary name in the same folder, then rename over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def expected_pdf_pages(n_figures: int) -> int:
    """The layout puts the overview, the claims, each figure, and the provenance on pages of
    their own; a section that overflows its page shows up as an extra page."""
    return 3 + n_figures


def render_study(study: Study, cfg, results, meta: dict, verdicts: list[Verdict],
                 out_dir: str | Path) -> dict[str, Path]:
    """Write the study's report; return the paths written (html, pdf, claims)."""
    from weasyprint import HTML

    out = Path(out_dir) / study.name
    out.mkdir(parents=True, exist_ok=True)
    set_theme()
    figures = [(f, f.svg()) for f in study.figures(results, cfg)]
    for f, svg in figures:
        atomic_write(out / f"fig-{f.name}.svg", svg)
    equations = [
        dict(svg=equation_svg(tex), caption=caption)
        for tex, caption in getattr(study.module, "EQUATIONS", ())
    ]
    html = _ENV.get_template("study.html").render(
        study=study.name,
        title=study.TITLE,
        summary=getattr(study.module, "SUMMARY", "").strip().split("\n\n"),
        equations=equations,
        verdicts=[v.as_row() for v in verdicts],
        n_pass=sum(v.passed for v in verdicts),
        figures=[dict(name=f.name, caption=f.caption, svg=svg) for f, svg in figures],
        config=meta["config"],
        meta=meta,
        diverged=results.metrics.get("diverged_members"),
        references=getattr(study.module, "REFERENCES", ()),
        css=_ENV.loader.get_source(_ENV, "style.css")[0],
    )
    atomic_write(out / "index.html", html)
    pdf = HTML(string=html, base_url=str(out)).write_pdf()
    atomic_write(out / "report.pdf", pdf)
    claims = dict(
        study=study.name, title=study.TITLE, profile=meta.get("profile"),
        config_hash=meta["config_hash"], seed=meta["seed"],
        n_figures=len(figures),
        verdicts=[{k: v for k, v in v.as_row().items()} for v in verdicts],
    )
    atomic_write(out / "claims.json", json.dumps(claims, indent=1, default=_fmt))
    return dict(html=out / "index.html", pdf=out / "report.pdf", claims=out / "claims.json")


def render_index(names: list[str], titles: dict[str, str], out_dir: str | Path) -> Path:
    """``reports/index.html``: every study, with its claim verdicts where its report exists."""
    out = Path(out_dir)
    rows = []
    for name in names:
        row = dict(name=name, title=titles[name], built=False)
        p = out / name / "claims.json"
        if p.is_file():
            try:
                c = json.loads(p.read_text())
                row.update(
                    built=True, profile=c.get("profile"), config_hash=c["config_hash"],
                    seed=c["seed"], verdicts=c["verdicts"],
                    n_pass=sum(bool(v["passed"]) for v in c["verdicts"]),
                )
            except (ValueError, KeyError, TypeError):
                row.update(error="claims.json is unreadable: rebuild with `nntheory report`")
        rows.append(row)
    html = _ENV.get_template("index.html").render(
        rows=rows, css=_ENV.loader.get_source(_ENV, "style.css")[0]
    )
    atomic_write(out / "index.html", html)
    return out / "index.html"


def render_benchmarks(payload: dict, out_dir: str | Path) -> Path:
    """``reports/benchmarks/{index.html, report.pdf}`` from the payload of
    ``benchmarks/run_all.py`` (machine, records)."""
    from weasyprint import HTML

    out = Path(out_dir)
    html = _ENV.get_template("benchmarks.html").render(
        payload=payload, css=_ENV.loader.get_source(_ENV, "style.css")[0],
        details={r["name"]: json.dumps(r["details"], indent=1, default=_fmt)
                 for r in payload["records"]},
    )
    atomic_write(out / "index.html", html)
    atomic_write(out / "report.pdf", HTML(string=html, base_url=str(out)).write_pdf())
    return out / "index.html"
