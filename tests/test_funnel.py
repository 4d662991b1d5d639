"""The funnel on funnel_company (see its docstring for every lead and deal), worked out by hand.

As of 2026-11-20. Window 2026-Q4 (seen up to 2026-11-20); the quarter before is 2026-Q3.
Strict chain: MQL, SRL, SQL, Opportunity, Discovery, Proposal, Won (every step has journeys
that went further). Journeys of V's team: A1-A5, B1-B8, B11, D1-D3 (B9 is X's, B10 is
created after the as-of date; B7 never became an MQL, so it reaches no step).

Period view (entered the step inside Q4):
  MQL  B1 B2 B3 B4 B5 B6 B8 B11                      any 8  strict 8
  SRL  A5 (MQL in Q3) B1 B3                          any 3  strict 3
  SQL  A5 B1 B2                                      any 3  strict 2 (B2 skipped SRL)
  Opp  A5 B1 B2 D1 D3                                any 5  strict 2 (D1, D3 have no lead)
  Discovery  A5 B1 B2 D1 D3                          any 5  strict 2
  Proposal   A5 (first entry 10-20) B1               any 2  strict 2
  Won  A5 D1 D2                                      any 3  strict 1
Cohort view (created inside Q4, followed to the as-of date): B1-B8, B11, D1, D3
  MQL 8/8, SRL 2/2 (B1 B3), SQL 2/1, Opp 4/1, Discovery 4/1, Proposal 1/1 (B1), Won 1/0 (D1)
Average won deal size (every deal won by 2026-11-20): new OA1 1000 + OA5 2000 + D1 6000 over
3 = 3000; existing D2 8000.
"""

from __future__ import annotations

import math
from datetime import date, datetime

import pandas as pd
import pytest

from forecast import db, funnel, funnel_charts, funnel_leaks, funnel_speed, funnel_velocity
from forecast.funnel import FunnelError, FunnelSettings, Window
from forecast.funnel_report import build

import funnel_company as fc

Q4 = (date(2026, 10, 1), date(2026, 12, 31))
SETTINGS = FunnelSettings(past_quarters=1, min_past_entrants=1, lead_cap=2, lead_age_days=45)
STEPS = ["mql", "srl", "sql", "opportunity", "stage:Discovery", "stage:Proposal", "won"]


@pytest.fixture
def company(con):
    fc.load(con)
    return con


def _window(view: str = "period", start=Q4[0], end=Q4[1], as_of=fc.AS_OF) -> Window:
    return Window(start, end, as_of, view)


def _scope(con, dimension=None, settings=SETTINGS, root="V", as_of=fc.AS_OF):
    return funnel.prepare(con, root, as_of, dimension, settings)


def _table(con, view="period", dimension=None, settings=SETTINGS, root="V"):
    scope = _scope(con, dimension, settings, root)
    w = _window(view)
    counts = funnel.step_counts(con, scope, view, {"current": (w.start, w.last_day)})
    return funnel.funnel_table(counts, scope, "current"), counts, scope


def _column(table, column):
    return dict(zip(table.step_key, table[column], strict=True))


def test_strict_and_any_stage_counts_with_a_lead_that_skips_srl(company):
    table, _, scope = _table(company)
    assert list(scope.catalog.step_key) == STEPS
    assert list(scope.catalog.label) == ["MQL", "SRL", "SQL", "Opportunity", "Discovery",
                                         "Proposal", "Won"]
    assert scope.catalog.is_required.all()
    assert list(table.entrants_any) == [8, 3, 3, 5, 5, 2, 3]
    assert list(table.entrants_strict) == [8, 3, 2, 2, 2, 2, 1]
    # next-step conversion, strict: 3/8, 2/3, 2/2, 2/2, 2/2, 1/2
    conv = _column(table, "conv_next_strict")
    assert math.isnan(conv["mql"])
    assert [conv[k] for k in STEPS[1:]] == pytest.approx([0.375, 2 / 3, 1, 1, 1, 0.5])
    # any stage in the period view compares different people: SQL 3 -> Opportunity 5
    assert _column(table, "conv_next_any")["opportunity"] == pytest.approx(5 / 3)
    assert _column(table, "conv_cum_strict")["won"] == pytest.approx(1 / 8)
    assert _column(table, "conv_cum_any")["won"] == pytest.approx(3 / 8)


