"""What each chart costs the server per figure: building it from its small frame, and what
st.plotly_chart then does with it (checks the figure once more and writes its JSON). The
frames are made here, seeded, at the sizes the pages draw at a million deals (a team of 12,
a quarter of weeks, a hierarchy of 2,000 people, 40 bins of two runs...). Prints the
figures, medians of --repeat builds after one warm-up; asserts nothing.

    .venv/bin/python -m bench.charts_bench [--repeat 20]
"""

from __future__ import annotations

import argparse
import os
import platform
from collections.abc import Callable
from itertools import pairwise

import numpy as np
import pandas as pd
import plotly
import plotly.io as pio
import plotly.tools

from bench.computations import timed
from forecast import charts, funnel_charts, movement, movement_charts
from forecast.whatif import charts as whatif_charts

WEEKS = np.arange(1, 14)


def _money(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.round(rng.lognormal(12, 1, n), 2)


def overview_cases(rng: np.random.Generator) -> dict[str, tuple[int, Callable]]:
    team = pd.DataFrame({"member_id": [f"P{i:04d}" for i in range(12)],
                         "label": [f"Rep {i}" for i in range(11)] + ["Lead (own deals)"],
                         "closed_amount": _money(rng, 12), "commit_amount": _money(rng, 12),
                         "upside": _money(rng, 12), "pipeline_amount": _money(rng, 12),
                         "quota_amount": _money(rng, 12)})
    team["best_case_forecast"] = team.closed_amount + team.commit_amount + team.upside
    trend = pd.DataFrame({"as_of_date": pd.date_range("2026-10-02", periods=13, freq="7D"),
                          "closed_amount": np.cumsum(_money(rng, 13)),
                          "commit_forecast": np.cumsum(_money(rng, 13)),
                          "best_case_forecast": np.cumsum(_money(rng, 13))})
    people = 2_000
    # one head, 12 directors, 150 managers and their reps (bench.companies' hierarchy)
    managers = np.concatenate([[-1], np.zeros(12, int), 1 + np.arange(150) % 12,
                               13 + np.arange(people - 163) % 150])
    nodes = pd.DataFrame({"person_id": np.arange(people).astype(str),
                          "manager_id": [str(m) if m >= 0 else None for m in managers],
                          "name": [f"Person {i}" for i in range(people)],
                          "open_pipeline": _money(rng, people),
                          "attainment": rng.uniform(0, 1.5, people)})
    periods = pd.DataFrame({"period_id": np.repeat(["2026-Q4", "2026-Q3", "2026-Q2"], 13),
                            "week": np.tile(WEEKS, 3),
                            "commit_forecast": np.cumsum(_money(rng, 39))})
    weeks = pd.DataFrame({"week": WEEKS, "accuracy": rng.uniform(0.6, 1, 13),
                          "bias": rng.uniform(-0.2, 0.2, 13)})
    return {
        "commit_upside_bars (12 members)": (12, lambda: charts.commit_upside_bars(team)),
        "weekly_trend_lines (13 weeks, quota)": (
            13, lambda: charts.weekly_trend_lines(trend, 5e6, "Week by week")),
        "hierarchy_icicle (2,000 people)": (people, lambda: charts.hierarchy_icicle(nodes)),
        "period_comparison_lines (3 periods x 13 weeks)": (
            39, lambda: charts.period_comparison_lines(periods, 5e6, "commit_forecast", "C")),
        "accuracy_by_week_lines (13 weeks)": (13, lambda: charts.accuracy_by_week_lines(weeks)),
    }


def movement_cases(rng: np.random.Generator) -> dict[str, tuple[int, Callable]]:
    bars = pd.DataFrame({"bucket": movement.BUCKETS,
                         "measure": ["absolute"] + ["relative"] * 8 + ["absolute"],
                         "value": rng.normal(0, 1e6, 10), "deal_count": rng.integers(0, 90, 10)})
    cells = pd.MultiIndex.from_product([movement.FLOW_ROWS, movement.FLOW_COLUMNS],
                                       names=["category_t0", "category_t1"]).to_frame(index=False)
    flow = cells.assign(amount=_money(rng, len(cells)),
                        deal_count=rng.integers(0, 50, len(cells)))
    return {
        "waterfall_figure (10 buckets)": (10, lambda: movement_charts.waterfall_figure(bars)),
        f"flow_heatmap ({len(flow)} cells)": (len(flow),
                                              lambda: movement_charts.flow_heatmap(flow)),
    }


def funnel_cases(rng: np.random.Generator) -> dict[str, tuple[int, Callable]]:
    labels = ["MQL", "SRL", "SQL", "Discovery", "Proposal", "Negotiation", "Won"]
    splits = [f"Source {i}" for i in range(8)]
    steps = pd.DataFrame({"split_value": np.repeat(splits, 7), "label": labels * 8,
                          "entrants": np.sort(rng.integers(10, 5000, 56))[::-1]})
    flows = pd.DataFrame([(a, b, int(rng.integers(1, 900)))
                          for i, a in enumerate(labels[:-1])
                          for b in [labels[i + 1], "Disqualified", "Lost", "Still open"]],
                         columns=["from_label", "to_label", "journey_count"])
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    grid = pd.DataFrame({"cohort_month": np.repeat(months, 7), "label": labels * 12,
                         "conv_cum_strict": rng.uniform(0, 1, 84)})
    leaks = pd.DataFrame({"name": [f"{a} → {b}" for a, b in pairwise(labels)],
                          "leak_usd": np.sort(_money(rng, 6))[::-1],
                          "rate": rng.uniform(0, 1, 6), "reference": rng.uniform(0, 1, 6)})
    buckets = pd.DataFrame({"bucket": ["< 5 min", "5-30 min", "30-60 min", "1-4 h", "4-24 h",
                                       "> 1 day"],
                            "leads": rng.integers(10, 900, 6), "conv_next": rng.uniform(0, 1, 6)})
    stages = pd.DataFrame({"stage_name": labels[3:], "median_days": rng.uniform(5, 30, 4)})
    stages = stages.assign(p25_days=stages.median_days / 2, p75_days=stages.median_days * 2)
    quarters = pd.DataFrame({"window_id": [f"Q{i}" for i in range(8)],
                             "sales_velocity_usd_per_day": _money(rng, 8),
                             "win_rate": rng.uniform(0, 0.5, 8)})
    return {
        "funnel_chart (7 steps x 6 of 8 sources)": (
            42, lambda: funnel_charts.funnel_chart(steps)),
        "funnel_chart (7 steps, unsplit)": (
            7, lambda: funnel_charts.funnel_chart(steps[steps.split_value == splits[0]])),
        f"sankey ({len(flows)} flows)": (len(flows),
                                         lambda: funnel_charts.sankey(flows, labels)),
        "cohort_heatmap (12 months x 7 steps)": (84, lambda: funnel_charts.cohort_heatmap(grid)),
        "leak_bars (6 leaks)": (6, lambda: funnel_charts.leak_bars(leaks)),
        "response_bars (6 buckets)": (6, lambda: funnel_charts.response_bars(buckets)),
        "time_in_stage_bars (4 stages)": (4, lambda: funnel_charts.time_in_stage_bars(stages)),
        "velocity_trend (8 quarters)": (8, lambda: funnel_charts.velocity_trend(quarters)),
    }


def whatif_cases(rng: np.random.Generator) -> dict[str, tuple[int, Callable]]:
    runs = {"Baseline": rng.normal(4e6, 5e5, 2_000), "Scenario": rng.normal(4.4e6, 5e5, 2_000)}
    hist = whatif_charts.histogram(runs)
    markers = {"P10": 3.8e6, "P50": 4.4e6, "P90": 5e6, "Quota": 4.5e6, "Call": 4.2e6}
    weeks = pd.DataFrame({"period_id": "2026-Q3", "week": WEEKS,
                          "p10": _money(rng, 13), "call_commit": _money(rng, 13),
                          "actual": _money(rng, 13)})
    weeks = weeks.assign(p50=weeks.p10 * 1.3, p90=weeks.p10 * 1.6)
    by_week = pd.DataFrame({"week": WEEKS, "accuracy": rng.uniform(0.6, 1, 13),
                            "call_accuracy": rng.uniform(0.6, 1, 13),
                            "in_range": rng.uniform(0, 1, 13)})
    buckets = pd.DataFrame({"method": np.repeat(["Learned", "Stage default"], 10),
                            "predicted": np.tile(np.arange(0.05, 1, 0.1), 2),
                            "actual": rng.uniform(0, 1, 20),
                            "label": np.tile([f"{i}0-{i + 1}0%" for i in range(10)], 2),
                            "deals": rng.integers(0, 500, 20)})
    return {
        "distribution_figure (2 runs x 40 bins, 5 lines)": (
            len(hist), lambda: whatif_charts.distribution_figure(hist, markers)),
        "backtest_figure (13 weeks)": (
            13, lambda: whatif_charts.backtest_figure(weeks, "2026-Q3")),
        "accuracy_figure (13 weeks)": (13, lambda: whatif_charts.accuracy_figure(by_week)),
        "calibration_figure (2 methods x 10 buckets)": (
            20, lambda: whatif_charts.calibration_figure(buckets)),
    }


def cases(seed: int = 7) -> dict[str, tuple[int, Callable]]:
    """Each builder's label: (rows of its frame, a call that builds the figure)."""
    rng = np.random.default_rng(seed)
    return {**overview_cases(rng), **movement_cases(rng), **funnel_cases(rng),
            **whatif_cases(rng)}


def streamlit_side(fig) -> str:
    """What st.plotly_chart does with a figure before sending it."""
    return pio.to_json(plotly.tools.return_figure_from_figure_or_data(fig, True),
                       validate=False)


def chart_figures(repeat: int = 20) -> list[tuple[str, int, float, float]]:
    """(builder, rows, ms to build, ms of st.plotly_chart's own pass) per builder."""
    rows = []
    for label, (size, build) in cases().items():
        build_ms, fig = timed(build, repeat)
        send_ms, _ = timed(lambda fig=fig: streamlit_side(fig), repeat)
        rows.append((label, size, build_ms, send_ms))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    rows = chart_figures(args.repeat)
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, plotly {plotly.__version__}. Medians of "
          f"{args.repeat} runs, ms per figure.")
    print("| chart | build | st.plotly_chart's check + JSON | total |\n|---|---:|---:|---:|")
    for label, _, build_ms, send_ms in rows:
        print(f"| {label} | {build_ms:.1f} | {send_ms:.1f} | {build_ms + send_ms:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
