"""What-if: a projected range for a team and period, learned from the company's history, and
scenarios (named sets of levers) that move it.

- `learn`: each open deal's chance of closing in the period and of being won, by stage, age,
  deal type and segment, from deals open at the same point of past periods.
- `newpipe`: deals still to be created and won inside the period, from past creation rates.
- `simulate`: the seeded Monte Carlo that turns those chances into a range.
- `levers` and `projection`: the scenario levers, and the projection with them applied.
- `scenarios`: named scenarios kept in the store, append-only.
- `backtest` and `calibration`: how far the method can be trusted.
"""


class WhatIfError(ValueError):
    """Input the what-if cannot work with; the message is one plain sentence for the user."""
