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


def test_print_problems_name_size_small_text_and_raw_labels():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nntheory.report.figures import COLUMN_IN, print_problems, set_theme

    set_theme()
    fig, ax = plt.subplots(figsize=(COLUMN_IN - 0.3, 3.0))
    ax.plot([1, 2, 3], [3, 1, 2])
    ax.set(xlabel="width of the hidden layer", ylabel="test error")
    assert print_problems(fig) == []
    ax.set_ylabel("test_accuracy")
    ax.text(1, 1, "footnote", fontsize=5)
    fig.set_size_inches(13, 6)
    found = " | ".join(print_problems(fig))
    plt.close(fig)
    assert "in wide" in found and "in tall" in found and "5.0 pt" in found
    assert "'test_accuracy'" in found


def test_legend_below_under_constrained_layout_gets_its_own_room():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nntheory.report import plots
    from nntheory.report.figures import print_problems, set_theme

    set_theme()
    fig, (top, bottom), axes = plots.rows(2, 2, figsize=(7.0, 3.0))
    assert fig.get_size_inches().tolist() == [7.0, 3.0] and [len(a) for a in axes] == [2, 2]
    for sub in (top, bottom):
        for ax in sub.axes:
            ax.plot([1, 2, 3], [3, 1, 2], label="a line")
            ax.plot([1, 2, 3], [1, 2, 3], label="another")
            ax.set(xlabel="width of the hidden layer", ylabel="test error")
    top.axes[0].legend()  # an axes' own legend (seaborn draws one) gives way to the figure's
    plots.legend_below(top)  # between the rows, labels once
    fig.canvas.draw()
    (leg,) = top.legends
    box, ticks = leg.get_window_extent(), top.axes[0].get_tightbbox()
    found = print_problems(fig)
    plt.close(fig)
    assert [t.get_text() for t in leg.get_texts()] == ["a line", "another"]
    assert top.axes[0].get_legend() is None
    assert box.y1 <= ticks.y0 + 1 and box.y0 >= bottom.axes[0].get_tightbbox().y1 - 1
    assert found == []


def test_log_color_scale_colours_by_decade_and_adds_one_colour_bar():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from nntheory.report import plots

    fig, ax = plt.subplots(figsize=(4, 3))
    color = plots.log_color_scale(fig, ax, [1e2, 1e4, 1e6], "viridis", "compute C (FLOPs)")
    cmap = matplotlib.colormaps["viridis"]
    lo, mid, hi = color(1e2), color(1e4), color([1e6])[0]
    n_axes, label = len(fig.axes), fig.axes[-1].get_ylabel()
    plt.close(fig)
    assert np.allclose(lo, cmap(0.0)) and np.allclose(mid, cmap(0.5)) and np.allclose(hi, cmap(1.0))
    assert n_axes == 2 and label == "compute C (FLOPs)"


def test_log_curves_draws_labels_and_makes_room_for_the_legend():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from nntheory.report import plots

    df = pd.DataFrame(dict(k=[1, 2, 3], a=[2, 4, 8], b=[3, 5, 7]))
    fig, axes = plt.subplots(1, 2)
    plots.log_curves(axes, df, "k", [
        ([("a", "o-", "doubling"), ("b", "s", "odd")], "k", "count", "one", "upper left", 1e3),
        ([("b", "o", "odd")], "depth k", "count", "two", "lower right", None)])
    fig.canvas.draw()
    a, b = axes
    assert a.get_yscale() == "log" and a.get_ylim()[1] == 1e3 and b.get_ylim()[1] < 10
    assert [t.get_text() for t in a.get_legend().get_texts()] == ["doubling", "odd"]
    assert (a.get_xlabel(), a.get_ylabel(), b.get_title()) == ("k", "count", "two")
    assert plots.legend_overlaps(fig) == []
    plt.close(fig)
