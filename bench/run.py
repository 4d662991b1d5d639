"""Benchmark suite: generated companies of growing size, the library against a plain pandas
implementation and a single hand-written DuckDB query, and the pages' server-side times.

    .venv/bin/python bench/run.py                 # 10k, 100k and 1M opportunities
    .venv/bin/python bench/run.py --sizes 10000   # one size (the CI smoke run)

Writes bench/results/results.md and results.csv. Timings are medians of repeated runs in one
process; compare ratios, not absolute numbers, on a shared machine. Every size also checks
that the library's numbers equal the pandas version's.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from forecast import asof, calls, db, deals, demo, hierarchy, overview, rollup
from forecast.calendar import period_containing

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
PEOPLE_TARGET_REPS = 1700  # with managers above them, about 2,000 people
QUARTERS = 5                # a year of weekly history and the current quarter


def timed(fn, repeat: int = 5) -> tuple[float, object]:
    """Median wall time in ms over `repeat` runs (after one warm-up), and the last result."""
    result = fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def build(path: Path, opportunities: int) -> float:
    reps = min(PEOPLE_TARGET_REPS, max(20, opportunities // 200))
    per_quarter = opportunities / (reps * QUARTERS)
    con = db.connect(path)
    start = time.perf_counter()
    demo.build_demo(con, reps=reps, quarters=QUARTERS, deals_per_rep_per_quarter=per_quarter)
    con.close()
    return time.perf_counter() - start


HAND_ROLLUP = """
with recursive lines as (
    select person_id, manager_id from reporting_lines
    where effective_date <= $as_of
    qualify row_number() over (partition by person_id order by effective_date desc) = 1
), team(person_id) as (
    select $root
    union all
    select l.person_id from lines l join team t on l.manager_id = t.person_id
)
select sum(o.amount) filter (where o.is_won) as closed,
       sum(o.amount) filter (
           where not o.is_closed
             and coalesce(o.forecast_category, s.forecast_category) = 'Commit') as commit_amount
