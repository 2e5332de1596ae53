"""The 数据中心 trend chart's value axis: counts get whole-number ticks, and the top sits just above
the highest value."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from workbench.ui.reports.charts import PALETTE, Series, TrendChart, axis
from workbench.ui.theme import colour


@pytest.mark.parametrize("high", [1, 2, 3, 4, 5, 7, 9, 10, 13, 17, 23, 48, 51, 99, 130, 240, 999, 1234, 98765])
def test_counts_get_whole_number_ticks_on_an_axis_just_above_the_highest(high: int) -> None:
    top, parts = axis(high, integral=True)
    assert 2 <= parts <= 5
    assert top >= high
    step = top / parts
    assert step.is_integer()
    assert top - high < step or top == 2  # no empty grid band above the highest value (1 shows as 0 1 2)
    assert int(step) in {m * 10**n for m in (1, 2, 5) for n in range(6)}  # a round step


def test_other_values_get_four_parts_up_to_a_round_top() -> None:
    assert axis(0.7, integral=False) == (1.0, 4)
    assert axis(37.5, integral=False) == (50.0, 4)


def test_two_series_with_the_same_values_both_show(qtbot: QtBot) -> None:
    chart = TrendChart()
    qtbot.addWidget(chart)
    chart.resize(520, 240)
    same = (1.0, 0.0, 2.0)
    chart.set_data(
        "每日咨询与接待人数", ["12-01", "12-02", "12-03"], [Series("咨询人数", same), Series("接待人数", same)]
    )
    image = chart.grab().toImage()
    below_legend = range(60, image.height())  # the legend's swatches show both colours anyway
    pixels = [image.pixelColor(x, y) for x in range(image.width()) for y in below_legend]
    for name in PALETTE[:2]:
        want = colour(name)
        near = [
            c
            for c in pixels
            if abs(c.red() - want.red()) + abs(c.green() - want.green()) + abs(c.blue() - want.blue()) < 40
        ]
        assert len(near) > 20, name  # more than the anti-aliased edge of the line drawn over it
    assert "咨询人数: 12-01 1, 12-02 0, 12-03 2" in chart.accessibleDescription()
