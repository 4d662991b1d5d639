"""Closed, commit, best case and open pipeline against quota, for a team and period.

Amounts come from the database as single-category sums per direct report; the cumulative
forecasts and ratios are derived here, in one place, by `add_forecast_columns`.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from forecast import aggregates, asof, hierarchy, queries
from forecast.calendar import Period

CATEGORY_COLUMNS = ["closed_amount", "commit_amount", "best_case_amount", "pipeline_amount"]
COUNT_COLUMNS = ["closed_count", "commit_count", "best_case_count", "pipeline_count"]


def _ratio(numerator: pd.Series | float, denominator: pd.Series | float):
    """numerator / denominator, NaN where the denominator is not positive."""
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(den > 0, num / den, np.nan)
    return out


def _forecast_columns(df: pd.DataFrame | dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The cumulative forecasts and ratios of `df`'s rows (a frame, or its columns as
    arrays), as arrays."""
    closed, commit = np.asarray(df["closed_amount"]), np.asarray(df["commit_amount"])
    best_case, pipeline = np.asarray(df["best_case_amount"]), np.asarray(df["pipeline_amount"])
    quota = np.asarray(df["quota_amount"], dtype=float)
    commit_forecast = closed + commit
    best_case_forecast = commit_forecast + best_case
    open_pipeline = commit + best_case + pipeline
    return {
        "commit_forecast": commit_forecast, "best_case_forecast": best_case_forecast,
        "open_pipeline": open_pipeline, "upside": best_case_forecast - commit_forecast,
        "weighted_pipeline": closed + np.asarray(df["weighted_open_amount"]),
        "attainment": _ratio(closed, quota), "gap_to_quota": quota - commit_forecast,
        "gap_to_quota_closed": quota - closed,
        "coverage": _ratio(open_pipeline, quota - closed),
    }


