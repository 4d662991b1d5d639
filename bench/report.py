"""The results table: every figure beside its target (the issue's, for a 2-core machine at a
million opportunities), whether it was met, and why not where it was not."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pandas as pd

FIRST_VIEW_MS, INTERACTION_MS, COLD_START_MS = 1_000, 300, 5_000
MEMORY_MB, IMPORT_ROWS_PER_S = 2_048, 200_000
# the targets are for a million opportunities (the history rollup: ten million rows, the
# import: a million-row file); smaller runs show their figures without a verdict
TARGET_SIZES = {"company": 1_000_000, "history": 10_000_000, "import": 1_000_000}
INTERACTIONS = ("change period", "back to the first period", "change team",
                "rerun, nothing changed")

# Why a target is missed, where the reason is known (filled in from the profiles; a miss
# without an entry says "see the profile" so that it is never silently unexplained)
WHY: dict[str, str] = {}


def _target(row: pd.Series, ratios: dict) -> tuple[str, bool | None]:
    kind = ("history" if row.measure.startswith("history") else
            "import" if row.measure.startswith("import") else "company")
    if row.size < TARGET_SIZES[kind] or row.measure.startswith("what-if"):
        return "", None
    measure = row.measure
    if measure.startswith("page ") and measure.endswith("first view"):
        return f"< {FIRST_VIEW_MS:,} ms", row.ms < FIRST_VIEW_MS
    if measure.startswith("page ") and measure.endswith(INTERACTIONS):
        return f"< {INTERACTION_MS:,} ms", row.ms < INTERACTION_MS
    if measure.endswith("peak memory (MB)"):
        return f"< {MEMORY_MB:,} MB", row.ms < MEMORY_MB
    if measure.startswith("cold start: first page"):
        return f"< {COLD_START_MS / 1000:g} s", row.ms < COLD_START_MS
    if measure.startswith("import "):
        return f">= {IMPORT_ROWS_PER_S:,} rows/s", row.size / (row.ms / 1000) >= \
            IMPORT_ROWS_PER_S
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
    return "not explained yet: see the profile of this step"


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
