"""What-if simulation speed: 10,000 simulations over 20,000 open deals (target: under 1 s on
a 2-core machine), the 2,000-simulation run the page does while levers move, and, given a
store, how long learning the chances and the backtest take there. Prints the figures; asserts
only that the same seed gives the same range.

    .venv/bin/python bench/whatif_bench.py [--deals 20000] [--simulations 10000]
    .venv/bin/python bench/whatif_bench.py --store data/demo.duckdb   # adds the store figures
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.whatif import learn, projection
from forecast.whatif.levers import Levers
from forecast.whatif.newpipe import NewPipeline

STAGES = np.array(["Prospecting", "Qualification", "Discovery", "Proposal", "Negotiation"])


def timed(fn, repeat: int = 5) -> tuple[float, object]:
    """Median seconds over `repeat` runs after one warm-up, and the last result."""
    result = fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def synthetic_baseline(deals: int, seed: int = 7) -> projection.Baseline:
    """`deals` open deals with seeded amounts and chances, and a new-pipeline history."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "opportunity_id": [f"B{i:07d}" for i in range(deals)],
        "stage_name": STAGES[rng.integers(0, len(STAGES), deals)],
        "deal_type": np.where(rng.random(deals) < 0.6, "new", "existing"),
        "category": np.array(["Pipeline", "Best Case", "Commit"])[rng.integers(0, 3, deals)],
        "amount": np.round(rng.lognormal(10.5, 1.0, deals), 2),
        "p_close": rng.uniform(0.3, 1.0, deals),
        "p_win": rng.uniform(0.05, 0.9, deals),
    })
    frame["p_won"] = frame.p_close * frame.p_win
    empty = pd.DataFrame(columns=[*learn.KEYS, "opportunity_id", "amount", "is_closed_in_period",
                                  "is_won_in_period"])
    learned = learn.learn_from(empty, pd.Series({s: 0.5 for s in STAGES}), [])
    new = NewPipeline(4, rng.lognormal(10, 1, 400), rng.lognormal(10, 1, 1200))
    return projection.Baseline("Bench", "2026-Q4", 1e7, 5e8, frame, learned, new)


def simulation_figures(deals: int, simulations: int) -> list[tuple[str, float, str]]:
    base = synthetic_baseline(deals)
    rows = []
    full_s, full = timed(lambda: projection.project(base, None, simulations, seed=7))
    again = projection.project(base, None, simulations, seed=7)
    if not np.array_equal(full.totals, again.totals):
        raise SystemExit("the same seed gave a different range")
    rows.append((f"{simulations:,} simulations x {deals:,} open deals (baseline)", full_s,
                 f"P10 {full.p10:,.0f}, P50 {full.p50:,.0f}, P90 {full.p90:,.0f}; target < 1 s"))
    levers = Levers(win_rate_pts=5, slip_pts=10, deal_size_pct=10, new_pipeline_pct=20,
                    lost=tuple(base.deals.opportunity_id[:50]))
    lever_s, _ = timed(lambda: projection.project(base, levers, simulations, seed=7))
    rows.append((f"{simulations:,} simulations x {deals:,} open deals (five levers moved)",
                 lever_s, "levers applied, then simulated"))
    quick = projection.QUICK_SIMULATIONS
    quick_s, _ = timed(lambda: projection.project(base, levers, quick, seed=7))
    rows.append((f"{quick:,} simulations x {deals:,} open deals (while a slider moves)",
                 quick_s, ""))
    return rows


def store_figures(path: Path) -> list[tuple[str, float, str]]:
    from forecast import asof, db, hierarchy
    from forecast.calendar import fiscal_start_month, period_containing
    from forecast.whatif import backtest, calibration

    con = db.connect(path)
    day = asof.data_date(con)
    when = asof.resolve_as_of(con, day)
    period = period_containing(day, "quarter", fiscal_start_month(con))
    root = hierarchy.default_root(con, day)
    base_s, base = timed(lambda: projection.baseline(con, root, period, when), repeat=3)
    rows = [(f"learn chances + open deals + new pipeline ({len(base.deals):,} deals, "
             f"{base.learned.deals_learned_from:,} in the history)", base_s, str(path))]
    run_s, _ = timed(lambda: projection.project(base, None, 10_000), repeat=3)
    rows.append(("10,000 simulations on that team", run_s, ""))
    calib_s, _ = timed(lambda: calibration.calibration(con, period, day), repeat=3)
    rows.append(("calibration (4 test periods)", calib_s, ""))
    first, _ = asof.snapshot_range(con)
    periods = backtest.periods_to_test(period, day, 4, fiscal_start_month(con), first)
    back_s, scored = timed(lambda: backtest.backtest(con, root, periods), repeat=1)
    trust = backtest.trust(scored)
    rows.append((f"backtest ({len(scored)} weekly projections, 2,000 simulations each)",
                 back_s, f"accuracy {trust.accuracy:.1%}, inside P10-P90 {trust.in_range:.0%}"))
    con.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=20_000)
    parser.add_argument("--simulations", type=int, default=10_000)
    parser.add_argument("--store", type=Path, help="also time learning and backtest on it")
    args = parser.parse_args(argv)
    rows = simulation_figures(args.deals, args.simulations)
    if args.store:
        rows += store_figures(args.store)
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, numpy {np.__version__}. Medians of 5 runs "
          "(3 for the store, 1 for the backtest).")
    print("| measure | seconds | note |\n|---|---:|---|")
    for measure, seconds, note in rows:
        print(f"| {measure} | {seconds:.3f} | {note} |")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"Peak memory: {peak_mb:,.0f} MB.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
