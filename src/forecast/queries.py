"""Named SQL queries: one query per file in sql/queries/, run with bound `$name` parameters.

Values are never formatted into SQL text; a user-chosen dimension goes through an allow-list
in the module that offers it.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import duckdb
import pandas as pd

from forecast import append_only


@cache
def sql(name: str) -> str:
    """The text of sql/queries/<name>.sql (read once per process, on first use). A query
    that would rewrite history (append_only) is refused here, before it can run."""
    text = (resources.files("forecast") / "sql" / "queries" / f"{name}.sql").read_text("utf-8")
    append_only.check(text)
    return text


def frame(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> pd.DataFrame:
    """Run a named query and return every row as a DataFrame."""
    return con.execute(sql(name), params).df()


def rows(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> list[tuple]:
    return con.execute(sql(name), params).fetchall()
