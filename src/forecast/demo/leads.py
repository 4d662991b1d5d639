"""Inbound leads flowing MQL -> SRL -> SQL -> opportunity, with speed-to-lead effects.

Rates are set to land inside the DOMAIN.md section 7 benchmarks overall (MQL -> SRL 20-40 %,
SRL -> SQL 80-90 %) with two deliberate leaks for the funnel page to find: Paid Search leads
rarely become SRLs (~12 %), and Enterprise SRLs often stall before SQL (~72 %). A lead answered
within 5 minutes becomes an SRL about nine times as often as one left for more than a day, and
reps who are routed the most leads answer the slowest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forecast.demo import clock, names
from forecast.demo.org import REP, Org

LEAD_SOURCES = ("Web", "Webinar", "Content Download", "Paid Search", "Event", "Partner", "Referral")
SOURCE_SHARE = np.array([0.28, 0.14, 0.16, 0.18, 0.08, 0.08, 0.08])
P_MQL = np.array([0.62, 0.55, 0.45, 0.50, 0.60, 0.80, 0.85])
P_SRL = np.array([0.33, 0.27, 0.22, 0.12, 0.30, 0.40, 0.45])  # average MQL -> SRL per source
P_SQL = np.array([0.92, 0.89, 0.75])  # SRL -> SQL per segment when the demo was not missed
NO_SHOW_SQL_FACTOR = 0.6
P_CONVERT = 0.97  # SQLs turned into an opportunity (the rest are still being set up)
EXISTING_SHARE = 0.10  # leads from existing customers (an expansion, farmer work)
REASONS = names.NON_MQL_REASONS + names.MQL_REASONS + names.SRL_REASONS


def expected_deals_per_lead() -> float:
    mean_sql = float(P_SQL.mean()) * (1 - 0.6 * 0.18 * (1 - NO_SHOW_SQL_FACTOR))
    return float((SOURCE_SHARE * P_MQL * P_SRL).sum()) * mean_sql * P_CONVERT


@dataclass(frozen=True)
class Leads:
    owner: np.ndarray
    source: np.ndarray
    segment: np.ndarray
    existing: np.ndarray
    first_name: np.ndarray
    last_name: np.ndarray
    account: np.ndarray
    created: np.ndarray      # fractional days; NaN = not (yet) reached
    mql: np.ndarray
    first_response: np.ndarray
    minutes: np.ndarray
    srl: np.ndarray
    demo: np.ndarray
    no_show: np.ndarray      # 1 / 0, -1 = no demo held yet
    sql: np.ndarray
    converted: np.ndarray
    disqualified: np.ndarray
    reason: np.ndarray       # index into REASONS, -1 = none
    touches: np.ndarray
    deal: np.ndarray         # deal index once deals are numbered, -1 = none

    def __len__(self) -> int:
        return len(self.owner)


def _speed_multiplier(minutes: np.ndarray) -> np.ndarray:
    return np.select(
        [minutes <= 5, minutes <= 30, minutes <= 1440], [2.0, 1.3, 0.8], default=0.22
    )


def _arrivals(rng, org: Org, tl: clock.Timeline, per_rep_day: float, segment_factor):
    """Owner and creation time of every lead, by creation time. Reps with a higher lead load
    are routed more leads."""
    reps = np.nonzero(org.role == REP)[0]
    lo = np.maximum(org.start[reps], tl.warm_start).astype(float)
    hi = np.minimum(org.end[reps].astype(float), tl.now)
    length = np.clip(hi - lo, 0, None)
    weight = segment_factor[org.segment[reps]] * org.productivity[reps] * org.lead_load[reps]
    counts = rng.poisson(per_rep_day * weight * length)
    owner = np.repeat(reps, counts)
    created = np.repeat(lo, counts) + rng.random(len(owner)) * np.repeat(length, counts)
    order = np.argsort(created, kind="stable")
    return owner[order], created[order]


def _funnel(rng, created: np.ndarray, source: np.ndarray, segment: np.ndarray,
            load: np.ndarray) -> dict[str, np.ndarray]:
    """Every lead's whole path (flags and times), before cutting it at 'now'."""
    n = len(created)
    f: dict[str, np.ndarray] = {"created": created}
    f["is_mql"] = rng.random(n) < P_MQL[source]
    f["mql"] = created + np.where(rng.random(n) < 0.55, 0.0, rng.exponential(2.5, n))
    forgotten = rng.random(n) < np.minimum(0.5, 0.12 * load)
    minutes = np.where(
        forgotten,
        rng.lognormal(np.log(1.8 * 1440), 0.9, n),  # left for a day or two
        rng.lognormal(np.log(8), 1.6, n) * load,  # median 8 minutes, slower when overloaded
    )
    f["minutes"] = np.round(np.maximum(minutes, 0.2), 1)
    f["first_response"] = f["mql"] + f["minutes"] / 1440
    speed = _speed_multiplier(f["minutes"])
    p_srl = np.clip(P_SRL[source] * speed / speed[f["is_mql"]].mean(), 0, 0.95)
    f["is_srl"] = f["is_mql"] & (rng.random(n) < p_srl)
    f["srl"] = f["first_response"] + rng.lognormal(np.log(1.5), 0.8, n)
    f["has_demo"] = f["is_srl"] & (rng.random(n) < 0.6)
    f["demo"] = np.floor(f["srl"] + rng.integers(1, 7, n)) + (9 + 8 * rng.random(n)) / 24
    f["no_show"] = f["has_demo"] & (rng.random(n) < 0.18)
    p_sql = P_SQL[segment] * np.where(f["no_show"], NO_SHOW_SQL_FACTOR, 1.0)
    f["is_sql"] = f["is_srl"] & (rng.random(n) < p_sql)
    sql = f["srl"] + rng.lognormal(np.log(5), 0.6, n)
    showed = f["has_demo"] & ~f["no_show"]
    f["sql"] = np.where(showed, np.maximum(sql, f["demo"] + rng.uniform(0.1, 2, n)), sql)
    f["converted"] = f["sql"] + rng.uniform(0, 1.5, n)
    f["is_converted"] = f["is_sql"] & (rng.random(n) < P_CONVERT)
    return f


