"""One DuckDB connection per process; one read transaction per script run.

Every read of a script run goes through the same cursor, inside one transaction that
`run_reads` opens when the run starts and rolls back when it ends: whatever commits while
the page draws (an import in another session, a call), the whole page shows the store as it
was when the run began, never the top half from before and the bottom half from after.

Cached reads are keyed by `data_version()`, read inside that transaction, so a run never
picks up a result computed from another version of the data, and a run that started before
a write cannot leave its older result in the cache for the runs after it.

Writes take their own cursor (`write_cursor`), commit, and then `data_changed()` moves the
run on to a fresh transaction that sees them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import TypeVar

import duckdb
import streamlit as st

from forecast import aggregates, db

T = TypeVar("T")

_run = threading.local()  # each script run is a thread: its cursor and data version


@st.cache_resource(show_spinner=False)
def connection(path: str) -> duckdb.DuckDBPyConnection:
    return db.connect(path)


def new_cursor() -> duckdb.DuckDBPyConnection:
    """A cursor of the process's connection, outside any run's transaction."""
    try:
        return connection(str(db.db_path())).cursor()
    except db.StoreError as exc:
        # Every page starts here, so a store that cannot be opened stops the page plainly.
        st.error(str(exc))
        st.stop()


def _begin(cur: duckdb.DuckDBPyConnection) -> None:
    cur.execute("begin transaction")
    # DuckDB takes the transaction's snapshot at its first statement, not at BEGIN: reading
    # the version now pins the run to the data as it is when the run starts.
    _run.cursor, _run.version = cur, db.data_version(cur)
    # the snapshot is fixed: each derived table set is checked once in it, or not at all
    # when every set was made current at this very data version (`_ensure_derived`)
    aggregates.hold(cur, current=_derived_at.get(str(db.db_path())) == _run.version)


def _end() -> None:
    cur, _run.cursor, _run.version = _run.cursor, None, None
    aggregates.release()
    try:
        cur.execute("rollback")  # it only read: nothing to keep
    except duckdb.Error:
        pass  # already ended by a failed statement; closing is all that is left
    cur.close()


_derived_at: dict[str, str] = {}  # store path -> data version its derived tables were checked at


def _ensure_derived(cur: duckdb.DuckDBPyConnection) -> None:
    """Derived tables are built on their own, committed, before the run's snapshot is taken:
    built inside the run's transaction they would be rolled back with it. Checking them
    costs 0.1-0.2 s at a million deals, so it is done once per data version. Every write of
    the app is a transaction that moves the data version on (db.transaction), so a run that
    reads the version they were checked at reads their sources as they were checked, and
    its reads check nothing; a run that reads a newer one (a write landed in between)
    checks each set once, with its first read of it (`aggregates.hold`)."""
    path, version = str(db.db_path()), db.data_version(cur)
    if _derived_at.get(path) != version:
        aggregates.ensure_all(cur)
        _derived_at[path] = version


@contextmanager
def run_reads() -> Iterator[None]:
    """Hold one read transaction for the script run (or fragment run) inside the block.
    Nested blocks (a fragment drawn by its page's run) share the outer one."""
    if getattr(_run, "cursor", None) is not None:
        yield
        return
    cur = new_cursor()
    _ensure_derived(cur)
    _begin(cur)
    try:
        yield
    finally:
        _end()


def fragment(body: Callable[..., T]) -> Callable[..., T]:
    """`st.fragment` whose reruns read in their own transaction, like a whole run does."""
    @wraps(body)
    def in_transaction(*args, **kwargs):
        with run_reads():
            return body(*args, **kwargs)
    return st.fragment(in_transaction)


@contextmanager
def cursor() -> Iterator[duckdb.DuckDBPyConnection]:
    """The run's cursor (see `run_reads`), or outside a run a cursor of its own."""
    shared = getattr(_run, "cursor", None)
    if shared is not None:
        yield shared
        return
    own = new_cursor()
    try:
        yield own
    finally:
        own.close()


@contextmanager
def write_cursor() -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor of its own for a write: the run's cursor is inside a read transaction."""
    own = new_cursor()
    try:
        yield own
    finally:
        own.close()


def data_version() -> str:
    """Which committed state of the store this run reads (see db.data_version)."""
    if getattr(_run, "cursor", None) is None:
        with cursor() as cur:
            return db.data_version(cur)
    return _run.version


def data_changed() -> None:
    """Call after a write: drop cached results and let the rest of the run see the write."""
    st.cache_data.clear()
    if getattr(_run, "cursor", None) is not None:
        cur = _run.cursor
        aggregates.release()
        cur.execute("rollback")
        _ensure_derived(cur)  # after an import: rebuilt now, while its progress is shown
        _begin(cur)


def cached_read(**options) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """`st.cache_data(**options)` with the run's `data_version()` added to the key."""
    def decorate(read: Callable[..., T]) -> Callable[..., T]:
        def keyed(version: str, *args, **kwargs):
            return read(*args, **kwargs)
        # Streamlit tells cached functions apart by module and qualified name; every `keyed`
        # would otherwise share one cache.
        keyed.__module__, keyed.__qualname__ = read.__module__, read.__qualname__
        keyed.__name__ = read.__name__
        cached = st.cache_data(**options)(keyed)

        @wraps(read)
        def call(*args, **kwargs):
            return cached(data_version(), *args, **kwargs)
        call.clear, call.cache = cached.clear, cached
        return call
    return decorate
