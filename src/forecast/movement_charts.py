"""Plotly figures for the week-over-week bridge: pure functions of Movement's small frames."""

from __future__ import annotations

import pandas as pd

from forecast import charts, formatting
from forecast.movement import FLOW_COLUMNS, FLOW_ROWS

COLORS = {"total": "#2f6fdf", "up": "#1b7f3b", "down": "#c2410c"}


def _layout(title: str, **layout) -> dict:
    return dict(title=title, template=charts.template(), showlegend=False,
                margin=charts.MARGIN, **layout)


def _bar_text(bucket: str, value: float) -> str:
    if bucket in ("Start", "End") or value < 0:
        return formatting.currency(value)
    return "+" + formatting.currency(value)


def waterfall_figure(bars: pd.DataFrame, title: str = "What moved in the open pipeline"):
    """Start, the signed buckets and End as a waterfall (`bars` = Movement.bars).

    Start is drawn at its value and End as the running total, so the chart itself shows the
    identity. customdata carries each bar's bucket and deal count for a click-through.
    """
    measure = ["total" if b == "End" else m for b, m in zip(bars.bucket, bars.measure, strict=True)]
    waterfall = dict(
        type="waterfall", x=bars.bucket, y=bars.value, measure=measure,
        text=[_bar_text(b, v) for b, v in zip(bars.bucket, bars.value, strict=True)],
        textposition="outside",
        customdata=bars[["bucket", "deal_count"]].to_numpy(),
        hovertemplate="%{x}: %{text}<br>%{customdata[1]} deals<extra></extra>",
        connector=dict(line=dict(color="#9aa4b2", width=1)),
        increasing=dict(marker=dict(color=COLORS["up"])),
        decreasing=dict(marker=dict(color=COLORS["down"])),
        totals=dict(marker=dict(color=COLORS["total"])),
    )
    return charts.figure([waterfall], _layout(title, yaxis=charts.MONEY))


def flow_heatmap(flow: pd.DataFrame, title: str = "Category at t0 → category at t1"):
    """Category flow matrix (`flow` = Movement.flow): colour and label = amount, plus count."""
    cells = flow.set_index(["category_t0", "category_t1"])
    amount = cells.amount.unstack().reindex(index=FLOW_ROWS, columns=FLOW_COLUMNS).fillna(0)
    count = cells.deal_count.unstack().reindex(index=FLOW_ROWS, columns=FLOW_COLUMNS).fillna(0)
    text = [[f"{formatting.currency(a)}<br>{formatting.count(n)} deals" if n else ""
             for a, n in zip(amount_row, count_row, strict=True)]
            for amount_row, count_row in zip(amount.to_numpy(), count.to_numpy(), strict=True)]
    heatmap = dict(
        type="heatmap",
        z=amount.to_numpy(), x=FLOW_COLUMNS, y=FLOW_ROWS, text=text, texttemplate="%{text}",
        colorscale="Blues", showscale=False, customdata=count.to_numpy(),
        hovertemplate="%{y} → %{x}: %{text}<extra></extra>",
    )
    return charts.figure([heatmap], _layout(title, xaxis=dict(side="top", title="at t1"),
                                            yaxis=dict(autorange="reversed", title="at t0")))
