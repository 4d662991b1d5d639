"""Backup of the whole store to a folder of Parquet files, and restore into a new store.

    backup(con, folder) -> Manifest     one <table>.parquet per table + manifest.json
    restore(con, folder) -> Manifest    into an empty store of the same schema version
    fingerprints(con) -> {table: (rows, checksum)}

The manifest records the schema version, every table's row count and checksum, and the
sequences' positions (so restored calls keep their ids and new ones do not collide). A
backup is read in one transaction, so it is consistent even while an import runs, and is
written to `<folder>.partial` and renamed when complete: a folder with a manifest is a whole
backup. A restore is one transaction too: it checks every table against the manifest before
it commits, so a damaged backup or an interrupted restore leaves the target empty.

The checksum of a table is the MD5 of its rows' MD5s in sorted order: independent of row
order and of the physical layout, so equal checksums mean equal contents. The derived tables
(derived_*, sums the pages read, rebuilt from the data whenever it changes) are caches: a
backup leaves them out and the restored store rebuilds them on its first read.

Table names come from the store's own catalog and reach SQL only as bound parameters
(query_table($t)); file paths are bound too.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from forecast import db

MANIFEST = "manifest.json"
FORMAT = "forecast-backup"
FORMAT_VERSION = 1
META_TABLES = ("schema_version", "data_changes")  # kept by the store itself, not copied
# caches rebuilt from the other tables on the next read (forecast.aggregates): not data, so
# neither copied nor compared
DERIVED_PREFIX = "derived_"

_TABLES = """
    select table_name from duckdb_tables()
    where database_name = current_database() and schema_name = 'main' and not temporary
    order by table_name"""
_FINGERPRINT = """
    select count(*), coalesce(md5(string_agg(md5(r::varchar), ',' order by md5(r::varchar))), '')
    from query_table($t) r"""


class BackupError(db.StoreError):
    """A backup or restore that cannot go ahead; the message says why, and nothing changed."""


@dataclass(frozen=True)
class TableCopy:
    table: str
    file: str
    rows: int
    checksum: str


@dataclass(frozen=True)
class Manifest:
    schema_version: int
    created_at: str
    duckdb_version: str
    tables: list[TableCopy]
    sequences: dict[str, int] = field(default_factory=dict)
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    @property
    def total_rows(self) -> int:
        return sum(t.rows for t in self.tables)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        path = folder / MANIFEST
        if not folder.is_dir():
            raise BackupError(f"{folder} is not a folder: name the folder a backup was made to.")
        if not path.exists():
            raise BackupError(f"{folder} is not a backup made by `forecast backup`: it has no "
                              f"{MANIFEST} (an interrupted backup leaves only a .partial folder).")
        try:
            data = json.loads(path.read_text("utf-8"))
            if data.get("format") != FORMAT:
                raise ValueError("not a forecast backup")
            tables = [TableCopy(**t) for t in data.pop("tables")]
            return cls(tables=tables, **data)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise BackupError(f"{path} is damaged or not a forecast backup manifest ({exc}).") \
                from exc


def tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table of the store that holds data (derived caches and the store's own
    bookkeeping left out), in name order."""
    return [row[0] for row in con.execute(_TABLES).fetchall()
            if not row[0].startswith(DERIVED_PREFIX) and row[0] not in META_TABLES]


def fingerprints(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, str]]:
    """Row count and checksum of every table: two stores with equal fingerprints hold the
    same rows."""
    return {t: _fingerprint(con, t) for t in tables(con)}


def _fingerprint(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, str]:
    rows, checksum = con.execute(_FINGERPRINT, {"t": table}).fetchall()[0]
    return int(rows), checksum


