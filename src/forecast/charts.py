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
MARGIN = dict(l=10, r=10, t=50, b=10)
MONEY = dict(tickprefix="$", tickformat="~s")  # an axis in $1.2M


def figure(data: list[dict], layout: dict) -> go.Figure:
    """The figure of `data` (one dict per trace, with its type) and `layout`. Plotly checks
    every call made on a figure, so one built in one go from plain dicts costs a half to a
    third of one built a trace and a layout update at a time."""
    return go.Figure(dict(data=data, layout=layout))


def _theme(title: str, **layout) -> dict:
    return dict(title=title, template=template(), margin=MARGIN,
                legend=dict(orientation="h", y=-0.15), hovermode="x unified",
                yaxis=MONEY) | layout


def _quota_line(quota: float | None) -> dict:
    """The shape and the note fig.add_hline(quota, annotation_text="Quota") would add (a
    dashed line across the plot, labelled at its right end), as layout entries: add_hline
    updates the figure twice more. Nothing without a quota."""
    if quota is None or quota != quota:
        return {}
    return dict(
        shapes=[dict(type="line", xref="x domain", x0=0, x1=1, yref="y", y0=quota, y1=quota,
                     line=dict(color=COLORS["quota"], dash="dash"))],
        annotations=[dict(text="Quota", showarrow=False, xref="x domain", x=1,
                          xanchor="right", yref="y", y=quota, yanchor="bottom")])


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
    layers = [("Closed", "closed_amount", "closed"), ("Commit", "commit_amount", "commit"),
              ("Upside (Best Case)", "upside", "best_case"),
              ("Pipeline", "pipeline_amount", "pipeline")]
    ids = rows.member_id if "member_id" in rows else pd.Series([None] * len(rows))
    labels = rows.label.map(chart_text)
    # customdata lets a click on a bar say whose deals, and which column, it stands for (a
    # click on the quota mark: all the member's deals)
    bars = [dict(type="bar", x=labels, y=rows[column], name=name,
                 marker=dict(color=COLORS[color]), customdata=[[m, column] for m in ids],
                 hovertemplate=f"%{{x}}<br>{name}: %{{y:$,.0f}}<extra></extra>")
            for name, column, color in layers]
    quota = dict(type="scatter", x=labels, y=rows.quota_amount, name="Quota", mode="markers",
                 marker=dict(symbol="line-ew-open", size=36, color=COLORS["quota"],
                             line=dict(width=3)), customdata=[[m, "all"] for m in ids])
    # one layer under the pointer, not the whole column: a click picks that layer's deals
    return figure([*bars, quota], _theme(title, barmode="stack", hovermode="closest"))


def weekly_trend_lines(trend: pd.DataFrame, quota: float | None, title: str):
    """Closed, Commit forecast and Best Case forecast per week, with the quota line."""
    lines = [dict(type="scatter", x=trend.as_of_date, y=trend[column], name=name,
                  mode="lines+markers", line=dict(color=COLORS[color], width=3))
             for name, column, color in [("Closed", "closed_amount", "closed"),
                                         ("Commit forecast", "commit_forecast", "commit"),
                                         ("Best Case forecast", "best_case_forecast",
                                          "best_case")]]
    return figure(lines, _theme(title, **_quota_line(quota)))


def hierarchy_icicle(nodes: pd.DataFrame, size: str = "open_pipeline",
                     color: str = "attainment", title: str = "The team by pipeline"):
    """Icicle of the tree: one box per person sized by `size` (a subtree total) and coloured
    by `color`. `nodes` needs person_id, manager_id, name and the two columns."""
    inside = set(nodes.person_id)
    parents = [m if m in inside else "" for m in nodes.manager_id]
    icicle = dict(
        type="icicle", ids=nodes.person_id, parents=parents, labels=nodes.name.map(chart_text),
        values=nodes[size].clip(lower=0), branchvalues="total",
        marker=dict(colors=nodes[color].fillna(0), colorscale="RdYlGn", cmid=1.0,
                    colorbar=dict(title=color.replace("_", " "), tickformat=".0%")),
        hovertemplate="%{label}<br>%{value:$,.0f}<extra></extra>",
        maxdepth=4,
    )
    return figure([icicle], dict(title=title, template=template(), margin=MARGIN))


def period_comparison_lines(trend: pd.DataFrame, quota: float | None, measure: str,
                            title: str):
    """`measure` by week of the period, one line per period, with the current quota."""
    lines = [dict(type="scatter", x=frame.week, y=frame[measure], name=period_id,
                  mode="lines+markers",
                  line=dict(width=3 if i == 0 else 1.5, dash="solid" if i == 0 else "dot"))
             for i, (period_id, frame) in enumerate(trend.groupby("period_id", sort=False))]
    return figure(lines, _theme(title, xaxis=dict(title="week of the period"),
                                **_quota_line(quota)))


def accuracy_by_week_lines(weeks: pd.DataFrame, title: str = "Call accuracy by week"):
    lines = [dict(type="scatter", x=weeks.week, y=weeks[column], name=name,
                  mode="lines+markers")
             for name, column in [("Accuracy", "accuracy"), ("Bias", "bias")]]
    return figure(lines, dict(title=title, template=template(), margin=MARGIN,
                              yaxis=dict(tickformat=".0%"),
                              xaxis=dict(title="week of the period")))
