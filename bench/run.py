"""The benchmark suite, one command:

    ./dev bench                               # or: .venv/bin/python -m bench.run
    ./dev bench --sizes 10000 --history-rows 100000 --import-rows 10000   # a quick run

It builds seeded demo companies of 10 thousand, 100 thousand and 1 million opportunities (a
year of weekly history, leads, a hierarchy of about 2,000 people) and a ten-million-row
history table, then measures, in one run:

- each page's server-side time under AppTest (first view, a change of period, the repeated
  view, a change of team, a rerun), each page in a process of its own with its peak memory;
- the core computations (rollup, the whole hierarchy's call ladder, waterfall, funnel, Monte
  Carlo) in the library, in a straightforward pandas version and in one hand-written DuckDB
  query, with the ratios, and a check that the numbers agree at every size (a disagreement
  fails the run);
- the rollup of the ten-million-row history the same three ways;
- import throughput of a CSV with 1 % bad rows;
- each chart's figure build and st.plotly_chart's own pass over it (bench/charts_bench.py);
- app cold start to the first page served, in a real browser, and the server's peak memory.

Results go to bench/results/results.md and results.csv (or --out), each figure beside its
target and whether it was met. Timings are medians of repeated runs where a run is short;
compare ratios within one run on a shared machine, not absolute numbers across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import duckdb

from bench import companies, computations, import_bench, pages, report
from forecast import db

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PAGES = ["pages/overview_page.py", "pages/forecast_review.py", "pages/rollup_page.py",
         "pages/funnel_page.py", "pages/whatif_page.py", "pages/data_page.py"]


def _row(size: int, measure: str, ms: float, note: str = "") -> dict:
    return {"size": size, "measure": measure, "ms": ms, "note": note}


def _python(module: str, *args: str, timeout: int = 3600) -> dict:
    """Run `python -m module args` and read the JSON line it prints last."""
    done = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, text=True,
                          capture_output=True, timeout=timeout, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        raise SystemExit(f"{module} {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1])


def company_rows(size: int, workdir: Path, page_files: list[str],
                 simulations: int) -> tuple[list[dict], Path]:
    path = workdir / f"company-{size}.duckdb"
    print(f"company of {size:,} deals: building", file=sys.stderr)
    rows = [_row(size, "generate company (demo builder)", companies.build(path, size) * 1000)]
    con = db.connect(path)
    deals = con.execute("select count(*) from opportunities").fetchall()[0][0]
    history = con.execute("select count(*) from opportunity_snapshots").fetchall()[0][0]
    leads = con.execute("select count(*) from leads").fetchall()[0][0]
    con.close()
    rows[0]["note"] = f"{deals:,} deals, {leads:,} leads, {history:,} history rows"
    rows.append(_row(size, "precompute after import (forecast.aggregates.refresh)",
                     companies.precompute(path) * 1000,
                     "per-snapshot sums, stage stays, deal history, the funnel's journeys "
                     "and their sums"))
    con = db.connect(path)
    con.execute("set enable_progress_bar = false")
    try:
        for compute in (computations.rollup, computations.call_ladder,
                        computations.waterfall, computations.funnel_counts):
            print(f"company of {size:,} deals: {compute.__name__}", file=sys.stderr)
            rows += compute(con, size)
        rows += computations.monte_carlo(con, size, simulations)
    finally:
        con.close()
    for page in page_files:
        if not (ROOT / page).exists():
            continue
        print(f"company of {size:,} deals: {page}", file=sys.stderr)
        found = _python("bench.pages", str(path), page)
        for step, ms in found["ms"].items():
            rows.append(_row(size, f"page {page}: {step}", ms))
        rows.append(_row(size, f"page {page}: peak memory (MB)", found["peak_mb"],
                         "the page's own process"))
        if found["error"]:
            raise SystemExit(f"{page} failed at {size:,} deals: {found['error']}")
    return rows, path


def history_rows(workdir: Path, count: int) -> list[dict]:
    path = workdir / "history.duckdb"
    print(f"history of {count:,} rows: building", file=sys.stderr)
    rows = [_row(count, "generate the history table", companies.build_history(path, count)
                 * 1000, "4-level hierarchy of 2,000 people, 52 weekly snapshots")]
    con = db.connect(path)
    con.execute("set enable_progress_bar = false")
    try:
        from forecast import aggregates

        start = time.perf_counter()
        aggregates.ensure(con)
        rows.append(_row(count, "precompute the per-snapshot sums",
                         (time.perf_counter() - start) * 1000))
        rows += computations.history_rollup(con, count)
    finally:
        con.close()
    return rows


def import_rows(count: int) -> list[dict]:
    print(f"import of {count:,} rows", file=sys.stderr)
    figures = import_bench.measure(count)
    return [_row(count, "import a CSV with 1 % bad rows (read, check, write, commit)",
                 figures["seconds"] * 1000,
                 f"{figures['rows_per_s']:,.0f} rows/s; {figures['bad_rows']:,} bad rows "
                 "rejected with their reasons, the rest loaded")]


def coldstart_rows(size: int, path: Path) -> list[dict]:
    print(f"cold start on {size:,} deals", file=sys.stderr)
    found = _python("bench.coldstart", str(path))
    rows = [_row(size, "cold start: server answers its health check", found["health_s"] * 1000),
            _row(size, "cold start: page HTML served", found["html_s"] * 1000)]
    if found.get("first_page_s") is not None:
        rows.append(_row(size, "cold start: first page served and its script run finished",
                         found["first_page_s"] * 1000, "headless Chromium, opened after the "
                         "health check; includes loading the frontend"))
        for path_name, seconds in found["page_s"].items():
            rows.append(_row(size, f"browser: open /{path_name} (full page load)",
                             seconds * 1000, "after the cold start, pages in turn"))
    rows.append(_row(size, "app server: peak memory (MB)", found["server_peak_mb"],
                     "after opening every page once" if found.get("page_s") else ""))
    return rows


def whatif_rows() -> list[dict]:
    """The What-if page's own benchmark (bench/whatif_bench.py), when there is one."""
    if not (HERE / "whatif_bench.py").exists():
        return []
    from bench import whatif_bench

    print("what-if simulations", file=sys.stderr)
    return [_row(20_000, f"what-if: {measure}", seconds * 1000, note)
            for measure, seconds, note in whatif_bench.simulation_figures(20_000, 10_000)]


