"""Import throughput: a generated canonical CSV of N deals with 1 % bad rows, imported into a
fresh store, end to end (read, check, write, commit). Prints the figures; asserts only that
every row was accounted for.

    .venv/bin/python bench/import_bench.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from forecast import db, importing

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "import"


def generate(path: Path, n: int) -> None:
    """Write n well-formed deals (seeded)."""
    rng = np.random.default_rng(7)
    stages = np.array(["Prospecting", "Proposal", "Negotiation", "Closed Won", "Closed Lost"])
    close = pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
    created = close - pd.to_timedelta(rng.integers(10, 200, n), unit="D")
    pd.DataFrame({
        "opportunity_id": [f"P{i:08d}" for i in range(n)],
        "opportunity_name": [f"Deal {i}" for i in range(n)],
        "account_name": np.array([f"Account {i}" for i in range(5000)])[
            rng.integers(0, 5000, n)],
        "owner_id": np.array(["R1", "R2", "M1"])[rng.integers(0, 3, n)],
        "amount": rng.integers(100, 1_000_000, n) / 10,
        "currency": "USD",
        "stage_name": stages[rng.integers(0, 5, n)],
        "probability": "",
        "forecast_category": "",
        "close_date": close.strftime("%Y-%m-%d"),
        "created_date": created.strftime("%Y-%m-%d"),
        "deal_type": np.array(["new", "existing"])[rng.integers(0, 2, n)],
        "lead_source": "Web",
        "segment": "SMB",
    }).to_csv(path, index=False)




def _spoil(path: Path, n: int) -> int:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    bad = np.random.default_rng(11).choice(n, size=n // 100, replace=False)
    frame.loc[bad, "amount"] = "twelve"
    frame.to_csv(path, index=False)
    return len(bad)


def measure(rows: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        con = db.connect(":memory:")
        for name in ("stages.csv", "people.csv"):
            importing.import_file(con, FIXTURES / name)
        path = Path(tmp) / "big.csv"
        generate(path, rows)
        bad = _spoil(path, rows)
        started = time.perf_counter()
        result = importing.import_file(con, path, as_of=date(2026, 11, 20))
        seconds = time.perf_counter() - started
    if (result.rows_loaded, result.rows_rejected) != (rows - bad, bad):
        raise SystemExit(f"rows not accounted for: {result}")
    return {"rows": rows, "bad_rows": bad, "seconds": seconds, "rows_per_s": rows / seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="import throughput")
    parser.add_argument("--rows", type=int, default=1_000_000)
    figures = measure(parser.parse_args(argv).rows)
    print(f"{figures['rows']:,} rows ({figures['bad_rows']:,} bad) in "
          f"{figures['seconds']:.2f} s = {figures['rows_per_s']:,.0f} rows/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
