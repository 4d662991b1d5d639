"""Opening the store and keeping its schema current.

The store is one DuckDB file. A process opens one connection (the UI caches it) and gives each
script run or thread its own cursor, because a DuckDB connection is not thread-safe.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb

DEFAULT_DB_PATH = Path("data") / "demo.duckdb"
DB_PATH_ENV = "FORECAST_DB"


class StoreError(Exception):
    """A problem with the store that the user can act on; its message is shown as is."""


def db_path() -> Path:
    """The store's path: $FORECAST_DB, else data/demo.duckdb under the working directory."""
    return Path(os.environ.get(DB_PATH_ENV) or DEFAULT_DB_PATH)


def connect(path: str | Path | None = None) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the store at `path` and bring its schema up to date.

    `":memory:"` gives a throw-away store, which the tests use.
    """
    target = str(path if path is not None else db_path())
    if target != ":memory:":
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(target)
    except duckdb.Error as exc:
        raise StoreError(_open_failure(target, exc)) from exc
    # the bar DuckDB draws on stdout for long queries would land in the server's log
    con.execute("set enable_progress_bar = false")
    migrate(con)
    create_macros(con)
    return con


def _open_failure(target: str, exc: duckdb.Error) -> str:
    # DuckDB lets one process write a file; the second gets a lock error full of internals.
    if "lock" in str(exc).lower():
        return (f"The store at {target} is in use by another program (another app server or "
                "`forecast` command). Stop that program, or point FORECAST_DB at another file.")
    return f"Cannot open the store at {target}: {exc}"


def create_macros(con: duckdb.DuckDBPyConnection) -> None:
    """(Re-)create the table macros the queries share; they hold no data."""
    con.execute((resources.files("forecast") / "sql" / "macros.sql").read_text("utf-8"))


def _migrations() -> list[tuple[int, str]]:
    folder = resources.files("forecast") / "sql" / "migrations"
    found = []
    for item in folder.iterdir():
        if item.name.endswith(".sql"):
            found.append((int(item.name.split("_", 1)[0]), item.read_text(encoding="utf-8")))
    return sorted(found)


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    con.execute(
        "create table if not exists schema_version "
        "(version integer primary key, applied_at timestamp default current_timestamp)"
    )
    return con.execute("select coalesce(max(version), 0) from schema_version").fetchone()[0]


def latest_schema_version() -> int:
    return max(version for version, _ in _migrations())


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply every migration newer than the store's version, each in its own transaction."""
    current = schema_version(con)
    if current > latest_schema_version():
        raise StoreError(
            f"The store has schema version {current}, newer than this program "
            f"({latest_schema_version()}). Upgrade the program before opening it."
        )
    for version, script in _migrations():
        if version <= current:
            continue
        # a migration is not a change of the data (and data_changes may not exist yet)
        with transaction(con, changes_data=False):
            con.execute(script)
            con.execute("insert into schema_version (version) values ($v)", {"v": version})
    return schema_version(con)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection,
                changes_data: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: on any exception the store is left exactly as it was. A transaction
    that `changes_data` is counted in `data_changes` (see data_version)."""
    con.execute("begin transaction")
    try:
        yield con
        if changes_data:
            con.execute("insert into data_changes default values")
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def data_version(con: duckdb.DuckDBPyConnection) -> str:
    """Which committed state of the data `con` sees: new after every write transaction.
    Inserts only, so concurrent writers never conflict over it."""
    count, latest = con.execute(
        "select count(*), max(changed_at) from data_changes").fetchall()[0]
    return f"{count}:{latest}"


def get_setting(con: duckdb.DuckDBPyConnection, key: str, default: str) -> str:
    row = con.execute("select value from settings where key = $key", {"key": key}).fetchone()
    return row[0] if row else default


def set_setting(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute(
        "insert or replace into settings (key, value) values ($key, $value)",
        {"key": key, "value": value},
    )
