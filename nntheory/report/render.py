"""Build ``reports/<study>/{index.html, report.pdf, fig-*.svg, claims.json}`` and
``reports/index.html`` from stored results. Every file is written atomically."""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path

import jinja2

from nntheory.claims import VERDICT_RULE, judge
from nntheory.config import config_dict, config_hash
from nntheory.files import atomic_write
from nntheory.provenance import code_fingerprint, git_commit
from nntheory.report.figures import set_theme
from nntheory.report.ledger import finding, fmt, ledger_json, ledger_rows
from nntheory.report.mathtext import equation_svg, inline_math
from nntheory.study import Evidence, Study

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("nntheory.report", "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


_ENV.filters["fmt"] = fmt
_ENV.filters["math"] = inline_math  # $...$ in prose as inline SVG
_ENV.globals["NOTE"] = "#555"  # the colour of .note text (style.css), for its math


#: pages a study's PDF may take at ``quick`` (checked by ``make check-reports``)
PDF_PAGE_BUDGET = 6


def _provenance(study: Study, ev: Evidence) -> dict:
    """What produced the numbers: per replicate, the code fingerprint, commit and wall time;
    and the code that derives the metrics now."""
    metas = [ev.metas[s] for s in ev.seeds]
    fps = sorted({m.get("code_fingerprint", "?") for m in metas})
    commits = sorted({m.get("git_commit", "?") for m in metas})
    first = metas[0]
    return dict(
        seeds=list(ev.seeds),
        config_hash=first["config_hash"],
        fingerprints=fps,
        current_fingerprint=code_fingerprint(study.module),
        commits=commits,
        current_commit=git_commit(),
        created=sorted({m.get("created_utc", "?") for m in metas}),
        wall_time_s=round(sum(float(m.get("wall_time_s", 0.0)) for m in metas), 1),
        resumed=sum(m.get("checkpoints", {}).get("resumed", 0) for m in metas),
        computed=sum(m.get("checkpoints", {}).get("computed", 0) for m in metas),
        devices=sorted({_device_text(m["device"]) for m in metas}),
        versions=sorted({", ".join(f"{k} {v}" for k, v in m["versions"].items())
                         for m in metas}),
        replicate_blocks=sorted({tuple(m["replicate_block"]) for m in metas
                                 if m.get("replicate_block")}),
        from_peers=sum(m.get("checkpoints", {}).get("from_peers", 0) for m in metas),
    )


def _device_text(d: dict) -> str:
    return f"{d['platform']} · {d['kind']} × {d['count']} ({d['cores']} cores)"


def render_study(study: Study, cfg, ev: Evidence, profile: str | None, out_dir: str | Path,
                 overrides: dict | None = None) -> dict[str, Path]:
    """Write the study's report from its stored replicates (metrics and verdicts derived now);
    return the paths written (html, pdf, claims). Everything is built before anything is
    written, so a failure leaves the previous report whole."""
    from weasyprint import HTML

    from nntheory.runner import blame, stale_seeds

    overrides = overrides or {}
    judgements = judge(study.judged_at(profile), ev.seeds, ev.metrics.to_dict("records"))
    stale = stale_seeds(study, ev)
    not_judged = [c for c in study.CLAIMS if not c.judged_at(profile)]
    payload = ledger_json(study.name, profile, ev.seeds, judgements, stale,
                          [c.id for c in not_judged])
    payload.update(title=study.TITLE, config_hash=config_hash(study.name, cfg),
                   overrides=overrides)
    set_theme()
    with blame(f"{study.name}: figures"):
        figures = [(f, f.svg()) for f in study.figures(ev, cfg)]
    payload["n_figures"] = len(figures)
    key = getattr(study.module, "KEY_FIGURE", figures[0][0].name if figures else None)
    payload["key_figure"] = f"fig-{key}.svg" if key else None
    payload["finding"] = finding(payload)
    payload["built_utc"] = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    shown_in: dict[str, dict] = {}
    for i, (f, _) in enumerate(figures, 1):
        for c in f.claims:
            shown_in.setdefault(c, dict(name=f.name, number=i))
    claims_json = json.dumps(payload, indent=1, allow_nan=False)
    equations = [
        dict(svg=equation_svg(tex), caption=caption)
        for tex, caption in getattr(study.module, "EQUATIONS", ())
    ]
    diverged = (float(ev.metrics["diverged_members"].sum())
                if "diverged_members" in ev.metrics.columns else None)
    html = _ENV.get_template("study.html").render(
        study=study.name,
        title=study.TITLE,
        profile=profile,
        overrides=overrides,
        set_args=" ".join(f"--set {k}={json.dumps(v).replace(' ', '')}"
                          for k, v in overrides.items()),
        summary=getattr(study.module, "SUMMARY", "").strip().split("\n\n"),
        equations=equations,
        verdict_rule=VERDICT_RULE,
        headline=payload["headline"],
        finding=payload["finding"],
        counts=payload["counts"],
        claims=ledger_rows(judgements, "claim", shown_in),
        not_judged=[dict(id=c.id, profiles=", ".join(c.profiles), statement=c.statement)
                    for c in not_judged],
        checks=ledger_rows(judgements, "check", shown_in),
        figures=[dict(name=f.name, caption=f.caption, svg=svg, short=f.short, claims=f.claims)
                 for f, svg in figures],
        config=config_dict(cfg),
        prov=_provenance(study, ev),
        stale=stale,
        diverged=diverged,
        references=getattr(study.module, "REFERENCES", ()),
        kinds={c.id: c.kind for c in study.CLAIMS},
        css=_ENV.loader.get_source(_ENV, "style.css")[0],
    )
    out = Path(out_dir) / study.name
    pdf = HTML(string=html, base_url=str(out)).write_pdf()
    out.mkdir(parents=True, exist_ok=True)
    for f, svg in figures:
        atomic_write(out / f"fig-{f.name}.svg", svg)
    atomic_write(out / "index.html", html)
    atomic_write(out / "report.pdf", pdf)
    atomic_write(out / "claims.json", claims_json)
    return dict(html=out / "index.html", pdf=out / "report.pdf", claims=out / "claims.json")


def render_index(names: list[str], titles: dict[str, str], out_dir: str | Path) -> Path:
    """``reports/index.html``: the total over every study, then per study its finding, key
    figure, counts and links, where its report exists."""
    from importlib import metadata

    out = Path(out_dir)
    rows = []
    total = dict(holds=0, fragile=0, fails=0, total=0, checks=0, checks_hold=0)
    for name in names:
        row = dict(name=name, title=titles[name], built=False)
        p = out / name / "claims.json"
        if p.is_file():
            try:
                c = json.loads(p.read_text())
                row.update(
                    built=True, profile=c.get("profile"), config_hash=c["config_hash"],
                    seeds=c["seeds"], claims=c["claims"], counts=c["counts"],
                    headline=c["headline"], finding=c.get("finding", ""),
                    key_figure=c.get("key_figure"), built_utc=c.get("built_utc", ""),
                )
                for k in ("holds", "fragile", "fails", "total"):
                    total[k] += c["counts"]["claim"][k]
                total["checks"] += c["counts"]["check"]["total"]
                total["checks_hold"] += c["counts"]["check"]["holds"]
            except (ValueError, KeyError, TypeError):
                row.update(error="claims.json is unreadable: rebuild with `nntheory report`")
        rows.append(row)
    try:
        version = metadata.version("nntheory")
    except metadata.PackageNotFoundError:
        version = "not installed"
    html = _ENV.get_template("index.html").render(
        rows=rows, total=total, version=version, commit=git_commit(),
        built=_dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        css=_ENV.loader.get_source(_ENV, "style.css")[0],
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
        details={r["name"]: json.dumps(r["details"], indent=1, default=fmt)
                 for r in payload["records"]},
    )
    atomic_write(out / "index.html", html)
    atomic_write(out / "report.pdf", HTML(string=html, base_url=str(out)).write_pdf())
    return out / "index.html"
