"""The funnel's pictures: pure functions of small, already aggregated frames (plotly)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from forecast import charts
from forecast.charts import COLORS
from forecast.formatting import chart_text

EXIT_COLORS = {"Disqualified": "#9ca3af", "Lost": "#b91c1c", "Stalled": "#d97706",
               "Still open": "#cbd5e1"}
MAX_SERIES = 6  # split values drawn as their own funnel; the table lists them all
RATE_AXIS = dict(overlaying="y", side="right", tickformat=".0%", rangemode="tozero")


def _look(title: str, **layout) -> dict:
    return dict(title=title, template=charts.template(), margin=charts.MARGIN,
                legend=dict(orientation="h", y=-0.15), **layout)


def funnel_chart(steps: pd.DataFrame, title: str = "The funnel") -> go.Figure:
    """A funnel of entrants per step. `steps`: split_value, label, entrants (one counting);
    one series per split value (the largest MAX_SERIES by first-step entrants)."""
    first = steps.groupby("split_value", sort=False).entrants.max()
    # an unsplit funnel is drawn in the shared colour, without a legend of one
    alone = (dict(marker=dict(color=COLORS["commit"]), showlegend=False)
             if steps.split_value.nunique() <= 1 else {})
    series = []
    for split_value in first.sort_values(ascending=False).index[:MAX_SERIES]:
        part = steps[steps.split_value == split_value]
        series.append(dict(type="funnel", name=chart_text(split_value),
                           y=part.label.map(chart_text), x=part.entrants,
                           textinfo="value+percent initial", **alone))
    return charts.figure(series, _look(title))


def sankey(flows: pd.DataFrame, order: list[str], title: str = "Where journeys go") -> go.Figure:
    """Flows between steps and into the exits. `flows`: from_label, to_label,
    journey_count; `order`: step labels in funnel order (exits follow)."""
    labels = list(order) + [x for x in EXIT_COLORS if x not in order]
    index = {label: i for i, label in enumerate(labels)}
    colors = [EXIT_COLORS.get(label, COLORS["commit"]) for label in labels]
    flow = dict(
        type="sankey",
        arrangement="snap",
        node=dict(label=[chart_text(x) for x in labels], color=colors, pad=18, thickness=16),
        link=dict(source=[index[x] for x in flows.from_label],
                  target=[index[x] for x in flows.to_label],
                  value=flows.journey_count.tolist(),
                  hovertemplate="%{source.label} → %{target.label}: %{value}<extra></extra>"),
    )
    return charts.figure([flow], _look(title))


def cohort_heatmap(grid: pd.DataFrame, column: str = "conv_cum_strict",
                   title: str = "Cohorts: share reaching each step") -> go.Figure:
    """Cohort month (rows) x step (columns), coloured by `column` (a share 0..1). `grid`:
    cohort_month, label (in funnel order), `column`, entrants_* for the hover."""
    wide = grid.pivot(index="cohort_month", columns="label", values=column)
    wide = wide[list(dict.fromkeys(grid.label))]
    heatmap = dict(
        type="heatmap",
        z=wide.to_numpy(), x=[chart_text(c) for c in wide.columns], y=list(wide.index),
        zmin=0, zmax=1,
        colorscale="Blues", colorbar=dict(tickformat=".0%"),
        text=[[f"{v:.0%}" if v == v else "" for v in row] for row in wide.to_numpy()],
        texttemplate="%{text}", hovertemplate="%{y} · %{x}: %{z:.1%}<extra></extra>")
    return charts.figure([heatmap], _look(title, yaxis=dict(autorange="reversed",
                                                             type="category")))


def leak_bars(ranking: pd.DataFrame, title: str = "Leaks ranked by value lost") -> go.Figure:
    """Horizontal bars, largest leak on top. `ranking`: name, leak_usd, rate, reference."""
    ordered = ranking.iloc[::-1]
    bars = dict(
        type="bar",
        x=ordered.leak_usd, y=ordered.name.map(chart_text), orientation="h",
        marker=dict(color=COLORS["quota"]),
        customdata=ordered[["rate", "reference"]].to_numpy(),
        hovertemplate="%{y}<br>lost %{x:$,.0f}<br>rate %{customdata[0]:.1%} vs "
                      "%{customdata[1]:.1%}<extra></extra>")
    return charts.figure([bars], _look(title, xaxis=charts.MONEY))


def response_bars(buckets: pd.DataFrame,
                  title: str = "Speed to lead: response time and conversion") -> go.Figure:
    """Leads per response-time bucket (bars) and each bucket's conversion (line).
    `buckets`: bucket, leads, conv_next (one split value)."""
    leads = dict(type="bar", x=buckets.bucket, y=buckets.leads, name="Leads",
                 marker=dict(color=COLORS["commit"]))
    conversion = dict(type="scatter", x=buckets.bucket, y=buckets.conv_next,
                      name="Conversion to next step", yaxis="y2", mode="lines+markers",
                      line=dict(color=COLORS["quota"]))
    return charts.figure([leads, conversion], _look(title, yaxis2=RATE_AXIS))


def time_in_stage_bars(stages: pd.DataFrame, title: str = "Days in each stage") -> go.Figure:
    """Median days per stage with the 25th-75th percentile as the error bar. `stages`:
    stage_name, median_days, p25_days, p75_days."""
    bars = dict(
        type="bar",
        x=stages.stage_name.map(chart_text), y=stages.median_days,
        marker=dict(color=COLORS["best_case"]),
        error_y=dict(type="data", symmetric=False,
                     array=(stages.p75_days - stages.median_days).tolist(),
                     arrayminus=(stages.median_days - stages.p25_days).tolist()),
        hovertemplate="%{x}: median %{y:.1f} days<extra></extra>")
    return charts.figure([bars], _look(title, yaxis=dict(title="days")))


def velocity_trend(trend: pd.DataFrame, title: str = "Sales velocity and the four V's"
                   ) -> go.Figure:
    """Sales velocity ($/day, bars) and win rate (line) per period. `trend`: window_id,
    sales_velocity_usd_per_day, win_rate."""
    velocity = dict(type="bar", x=trend.window_id, y=trend.sales_velocity_usd_per_day,
                    name="Sales velocity", marker=dict(color=COLORS["closed"]))
    win_rate = dict(type="scatter", x=trend.window_id, y=trend.win_rate, name="Win rate",
                    yaxis="y2", mode="lines+markers", line=dict(color=COLORS["quota"]))
    return charts.figure([velocity, win_rate],
                         _look(title, yaxis=charts.MONEY, yaxis2=RATE_AXIS,
                               xaxis=dict(type="category")))
