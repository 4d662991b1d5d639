"""The deal list behind the numbers, with risk flags, on the tiny company."""

from __future__ import annotations

from datetime import date

import pytest

from forecast import asof, deals
from forecast.calendar import parse_period

import tiny_company

Q4 = parse_period("2026-Q4")


@pytest.fixture
def tiny(con):
    tiny_company.load(con)
    # D4's earlier history: pushed three times (11-15 -> 11-30 -> 12-10 -> 12-20), cut 500->400
    for day, close, amount in [(date(2026, 10, 2), date(2026, 11, 15), 500.0),
                               (date(2026, 10, 9), date(2026, 11, 30), 500.0),
                               (date(2026, 10, 16), date(2026, 12, 10), 500.0),
                               (date(2026, 10, 23), date(2026, 12, 20), 500.0)]:
        con.execute(
            "insert into opportunity_snapshots (snapshot_date, opportunity_id, owner_id, amount, "
            "stage_name, close_date, is_closed, is_won) "
            "values ($d, 'D4', 'R2', $a, 'Prospecting', $c, false, false)",
            {"d": day, "a": amount, "c": close})
        con.execute("insert into snapshots values ($d, current_timestamp, 'test', 1)", {"d": day})
    # usual time in Prospecting: 10 and 20 days -> median 15; D4 entered it on 2026-10-01
    con.executemany("insert into stage_events values (?, ?, ?)", [
        ("X1", "Prospecting", "2026-09-01"), ("X1", "Proposal", "2026-09-11"),
        ("X2", "Prospecting", "2026-09-01"), ("X2", "Proposal", "2026-09-21"),
        ("D4", "Prospecting", "2026-10-01")])
    return con


def _deals(con, day):
    when = asof.resolve_as_of(con, day, today=tiny_company.TODAY)
    return deals.deal_list(con, "V", Q4, when).set_index("opportunity_id")


def test_deal_list_flags_live(tiny):
    d = _deals(tiny, date(2026, 11, 20))
    assert sorted(d.index) == ["D1", "D2", "D3", "D4", "D5", "D6", "D7"]
    assert d.loc["D4", "close_date_pushes"] == 3
    assert d.loc["D4", "days_in_stage"] == 50  # 2026-10-01 .. 2026-11-20
    assert d.loc["D4", "median_days_in_stage"] == 15
    assert d.loc["D4", "risks"] == "Pushed 3+, Amount cut, Stalled"
    assert d.loc["D7", "risks"] == "Overdue, Category differs"  # closes 11-15, still open
    assert d.loc["D6", "risks"] == "Category differs"
    assert d.loc["D2", "risks"] == ""
    assert d.loc["D4", "member_id"] == "M2" and d.loc["D2", "member_id"] == "M1"


def test_deal_list_as_of_a_past_snapshot(tiny):
    d = _deals(tiny, date(2026, 10, 16))
    # on 2026-10-16 D4 had been pushed twice and not cut; D3, D6 did not exist; D7 closed
    # in January then
    assert d.loc["D4", "close_date_pushes"] == 2
    assert not d.loc["D4", "is_amount_cut"]
    assert "D3" not in d.index and "D7" not in d.index
    assert d.loc["D4", "member_id"] == "M1"  # R2 reported to M1 then


def test_filter_deals_behind_a_cell(tiny):
    d = _deals(tiny, date(2026, 11, 20)).reset_index()
    picked = deals.filter_deals(d, member_ids=["M1"], categories=["Commit", "Closed"])
    assert sorted(picked.opportunity_id) == ["D1", "D2"]
    assert picked.amount.sum() == 300  # = M1's commit forecast


def test_deal_list_narrowed_and_limited(tiny):
    when = asof.resolve_as_of(tiny, date(2026, 11, 20), today=tiny_company.TODAY)
    d = deals.deal_list(tiny, "V", Q4, when, member_ids=["M1"],
                        categories=["Commit", "Closed"], limit=1)
    # M1's commit forecast is D1 (won, 100) and D2 (Commit, 200); open deals come first
    assert d.opportunity_id.tolist() == ["D2"]
    assert (d.deals_in_list.iloc[0], d.amount_in_list.iloc[0]) == (2, 300)


def test_deal_list_live_ignores_stage_entries_after_the_as_of_date(tiny):
    # D4 enters Prospecting again on 2026-11-25, after the as-of date: as of 2026-11-20 it
    # has still been in the stage since 2026-10-01 (the derived facts keep only the latest
    # entry, so the list is read from the stage history itself here)
    tiny.execute("insert into stage_events values ('D4', 'Proposal', '2026-11-22'), "
                 "('D4', 'Prospecting', '2026-11-25')")
    d = _deals(tiny, date(2026, 11, 20))
    assert d.loc["D4", "days_in_stage"] == 50
    assert d.loc["D4", "risks"] == "Pushed 3+, Amount cut, Stalled"


def test_deal_list_live_follows_new_stage_entries(tiny):
    # the derived facts are rebuilt when the stage history grows: D4 entered Prospecting
    # again on 2026-11-10, so it has been there 10 days on 2026-11-20 and is not stalled
    _deals(tiny, date(2026, 11, 20))
    tiny.execute("insert into stage_events values ('D4', 'Proposal', '2026-11-05'), "
                 "('D4', 'Prospecting', '2026-11-10')")
    d = _deals(tiny, date(2026, 11, 20))
    assert d.loc["D4", "days_in_stage"] == 10
    assert d.loc["D4", "risks"] == "Pushed 3+, Amount cut"