def _disqualify(rng, f: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Most leads that stop at a stage are disqualified with a reason fitting that stage; the
    rest stay in nurture. Returns (time, reason index) with NaN / -1 for none."""
    n = len(f["created"])
    stop = np.select([~f["is_mql"], ~f["is_srl"], ~f["is_sql"]], [0, 1, 2], default=-1)
    at = np.select(
        [stop == 0, stop == 1, stop == 2],
        [f["created"] + rng.uniform(0, 3, n), f["first_response"] + rng.uniform(3, 30, n),
         np.where(f["has_demo"], f["demo"], f["srl"]) + rng.uniform(5, 40, n)],
        default=np.nan,
    )
    dq = (stop >= 0) & (rng.random(n) < np.array([0.7, 0.65, 0.8])[stop])
    offset = np.array([0, len(names.NON_MQL_REASONS),
                       len(names.NON_MQL_REASONS) + len(names.MQL_REASONS)])
    sizes = np.array([len(names.NON_MQL_REASONS), len(names.MQL_REASONS), len(names.SRL_REASONS)])
    reason = np.where(dq, offset[stop] + (rng.random(n) * sizes[stop]).astype(int), -1)
    return np.where(dq, at, np.nan), reason


def _cut(f: dict[str, np.ndarray], now: float) -> dict[str, np.ndarray]:
    """What is known at `now`: later steps are not reached yet (NaN)."""
    out = dict(f)
    out["mql"] = np.where(f["is_mql"] & (f["mql"] <= now), f["mql"], np.nan)
    reached = ~np.isnan(out["mql"]) & (f["first_response"] <= now)
    out["first_response"] = np.where(reached, f["first_response"], np.nan)
    out["minutes"] = np.where(reached, f["minutes"], np.nan)
    out["srl"] = np.where(f["is_srl"] & reached & (f["srl"] <= now), f["srl"], np.nan)
    held = f["has_demo"] & ~np.isnan(out["srl"]) & (f["demo"] <= now)
    out["demo"] = np.where(held, f["demo"], np.nan)
    out["no_show"] = np.where(held, f["no_show"].astype(np.int8), -1).astype(np.int8)
    out["sql"] = np.where(f["is_sql"] & ~np.isnan(out["srl"]) & (f["sql"] <= now), f["sql"],
                          np.nan)
    converted = f["is_converted"] & ~np.isnan(out["sql"]) & (f["converted"] <= now)
    out["converted"] = np.where(converted, f["converted"], np.nan)
    return out


def build_leads(
    rng: np.random.Generator, org: Org, tl: clock.Timeline, per_rep_day: float,
    segment_factor: np.ndarray, n_accounts: int,
) -> Leads:
    owner, created = _arrivals(rng, org, tl, per_rep_day, segment_factor)
    n = len(owner)
    source = rng.choice(len(LEAD_SOURCES), n, p=SOURCE_SHARE)
    segment = org.segment[owner]
    path = _funnel(rng, created, source, segment, org.lead_load[owner])
    dq_at, reason = _disqualify(rng, path)
    touches = (rng.poisson(0.3, n) * ~path["is_mql"]
               + path["is_mql"] * (1 + rng.poisson(2.5, n))
               + path["is_srl"] * (3 + rng.poisson(2, n))
               + path["is_sql"] * (2 + rng.poisson(2, n)))
    known = _cut(path, tl.now)
    dq_known = dq_at <= tl.now  # False for NaN
    return Leads(
        owner=owner,
        source=source,
        segment=segment,
        existing=rng.random(n) < EXISTING_SHARE,
        first_name=rng.integers(0, len(names.FIRST_NAMES), n),
        last_name=rng.integers(0, len(names.LAST_NAMES), n),
        account=segment + 3 * rng.integers(0, max(1, n_accounts // 3), n),
        created=created,
        mql=known["mql"],
        first_response=known["first_response"],
        minutes=known["minutes"],
        srl=known["srl"],
        demo=known["demo"],
        no_show=known["no_show"],
        sql=known["sql"],
        converted=known["converted"],
        disqualified=np.where(dq_known, dq_at, np.nan),
        reason=np.where(dq_known, reason, -1),
        touches=touches.astype(np.int32),
        deal=np.full(n, -1, dtype=np.int64),
    )