def chart_rows() -> list[dict]:
    """Each chart's build and st.plotly_chart's own pass over it (bench/charts_bench.py)."""
    from bench import charts_bench

    print("charts", file=sys.stderr)
    rows = []
    for label, size, build_ms, send_ms in charts_bench.chart_figures(repeat=10):
        rows += [_row(size, f"chart {label}: build the figure", build_ms,
                      "size: rows of its frame"),
                 _row(size, f"chart {label}: st.plotly_chart's check and JSON", send_ms)]
    return rows


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor() or platform.machine())
    memory_gb = Path("/proc/meminfo").read_text().split()[1]
    return (f"{cpu}, {len(os.sched_getaffinity(0))} cores, "
            f"{int(memory_gb) / 1024 / 1024:.0f} GB RAM, Python {platform.python_version()}, "
            f"duckdb {duckdb.__version__}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="the benchmark suite (see bench/run.py)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000],
                        help="companies to build, in opportunities")
    parser.add_argument("--history-rows", type=int, default=companies.HISTORY_ROWS,
                        help="rows of the history table for the rollup alone (0: skip)")
    parser.add_argument("--import-rows", type=int, default=1_000_000,
                        help="rows of the CSV to import (0: skip)")
    parser.add_argument("--pages", nargs="*", default=PAGES, help="pages to time")
    parser.add_argument("--no-coldstart", action="store_true",
                        help="skip starting the app in a browser")
    parser.add_argument("--no-whatif", action="store_true",
                        help="skip the What-if page's own simulation benchmark")
    parser.add_argument("--simulations", type=int, default=computations.MC_SIMULATIONS,
                        help="Monte Carlo simulations in the three-way comparison")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows: list[dict] = []
    failure = None
    with tempfile.TemporaryDirectory(prefix="forecast-bench-") as tmp:
        try:
            largest = None
            for size in args.sizes:
                found, largest = company_rows(size, Path(tmp), args.pages, args.simulations)
                rows += found
            if largest is not None and not args.no_coldstart:
                rows += coldstart_rows(max(args.sizes), largest)
            if args.history_rows:
                rows += history_rows(Path(tmp), args.history_rows)
            if args.import_rows:
                rows += import_rows(args.import_rows)
            if not args.no_whatif:
                rows += whatif_rows()
            rows += chart_rows()
        except SystemExit as exc:  # a disagreement or a failed page: keep what was measured
            failure = str(exc)
    # the runner's own high-water mark and each child's (the pages and the app server
    # report theirs): the largest process of the suite
    children = [r["ms"] for r in rows if r["measure"].endswith("peak memory (MB)")]
    suite_mb = max([pages.peak_mb(), *children])
    report.write(rows, args.out, machine=machine(), started=datetime.now(),
                 minutes=(time.perf_counter() - started) / 60, suite_mb=suite_mb,
                 failure=failure)
    if failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