def test_values_of_leads_without_an_opportunity(company):
    table, _, _ = _table(company)
    value = _column(table, "value_any_usd")
    # MQLs: B1 4000 + B2 1500 (their deals) + B3, B5, B6, B8, B11 at the new average 3000
    # + B4 (existing) at 8000
    assert value["mql"] == 4000 + 1500 + 5 * 3000 + 8000 == 28500
    # Won (any): A5 2000 + D1 6000 + D2 8000
    assert value["won"] == 16000
    # strict SQLs: A5 2000 + B1 4000 (B2's 1500 is not strict)
    assert _column(table, "value_strict_usd")["sql"] == 6000


def test_cohort_and_period_conversion_differ(company):
    period, _, _ = _table(company, "period")
    cohort, _, _ = _table(company, "cohort")
    assert list(cohort.entrants_any) == [8, 2, 2, 4, 4, 1, 1]
    assert list(cohort.entrants_strict) == [8, 2, 1, 1, 1, 1, 0]
    # MQL -> SRL: period 3/8 (A5's SRL counts, its MQL was in Q3), cohort 2/8
    assert _column(period, "conv_next_strict")["srl"] == 0.375
    assert _column(cohort, "conv_next_strict")["srl"] == 0.25
    # SRL -> SQL: period 2/3, cohort 1/2; cumulative to Won: 1/8 vs 0/8
    assert _column(period, "conv_next_strict")["sql"] == pytest.approx(2 / 3)
    assert _column(cohort, "conv_next_strict")["sql"] == 0.5
    assert _column(cohort, "conv_cum_strict")["won"] == 0


def test_exits_of_the_period(company):
    _, counts, _ = _table(company)
    exits = funnel.exit_table(counts, "current").set_index("step_key")
    # disqualified B3 10-30, B6 10-20; lost B2 11-02, D3 11-05; nothing stalled (60 days);
    # still open, last step in Q4: B1 4000, B4 8000, B5, B8, B11 3000 each
    assert exits.journeys.to_dict() == {"disqualified": 2, "lost": 2, "stalled": 0, "open": 5}
    assert exits.value_usd["lost"] == 1500 + 2000
    assert exits.value_usd["open"] == 4000 + 8000 + 3 * 3000


def _leaks(con, view="period", dimension=None, counting="strict"):
    scope = _scope(con, dimension)
    found = funnel_leaks.leaks(con, scope, _window(view))
    return found[found.counting == counting].set_index(["split_value", "transition_key"])


def test_leak_value_against_the_benchmark(company):
    leaks = _leaks(company).loc["All"]
    srl_sql = leaks.loc["srl>sql"]
    # strict SRL -> SQL 2/3 < 80 %. Downstream value of an SQL (strict): everyone who reached
    # SQL strictly and is resolved: A1 won 1000, A2 lost, A5 won 2000 -> 3000 / 3 = 1000.
    # (0.80 - 2/3) x 3 entrants x 1000 = 400
    assert (srl_sql.entrants, srl_sql.converted) == (3, 2)
    assert srl_sql.downstream_usd == 1000
    assert srl_sql.leak_vs_benchmark_usd == pytest.approx(400)
    assert bool(srl_sql.is_below_benchmark)
    # MQL -> SRL 3/8 = 37.5 % is inside 20-40 %: no leak
    assert leaks.loc["mql>srl", "leak_vs_benchmark_usd"] == 0
    # win rate, existing: D2 won, D3 lost -> 50 % < 75 %; (0.75 - 0.5) x 2 x 8000 = 4000
    win = leaks.loc["win:existing"]
    assert (win.entrants, win.converted, win.downstream_usd) == (2, 1, 8000)
    assert win.leak_vs_benchmark_usd == 4000
    # new business: A5, D1 won, B2 lost -> 2/3 >= 30 %
    assert leaks.loc["win:new", "leak_vs_benchmark_usd"] == 0
    # no benchmark for SQL -> Opportunity: no leak value at all
    assert math.isnan(leaks.loc["sql>opportunity", "leak_vs_benchmark_usd"])


def test_leak_value_against_the_best_past_quarter(company):
    leaks = _leaks(company).loc["All"]
    # Q3 (period): MQL A1-A5 = 5, SRL A1 A2 = 2 -> 40 %; now 37.5 %. Downstream of an SRL
    # (strict): A1 1000 + A5 2000 won over A1 A2 A5 B3 resolved = 750.
    # (0.40 - 0.375) x 8 x 750 = 150
    assert leaks.loc["mql>srl", "best_past_rate"] == 0.4
    assert leaks.loc["mql>srl", "best_past_window"] == "2026-Q3"
    assert leaks.loc["mql>srl", "leak_vs_past_usd"] == pytest.approx(150)
    # SRL -> SQL: Q3 2/2 = 100 %; (1 - 2/3) x 3 x 1000 = 1000
    assert leaks.loc["srl>sql", "leak_vs_past_usd"] == pytest.approx(1000)
    # Proposal -> Won: Q3 A1 1/1, now A5 of A5 B1 = 1/2; downstream of a strict win:
    # (1000 + 2000) / 2 = 1500; (1 - 0.5) x 2 x 1500 = 1500
    assert leaks.loc["stage:Proposal>won", "leak_vs_past_usd"] == pytest.approx(1500)
    # no existing deal closed in Q3: nothing to compare with
    assert math.isnan(leaks.loc["win:existing", "leak_vs_past_usd"])


