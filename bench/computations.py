"""The core computations three ways, in the same run: the library, a straightforward pandas
version written here (what a notebook would do: load the tables, merge, group), and one
hand-written DuckDB query (the lower bound). Each comparison also checks that the numbers
agree; a disagreement stops the benchmark.

Every function returns rows for the results table: dicts with measure, ms and note.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import date, datetime

import duckdb
import numpy as np
import pandas as pd

from forecast import (
    asof,
    calls,
    funnel,
    funnel_report,
    hierarchy,
    movement,
    overview,
)
from forecast.calendar import Period, parse_period, period_containing
from forecast.rollup import call_ladder as library_ladder

OPEN = ["Pipeline", "Best Case", "Commit"]


class Disagreement(SystemExit):
    """The library and another implementation gave different numbers."""


def timed(fn: Callable, repeat: int = 3, warm_up: bool = True) -> tuple[float, object]:
    """Median wall time in ms over `repeat` runs (after one warm-up run unless `warm_up` is
    false: the heavy ones, which run once), and the last result."""
    result = fn() if warm_up else None
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def _close(a: float, b: float, tolerance: float = 0.01) -> bool:
    return abs(float(a) - float(b)) <= tolerance


def _check(label: str, library: dict, others: dict[str, dict], tolerance: float = 0.01) -> str:
    for name, numbers in others.items():
        for key, value in library.items():
            if not _close(value, numbers[key], tolerance):
                raise Disagreement(f"{label}: the library says {key} = {value}, {name} says "
                                   f"{numbers[key]}")
    return f"equal to {' and '.join(others)}: " + ", ".join(
        f"{k} {v:,.2f}" for k, v in list(library.items())[:3])


def three_way(size: int, label: str, lib_ms: float, pandas_ms: float, hand_ms: float,
              check: str) -> list[dict]:
    return [
        {"size": size, "measure": f"{label}: library", "ms": lib_ms, "note": check},
        {"size": size, "measure": f"{label}: one hand-written DuckDB query", "ms": hand_ms,
         "note": f"library / hand = {lib_ms / hand_ms:.1f}x"},
        {"size": size, "measure": f"{label}: pandas", "ms": pandas_ms,
         "note": f"pandas / library = {pandas_ms / lib_ms:.1f}x"},
    ]


# ---- the team as of a date, the pandas way -------------------------------------------------


def pandas_team(con: duckdb.DuckDBPyConnection, root: str, day: date) -> set[str]:
    """Everyone under `root` on `day` (the team_members macro: left people stay under their
    last manager)."""
    lines = con.execute("select * from reporting_lines").df()
    lines = lines[lines.effective_date <= pd.Timestamp(day)]
    lines = lines.sort_values("effective_date").groupby("person_id").tail(1)
    if not lines[(lines.person_id == root) & lines.is_active].shape[0]:
        return set()
    children = lines.groupby("manager_id").person_id.apply(list).to_dict()
    team, todo = set(), [root]
    while todo:
        person = todo.pop()
        if person not in team:
            team.add(person)
            todo += children.get(person, [])
    return team


def _category(frame: pd.DataFrame, stages: pd.DataFrame) -> pd.Series:
    stage_category = frame.stage_name.map(stages.set_index("stage_name").forecast_category)
    open_category = frame.forecast_category.fillna(stage_category).fillna("Pipeline")
    return pd.Series(np.where(frame.is_won, "Closed",
                              np.where(frame.is_closed, "Omitted", open_category)),
                     index=frame.index)


# ---- rollup ----------------------------------------------------------------------------------

HAND_ROLLUP = """
with recursive lines as (
    select person_id, manager_id, is_active from reporting_lines
    where effective_date <= $as_of
    qualify row_number() over (partition by person_id order by effective_date desc) = 1
), team(person_id) as (
    select person_id from lines where person_id = $root and is_active
    union
    select l.person_id from lines l join team t on l.manager_id = t.person_id
)
select coalesce(sum(o.amount) filter (where o.is_won), 0) as closed,
       coalesce(sum(o.amount) filter (
           where not o.is_closed
             and coalesce(o.forecast_category, s.forecast_category) = 'Commit'), 0) as commit
