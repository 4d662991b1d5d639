"""A process for test_crash.py to kill: it commits some work, starts one more operation, and
stops in the middle of it (inside the open transaction, after its writes) until killed.

    python tests/crash_driver.py import <store> <first.csv> <second.csv> <signal.json>
    python tests/crash_driver.py call|adjustment <store> <signal.json>
    python tests/crash_driver.py generate <path.csv> <rows>

The pause is test-only: the driver wraps the library from outside (a patched write_deals,
a connection proxy) and the library runs exactly as in production. When the operation is
demonstrably in progress, the driver writes <signal.json> with the store's fingerprints as
committed before it, and what the open transaction can see.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from forecast import backup, calls, db, importing
from forecast.importing import load

sys.path.insert(0, str(Path(__file__).parent))
import tiny_company  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures" / "import"
FIRST_AS_OF, SECOND_AS_OF = date(2026, 11, 13), date(2026, 11, 20)
CALL_AT = datetime(2026, 11, 21, 9)


def generate(path: Path, rows: int) -> None:
    """`rows` well-formed deals of the people in fixtures/import/people.csv (seeded)."""
    rng = np.random.default_rng(8)
    stages = np.array(["Prospecting", "Proposal", "Negotiation", "Closed Won", "Closed Lost"])
    close = pd.Timestamp("2026-10-01") + pd.to_timedelta(rng.integers(0, 400, rows), unit="D")
    created = pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 300, rows), unit="D")
    pd.DataFrame({
        "opportunity_id": [f"K{i:07d}" for i in range(rows)],
        "opportunity_name": [f"Deal {i}" for i in range(rows)],
        "owner_id": np.array(["R1", "R2", "M1"])[rng.integers(0, 3, rows)],
        "amount": rng.integers(100, 100_000, rows),
        "stage_name": stages[rng.integers(0, 5, rows)],
        "close_date": close.strftime("%Y-%m-%d"),
        "created_date": created.strftime("%Y-%m-%d"),
    }).to_csv(path, index=False)


def signal(path: Path, **facts) -> None:
    """Written whole, then renamed: the test never reads half a file."""
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(facts, default=str))
    partial.rename(path)


def wait_forever() -> None:
    while True:
        time.sleep(60)


def interrupted_import(store: Path, first: Path, second: Path, signal_path: Path) -> None:
    con = db.connect(store)
    for name in ("stages.csv", "people.csv"):
        importing.import_file(con, FIXTURES / name, as_of=FIRST_AS_OF)
    committed = importing.import_file(con, first, as_of=FIRST_AS_OF)
    before = backup.fingerprints(con)
    file_bytes = store.stat().st_size
    write_deals = load.write_deals

    def write_then_stop(con, deals, **kwargs):
        written = write_deals(con, deals, **kwargs)
        signal(signal_path, committed=committed.rows_loaded, before=before,
               visible_deals=load.scalar(con, "select count(*) from opportunities"),
               visible_snapshot_rows=load.scalar(
                   con, "select count(*) from opportunity_snapshots"),
               file_bytes_before=file_bytes, file_bytes_now=store.stat().st_size,
               pid=os.getpid())
        wait_forever()
        return written

    load.write_deals = write_then_stop
    importing.import_file(con, second, as_of=SECOND_AS_OF)


class StopAfterInsert:
    """A connection that stops for good right after it inserts into `table`."""

    def __init__(self, con, table: str, signal_path: Path, before: dict) -> None:
        self.con, self.table, self.signal_path, self.before = con, table, signal_path, before

    def execute(self, sql, params=None):
        result = self.con.execute(sql, params or {})
        if sql.lstrip().lower().startswith(f"insert into {self.table} "):
            new_id = result.fetchall()[0][0]
            visible = self.con.execute(f"select count(*) from {self.table}").fetchall()[0][0]
            signal(self.signal_path, before=self.before, new_id=new_id, visible_rows=visible,
                   pid=os.getpid())
            wait_forever()
        return result


def interrupted_call(kind: str, store: Path, signal_path: Path) -> None:
    con = db.connect(store)
    tiny_company.load(con)
    tiny_company.load_calls(con)
    # committed just before, and not yet checkpointed: it lives in the write-ahead log only
    calls.submit_call(con, "R1", "2026-Q4", 300, 600, "committed", "R1", CALL_AT)
    before = backup.fingerprints(con)
    if kind == "call":
        proxy = StopAfterInsert(con, "submissions", signal_path, before)
        calls.submit_call(proxy, "R1", "2026-Q4", 310, 610, "interrupted", "R1",
                          CALL_AT.replace(hour=10))
    else:
        proxy = StopAfterInsert(con, "adjustments", signal_path, before)
        calls.adjust_call(proxy, "M1", "R1", "2026-Q4", 250, 500, "interrupted", "M1",
                          CALL_AT.replace(hour=10))


def main(argv: list[str]) -> None:
    mode, *args = argv
    if mode == "generate":
        generate(Path(args[0]), int(args[1]))
    elif mode == "import":
        interrupted_import(*map(Path, args))
    else:
        interrupted_call(mode, *map(Path, args))


if __name__ == "__main__":
    main(sys.argv[1:])