def _two_step_scope(min_past_entrants: int) -> funnel.Scope:
    catalog = pd.DataFrame({"step_key": ["mql", "srl"], "step_order": [1, 2],
                            "label": ["MQL", "SRL"], "is_required": [True, True],
                            "prev_key": [None, "mql"]})
    return funnel.Scope("V", fc.AS_OF, None, FunnelSettings(min_past_entrants=min_past_entrants),
                        catalog)


def test_the_best_past_quarter_skips_thin_quarters_and_prefers_the_latest_of_a_tie():
    # MQL -> SRL: now 2 of 10 (20 %); Q1 4 of 4 (100 %) but under 5 entrants, Q2 and Q3 both
    # 5 of 10 (50 %): the best past quarter is Q3, the later of the two.
    rows = [("current", 10, 2), ("2026-Q1", 4, 4), ("2026-Q2", 10, 5), ("2026-Q3", 10, 5)]
    counts = pd.DataFrame([
        {"window_id": w, "split_value": "All", "deal_type": "new", "step_key": step,
         "entrants_any": n, "entrants_strict": n, "value_any_usd": 0.0, "value_strict_usd": 0.0}
        for w, mql, srl in rows for step, n in (("mql", mql), ("srl", srl))])
    # an SRL is worth 1,000 won over 4 resolved journeys = 250 (strict)
    down = pd.DataFrame({"split_value": ["All"], "deal_type": ["new"], "step_key": ["srl"],
                         "won_strict_usd": [1000.0], "resolved_strict": [4],
                         "won_any_usd": [0.0], "resolved_any": [0]})
    leak = funnel_leaks.leak_table(counts, down, _two_step_scope(5), "current",
                                   ["2026-Q3", "2026-Q2", "2026-Q1"], "strict").iloc[0]
    assert (leak.entrants, leak.converted, leak.rate) == (10, 2, 0.2)
    assert (leak.best_past_rate, leak.best_past_window) == (0.5, "2026-Q3")
    assert leak.downstream_usd == 250
    # (0.5 - 0.2) x 10 x 250 = 750; 20 % is the benchmark's low end: no leak against it
    assert leak.leak_vs_past_usd == pytest.approx(750)
    assert leak.leak_vs_benchmark_usd == 0 and not leak.is_below_benchmark
    # with 4 entrants enough, Q1's 100 % is the best: (1 - 0.2) x 10 x 250 = 2,000
    thin = funnel_leaks.leak_table(counts, down, _two_step_scope(4), "current",
                                   ["2026-Q3", "2026-Q2", "2026-Q1"], "strict").iloc[0]
    assert (thin.best_past_window, thin.leak_vs_past_usd) == ("2026-Q1", pytest.approx(2000))


def test_cohort_leaks(company):
    leaks = _leaks(company, "cohort").loc["All"]
    # SRL -> SQL 1/2: (0.80 - 0.5) x 2 x 1000 = 600
    assert leaks.loc["srl>sql", "leak_vs_benchmark_usd"] == pytest.approx(600)
    # existing deals of the cohort: D3 lost -> 0/1; (0.75 - 0) x 1 x 8000 = 6000
    assert leaks.loc["win:existing", "leak_vs_benchmark_usd"] == 6000
    # Q3 cohort (created A1-A5): SRL A1 A2 A5 = 3/5 = 60 %, now 2/8: (0.6 - 0.25) x 8 x 750
    assert leaks.loc["mql>srl", "leak_vs_past_usd"] == pytest.approx(2100)


