"""The results table: every figure beside its target (the issue's, for a 2-core machine at a
million opportunities), whether it was met, and why not where it was not."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pandas as pd

FIRST_VIEW_MS, INTERACTION_MS, COLD_START_MS = 1_000, 300, 5_000
MEMORY_MB, IMPORT_ROWS_PER_S = 2_048, 200_000
LADDER_MS = 200  # issue 4: the full-hierarchy rollup (call ladder), server-side
# the targets are for a million opportunities (the history rollup: ten million rows, the
# import: a million-row file); smaller runs show their figures without a verdict
TARGET_SIZES = {"company": 1_000_000, "history": 10_000_000, "import": 1_000_000}
INTERACTIONS = ("change period", "back to the first period", "change team",
                "rerun, nothing changed")
TAB_STEP = re.compile(r"page .*: tab .*: (open|change team)$")  # bench.pages TABS
# issue 5: the Funnel page under 1 s uncached (a first view, a new period or team) and
# under 200 ms on a repeated view, instead of the 300 ms per interaction of the others
FUNNEL_PAGE, FUNNEL_UNCACHED_MS, FUNNEL_REPEATED_MS = "funnel_page.py", 1_000, 200
UNCACHED = ("first view", "change period", "change team")

# Why a target is missed, where the reason is known from a profile (cProfile of the script
# thread, DuckDB's EXPLAIN ANALYZE); a miss without an entry says so, never silently.
WHY: dict[str, str] = {
    "rollup (whole company, quarter): library": (
        "the library reads the same per-snapshot sums as the hand query, and also resolves "
        "the reporting lines as of the date and returns a row per person: 42-61 ms against "
        "22 ms, 1.9-2.7x between runs on this shared machine"),
    "funnel_page.py": (
        "a first view reads the team's rows of the funnel's derived tables into DuckDB's "
        "buffers for the first time and runs a dozen queries (the window and four past "
        "quarters, twelve monthly cohorts, speed to lead, time in stage, stage-to-stage "
        "speed, the four V's): about 0.4 s of queries and 0.1 s of Python at a million deals "
        "and a million leads, plus the sidebar's first reads and six charts; a new period "
        "or team takes about 0.6 s, a repeated view about 0.15 s"),
    "forecast_review.py": (
        "the page draws the open tab only: the commit-vs-upside tab reads the team's "
        "forecast (one query) and builds its bars; the Deals tab reads the 1,000 largest "
        "deals from the per-deal facts (45-50 ms); What moved reads the forecast at the "
        "comparison date with the one now and the bridge's sums, and builds two charts; "
        "every run also pays about 40-50 ms of widgets, cache lookups and JSON"),
    "rollup_page.py": (
        "the page draws the open tab only. The ladder's tab reads the ladder (2,027 people "
        "with calls and adjustments: one query and array sums, 70-110 ms); the team at a "
        "glance reads the weekly trend beside the same weeks of two earlier periods (three "
        "scans of the per-snapshot sums, 100-150 ms) and builds the tree of 2,027 people; "
        "the callers' tab reads accuracy over four ended periods (one query, 150-270 ms). "
        "Repeated views, another accuracy week and another measure read nothing"),
    "whatif_page.py": (
        "a first view of the whole company learns the chances from four past periods "
        "(0.2-0.3 s), reads its 79,000 open deals of this period and the next with their "
        "chances (about 0.3 s) and simulates them (2,000 simulations: about 0.5 s), plus "
        "the page's widgets and chart; a new team re-reads and re-simulates its own deals. "
        "The tab of the checks against past periods calibrates the learned chances on them "
        "when first opened (about 0.5 s, once per period and date for every team). "
        "bench/whatif_bench.py has the "
        "simulation's own figures"),
    "overview_page.py: change": (
        "a new period or team computes the team's numbers and its weekly trend and builds "
        "two charts, about 100 ms each; 250-390 ms on this machine"),
    "app server: peak memory": (
        "after the Funnel page of the whole company (see its peak memory)"),
    "cold start": (
        "the server answers its health check within 1-2 s (the row above); the rest is "
        "the browser loading Streamlit's frontend and the first script run, which imports "
        "pandas, pyarrow, plotly and the app, on the same two cores"),
    "import ": (
        "a million rows take about 9 s: reading 1 s, checking 2.8 s, writing 2.1 s and the "
        "commit 1.9 s, in which DuckDB maintains the primary-key indexes of the deals, "
        "their stage events and snapshot rows"),
}


def _target(row: pd.Series, ratios: dict) -> tuple[str, bool | None]:
    kind = ("history" if row.measure.startswith("history") else
            "import" if row.measure.startswith("import") else "company")
    if row.size < TARGET_SIZES[kind] or row.measure.startswith("what-if"):
        return "", None
    measure = row.measure
    if measure.startswith("page ") and FUNNEL_PAGE in measure and measure.endswith(
            INTERACTIONS + UNCACHED):
        limit = FUNNEL_UNCACHED_MS if measure.endswith(UNCACHED) else FUNNEL_REPEATED_MS
        return f"< {limit:,} ms", row.ms < limit
    if measure.startswith("page ") and measure.endswith("first view"):
        return f"< {FIRST_VIEW_MS:,} ms", row.ms < FIRST_VIEW_MS
    if measure.startswith("page ") and (measure.endswith(INTERACTIONS) or
                                        TAB_STEP.match(measure)):
        return f"< {INTERACTION_MS:,} ms", row.ms < INTERACTION_MS
    if measure.endswith("peak memory (MB)"):
        return f"< {MEMORY_MB:,} MB", row.ms < MEMORY_MB
    if measure.startswith("cold start: first page"):
        return f"< {COLD_START_MS / 1000:g} s", row.ms < COLD_START_MS
    if measure.startswith("import "):
        return f">= {IMPORT_ROWS_PER_S:,} rows/s", row.size / (row.ms / 1000) >= \
            IMPORT_ROWS_PER_S
    if measure.startswith("call ladder (") and measure.endswith(": library"):
        return f"< {LADDER_MS:,} ms", row.ms < LADDER_MS
    found = re.match(r"((?:rollup|history rollup) \(.*\)): library$", measure)
    if found:
        lib, hand, pandas = ratios[(row.size, found.group(1))]
        return "<= 2x the hand query, >= 5x faster than pandas", (
            lib <= 2 * hand and pandas >= 5 * lib)
    return "", None


def _ratios(table: pd.DataFrame) -> dict:
    out = {}
    for (size, measure), ms in zip(zip(table["size"], table.measure, strict=True), table.ms,
                                   strict=True):
        label, _, kind = measure.rpartition(": ")
        entry = out.setdefault((size, label), [None, None, None])
        index = {"library": 0, "one hand-written DuckDB query": 1, "pandas": 2}.get(kind)
        if index is not None:
            entry[index] = ms
    return out


def _why(measure: str) -> str:
    for key, text in WHY.items():
        if key in measure:
            return text
    return "not explained: no profile of this step yet"


def _value(row: pd.Series) -> str:
    if row.measure.endswith("(MB)"):
        return f"{row.ms:,.0f} MB"
    return f"{row.ms:,.1f} ms"


def write(rows: list[dict], out: Path, *, machine: str, started: datetime, minutes: float,
          suite_mb: float, failure: str | None) -> pd.DataFrame:
    out.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(rows, columns=["size", "measure", "ms", "note"])
    ratios = _ratios(table)
    targets = [_target(r, ratios) for r in table.itertuples()]
    table["target"] = [t for t, _ in targets]
    table["met"] = [{True: "yes", False: "NO", None: ""}[m] for _, m in targets]
    table["note"] = [note if met != "NO" else f"{note} — missed: {_why(measure)}".lstrip(" —")
                     for note, met, measure in zip(table.note, table.met, table.measure,
                                                   strict=True)]
    table.assign(ms=table.ms.round(1)).to_csv(out / "results.csv", index=False)
    head = [f"Machine: {machine}. Run {started:%Y-%m-%d %H:%M}, {minutes:.1f} minutes; peak "
            f"memory of the suite {suite_mb:,.0f} MB (its largest process).", ""]
    if failure:
        head += [f"**The run stopped early: {failure}**", ""]
    lines = head + ["| size | measure | value | target | met | note |",
                    "|---:|---|---:|---|---|---|"]
    lines += [f"| {r.size:,} | {r.measure} | {_value(r)} | {r.target} | {r.met} | {r.note} |"
              for r in table.itertuples()]
    (out / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return table
