"""Scenario levers: what the analyst changes, checked, kept as JSON, and applied to the deals.

Each open deal has two learned chances: `p_close` (it closes, won or lost, inside the period)
and `p_win` (it is won, given that it closes). The levers move them:

- win-rate change (points, overall + by stage + by deal type, added up): p_win + change;
- slip-rate change (points): the share of deals that slip out of the period, so p_close - change
  (for deals dated in the period; those dated later keep their chance of being pulled in);
- deal-size change (%): every open deal's amount and the new pipeline's deal size;
- new-pipeline creation (%), MQL volume (%) and the three lead-funnel conversions (%): the
  expected number of new deals; the last four only for deals that come from a lead;
- deals picked from the deal list as slipped (out of the period), lost, or won (certain).

A deal's chance of being won in the period is p_close x p_win, clipped to [0, 1].
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields

import numpy as np
import pandas as pd

from forecast.whatif import WhatIfError

# lever -> (lowest, highest, unit, what the user calls it)
RANGES: dict[str, tuple[float, float, str, str]] = {
    "win_rate_pts": (-50.0, 50.0, "points", "Win-rate change"),
    "slip_pts": (-50.0, 50.0, "points", "Slip-rate change"),
    "deal_size_pct": (-50.0, 100.0, "%", "Deal-size change"),
    "new_pipeline_pct": (-100.0, 200.0, "%", "New-pipeline creation change"),
    "mql_volume_pct": (-100.0, 200.0, "%", "MQL volume change"),
    "mql_to_srl_pct": (-100.0, 200.0, "%", "MQL → SRL conversion change"),
    "srl_to_sql_pct": (-100.0, 200.0, "%", "SRL → SQL conversion change"),
    "sql_to_deal_pct": (-100.0, 200.0, "%", "SQL → opportunity conversion change"),
}
BY_RANGE = (-50.0, 50.0)  # win-rate change of one stage or deal type, in points
PICKS = {"slipped": "slip out of the period", "lost": "are lost", "won": "are won"}


@dataclass(frozen=True)
class Levers:
    """One scenario's levers; all zero / empty is the baseline."""

    win_rate_pts: float = 0.0
    slip_pts: float = 0.0
    deal_size_pct: float = 0.0
    new_pipeline_pct: float = 0.0
    mql_volume_pct: float = 0.0
    mql_to_srl_pct: float = 0.0
    srl_to_sql_pct: float = 0.0
    sql_to_deal_pct: float = 0.0
    win_rate_by_stage: tuple[tuple[str, float], ...] = ()
    win_rate_by_type: tuple[tuple[str, float], ...] = ()
    slipped: tuple[str, ...] = field(default=())
    lost: tuple[str, ...] = field(default=())
    won: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        """Raise WhatIfError (one sentence) for a value out of range or a deal picked twice."""
        for name, (low, high, unit, label) in RANGES.items():
            _check_range(label, getattr(self, name), low, high, unit)
        by = (("stage", self.win_rate_by_stage), ("deal type", self.win_rate_by_type))
        for kind, pairs in by:
            for key, value in pairs:
                _check_range(f"Win-rate change for {kind} '{key}'", value, *BY_RANGE, "points")
        seen: dict[str, str] = {}
        for kind in PICKS:
            for deal_id in getattr(self, kind):
                if deal_id in seen and seen[deal_id] != kind:
                    raise WhatIfError(f"Deal {deal_id} is picked both as {seen[deal_id]} and as "
                                      f"{kind}; pick it once.")
                seen[deal_id] = kind

    @property
    def is_baseline(self) -> bool:
        return self == Levers()

    def to_json(self) -> str:
        data = asdict(self)
        data["win_rate_by_stage"] = dict(self.win_rate_by_stage)
        data["win_rate_by_type"] = dict(self.win_rate_by_type)
        for kind in PICKS:
            data[kind] = list(getattr(self, kind))
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Levers:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise WhatIfError("The scenario's levers are not valid JSON.") from exc
        if not isinstance(data, dict):
            raise WhatIfError("The scenario's levers must be a JSON object.")
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict) -> Levers:
        """Levers from plain values (lists and dicts allowed); unknown names are refused."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise WhatIfError(f"'{unknown[0]}' is not a lever; the levers are "
                              f"{', '.join(sorted(known))}.")
        values = dict(data)
        try:
            for name in RANGES:
                if name in values:
                    values[name] = float(values[name])
            for name in ("win_rate_by_stage", "win_rate_by_type"):
                if name in values:
                    pairs = dict(values[name]).items()
                    values[name] = tuple(sorted((str(k), float(v)) for k, v in pairs if v))
            for name in PICKS:
                if name in values:
                    values[name] = tuple(sorted(str(d) for d in values[name]))
        except (TypeError, ValueError) as exc:
            raise WhatIfError(f"A lever has a value that is not a number: {exc}.") from exc
        return cls(**values)

    def describe(self) -> str:
        """The levers that differ from the baseline, in words."""
        parts = []
        for name, (_, _, unit, label) in RANGES.items():
            value = getattr(self, name)
            if value:
                parts.append(f"{label} {value:+g} {unit}")
        for kind, pairs in (("stage", self.win_rate_by_stage), ("type", self.win_rate_by_type)):
            parts += [f"Win-rate change for {kind} {key} {value:+g} points"
                      for key, value in pairs]
        for kind in PICKS:
            picked = getattr(self, kind)
            if picked:
                parts.append(f"{len(picked)} deal{'s' if len(picked) > 1 else ''} picked as "
                             f"{kind}")
        return "; ".join(parts) if parts else "Baseline (no lever moved)"

    def new_pipeline_factors(self) -> tuple[float, float]:
        """(factor on deals that come from a lead, factor on the others)."""
        direct = 1 + self.new_pipeline_pct / 100
        lead = direct
        for name in ("mql_volume_pct", "mql_to_srl_pct", "srl_to_sql_pct", "sql_to_deal_pct"):
            lead *= 1 + getattr(self, name) / 100
        return lead, direct

    @property
    def size_factor(self) -> float:
        return 1 + self.deal_size_pct / 100


def _check_range(label: str, value: float, low: float, high: float, unit: str) -> None:
    if not np.isfinite(value) or not low <= value <= high:
        raise WhatIfError(f"{label} must be between {low:+g} and {high:+g} {unit}; "
                          f"{value:g} was given.")


def apply(deals: pd.DataFrame, levers: Levers) -> pd.DataFrame:
    """A copy of `deals` (opportunity_id, amount, category, stage_name, deal_type, p_close,
    p_win) with the levers applied to amount, p_close and p_win, plus p_won (won in the
    period) and `pick` (slipped / lost / won, or None)."""
    change = np.full(len(deals), float(levers.win_rate_pts))
    for column, pairs in (("stage_name", levers.win_rate_by_stage),
                          ("deal_type", levers.win_rate_by_type)):
        if pairs:
            change += deals[column].map(dict(pairs)).fillna(0.0).to_numpy()
    p_win = np.clip(deals.p_win.to_numpy() + change / 100, 0.0, 1.0)
    later = (deals.is_later.to_numpy(dtype=bool) if "is_later" in deals
             else np.zeros(len(deals), dtype=bool))
    p_close = deals.p_close.to_numpy()
    p_close = np.where(later, p_close, np.clip(p_close - levers.slip_pts / 100, 0.0, 1.0))
    ids = deals.opportunity_id.to_numpy()
    pick = np.full(len(deals), None, dtype=object)
    for kind in PICKS:
        pick[np.isin(ids, list(getattr(levers, kind)))] = kind
    p_close = np.where(pick == "slipped", 0.0, np.where(np.isin(pick, ["lost", "won"]), 1.0,
                                                        p_close))
    p_win = np.where(pick == "lost", 0.0, np.where(pick == "won", 1.0, p_win))
    return deals.assign(amount=deals.amount.to_numpy() * levers.size_factor, p_close=p_close,
                        p_win=p_win, p_won=np.clip(p_close * p_win, 0.0, 1.0), pick=pick)


def missing_picks(deals: pd.DataFrame, levers: Levers) -> list[str]:
    """Picked deals that are not among the open deals of this view (e.g. closed since)."""
    picked = [d for kind in PICKS for d in getattr(levers, kind)]
    if not picked:  # the usual case: no set of a company's hundred thousand ids to build
        return []
    found = set(deals.opportunity_id[deals.opportunity_id.isin(picked)])
    return sorted(d for d in picked if d not in found)
