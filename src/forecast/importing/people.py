"""People and reporting lines: the canonical people file, Salesforce User and UserRole.

Rules: every row needs an id and a name; a manager must be in the file or already in the
store; a line that would make a cycle (A reports to B ... reports to A) is rejected, and so
are rows whose manager was rejected. Reporting lines are append-only: a row adds a line only
when it changes the line in effect on its date; a different manager on a date that already
has a line is rejected (use a later effective_date). Without an effective_date, a person's
first line holds from the beginning (so past views show them) and a change from the as-of date.

Salesforce roles become hierarchy nodes with ids 'role-<Id>' (title 'Salesforce role');
users without a ManagerId are placed under their role's node when their file has UserRoleId
and that role is loaded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.importing import load, validate
from forecast.importing.context import BEGINNING, Context
from forecast.importing.model import fmt
from forecast.importing.validate import plural

ROLE_PREFIX = "role-"
PEOPLE_COLUMNS = ["person_id", "name", "email", "title", "manager_id", "effective_date",
                  "is_active"]


def run(ctx: Context) -> str:
    ctx.progress(0.2, "Checking people")
    if ctx.spec.kind == "salesforce_users":
        people = _from_users(ctx)
    elif ctx.spec.kind == "salesforce_roles":
        people = _from_roles(ctx)
    else:
        people = _from_canonical(ctx)
    return load_people(ctx, people)


def _nullable(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.ne(""), None)


def _active(ctx: Context, raw: pd.Series) -> pd.Series:
    parsed, bad = validate.parse_bool(raw)
    ctx.reject(bad, "is_active", raw, "is_active must be true/false or 1/0")
    return parsed | raw.eq("")


def _from_canonical(ctx: Context) -> pd.DataFrame:
    dates, bad, note = validate.parse_dates(ctx.get_or_blank("effective_date"))
    ctx.reject(bad, "effective_date", ctx.get_or_blank("effective_date"),
               "effective_date is not a date; use YYYY-MM-DD")
    if note:
        ctx.note(note)
    return pd.DataFrame({
        "person_id": ctx.get("person_id"),
        "name": ctx.get("name"),
        "email": _nullable(ctx.get_or_blank("email")),
        "title": _nullable(ctx.get_or_blank("title")),
        "manager_id": ctx.get("manager_id"),
        "effective_date": validate.to_date(dates),
        "is_active": _active(ctx, ctx.get_or_blank("is_active")),
    })


def _from_users(ctx: Context) -> pd.DataFrame:
    name = ctx.get("name")
    if name is None:
        name = (ctx.get_or_blank("first_name") + " " + ctx.get_or_blank("last_name")).str.strip()
    manager = ctx.get("manager_id")
    role = ctx.get("role_id")
    if role is not None:
        role_node = ROLE_PREFIX + role
        known = set(load.people_ids(ctx.con)["person_id"])
        use_role = manager.eq("") & role.ne("") & role_node.isin(known)
        manager = manager.where(~use_role, role_node)
        ctx.note_count(use_role.to_numpy(), "{n} user{s} had no manager: placed under their "
                       "Salesforce role's node")
    return pd.DataFrame({
        "person_id": ctx.get("person_id"),
        "name": name,
        "email": _nullable(ctx.get_or_blank("email")),
        "title": _nullable(ctx.get_or_blank("title")),
        "manager_id": manager,
        "effective_date": pd.Series(pd.NaT, index=name.index, dtype="datetime64[us]"),
        "is_active": _active(ctx, ctx.get_or_blank("is_active")),
    })


def _from_roles(ctx: Context) -> pd.DataFrame:
    role = ctx.get("role_id")
    parent = ctx.get("parent_role_id")
    ctx.note("Salesforce roles became hierarchy nodes with ids 'role-<Id>'; import users "
             "after roles to place users without a manager under their role")
    return pd.DataFrame({
        "person_id": (ROLE_PREFIX + role).where(role.ne(""), ""),
        "name": ctx.get("name"),
        "email": None,
        "title": "Salesforce role",
        "manager_id": (ROLE_PREFIX + parent).where(parent.ne(""), ""),
        "effective_date": pd.Series(pd.NaT, index=role.index, dtype="datetime64[us]"),
        "is_active": True,
    })


def load_people(ctx: Context, people: pd.DataFrame) -> str:
    """Check and write people + reporting lines (PEOPLE_COLUMNS; manager '' = top)."""
    pid, manager = people["person_id"], people["manager_id"]
    ctx.reject(pid.eq("").to_numpy(), "person_id", "", "missing person id")
    ctx.reject(people["name"].eq("").to_numpy(), "name", "", "missing name")
    people = people.assign(effective_date=_default_dates(ctx, people))
    key = pid + "|" + people["effective_date"].dt.strftime("%Y-%m-%d")
    dup, reason = validate.duplicates(key, ctx.lines, "person", shown=pid)
    ctx.reject(dup, "person_id", pid, reason)
    ctx.reject((manager.ne("") & manager.eq(pid)).to_numpy(), "manager_id", manager,
               fmt("reporting line makes a cycle: {v} reports to themself", v=pid))
    _check_managers_and_cycles(ctx, people)
    _check_existing_lines(ctx, people)
    return _write(ctx, people[ctx.accepted])


def _default_dates(ctx: Context, people: pd.DataFrame) -> pd.Series:
    dates = people["effective_date"]
    missing = dates.isna().to_numpy()
    if not missing.any():
        return dates
    with load.registered(ctx.con, "incoming_ids", people[["person_id"]].drop_duplicates()):
        have_line = set(load.frame(ctx.con, "select distinct person_id from reporting_lines "
                                   "where person_id in (select person_id from incoming_ids)")
                        ["person_id"])
    known = people["person_id"].isin(have_line).to_numpy()
    filled = np.where(known, pd.Timestamp(ctx.as_of), pd.Timestamp(BEGINNING))
    ctx.note_count(missing & ~known, "{n} first reporting line{s} had no effective date: "
                   f"taken to hold from the beginning ({BEGINNING:%Y-%m-%d}), so past views "
                   "show these people too")
    ctx.note_count(missing & known, f"{{n}} reporting line{{s}} without an effective date "
                   f"take effect on the as-of date {ctx.as_of:%Y-%m-%d}")
    return dates.where(~missing, pd.Series(filled, index=dates.index)).astype("datetime64[us]")


def _store_lines(ctx: Context) -> dict[str, str | None]:
    latest = load.rows(ctx.con, """
        select person_id, manager_id from reporting_lines
        qualify row_number() over (partition by person_id order by effective_date desc) = 1""")
    return dict(latest)


def _check_managers_and_cycles(ctx: Context, people: pd.DataFrame) -> None:
    """Reject rows whose manager is unknown or rejected, or whose line closes a cycle; repeat
    until nothing changes (a rejected manager can strand the people below)."""
    store_people = set(load.people_ids(ctx.con)["person_id"])
    store_lines = _store_lines(ctx)
    pid, manager = people["person_id"], people["manager_id"]
    line_of = dict(zip(pid, ctx.lines, strict=False))
    while True:
        before = ctx.problems.count
        ok = ctx.accepted
        in_file = set(pid[ok])
        rejected_ids = set(pid[~ok]) - in_file
        unknown = (ok & manager.ne("").to_numpy()
                   & ~manager.isin(in_file | store_people).to_numpy())
        stranded = unknown & manager.isin(rejected_ids).to_numpy()
        ctx.reject(stranded, "manager_id", manager, fmt(
            "manager '{v}' was rejected (line {n})", v=manager,
            n=lambda rows: [line_of[m] for m in manager.iloc[rows]]))
        ctx.reject(unknown & ~stranded, "manager_id", manager, fmt(
            "manager '{v}' is not in the file or among the people already loaded", v=manager))
        _reject_cycles(ctx, people, store_lines)
        if ctx.problems.count == before:
            return


def _reject_cycles(ctx: Context, people: pd.DataFrame, store_lines: dict) -> None:
    ok = ctx.accepted
    latest = people[ok].assign(_row=np.flatnonzero(ok)).sort_values(
        ["person_id", "effective_date"], kind="stable").groupby("person_id").tail(1)
    graph = dict(store_lines)
    graph.update({p: (m or None) for p, m in zip(latest["person_id"], latest["manager_id"],
                                                 strict=False)})
    row_of = dict(zip(latest["person_id"], latest["_row"], strict=False))
    cycles = _find_cycles(graph, list(row_of))
    mask = np.zeros(ctx.n_rows, dtype=bool)
    reasons = np.full(ctx.n_rows, "", dtype=object)
    for cycle in cycles:
        for i, member in enumerate(cycle):
            if member in row_of:
                loop = cycle[i:] + cycle[:i] + [member]
                mask[row_of[member]] = True
                reasons[row_of[member]] = "reporting line makes a cycle: " + " -> ".join(loop)
    ctx.reject(mask, "manager_id", people["manager_id"], reasons)


def _find_cycles(graph: dict[str, str | None], starts: list[str]) -> list[list[str]]:
    done: set[str] = set()
    cycles = []
    for start in starts:
        path: list[str] = []
        index: dict[str, int] = {}
        node = start
        while node is not None and node not in done:
            if node in index:
                cycles.append(path[index[node]:])
                break
            index[node] = len(path)
            path.append(node)
            node = graph.get(node)
        done.update(path)
    return cycles


def _check_existing_lines(ctx: Context, people: pd.DataFrame) -> None:
    """A date that already has a line for the person cannot get a different one."""
    incoming = people.assign(_row=np.arange(ctx.n_rows),
                             manager_id=people["manager_id"].where(people["manager_id"].ne(""),
                                                                   None))
    with load.registered(ctx.con, "incoming_lines", incoming[
            ["_row", "person_id", "manager_id", "effective_date", "is_active"]]):
        clash = load.frame(ctx.con, """
            select i._row, r.manager_id, r.effective_date from incoming_lines i
            join reporting_lines r on r.person_id = i.person_id
                 and r.effective_date = i.effective_date::date
            where r.manager_id is distinct from i.manager_id or r.is_active <> i.is_active""")
    if clash.empty:
        return
    mask = np.zeros(ctx.n_rows, dtype=bool)
    mask[clash["_row"].to_numpy()] = True
    reasons = np.full(ctx.n_rows, "", dtype=object)
    for row, boss, day in clash.itertuples(index=False):
        reasons[row] = (f"already has a reporting line on {day:%Y-%m-%d} "
                        f"(manager '{boss or 'none'}'); use a later effective_date to change it")
    ctx.reject(mask, "effective_date", people["effective_date"].dt.strftime("%Y-%m-%d"),
               reasons)


def _write(ctx: Context, people: pd.DataFrame) -> str:
    if people.empty:
        return ""
    ctx.progress(0.6, f"Writing {len(people):,} people")
    ctx.finish_notes()
    last = people.sort_values("effective_date", kind="stable").groupby("person_id").tail(1)
    added, updated = load.upsert_people(ctx.con, last[["person_id", "name", "email", "title"]])
    lines = people.assign(manager_id=people["manager_id"].where(people["manager_id"].ne(""),
                                                                None),
                          effective_date=people["effective_date"].dt.date)
    new_lines = load.insert_reporting_lines(
        ctx.con, lines[["person_id", "manager_id", "effective_date", "is_active"]]
        .sort_values("effective_date", kind="stable"))
    return (f"{plural(len(last), 'person', 'people')} loaded ({added:,} new, {updated:,} "
            f"updated); {plural(new_lines, 'reporting line')} added")
