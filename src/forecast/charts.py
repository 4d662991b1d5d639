"""Plotly figures as pure functions of small, already aggregated frames; one shared look."""

from __future__ import annotations

from functools import cache

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from forecast.formatting import chart_text

COLORS = {
    "closed": "#1b7f3b",
    "commit": "#2f6fdf",
    "best_case": "#9bbcf2",
    "pipeline": "#d5dbe5",
    "quota": "#c2410c",
}

@cache
def template() -> go.layout.Template:
    """plotly_white's look (background, grid, colours, font) and nothing else: the full
    template carries defaults for every kind of trace and costs about 50 ms per figure to
    apply, this one under 10."""
    white = pio.templates["plotly_white"].layout
    axis = dict(gridcolor=white.xaxis.gridcolor, linecolor=white.xaxis.linecolor,
                zerolinecolor=white.xaxis.zerolinecolor, ticks="")
    return go.layout.Template(layout=dict(
        plot_bgcolor=white.plot_bgcolor, paper_bgcolor=white.paper_bgcolor,
        colorway=white.colorway, font=white.font, hoverlabel=white.hoverlabel,
        xaxis=axis, yaxis=axis))


MAX_BARS = 60  # more members than this are summed into "Others" before drawing


def _theme(fig: go.Figure, title: str) -> go.Figure:
    fig.update_layout(
        title=title,
        barmode="stack",
        template=template(),
        margin=dict(l=10, r=10, t=50, b=10),
        legend=dict(orientation="h", y=-0.15),
        hovermode="x unified",
    )
    fig.update_yaxes(tickprefix="$", tickformat="~s")
    return fig


def _cap_rows(rows: pd.DataFrame) -> pd.DataFrame:
    if len(rows) <= MAX_BARS:
        return rows
    ranked = rows.sort_values("best_case_forecast", ascending=False)
    head, tail = ranked.iloc[: MAX_BARS - 1], ranked.iloc[MAX_BARS - 1 :]
    other = tail.select_dtypes("number").sum().to_frame().T.assign(label="Others")
    return pd.concat([head, other], ignore_index=True)


def commit_upside_bars(rows: pd.DataFrame, title: str = "Commit and upside by team member"):
    """Stacked Closed / Commit / Upside / rest of pipeline per row, with each row's quota.

    `rows` needs: label, closed_amount, commit_amount, upside, pipeline_amount, quota_amount,
    best_case_forecast.
    """
    rows = _cap_rows(rows)
    fig = go.Figure()
    layers = [("Closed", "closed_amount", "closed"), ("Commit", "commit_amount", "commit"),
              ("Upside (Best Case)", "upside", "best_case"),
              ("Pipeline", "pipeline_amount", "pipeline")]
    ids = rows.member_id if "member_id" in rows else pd.Series([None] * len(rows))
    labels = rows.label.map(chart_text)
    for name, column, color in layers:
        # customdata lets a click on a bar say whose deals, and which column, it stands for
        fig.add_bar(x=labels, y=rows[column], name=name, marker_color=COLORS[color],
                    customdata=[[m, column] for m in ids])
    fig.add_scatter(x=labels, y=rows.quota_amount, name="Quota", mode="markers",
                    marker=dict(symbol="line-ew-open", size=36, color=COLORS["quota"],
                                line=dict(width=3)))
    return _theme(fig, title)


def weekly_trend_lines(trend: pd.DataFrame, quota: float | None, title: str):
    """Closed, Commit forecast and Best Case forecast per week, with the quota line."""
    fig = go.Figure()
    for name, column, color in [("Closed", "closed_amount", "closed"),
                                ("Commit forecast", "commit_forecast", "commit"),
                                ("Best Case forecast", "best_case_forecast", "best_case")]:
        fig.add_scatter(x=trend.as_of_date, y=trend[column], name=name, mode="lines+markers",
                        line=dict(color=COLORS[color], width=3))
    if quota is not None and quota == quota:
        fig.add_hline(y=quota, line=dict(color=COLORS["quota"], dash="dash"),
                      annotation_text="Quota")
    fig = _theme(fig, title)
    fig.update_layout(barmode=None)
    return fig


def hierarchy_icicle(nodes: pd.DataFrame, size: str = "open_pipeline",
                     color: str = "attainment", title: str = "The team by pipeline"):
    """Icicle of the tree: one box per person sized by `size` (a subtree total) and coloured
    by `color`. `nodes` needs person_id, manager_id, name and the two columns."""
    inside = set(nodes.person_id)
    parents = [m if m in inside else "" for m in nodes.manager_id]
    fig = go.Figure(go.Icicle(
        ids=nodes.person_id, parents=parents, labels=nodes.name.map(chart_text),
        values=nodes[size].clip(lower=0), branchvalues="total",
        marker=dict(colors=nodes[color].fillna(0), colorscale="RdYlGn", cmid=1.0,
                    colorbar=dict(title=color.replace("_", " "), tickformat=".0%")),
        hovertemplate="%{label}<br>%{value:$,.0f}<extra></extra>",
        maxdepth=4,
    ))
    fig.update_layout(title=title, margin=dict(l=10, r=10, t=50, b=10))
    return fig


def period_comparison_lines(trend: pd.DataFrame, quota: float | None, measure: str,
                            title: str):
    """`measure` by week of the period, one line per period, with the current quota."""
    fig = go.Figure()
    for i, (period_id, frame) in enumerate(trend.groupby("period_id", sort=False)):
        fig.add_scatter(x=frame.week, y=frame[measure], name=period_id, mode="lines+markers",
                        line=dict(width=3 if i == 0 else 1.5, dash="solid" if i == 0 else "dot"))
    if quota is not None and quota == quota:
        fig.add_hline(y=quota, line=dict(color=COLORS["quota"], dash="dash"),
                      annotation_text="Quota")
    fig = _theme(fig, title)
    fig.update_layout(barmode=None)
    fig.update_xaxes(title="week of the period")
    return fig


def accuracy_by_week_lines(weeks: pd.DataFrame, title: str = "Call accuracy by week"):
    fig = go.Figure()
    fig.add_scatter(x=weeks.week, y=weeks.accuracy, name="Accuracy", mode="lines+markers")
    fig.add_scatter(x=weeks.week, y=weeks.bias, name="Bias", mode="lines+markers")
    fig.update_layout(title=title, template=template(), margin=dict(l=10, r=10, t=50, b=10))
    fig.update_yaxes(tickformat=".0%")
    fig.update_xaxes(title="week of the period")
    return fig
