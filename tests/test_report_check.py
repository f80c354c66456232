"""The report checker's own logic (links, anchors, small text); its Chromium and pdftoppm
runs are `make check-reports`."""

from __future__ import annotations

from nntheory.report import check


def test_links_to_missing_files_and_anchors_are_problems(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "report.pdf").write_bytes(b"%PDF")
    (tmp_path / "a" / "index.html").write_text('<h2 id="claims">x</h2><a href="../index.html">')
    (tmp_path / "index.html").write_text(
        '<a href="a/index.html#claims">ok</a> <a href="a/report.pdf">ok</a> '
        '<a href="https://example.org">ok</a> <a href="#top">self</a> <p id="top"></p>'
        '<a href="a/index.html#nowhere">bad anchor</a> <img src="b/fig.svg">')
    problems = check.check_links(tmp_path / "index.html")
    assert len(problems) == 2
    assert "missing anchor: a/index.html#nowhere" in problems[0]
    assert "missing file: b/fig.svg" in problems[1]
    assert check.check_links(tmp_path / "a" / "index.html") == []


def test_words_under_seven_points_are_found():
    html = ('<word xMin="1" yMin="10.0" xMax="5" yMax="19.0">big</word>'
            '<word xMin="1" yMin="10.0" xMax="5" yMax="15.5">tiny</word>')
    assert check._small_words(html) == ["tiny"]


def test_a_legend_over_data_is_found_and_one_outside_is_not():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from nntheory.report import plots

    x = np.linspace(0, 1, 50)
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot(x, x, label="rising")
    ax.fill_between(x, x - 0.1, x + 0.1, alpha=0.2)
    ax.legend(loc="upper left")  # the line passes under the top left corner? no: clear
    clear = plots.legend_overlaps(fig)
    ax.legend(loc="center")  # right on the diagonal
    covered = plots.legend_overlaps(fig)
    plots.legend(ax)  # outside the axes
    outside = plots.legend_overlaps(fig)
    plt.close(fig)
    assert clear == [] and covered and outside == []