from opportunities o left join stages s using (stage_name)
where o.owner_id in (select person_id from team) and o.close_date between $start and $end
"""


def pandas_rollup(con: duckdb.DuckDBPyConnection, root: str, day: date,
                  period: Period) -> dict:
    """Closed and commit of the team and period, live, the way a notebook would do it."""
    opps = con.execute("select * from opportunities").df()
    stages = con.execute("select * from stages").df()
    team = pandas_team(con, root, day)
    o = opps[opps.owner_id.isin(team) & (opps.close_date >= pd.Timestamp(period.start_date))
             & (opps.close_date <= pd.Timestamp(period.end_date))]
    category = _category(o, stages)
    return {"closed": float(o.amount[category == "Closed"].sum()),
            "commit": float(o.amount[category == "Commit"].sum())}


def rollup(con: duckdb.DuckDBPyConnection, size: int) -> list[dict]:
    """A team's closed and commit for the current quarter: overview.team_forecast."""
    day = asof.data_date(con)
    when, period = asof.resolve_as_of(con, day), period_containing(day)
    root = hierarchy.default_root(con, day)
    lib_ms, f = timed(lambda: overview.team_forecast(con, root, period, when), 5)
    params = {"root": root, "as_of": day, "start": period.start_date, "end": period.end_date}
    hand_ms, hand = timed(lambda: con.execute(HAND_ROLLUP, params).fetchall()[0], 5)
    pandas_ms, pan = timed(lambda: pandas_rollup(con, root, day, period), 1, False)
    library = {"closed": f.total.closed_amount, "commit": f.total.commit_amount}
    check = _check("rollup", library, {"pandas": pan,
                                       "the hand query": dict(zip(library, hand, strict=True))})
    return three_way(size, "rollup (whole company, quarter)", lib_ms, pandas_ms, hand_ms, check)


# ---- the call ladder of the whole hierarchy ---------------------------------------------------

# Effective without recursion: a person Y below X reaches X's rolled-up number unless someone
# strictly between them has a call or an adjustment (an "override", which replaces what rolls
# up from below it); Y then brings its override if it has one, else its own deals. X's own
# deals always count. `blocked_at` is the depth of the deepest override strictly above Y.
HAND_LADDER = """
with recursive lines as (
    select person_id, manager_id, is_active from reporting_lines where effective_date <= $as_of
    qualify row_number() over (partition by person_id order by effective_date desc) = 1
), team(person_id, manager_id, depth, path) as (
    select person_id, manager_id, 0, [person_id] from lines where person_id = $root and is_active
    union all
    select l.person_id, l.manager_id, t.depth + 1, list_append(t.path, l.person_id)
    from lines l join team t on l.manager_id = t.person_id
    where not list_contains(t.path, l.person_id)
), deals as (
    select o.owner_id, o.amount,
           if(o.is_won, 'Closed', if(o.is_closed, 'Omitted',
              coalesce(o.forecast_category, s.forecast_category, 'Pipeline'))) as category
    from opportunities o left join stages s using (stage_name)
    where o.close_date between $start and $end
), own as (
    select t.person_id,
           coalesce(sum(d.amount) filter (where d.category in ('Closed', 'Commit')), 0) as oc,
           coalesce(sum(d.amount) filter (
               where d.category in ('Closed', 'Commit', 'Best Case')), 0) as ob
    from team t left join deals d on d.owner_id = t.person_id group by 1
), called as (
    select person_id, commit_amount, best_case_amount from submissions
    where period_id = $period_id and submitted_at <= $at
    qualify row_number() over (partition by person_id
                               order by submitted_at desc, submission_id desc) = 1
), adjusted as (
    select a.person_id, a.commit_amount, a.best_case_amount
    from adjustments a join team t on t.person_id = a.person_id and t.manager_id = a.manager_id
    where a.period_id = $period_id and a.adjusted_at <= $at
    qualify row_number() over (partition by a.person_id
                               order by a.adjusted_at desc, a.adjustment_id desc) = 1
), nodes as (
    select t.person_id, t.depth, t.path, o.oc, o.ob,
           coalesce(a.commit_amount, c.commit_amount) as vc,
           coalesce(a.best_case_amount, c.best_case_amount) as vb
    from team t join own o using (person_id)
    left join called c using (person_id) left join adjusted a using (person_id)
), above as (
    select y.person_id as y, unnest(list_slice(y.path, 1, len(y.path) - 1)) as x from nodes y
), blocked as (
    select a.y, max(n.depth) filter (where n.vc is not null) as bc,
           max(n.depth) filter (where n.vb is not null) as bb
    from above a join nodes n on n.person_id = a.x group by 1
), pairs as (
    select y.person_id as y, y.depth as y_depth, unnest(y.path) as x,
           unnest(generate_series(0, len(y.path) - 1)) as x_depth
    from nodes y
), rolled as (
    select p.x as person_id,
           sum(case when p.y_depth = p.x_depth then y.oc
                    when coalesce(b.bc, -1) <= p.x_depth then coalesce(y.vc, y.oc) else 0 end)
               as rolled_commit,
           sum(case when p.y_depth = p.x_depth then y.ob
                    when coalesce(b.bb, -1) <= p.x_depth then coalesce(y.vb, y.ob) else 0 end)
               as rolled_best_case,
           sum(y.oc) as system_commit
    from pairs p join nodes y on y.person_id = p.y left join blocked b on b.y = p.y
    group by 1
)
select r.person_id, r.system_commit, r.rolled_commit, r.rolled_best_case,
       coalesce(n.vc, r.rolled_commit) as effective_commit,
       coalesce(n.vb, r.rolled_best_case) as effective_best_case
from rolled r join nodes n using (person_id)
"""

LADDER_COLUMNS = ["system_commit", "rolled_commit", "rolled_best_case", "effective_commit",
                  "effective_best_case"]


