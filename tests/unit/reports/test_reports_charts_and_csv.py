"""Chart geometry and the CSV writer, without an app."""
import csv
import io

import pytest

from lms_module.reports import charts
from lms_module.reports.exports import BOM, csv_lines, safe_text


def test_nice_steps():
    assert charts.nice_step(0) == 1.0
    assert charts.nice_step(10) == 2
    assert charts.nice_step(23) == 5
    assert charts.nice_step(1.0) == pytest.approx(0.2)
    assert charts.nice_step(4500) == 1000


def test_bars_are_proportional_and_sit_on_the_baseline():
    chart = charts.bar_chart([("a", 0, "0"), ("b", 5, "5"), ("c", 10, "10")], whole_ticks=True)
    a, b, c = chart.bars
    assert a.height == 0 and a.y == chart.baseline
    assert c.height == pytest.approx(2 * b.height)
    assert c.y + c.height == pytest.approx(chart.baseline)
    assert a.x < b.x < c.x and all(bar.width > 0 for bar in chart.bars)
    assert chart.ticks[0].label == "0" and chart.ticks[-1].label == "10"


def test_fixed_axis_for_fractions_and_an_empty_chart():
    chart = charts.bar_chart([("t", 0.5, "50 %")], axis_max=1.0, tick_label=lambda v: f"{round(v * 100)} %")
    assert [t.label for t in chart.ticks] == ["0 %", "25 %", "50 %", "75 %", "100 %"]
    assert chart.bars[0].height == pytest.approx((chart.baseline - charts.TOP) / 2)
    empty = charts.bar_chart([], whole_ticks=True)
    assert empty.bars == [] and empty.ticks


def test_csv_has_a_bom_commas_and_quotes():
    text = "".join(csv_lines(["Name", "Note"], [["Jürgen Müller", 'says "hi", then leaves'], ["Zoë", None]]))
    assert text.startswith(BOM)
    rows = list(csv.reader(io.StringIO(text[len(BOM):])))
    assert rows == [["Name", "Note"], ["Jürgen Müller", 'says "hi", then leaves'], ["Zoë", ""]]
    assert "\r\n" in text


def test_csv_numbers_booleans_and_many_rows():
    text = "".join(csv_lines(["n", "x", "ok"], ([i, i / 4, i % 2 == 0] for i in range(1200)), chunk=500))
    rows = list(csv.reader(io.StringIO(text[len(BOM):])))
    assert len(rows) == 1201
    assert rows[3] == ["2", "0.5", "1"] and rows[2] == ["1", "0.25", "0"]


def test_formula_injection_is_neutralised_but_negative_numbers_are_kept():
    assert safe_text("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert safe_text("+49 30 1234") == "'+49 30 1234"
    assert safe_text("@SUM(A1)") == "'@SUM(A1)"
    assert safe_text("-A1+B1") == "'-A1+B1"
    assert safe_text("-12,5") == "-12,5"
    assert safe_text("Müller") == "Müller"
