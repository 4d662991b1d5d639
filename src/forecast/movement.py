"""What moved since last week: the pipeline waterfall (bridge) of a team for a period.

For a target period P, a team root R and two as-of points t0 < t1:

- **Start** = the open pipeline at t0: open deals in an open category (Pipeline, Best Case,
  Commit; never Omitted) whose close date falls in P, owned by someone in R's team *as the
  hierarchy stood at t0*. **End** = the same at t1, with the team of t1. Start and End are the
  `open_pipeline` of `forecast.overview.team_forecast` at t0 and t1 (to the cent).
- Every deal in Start or End gets exactly one bucket (the rule is `PRECEDENCE`, shown in the
  UI), and the bridge balances exactly, in value and in count:

      End  = Start  + Created  + Pulled in  + Amount up - Amount down
                    - Pushed out - Won  - Lost  - Other
      End# = Start# + Created# + Pulled in#              - Pushed out# - Won# - Lost# - Other#

  Precedence, for deals that fit two buckets (`PRECEDENCE` has the words the UI shows):
  * in Start and End: the amount change t1 - t0 is Amount up or Amount down, nothing else;
  * exits (in Start, not End), valued at the t0 amount: Won > Lost > Pushed out (close
    date after P) > Other (close date before P or removed, owner left the team, Omitted,
    deleted). Pushed out and cut -> Pushed out at t0; lost by a rep who left -> Lost;
  * entries (in End, not Start), valued at the t1 amount: Created (absent from the t0 data)
    > Pulled in (open at t0, close date outside P) > Other (owner joined the team,
    reopened, was Omitted). Pulled in and raised -> Pulled in at t1.
  Other is *net*: deals that left for another reason minus deals that joined for another
  reason. The drill-down lists both, with `direction` 'out' or 'in'. In `bars`, `value` is the
  signed contribution to End (so Other's value is in - out), which is what a waterfall draws.
- **Counts**: Amount up and Amount down count the deals whose amount changed; those deals are
  in both Start and End, so they are NOT part of the count identity (their `count_change`
  is 0). Every other bucket's count moves End# by its deal count.
- Amounts are added up in whole cents (each deal's amount rounded to the cent once), so the
  identity holds exactly, not merely to floating-point tolerance.
- A deal in neither Start nor End does not appear at all: in particular a deal *created and
  won (or lost) between t0 and t1* was never in the open pipeline at either point. Its win
  shows in the Closed amount, hence in the commit forecast change per member (`by_member`),
  not in the Won bar.

The set logic runs in DuckDB (sql/queries/movement_classified.sql: one row per deal in Start
or End, classified, a temp table); the bars and the category flow matrix are sums of it
(movement_cells.sql, a few dozen rows), and the deals behind a bar are listed from it only
when asked (`deals_behind`, movement_deals.sql).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd

from forecast import aggregates, asof, formatting, overview, queries
from forecast.calendar import Period

BUCKETS = ["Start", "Created", "Pulled in", "Amount up", "Amount down", "Pushed out", "Won",
           "Lost", "Other", "End"]
CHANGE_BUCKETS = BUCKETS[1:-1]
OPEN_CATEGORIES = ["Pipeline", "Best Case", "Commit"]

PRECEDENCE = (
    "Each deal in Start or End is counted in exactly one bucket.\n"
    "1. In Start and in End: the change of amount (t1 - t0) is Amount up or Amount down; "
    "a deal whose amount did not change is not a movement, whatever else changed.\n"
    "2. In Start, not in End (exits, valued at the t0 amount), first match wins: "
    "Won (closed won by t1) > Lost (closed lost by t1) > Pushed out (close date moved after "
    "the period) > Other (close date moved before the period or removed, owner no longer in "
    "the team, set to Omitted, deal deleted).\n"
    "3. In End, not in Start (entries, valued at the t1 amount), first match wins: "
    "Created (absent from the t0 data, i.e. created after t0) > Pulled in (open at t0 with a "
    "close date outside the period) > Other (owner joined the team, reopened, was Omitted).\n"
    "Examples: pushed out and cut -> Pushed out at the t0 amount; pulled in and raised -> "
    "Pulled in at the t1 amount; won at a new amount -> Won at the t0 amount; lost by a rep "
    "who also left the team -> Lost; created and won between t0 and t1 -> in neither Start "
    "nor End, so not in the bridge (its win is in the Closed amount).\n"
    "Other is net (out minus in); the deal list shows both directions. Amount up/down counts "
    "are deals whose amount changed and are not part of the count identity."
)

BUCKET_DESCRIPTIONS = {
    "Start": "Open pipeline closing in the period at t0, team as of t0.",
    "Created": "Deals that did not exist at t0 and are in the open pipeline at t1 (t1 amount).",
    "Pulled in": "Open deals whose close date moved into the period from outside (t1 amount).",
    "Amount up": "Deals in both Start and End whose amount rose (t1 - t0).",
    "Amount down": "Deals in both Start and End whose amount fell (t0 - t1).",
    "Pushed out": "Start deals whose close date moved after the period (t0 amount).",
    "Won": "Start deals closed won by t1 (t0 amount).",
    "Lost": "Start deals closed lost by t1 (t0 amount).",
    "Other": "Net of deals leaving for another reason (owner left the team, deleted, close "
             "date moved before the period, Omitted) and deals joining for another reason "
             "(owner joined the team, reopened).",
    "End": "Open pipeline closing in the period at t1, team as of t1.",
}

_SUBTRACTED = {"Amount down", "Pushed out", "Won", "Lost", "Other"}

FLOW_ROWS = [*OPEN_CATEGORIES, "New"]
FLOW_COLUMNS = [*OPEN_CATEGORIES, "Won", "Lost", "Pushed", "Other"]
_EXIT_COLUMN = {"Won": "Won", "Lost": "Lost", "Pushed out": "Pushed", "Other": "Other"}

MEMBER_METRICS = ["commit_forecast", "best_case_forecast", "open_pipeline"]


class MovementError(ValueError):
    """Two as-of points that cannot be compared; the message says why and what to pick."""


@dataclass(frozen=True, eq=False)
class Movement:
    """The bridge from t0 to t1: small frames of sums, whatever the size of the team (the
    deals behind a bar are read on demand by `deals_behind`). Frames (all plain pandas, never
    mutated here):

    - bars: one row per bucket in BUCKETS order: bucket, measure ('absolute' for Start and
      End, 'relative' otherwise), value (signed contribution; Start/End: their totals),
      value_cents (the same in whole cents, what the identity is checked on), inflow and
      outflow (the positive and negative parts, e.g. Other's joined and left), deal_count
      (deals behind the bar), count_change (signed contribution to End#; 0 for Amount up/down).
    - flow: category at t0 (FLOW_ROWS; 'New' = not in Start) x category at t1 (FLOW_COLUMNS;
      Won/Lost/Pushed/Other = the exit bucket), every cell present: deal_count, amount_t0
      (what the cell held in Start), amount_t1 (what it holds in End) and amount (amount_t1
      for the open columns, amount_t0 for the exit columns, as valued in the bridge).
    - by_member: one row per direct report of R (and R's own deals) at t0 or t1: commit
      forecast, best case forecast and open pipeline at t0 and t1 and the change; a member
      not in the team at one point counts 0 there (is_in_team_t0/t1 say which).
    """

    root_id: str
    period: Period
    t0: asof.AsOf
    t1: asof.AsOf
    bars: pd.DataFrame
    flow: pd.DataFrame
    by_member: pd.DataFrame

    def identity_holds(self) -> bool:
        """End = Start + the signed buckets, exactly in cents and in count."""
        bars = self.bars.set_index("bucket")
        before_end = ["Start", *CHANGE_BUCKETS]
        value_ok = int(bars.value_cents[before_end].sum()) == int(bars.value_cents["End"])
        count_ok = int(bars.count_change[before_end].sum()) == int(bars.count_change["End"])
        return value_ok and count_ok

    def identity_text(self) -> str:
        """'End $8.7K = Start $13.6K + Created $900 ...', the formula with its numbers."""
        # plain Python: the review shows it on every run (pandas indexing cost ~2 ms)
        values = dict(zip(self.bars.bucket.tolist(), self.bars.value.tolist(), strict=True))
        parts = [f"Start {formatting.currency(values['Start'])}"]
        for bucket in CHANGE_BUCKETS:
            value = float(values[bucket])
            sign = "-" if value < 0 or (value == 0 and bucket in _SUBTRACTED) else "+"
            parts.append(f"{sign} {bucket} {formatting.currency(abs(value))}")
        return f"End {formatting.currency(values['End'])} = " + " ".join(parts)


# ---- validation -------------------------------------------------------------------------


def _check(con: duckdb.DuckDBPyConnection, root_id: str, t0: asof.AsOf, t1: asof.AsOf) -> None:
    """MovementError if `root_id`'s pipeline cannot be compared at t0 and t1 (one query)."""
    [(first, has_t0, has_t1, active_t0, active_t1)] = queries.rows(
        con, "movement_checks", root_id=root_id, snap_t0=t0.snapshot_date,
        snap_t1=t1.snapshot_date, team_t0=t0.effective_date, team_t1=t1.effective_date)
    _check_points(first, t0, t1, (has_t0, has_t1))
    _check_root(root_id, t0, active_t0)
    _check_root(root_id, t1, active_t1)


def _check_points(first: date | None, t0: asof.AsOf, t1: asof.AsOf,
                  has_snapshot: tuple[bool, bool]) -> None:
    if first is None:
        raise MovementError(
            "There is no history yet: no weekly snapshot has been taken, so there is nothing "
            "to compare with. Take a snapshot and compare again next week.")
    if t0.requested >= t1.requested:
        raise MovementError(
            f"The comparison date ({t0.requested:%Y-%m-%d}) must be before the as-of date "
            f"({t1.requested:%Y-%m-%d}).")
    if t0.requested < first or t0.effective_date < first:
        raise MovementError(
            f"There is no history before {first:%Y-%m-%d}, the first weekly snapshot; "
            f"compare with a date on or after it.")
    if t0.is_live:
        raise MovementError(
            f"{t0.requested:%Y-%m-%d} resolves to the latest data, so there is nothing newer "
            "to compare it with; pick a comparison date covered by a weekly snapshot.")
    for point, found in zip((t0, t1), has_snapshot, strict=True):
        if point.snapshot_date is not None and not found:
            raise MovementError(f"There is no weekly snapshot of {point.snapshot_date:%Y-%m-%d}.")
    if t1.snapshot_date is not None and t1.snapshot_date <= t0.snapshot_date:
        raise MovementError(
            f"{t0.requested:%Y-%m-%d} and {t1.requested:%Y-%m-%d} both resolve to the weekly "
            f"snapshot of {t0.snapshot_date:%Y-%m-%d}; pick a comparison date before it.")


def _check_root(root_id: str, point: asof.AsOf, is_active: bool) -> None:
    if not is_active:
        raise MovementError(
            f"'{root_id}' is not an active person in the hierarchy on "
            f"{point.effective_date:%Y-%m-%d}; pick a team that existed at both dates.")


def resolve_pair(
    con: duckdb.DuckDBPyConnection, day0: date, day1: date, today: date | None = None
) -> tuple[asof.AsOf, asof.AsOf]:
    """The as-of points for comparing `day0` with `day1`; MovementError if they cannot be."""
    try:
        return (asof.resolve_as_of(con, day0, today=today),
                asof.resolve_as_of(con, day1, today=today))
    except asof.AsOfError as exc:
        raise MovementError(str(exc)) from exc


def default_comparison(con: duckdb.DuckDBPyConnection, t1: asof.AsOf) -> asof.AsOf:
    """The last weekly snapshot before the (Monday-based) week of t1's effective date."""
    day = t1.effective_date
    monday = day - timedelta(days=day.weekday())
    [(snap,)] = con.execute(
        "select max(snapshot_date) from snapshots where snapshot_date < $d", {"d": monday}
    ).fetchall()
    if snap is None:
        raise MovementError(
            f"There is no weekly snapshot before the week of {monday:%Y-%m-%d} to compare "
            f"{day:%Y-%m-%d} with.")
    return asof.AsOf(snap, snap)


# ---- the frames ---------------------------------------------------------------------------


def _params(root_id: str, period: Period, t0: asof.AsOf, t1: asof.AsOf) -> dict:
    return dict(root_id=root_id, start=period.start_date, end=period.end_date,
                snap_t0=t0.snapshot_date, team_t0=t0.effective_date,
                snap_t1=t1.snapshot_date, team_t1=t1.effective_date)


@contextmanager
def _classified(con: duckdb.DuckDBPyConnection, params: dict) -> Iterator[None]:
    """The temp table movement_classified (one row per deal in Start or End, with its bucket)
    while the block runs. The Start and End sets are found first (movement_bridged), so only
    their deals' states are read. Temp tables: a page run's read transaction is rolled back,
    and these are rebuilt by the next read that needs them."""
    try:
        con.execute(queries.sql("movement_bridged"), params)
        con.execute(queries.sql("movement_classified"), params)
        yield
    finally:
        con.execute("drop table if exists movement_classified")
        con.execute("drop table if exists movement_bridged")


def _cells(con: duckdb.DuckDBPyConnection, params: dict) -> pd.DataFrame:
    """The bridge summed per bucket, direction and flow cell (movement_cells.sql): a few
    dozen rows, whatever the size of the team. The default comparison (the last snapshot
    before this week vs now, what the page opens on) is added up from the pairs precomputed
    in derived_movement_pairs, the same numbers without reading a deal."""
    if _is_precomputed(con, params):
        return _cells_precomputed(con, params)
    return _cells_deal_by_deal(con, params)


def _cells_precomputed(con: duckdb.DuckDBPyConnection, params: dict) -> pd.DataFrame:
    # t1 is the live deals here, so the query takes no snap_t1
    used = {k: v for k, v in params.items() if k != "snap_t1"}
    return con.execute(queries.sql("movement_cells_derived"), used).df()


def _cells_deal_by_deal(con: duckdb.DuckDBPyConnection, params: dict) -> pd.DataFrame:
    with _classified(con, params):
        return con.execute(queries.sql("movement_cells")).df()


def _is_precomputed(con: duckdb.DuckDBPyConnection, params: dict) -> bool:
    """Whether derived_movement_pairs answers this comparison: t1 the live deals and t0 the
    snapshot it was built for."""
    if params["snap_t1"] is not None or params["snap_t0"] is None:
        return False
    aggregates.ensure(con, "movement")
    try:
        found = con.execute(
            "select 1 from derived_movement_pairs where snapshot_date = $d limit 1",
            {"d": params["snap_t0"]}).fetchall()
    except duckdb.CatalogException:  # dropped by hand since its last build: the slow way
        return False
    return bool(found)


def _bar(bucket: str, cents: int, inflow: int, outflow: int, deals: int, change: int) -> dict:
    measure = "absolute" if bucket in ("Start", "End") else "relative"
    return {"bucket": bucket, "measure": measure, "value": cents / 100, "value_cents": cents,
            "inflow": inflow / 100, "outflow": outflow / 100, "deal_count": deals,
            "count_change": change, "description": BUCKET_DESCRIPTIONS[bucket]}


_CELL_LABELS = ("bucket", "direction", "flow_row", "flow_column")


def _cell_rows(cells: pd.DataFrame, columns: list[str]) -> Iterator[tuple]:
    """The cells' rows as plain values, sums as ints (a missing one 0): there are a few
    dozen, and Python adds them up in a tenth of what a pandas groupby costs."""
    lists = [cells[c].tolist() for c in columns]
    return zip(*(values if c in _CELL_LABELS else [0 if v != v else int(v) for v in values]
                 for c, values in zip(columns, lists, strict=True)), strict=True)


def bars_from_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """The waterfall bars (see Movement.bars) added up from the bridge's cells.

    A deal's count contribution follows its direction: 'in' adds one to End#, 'out' takes
    one away, 'change' (Amount up/down, in both sets) leaves End# alone."""
    sums = {bucket: [0, 0, 0, 0, 0] for bucket in CHANGE_BUCKETS}
    n_start = n_end = start_cents = end_cents = 0
    for (bucket, direction, value, inflow, outflow, deals, s_cents, e_cents, s_count,
         e_count) in _cell_rows(cells, [
            "bucket", "direction", "value_cents", "inflow_cents", "outflow_cents",
            "deal_count", "start_cents", "end_cents", "start_count", "end_count"]):
        start_cents, end_cents = start_cents + s_cents, end_cents + e_cents
        n_start, n_end = n_start + s_count, n_end + e_count
        if bucket in sums:  # 'Unchanged' is in Start and End, in no bar of its own
            sign = {"in": 1, "out": -1}.get(direction, 0)
            for i, part in enumerate((value, inflow, outflow, deals, sign * deals)):
                sums[bucket][i] += part
    rows = [_bar("Start", start_cents, 0, 0, n_start, n_start)]
    rows += [_bar(bucket, *sums[bucket]) for bucket in CHANGE_BUCKETS]
    rows.append(_bar("End", end_cents, 0, 0, n_end, n_end))
    return pd.DataFrame(rows)


def flow_from_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """Category at t0 x category at t1 (see Movement.flow), every cell present."""
    grid = {(r, c): [0, 0, 0] for r in FLOW_ROWS for c in FLOW_COLUMNS}
    for row, column, deals, s_cents, e_cents in _cell_rows(
            cells, ["flow_row", "flow_column", "deal_count", "start_cents", "end_cents"]):
        if (row, column) in grid:
            for i, part in enumerate((deals, s_cents, e_cents)):
                grid[row, column][i] += part
    keys = list(grid)
    deals, start, end = (np.array([grid[k][i] for k in keys], dtype="int64") for i in range(3))
    is_open = np.array([c in OPEN_CATEGORIES for _, c in keys])
    return pd.DataFrame({
        "category_t0": pd.array([r for r, _ in keys], dtype="str"),
        "category_t1": pd.array([c for _, c in keys], dtype="str"),
        "deal_count": deals, "amount": np.where(is_open, end, start) / 100,
        "amount_t0": start / 100, "amount_t1": end / 100,
    })


def deals_behind(con: duckdb.DuckDBPyConnection, moved: Movement, bucket: str | None = None,
                 limit: int | None = None) -> pd.DataFrame:
    """The deals a bar of `moved` stands for (see Movement: 'Start' and 'End' = every deal in
    that set; None = every deal in Start or End, 'Unchanged' included), largest move first,
    the first `limit` of them (None = all). Read when asked: a large team's bridge has 100k+
    deals, and the bars and the flow never need them one by one.

    Columns: opportunity_id, opportunity_name, owner_id, owner_name, member_id (R's direct
    report it rolls up to, at t1 if in End else at t0), bucket ('Unchanged' for a deal in both
    with the same amount: not a movement), direction ('out', 'in', 'change'), reason (for
    Other, Pulled in, Pushed out), is_in_start, is_in_end, amount_t0, amount_t1, value (signed
    contribution), value_cents, start_cents, end_cents, close_date_t0/t1, category_t0/t1,
    stage_t0/t1, owner_id_t0/t1."""
    if bucket is not None and bucket not in [*BUCKETS, "Unchanged"]:
        raise KeyError(f"'{bucket}' is not a bucket; pick one of {', '.join(BUCKETS)}.")
    params = _params(moved.root_id, moved.period, moved.t0, moved.t1)
    with _classified(con, params):
        found = con.execute(queries.sql("movement_deals"), {
            "bucket": bucket, "limit": limit}).df()
    return found


def _member_values(f: overview.TeamForecast) -> dict[str, tuple]:
    """member_id -> (name, is_own_deals, [MEMBER_METRICS values]) of one side."""
    rows = f.rows
    columns = [rows.member_id.tolist(), rows.name.tolist(), rows.is_own_deals.tolist(),
               *(rows[m].tolist() for m in MEMBER_METRICS)]
    return {member: (name, bool(own), values)
            for member, name, own, *values in zip(*columns, strict=True)}


def members_change(before: overview.TeamForecast, after: overview.TeamForecast) -> pd.DataFrame:
    """Commit / best case forecast and open pipeline per direct report at t0 and t1."""
    # plain Python over a dozen rows: the frame pandas joins and fills gave, in a tenth of
    # the time (each join or fill costs a millisecond or more)
    a, b = _member_values(before), _member_values(after)
    # name and own-deals flag, t1's where the member is in both; t1's members first, so
    # that the (stable) sort keeps them first among equal names
    about = {**b, **{m: v for m, v in a.items() if m not in b}}
    members = sorted(about, key=lambda m: (not about[m][1], about[m][0]))
    out = {"member_id": pd.array(members, dtype="str"),
           "name": pd.array([about[m][0] for m in members], dtype="str"),
           "is_own_deals": np.array([about[m][1] for m in members], dtype=bool)}
    for side, suffix in ((a, "t0"), (b, "t1")):
        for i, metric in enumerate(MEMBER_METRICS):
            # a member not in the team at one point counts 0 there (and so does a blank)
            values = np.array([side[m][2][i] if m in side else 0.0 for m in members],
                              dtype=float)
            out[f"{metric}_{suffix}"] = np.where(np.isnan(values), 0.0, values)
    out["is_in_team_t0"] = np.array([m in a for m in members], dtype=bool)
    out["is_in_team_t1"] = np.array([m in b for m in members], dtype=bool)
    for metric in MEMBER_METRICS:
        out[f"{metric}_change"] = out[f"{metric}_t1"] - out[f"{metric}_t0"]
    out["label"] = pd.array([f"{about[m][0]} (own deals)" if about[m][1] else about[m][0]
                             for m in members], dtype="str")
    return pd.DataFrame(out)


def movement(
    con: duckdb.DuckDBPyConnection, root_id: str, period: Period, t0: asof.AsOf, t1: asof.AsOf,
    before: overview.TeamForecast | None = None, after: overview.TeamForecast | None = None,
) -> Movement:
    """What moved in `root_id`'s open pipeline for `period` between t0 and t1. `before` and
    `after` are the team's forecasts at t0 and t1 when the caller already has them (a page
    has t1's), else they are read here."""
    _check(con, root_id, t0, t1)
    cells = _cells(con, _params(root_id, period, t0, t1))
    before = before or overview.team_forecast(con, root_id, period, t0)
    after = after or overview.team_forecast(con, root_id, period, t1)
    return Movement(root_id=root_id, period=period, t0=t0, t1=t1,
                    bars=bars_from_cells(cells), flow=flow_from_cells(cells),
                    by_member=members_change(before, after))