def pandas_ladder(con: duckdb.DuckDBPyConnection, root: str, day: date, period: Period,
                  at: datetime) -> pd.DataFrame:
    """The ladder the way a notebook would: load the tables, walk the tree recursively."""
    lines = con.execute("select * from reporting_lines").df()
    lines = lines[lines.effective_date <= pd.Timestamp(day)]
    lines = lines.sort_values("effective_date").groupby("person_id").tail(1)
    manager = dict(zip(lines.person_id, lines.manager_id, strict=True))
    team = pandas_team(con, root, day)
    children: dict[str, list[str]] = {}
    for person in team:
        if person != root:
            children.setdefault(manager[person], []).append(person)
    opps = con.execute("select owner_id, amount, stage_name, forecast_category, close_date, "
                       "is_closed, is_won from opportunities").df()
    o = opps[(opps.close_date >= pd.Timestamp(period.start_date))
             & (opps.close_date <= pd.Timestamp(period.end_date))]
    category = _category(o, con.execute("select * from stages").df())
    own_c = o.amount[category.isin(["Closed", "Commit"])].groupby(o.owner_id).sum()
    own_b = o.amount[category.isin(["Closed", "Commit", "Best Case"])].groupby(o.owner_id).sum()
    subs = con.execute("select * from submissions where period_id = $p",
                       {"p": period.period_id}).df()
    subs = subs[subs.submitted_at <= at].sort_values(["submitted_at", "submission_id"])
    call = subs.groupby("person_id").tail(1).set_index("person_id")
    adjs = con.execute("select * from adjustments where period_id = $p",
                       {"p": period.period_id}).df()
    adjs = adjs[(adjs.adjusted_at <= at) & (adjs.manager_id == adjs.person_id.map(manager))]
    adj = adjs.sort_values(["adjusted_at", "adjustment_id"]).groupby("person_id").tail(1)
    adj = adj.set_index("person_id")
    rows = {}

    def walk(person: str) -> tuple[float, float, float]:
        below = [walk(c) for c in children.get(person, [])]
        system = own_c.get(person, 0.0) + sum(b[2] for b in below)
        rolled = (own_c.get(person, 0.0) + sum(b[0] for b in below),
                  own_b.get(person, 0.0) + sum(b[1] for b in below))
        effective = list(rolled)
        for i, column in enumerate(["commit_amount", "best_case_amount"]):
            for source in (call, adj):  # an adjustment wins over the person's own call
                if person in source.index:
                    effective[i] = float(source.at[person, column])
        rows[person] = (system, *rolled, *effective)
        return effective[0], effective[1], system

    walk(root)
    return pd.DataFrame.from_dict(rows, orient="index", columns=LADDER_COLUMNS)


def call_ladder(con: duckdb.DuckDBPyConnection, size: int) -> list[dict]:
    """The Rollup page's ladder for the whole hierarchy (every person, with calls and
    adjustments standing now): forecast.rollup.call_ladder, checked person by person."""
    day = asof.data_date(con)
    when, period = asof.resolve_as_of(con, day), period_containing(day)
    root = hierarchy.default_root(con, day)
    at = calls.review_moment(day, calls.lock_of(con), datetime.now(), when.is_live)
    lib_ms, lad = timed(lambda: library_ladder(con, root, period, when, at), 5)
    library = lad.nodes.set_index("person_id").rename(columns={
        "commit_forecast": "system_commit", "rolled_up_commit": "rolled_commit",
        "rolled_up_best_case": "rolled_best_case"})[LADDER_COLUMNS]
    params = {"root": root, "as_of": day, "start": period.start_date, "end": period.end_date,
              "period_id": period.period_id, "at": at}
    hand_ms, hand = timed(lambda: con.execute(HAND_LADDER, params).df(), 3)
    pandas_ms, pan = timed(lambda: pandas_ladder(con, root, day, period, at), 1, False)
    for name, other in {"pandas": pan, "the hand query": hand.set_index("person_id")}.items():
        other = other.reindex(library.index)
        gap = (library - other[LADDER_COLUMNS]).abs().max().max()
        if len(other.dropna()) != len(library) or not gap <= 0.01:
            raise Disagreement(f"call ladder: the library and {name} differ by {gap} "
                               f"({len(other.dropna())} of {len(library)} people matched)")
    top = library.loc[root]
    check = (f"{len(library):,} people, {lad.nodes.call_commit.notna().sum():,} calls and "
             f"{lad.nodes.adj_commit.notna().sum():,} adjustments standing; system, rolled-up "
             f"and effective commit and best case equal to pandas and the hand query for "
             f"every person (top: effective commit {top.effective_commit:,.0f})")
    return three_way(size, "call ladder (whole hierarchy, quarter, calls and adjustments)",
                     lib_ms, pandas_ms, hand_ms, check)


# ---- waterfall -------------------------------------------------------------------------------

