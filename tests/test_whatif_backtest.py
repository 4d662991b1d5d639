"""Backtest and calibration on tests/whatif_company.py, where the answers are known.

Backtest of 2026-Q3 for Vera's team: the only weekly snapshot in Q3 is 2026-08-20 (day 50,
week 8). Learning then may use only Q2 (ended 2026-06-30), at its day 50 (2026-05-21), level
by level (stage -> stage / type / segment -> + age and size; w = 10):
  Negotiation H1-H4 (new SMB): 4 deals, 3 closed in Q2, 2 won. Stage: p_won = (2 + 10 x 0.8)
  / 14 = 10/14; type: (2 + 10 x 10/14) / 14 = 32/49; group: (2 + 10 x 32/49) / 14 = 209/343.
  Proposal H5, H6: 2 deals, 2 closed, 1 won: stage p_close = 1, p_won = (1 + 5) / 12 = 1/2;
  no new Mid-Market Proposal deal in the history, so J2 gets the stage's 1/2.
(P1 and P2, dated in Q3 at that point, are learned apart and change none of these.)
Open at 2026-08-20: J1 Negotiation 100 new SMB (chance 209/343 = .6093) and J2 Proposal 300
new Mid-Market (1/2); none dated in Q4. Closed by then: H4 100 and
P2 100. New pipeline from Q2: one deal from a lead (N1, 300) per period: Poisson(1) x 300.
Landing = 200 + 100 x J1 + 300 x J2 + 300 x Poisson(1). With k = J2 + Poisson(1):
  P(k=0) = .5 x .3679 = .1839, P(k=1) = .3679, P(k=2) = .2759, P(k=3) = .1226, ...
  cumulative: 200 .0719, 300 .1839, 500 .3276, 600 .5518, 800 .6596, 900 .8277, 1100 .8756,
  1200 .9504 -> P10 = 300, P50 = 600, P90 = 1,200; mean = 200 + 60.93 + 150 + 300 = 710.93.
With 20,000 simulations every cumulative share is within 4 x sqrt(.25 / 20,000) = .014 of
these, and each is at least .024 from .10, .50 and .90, so the percentiles are exact; the
mean is within 4 x 338.9 / 141.4 = 9.6 (variance 100^2 x .6093 x .3907 + 300^2 / 4 + 300^2).
Actual Closed in Q3: H4 100 + P2 100 + J1 100 + J2 300 + K1 250 = 850. The P50 is off by
250: accuracy = 1 - 250 / 850 = 12/17, bias = -5/17; 850 lies inside [300, 1,200]. Vera's call
at week 8 (made 2026-08-18): 700, accuracy 1 - 150 / 850 = 14/17, bias -3/17.
"""

from __future__ import annotations

import pytest

from forecast.calendar import parse_period
from forecast.whatif import backtest, calibration

import tiny_company
import whatif_company

Q3, Q4 = parse_period("2026-Q3"), parse_period("2026-Q4")


@pytest.fixture
def store(con):
    whatif_company.load(con)
    return con


def test_backtest_of_a_past_quarter(store):
    scored = backtest.backtest(store, "V", [Q3], simulations=20_000)
    assert len(scored) == 1
    row = scored.iloc[0]
    assert (row.period_id, row.week, str(row.snapshot_date)) == ("2026-Q3", 8, "2026-08-20")
    assert (row.p10, row.p50, row.p90) == (300.0, 600.0, 1200.0)
    assert row["mean"] == pytest.approx(710.93, abs=9.6)
    assert row.actual == 850.0 and bool(row.in_range) and bool(row.learned)
    assert (row.accuracy, row.bias) == pytest.approx((12 / 17, -5 / 17))
    assert (row.call_commit, row.call_accuracy, row.call_bias) == pytest.approx(
        (700, 14 / 17, -3 / 17))
    trust = backtest.trust(scored)
    assert (trust.points, trust.in_range) == (1, 1.0)
    assert trust.accuracy == pytest.approx(12 / 17)
    assert trust.call_accuracy == pytest.approx(14 / 17)
    weeks = backtest.by_week(scored)
    assert weeks.week.tolist() == [8] and weeks.accuracy.iloc[0] == pytest.approx(12 / 17)


def test_backtest_without_history_is_empty(con):
    tiny_company.load(con)  # no snapshot falls inside 2026-Q3
    scored = backtest.backtest(con, "V", [Q3])
    assert scored.empty and backtest.trust(scored).points == 0


def test_calibration_buckets_out_of_sample(store):
    # 2026-Q4 as of 2026-11-20: the test period is Q3 (day 50), learned from Q2 only: J1 was
    # given 209/343 (60-70 %) and J2 1/2 (50-60 %); both were won. Stage defaults: J1 0.8
    # (80-90 %), J2 0.5. Q2 has nothing before it to learn from, so it is not tested.
    found = calibration.calibration(store, Q4, whatif_company.TODAY)
    assert (found.deals, found.periods) == (2, ("2026-Q3",))
    learned = found.buckets[found.buckets.method == "Learned"]
    assert learned.label.tolist() == ["50-60 %", "60-70 %"]
    assert learned.predicted.tolist() == pytest.approx([0.5, 209 / 343])
    assert learned.actual.tolist() == [1.0, 1.0] and learned.deals.tolist() == [1, 1]
    default = found.buckets[found.buckets.method == "Stage default"]
    assert default.label.tolist() == ["50-60 %", "80-90 %"]
    # Brier: learned ((134/343)^2 + (1/2)^2) / 2; stage default (0.2^2 + 0.5^2) / 2 = 0.145
    assert found.brier["Learned"] == pytest.approx(((134 / 343) ** 2 + 0.25) / 2)
    assert found.brier["Stage default"] == pytest.approx(0.145)


def test_calibration_without_history_is_empty(con):
    tiny_company.load(con)
    assert calibration.calibration(con, Q4, tiny_company.TODAY).is_empty


def test_calibration_reads_the_same_from_the_history_itself(store, monkeypatch):
    # the derived table holds the opening view's points; without it every deal is a row of
    # its own, and the buckets and scores are the same
    held = calibration.calibration(store, Q4, whatif_company.TODAY)
    monkeypatch.setattr(calibration, "held_history", lambda con, points: None)
    live = calibration.calibration(store, Q4, whatif_company.TODAY)
    assert (live.deals, live.periods) == (held.deals, held.periods) == (2, ("2026-Q3",))
    assert live.buckets.to_dict("list") == pytest.approx(held.buckets.to_dict("list"))
    assert live.brier == pytest.approx(held.brier)
