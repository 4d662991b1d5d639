"""Fault injection: kill -9 the command-line import at evenly spaced moments of its run, and
the crash driver inside open transactions, then reopen each store and say what it holds.
Prints the figures docs/reliability.md quotes; asserts nothing about speed.

    .venv/bin/python bench/crash_faults.py [--rows 100000] [--kills 20] [--paused 3]

Outcome of each kill: 'before' (every table's rows and checksum as before the import),
'after' (the whole import: the same counts and history checksums as a run left to finish),
or 'between' (anything else: a lost or half-made import; there should be none).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from forecast import backup, db, importing  # noqa: E402

from crash_driver import FIXTURES, generate  # noqa: E402

FORECAST = Path(sys.executable).with_name("forecast")
DRIVER = ROOT / "tests" / "crash_driver.py"
HISTORY = {"opportunity_snapshots", "stage_events", "people", "stages", "fiscal_periods",
           "settings"}  # tables with no write-time column: equal across two runs


def stable(con) -> dict:
    return {t: (n, c if t in HISTORY else None) for t, (n, c) in backup.fingerprints(con).items()}


def base_store(folder: Path, rows: int) -> tuple[Path, Path, dict]:
    base, big = folder / "base.duckdb", folder / "big.csv"
    con = db.connect(base)
    for name in ("stages.csv", "people.csv"):
        importing.import_file(con, FIXTURES / name, as_of=date(2026, 11, 13))
    before = backup.fingerprints(con)
    con.close()
    generate(big, rows)
    return base, big, before


def import_command(store: Path, big: Path) -> list[str]:
    return [str(FORECAST), "--db", str(store), "import", str(big), "--as-of", "2026-11-20"]


def full_run(folder: Path, base: Path, big: Path) -> tuple[float, dict]:
    store = folder / "full.duckdb"
    shutil.copy(base, store)
    started = time.perf_counter()
    subprocess.run(import_command(store, big), check=True, capture_output=True)
    seconds = time.perf_counter() - started
    con = db.connect(store)
    after = stable(con)
    con.close()
    return seconds, after


def kill_cli(folder: Path, base: Path, big: Path, before: dict, after: dict, at: float):
    store = folder / "victim.duckdb"
    for leftover in (store, store.with_name(store.name + ".wal")):
        leftover.unlink(missing_ok=True)
    shutil.copy(base, store)
    run = subprocess.Popen(import_command(store, big), stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    time.sleep(at)
    finished = run.poll() is not None
    if not finished:
        os.kill(run.pid, signal.SIGKILL)
        run.wait()
    started = time.perf_counter()
    con = db.connect(store)
    reopen = time.perf_counter() - started
    state = ("before" if backup.fingerprints(con) == before
             else "after" if stable(con) == after else "between")
    con.close()
    return state, finished, reopen


def kill_paused(folder: Path, kind: str, big: Path) -> tuple[bool, float]:
    """One crash_driver run killed in its open transaction: True when the reopened store
    matches the fingerprints committed before."""
    store, said = folder / f"{kind}.duckdb", folder / f"{kind}.json"
    for leftover in (store, store.with_name(store.name + ".wal"), said):
        leftover.unlink(missing_ok=True)
    args = ([kind, store, FIXTURES / "opportunities.csv", big, said] if kind == "import"
            else [kind, store, said])
    run = subprocess.Popen([sys.executable, str(DRIVER), *map(str, args)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not said.exists():
        if run.poll() is not None:
            raise SystemExit(f"the {kind} driver ended before its pause")
        time.sleep(0.05)
    facts = json.loads(said.read_text())
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    started = time.perf_counter()
    con = db.connect(store)
    reopen = time.perf_counter() - started
    same = backup.fingerprints(con) == {t: tuple(v) for t, v in facts["before"].items()}
    con.close()
    return same, reopen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--paused", type=int, default=3, help="driver kills of each kind")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base, big, before = base_store(folder, args.rows)
        seconds, after = full_run(folder, base, big)
        print(f"command-line import of {args.rows:,} deals: {seconds:.1f} s when left to run")
        outcomes, reopens = Counter(), []
        for k in range(args.kills):
            at = seconds * (k + 0.5) / args.kills
            state, finished, reopen = kill_cli(folder, base, big, before, after, at)
            outcomes[state + (" (had finished)" if finished else "")] += 1
            reopens.append(reopen)
            print(f"  kill at {at:5.2f} s: {state}{' (had finished)' if finished else ''}, "
                  f"reopened in {reopen:.2f} s")
        print(f"{args.kills} kills: " + ", ".join(f"{n} {s}" for s, n in sorted(outcomes.items()))
              + f"; reopen max {max(reopens):.2f} s")
        for kind in ("import", "call", "adjustment"):
            results = [kill_paused(folder, kind, big) for _ in range(args.paused)]
            held = sum(same for same, _ in results)
            print(f"{kind} killed inside its transaction {args.paused} times: store as "
                  f"committed before in {held}; reopen max {max(r for _, r in results):.2f} s")
    return 0 if not outcomes["between"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