def test_a_rate_exactly_at_the_low_end_is_no_leak(company):
    leaks = _leaks(company, "cohort", "source")
    web = leaks.loc["Web"]
    # Web cohort: MQL B1 B2 B5 B8 B11, SRL B1 -> 1/5 = 20 %, the low end itself
    assert (web.loc["mql>srl", "entrants"], web.loc["mql>srl", "converted"]) == (5, 1)
    assert web.loc["mql>srl", "leak_vs_benchmark_usd"] == 0
    # Web new deals closed: B2 lost -> 0/1. Average won Web new deal: OA1 1000, OA5 2000.
    # (0.30 - 0) x 1 x 1500 = 450
    assert web.loc["win:new", "downstream_usd"] == 1500
    assert web.loc["win:new", "leak_vs_benchmark_usd"] == pytest.approx(450)


def test_leak_ranking_sorted_by_value_lost(company):
    leaks = funnel_leaks.leaks(company, _scope(company), _window())
    ranked = funnel_leaks.ranking(leaks[leaks.counting == "strict"], "past")
    assert list(ranked.name) == ["Proposal → Won", "SRL → SQL", "MQL → SRL"]
    assert list(ranked.leak_usd) == pytest.approx([1500, 1000, 150])
    with pytest.raises(FunnelError):
        funnel_leaks.ranking(leaks, "gut feeling")


def test_split_by_source_adds_up(company):
    table, _, _ = _table(company, dimension="source")
    strict = funnel.choose(table, "strict")
    # direct deals (Outbound, Existing Customer) have no strict journey: left out
    assert sorted(set(strict.split_value)) == ["Event", "Web"]
    event = strict[strict.split_value == "Event"].set_index("step_key").entrants
    web = strict[strict.split_value == "Web"].set_index("step_key").entrants
    # Event: MQL B3 B4 B6, SRL B3; Web: MQL B1 B2 B5 B8 B11, SRL A5 B1, SQL A5 B1 ...
    assert list(event) == [3, 1, 0, 0, 0, 0, 0]
    assert list(web) == [5, 2, 2, 2, 2, 2, 1]
    assert list(funnel.totals(table, _scope(company, "source")).entrants_strict) == [
        8, 3, 2, 2, 2, 2, 1]


def test_every_team_is_read_from_the_derived_teams_as_funnel_members_gives_it(company):
    funnel.prepare(company, "V", fc.AS_OF, None, SETTINGS)  # builds the derived tables
    team = company.execute("select * from funnel_team('V') order by owner_id").fetchall()
    assert team == [("M1", "Max Manager", "Max Manager"), ("M2", "Mia Manager", "Mia Manager"),
                    ("R1", "Rob Rep", "Max Manager"), ("R2", "Rae Rep", "Mia Manager"),
                    ("V", "Vera VP", "Vera VP (own)")]
    for root in ("V", "M1", "M2", "R1", "R2", "W", "X"):
        assert sorted(company.execute("select * from funnel_team($r)", {"r": root}).fetchall()) \
            == sorted(company.execute("select * from funnel_members($r, $d)",
                                      {"r": root, "d": fc.AS_OF}).fetchall())


def test_split_dimensions_are_an_allow_list(company):
    with pytest.raises(FunnelError, match="cannot split"):
        funnel.prepare(company, "V", fc.AS_OF, "owner_id); drop table leads; --", SETTINGS)
    assert company.execute("select count(*) from leads").fetchone()[0] == len(fc.LEADS)
    # team = the root's direct reports
    table, _, _ = _table(company, dimension="team")
    any_mql = table[table.step_key == "mql"].set_index("split_value").entrants_any
    assert any_mql.to_dict() == {"Max Manager": 5, "Mia Manager": 3}


def test_team_scope_and_as_of_cut(company):
    # Mia's team: R2's journeys only (A3 A4 B3 B4 B5 B7 D1 D3)
    table, _, _ = _table(company, root="M2")
    assert list(table.entrants_any) == [3, 1, 0, 2, 2, 0, 1]  # MQL B3-B5, SRL B3, D1 D3, won D1
    # as of 2026-10-15: D2's win (10-20) has not happened; B11's MQL 10-15 09:00 has
    scope = _scope(company, as_of=date(2026, 10, 15))
    w = _window(as_of=date(2026, 10, 15))
    counts = funnel.step_counts(company, scope, "period", {"current": (w.start, w.last_day)})
    early = funnel.funnel_table(counts, scope, "current")
    assert _column(early, "entrants_any") == {
        "mql": 7, "srl": 3, "sql": 3, "opportunity": 4, "stage:Discovery": 4,
        "stage:Proposal": 0, "won": 0}