HAND_WATERFALL = """
with recursive lines as (
    select person_id, manager_id, effective_date, is_active from reporting_lines
), team0(person_id) as (
    select $root union
    select l.person_id from (select * from lines where effective_date <= $t0
        qualify row_number() over (partition by person_id order by effective_date desc) = 1) l
    join team0 t on l.manager_id = t.person_id
), team1(person_id) as (
    select $root union
    select l.person_id from (select * from lines where effective_date <= $t1
        qualify row_number() over (partition by person_id order by effective_date desc) = 1) l
    join team1 t on l.manager_id = t.person_id
), s0 as (
    select opportunity_id, owner_id, amount, stage_name, forecast_category, close_date,
           is_closed, is_won
    from opportunity_snapshots where snapshot_date = $t0
    union all
    select opportunity_id, owner_id, amount, stage_name, forecast_category, close_date,
           is_closed, is_won
    from opportunities o
    where is_closed and close_date <= $t0 and coalesce(created_date, close_date) <= $t0
      and opportunity_id not in (select opportunity_id from opportunity_snapshots
                                 where snapshot_date = $t0)
), s1 as (
    select opportunity_id, owner_id, amount, stage_name, forecast_category, close_date,
           is_closed, is_won from opportunities
), c0 as (
    select s.*, s.owner_id in (select person_id from team0) as in_team,
           if(s.is_won, 'Closed', if(s.is_closed, 'Omitted',
              coalesce(s.forecast_category, st.forecast_category, 'Pipeline'))) as category
    from s0 s left join stages st using (stage_name)
), c1 as (
    select s.*, s.owner_id in (select person_id from team1) as in_team,
           if(s.is_won, 'Closed', if(s.is_closed, 'Omitted',
              coalesce(s.forecast_category, st.forecast_category, 'Pipeline'))) as category
    from s1 s left join stages st using (stage_name)
), pairs as (
    select a.opportunity_id is not null as has0,
           coalesce(a.in_team and not a.is_closed
                    and a.category in ('Pipeline', 'Best Case', 'Commit')
                    and a.close_date between $start and $end, false) as in0,
           coalesce(b.in_team and not b.is_closed
                    and b.category in ('Pipeline', 'Best Case', 'Commit')
                    and b.close_date between $start and $end, false) as in1,
           round(a.amount * 100)::bigint as a0, round(b.amount * 100)::bigint as a1,
           a.is_closed as closed0, a.close_date as close0, b.close_date as close1,
           b.is_closed as closed1, b.is_won as won1
    from c0 a full join c1 b using (opportunity_id)
), bucketed as (
    select *, case when in0 and in1
                       then if(a1 > a0, 'Amount up', if(a1 < a0, 'Amount down', 'Unchanged'))
                   when in0 then case when won1 then 'Won' when closed1 then 'Lost'
                                      when close1 > $end then 'Pushed out' else 'Other' end
                   else case when not has0 then 'Created'
                             when not closed0
                                  and (close0 is null or close0 not between $start and $end)
                                 then 'Pulled in' else 'Other' end end as bucket
    from pairs where in0 or in1
)
select bucket, sum(case when in0 and in1 then a1 - a0 when in0 then -a0 else a1 end) as cents,
       count(*) filter (where in0 and not in1) as n_out,
       count(*) filter (where in1 and not in0) as n_in,
       sum(if(in0, a0, 0)) as start_cents, sum(if(in1, a1, 0)) as end_cents,
       count(*) filter (where in0) as n_start, count(*) filter (where in1) as n_end
from bucketed group by bucket
"""


def _bars_from_hand(rows: pd.DataFrame) -> dict:
    out = {"Start": int(rows.start_cents.sum()), "End": int(rows.end_cents.sum()),
           "Start#": int(rows.n_start.sum()), "End#": int(rows.n_end.sum())}
    for r in rows.itertuples():
        if r.bucket != "Unchanged":
            out[r.bucket] = int(r.cents)
    return out


