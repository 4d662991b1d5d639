"""What the pages should show, worked out by the library on a copy of the app's store.

The browser tests compare the text on screen with these: the numbers a person reads must be
the library's numbers, formatted as the metric declares.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb

from forecast import asof, formatting, funnel, funnel_report, hierarchy, overview
from forecast.calendar import Period, fiscal_start_month, parse_period, period_containing
from forecast.funnel_metrics import text as funnel_text
from forecast.metrics import METRICS

OVERVIEW_METRICS = {"closed": "closed_amount", "commit_forecast": "commit_forecast",
                    "best_case_forecast": "best_case_forecast", "open_pipeline": "open_pipeline",
                    "upside": "upside", "quota": "quota_amount", "attainment": "attainment",
                    "gap_to_quota": "gap_to_quota", "coverage": "coverage",
                    "weighted_pipeline": "weighted_pipeline"}


@dataclass(frozen=True)
class Defaults:
    """What a new session starts on: the live data's date, its quarter, the top person."""

    as_of: date
    period_id: str
    previous_period_id: str
    root_id: str
    root_name: str


def defaults(con: duckdb.DuckDBPyConnection) -> Defaults:
    day = asof.data_date(con)
    quarter = period_containing(day)
    before = period_containing(quarter.start_date - timedelta(days=1))
    people = hierarchy.people_as_of(con, day)
    return Defaults(day, quarter.period_id, before.period_id, people.person_id.iloc[0],
                    people["name"].iloc[0])


def period(con: duckdb.DuckDBPyConnection, period_id: str) -> Period:
    return parse_period(period_id, fiscal_start_month(con))


def forecast(con: duckdb.DuckDBPyConnection, root_id: str, period_id: str,
             day: date) -> overview.TeamForecast:
    return overview.team_forecast(con, root_id, period(con, period_id),
                                  asof.resolve_as_of(con, day))


def overview_metrics(con: duckdb.DuckDBPyConnection, root_id: str, period_id: str,
                     day: date) -> dict[str, str]:
    """Label -> shown value of the ten numbers at the top of the Overview page."""
    total = forecast(con, root_id, period_id, day).total
    return {METRICS[name].label: formatting.metric_value(name, total[column])
            for name, column in OVERVIEW_METRICS.items()}


def direct_report_with_team(con: duckdb.DuckDBPyConnection, root_id: str,
                            day: date) -> tuple[str, str]:
    """(id, name) of the root's direct report with the largest team."""
    people = hierarchy.people_as_of(con, day)
    reports = people[people.manager_id == root_id].sort_values("team_size", ascending=False)
    return reports.person_id.iloc[0], reports["name"].iloc[0]


def manager_of(con: duckdb.DuckDBPyConnection, person_name: str, day: date) -> str:
    people = hierarchy.people_as_of(con, day).set_index("name")
    return people.loc[person_name, "manager_id"]


def funnel_headline(con: duckdb.DuckDBPyConnection, root_id: str, period_id: str, day: date,
                    view: str) -> tuple[str, str, str]:
    """(window caption, entrants label, entrants shown) of the Funnel page, strict counting."""
    p = period(con, period_id)
    window = funnel.Window(p.start_date, p.end_date, day, view)
    rep = funnel_report.build(con, root_id, window)
    steps = rep.steps("strict").set_index("step_key")
    first = rep.scope.first_key
    return (window.describe(), f"{steps.label[first]} entrants",
            funnel_text("funnel_entrants", steps.entrants[first]))
