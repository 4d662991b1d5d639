"""Team forecast numbers on the tiny company, each worked out by hand (see tiny_company.py)."""

from __future__ import annotations

import math
from datetime import date

import pytest

from forecast import asof, overview
from forecast.calendar import parse_period

import tiny_company

Q4 = parse_period("2026-Q4")


@pytest.fixture
def tiny(con):
    tiny_company.load(con)
    return con


def _forecast(con, root, day):
    when = asof.resolve_as_of(con, day, today=tiny_company.TODAY)
    return overview.team_forecast(con, root, Q4, when)


def test_vp_team_live_totals(tiny):
    f = _forecast(tiny, "V", date(2026, 11, 20))
    t = f.total
    # closed D1 100; commit D2 200 + D7 1000 (rep override); best case D3 300 + D6 50 (rep
    # override of Negotiation); pipeline D4 400; D5 lost, D8 next quarter, D9 last quarter.
    assert (t.closed_amount, t.commit_amount, t.best_case_amount, t.pipeline_amount) == (
        100, 1200, 350, 400)
    assert (t.commit_forecast, t.best_case_forecast, t.open_pipeline, t.upside) == (
        1300, 1650, 1950, 350)
    assert t.quota_amount == 3000
    assert t.attainment == pytest.approx(100 / 3000)
    assert t.gap_to_quota == 1700
    assert t.coverage == pytest.approx(1950 / 2900)
    # weighted: 200*.8 + 300*.5 + 50*.8 + 400*.1 + 1000*.5 = 890, plus closed 100
    assert t.weighted_pipeline == pytest.approx(990)
    assert f.quota_below == 2700


def test_vp_team_rows_follow_move_of_r2(tiny):
    rows = _forecast(tiny, "V", date(2026, 11, 20)).rows.set_index("member_id")
    # reports by name; V owns no deals, so there is no "own deals" row
    assert list(rows.index) == ["M1", "M2"]
    assert rows.loc["M1", ["closed_amount", "commit_amount", "best_case_amount"]].tolist() == [
        100, 200, 350]
    # R2 reports to M2 since 2026-11-01, so D4 rolls up to M2
    assert rows.loc["M2", ["commit_amount", "pipeline_amount"]].tolist() == [1000, 400]
    assert rows.loc["M2", "people_below"] == 2
    assert rows.loc["M1", "quota_amount"] == 1500


def test_as_of_mid_november_uses_snapshot(tiny):
    f = _forecast(tiny, "V", date(2026, 11, 16))
    assert f.as_of.snapshot_date == date(2026, 11, 13)
    t = f.total
    # D3 250 and D5 500 in Proposal (Best Case), D6 50; D7 then closed in January: excluded
    assert (t.closed_amount, t.commit_amount, t.best_case_amount, t.pipeline_amount) == (
        100, 200, 800, 400)


def test_as_of_october_uses_old_reporting_line(tiny):
    f = _forecast(tiny, "M1", date(2026, 10, 30))
    rows = f.rows.set_index("member_id")
    # R2 still reported to M1 on 2026-10-30: D4 (pipeline 400) and D5 (best case 500) count;
    # M1's own D6 did not exist yet, so M1 has no "own deals" row
    assert sorted(rows.index) == ["R1", "R2"]
    assert (f.total.best_case_amount, f.total.pipeline_amount) == (700, 400)
    assert f.quota_below == 800 + 600
    assert _forecast(tiny, "M1", date(2026, 11, 20)).quota_below == 900  # R1's raised quota


def test_weekly_trend(tiny):
    when = asof.resolve_as_of(tiny, date(2026, 11, 20), today=tiny_company.TODAY)
    trend = overview.weekly_trend(tiny, "V", Q4, when)
    assert trend.as_of_date.tolist() == [date(2026, 10, 30), date(2026, 11, 13), date(2026, 11, 20)]
    assert trend.commit_forecast.tolist() == [100, 300, 1300]
    assert trend.best_case_forecast.tolist() == [800, 1100, 1650]


def test_as_of_errors(tiny):
    with pytest.raises(asof.AsOfError, match="in the future"):
        asof.resolve_as_of(tiny, date(2026, 12, 1), today=tiny_company.TODAY)
    with pytest.raises(asof.AsOfError, match="no history before 2026-10-30"):
        asof.resolve_as_of(tiny, date(2026, 10, 1), today=tiny_company.TODAY)


