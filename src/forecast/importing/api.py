"""import_file / import_maven: one import = read, check, write in one transaction, log it.

Every attempt is logged in `imports` (its rejected rows in `import_rejects`). A failed import
changes no data table: its writes are rolled back and only the log entry is written, in a
transaction of its own. The same file imported again (same bytes, same format, no new
mappings) is recognised by its SHA-256 and changes nothing (status 'unchanged').

Counting (the invariant rows_in == rows_loaded + rows_rejected always holds):
- rows_in: data rows read (blank lines are not rows);
- a file that cannot be read or understood (empty, not a table, required columns missing)
  fails before its rows are counted: 0 / 0 / 0;
- a failed import loads nothing, so all its rows count as rejected, even those that had no
  problem of their own; its rejects frame lists only the rows with problems;
- 'unchanged' reads nothing: 0 / 0 / 0.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from forecast.db import transaction
from forecast.importing import deals, formats, load, people, readers, reference, sf_history
from forecast.importing.context import Context
from forecast.importing.model import (
    REJECT_COLUMNS,
    ImportFailed,
    ImportResult,
    Progress,
    noop_progress,
)
from forecast.importing.validate import plural, quoted_list

HANDLERS: dict[str, Callable[[Context], str]] = {
    "deals": deals.run,
    "history": sf_history.run,
    "people": people.run,
    "quotas": reference.run_quotas,
    "leads": reference.run_leads,
    "stages": reference.run_stages,
}


class _NothingLoaded(Exception):  # noqa: N818 - internal signal, never escapes
    def __init__(self, result: ImportResult) -> None:
        super().__init__(result.message)
        self.result = result


@dataclass
class Attempt:
    """One import attempt: its id, timing and the log entry it ends with."""

    con: duckdb.DuckDBPyConnection
    source_file: str
    kind: str
    progress: Progress
    import_id: str = ""
    started_at: datetime | None = None
    sha: str | None = None

    def __post_init__(self) -> None:
        self.started_at = datetime.now()
        self.import_id = f"imp-{self.started_at:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"

    def unchanged(self, previous: tuple) -> ImportResult:
        prior_id, prior_at, _ = previous
        result = ImportResult(
            self.import_id, self.source_file, self.kind, 0, 0, 0, "unchanged",
            f"This file was already imported on {prior_at:%Y-%m-%d %H:%M} ({prior_id}); "
            "nothing changed.")
        with transaction(self.con):
            load.record_import(self.con, result, started_at=self.started_at, sha=self.sha)
        self.progress(1.0, "Already imported")
        return result

    def failed(self, message: str, ctx: Context | None = None) -> ImportResult:
        rows_in = ctx.n_rows if ctx else 0
        rejects = _rejects(ctx) if ctx else pd.DataFrame(columns=REJECT_COLUMNS)
        result = ImportResult(
            self.import_id, self.source_file, self.kind, rows_in, 0, rows_in, "failed",
            message, list(ctx.assumptions) if ctx else [], rejects,
            list(ctx.unknown_stages) if ctx else [])
        with transaction(self.con):
            load.record_import(self.con, result, started_at=self.started_at, sha=self.sha)
        self.progress(1.0, "Import failed")
        return result

    def run(self, ctx: Context, handler: Callable[[Context], str]) -> ImportResult:
        try:
            with transaction(self.con):
                done = handler(ctx)
                result = _result(ctx, self, done)
                if result.rows_loaded == 0:
                    raise _NothingLoaded(result)
                load.record_import(self.con, result, started_at=self.started_at, sha=self.sha)
        except _NothingLoaded as nothing:
            return self.failed(nothing.result.message, ctx)
        except ImportFailed as exc:
            return self.failed(str(exc), ctx)
        except Exception as exc:  # noqa: BLE001 - the page must get a result, not a crash
            return self.failed(f"The import stopped on an unexpected problem and changed "
                               f"nothing: {exc}", ctx)
        self.progress(1.0, "Import finished")
        return result


def _rejects(ctx: Context) -> pd.DataFrame:
    return ctx.problems.frame(ctx.source_file, ctx.lines, ctx.table.raw_rows)


def _result(ctx: Context, attempt: Attempt, done: str) -> ImportResult:
    rows_in, rejected = ctx.n_rows, ctx.problems.count
    loaded = rows_in - rejected
    if rows_in == 0:
        message = "The file has a header but no rows, so there was nothing to import."
        status = "failed"
    elif loaded == 0:
        message = (f"No row could be loaded ({plural(rows_in, 'row')} rejected: "
                   f"{_top_reasons(ctx)}), so nothing was changed.")
        status = "failed"
    elif rejected:
        status = "loaded_with_rejects"
        message = (f"{loaded:,} of {rows_in:,} rows loaded, {rejected:,} rejected "
                   f"({_top_reasons(ctx)}): {done}.")
    else:
        status = "loaded"
        message = f"All {plural(rows_in, 'row')} loaded: {done}."
    if ctx.unknown_stages and not load.scalar(ctx.con, "select count(*) from stages"):
        message += " The store has no stages yet: import a stages file first."
    elif ctx.unknown_stages:
        message += (" Map the unknown stages (" + quoted_list(ctx.unknown_stages)
                    + ") to known ones and import the file again.")
    return ImportResult(attempt.import_id, attempt.source_file, attempt.kind, rows_in, loaded,
                        rejected, status, message, list(ctx.assumptions), _rejects(ctx),
                        list(ctx.unknown_stages))


def _top_reasons(ctx: Context) -> str:
    rejects = ctx.problems.frame(ctx.source_file, ctx.lines, lambda rows: [""] * len(rows))
    generic = (rejects["reason"].str.replace(r"'[^']*'", "'…'", regex=True)
               .str.replace(r"(:|;| \().*$", "", regex=True).str.rstrip("."))
    counts = generic.value_counts()
    parts = [f"{reason} ({plural(n, 'row')})" for reason, n in counts.head(3).items()]
    if len(counts) > 3:
        parts.append("other reasons")
    return "; ".join(parts)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def import_file(con: duckdb.DuckDBPyConnection, path, *, kind: str | None = None,
                mapping: dict[str, str] | None = None,
                stage_mapping: dict[str, str] | None = None, as_of: date | None = None,
                progress: Progress | None = None) -> ImportResult:
    """Import one CSV/TSV/.xlsx file of any supported format (auto-detected when `kind` is
    None). Never raises for a bad file: the result says what happened."""
    path = Path(path)
    progress = progress or noop_progress
    attempt = Attempt(con, path.name, kind or "unknown", progress)
    as_of = as_of or date.today()
    progress(0.0, f"Reading {path.name}")
    try:
        data = readers.read_bytes(path)
        attempt.sha = sha256(data)
        if not mapping and not stage_mapping:
            previous = load.previous_import(con, attempt.sha, kind)
            if previous:
                attempt.kind = previous[2]
                return attempt.unchanged(previous)
        table = readers.read_table(path, data)
        spec, columns = formats.resolve(kind, table.columns, mapping)
    except ImportFailed as exc:
        return attempt.failed(str(exc))
    attempt.kind = spec.kind
    ctx = Context(con, table, spec, columns, as_of, attempt.import_id, path.name,
                  stage_mapping=dict(stage_mapping or {}), progress=progress)
    for note in table.notes:
        ctx.note(note)
    if kind is None:
        ctx.note(f"{path.name} was read as {formats.describe_variant(spec, columns)} "
                 f"({table.description})")
    elif table.description != readers.PLAIN:
        ctx.note(f"{path.name} was read as {table.description}")
    return attempt.run(ctx, HANDLERS[spec.target])


def detect_format(path) -> formats.FormatGuess:
    """What kind of file `path` is, from its header: kind, column mapping and confidence."""
    return formats.detect_format(path)


def import_maven(con: duckdb.DuckDBPyConnection, folder, *, as_of: date | None = None,
                 progress: Progress | None = None) -> ImportResult:
    """Import the Maven Analytics CRM sample folder (sales_pipeline.csv, sales_teams.csv,
    accounts.csv, products.csv). See maven.py for what it assumes."""
    from forecast.importing import maven

    return maven.import_folder(con, Path(folder), as_of=as_of,
                               progress=progress or noop_progress)
