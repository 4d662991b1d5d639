"""Crashes: a process killed with SIGKILL in the middle of an import, a call or an adjustment
leaves a store that opens and holds exactly what was committed before the interrupted
operation (every table's row count and checksum), including work committed just before that
was still only in the write-ahead log.

The processes are run by tests/crash_driver.py, which stops inside the open transaction after
the operation's writes and says so; the command-line import is also killed at fixed points
of its run, with no hook at all.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from forecast import aggregates, backup, db, importing

from crash_driver import FIXTURES, generate

ROOT = Path(__file__).resolve().parents[1]
DRIVER = Path(__file__).with_name("crash_driver.py")
FORECAST = Path(sys.executable).with_name("forecast")
BIG_ROWS = 130_000  # more than one DuckDB row group (122,880): big appends reach the file early


def start(*args: str | Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(DRIVER), *map(str, args)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(path: Path, process: subprocess.Popen, seconds: float = 300) -> dict:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if process.poll() is not None:
            pytest.fail(f"the driver ended before the pause: {process.stderr.read()}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("the driver never reached the pause")
        time.sleep(0.05)
    return json.loads(path.read_text())


def kill(process: subprocess.Popen) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL


def as_tuples(fingerprints: dict) -> dict:
    return {table: tuple(value) for table, value in fingerprints.items()}


def test_killed_in_the_middle_of_an_import(tmp_path):
    store, big, said = tmp_path / "store.duckdb", tmp_path / "big.csv", tmp_path / "signal.json"
    generate(big, BIG_ROWS)
    driver = start("import", store, FIXTURES / "opportunities.csv", big, said)
    facts = wait_for(said, driver)
    # in progress: inside its transaction the import already sees its 130,000 new deals
    assert facts["committed"] == 4
    assert facts["visible_deals"] == 4 + BIG_ROWS
    kill(driver)

    con = db.connect(store)
    assert backup.fingerprints(con) == as_tuples(facts["before"])
    # what was committed: the 4 fixture deals, 1000 + 2500.50 + 1,200 + 300
    assert con.execute("select count(*), sum(amount) from opportunities").fetchall() == [
        (4, 5000.5)]
    assert con.execute("select source_file, status from imports order by started_at"
                       ).fetchall() == [("stages.csv", "loaded"), ("people.csv", "loaded"),
                                        ("opportunities.csv", "loaded")]
    # and the store takes new work: the next week's export of the same deals
    later = importing.import_file(con, FIXTURES / "opportunities_v2.csv",
                                  as_of=date(2026, 11, 20))
    assert (later.status, later.rows_loaded) == ("loaded", 5)
    con.close()
    print(f"\nimport killed with {BIG_ROWS:,} deals written but not committed; the file was "
          f"{facts['file_bytes_before']:,} bytes before and {facts['file_bytes_now']:,} "
          "when killed; on reopen every table matched its committed fingerprint")


@pytest.mark.parametrize(("kind", "table", "visible"), [
    # 6 tiny calls + 1 committed + the one in flight; 4 tiny adjustments + the one in flight
    ("call", "submissions", 8),
    ("adjustment", "adjustments", 5),
])
def test_killed_in_the_middle_of_a_call(tmp_path, kind, table, visible):
    store, said = tmp_path / "store.duckdb", tmp_path / "signal.json"
    driver = start(kind, store, said)
    facts = wait_for(said, driver)
    assert facts["visible_rows"] == visible
    kill(driver)

    con = db.connect(store)
    assert backup.fingerprints(con) == as_tuples(facts["before"])
    assert con.execute(f"select count(*) from {table}").fetchall() == [(visible - 1,)]
    assert con.execute("select commit_amount, best_case_amount from submissions "
                       "where note = 'committed'").fetchall() == [(300, 600)]
    assert con.execute(f"select count(*) from {table} where note = 'interrupted'"
                       ).fetchall() == [(0,)]
    con.close()


def stable(con) -> dict:
    """Counts of every table and checksums of those with no write-time column (an import
    stamps updated_at, taken_at and its own id, so two runs differ there and only there).
    The derived sums are caches and not among the tables (backup.tables)."""
    prints = backup.fingerprints(con)
    keep = {"opportunity_snapshots", "stage_events", "people", "stages", "fiscal_periods",
            "settings"}
    return {t: (n, checksum if t in keep else None) for t, (n, checksum) in prints.items()}


@pytest.fixture(scope="module")
def cli_import(tmp_path_factory):
    """A store with stages and people, a 40,000-deal export, and the store after a full
    command-line import of it (and how long that took)."""
    tmp = tmp_path_factory.mktemp("cli")
    base, big = tmp / "base.duckdb", tmp / "big.csv"
    con = db.connect(base)
    for name in ("stages.csv", "people.csv"):
        importing.import_file(con, FIXTURES / name, as_of=date(2026, 11, 13))
    before = backup.fingerprints(con)
    con.close()
    generate(big, 40_000)
    full = tmp / "full.duckdb"
    shutil.copy(base, full)
    started = time.monotonic()
    done = subprocess.run([FORECAST, "--db", full, "import", big, "--as-of", "2026-11-20"],
                          capture_output=True, text=True, cwd=ROOT)
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    con = db.connect(full)
    after = stable(con)
    sums = derived_sums(con)
    con.close()
    return base, big, before, (after, sums), seconds


def derived_sums(con) -> list:
    """The rollups' cached sums once brought up to date (a kill may cut their rebuild short;
    the next read rebuilds them, and they must then be what a finished run left). Sums of
    doubles added in parallel may differ in the last bit between two builds, hence approx."""
    aggregates.refresh(con)
    return [con.execute("select * from query_table($t) order by all", {"t": t}).df()
            for t in ("derived_state_sums", "derived_closed_sums")]


@pytest.mark.parametrize("fraction", [0.35, 0.6, 0.85])
def test_cli_import_killed_at_any_moment_is_all_or_nothing(cli_import, tmp_path, fraction):
    base, big, before, (after, sums), seconds = cli_import
    victim = tmp_path / "victim.duckdb"
    shutil.copy(base, victim)
    run = subprocess.Popen([FORECAST, "--db", victim, "import", big, "--as-of", "2026-11-20"],
                           cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(seconds * fraction)
    finished = run.poll() is not None
    if not finished:
        kill(run)
    con = db.connect(victim)
    state = "before" if backup.fingerprints(con) == before else (
        "after" if stable(con) == after else "between")
    if state == "after":
        for rebuilt, finished_run in zip(derived_sums(con), sums, strict=True):
            pd.testing.assert_frame_equal(rebuilt, finished_run, check_exact=False)
    con.close()
    print(f"\nkilled at {fraction:.0%} of a {seconds:.1f} s import: store {state} the import"
          + (" (it had finished)" if finished else ""))
    assert state in ("before", "after")
