"""Z-scores and reference curves against the values published by the WHO (Child Growth Standards tables)."""

import datetime

import pytest

from intramuros.clinical import charts, growth

BIRTH = datetime.date(2020, 1, 1)


def _on(days):
    return BIRTH + datetime.timedelta(days=days)


@pytest.mark.parametrize("indicator,sex,days,published", [
    # WHO simplified field tables: -3 SD, -2 SD, median, +2 SD, +3 SD
    ("wfa", "M", 0, [2.1, 2.5, 3.3, 4.4, 5.0]),          # boys weight-for-age, birth
    ("wfa", "M", 365, [6.9, 7.7, 9.6, 12.0, 13.3]),      # boys weight-for-age, 12 months
    ("lhfa", "F", 730, [76.7, 80.0, 86.4, 92.9, 96.1]),  # girls length-for-age, 24 months
    ("hcfa", "F", 0, [30.3, 31.5, 33.9, 36.2, 37.4]),    # girls head circumference, birth
    ("lhfa", "M", 3652, [118.7, 125.0, 137.8, 150.5, 156.9]),  # boys height-for-age, 10 years (WHO 2007)
])
def test_reference_curves_match_the_who_tables(indicator, sex, days, published):
    row = growth.lms(indicator, sex, days)
    assert [round(growth.value_at(row, z), 1) for z in (-3, -2, 0, 2, 3)] == published


def test_a_measure_on_the_median_has_a_zscore_of_zero():
    assert growth.zscore("wfa", sex="M", birth=BIRTH, on=BIRTH, value=3.3464) == 0.0


def test_zscores_of_known_measures():
    # 7.7 kg at 12 months is the WHO -2 SD (rounded) for boys; 12.0 kg the +2 SD
    assert growth.zscore("wfa", sex="M", birth=BIRTH, on=_on(365), value=7.7) == pytest.approx(-2.0, abs=0.06)
    assert growth.zscore("wfa", sex="M", birth=BIRTH, on=_on(365), value=12.0) == pytest.approx(2.0, abs=0.06)
    assert growth.zscore("lhfa", sex="F", birth=BIRTH, on=_on(730), value=86.4) == pytest.approx(0.0, abs=0.01)


def test_weight_zscores_beyond_3_sd_use_the_who_restricted_tail():
    # same result as the pygrowup calculator (WHO Anthro method) for a very heavy 400-day-old boy
    assert growth.zscore("wfa", sex="M", birth=BIRTH, on=_on(400), value=20) == 7.48


def test_outside_the_tables_there_is_no_zscore():
    assert growth.zscore("hcfa", sex="F", birth=BIRTH, on=_on(6 * 365), value=50) is None
    assert growth.zscore("wfa", sex="X", birth=BIRTH, on=_on(100), value=5) is None


def test_growth_chart_is_svg_with_who_lines_and_the_child_points():
    svg_charts = charts.growth_charts(sex="F", points={"wfa": [(30, 4.2), (120, 6.1), (365, 8.9)]})
    assert len(svg_charts) == 1
    svg = str(svg_charts[0].svg)
    assert svg.startswith("<svg") and svg.count("<polyline") == 6  # ±3 SD, ±2 SD, median, child
    assert svg.count('class="point"') == 3
