"""The benchmark suite still runs, at its smallest size: a smoke test, not a timing gate.

One company of about a thousand deals, a small history table and CSV, one page, no browser:
the results files are written, every computation agreed with its pandas version and its
hand-written query (a disagreement fails the run), and every row has a time."""

from __future__ import annotations

import pandas as pd

from bench import run


def test_the_suite_runs_small_and_checks_itself(tmp_path):
    status = run.main(["--sizes", "1000", "--history-rows", "5000", "--import-rows", "2000",
                       "--pages", "pages/overview_page.py", "--no-coldstart", "--no-whatif",
                       "--simulations", "200", "--out", str(tmp_path)])
    assert status == 0
    table = pd.read_csv(tmp_path / "results.csv")
    markdown = (tmp_path / "results.md").read_text()
    assert "stopped early" not in markdown
    measures = set(table.measure)
    for label in ["rollup (whole company, quarter)",
                  "call ladder (whole hierarchy, quarter, calls and adjustments)",
                  "waterfall (whole company, since last week)",
                  "funnel report (whole company, period view)",
                  "Monte Carlo (whole company's open deals)",
                  "history rollup (weekly trend of the whole company, one year)"]:
        assert {f"{label}: library", f"{label}: pandas",
                f"{label}: one hand-written DuckDB query"} <= measures
    checks = table.note[table.measure.str.endswith(": library")]
    assert checks.str.contains("equal to pandas|within 5 standard errors").all()
    assert "page pages/overview_page.py: first view" in measures
    assert table.ms.gt(0).all()
    assert table.met[table.target.notna()].isin(["yes", "NO"]).all()