def test_a_page_run_switching_as_of_dates_reads_the_right_tables_each_time(company):
    # inside a page run's held transaction the funnel remembers which temporary tables it
    # built; going back and forth between a past date and the data date must not mix them
    from forecast import aggregates

    def cohort_wins(as_of):
        scope = _scope(company, as_of=as_of)
        w = _window("cohort", as_of=as_of)
        counts = funnel.step_counts(company, scope, "cohort", {"current": (w.start, w.last_day)})
        return _column(funnel.funnel_table(counts, scope, "current"), "entrants_any")["won"]

    _scope(company)  # the store's derived tables, built before the run's transaction
    company.execute("begin")
    aggregates.hold(company)
    try:
        # Q4's cohort up to 10-15 (B1-B7, B11, D1) has no win yet by 10-15; by the data
        # date D1 is won (11-16): 1
        assert [cohort_wins(d) for d in (date(2026, 10, 15), fc.AS_OF, date(2026, 10, 15),
                                         fc.AS_OF)] == [0, 1, 0, 1]
    finally:
        aggregates.release()
        company.execute("rollback")


def test_a_stage_most_deals_bypass_is_a_side_step(company):
    # C1 enters the pipeline at Proposal (skips Discovery), C2 goes Discovery -> Won (skips
    # Proposal); D4, a direct deal, starts in a new first stage, Intro, that nobody else uses.
    for lead, opp, first_stage in (("C1", "OC1", "Proposal"), ("C2", "OC2", "Discovery")):
        company.execute(
            "insert into leads (lead_id, owner_id, source, deal_type, created_at, mql_at, "
            "srl_at, sql_at, converted_at, opportunity_id) values "
            "(?, 'R1', 'Web', 'new', ?, ?, ?, ?, ?, ?)",
            [lead, datetime(2026, 10, 20, 9), datetime(2026, 10, 20, 9),
             datetime(2026, 10, 21), datetime(2026, 10, 22), datetime(2026, 10, 23), opp])
        company.execute("insert into stage_events values (?, ?, ?)",
                        [opp, first_stage, datetime(2026, 10, 23)])
    company.execute("insert into stages values ('Intro', 0, 5, 'Pipeline', false, false)")
    company.execute(
        "insert into opportunities (opportunity_id, owner_id, amount, stage_name, created_date, "
        "close_date, is_closed, is_won, deal_type) values "
        "('OC1', 'R1', 500, 'Proposal', '2026-10-23', '2026-12-01', false, false, 'new'), "
        "('OC2', 'R1', 800, 'Closed Won', '2026-10-23', '2026-11-01', true, true, 'new'), "
        "('D4', 'R2', 900, 'Discovery', '2026-10-24', '2026-12-01', false, false, 'new')")
    company.execute("insert into stage_events values ('OC2', 'Closed Won', '2026-11-01'), "
                    "('D4', 'Intro', '2026-10-24'), ('D4', 'Discovery', '2026-10-26')")
    table, _, scope = _table(company)
    cat = scope.catalog.set_index("step_key")
    # of the 11 deals that got past Intro only D4 went through it: a side step. Of the 7 that
    # got past Discovery (OA1 OA5 OB1 OC1 OC2 D1 D2), 6 passed it (not OC1); of the 5 that
    # got past Proposal (won: OA1 OA5 OC2 D1 D2), 3 did: both stay on the strict chain.
    assert not cat.is_required["stage:Intro"]
    assert cat.is_required["stage:Discovery"] and cat.is_required["stage:Proposal"]
    assert cat.prev_key["stage:Discovery"] == "opportunity"
    counts = _column(table, "entrants_strict")
    # C1 skipped Discovery and C2 skipped Proposal: neither is strict after the skip
    assert counts == {"mql": 10, "srl": 5, "sql": 4, "opportunity": 4, "stage:Intro": 0,
                      "stage:Discovery": 3, "stage:Proposal": 2, "won": 1}
    assert _column(table, "entrants_any")["stage:Intro"] == 1
    assert math.isnan(_column(table, "conv_next_strict")["stage:Intro"])
    trans = funnel_leaks.transitions(scope, [])
    assert "opportunity>stage:Discovery" in set(trans.transition_key)
    assert not trans.to_key.eq("stage:Intro").any()


# ---- speed to lead ----------------------------------------------------------------------