def pandas_waterfall(con: duckdb.DuckDBPyConnection, root: str, period: Period, t0: date,
                     t1: date) -> dict:
    """The bridge's bars from the raw tables, with the precedence of forecast.movement."""
    stages = con.execute("select * from stages").df()
    opps = con.execute("select * from opportunities").df()
    snap = con.execute("select * from opportunity_snapshots where snapshot_date = $d",
                       {"d": t0}).df()
    visible = (opps.is_closed & (opps.close_date <= pd.Timestamp(t0))
               & (opps.created_date.fillna(opps.close_date) <= pd.Timestamp(t0))
               & ~opps.opportunity_id.isin(snap.opportunity_id))
    cols = ["opportunity_id", "owner_id", "amount", "stage_name", "forecast_category",
            "close_date", "is_closed", "is_won"]
    state0 = pd.concat([snap[cols], opps.loc[visible, cols]], ignore_index=True)
    state1 = opps[cols]
    start, end = pd.Timestamp(period.start_date), pd.Timestamp(period.end_date)

    def in_set(state, team):
        category = _category(state, stages)
        return (state.owner_id.isin(team) & ~state.is_closed & category.isin(OPEN)
                & (state.close_date >= start) & (state.close_date <= end))

    state0 = state0.assign(in_set=in_set(state0, pandas_team(con, root, t0)),
                           cents=(state0.amount * 100).round().astype("int64"))
    state1 = state1.assign(in_set=in_set(state1, pandas_team(con, root, t1)),
                           cents=(state1.amount * 100).round().astype("int64"))
    both = state0.merge(state1, on="opportunity_id", how="outer", suffixes=("0", "1"),
                        indicator=True)
    in0, in1 = both.in_set0.fillna(False).astype(bool), both.in_set1.fillna(False).astype(bool)
    both = both[in0 | in1]
    in0, in1 = in0[both.index], in1[both.index]
    has0 = both._merge != "right_only"
    close0, close1 = both.close_date0, both.close_date1
    bucket = np.select(
        [in0 & in1 & (both.cents1 > both.cents0), in0 & in1 & (both.cents1 < both.cents0),
         in0 & in1, in0 & both.is_won1.fillna(False).astype(bool),
         in0 & both.is_closed1.fillna(False).astype(bool), in0 & (close1 > end), in0,
         ~has0, ~both.is_closed0.fillna(True).astype(bool)
         & (close0.isna() | (close0 < start) | (close0 > end))],
        ["Amount up", "Amount down", "Unchanged", "Won", "Lost", "Pushed out", "Other",
         "Created", "Pulled in"], "Other")
    value = np.where(in0 & in1, both.cents1 - both.cents0,
                     np.where(in0, -both.cents0, both.cents1))
    sums = pd.Series(value, index=both.index).groupby(bucket).sum()
    out = {"Start": int(both.cents0[in0].sum()), "End": int(both.cents1[in1].sum()),
           "Start#": int(in0.sum()), "End#": int(in1.sum())}
    out |= {b: int(v) for b, v in sums.items() if b != "Unchanged"}
    return out


def waterfall(con: duckdb.DuckDBPyConnection, size: int) -> list[dict]:
    """What moved since last week, whole company, current quarter: movement.movement."""
    day = asof.data_date(con)
    t1, period = asof.resolve_as_of(con, day), period_containing(day)
    t0 = movement.default_comparison(con, t1)
    root = hierarchy.default_root(con, day)
    lib_ms, moved = timed(lambda: movement.movement(con, root, period, t0, t1), 3)
    bars = moved.bars.set_index("bucket")
    library = {"Start": int(bars.value_cents["Start"]), "End": int(bars.value_cents["End"]),
               "Start#": int(bars.deal_count["Start"]), "End#": int(bars.deal_count["End"])}
    library |= {b: int(bars.value_cents[b]) for b in movement.CHANGE_BUCKETS
                if bars.deal_count[b] > 0}
    params = {"root": root, "t0": t0.snapshot_date, "t1": day, "start": period.start_date,
              "end": period.end_date}
    hand_ms, hand = timed(lambda: con.execute(HAND_WATERFALL, params).df(), 3)
    pandas_ms, pan = timed(lambda: pandas_waterfall(con, root, period, t0.snapshot_date, day),
                           1, False)
    others = {"pandas": pan, "the hand query": _bars_from_hand(hand)}
    for name, numbers in others.items():
        if {k: v for k, v in numbers.items() if v} != {k: v for k, v in library.items() if v}:
            raise Disagreement(f"waterfall: the library says {library}, {name} says {numbers}")
    check = (f"equal to pandas and the hand query in cents and counts: Start "
             f"{library['Start'] / 100:,.2f} ({library['Start#']:,} deals), End "
             f"{library['End'] / 100:,.2f}; identity holds: {moved.identity_holds()}")
    return three_way(size, "waterfall (whole company, since last week)", lib_ms, pandas_ms,
                     hand_ms, check)


# ---- funnel ----------------------------------------------------------------------------------

FUNNEL_STEPS = ["mql", "srl", "sql", "opportunity", "won"]

