"""The seeded Monte Carlo: in each simulation every open deal is won in the period with its
chance, and new deals arrive; the landing is Closed + the won amounts + the new ones.

Vectorised by blocks of simulations: one uniform draw per deal and simulation, compared with
the deal's chance, and the won amounts summed with one matrix-vector product per block. The
uniform draws are 16-bit (four from each 64-bit output of the PCG64 generator), so chances
are resolved to 1/65,536; a chance of exactly 1 is counted in every simulation.

Same seed, same deals -> the same result. Every scenario run with the same seed sees the same
draws for the same deal (common random numbers), so the difference between two scenarios is
the levers' doing, not noise.
"""

from __future__ import annotations

import numpy as np

from forecast.whatif import WhatIfError

RESOLUTION = 65_536
BLOCK = 32            # simulations per block: the block's draws stay in the CPU cache
SIMULATIONS = (100, 100_000)
QUANTILES = (0.10, 0.50, 0.90)


def check_run(simulations: int, seed: int) -> None:
    low, high = SIMULATIONS
    if not low <= simulations <= high:
        raise WhatIfError(f"The number of simulations must be between {low:,} and {high:,}; "
                          f"{simulations:,} was given.")
    if seed < 0:
        raise WhatIfError(f"The seed must be zero or more; {seed} was given.")


def streams(seed: int) -> tuple[np.random.PCG64, np.random.Generator, np.random.Generator]:
    """Independent streams for the open deals, new deals from leads and other new deals."""
    deals, lead, direct = np.random.SeedSequence(seed).spawn(3)
    return np.random.PCG64(deals), np.random.default_rng(lead), np.random.default_rng(direct)


def won_open_amounts(amounts: np.ndarray, p_won: np.ndarray, simulations: int,
                     bits: np.random.PCG64) -> np.ndarray:
    """Per simulation: the sum of the amounts of the open deals won."""
    amounts = np.asarray(amounts, dtype=float)
    p = np.clip(np.asarray(p_won, dtype=float), 0.0, 1.0)
    certain = p >= 1.0
    fixed = float(amounts[certain].sum())
    # deal i is won when its draw u (0..65535) is below round(p x 65536)
    thresholds = np.where(certain, 0, np.minimum(np.rint(p * RESOLUTION), RESOLUTION - 1))
    thresholds = thresholds.astype(np.uint16)
    n = len(amounts)
    totals = np.full(simulations, fixed)
    if n == 0 or not thresholds.any():
        return totals
    for start in range(0, simulations, BLOCK):
        size = min(BLOCK, simulations - start)
        raw = bits.random_raw(-(-size * n // 4))
        draws = raw.view(np.uint16)[: size * n].reshape(size, n)
        totals[start:start + size] += (draws < thresholds) @ amounts
    return totals


def new_deal_amounts(rate: float, pool: np.ndarray, simulations: int,
                     rng: np.random.Generator) -> np.ndarray:
    """Per simulation: a Poisson(`rate`) number of new deals, amounts drawn from `pool`."""
    if rate <= 0 or len(pool) == 0:
        return np.zeros(simulations)
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
