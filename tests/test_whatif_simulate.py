"""The Monte Carlo against distributions worked out by hand.

Three open deals, won independently: A 100 with chance 0.2, B 200 with 0.25, C 400 with 0.7.
The eight outcomes (won amount: probability):
    0: .8 x .75 x .3 = .180      400 (C):    .8 x .75 x .7 = .420
  100 (A): .2 x .75 x .3 = .045      500 (A+C):  .2 x .75 x .7 = .105
  200 (B): .8 x .25 x .3 = .060      600 (B+C):  .8 x .25 x .7 = .140
  300 (A+B): .2 x .25 x .3 = .015    700 (all):  .2 x .25 x .7 = .035
Cumulative: 0 .180, 100 .225, 200 .285, 300 .300, 400 .720, 500 .825, 600 .965, 700 1.
So P10 = 0 (first value whose cumulative share reaches .10), P50 = 400, P90 = 600; mean =
20 + 50 + 280 = 350; P(at least 450) = .105 + .140 + .035 = .280.

Tolerance: with N = 20,000 simulations the share of simulations at or below any value is off
the exact cumulative share by at most 4 standard errors, 4 x sqrt(.25 / N) = 0.014, except
with odds below 1 in 10,000. Every cumulative share above is at least 0.065 away from .10, .50
and .90, so the simulated P10/P50/P90 must equal the exact ones; P(at least 450) must be within
0.014 of .280, and the mean within 4 x sd / sqrt(N) = 4 x 175.8 / 141.4 = 5 of 350 (variance =
100^2 x .2 x .8 + 200^2 x .25 x .75 + 400^2 x .7 x .3 = 1,600 + 7,500 + 21,000 = 30,100).
"""

from __future__ import annotations

import numpy as np
import pytest

from forecast.whatif import WhatIfError, simulate

AMOUNTS = np.array([100.0, 200.0, 400.0])
CHANCES = np.array([0.2, 0.25, 0.7])
N = 20_000


def _won(seed: int = 7, n: int = N, amounts=AMOUNTS, chances=CHANCES,
         workers: int | None = None) -> np.ndarray:
    return simulate.won_open_amounts(amounts, chances, n, seed, workers)


def test_percentiles_and_chance_of_quota_match_the_enumerated_distribution():
    totals = _won()
    assert simulate.quantiles(totals) == (0.0, 400.0, 600.0)
    assert simulate.share_at_least(totals, 450.0) == pytest.approx(0.280, abs=0.014)
    assert totals.mean() == pytest.approx(350.0, abs=5.0)
    # only the eight enumerated outcomes occur
    assert set(np.unique(totals)) <= {0.0, 100.0, 200.0, 300.0, 400.0, 500.0, 600.0, 700.0}


def test_each_outcome_share_is_close_to_its_probability():
    totals = _won()
    exact = {0: .180, 100: .045, 200: .060, 300: .015, 400: .420, 500: .105, 600: .140,
             700: .035}
    for value, share in exact.items():
        assert np.mean(totals == value) == pytest.approx(share, abs=0.014)


def test_same_seed_same_result_and_another_seed_differs():
    assert np.array_equal(_won(seed=11), _won(seed=11))
    assert not np.array_equal(_won(seed=11), _won(seed=12))
    # blocks of simulations draw from their own streams: threads do not change the result
    assert np.array_equal(_won(seed=11, workers=1), _won(seed=11, workers=3))


def test_certain_and_impossible_deals():
    # chance 1 counts in every simulation, chance 0 in none: always 100 + 400 = 500
    totals = _won(amounts=np.array([100.0, 200.0, 400.0]), chances=np.array([1.0, 0.0, 1.0]),
                  n=1_000)
    assert (totals == 500.0).all()


def test_a_raised_chance_never_lowers_a_simulation():
    # common random numbers: deal C from 0.7 to 0.8 can only add C to some simulations
    low = _won()
    high = _won(chances=np.array([0.2, 0.25, 0.8]))
    assert (high >= low).all()
    assert set(np.unique(high - low)) == {0.0, 400.0}
    # C is added where its draw fell between .7 and .8: about 10 % of the simulations
    assert np.mean(high > low) == pytest.approx(0.10, abs=0.01)