HAND_FUNNEL = """
with recursive lines as (
    select person_id, manager_id, is_active from reporting_lines where effective_date <= $as_of
    qualify row_number() over (partition by person_id order by effective_date desc) = 1
), team(person_id) as (
    select person_id from lines where person_id = $root and is_active
    union
    select l.person_id from lines l join team t on l.manager_id = t.person_id
), p as (
    select ($as_of::date + interval 1 day)::timestamp as cut,
           $start::timestamp as lo, ($end::date + interval 1 day)::timestamp as hi
), won as (
    select e.opportunity_id, min(e.entered_at) as at from stage_events e
    join stages s on s.stage_name = e.stage_name and s.is_closed and s.is_won group by 1
), lost as (
    select e.opportunity_id, min(e.entered_at) as at from stage_events e
    join stages s on s.stage_name = e.stage_name and s.is_closed and not s.is_won group by 1
), first_event as (
    select opportunity_id, min(entered_at) as at from stage_events, p
    where entered_at < p.cut group by 1
), deals as (
    select o.opportunity_id, o.owner_id, o.created_date::timestamp as created_at,
           f.at as first_at,
           if(o.is_won, coalesce(w.at, o.close_date::timestamp), null) as won_at,
           if(o.is_closed and not o.is_won, coalesce(x.at, o.close_date::timestamp), null)
               as lost_at
    from opportunities o left join won w using (opportunity_id)
    left join lost x using (opportunity_id)
    left join first_event f using (opportunity_id)
), journeys as (
    select l.mql_at, l.srl_at, l.sql_at, d.opportunity_id,
           coalesce(l.converted_at, d.created_at, d.first_at) as opp_at, d.won_at
    from leads l cross join p left join deals d on d.opportunity_id = l.opportunity_id
    where l.created_at < p.cut and l.owner_id in (select person_id from team)
    union all
    select null, null, null, d.opportunity_id, coalesce(d.created_at, d.first_at), d.won_at
    from deals d, p
    where d.owner_id in (select person_id from team)
      and d.opportunity_id not in (select opportunity_id from leads
                                   where opportunity_id is not null)
      and (coalesce(d.created_at, d.first_at, d.won_at, d.lost_at) < p.cut
           or coalesce(d.created_at, d.first_at, d.won_at, d.lost_at) is null)
)
select count(*) filter (where mql_at >= lo and mql_at < hi and mql_at < cut) as mql,
       count(*) filter (where srl_at >= lo and srl_at < hi and srl_at < cut) as srl,
       count(*) filter (where sql_at >= lo and sql_at < hi and sql_at < cut) as sql,
       count(*) filter (where opportunity_id is not null and opp_at >= lo and opp_at < hi
                        and opp_at < cut) as opportunity,
       count(*) filter (where opportunity_id is not null and (opp_at is null or opp_at < cut)
                        and won_at >= lo and won_at < hi and won_at < cut) as won
from journeys, p
"""


def pandas_funnel(con: duckdb.DuckDBPyConnection, root: str, day: date,
                  period: Period) -> dict:
    """Any-stage entrants of the period at the lead steps, Opportunity and Won."""
    cut = pd.Timestamp(day) + pd.Timedelta(days=1)
    lo, hi = pd.Timestamp(period.start_date), pd.Timestamp(period.end_date) + pd.Timedelta(
        days=1)
    team = pandas_team(con, root, day)
    leads = con.execute("select lead_id, owner_id, created_at, mql_at, srl_at, sql_at, "
                        "converted_at, opportunity_id from leads").df()
    opps = con.execute("select opportunity_id, owner_id, created_date, close_date, is_won, "
                       "is_closed from opportunities").df()
    events = con.execute("select e.opportunity_id, e.entered_at, s.is_won, s.is_closed from "
                         "stage_events e join stages s using (stage_name)").df()
    closing = events[events.is_closed]
    won_event = closing[closing.is_won].groupby("opportunity_id").entered_at.min()
    lost_event = closing[~closing.is_won].groupby("opportunity_id").entered_at.min()
    first = events[events.entered_at < cut].groupby("opportunity_id").entered_at.min()
    close = pd.to_datetime(opps.close_date)
    opps["created_at"] = pd.to_datetime(opps.created_date)
    opps["first_at"] = opps.opportunity_id.map(first)
    opps["won_at"] = opps.opportunity_id.map(won_event).fillna(close).where(opps.is_won)
    opps["lost_at"] = opps.opportunity_id.map(lost_event).fillna(close).where(
        opps.is_closed & ~opps.is_won)
    with_lead = set(leads.opportunity_id.dropna())
    leads = leads[(leads.created_at < cut) & leads.owner_id.isin(team)]
    lj = leads.merge(opps, on="opportunity_id", how="left", suffixes=("", "_deal"))
    lj["opp_at"] = lj.converted_at.fillna(lj.created_at_deal).fillna(lj.first_at)
    lj["has_deal"] = lj.owner_id_deal.notna()
    direct = opps[opps.owner_id.isin(team) & ~opps.opportunity_id.isin(with_lead)]
    started = direct.created_at.fillna(direct.first_at).fillna(direct.won_at).fillna(
        direct.lost_at)
    direct = direct[started.isna() | (started < cut)]
    direct = direct.assign(opp_at=direct.created_at.fillna(direct.first_at), has_deal=True)

    def within(ts):
        return (ts >= lo) & (ts < hi) & (ts < cut)

    journeys = pd.concat([lj[["mql_at", "srl_at", "sql_at", "opp_at", "won_at", "has_deal"]],
                          direct[["opp_at", "won_at", "has_deal"]]], ignore_index=True)
    has_opp = journeys.has_deal & (journeys.opp_at.isna() | (journeys.opp_at < cut))
    return {"mql": int(within(journeys.mql_at).sum()),
            "srl": int(within(journeys.srl_at).sum()),
            "sql": int(within(journeys.sql_at).sum()),
            "opportunity": int((journeys.has_deal & within(journeys.opp_at)).sum()),
            "won": int((has_opp & within(journeys.won_at)).sum())}


