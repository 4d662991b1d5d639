"""Which stored state answers "as of this date": the live deals, or a past weekly snapshot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb


class AsOfError(ValueError):
    """An as-of date the store cannot answer for; the message says why and what to pick."""


@dataclass(frozen=True)
class AsOf:
    requested: date
    snapshot_date: date | None  # None = the live (latest) state of every deal

    @property
    def is_live(self) -> bool:
        return self.snapshot_date is None

    @property
    def effective_date(self) -> date:
        return self.snapshot_date or self.requested

    def describe(self) -> str:
        if self.is_live:
            return f"latest data (as of {self.requested:%Y-%m-%d})"
        return (f"weekly snapshot of {self.snapshot_date:%Y-%m-%d} "
                f"(latest on or before {self.requested:%Y-%m-%d})")


def snapshot_range(con: duckdb.DuckDBPyConnection) -> tuple[date | None, date | None]:
    return con.execute("select min(snapshot_date), max(snapshot_date) from snapshots").fetchone()


DATA_DATE_SETTING = "data_as_of"


def data_date(con: duckdb.DuckDBPyConnection) -> date:
    """The date the live deals speak for: set by the last import or demo build, else the
    newest snapshot, else today."""
    row = con.execute(
        "select value from settings where key = $k", {"k": DATA_DATE_SETTING}
    ).fetchone()
    if row:
        return date.fromisoformat(row[0])
    _, last = snapshot_range(con)
    return last or date.today()


def record_data_date(con: duckdb.DuckDBPyConnection, day: date) -> None:
    """Called by whatever refreshes the live deals (an import, the demo build)."""
    if day >= data_date(con) or not con.execute(
        "select 1 from settings where key = $k", {"k": DATA_DATE_SETTING}
    ).fetchall():
        con.execute(
            "insert or replace into settings values ($k, $v)",
            {"k": DATA_DATE_SETTING, "v": day.isoformat()},
        )


def resolve_as_of(
    con: duckdb.DuckDBPyConnection, requested: date, today: date | None = None
) -> AsOf:
    """Map a requested date to the live state or the latest snapshot on or before it."""
    today = today or date.today()
    if requested > today:
        raise AsOfError(
            f"{requested:%Y-%m-%d} is in the future; the data can be shown as of today "
            f"({today:%Y-%m-%d}) or any earlier date."
        )
    first, last = snapshot_range(con)
    if last is None or requested >= data_date(con):
        return AsOf(requested, None)
    if requested < first:
        raise AsOfError(
            f"There is no history before {first:%Y-%m-%d}, the first weekly snapshot; "
            f"pick a date on or after it."
        )
    (snap,) = con.execute(
        "select max(snapshot_date) from snapshots where snapshot_date <= $d", {"d": requested}
    ).fetchone()
    return AsOf(requested, snap)


def snapshot_dates(con: duckdb.DuckDBPyConnection, first: date, last: date) -> list[date]:
    found = con.execute(
        "select snapshot_date from snapshots where snapshot_date between $a and $b order by 1",
        {"a": first, "b": last},
    ).fetchall()
    return [row[0] for row in found]
