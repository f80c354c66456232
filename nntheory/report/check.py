"""Check the reports as a reader sees them: ``python -m nntheory.report.check [reports]``
(``make check-reports``).

* every HTML page (``reports/index.html`` and each study's) is rendered in headless Chromium
  (Debian's ``chromium``): no image may fail to load, and the page may not be wider than a
  1280-pixel window;
* every link of every page points at a file that exists and, for ``#anchor``, at an element
  that exists;
* every PDF is rendered page by page with ``pdftoppm`` (Debian's ``poppler-utils``), has at most
  :data:`~nntheory.report.render.PDF_PAGE_BUDGET` pages, and no text set below 7 pt.

Prints one line per problem and a summary; exits 1 if there is any problem, 2 if a tool is
missing.
"""

from __future__ import annotations

import html.parser
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

from nntheory.report.render import PDF_PAGE_BUDGET

WINDOW = (1280, 900)
MIN_FONT_PT = 7.0
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync")

# Appended to a copy of each page: after load, write what the reader would meet into the DOM.
PROBE = """<script>
window.addEventListener("load", () => {
  const bad = [...document.images].filter(i => !(i.complete && i.naturalWidth > 0))
    .map(i => i.getAttribute("src"));
  const out = {broken_images: bad, scroll_width: document.documentElement.scrollWidth,
               window_width: window.innerWidth};
  const pre = document.createElement("pre");
  pre.id = "nntheory-check"; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        for key in ("href", "src"):
            if a.get(key) and tag in ("a", "img", "link", "script"):
                self.links.append(a[key])


def _parse(path: Path) -> _Links:
    p = _Links()
    p.feed(path.read_text())
    return p


def check_links(page: Path) -> list[str]:
    """Links and images of ``page`` that point nowhere."""
    problems = []
    parsed = _parse(page)
    for link in parsed.links:
        u = urlparse(link)
        if u.scheme in ("http", "https", "mailto", "data"):
            continue
        target = page if not u.path else (page.parent / unquote(u.path)).resolve()
        if not target.exists():
            problems.append(f"{page}: link to a missing file: {link}")
        elif u.fragment and target.suffix == ".html" and u.fragment not in _parse(target).ids:
            problems.append(f"{page}: link to a missing anchor: {link}")
    return problems


def check_page(page: Path, chromium: str) -> list[str]:
    """Render ``page`` in headless Chromium; report broken images and a page wider than the
    window."""
    with tempfile.TemporaryDirectory() as tmp:
        probe = page.with_name(f".check-{page.name}")
        probe.write_text(page.read_text().replace("</body>", PROBE + "</body>"))
        try:
            out = subprocess.run(
                [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp}",
                 f"--window-size={WINDOW[0]},{WINDOW[1]}", "--virtual-time-budget=10000",
                 "--dump-dom", probe.resolve().as_uri()],
                capture_output=True, text=True, timeout=120).stdout
        finally:
            probe.unlink(missing_ok=True)
    start = out.find('<pre id="nntheory-check">')
    if start < 0:
        return [f"{page}: Chromium did not finish rendering the page"]
    text = out[start:].split(">", 1)[1].split("</pre>", 1)[0]
    found = json.loads(html.unescape(text))
    problems = [f"{page}: image does not load: {src}" for src in found["broken_images"]]
    if found["scroll_width"] > found["window_width"]:
        problems.append(f"{page}: wider than the window ({found['scroll_width']} px in "
                        f"{found['window_width']} px)")
    return problems


def check_pdf(pdf: Path) -> list[str]:
    """Pages over the budget, pages that do not render, and text set below 7 pt."""
    problems = []
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, timeout=60)
    pages = int(next(line.split()[1] for line in info.stdout.splitlines()
                     if line.startswith("Pages:")))
    if pages > PDF_PAGE_BUDGET:
        problems.append(f"{pdf}: {pages} pages, over the budget of {PDF_PAGE_BUDGET}")
    with tempfile.TemporaryDirectory() as tmp:
        r = subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), f"{tmp}/p"],
                           capture_output=True, text=True, timeout=300)
        rendered = len(list(Path(tmp).glob("p*.png")))
        if r.returncode != 0 or rendered != pages:
            problems.append(f"{pdf}: {rendered} of {pages} pages rendered ({r.stderr.strip()})")
        bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), f"{tmp}/b.html"],
                              capture_output=True, text=True, timeout=300)
        if bbox.returncode == 0:
            small = _small_words(Path(f"{tmp}/b.html").read_text())
            if small:
                problems.append(f"{pdf}: {len(small)} words set below {MIN_FONT_PT:g} pt, "
                                f"e.g. {small[0]}")
    return problems


def _small_words(bbox_html: str) -> list[str]:
    """Words whose box is shorter than :data:`MIN_FONT_PT` (a word's box is about 1.1–1.2 × its
    font size high, so this is lenient)."""
    import re

    out = []
    for m in re.finditer(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">'
                         r'([^<]*)</word>', bbox_html):
        if float(m.group(2)) - float(m.group(1)) < MIN_FONT_PT:
            out.append(m.group(3))
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    root = Path(argv[0] if argv else "reports")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    missing = [t for t, found in (("chromium", chromium), ("pdftoppm", shutil.which("pdftoppm")),
                                   ("pdfinfo", shutil.which("pdfinfo"))) if not found]
    if missing:
        print(f"check-reports: missing {', '.join(missing)} (make check-reports installs them)",
              file=sys.stderr)
        return 2
    pages = sorted(root.glob("*/index.html")) + [root / "index.html"]
    pages = [p for p in pages if p.is_file()]
    if not pages:
        print(f"check-reports: no reports in {root}: run make quick first", file=sys.stderr)
        return 2
    problems = []
    for page in pages:
        problems += check_links(page) + check_page(page, chromium)
    pdfs = sorted(root.glob("*/report.pdf"))
    for pdf in pdfs:
        problems += check_pdf(pdf)
    for p in problems:
        print(p)
    print(f"check-reports: {len(pages)} pages, {len(pdfs)} PDFs, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
