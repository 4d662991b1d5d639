"""The seeded Monte Carlo: in each simulation every open deal is won in the period with its
chance, and new deals arrive; the landing is Closed + the won amounts + the new ones.

Vectorised by blocks of simulations: one uniform draw per deal and simulation, compared with
the deal's chance, and the won amounts summed with one matrix-vector product per block;
blocks run on threads. The uniform draws are 16-bit (four from each 64-bit output of a PCG64
generator, one generator per block seeded from the seed and the block's number), so chances
are resolved to 1/65,536; a chance of exactly 1 is counted in every simulation.

A period-wide factor (lognormal, mean 1, standard deviation = the learned swing) multiplies
what the uncertain open deals bring in each simulation: in a hot period more of them land, in
a cold one fewer. Deals certain to be won (chance 1) are not scaled. The mean is unchanged;
the range widens by what past periods say.

Same seed, same deals -> the same result. Every scenario run with the same seed sees the same
draws for the same deal (common random numbers), so the difference between two scenarios is
the levers' doing, not noise.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from forecast.whatif import WhatIfError

RESOLUTION = 65_536
BLOCK = 16            # simulations per block: its draws stay in cache and the product stays
                      # single-threaded in BLAS (larger blocks made OpenBLAS spawn threads)
SIMULATIONS = (100, 100_000)
QUANTILES = (0.10, 0.50, 0.90)
EXACT_NEW_DEALS = 1_000  # expected new deals per simulation up to which each one is drawn


def check_run(simulations: int, seed: int) -> None:
    low, high = SIMULATIONS
    if not low <= simulations <= high:
        raise WhatIfError(f"The number of simulations must be between {low:,} and {high:,}; "
                          f"{simulations:,} was given.")
    if seed < 0:
        raise WhatIfError(f"The seed must be zero or more; {seed} was given.")


def _stream(seed: int, *key: int) -> np.random.SeedSequence:
    # explicit spawn keys: the same (seed, key) always gives the same stream
    return np.random.SeedSequence(seed, spawn_key=key)


def new_deal_rngs(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """Streams for new deals from a lead and for the other new deals."""
    return (np.random.default_rng(_stream(seed, 1)), np.random.default_rng(_stream(seed, 2)))


def _block_totals(seed: int, block: int, size: int, thresholds: np.ndarray,
                  amounts: np.ndarray) -> np.ndarray:
    """Won amounts of one block of simulations, from the block's own stream."""
    n = len(amounts)
    bits = np.random.PCG64(_stream(seed, 0, block))
    draws = bits.random_raw(-(-size * n // 4)).view(np.uint16)[: size * n].reshape(size, n)
    return (draws < thresholds) @ amounts


def period_factors(simulations: int, seed: int, swing: float) -> np.ndarray:
    """One factor per simulation: lognormal with mean 1 and standard deviation `swing`."""
    sigma2 = np.log1p(swing ** 2)
    z = np.random.default_rng(_stream(seed, 3)).standard_normal(simulations)
    return np.exp(np.sqrt(sigma2) * z - sigma2 / 2)


def won_open_amounts(amounts: np.ndarray, p_won: np.ndarray, simulations: int, seed: int,
                     workers: int | None = None, swing: float = 0.0) -> np.ndarray:
    """Per simulation: the sum of the amounts of the open deals won. Blocks of simulations
    run on `workers` threads (default: one per core, at most 4); each block draws from its
    own stream, so the result does not depend on how many threads ran it."""
    amounts = np.asarray(amounts, dtype=float)
    p = np.clip(np.asarray(p_won, dtype=float), 0.0, 1.0)
    certain = p >= 1.0
    fixed = float(amounts[certain].sum())
    # deal i is won when its draw u (0..65535) is below round(p x 65536)
    thresholds = np.where(certain, 0, np.minimum(np.rint(p * RESOLUTION), RESOLUTION - 1))
    thresholds = thresholds.astype(np.uint16)
    totals = np.full(simulations, fixed)
    if len(amounts) == 0 or not thresholds.any():
        return totals
    starts = range(0, simulations, BLOCK)

    def block(index: int) -> np.ndarray:
        start = starts[index]
        size = min(BLOCK, simulations - start)
        return _block_totals(seed, index, size, thresholds, amounts)

    workers = workers or min(os.cpu_count() or 1, 4)
    if workers == 1 or len(starts) == 1:
        parts = [block(i) for i in range(len(starts))]
    else:
        # the draws, comparisons and products release the GIL, so threads use every core
        with ThreadPoolExecutor(workers) as pool:
            parts = list(pool.map(block, range(len(starts))))
    uncertain = np.concatenate(parts)
    if swing > 0:
        uncertain *= period_factors(simulations, seed, swing)
    return totals + uncertain


def new_deal_amounts(rate: float, pool: np.ndarray, simulations: int,
                     rng: np.random.Generator) -> np.ndarray:
    """Per simulation: a Poisson(`rate`) number of new deals, amounts drawn from `pool`.

    Each deal is drawn while `rate` is at most EXACT_NEW_DEALS. Above it (a company-wide team
    creates thousands of deals a quarter: 2,000 simulations would draw 16 million of them,
    seconds and gigabytes) the sum is drawn from the normal distribution with the same mean
    (rate x mean amount) and variance (rate x mean squared amount) as the compound Poisson
    sum, which it matches closely when so many deals are added up."""
    if rate <= 0 or len(pool) == 0:
        return np.zeros(simulations)
    if rate > EXACT_NEW_DEALS:
        mean = rate * float(np.mean(pool))
        sd = np.sqrt(rate * float(np.mean(np.square(pool))))
        return np.maximum(mean + sd * rng.standard_normal(simulations), 0.0)
    counts = rng.poisson(rate, simulations)
    picks = rng.integers(0, len(pool), counts.sum())
    owner = np.repeat(np.arange(simulations), counts)
    return np.bincount(owner, weights=pool[picks], minlength=simulations)


def quantiles(totals: np.ndarray) -> tuple[float, float, float]:
    """P10, P50, P90: the smallest simulated landing reached or passed by 10 %, 50 %, 90 % of
    the simulations from below (inverted empirical distribution), so 90 % of simulations
    land at or above P10."""
    found = np.quantile(totals, QUANTILES, method="inverted_cdf")
    return tuple(float(v) for v in found)


def share_at_least(totals: np.ndarray, target: float) -> float:
    """Share of simulations landing at or above `target` (NaN when there is no target)."""
    if target is None or not np.isfinite(target):
        return float("nan")
    return float(np.mean(totals >= target))