def _sequences(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    found = con.execute(
        "select sequence_name, last_value from duckdb_sequences() "
        "where database_name = current_database() order by 1").fetchall()
    return {name: int(last) for name, last in found if last is not None}


# ---------------------------------------------------------------- backup


def backup(con: duckdb.DuckDBPyConnection, folder: str | Path) -> Manifest:
    """Write every table of the store to `folder` (new or empty) as Parquet, with a manifest."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BackupError(f"{folder} already exists and is not an empty folder; back up into "
                          "a new folder so no earlier backup is overwritten.")
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)  # what an interrupted backup left behind
    partial.mkdir(parents=True)
    cur = con.cursor()
    try:
        with db.transaction(cur, changes_data=False):  # one consistent view of every table
            manifest = Manifest(
                schema_version=db.schema_version(cur),
                created_at=datetime.now().isoformat(timespec="seconds"),
                duckdb_version=duckdb.__version__,
                tables=[_copy_out(cur, t, partial) for t in tables(cur)
                        if t not in META_TABLES],
                sequences=_sequences(cur))
    finally:
        cur.close()
    (partial / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
    if folder.exists():
        folder.rmdir()
    partial.rename(folder)
    return manifest


def _copy_out(con: duckdb.DuckDBPyConnection, table: str, folder: Path) -> TableCopy:
    file = f"{table}.parquet"
    con.execute("copy (select * from query_table($t)) to $path (format parquet)",
                {"t": table, "path": str(folder / file)}).fetchall()
    rows, checksum = _fingerprint(con, table)
    return TableCopy(table, file, rows, checksum)


# ---------------------------------------------------------------- restore


def restore(con: duckdb.DuckDBPyConnection, folder: str | Path) -> Manifest:
    """Load the backup in `folder` into the store `con`, which must be empty and at the
    backup's schema version. All or nothing."""
    folder = Path(folder)
    manifest = Manifest.read(folder)
    _check_schema(con, manifest)
    _check_empty(con)
    missing = [t.file for t in manifest.tables if not (folder / t.file).is_file()]
    if missing:
        raise BackupError(f"The backup in {folder} is incomplete: {', '.join(missing)} "
                          "is missing.")
    with db.transaction(con):
        for copy in manifest.tables:
            _copy_in(con, copy, folder / copy.file)
        _advance_sequences(con, manifest.sequences)
    return manifest


def _check_schema(con: duckdb.DuckDBPyConnection, manifest: Manifest) -> None:
    here = db.schema_version(con)
    if manifest.schema_version != here:
        raise BackupError(
            f"The backup has schema version {manifest.schema_version} and this store "
            f"{here}: restore it with the program version that made it, then open the store "
            "with this one to upgrade it.")
    ours = set(tables(con)) - set(META_TABLES)
    theirs = {t.table for t in manifest.tables}
    if ours != theirs:
        raise BackupError(
            "The backup's tables do not match this store's ("
            + "; ".join(part for part in (
                _listed("only in the backup", theirs - ours),
                _listed("only in the store", ours - theirs)) if part) + ").")


def _listed(label: str, names: set[str]) -> str:
    return f"{label}: {', '.join(sorted(names))}" if names else ""


def _check_empty(con: duckdb.DuckDBPyConnection) -> None:
    held = {t: n for t, n in ((t, _count(con, t)) for t in tables(con)
                              if t not in META_TABLES) if n}
    if held:
        shown = ", ".join(f"{t} ({n:,} rows)" for t, n in sorted(held.items())[:4])
        raise BackupError(f"The target store is not empty ({shown}); restore into a new "
                          "store so nothing in it is overwritten.")


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute("select count(*) from query_table($t)", {"t": table}
                           ).fetchall()[0][0])


def _copy_in(con: duckdb.DuckDBPyConnection, copy: TableCopy, path: Path) -> None:
    wanted = [row[0] for row in con.execute(
        "select column_name from duckdb_columns() where database_name = current_database() "
        "and schema_name = 'main' and table_name = $t order by column_index",
        {"t": copy.table}).fetchall()]
    try:
        source = con.read_parquet(str(path))
        if source.columns != wanted:
            raise BackupError(f"{path.name} does not have the columns of the table "
                              f"{copy.table}: the backup was made from another schema.")
        source.insert_into(copy.table)
    except duckdb.Error as exc:
        raise BackupError(f"{path.name} cannot be restored: {exc}".splitlines()[0]) from exc
    if _fingerprint(con, copy.table) != (copy.rows, copy.checksum):
        rows, _ = _fingerprint(con, copy.table)
        raise BackupError(f"{path.name} is damaged: it restores {rows:,} rows of "
                          f"{copy.table} whose checksum differs from the manifest's "
                          f"({copy.rows:,} rows). Nothing was restored.")


def _advance_sequences(con: duckdb.DuckDBPyConnection, sequences: dict[str, int]) -> None:
    """Sequences cannot be set, only advanced: draw values until each is where the backed-up
    store left it, so the next call gets a fresh id."""
    current = _sequences(con)
    for name, last in sequences.items():
        steps = last - current.get(name, 0)
        if steps > 0:
            con.execute("select max(nextval($s)) from range($n)",
                        {"s": name, "n": steps}).fetchall()