def funnel_counts(con: duckdb.DuckDBPyConnection, size: int) -> list[dict]:
    """The Funnel page's report for the whole company (period view), its any-stage entrants
    of the lead steps, Opportunity and Won checked against pandas and a hand query."""
    day = asof.data_date(con)
    period = period_containing(day)
    root = hierarchy.default_root(con, day)
    window = funnel.Window(period.start_date, period.end_date, day, "period")
    lib_ms, report = timed(lambda: funnel_report.build(con, root, window), 1, False)
    total = report.steps("any").set_index("step_key").entrants
    library = {k: int(total.get(k, 0)) for k in FUNNEL_STEPS}
    params = {"root": root, "as_of": day, "start": period.start_date, "end": period.end_date}
    hand_ms, hand = timed(lambda: con.execute(HAND_FUNNEL, params).fetchall()[0], 3)
    pandas_ms, pan = timed(lambda: pandas_funnel(con, root, day, period), 1, False)
    check = _check("funnel", library, {"pandas": pan,
                                       "the hand query": dict(zip(FUNNEL_STEPS, hand,
                                                                  strict=True))}, 0)
    rows = three_way(size, "funnel report (whole company, period view)", lib_ms, pandas_ms,
                     hand_ms, check.replace("equal to", "any-stage entrants equal to"))
    rows[0]["note"] += " (the library builds the whole page: every section, both countings)"
    return rows


# ---- Monte Carlo -----------------------------------------------------------------------------

MC_SIMULATIONS = 2_000  # the page's run while a lever moves; the same count three ways

HAND_MONTE_CARLO = """
select s.range as simulation, sum(d.amount) filter (where random() < d.p_won) as won
from range($n) s cross join mc_deals d
group by 1
"""


def monte_carlo(con: duckdb.DuckDBPyConnection, size: int,
                simulations: int = MC_SIMULATIONS) -> list[dict]:
    """Simulated landing of the company's open deals this quarter: forecast.whatif."""
    try:
        from forecast.whatif import projection, simulate
    except ImportError:
        return []
    day = asof.data_date(con)
    when, period = asof.resolve_as_of(con, day), period_containing(day)
    root = hierarchy.default_root(con, day)
    base = projection.baseline(con, root, period, when)
    deals = base.deals[~base.deals.is_later] if "is_later" in base.deals else base.deals
    amounts, p_won = deals.amount.to_numpy(float), deals.p_won.clip(0, 1).to_numpy(float)
    lib_ms, lib = timed(lambda: simulate.won_open_amounts(amounts, p_won, simulations, 7), 3)

    def pandas_version():
        rng = np.random.default_rng(7)
        frame = pd.DataFrame({"amount": amounts, "p_won": p_won})
        return np.array([frame.amount[rng.random(len(frame)) < frame.p_won].sum()
                         for _ in range(simulations)])

    pandas_ms, pan = timed(pandas_version, 1, False)
    con.register("mc_deals", pd.DataFrame({"amount": amounts, "p_won": p_won}))
    try:
        hand_ms, hand = timed(lambda: con.execute(
            HAND_MONTE_CARLO, {"n": simulations}).df().won.fillna(0.0), 1, False)
    finally:
        con.unregister("mc_deals")
    # draws differ between the three, so the check is statistical: every mean within five
    # standard errors of the exact expected value
    expected = float((amounts * p_won).sum())
    error = float(np.sqrt((amounts ** 2 * p_won * (1 - p_won)).sum() / simulations))
    for name, totals in {"library": lib, "pandas": pan, "the hand query": hand}.items():
        if abs(float(np.mean(totals)) - expected) > 5 * error + 1:
            raise Disagreement(f"Monte Carlo: the {name} mean {np.mean(totals):,.0f} is far "
                               f"from the expected {expected:,.0f}")
    check = (f"{simulations:,} simulations of {len(amounts):,} open deals; the means of "
             f"all three within 5 standard errors ({error:,.0f}) of the exact expectation "
             f"{expected:,.0f} (draws differ, so not equal draw for draw)")
    return three_way(size, "Monte Carlo (whole company's open deals)", lib_ms, pandas_ms,
                     hand_ms, check)


# ---- ten million history rows ----------------------------------------------------------------