def add_forecast_columns(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` with the cumulative forecasts and quota ratios (see forecast.metrics)."""
    # worked out on arrays and joined once: a column set at a time costs ~0.4 ms each in
    # pandas, and a page run adds these columns to several frames
    new = pd.DataFrame(_forecast_columns(df), index=df.index)
    if new.columns.intersection(df.columns).empty:
        return pd.concat([df, new], axis=1)
    return df.assign(**{c: new[c] for c in new.columns})  # replaced where they stood


@dataclass(frozen=True)
class TeamForecast:
    root_id: str
    root_name: str
    period: Period
    as_of: asof.AsOf
    rows: pd.DataFrame     # one row per direct report (+ the root's own deals)
    total: pd.Series       # the team as a whole, with the root's own quota
    quota_below: float     # sum of the direct reports' quotas (NaN if none set)

    @property
    def has_deals(self) -> bool:
        return bool(self.rows[COUNT_COLUMNS].to_numpy().sum() > 0)


def _sum_row(rows: pd.DataFrame, quota: float) -> pd.Series:
    total = rows[CATEGORY_COLUMNS + ["weighted_open_amount"]].sum()
    counts = rows[[c for c in rows.columns if c.endswith("_count")]].sum()
    return pd.concat([total, counts, pd.Series({"quota_amount": quota})])


def _total(rows: pd.DataFrame, quota: float) -> pd.Series:
    """`_sum_row` with the forecast columns added, summed and worked out on arrays (pandas
    took ~2 ms for this one row)."""
    sums = {c: float(np.nansum(rows[c].to_numpy()))
            for c in [*CATEGORY_COLUMNS, "weighted_open_amount", *COUNT_COLUMNS]}
    sums["quota_amount"] = float(quota)
    one_row = {c: np.array([v]) for c, v in sums.items()}
    sums |= {c: float(v[0]) for c, v in _forecast_columns(one_row).items()}
    return pd.Series(sums, dtype=float, name=0)


def team_forecast(
    con: duckdb.DuckDBPyConnection, root_id: str, period: Period, when: asof.AsOf
) -> TeamForecast:
    """The team's numbers for `period`, with the hierarchy and quotas of the as-of date."""
    return _forecast(_rollup(con, root_id, period, when), root_id, period, when)


def team_forecast_pair(
    con: duckdb.DuckDBPyConnection, root_id: str, period: Period, when: asof.AsOf,
    then: asof.AsOf,
) -> tuple[TeamForecast, TeamForecast | None]:
    """team_forecast at `when` and at `then`, read in one query (category_rollup.sql's two
    points); the second is None when the root was not in the hierarchy at `then`."""
    raw = _rollup(con, root_id, period, when, then)
    point = raw.pop("point").to_numpy()
    at_then = raw[point == "b"].reset_index(drop=True)
    return (_forecast(raw[point == "a"].reset_index(drop=True), root_id, period, when),
            None if at_then.empty else _forecast(at_then, root_id, period, then))


def _rollup(con: duckdb.DuckDBPyConnection, root_id: str, period: Period, when: asof.AsOf,
            then: asof.AsOf | None = None) -> pd.DataFrame:
    """category_rollup.sql's rows at `when` (point 'a') and, if given, at `then` ('b');
    the point column is dropped when there is only one."""
    aggregates.ensure(con)
    b = {"as_of_b": None, "snap_b": None} if then is None else {
        "as_of_b": then.effective_date, "snap_b": then.snapshot_date}
    raw = queries.frame(
        con, "category_rollup", root_id=root_id, as_of=when.effective_date,
        snap=when.snapshot_date, start=period.start_date, end=period.end_date,
        period_id=period.period_id, **b)
    return raw if then is not None else raw.drop(columns="point")


def _forecast(raw: pd.DataFrame, root_id: str, period: Period,
              when: asof.AsOf) -> TeamForecast:
    """The TeamForecast of category_rollup's rows."""
    if raw.empty:  # the root is always a row of its own team
        raise hierarchy.TeamError(f"'{root_id}' is not an active person in the hierarchy on "
                                  f"{when.effective_date:%Y-%m-%d}.")
    team_quota = float(raw.team_quota.iloc[0])  # NaN when the root has none
    raw = raw.drop(columns="team_quota")
    own = raw.is_own_deals.to_numpy(dtype=bool)
    root_name = str(raw.name.iloc[int(own.argmax())])  # the root's own-deals row
    keep = ~(own & (raw[COUNT_COLUMNS].to_numpy().sum(axis=1) == 0))  # a manager, no deals
    if not keep.all():
        raw, own = raw[keep].reset_index(drop=True), own[keep]
    below = raw.quota_amount.to_numpy(dtype=float)[~own]
    quota_below = float(np.nansum(below)) if (~np.isnan(below)).any() else float("nan")
    total = _total(raw, team_quota)
    return TeamForecast(
        root_id=root_id,
        root_name=root_name,
        period=period,
        as_of=when,
        rows=add_forecast_columns(raw),
        total=total,
        quota_below=quota_below,
    )


def weekly_trend(
    con: duckdb.DuckDBPyConnection, root_id: str, period: Period, when: asof.AsOf
) -> pd.DataFrame:
    """Team totals at each weekly snapshot inside the period up to the as-of date (plus the
    live point when the as-of date is live). The team is the one of the as-of date."""
    aggregates.ensure(con)
    weekly = queries.frame(
        con, "weekly_trend", root_id=root_id, as_of=when.effective_date,
        first=period.start_date, last=min(period.end_date, when.effective_date),
        start=period.start_date, end=period.end_date)
    if when.is_live:
        live = _sum_row(_rollup(con, root_id, period, when), float("nan"))
        weekly = pd.concat([weekly, live.to_frame().T.assign(as_of_date=when.effective_date)],
                           ignore_index=True)
    weekly["as_of_date"] = pd.to_datetime(weekly.as_of_date).dt.date
    weekly["quota_amount"] = float("nan")
    return add_forecast_columns(weekly)

CUMULATIVE_VIEW = {"closed_amount": "closed", "commit_forecast": "commit_forecast",
                   "best_case_forecast": "best_case_forecast", "open_pipeline": "open_pipeline",
                   "upside": "upside"}
SINGLE_CATEGORY_VIEW = {"closed_amount": "closed", "commit_amount": "commit",
                        "best_case_amount": "best_case", "pipeline_amount": "pipeline"}
RATIO_VIEW = {"quota_amount": "quota", "attainment": "attainment", "gap_to_quota": "gap_to_quota",
              "coverage": "coverage", "weighted_pipeline": "weighted_pipeline"}

# the categories behind each column, for listing the deals behind a number
CATEGORIES_BEHIND = {
    "closed_amount": ["Closed"], "commit_amount": ["Commit"], "best_case_amount": ["Best Case"],
    "pipeline_amount": ["Pipeline"], "commit_forecast": ["Closed", "Commit"],
    "best_case_forecast": ["Closed", "Commit", "Best Case"],
    "open_pipeline": ["Commit", "Best Case", "Pipeline"], "upside": ["Best Case"],
}


def forecast_table(f: TeamForecast, cumulative: bool = True) -> pd.DataFrame:
    """One row per direct report plus the team total, in the cumulative or single-category
    view; column names are the metric columns of the frames above."""
    # built from arrays (the review draws it on every run; a pandas concat cost ~3 ms)
    view = CUMULATIVE_VIEW if cumulative else SINGLE_CATEGORY_VIEW
    rows = f.rows
    labels = [f"{name} (own deals)" if own and name == name else name
              for name, own in zip(rows.name.tolist(), rows.is_own_deals.tolist(), strict=True)]
    table = {"member_id": pd.Series([*rows.member_id.tolist(), None], dtype=object),
             "label": pd.array([*labels, f"{f.root_name}'s team (total)"], dtype="str")}
    for column in [*view, *RATIO_VIEW]:
        table[column] = np.append(rows[column].to_numpy(), f.total[column])
    return pd.DataFrame(table)


def same_point_of_earlier_periods(
    con: duckdb.DuckDBPyConnection, root_id: str, period: Period, when: asof.AsOf,
    earlier: list[Period],
) -> pd.DataFrame:
    """The weekly trend of `period` beside that of each earlier period, by week of the
    period (week 1 = the first seven days), for comparing the same point in time. Earlier
    periods without history are skipped."""
    frames = [weekly_trend(con, root_id, period, when).assign(period_id=period.period_id)]
    for past in earlier:
        try:
            past_when = asof.resolve_as_of(con, past.end_date)
            frames.append(weekly_trend(con, root_id, past, past_when)
                          .assign(period_id=past.period_id))
        except (asof.AsOfError, hierarchy.TeamError):
            continue
    out = pd.concat([f for f in frames if not f.empty], ignore_index=True)
    if out.empty:
        return out
    starts = {p.period_id: p.start_date for p in [period, *earlier]}
    out["week"] = [(d - starts[pid]).days // 7 + 1
                   for d, pid in zip(out.as_of_date, out.period_id, strict=True)]
    return out
