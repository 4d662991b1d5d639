"""What-if figures: pure functions of small, already aggregated frames, in the shared look."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from forecast import charts
from forecast.charts import COLORS

BINS = 40
SERIES_COLORS = ["#9aa5b1", COLORS["commit"], "#7c3aed", "#0f766e", "#b45309"]
MARKER_COLORS = {"Quota": COLORS["quota"], "Call": "#7c3aed"}


def histogram(runs: dict[str, np.ndarray], bins: int = BINS) -> pd.DataFrame:
    """Share of simulations per bin, one row per run and bin, over edges common to all runs
    (so that the bars of two scenarios line up)."""
    values = np.concatenate(list(runs.values()))
    low, high = float(values.min()), float(values.max())
    edges = np.linspace(low, high if high > low else low + 1.0, bins + 1)
    frames = []
    for name, totals in runs.items():
        counts, _ = np.histogram(totals, edges)
        frames.append(pd.DataFrame({"run": name, "left": edges[:-1], "right": edges[1:],
                                    "share": counts / max(len(totals), 1)}))
    return pd.concat(frames, ignore_index=True)


def _layout(title: str, **layout) -> dict:
    return dict(title=title, template=charts.template(), margin=charts.MARGIN,
                legend=dict(orientation="h", y=-0.2), **layout)


def distribution_figure(hist: pd.DataFrame, markers: dict[str, float],
                        title: str = "Where the period could land") -> go.Figure:
    """Bars per run (share of simulations), and a vertical line per marker (P10, P50, P90 of
    the scenario, quota, the call)."""
    bars = [dict(type="bar", x=(frame.left + frame.right) / 2, y=frame.share, name=name,
                 width=(frame.right - frame.left).tolist(), opacity=0.55 if i == 0 else 0.8,
                 marker=dict(color=SERIES_COLORS[i % len(SERIES_COLORS)]),
                 hovertemplate="%{x:$,.0f}: %{y:.1%} of simulations<extra>" + name
                 + "</extra>")
            for i, (name, frame) in enumerate(hist.groupby("run", sort=False))]
    shown = {label: value for label, value in markers.items()
             if value is not None and np.isfinite(value)}
    # the shapes and notes add_vline would make, set at once: add_vline costs ~35 ms each
    return charts.figure(bars, _layout(
        title,
        shapes=[dict(type="line", xref="x", yref="paper", x0=value, x1=value, y0=0, y1=1,
                     line=dict(color=MARKER_COLORS.get(label.split()[0], "#334155"),
                               dash="dash" if label in MARKER_COLORS
                               or label.startswith("Call") else "dot"))
                for label, value in shown.items()],
        annotations=[dict(x=value, xref="x", y=1, yref="paper", text=label, showarrow=False,
                          xanchor="center", yanchor="bottom")
                     for label, value in shown.items()],
        barmode="overlay", bargap=0,
        xaxis=dict(charts.MONEY, title="landing in the period"),
        yaxis=dict(tickformat=".0%", title="share of simulations")))


def backtest_figure(weeks: pd.DataFrame, title: str) -> go.Figure:
    """One past period: the P10-P90 range and P50 by week, what closed, and the call."""
    lines = [
        dict(type="scatter", x=weeks.week, y=weeks.p90, mode="lines", line=dict(width=0),
             showlegend=False, hoverinfo="skip"),
        dict(type="scatter", x=weeks.week, y=weeks.p10, mode="lines", line=dict(width=0),
             fill="tonexty", fillcolor="rgba(47,111,223,0.18)", name="P10-P90"),
        dict(type="scatter", x=weeks.week, y=weeks.p50, mode="lines+markers", name="P50",
             line=dict(color=COLORS["commit"], width=3)),
        dict(type="scatter", x=weeks.week, y=weeks.call_commit, mode="lines+markers",
             name="Submitted call", line=dict(color="#7c3aed", dash="dot")),
        dict(type="scatter", x=weeks.week, y=weeks.actual, mode="lines", name="Actually closed",
             line=dict(color=COLORS["closed"], width=2, dash="dash")),
    ]
    return charts.figure(lines, _layout(title, xaxis=dict(title="week of the period"),
                                        yaxis=charts.MONEY))


def accuracy_figure(by_week: pd.DataFrame,
                    title: str = "Accuracy by week: the method against the call") -> go.Figure:
    lines = [
        dict(type="scatter", x=by_week.week, y=by_week.accuracy, name="Method (P50)",
             mode="lines+markers", line=dict(color=COLORS["commit"], width=3)),
        dict(type="scatter", x=by_week.week, y=by_week.call_accuracy, name="Submitted call",
             mode="lines+markers", line=dict(color="#7c3aed", dash="dot")),
        dict(type="scatter", x=by_week.week, y=by_week.in_range, name="Actual inside P10-P90",
             mode="lines+markers", line=dict(color=COLORS["closed"], dash="dash")),
    ]
    return charts.figure(lines, _layout(title, xaxis=dict(title="week of the period"),
                                        yaxis=dict(tickformat=".0%", range=[0, 1.05])))


def calibration_figure(buckets: pd.DataFrame,
                       title: str = "Chance given against share won") -> go.Figure:
    """One point per method and bucket (size = deals), and the diagonal of perfect
    calibration."""
    diagonal = dict(type="scatter", x=[0, 1], y=[0, 1], mode="lines",
                    name="Perfectly calibrated", line=dict(color="#94a3b8", dash="dot"))
    largest = max(buckets.deals.max(), 1)
    methods = [dict(type="scatter", x=frame.predicted, y=frame.actual, mode="markers+lines",
                    name=method,
                    marker=dict(size=8 + 22 * np.sqrt(frame.deals / largest),
                                color=SERIES_COLORS[(i + 1) % 5]),
                    customdata=frame[["label", "deals"]],
                    hovertemplate="%{customdata[0]}: given %{x:.0%}, won %{y:.0%} of "
                    "%{customdata[1]} deals<extra>" + method + "</extra>")
               for i, (method, frame) in enumerate(buckets.groupby("method", sort=False))]
    return charts.figure([diagonal, *methods], _layout(
        title,
        xaxis=dict(tickformat=".0%", range=[0, 1], title="chance given"),
        yaxis=dict(tickformat=".0%", range=[0, 1.05], title="share won in the period")))