def test_sla_compliance_with_boundary_cases(company):
    """MQLs of Q4 and their first response: B11 5 min, B6 6, B1 30 (exactly the target),
    B3 31, B2 1440 (exactly one day), B4 1441, B5 none, B8 none (MQL at 23:50 on the as-of
    date). Boundaries are inclusive, so B11 is fast, B1 within the target, B2 within the
    maximum.
      fast (5 min):  due = the 6 answered + B5 + B8 (its 5 minutes ran out at 23:55) = 8;
                     within: B11 -> 1/8
      target (30):   B8's 30 minutes run past midnight: not due -> 7; within B11 B6 B1 -> 3/7
      maximum (1 d): due 7; within B11 B6 B1 B3 B2 -> 5/7
      median response of the answered: 5 6 30 31 1440 1441 -> (30 + 31) / 2 = 30.5"""
    scope = _scope(company)
    s = funnel_speed.speed(company, scope, _window())
    total = s.total
    assert (total.leads, total.answered) == (8, 6)
    assert total.share_fast == 1 / 8
    assert total.sla_target_rate == pytest.approx(3 / 7)
    assert total.sla_max_rate == pytest.approx(5 / 7)
    assert total.median_minutes == 30.5
    assert list(s.buckets.leads) == [1, 2, 2, 1, 2]
    assert list(s.buckets.bucket) == ["≤ 5 min", "5 min – 30 min", "30 min – 1 day",
                                      "> 1 day", "Not answered"]
    # conversion to SRL: B1 of B6 B1; B3 of B3 B2 (B2 skipped SRL); nobody else
    assert list(s.buckets.conv_next) == [0, 0.5, 0.5, 0, 0]
    # a target of 29.9 minutes leaves B1 out; of 31 takes B3 in
    tighter = funnel_speed.speed(company, _scope(company, settings=FunnelSettings(
        sla_target_minutes=29.9)), _window()).total
    looser = funnel_speed.speed(company, _scope(company, settings=FunnelSettings(
        sla_target_minutes=31)), _window()).total
    assert (tighter.sla_target_rate, looser.sla_target_rate) == pytest.approx((2 / 7, 4 / 7))


def test_no_shows_untouched_and_rep_load(company):
    scope = _scope(company)
    total = funnel_speed.speed(company, scope, _window()).total
    # demos booked: B1 (showed), B3 and B6 (no-shows)
    assert (total.demos, total.no_shows, total.no_show_rate) == (3, 2, pytest.approx(2 / 3))
    load = funnel_speed.rep_load(company, scope).set_index("owner_id")
    # open leads on 2026-11-20: R2 B4 (47 days) B5 (46) B7 (44); R1 B8 (1) B11 (36).
    # Old = over 45 days; cap 2; untouched: B5, B8 (MQLs with no response and no touch)
    assert load.open_leads.to_dict() == {"R2": 3, "R1": 2}
    assert load.old_leads.to_dict() == {"R2": 2, "R1": 0}
    assert load.median_age_days.to_dict() == {"R2": 46, "R1": 18.5}
    assert load.untouched_leads.to_dict() == {"R2": 1, "R1": 1}
    assert load.is_over_cap.to_dict() == {"R2": True, "R1": False}
    untouched = funnel_speed.lead_records(company, scope, _window(), "untouched")
    assert sorted(untouched.lead_id) == ["B5", "B8"]
    fast = funnel_speed.lead_records(company, scope, _window(), "bucket", bucket_order=2)
    assert sorted(fast.lead_id) == ["B1", "B6"]


# ---- velocity -------------------------------------------------------------------------------


def test_time_in_stage_with_a_deal_that_goes_back(company):
    """A5: Discovery 10-13 -> Proposal 10-20 -> back to Discovery 10-23 -> Proposal 11-03 ->
    won 11-10, so 7 + 11 = 18 days in Discovery and 3 + 7 = 10 days in Proposal."""
    scope = _scope(company)
    only_a5_discovery = funnel_velocity.time_in_stage(
        company, scope, _window(start=date(2026, 10, 13), end=date(2026, 10, 13)))
    assert only_a5_discovery.set_index("stage_name").median_days["Discovery"] == 18
    only_a5_proposal = funnel_velocity.time_in_stage(
        company, scope, _window(start=date(2026, 10, 20), end=date(2026, 10, 20)))
    assert only_a5_proposal.set_index("stage_name").median_days["Proposal"] == 10
    # Q4, period: Discovery first entered by B1 7, A5 18, D3 20, B2 23, D1 33 days
    q4 = funnel_velocity.time_in_stage(company, scope, _window()).set_index("stage_name")
    disc = q4.loc["Discovery"]
    assert (disc.deals_timed, disc.p25_days, disc.median_days, disc.p75_days) == (5, 18, 20, 23)
    assert disc.deals_returned == 1
    # Proposal: only A5 finished a visit; B1 has sat there since 10-19: 33 days by the cut
    prop = q4.loc["Proposal"]
    assert (prop.deals_timed, prop.median_days, prop.open_now, prop.median_open_days) == (
        1, 10, 1, 33)
    assert prop.stalled_count == 0
    # cohort view: journeys created in Q4 (not A5): B1 7, D3 20, B2 23, D1 33 -> 21.5
    cohort = funnel_velocity.time_in_stage(company, scope, _window("cohort"))
    assert cohort.set_index("stage_name").median_days["Discovery"] == 21.5
    # a stall limit of 30 days makes B1 (33 days in Proposal, 4000) stalled
    strict = _scope(company, settings=FunnelSettings(stall_days=30))
    stalled = funnel_velocity.time_in_stage(company, strict, _window()).set_index("stage_name")
    assert (stalled.stalled_count["Proposal"], stalled.stalled_usd["Proposal"]) == (1, 4000)


