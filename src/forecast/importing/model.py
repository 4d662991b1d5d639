"""What an import hands back, and the collector of rejected rows every importer shares."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

REJECT_COLUMNS = ["source_file", "line_number", "column_name", "value", "reason", "raw_row"]
STATUSES = ("loaded", "loaded_with_rejects", "failed", "unchanged")

Progress = Callable[[float, str], None]


class ImportFailed(Exception):  # noqa: N818 - reads as "the import failed: <message>"
    """The whole file is turned away; the message is one sentence for a sales-ops person."""


@dataclass(frozen=True)
class FormatGuess:
    """What `detect_format` read from a file's header."""

    kind: str | None            # one of formats.KINDS, or None when nothing fits
    mapping: dict[str, str]     # canonical field -> the file's column
    confidence: float           # 0..1: share of the file's columns the format recognises,
                                # 0 when a required column is missing
    missing: list[str]          # required fields the file has no column for
    unused_columns: list[str]   # the file's columns the format does not read
    label: str                  # e.g. "Salesforce opportunities (report labels)"; for a
                                # file that cannot be read, why (kind None)


@dataclass
class ImportResult:
    import_id: str
    source_file: str
    kind: str
    rows_in: int
    rows_loaded: int
    rows_rejected: int
    status: str
    message: str
    assumptions: list[str] = field(default_factory=list)
    rejects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECT_COLUMNS))
    unknown_stages: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.rows_in != self.rows_loaded + self.rows_rejected:
            raise AssertionError(
                f"rows_in {self.rows_in} != loaded {self.rows_loaded} + "
                f"rejected {self.rows_rejected}")
        if self.status not in STATUSES:
            raise AssertionError(f"unknown status {self.status!r}")
        self.message = one_line(self.message)


MESSAGE_LIMIT = 600


def one_line(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """A message fit for one line of a page or a terminal, whatever values a file put in it:
    line breaks and other control characters become spaces, and a message swollen by a huge
    value is cut short with '…'."""
    flat = re.sub(r"[\x00-\x1f\x7f\x85\u2028\u2029]+", " ", text)
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


class Problems:
    """Rejected rows of one file, collected check by check (vectorised: one mask per check).

    A row may fail several checks; each failure is one reject entry, and the row counts once
    in `rows_rejected`. Positions are 0-based row positions in the parsed table.
    """

    def __init__(self, n_rows: int) -> None:
        self.rejected = np.zeros(n_rows, dtype=bool)
        self._parts: list[pd.DataFrame] = []

    def add(self, mask, column: str | None, values, reason) -> int:
        """Reject the rows where `mask` is true. `values` and `reason` are a scalar or
        anything positionally aligned with the table (Series, array)."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return 0
        rows = np.flatnonzero(mask)
        self._parts.append(pd.DataFrame({
            "row": rows,
            "column_name": column,
            "value": _pick(values, rows),
            "reason": _pick(reason, rows),
        }))
        self.rejected |= mask
        return len(rows)

    @property
    def count(self) -> int:
        return int(self.rejected.sum())

    def frame(self, source_file: str, lines: np.ndarray, raw_row) -> pd.DataFrame:
        """The rejects as the import log stores them. `raw_row(positions)` gives the text."""
        if not self._parts:
            return pd.DataFrame(columns=REJECT_COLUMNS)
        out = pd.concat(self._parts, ignore_index=True).sort_values("row", kind="stable")
        rows = out["row"].to_numpy()
        out = out.assign(
            source_file=source_file,
            line_number=np.asarray(lines)[rows].astype("int64"),
            raw_row=raw_row(rows),
            value=[None if _missing(v) else str(v) for v in out["value"]],
            reason=out["reason"].astype(str),
        )
        return out[REJECT_COLUMNS].reset_index(drop=True)


def fmt(template: str, **columns):
    """A reason built only for the rejected rows: fmt("unknown stage '{v}'", v=stages).
    Building a string for each of a million rows that pass would cost more than the check."""

    def build(rows: np.ndarray) -> list[str]:
        picked = {k: _pick(v, rows) for k, v in columns.items()}
        return [template.format(**{k: v[i] for k, v in picked.items()})
                for i in range(len(rows))]

    return build


def _pick(values, rows: np.ndarray):
    if callable(values):
        return values(rows)
    if isinstance(values, pd.Series):
        return values.iloc[rows].to_numpy(dtype=object)
    if isinstance(values, np.ndarray):
        return values[rows].astype(object)
    if isinstance(values, list | tuple):
        return np.asarray(values, dtype=object)[rows]
    return [values] * len(rows)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def noop_progress(fraction: float, message: str) -> None:
    """The progress callback used when the caller passes none."""