def test_new_deals_mean_and_spread():
    # Poisson(2) deals, each 100 or 300 with equal odds: mean 2 x 200 = 400,
    # variance 2 x (100^2 + 300^2) / 2 = 100,000, sd 316; 4 x 316 / sqrt(20,000) = 9
    rng = np.random.default_rng(3)
    totals = simulate.new_deal_amounts(2.0, np.array([100.0, 300.0]), N, rng)
    assert totals.mean() == pytest.approx(400.0, abs=9.0)
    assert totals.var() == pytest.approx(100_000, rel=0.05)
    assert np.mean(totals == 0) == pytest.approx(np.exp(-2), abs=0.01)  # no deal at all
    assert (simulate.new_deal_amounts(0.0, np.array([100.0]), 5, rng) == 0).all()


def test_quantile_definition_on_ten_values():
    # 1..10: P10 is the first value reached by 10 % of them (1), P50 the fifth, P90 the ninth
    assert simulate.quantiles(np.arange(1.0, 11.0)) == (1.0, 5.0, 9.0)
    assert simulate.share_at_least(np.arange(1.0, 11.0), 8.0) == 0.3
    assert np.isnan(simulate.share_at_least(np.arange(3.0), float("nan")))


@pytest.mark.parametrize(("simulations", "seed", "message"), [
    (10, 7, "between 100 and 100,000"),
    (1_000_000, 7, "between 100 and 100,000"),
    (1_000, -1, "zero or more"),
])
def test_run_settings_out_of_range(simulations, seed, message):
    with pytest.raises(WhatIfError, match=message):
        simulate.check_run(simulations, seed)


def test_period_swing_widens_the_range_but_keeps_the_mean():
    # factors: lognormal, mean 1, sd 0.2 (4 x 0.2 / sqrt(N) = 0.006 for the mean)
    factors = simulate.period_factors(N, 5, 0.2)
    assert factors.mean() == pytest.approx(1.0, abs=0.006)
    assert factors.std() == pytest.approx(0.2, rel=0.05)
    # 1,000 deals of 1 at chance 0.5: without swing sd = sqrt(1000 x .25) = 15.8; with it,
    # the open deals' landing is multiplied by the factor: sd ~ sqrt(15.8^2 + (500 x .2)^2)
    amounts, chances = np.ones(1000), np.full(1000, 0.5)
    plain = simulate.won_open_amounts(amounts, chances, N, 5)
    swung = simulate.won_open_amounts(amounts, chances, N, 5, swing=0.2)
    assert plain.std() == pytest.approx(15.8, rel=0.05)
    assert swung.std() == pytest.approx(np.hypot(15.8, 100), rel=0.05)
    assert swung.mean() == pytest.approx(500, abs=4 * 101 / np.sqrt(N))
    # a certain deal is not scaled
    certain = simulate.won_open_amounts(np.array([70.0]), np.array([1.0]), 100, 5, swing=0.5)
    assert (certain == 70.0).all()


def test_many_new_deals_are_summed_from_their_mean_and_variance():
    # Poisson(5,000) deals of 100 or 300 with equal odds: mean 5,000 x 200 = 1,000,000,
    # variance 5,000 x (100^2 + 300^2) / 2 = 250,000,000, sd 15,811; 4 x 15,811 / sqrt(N)
    # = 447 for the mean. Above EXACT_NEW_DEALS the sum is drawn at once, not deal by deal.
    assert simulate.EXACT_NEW_DEALS < 5_000
    totals = simulate.new_deal_amounts(5_000.0, np.array([100.0, 300.0]), N,
                                       np.random.default_rng(3))
    assert totals.mean() == pytest.approx(1_000_000, abs=447)
    assert totals.std() == pytest.approx(15_811, rel=0.05)
    again = simulate.new_deal_amounts(5_000.0, np.array([100.0, 300.0]), N,
                                      np.random.default_rng(3))
    assert np.array_equal(totals, again)