def test_stage_to_stage_velocity(company):
    found = funnel_velocity.step_velocity(company, _scope(company), _window()).set_index(
        "to_key")
    # SRL entered in Q4: A5 09-20 09:00 -> 10-05 (14.625 days), B1 10-01 09:00 -> 10-03
    # (1.625), B3 10-03 09:00 -> 10-06 (2.625)
    assert found.loc["srl", "journey_count"] == 3
    assert found.loc["srl", "median_days"] == 2.625
    # Won in Q4, from the first entry into Proposal: A5 10-20 -> 11-10 (21 days; its second
    # visit from 11-03 does not count here), D2 09-01 -> 10-20 (49 days)
    assert found.loc["won", "journey_count"] == 2
    assert found.loc["won", "median_days"] == (21 + 49) / 2


def test_four_vs_and_sales_velocity(company):
    scope = _scope(company)
    trend = funnel_velocity.four_vs(company, scope, _window(), "quarter", 2).set_index(
        "window_id")
    q4 = trend.loc["2026-Q4"]
    # created in Q4: OA5 2000, OB1 4000, OB2 1500, D1 6000, D3 2000; won OA5 2000, D1 6000,
    # D2 8000; lost OB2, D3. Cycle: OA5 10-13 -> 11-10 28 days, D1 10-14 -> 11-16 33,
    # D2 08-01 -> 10-20 80; average 47. Velocity = 5 x 16000/3 x 3/5 / 47 = 16000 / 47
    assert (q4.volume, q4.value_usd, q4.won_count, q4.lost_count) == (5, 15500, 3, 2)
    assert (q4.cycle_days, q4.win_rate) == (47, 0.6)
    assert q4.sales_velocity_usd_per_day == pytest.approx(16000 / 47)
    # Q3: OA1 OA2 D2 created (1000 + 3000 + 8000); OA1 won after 34 days, OA2 lost
    q3 = trend.loc["2026-Q3"]
    assert (q3.volume, q3.value_usd, q3.win_rate, q3.cycle_days) == (3, 12000, 0.5, 34)
    assert q3.sales_velocity_usd_per_day == pytest.approx(3 * 1000 * 0.5 / 34)
    months = funnel_velocity.four_vs(company, scope, _window(), "month", 3)
    assert list(months.window_id) == ["2026-09", "2026-10", "2026-11"]
    assert list(months.volume) == [0, 5, 0]


# ---- pictures and drill-down -----------------------------------------------------------------


def test_flows_and_the_sankey(company):
    scope = _scope(company)
    flows = funnel.flows(company, scope, _window())
    out_of_mql = flows[flows.from_key == "mql"].set_index("to_key").journey_count
    # of the 8 MQLs of Q4: B1 B3 to SRL, B2 straight to SQL, B6 disqualified, B4 B5 B8 B11
    # still open
    assert out_of_mql.to_dict() == {"disqualified": 1, "open": 4, "sql": 1, "srl": 2}
    fig = funnel_charts.sankey(flows, list(scope.catalog.label))
    assert sum(fig.data[0].link.value) == flows.journey_count.sum()


def test_cohort_grid(company):
    grid = funnel.cohort_grid(company, _scope(company), fc.AS_OF, months=3)
    october = grid[grid.cohort_month == "2026-10"].set_index("step_key")
    # created in October: B1-B7 and B11 (B7 never an MQL), D1, D3
    assert list(october.entrants_any) == [7, 2, 2, 4, 4, 1, 1]
    assert october.conv_cum_strict["srl"] == pytest.approx(2 / 7)
    assert list(grid.cohort_month.unique()) == ["2026-09", "2026-10", "2026-11"]
    fig = funnel_charts.cohort_heatmap(grid)
    assert list(fig.data[0].y) == ["2026-09", "2026-10", "2026-11"]