def test_add_forecast_columns_leaves_input_alone_and_blanks_coverage_when_quota_met():
    import pandas as pd

    df = pd.DataFrame({"closed_amount": [500.0], "commit_amount": [10.0],
                       "best_case_amount": [0.0], "pipeline_amount": [5.0],
                       "weighted_open_amount": [1.0], "quota_amount": [400.0]})
    out = overview.add_forecast_columns(df)
    assert "coverage" not in df.columns
    assert math.isnan(out.coverage[0])
    assert out.attainment[0] == pytest.approx(1.25)
    assert out.gap_to_quota[0] == -110


def test_deals_of_someone_who_left_still_count_for_their_last_team(tiny):
    tiny.execute("insert into reporting_lines (person_id, manager_id, effective_date, is_active) "
                 "values ('R1', 'M1', date '2026-11-18', false)")
    f = _forecast(tiny, "V", date(2026, 11, 20))
    assert f.total.closed_amount == 100  # D1, won by R1 before leaving
    assert f.total.commit_forecast == 1300
    from forecast import hierarchy

    assert "R1" not in hierarchy.people_as_of(tiny, date(2026, 11, 20)).person_id.tolist()


def _forecast_columns_one_by_one(df):
    """add_forecast_columns as pandas column by column (the definition it must match)."""
    out = df.copy()
    out["commit_forecast"] = out.closed_amount + out.commit_amount
    out["best_case_forecast"] = out.commit_forecast + out.best_case_amount
    out["open_pipeline"] = out.commit_amount + out.best_case_amount + out.pipeline_amount
    out["upside"] = out.best_case_forecast - out.commit_forecast
    out["weighted_pipeline"] = out.closed_amount + out.weighted_open_amount
    quota = out.quota_amount.astype(float)
    out["attainment"] = overview._ratio(out.closed_amount, quota)
    out["gap_to_quota"] = quota - out.commit_forecast
    out["gap_to_quota_closed"] = quota - out.closed_amount
    out["coverage"] = overview._ratio(out.open_pipeline, quota - out.closed_amount)
    return out


@pytest.mark.parametrize("root", ["V", "M1", "M2", "R1"])
@pytest.mark.parametrize("day", [date(2026, 10, 30), date(2026, 11, 20)])
def test_rows_and_total_on_arrays_match_pandas_column_by_column(tiny, root, day):
    """The forecast columns are worked out on arrays and the total summed on arrays (a
    column at a time cost ~0.4 ms in pandas): the same frame and total, to the bit."""
    import pandas as pd

    f = _forecast(tiny, root, day)
    raw = f.rows.drop(columns=list(overview._forecast_columns(f.rows)))
    pd.testing.assert_frame_equal(f.rows, _forecast_columns_one_by_one(raw), check_exact=True)
    summed = overview._sum_row(raw, f.total.quota_amount).to_frame().T
    pd.testing.assert_series_equal(f.total, _forecast_columns_one_by_one(summed).iloc[0],
                                   check_exact=True)
    assert f.total.commit_forecast == f.rows.commit_forecast.sum()


@pytest.mark.parametrize("cumulative", [True, False])
def test_forecast_table_from_arrays_matches_the_pandas_concat(tiny, cumulative):
    """forecast_table is built from arrays: the same frame as the rows and the total row
    concatenated in pandas (the definition), types included."""
    import pandas as pd

    for root in ("V", "M1", "M2"):
        f = _forecast(tiny, root, date(2026, 11, 20))
        view = overview.CUMULATIVE_VIEW if cumulative else overview.SINGLE_CATEGORY_VIEW
        rows = f.rows.assign(label=f.rows.name.where(~f.rows.is_own_deals,
                                                     f.rows.name + " (own deals)"))
        total = f.total.to_frame().T.assign(member_id=None,
                                            label=f"{f.root_name}'s team (total)")
        columns = ["member_id", "label", *view, *overview.RATIO_VIEW]
        expected = pd.concat([rows[columns], total[columns]], ignore_index=True)
        table = overview.forecast_table(f, cumulative)
        pd.testing.assert_frame_equal(table, expected, check_exact=True)
        assert table.label.iloc[-1] == f"{f.root_name}'s team (total)"
