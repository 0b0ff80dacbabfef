"""The SVG charts: titled, labelled, escaped, and readable without colour."""

from __future__ import annotations

import re

from helpdesk.reports.charts import bar_chart, line_chart, sparkline


def test_a_bar_chart_has_its_title_axis_and_one_bar_per_value():
    svg = str(
        bar_chart(
            "Tickets",
            ["1 nov", "2 nov"],
            [("Abiertos", [3, 0]), ("Resueltos", [1, 2])],
            y_label="Tickets",
        )
    )
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert re.search(r'<title id="chart-\d+">Tickets</title>', svg)
    assert svg.count("<rect x=") - svg.count('width="12" height="10"') == 3  # zero draws nothing
    assert "Abiertos · 1 nov: 3" in svg
    assert 'text-anchor="end" fill="#6b7280">4</text>' in svg  # the axis top: whole numbers
    hatch = re.search(r'pattern id="(chart-\d+-hatch)"', svg).group(1)
    assert f"url(#{hatch})" in svg  # the second series is hatched, for black-and-white print


def test_every_chart_has_its_own_pattern_and_names_are_escaped():
    first = str(bar_chart("a", ["x"], [("s", [1]), ("t", [1])], y_label="n"))
    second = str(bar_chart("<script>alert(1)</script>", ["<b>"], [("s", [1])], y_label="n"))
    ids = re.findall(r'pattern id="([^"]+)"', first + second)
    assert len(ids) == len(set(ids)) == 2
    assert "<script>" not in second and "&lt;script&gt;" in second


def test_a_line_chart_leaves_gaps_and_dashes_the_second_line():
    svg = str(
        line_chart(
            "SLA",
            ["a", "b", "c"],
            [("uno", [50, None, 100]), ("dos", [None, None, None])],
            y_label="%",
            y_max=100,
        )
    )
    assert svg.count("<polyline") == 1  # the empty series draws no line
    assert 'stroke-dasharray="6 4"' in svg  # in the legend, for the second series
    assert ">100</text>" in svg


def test_a_sparkline_is_small_and_labelled():
    svg = str(sparkline([0, 2, 1], label="Tickets por día: Quejas"))
    assert 'aria-label="Tickets por día: Quejas"' in svg and 'width="96"' in svg
