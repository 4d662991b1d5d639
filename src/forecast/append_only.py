"""History is never rewritten: which tables are append-only, and the guard that refuses SQL
that would change them in place.

DuckDB has no triggers, so the store cannot refuse an UPDATE by itself. The guard works on
the SQL instead: `check(sql)` splits the text into statements with
`duckdb.extract_statements`, reads each one's type (UPDATE, DELETE, INSERT, MERGE, DROP,
ALTER, CREATE) and its target table, and raises HistoryError when a statement would change or
remove rows of a protected table: UPDATE, DELETE, TRUNCATE, INSERT OR REPLACE, INSERT ... ON
CONFLICT DO UPDATE, MERGE, DROP, CREATE OR REPLACE, ALTER other than ADD COLUMN. Plain INSERT
(and INSERT OR IGNORE, which keeps the stored row) is how history grows.

Where it runs: the named-query loader (queries.sql) and the importer's executors check every
statement before it reaches the store, and tests/test_append_only.py runs `writes()` over
every SQL text in the library, so no library code path updates or deletes history. The paths
that would rewrite history by adding rows (a snapshot re-taken with other data, a call dated
before the latest one) check the data themselves and raise with a sentence saying why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import duckdb

from forecast.db import StoreError

# table -> what it keeps, for messages
PROTECTED = {
    "opportunity_snapshots": "the weekly history of every deal",
    "snapshots": "the dates of the weekly snapshots",
    "submissions": "the forecast calls",
    "adjustments": "the managers' adjustments",
    "reporting_lines": "the reporting lines as they were on each date",
    "quotas": "every version of every quota",
    "whatif_scenarios": "every saved version of every what-if scenario",
}

# The one in-place change allowed on a protected table: when a later file of the same day adds
# deals to a day's snapshot, the day's tally of deals follows. No snapshot row changes.
ALLOWED_UPDATES = {"snapshots": frozenset({"deal_count"})}

REWRITES = ("update", "delete", "replace", "upsert", "merge", "drop", "alter")


class HistoryError(StoreError):
    """Something would change or remove recorded history; nothing was written."""


@dataclass(frozen=True)
class Write:
    """One statement's effect on one table: kind is 'insert', 'add_column' or one of
    REWRITES."""

    kind: str
    table: str
    columns: frozenset[str] = frozenset()   # for 'update': the columns it sets

    @property
    def rewrites_history(self) -> bool:
        if self.table not in PROTECTED or self.kind not in REWRITES:
            return False
        allowed = ALLOWED_UPDATES.get(self.table)
        return not (self.kind == "update" and allowed and self.columns <= allowed)


def check(sql: str) -> None:
    """Raise HistoryError if any statement in `sql` would rewrite a protected table."""
    refused = _refused(sql)
    if refused:
        write = refused[0]
        raise HistoryError(
            f"History is never rewritten: {_VERB[write.kind]} {write.table} "
            f"({PROTECTED[write.table]}) is refused; a change is recorded as a new row.")


@lru_cache(maxsize=1024)
def _refused(sql: str) -> tuple[Write, ...]:
    """Cached by text: the library runs the same few hundred statements over and over."""
    return tuple(w for w in writes(sql) if w.rewrites_history)


_VERB = {
    "update": "updating", "delete": "deleting from", "replace": "replacing rows of",
    "upsert": "overwriting rows of (ON CONFLICT DO UPDATE)", "merge": "merging into",
    "drop": "dropping or replacing", "alter": "altering",
}


def writes(sql: str) -> list[Write]:
    """Every table write in `sql`, statement by statement. A statement of another type, and
    text DuckDB cannot parse (a fragment), is searched for every kind of write: erring on the
    strict side, nothing slips through unclassified."""
    try:
        statements = [(s.type.name, s.query) for s in duckdb.extract_statements(sql)]
    except duckdb.Error:
        statements = [(None, sql)]
    found: list[Write] = []
    for kind, text in statements:
        clean = _normalise(text)
        for detector in _DETECTORS.get(kind, _ALL) if kind else _ALL:
            found.extend(detector(clean))
    return found


def _normalise(text: str) -> str:
    """Lower case, comments and string literals removed, whitespace collapsed: what is left
    is keywords and names, so a value that looks like SQL cannot fool the detectors."""
    text = re.sub(r"'(?:[^']|'')*'", "''", text)
    text = re.sub(r"--[^\n]*|/\*.*?\*/", " ", text, flags=re.S)
    return " ".join(text.lower().split())


_NAME = r'(?P<t>(?:"?\w+"?\.)*"?\w+"?)'


def _table(match: re.Match) -> str:
    return match.group("t").split(".")[-1].strip('"')


def _updates(text: str) -> list[Write]:
    return [Write("update", _table(m), _set_columns(m.group("set"))) for m in re.finditer(
        r"\bupdate\s+(?:only\s+)?" + _NAME + r"(?:\s+(?:as\s+)?\w+)?\s+set\s+(?P<set>.*)",
        text)]


def _set_columns(clause: str) -> frozenset[str]:
    """The columns of `a = ..., b = (...) from ... where ...`: each part between top-level
    commas names one, until the FROM / WHERE / RETURNING that ends the list."""
    columns, depth, start = set(), 0, 0
    for i, char in enumerate(clause + ","):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char != "," or depth:
            continue
        part = clause[start:i]
        named = re.match(r'\s*"?(\w+)"?\s*=', part)
        if named:
            columns.add(named.group(1))
        if re.search(r"\b(from|where|returning)\b", part):
            break
        start = i + 1
    return frozenset(columns)


def _deletes(text: str) -> list[Write]:
    return [Write("delete", _table(m)) for m in re.finditer(
        r"\b(?:delete\s+from|truncate(?:\s+table)?)\s+" + _NAME, text)]


def _inserts(text: str) -> list[Write]:
    out = []
    for m in re.finditer(r"\binsert\s+(?:or\s+(?P<or>replace|ignore)\s+)?into\s+" + _NAME,
                         text):
        if m.group("or") == "replace":
            kind = "replace"
        elif re.search(r"\bon\s+conflict\b.*\bdo\s+update\b", text[m.end():]):
            kind = "upsert"
        else:
            kind = "insert"
        out.append(Write(kind, _table(m)))
    return out


def _merges(text: str) -> list[Write]:
    return [Write("merge", _table(m)) for m in re.finditer(r"\bmerge\s+into\s+" + _NAME, text)]


def _drops(text: str) -> list[Write]:
    dropped = re.finditer(r"\bdrop\s+table\s+(?:if\s+exists\s+)?" + _NAME, text)
    replaced = re.finditer(r"\bcreate\s+or\s+replace\s+(?:temp\w*\s+)?table\s+" + _NAME, text)
    return [Write("drop", _table(m)) for m in (*dropped, *replaced)]


def _alters(text: str) -> list[Write]:
    out = []
    for m in re.finditer(r"\balter\s+table\s+(?:if\s+exists\s+)?" + _NAME + r"\s+(?P<rest>\w+"
                         r"(?:\s+\w+)?)", text):
        adds_a_column = re.match(r"add\b", m.group("rest"))
        out.append(Write("add_column" if adds_a_column else "alter", _table(m)))
    return out


_ALL = (_updates, _deletes, _inserts, _merges, _drops, _alters)
_DETECTORS = {
    "UPDATE": (_updates,),
    "DELETE": (_deletes,),
    "INSERT": (_inserts,),
    "MERGE_INTO": (_merges,),
    "DROP": (_drops,),
    "CREATE": (_drops,),
    "ALTER": (_alters,),
}
