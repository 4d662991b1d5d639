"""What is loaded and how trustworthy it is: table counts, data-quality checks, import log."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from forecast import queries


def table_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return queries.frame(con, "table_counts")


def checks(con: duckdb.DuckDBPyConnection, as_of: date) -> pd.DataFrame:
    """One row per data-quality check: how many deals and how much value it concerns."""
    return queries.frame(con, "quality_checks", as_of=as_of)


def import_log(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        "select import_id, started_at, source_file, format, rows_in, rows_loaded, "
        "rows_rejected, status, message, assumptions from imports order by started_at desc"
    ).df()


def rejected_rows(con: duckdb.DuckDBPyConnection, import_id: str) -> pd.DataFrame:
    return con.execute(
        "select source_file, line_number, column_name, value, reason, raw_row "
        "from import_rejects where import_id = $id order by line_number",
        {"id": import_id},
    ).df()
