"""The figures the pages draw, read back from hand-made frames: which series, which numbers,
where the quota and marker lines sit, and that names are drawn as typed."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from forecast import charts, funnel_charts
from forecast.charts import COLORS
from forecast.whatif import charts as whatif_charts

ANN = "&lt;b&gt;Ann&lt;/b&gt;"  # "<b>Ann</b>" escaped for plotly's tags


def _team(n: int = 2) -> pd.DataFrame:
    return pd.DataFrame({
        "member_id": [f"M{i}" for i in range(n)],
        "label": ["<b>Ann</b>"] + [f"Rep {i}" for i in range(1, n)],
        "closed_amount": np.arange(n) + 100.0, "commit_amount": np.arange(n) + 200.0,
        "upside": np.arange(n) + 300.0, "pipeline_amount": np.arange(n) + 400.0,
        "quota_amount": [1000.0] + [np.nan] * (n - 1),
        "best_case_forecast": np.arange(n) + 600.0})


def _quota_lines(fig: go.Figure) -> list[tuple[float, str]]:
    """(y, label) of each horizontal line across the plot."""
    lines = [(s.y0, s.y1, s.x0, s.x1, s.xref, s.line.dash) for s in fig.layout.shapes]
    assert all(y0 == y1 and (x0, x1, xref, dash) == (0, 1, "x domain", "dash")
               for y0, y1, x0, x1, xref, dash in lines)
    notes = [(a.y, a.text, a.x, a.xanchor, a.xref) for a in fig.layout.annotations]
    assert all((x, anchor, xref) == (1, "right", "x domain") for _, _, x, anchor, xref in notes)
    assert [y for y, *_ in lines] == [y for y, *_ in notes]
    return [(y, text) for y, text, *_ in notes]


# ---- Overview and Roll-up ---------------------------------------------------------------------


def test_team_bars_stack_each_members_numbers_beside_their_quota():
    fig = charts.commit_upside_bars(_team())
    assert [(t.type, t.name) for t in fig.data] == [
        ("bar", "Closed"), ("bar", "Commit"), ("bar", "Upside (Best Case)"),
        ("bar", "Pipeline"), ("scatter", "Quota")]
    assert all(list(t.x) == [ANN, "Rep 1"] for t in fig.data)
    assert [list(t.y) for t in fig.data[:4]] == [[100, 101], [200, 201], [300, 301], [400, 401]]
    assert [t.marker.color for t in fig.data] == [COLORS[c] for c in (
        "closed", "commit", "best_case", "pipeline", "quota")]
    quota = fig.data[4]
    assert quota.y[0] == 1000 and math.isnan(quota.y[1])
    assert (quota.mode, quota.marker.symbol) == ("markers", "line-ew-open")
    # a click on a bar says whose deals and which column
    assert fig.data[1].customdata == (["M0", "commit_amount"], ["M1", "commit_amount"])
    assert quota.customdata == (["M0", "all"], ["M1", "all"])
    layout = fig.layout
    assert (layout.barmode, layout.hovermode, layout.title.text) == (
        "stack", "closest", "Commit and upside by team member")
    assert (layout.yaxis.tickprefix, layout.yaxis.tickformat) == ("$", "~s")
    assert layout.template.layout.plot_bgcolor == "white"


def test_more_members_than_bars_are_summed_into_others():
    team = _team(charts.MAX_BARS + 2)
    fig = charts.commit_upside_bars(team)
    closed = fig.data[0]
    assert len(closed.x) == charts.MAX_BARS and closed.x[-1] == "Others"
    # the largest best case first; the three smallest (100, 101, 102 closed) are Others
    assert list(closed.y[:2]) == [161, 160] and closed.y[-1] == 100 + 101 + 102
    assert pd.isna(closed.customdata[-1][0])  # not one member whose deals a click lists


def test_trend_lines_draw_the_quota_only_when_there_is_one():
    trend = pd.DataFrame({"as_of_date": pd.to_datetime(["2026-10-02", "2026-10-09"]),
                          "closed_amount": [1.0, 2.0], "commit_forecast": [3.0, 4.0],
                          "best_case_forecast": [5.0, 6.0]})
    fig = charts.weekly_trend_lines(trend, 500.0, "Week by week in <Q4>")
    assert [(t.name, list(t.y)) for t in fig.data] == [
        ("Closed", [1, 2]), ("Commit forecast", [3, 4]), ("Best Case forecast", [5, 6])]
    assert all(t.mode == "lines+markers" and t.line.width == 3 for t in fig.data)
    assert _quota_lines(fig) == [(500, "Quota")]
    assert fig.layout.shapes[0].line.color == COLORS["quota"]
    assert fig.layout.barmode is None and fig.layout.title.text == "Week by week in <Q4>"
    for quota in (None, float("nan")):
        fig = charts.weekly_trend_lines(trend, quota, "T")
        assert fig.layout.shapes == () and fig.layout.annotations == ()
    assert _quota_lines(charts.weekly_trend_lines(trend, 0.0, "T")) == [(0, "Quota")]


def test_icicle_boxes_hang_under_their_manager_inside_the_team():
    nodes = pd.DataFrame({"person_id": ["A", "B", "C"], "manager_id": ["X", "A", "A"],
                          "name": ["<b>Ann</b>", "Bob", "Cy"],
                          "open_pipeline": [10.0, 6.0, -1.0], "attainment": [0.5, np.nan, 1.2]})
    (box,) = charts.hierarchy_icicle(nodes).data
    assert box.type == "icicle"
    assert list(box.parents) == ["", "A", "A"]  # the root's own manager is outside the team
    assert list(box.labels) == [ANN, "Bob", "Cy"]
    assert list(box.values) == [10, 6, 0] and list(box.marker.colors) == [0.5, 0, 1.2]
    assert box.marker.colorbar.title.text == "attainment"
    # the product's own small template, like every other chart, not plotly's full default
    assert charts.hierarchy_icicle(nodes).layout.template == charts.template()


def test_comparison_lines_stress_the_current_period():
    trend = pd.DataFrame({"period_id": ["2026-Q4", "2026-Q4", "2026-Q3", "2026-Q3"],
                          "week": [1, 2, 1, 2], "commit_forecast": [1.0, 2.0, 3.0, 4.0]})
    fig = charts.period_comparison_lines(trend, 250.0, "commit_forecast", "C")
    assert [(t.name, list(t.x), list(t.y), t.line.width, t.line.dash) for t in fig.data] == [
        ("2026-Q4", [1, 2], [1, 2], 3, "solid"), ("2026-Q3", [1, 2], [3, 4], 1.5, "dot")]
    assert _quota_lines(fig) == [(250, "Quota")]
    assert fig.layout.xaxis.title.text == "week of the period"
    assert fig.layout.yaxis.tickprefix == "$"


def test_accuracy_lines_are_shares_by_week():
    weeks = pd.DataFrame({"week": [1, 2], "accuracy": [0.9, 0.8], "bias": [0.1, -0.2]})
    fig = charts.accuracy_by_week_lines(weeks)
    assert [(t.name, list(t.y)) for t in fig.data] == [("Accuracy", [0.9, 0.8]),
                                                       ("Bias", [0.1, -0.2])]
    assert fig.layout.yaxis.tickformat == ".0%"
    assert fig.layout.xaxis.title.text == "week of the period"


# ---- Funnel -----------------------------------------------------------------------------------


def test_a_split_funnel_draws_the_largest_splits_each_as_typed():
    splits = ["<b>Web</b>"] + [f"S{i}" for i in range(1, 8)]
    steps = pd.DataFrame({"split_value": np.repeat(splits, 2), "label": ["MQL", "<SQL>"] * 8,
                          "entrants": [10, 5, 80, 40, 70, 35, 60, 30, 50, 25, 40, 20, 30, 15,
                                       20, 10]})
    fig = funnel_charts.funnel_chart(steps, "F")
    assert [t.name for t in fig.data] == ["S1", "S2", "S3", "S4", "S5", "S6"]
    assert list(fig.data[0].x) == [80, 40] and list(fig.data[0].y) == ["MQL", "&lt;SQL&gt;"]
    assert all(t.showlegend is None and t.marker.color is None for t in fig.data)
    (alone,) = funnel_charts.funnel_chart(steps[steps.split_value == "<b>Web</b>"]).data
    assert alone.name == "&lt;b&gt;Web&lt;/b&gt;" and list(alone.x) == [10, 5]
    assert (alone.marker.color, alone.showlegend) == (COLORS["commit"], False)
    assert alone.textinfo == "value+percent initial"


def test_leak_bars_put_the_largest_leak_on_top():
    ranking = pd.DataFrame({"name": ["<b>SQL</b> → Deal", "MQL → SRL"],
                            "leak_usd": [900.0, 100.0], "rate": [0.1, 0.3],
                            "reference": [0.2, 0.4]})
    (bars,) = funnel_charts.leak_bars(ranking).data
    assert bars.orientation == "h" and bars.marker.color == COLORS["quota"]
    assert list(bars.y) == ["MQL → SRL", "&lt;b&gt;SQL&lt;/b&gt; → Deal"]  # drawn bottom up
    assert list(bars.x) == [100, 900]
    assert bars.customdata.tolist() == [[0.3, 0.4], [0.1, 0.2]]
    fig = funnel_charts.leak_bars(ranking)
    assert (fig.layout.xaxis.tickprefix, fig.layout.title.text) == (
        "$", "Leaks ranked by value lost")


def test_speed_and_velocity_put_the_rate_on_a_second_axis():
    buckets = pd.DataFrame({"bucket": ["< 5 min", "> 1 h"], "leads": [5, 9],
                            "conv_next": [0.5, 0.25]})
    leads, conversion = funnel_charts.response_bars(buckets).data
    assert (leads.type, leads.name, list(leads.y)) == ("bar", "Leads", [5, 9])
    assert (conversion.yaxis, list(conversion.y)) == ("y2", [0.5, 0.25])
    trend = pd.DataFrame({"window_id": ["2026-Q2", "2026-Q3"],
                          "sales_velocity_usd_per_day": [100.0, 250.0], "win_rate": [0.2, 0.3]})
    fig = funnel_charts.velocity_trend(trend)
    velocity, win_rate = fig.data
    assert (velocity.name, list(velocity.y), velocity.marker.color) == (
        "Sales velocity", [100, 250], COLORS["closed"])
    assert (win_rate.name, win_rate.yaxis, list(win_rate.y)) == ("Win rate", "y2", [0.2, 0.3])
    assert fig.layout.xaxis.type == "category"
    assert (fig.layout.yaxis.tickprefix, fig.layout.yaxis.tickformat) == ("$", "~s")
    assert (fig.layout.yaxis2.overlaying, fig.layout.yaxis2.side,
            fig.layout.yaxis2.tickformat) == ("y", "right", ".0%")


def test_days_in_stage_bars_carry_the_quartiles_as_error_bars():
    stages = pd.DataFrame({"stage_name": ["Pro<b>", "Neg"], "median_days": [3.0, 5.5],
                           "p25_days": [1.0, 2.0], "p75_days": [7.0, 9.0]})
    fig = funnel_charts.time_in_stage_bars(stages)
    (bars,) = fig.data
    assert list(bars.x) == ["Pro&lt;b&gt;", "Neg"] and list(bars.y) == [3, 5.5]
    assert (list(bars.error_y.array), list(bars.error_y.arrayminus)) == ([4, 3.5], [2, 3.5])
    assert fig.layout.yaxis.title.text == "days"


# ---- What-if ----------------------------------------------------------------------------------


def test_distribution_draws_a_line_per_known_marker():
    hist = whatif_charts.histogram({"Baseline": np.array([1.0, 2.0, 3.0, 3.0]),
                                    "Scenario": np.array([2.0, 4.0])}, bins=3)
    markers = {"P10": 1.5, "P50": 2.0, "P90": float("inf"), "Quota": 3.5, "Call": None}
    fig = whatif_charts.distribution_figure(hist, markers)
    base, scenario = fig.data
    assert (base.name, base.opacity, scenario.name, scenario.opacity) == (
        "Baseline", 0.55, "Scenario", 0.8)
    assert list(base.x) == [1.5, 2.5, 3.5] and list(base.y) == [0.25, 0.25, 0.5]
    assert list(scenario.y) == [0, 0.5, 0.5] and list(base.width) == [1, 1, 1]
    assert [(s.x0, s.x1, s.y0, s.y1, s.yref, s.line.color, s.line.dash)
            for s in fig.layout.shapes] == [
        (1.5, 1.5, 0, 1, "paper", "#334155", "dot"), (2.0, 2.0, 0, 1, "paper", "#334155", "dot"),
        (3.5, 3.5, 0, 1, "paper", COLORS["quota"], "dash")]
    assert [(a.x, a.text) for a in fig.layout.annotations] == [
        (1.5, "P10"), (2.0, "P50"), (3.5, "Quota")]
    assert (fig.layout.barmode, fig.layout.bargap) == ("overlay", 0)
    assert fig.layout.xaxis.tickprefix == "$" and fig.layout.yaxis.tickformat == ".0%"


def test_backtest_shades_the_range_under_the_p50_and_the_call():
    weeks = pd.DataFrame({"week": [1, 2], "p10": [1.0, 2.0], "p50": [2.0, 3.0],
                          "p90": [3.0, 4.0], "call_commit": [2.5, np.nan], "actual": [2.2, 2.2]})
    fig = whatif_charts.backtest_figure(weeks, "2026-Q3")
    assert [(t.name, list(t.y)[:1]) for t in fig.data] == [
        (None, [3]), ("P10-P90", [1]), ("P50", [2]), ("Submitted call", [2.5]),
        ("Actually closed", [2.2])]
    assert fig.data[0].showlegend is False and fig.data[1].fill == "tonexty"
    assert fig.layout.yaxis.tickprefix == "$" and fig.layout.title.text == "2026-Q3"
    by_week = pd.DataFrame({"week": [1, 2], "accuracy": [0.8, 0.9],
                            "call_accuracy": [0.7, 0.6], "in_range": [1.0, 0.5]})
    fig = whatif_charts.accuracy_figure(by_week)
    assert [(t.name, list(t.y)) for t in fig.data] == [
        ("Method (P50)", [0.8, 0.9]), ("Submitted call", [0.7, 0.6]),
        ("Actual inside P10-P90", [1, 0.5])]
    assert fig.layout.yaxis.range == (0, 1.05)


def test_calibration_points_grow_with_their_deals():
    buckets = pd.DataFrame({"method": ["Learned", "Learned", "Stage default"],
                            "predicted": [0.1, 0.5, 0.3], "actual": [0.2, 0.4, 0.3],
                            "label": ["0-20%", "40-60%", "20-40%"], "deals": [100, 0, 25]})
    diagonal, learned, default = whatif_charts.calibration_figure(buckets).data
    assert (diagonal.name, list(diagonal.x), list(diagonal.y)) == (
        "Perfectly calibrated", [0, 1], [0, 1])
    assert (learned.name, list(learned.x), list(learned.y)) == ("Learned", [0.1, 0.5], [0.2, 0.4])
    assert list(learned.marker.size) == [30, 8] and list(default.marker.size) == [19]
    assert learned.customdata.tolist() == [["0-20%", 100], ["40-60%", 0]]


@pytest.mark.parametrize("build", [
    lambda: charts.commit_upside_bars(_team()),
    lambda: funnel_charts.funnel_chart(pd.DataFrame(
        {"split_value": ["a"], "label": ["MQL"], "entrants": [3]})),
    lambda: whatif_charts.calibration_figure(pd.DataFrame(
        {"method": ["m"], "predicted": [0.5], "actual": [0.5], "label": ["x"], "deals": [1]})),
])
def test_every_chart_has_the_shared_small_look(build):
    layout = build().layout
    assert (layout.margin.l, layout.margin.r, layout.margin.t, layout.margin.b) == (
        10, 10, 50, 10)
    assert layout.template.to_plotly_json() == charts.template().to_plotly_json()
