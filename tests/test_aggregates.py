"""The derived sums behind the rollups follow the data, on the tiny company (tiny_company.py)."""

from __future__ import annotations

from datetime import date

import pytest

from forecast import aggregates, asof, deals, funnel, overview, queries
from forecast.calendar import parse_period

import tiny_company

Q4 = parse_period("2026-Q4")


@pytest.fixture
def tiny(con):
    tiny_company.load(con)
    return con


def _totals(con, day):
    when = asof.resolve_as_of(con, day, today=tiny_company.TODAY)
    t = overview.team_forecast(con, "V", Q4, when).total
    return (t.closed_amount, t.commit_amount, t.best_case_amount, t.pipeline_amount)


def test_a_new_deal_is_in_the_next_read(tiny):
    assert _totals(tiny, date(2026, 11, 20))[1] == 1200  # D2 200 + D7 1000
    tiny.execute("insert into opportunities (opportunity_id, owner_id, amount, stage_name, "
                 "close_date, created_date, is_closed, is_won) values "
                 "('D10', 'R3', 250, 'Negotiation', '2026-12-05', '2026-11-18', false, false)")
    # the sums were built before D10 existed; the changed deal count rebuilds them
    assert _totals(tiny, date(2026, 11, 20))[1] == 1450


def test_snapshot_counts_a_closed_deal_once(tiny):
    # snapshot of 2026-10-30: D1 (won 10-15, in no snapshot) counts from its final state:
    # closed 100. D5 (lost now) is in that snapshot as Proposal 500 closing 12-10: best case,
    # not Omitted. Best case = D2 200 (Proposal then) + D5 500; pipeline = D4 400; D3 and D6
    # did not exist yet, D7 and D8 closed in 2027 then.
    assert _totals(tiny, date(2026, 10, 30)) == (100, 0, 700, 400)
    # the snapshot also recorded D1, still open in Negotiation (Commit) then: its snapshot
    # row replaces its final state there
    tiny.execute("insert into opportunity_snapshots (snapshot_date, opportunity_id, owner_id, "
                 "amount, stage_name, close_date, is_closed, is_won) values "
                 "('2026-10-30', 'D1', 'R1', 100, 'Negotiation', '2026-10-15', false, false)")
    assert _totals(tiny, date(2026, 10, 30)) == (0, 100, 700, 400)
    # two weeks later D1 is not in the snapshot: closed again
    assert _totals(tiny, date(2026, 11, 13))[0] == 100


def test_lost_tables_are_rebuilt(tiny):
    before = _totals(tiny, date(2026, 11, 13))
    tiny.execute("drop table derived_state_sums")
    tiny.execute("delete from derived_sources")
    assert _totals(tiny, date(2026, 11, 13)) == before


def test_usual_time_in_stage_as_of_a_date(con):
    con.executemany("insert into stage_events values (?, ?, ?)", [
        ("X1", "Prospecting", "2026-09-01"), ("X1", "Proposal", "2026-09-11"),   # 10 days
        ("X2", "Prospecting", "2026-09-01"), ("X2", "Proposal", "2026-09-21"),   # 20 days
        ("X3", "Prospecting", "2026-09-01"), ("X3", "Proposal", "2026-10-31")])  # 60 days
    medians = deals.stage_medians(con, date(2026, 10, 1)).set_index("stage_name")
    # on 10-01 X3 is still in Prospecting: its stay is not over; median of 10 and 20
    assert medians.median_days.to_dict() == {"Prospecting": 15}
    medians = deals.stage_medians(con, date(2026, 11, 20)).set_index("stage_name")
    assert medians.median_days.to_dict() == {"Prospecting": 20}  # 10, 20, 60


def test_refresh_builds_every_set(tiny):
    aggregates.refresh(tiny)
    built = dict(tiny.execute("select derived, fingerprint from derived_sources").fetchall())
    assert set(built) == set(aggregates.DERIVED)
    # the funnel's tables hold every team as of the data date, with the stored stall limit
    assert tiny.execute("select as_of_date, stall_days, root_id from derived_funnel_params"
                        ).fetchall() == [(date(2026, 11, 20), 60, None)]


def _journeys(con) -> int:
    return con.execute("select count(*) from derived_funnel_journeys").fetchall()[0][0]


def test_funnel_tables_serve_every_cursor_and_follow_the_data(tiny):
    scope = funnel.prepare(tiny, "V", date(2026, 11, 20))
    other = tiny.cursor()
    funnel.ensure(other, scope)  # the tables are the store's: no rebuild for another cursor
    # no leads: every deal is a journey of its own, whoever's team it is in
    before = _journeys(other)
    assert before == tiny.execute("select count(*) from opportunities").fetchall()[0][0]
    tiny.execute("insert into opportunities (opportunity_id, owner_id, amount, stage_name, "
                 "close_date, created_date, is_closed, is_won) values "
                 "('D10', 'R3', 250, 'Negotiation', '2026-12-05', '2026-11-18', false, false)")
    funnel.prepare(tiny, "V", date(2026, 11, 20))  # changed data: built again
    assert _journeys(other) == before + 1


def test_another_team_split_or_date_does_not_rebuild_the_funnel(tiny):
    def built_at():
        return tiny.execute("select built_at from derived_sources "
                            "where derived = 'funnel'").fetchall()

    funnel.prepare(tiny, "V", date(2026, 11, 20))
    opened = built_at()
    for root, dimension in (("M1", None), ("V", "rep"), ("R1", "source")):
        funnel.prepare(tiny, root, date(2026, 11, 20), dimension)
    assert built_at() == opened  # one set of tables for every team and split
    # another date: temporary tables of that team on this cursor; the store's stay as built
    everyone = _journeys(tiny)
    funnel.prepare(tiny, "M1", date(2026, 11, 10))
    assert _journeys(tiny) < everyone
    assert built_at() == opened
    funnel.prepare(tiny, "V", date(2026, 11, 20))  # the data date again: the store's tables
    assert _journeys(tiny) == everyone


def test_a_held_read_transaction_checks_each_set_once(tiny, monkeypatch):
    """A page run's read transaction cannot see a change, so each derived table set is
    checked once in it, and each fingerprint query runs once; a new transaction checks
    again and follows the data."""
    ran = []
    rows = queries.rows
    monkeypatch.setattr(queries, "rows", lambda con, name, **p: ran.append(name) or rows(
        con, name, **p))
    day = date(2026, 11, 20)
    other = tiny.cursor()
    for name in ("state_sums", "movement"):
        aggregates.ensure(tiny, name)  # built and committed before, as a page run finds them
    ran.clear()
    tiny.execute("begin transaction")
    aggregates.hold(tiny)
    try:
        first = _totals(tiny, day)
        assert _totals(tiny, day) == first
        aggregates.ensure(tiny, "movement")  # its fingerprint query is the sums' own
        aggregates.ensure(other, "state_sums")  # another cursor is not held: checked
        assert ran.count("derived_sources") == 2
    finally:
        aggregates.release()
        tiny.execute("rollback")
    tiny.execute("insert into opportunities (opportunity_id, owner_id, amount, stage_name, "
                 "close_date, created_date, is_closed, is_won) values "
                 "('D10', 'R3', 250, 'Negotiation', '2026-12-05', '2026-11-18', false, false)")
    assert _totals(tiny, day)[1] == first[1] + 250