from opportunities o left join stages s using (stage_name)
where o.owner_id in (select person_id from team) and o.close_date between $start and $end
"""


def pandas_rollup(con: duckdb.DuckDBPyConnection, root: str, as_of, period) -> tuple[float, float]:
    """The same closed and commit numbers, the way a notebook would compute them."""
    opps = con.execute("select * from opportunities").df()
    stages = con.execute("select * from stages").df()
    lines = con.execute("select * from reporting_lines").df()
    lines = lines[lines.effective_date <= pd.Timestamp(as_of)]
    lines = lines.sort_values("effective_date").groupby("person_id").tail(1)
    children = lines.groupby("manager_id").person_id.apply(list).to_dict()
    team, todo = set(), [root]
    while todo:
        person = todo.pop()
        if person not in team:
            team.add(person)
            todo += children.get(person, [])
    o = opps.merge(stages[["stage_name", "forecast_category"]], on="stage_name", how="left",
                   suffixes=("", "_stage"))
    o = o[o.owner_id.isin(team) & (o.close_date >= pd.Timestamp(period.start_date))
          & (o.close_date <= pd.Timestamp(period.end_date))]
    category = o.forecast_category.fillna(o.forecast_category_stage)
    closed = o.loc[o.is_won, "amount"].sum()
    commit = o.loc[~o.is_closed & (category == "Commit"), "amount"].sum()
    return float(closed), float(commit)


def measure_size(opportunities: int, workdir: Path) -> list[dict]:
    path = workdir / f"bench-{opportunities}.duckdb"
    build_s = build(path, opportunities)
    con = db.connect(path)
    (n_opps,) = con.execute("select count(*) from opportunities").fetchone()
    (n_hist,) = con.execute("select count(*) from opportunity_snapshots").fetchone()
    day = asof.data_date(con)
    when = asof.resolve_as_of(con, day)
    period = period_containing(day)
    root = hierarchy.default_root(con, day)
    rows = [{"size": opportunities, "measure": "generate company", "ms": build_s * 1000,
             "note": f"{n_opps:,} deals, {n_hist:,} snapshot rows"}]

    def add(measure, ms, note=""):
        rows.append({"size": opportunities, "measure": measure, "ms": ms, "note": note})

    lib_ms, f = timed(lambda: overview.team_forecast(con, root, period, when))
    hand_ms, hand = timed(lambda: con.execute(HAND_ROLLUP, {
        "root": root, "as_of": day, "start": period.start_date, "end": period.end_date,
    }).fetchone())
    pandas_ms, pandas_result = timed(lambda: pandas_rollup(con, root, day, period), repeat=2)
    same = (abs(f.total.closed_amount - pandas_result[0]) < 0.01
            and abs(f.total.commit_amount - pandas_result[1]) < 0.01
            and abs(f.total.closed_amount - (hand[0] or 0)) < 0.01)
    add("rollup: library (team forecast, whole company)", lib_ms,
        f"equal to pandas and hand query: {same}")
    add("rollup: one hand-written DuckDB query", hand_ms,
        f"library / hand = {lib_ms / hand_ms:.1f}x")
    add("rollup: pandas", pandas_ms, f"pandas / library = {pandas_ms / lib_ms:.1f}x")
    if not same:
        raise SystemExit(f"library and pandas disagree at size {opportunities}")

    moment = datetime.combine(day, datetime.min.time())
    ladder_ms, lad = timed(lambda: rollup.call_ladder(con, root, period, when, moment), repeat=3)
    add("call ladder, full hierarchy", ladder_ms, f"{len(lad.nodes):,} people")
    manager = lad.nodes.sort_values("team_size").iloc[-len(lad.nodes) // 20].person_id
    medians_ms, medians = timed(lambda: deals.stage_medians(con, day), repeat=3)
    add("usual time in stage (company-wide, cached per as-of date)", medians_ms)
    deals_ms, found = timed(lambda: deals.deal_list(con, manager, period, when, medians),
                            repeat=3)
    add("deal list of a manager's team", deals_ms, f"{len(found):,} deals")
    _ = calls
    con.close()
    rows += page_times(path, opportunities)
    return rows


def page_times(path: Path, size: int) -> list[dict]:
    """Server-side time of each page under AppTest: first view, then a repeated view after a
    control change (the cache is warm for the unchanged parts)."""
    from streamlit.testing.v1 import AppTest

    os.environ[db.DB_PATH_ENV] = str(path)
    out = []
    for page in [
        "pages/overview_page.py", "pages/forecast_review.py", "pages/rollup_page.py",
        "pages/funnel_page.py",
    ]:
        import streamlit as st

        st.cache_data.clear()
        st.cache_resource.clear()
        at = AppTest.from_file(str(HERE.parent / "app.py"), default_timeout=600)
        at.run()
        start = time.perf_counter()
        at.switch_page(page).run()
        first = (time.perf_counter() - start) * 1000
        if at.exception:
            raise SystemExit(f"{page} failed at size {size}: {at.exception[0].value}")
        periods = at.sidebar.selectbox(key="period_id")
        current = periods.value
        options = periods.options
        at_current = options.index(next(o for o in options if o.startswith(current)))
        other = options[max(0, at_current - 1)]
        start = time.perf_counter()
        at.sidebar.selectbox(key="period_id").set_value(other.split()[0]).run()
        change = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        at.sidebar.selectbox(key="period_id").set_value(current).run()
        back = (time.perf_counter() - start) * 1000
        out += [{"size": size, "measure": f"page {page}: first view", "ms": first, "note": ""},
                {"size": size, "measure": f"page {page}: change period", "ms": change,
                 "note": "new period, cold cache"},
                {"size": size, "measure": f"page {page}: back to period", "ms": back,
                 "note": "repeated view, warm cache"}]
    return out


def machine() -> str:
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, duckdb {duckdb.__version__}")


def write(rows: list[dict]) -> None:
    RESULTS.mkdir(exist_ok=True)
    table = pd.DataFrame(rows)
    table["ms"] = table.ms.round(1)
    table.to_csv(RESULTS / "results.csv", index=False)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = [f"Machine: {machine()}. Run {datetime.now():%Y-%m-%d %H:%M}. "
             f"Peak memory of the run: {peak_mb:,.0f} MB.", "",
             "| size (deals) | measure | ms | note |", "|---:|---|---:|---|"]
    lines += [f"| {r.size:,} | {r.measure} | {r.ms:,.1f} | {r.note} |"
              for r in table.itertuples()]
    (RESULTS / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            print(f"size {size:,}...", file=sys.stderr)
            rows += measure_size(size, Path(tmp))
    write(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