HAND_TREND = """
with recursive lines as (
    select person_id, manager_id, is_active from reporting_lines where effective_date <= $as_of
    qualify row_number() over (partition by person_id order by effective_date desc) = 1
), team(person_id) as (
    select person_id from lines where person_id = $root and is_active
    union
    select l.person_id from lines l join team t on l.manager_id = t.person_id
), states as (
    select s.snapshot_date, s.owner_id, s.amount, s.stage_name, s.forecast_category,
           s.close_date, s.is_closed, s.is_won
    from opportunity_snapshots s where s.snapshot_date between $start and $as_of
    union all
    select d.snapshot_date, o.owner_id, o.amount, o.stage_name, o.forecast_category,
           o.close_date, o.is_closed, o.is_won
    from snapshots d join opportunities o
      on o.is_closed and o.close_date <= d.snapshot_date
     and coalesce(o.created_date, o.close_date) <= d.snapshot_date
    where d.snapshot_date between $start and $as_of
      and not exists (select 1 from opportunity_snapshots s
                      where s.snapshot_date = d.snapshot_date
                        and s.opportunity_id = o.opportunity_id)
)
select snapshot_date,
       coalesce(sum(x.amount) filter (where x.is_won), 0) as closed,
       coalesce(sum(x.amount) filter (where not x.is_closed and coalesce(
           x.forecast_category, st.forecast_category) = 'Commit'), 0) as commit
from states x left join stages st using (stage_name)
where owner_id in (select person_id from team) and close_date between $start and $end
group by 1 order by 1
"""


def pandas_trend(con: duckdb.DuckDBPyConnection, root: str, day: date,
                 period: Period) -> pd.DataFrame:
    """Closed and commit of the team per weekly snapshot: the snapshot's rows, plus deals
    closed by then that it does not hold (the deal_states macro), summed with pandas."""
    stages = con.execute("select * from stages").df()
    snap = con.execute("select snapshot_date, opportunity_id, owner_id, amount, stage_name, "
                       "forecast_category, close_date, is_closed, is_won "
                       "from opportunity_snapshots where snapshot_date between $a and $b",
                       {"a": period.start_date, "b": day}).df()
    opps = con.execute("select * from opportunities where is_closed").df()
    dates = np.sort(con.execute("select snapshot_date from snapshots where snapshot_date "
                                "between $a and $b",
                                {"a": period.start_date, "b": day}).df().snapshot_date)
    visible = opps.close_date.where(opps.created_date.isna() | (
        opps.created_date <= opps.close_date), opps.created_date)
    # every (snapshot, closed deal) pair the snapshot sees, as integer keys
    order = np.argsort(visible.to_numpy())
    seen = np.searchsorted(visible.to_numpy()[order], dates, side="right")
    pair_date = np.repeat(np.arange(len(dates)), seen)
    pair_deal = np.concatenate([order[:n] for n in seen]) if len(dates) else np.array([], int)
    code = pd.Series(np.arange(len(opps)), index=opps.opportunity_id)
    held = snap.opportunity_id.map(code)
    held_keys = (np.searchsorted(dates, snap.snapshot_date[held.notna()])
                 * len(opps) + held.dropna().astype("int64"))
    keep = ~np.isin(pair_date * len(opps) + pair_deal, held_keys)
    closed = opps.iloc[pair_deal[keep]].assign(snapshot_date=dates[pair_date[keep]])
    states = pd.concat([snap, closed[snap.columns]], ignore_index=True)
    team = pandas_team(con, root, day)
    states = states[states.owner_id.isin(team)
                    & (states.close_date >= pd.Timestamp(period.start_date))
                    & (states.close_date <= pd.Timestamp(period.end_date))]
    category = _category(states, stages)
    return pd.DataFrame({"snapshot_date": states.snapshot_date,
                         "closed": states.amount.where(category == "Closed", 0.0),
                         "commit": states.amount.where(category == "Commit", 0.0)}).groupby(
        "snapshot_date", as_index=False).sum()


def history_rollup(con: duckdb.DuckDBPyConnection, rows: int) -> list[dict]:
    """The weekly trend of the whole company over the year: every history row, rolled up
    the four-level hierarchy to its head, week by week."""
    day = asof.data_date(con)
    when = asof.resolve_as_of(con, day)
    period = parse_period(str(day.year), 1)
    root = hierarchy.default_root(con, day)
    lib_ms, trend = timed(lambda: overview.weekly_trend(con, root, period, when), 5)
    trend = trend[trend.as_of_date < day].set_index("as_of_date")  # the live point is not history
    params = {"root": root, "as_of": day, "start": period.start_date, "end": period.end_date}
    hand_ms, hand = timed(lambda: con.execute(HAND_TREND, params).df(), 3)
    pandas_ms, pan = timed(lambda: pandas_trend(con, root, day, period), 1, False)
    for name, other in {"pandas": pan, "the hand query": hand}.items():
        other = other.assign(snapshot_date=pd.to_datetime(other.snapshot_date).dt.date)
        other = other[other.snapshot_date < day].set_index("snapshot_date")
        gap = max((trend.closed_amount - other.closed).abs().max(),
                  (trend.commit_amount - other.commit).abs().max())
        if len(other) != len(trend) or not gap <= 0.01:
            raise Disagreement(f"history rollup: the library and {name} differ by {gap}")
    last = trend.commit_amount.iloc[-1]
    check = (f"{rows:,} history rows, {len(trend)} weeks; closed and commit equal to pandas "
             f"and the hand query every week (last week: commit {last:,.0f})")
    return three_way(rows, "history rollup (weekly trend of the whole company, one year)",
                     lib_ms, pandas_ms, hand_ms, check)

