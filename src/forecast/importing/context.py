"""The state one import carries from reading to writing: the table, the mapping, the rejects
collected so far, the assumptions made, and the connection."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from forecast.importing.formats import FormatSpec
from forecast.importing.model import Problems, Progress, noop_progress
from forecast.importing.readers import RawTable

SALESFORCE_NULL_ID = "000000000000000AAA"
# The date a reporting line or quota is taken to hold from when the file gives none and the
# person has none yet: "as far back as the data goes", so past views show them too.
BEGINNING = date(1900, 1, 1)


@dataclass
class Context:
    con: duckdb.DuckDBPyConnection
    table: RawTable
    spec: FormatSpec
    mapping: dict[str, str]
    as_of: date
    import_id: str
    source_file: str
    stage_mapping: dict[str, str] = field(default_factory=dict)
    progress: Progress = noop_progress
    assumptions: list[str] = field(default_factory=list)
    unknown_stages: list[str] = field(default_factory=list)
    problems: Problems = field(init=False)
    # (mask over rows, template with {n}): said only if some loaded row is concerned
    _counted_notes: list[tuple[np.ndarray, str]] = field(default_factory=list)
    _columns: dict[str, pd.Series] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.problems = Problems(len(self.table.frame))
        for position, reason in self.table.bad_rows:
            mask = np.zeros(len(self.table.frame), dtype=bool)
            mask[position] = True
            self.problems.add(mask, None, None, reason)

    @property
    def n_rows(self) -> int:
        return len(self.table.frame)

    @property
    def lines(self) -> np.ndarray:
        return self.table.lines

    def column(self, canonical: str) -> str:
        """The file's name for a canonical field (for reject messages)."""
        return self.mapping.get(canonical, canonical)

    def get(self, canonical: str) -> pd.Series | None:
        """The field's values as stripped strings ('' = blank; Salesforce's
        000000000000000AAA counts as blank), or None when the file has no such column."""
        column = self.mapping.get(canonical)
        if column is None:
            return None
        if column not in self._columns:
            values = self.table.frame[column].astype("str").str.strip()
            if self.spec.kind.startswith("salesforce"):
                values = values.mask(values.eq(SALESFORCE_NULL_ID), "")
            self._columns[column] = values
        return self._columns[column]

    def get_or_blank(self, canonical: str) -> pd.Series:
        values = self.get(canonical)
        return values if values is not None else pd.Series("", index=self.table.frame.index,
                                                          dtype="str")

    def reject(self, mask, canonical: str | None, values, reason) -> int:
        column = self.column(canonical) if canonical else None
        return self.problems.add(mask, column, values, reason)

    def note(self, text: str) -> None:
        if text not in self.assumptions:
            self.assumptions.append(text)

    def note_count(self, mask, template: str) -> None:
        """An assumption about some rows; `{n}` becomes how many loaded rows it concerns
        ({s}, {were}, {have} agree with it)."""
        self._counted_notes.append((np.asarray(mask, dtype=bool), template))

    def finish_notes(self) -> None:
        kept = ~self.problems.rejected
        for mask, template in self._counted_notes:
            n = int((mask & kept).sum())
            if n:
                self.note(template.format(n=f"{n:,}", s="" if n == 1 else "s",
                                          were="was" if n == 1 else "were",
                                          have="has" if n == 1 else "have"))
        self._counted_notes.clear()

    @property
    def accepted(self) -> np.ndarray:
        return ~self.problems.rejected