def test_records_behind_the_numbers(company):
    scope = _scope(company)
    w = _window()
    leaked = funnel.records(company, scope, w, "sql", from_key="srl", strict_only=True)
    assert list(leaked.journey_id) == ["B3"]  # SRL in Q4 without SQL
    assert leaked.outcome.iloc[0] == "disqualified"
    lost_existing = funnel.records(company, scope, w, "lost", deal_type="existing")
    assert list(lost_existing.journey_id) == ["D3"]
    won = funnel.records(company, scope, w, "won", strict_only=True)
    assert list(won.journey_id) == ["A5"]


# ---- partial data, settings -----------------------------------------------------------------


@pytest.fixture
def opportunities_only():
    con = db.connect(":memory:")
    fc.load_opportunities_only(con)
    yield con
    con.close()


def test_opportunities_only_shows_what_it_can(opportunities_only):
    con = opportunities_only
    report = build(con, "V", _window(), None, SETTINGS)
    cat = report.scope.catalog.set_index("step_key")
    assert list(cat.index) == ["opportunity", "stage:Prospecting", "stage:Engaging", "won"]
    # stage history never records Prospecting: E1-E4 went past it (engaged), none is known
    # to have passed through it, so it is a side step
    assert not cat.is_required["stage:Prospecting"]
    assert cat.prev_key["stage:Engaging"] == "opportunity"
    notes = " ".join(report.scope.notes)
    assert "No lead data: MQL, SRL and SQL are missing" in notes
    assert "Side step: Prospecting (0 of 4): of the records that went past each" in notes
    assert "Entries without a date: Opportunity 2 of 6 and Prospecting 2 of 2." in notes
    steps = report.steps("strict").set_index("step_key")
    # E1-E4 engaged in Q4; E2 E3 won; P1 P2 have no date at all
    assert list(steps.entrants) == [4, 0, 4, 2]
    assert math.isnan(steps.conv_next["stage:Prospecting"])
    assert steps.conv_next["won"] == 0.5
    assert report.speed.total.leads == 0 and math.isnan(report.speed.total.sla_target_rate)
    assert report.rep_load.empty
    # win rate: E2 E3 won, E4 lost, deal type unknown: no benchmark, nothing invented
    win = report.team_leaks[report.team_leaks.transition_key == "win:(none)"].iloc[0]
    assert (win.entrants, win.converted, win.label) == (3, 2, "Win rate (deal type unknown)")
    assert math.isnan(win.leak_vs_benchmark_usd)


def test_an_empty_store_divides_nothing_by_zero(con):
    con.execute("insert into people values ('V', 'Vera VP', null, null)")
    con.execute("insert into reporting_lines (person_id, manager_id, effective_date) "
                "values ('V', null, '2026-01-01')")
    report = build(con, "V", _window(), None, SETTINGS)
    assert report.is_empty
    assert report.leak_total("strict", "benchmark") == 0
    assert "No opportunity data" in " ".join(report.scope.notes)


def test_stage_names_come_from_the_settings(company):
    funnel.save_setting(company, "srl_label", "SAL")
    funnel.save_setting(company, "bench_mql_srl", "0.4-0.6")
    settings = funnel.load_settings(company)
    assert (settings.srl_label, settings.bench_mql_srl) == ("SAL", (0.4, 0.6))
    scope = funnel.prepare(company, "V", fc.AS_OF, None, settings)
    assert list(scope.catalog.label[:3]) == ["MQL", "SAL", "SQL"]
    leaks = funnel_leaks.leaks(company, scope, _window()).set_index(
        ["counting", "transition_key"])
    row = leaks.loc[("strict", "mql>srl")]
    # 37.5 % is now below 40 %: (0.40 - 0.375) x 8 x 750 = 150
    assert row.label == "MQL → SAL"
    assert row.leak_vs_benchmark_usd == pytest.approx(150)
    with pytest.raises(ValueError):
        funnel.save_setting(company, "lead_cap", "lots")


def test_report_bundles_every_section(company):
    report = build(company, "V", _window(), "source", SETTINGS)
    assert report.leak_total("strict", "benchmark") == pytest.approx(400 + 4000)
    assert report.leak_total("strict", "past") == pytest.approx(150 + 1000 + 1500)
    assert list(report.steps("strict").entrants) == [8, 3, 2, 2, 2, 2, 1]
    assert set(report.steps("strict", split=True).split_value) == {"Event", "Web"}
    assert report.vs_current.sales_velocity_usd_per_day == pytest.approx(16000 / 47)
    assert isinstance(report.vs_months, pd.DataFrame) and len(report.vs_months) == 12
