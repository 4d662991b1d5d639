"""Deals: who creates them, how each one moves week to week, and what the snapshots saw.

Every deal's whole life is drawn up front as a list of dated events (created, amount changed,
close date pushed or pulled in, stage entered or left, owner changed, won or lost), vectorised
over all deals. A hidden fate (won or lost, and on which day) drives the events: stages are
scheduled between creation and that day, and the rep's close date slips whenever it comes
round before the deal is done. Replaying the events gives the state of every deal on any day:
the weekly snapshots, the stage history and the live table are all cut from that one replay,
so they agree by construction. Events after `today` are dropped (the live table is the state
on `today`); the fate of still-open deals is kept for the managers' calls.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forecast.demo import clock, names
from forecast.demo.leads import LEAD_SOURCES, Leads
from forecast.demo.org import MANAGER, REP, Org

# name, probability (percent), default forecast category
STAGES = (
    ("Prospecting", 10.0, "Pipeline"),
    ("Qualification", 20.0, "Pipeline"),
    ("Discovery", 40.0, "Best Case"),
    ("Proposal", 60.0, "Best Case"),
    ("Negotiation", 80.0, "Commit"),
    ("Closed Won", 100.0, "Closed"),
    ("Closed Lost", 0.0, "Omitted"),
)
NEGOTIATION, WON, LOST = 4, 5, 6
CATEGORIES = ("Pipeline", "Best Case", "Commit", "Closed", "Omitted")
PIPELINE, BEST_CASE, COMMIT = 0, 1, 2
STAGE_CATEGORY = np.array([CATEGORIES.index(cat) for _, _, cat in STAGES])
SOURCES = LEAD_SOURCES + ("Outbound", "Existing Customer", "Customer Success")
CURRENCIES = ("USD", "EUR", "GBP")
PRODUCTS = names.NEW_PRODUCTS + names.EXISTING_PRODUCTS

SEGMENT_DEAL_FACTOR = np.array([1.4, 1.0, 0.6])  # deals per rep, relative
MEDIAN_AMOUNT_USD = np.array([12_000.0, 45_000.0, 160_000.0])
AMOUNT_STEP = np.array([100.0, 500.0, 1000.0])
CYCLE_DAYS = np.array([32.0, 70.0, 125.0])  # created -> won, median
WIN_RATE = np.array([0.30, 0.75])  # new, existing (of deals that close)
P_EUR = np.array([0.05, 0.10, 0.15])
P_GBP = np.array([0.04, 0.06, 0.08])
MANAGER_DEALS_PER_DAY = 2 / 91
DIRECT_EXISTING_SHARE = 0.53  # with lead-sourced deals, about 40 % of all deals are existing
# rep's category override per deal: none, Commit from Qualification on (optimist), one
# category lower (sandbag), Proposal called Commit (confident)
NO_OVERRIDE, OPTIMIST, SANDBAG, CONFIDENT = range(4)


@dataclass(frozen=True)
class Seeds:
    """Deals as they are created: by whom, when, what kind, from which lead."""

    owner: np.ndarray
    created: np.ndarray
    segment: np.ndarray
    existing: np.ndarray
    source: np.ndarray
    account: np.ndarray
    lead: np.ndarray

    def take(self, order: np.ndarray) -> Seeds:
        return Seeds(*(getattr(self, f)[order] for f in self.__dataclass_fields__))

    @staticmethod
    def concat(a: Seeds, b: Seeds) -> Seeds:
        return Seeds(*(np.concatenate([getattr(a, f), getattr(b, f)])
                       for f in Seeds.__dataclass_fields__))


def direct_seeds(rng, org: Org, tl: clock.Timeline, per_rep_day: float, n_accounts: int) -> Seeds:
    """Deals not from an inbound lead: outbound, partner and existing-customer deals."""
    people = np.nonzero(org.owns_deals)[0]
    lo = np.maximum(org.start[people], tl.warm_start)
    hi = np.minimum(org.end[people], tl.today + 1)
    length = np.clip(hi - lo, 0, None)
    is_mgr = org.role[people] == MANAGER
    rate = np.where(
        is_mgr, MANAGER_DEALS_PER_DAY,
        per_rep_day * SEGMENT_DEAL_FACTOR[org.segment[people]] * org.productivity[people],
    )
    counts = rng.poisson(rate * length)
    owner = np.repeat(people, counts)
    n = len(owner)
    start = np.repeat(lo, counts)
    created = start + (rng.random(n) * np.repeat(length, counts)).astype(np.int64)
    created = np.maximum(clock.workday_before(created), start)
    existing = rng.random(n) < np.where(org.role[owner] == REP, DIRECT_EXISTING_SHARE, 0.75)
    new_source = rng.choice([SOURCES.index(s) for s in ("Outbound", "Partner", "Event")], n,
                            p=[0.7, 0.2, 0.1])
    old_source = np.where(rng.random(n) < 0.75, SOURCES.index("Existing Customer"),
                          SOURCES.index("Customer Success"))
    segment = org.segment[owner]
    return Seeds(
        owner=owner, created=created, segment=segment, existing=existing,
        source=np.where(existing, old_source, new_source),
        account=segment + 3 * rng.integers(0, max(1, n_accounts // 3), n),
        lead=np.full(n, -1, dtype=np.int64),
    )


def lead_seeds(org: Org, leads: Leads) -> Seeds:
    """One deal per converted lead, created on the day of conversion."""
    idx = np.nonzero(~np.isnan(leads.converted))[0]
    created = np.floor(leads.converted[idx]).astype(np.int64)
    owner = leads.owner[idx]
    owner = np.where(created >= org.end[owner], org.successor[owner], owner)
    return Seeds(
        owner=owner, created=created, segment=leads.segment[idx], existing=leads.existing[idx],
        source=leads.source[idx], account=leads.account[idx], lead=idx,
    )


@dataclass(frozen=True)
class Fates:
    """What each deal is and what will happen to it (including after today)."""

    seeds: Seeds
    currency: np.ndarray
    amount0: np.ndarray      # opening amount, in the deal's currency
    step: np.ndarray         # rounding of amounts
    won: np.ndarray
    end: np.ndarray          # the day it is won or lost
    horizon: np.ndarray      # stages are scheduled to reach Negotiation before this day
    stage0: np.ndarray
    planned0: np.ndarray     # the rep's first close date
    override: np.ndarray
    neglected: np.ndarray    # close date left in the past for weeks
    product: np.ndarray


def draw_fates(rng, org: Org, seeds: Seeds, rates: np.ndarray, month0: int) -> Fates:
    n = len(seeds.owner)
    seg, existing, created = seeds.segment, seeds.existing, seeds.created
    usd = MEDIAN_AMOUNT_USD[seg] * np.where(existing, 0.5, 1.0) * rng.lognormal(0, 0.55, n)
    u = rng.random(n)
    currency = np.where(u < P_EUR[seg], 1, np.where(u < P_EUR[seg] + P_GBP[seg], 2, 0))
    step = AMOUNT_STEP[seg]
    rate0 = rates[currency, clock.month_index(created) - month0]
    amount0 = np.maximum(step, np.round(usd / rate0 / step) * step)

    p_win = np.clip(WIN_RATE[existing.astype(int)] + org.skill[seeds.owner], 0.05, 0.95)
    won = rng.random(n) < p_win
    cycle = np.maximum(
        7.0, CYCLE_DAYS[seg] * np.where(existing, 0.7, 1.0) * rng.lognormal(0, 0.45, n))
    end_won = created + np.round(cycle).astype(np.int64)
    q_end = clock.quarter_end(end_won)
    rush = (q_end - end_won <= 28) & (rng.random(n) < 0.45)  # deals bunch up at quarter end
    end_won = np.where(rush, np.maximum(end_won, q_end - rng.integers(0, 5, n)), end_won)
    end_lost = created + np.round(cycle * rng.uniform(0.15, 1.5, n)).astype(np.int64)
    end = np.maximum(clock.workday_before(np.where(won, end_won, end_lost)), created + 3)
    horizon = np.where(won, end, created + np.round(cycle).astype(np.int64))

    u = rng.random(n)
    stage0 = np.where(
        seeds.lead >= 0, np.where(u < 0.8, 1, 2),
        np.where(existing, np.where(u < 0.5, 1, 2), np.where(u < 0.8, 0, 1)),
    )
    planned = created + np.maximum(7, np.round(cycle * rng.lognormal(np.log(0.8), 0.35, n)))
    planned = _snap_close_dates(rng, planned.astype(np.int64))

    sandbagger = org.call_bias[seeds.owner] < -0.05
    u = rng.random(n)
    override = np.select(
        [u < 0.03, u < 0.03 + np.where(sandbagger, 0.15, 0.05), u < 0.14 + 0.1 * sandbagger],
        [OPTIMIST, SANDBAG, CONFIDENT], default=NO_OVERRIDE,
    )
    product = np.where(
        existing,
        len(names.NEW_PRODUCTS) + rng.integers(0, len(names.EXISTING_PRODUCTS), n),
        rng.integers(0, len(names.NEW_PRODUCTS), n),
    )
    return Fates(seeds, currency, amount0, step, won, end, horizon, stage0, planned,
                 override, rng.random(n) < 0.04, product)


def _snap_close_dates(rng, days: np.ndarray) -> np.ndarray:
    """Reps like month ends and quarter ends for close dates."""
    u = rng.random(len(days))
    return np.where(
        u < 0.5, clock.month_end(days),
        np.where(u < 0.65, clock.quarter_end(days), clock.workday_after(days)),
    )


class _Events:
    """Columns of dated events; -1 / NaN = the field does not change."""

    FIELDS = ("deal", "day", "seq", "stage", "amount", "close", "push", "owner")

    def __init__(self) -> None:
        self.parts: list[dict[str, np.ndarray]] = []

    def add(self, deal, day, seq, *, stage=None, amount=None, close=None, push=0, owner=None):
        n = len(deal)

        def col(value, fill, dtype):
            return np.full(n, fill, dtype) if value is None else np.broadcast_to(value, n)

        self.parts.append({
            "deal": np.asarray(deal, np.int64), "day": np.asarray(day, np.int64),
            "seq": np.full(n, seq, np.int8), "stage": col(stage, -1, np.int8),
            "amount": col(amount, np.nan, float), "close": col(close, -1, np.int64),
            "push": col(push, 0, np.int8), "owner": col(owner, -1, np.int64),
        })

    def columns(self) -> dict[str, np.ndarray]:
        out = {f: np.concatenate([p[f] for p in self.parts]) for f in self.FIELDS}
        order = np.lexsort((out["seq"], out["day"], out["deal"]))
        return {f: v[order] for f, v in out.items()}


def build_events(rng, org: Org, f: Fates) -> dict[str, np.ndarray]:
    s = f.seeds
    n = len(s.owner)
    ids = np.arange(n)
    ev = _Events()
    ev.add(ids, s.created, 0, stage=f.stage0, amount=f.amount0, close=f.planned0, owner=s.owner)
    _amount_changes(rng, ev, f)
    _owner_changes(ev, org, f)
    _close_date_changes(rng, ev, f)
    _stage_moves(rng, ev, f)
    ev.add(ids, f.end, 5, stage=np.where(f.won, WON, LOST), close=f.end)
    cols = ev.columns()
    # nothing happens to a deal after it is closed, and nothing on its first day but creation
    created, end = s.created[cols["deal"]], f.end[cols["deal"]]
    later = cols["seq"] > 0
    cols["day"] = np.where(later, np.maximum(cols["day"], created + 1), cols["day"])
    keep = (cols["seq"] == 0) | (cols["seq"] == 5) | (cols["day"] < end)
    cols = {k: v[keep] for k, v in cols.items()}
    order = np.lexsort((cols["seq"], cols["day"], cols["deal"]))
    return {k: v[order] for k, v in cols.items()}


def _amount_changes(rng, ev: _Events, f: Fates) -> None:
    s = f.seeds
    span = f.end - s.created
    k = rng.poisson(0.5 * np.maximum(span - 2, 0) / 45)
    deal = np.repeat(np.arange(len(span)), k)
    day = s.created[deal] + 1 + (rng.random(len(deal)) * (span[deal] - 2)).astype(np.int64)
    day = clock.workday_after(day)
    u = rng.random(len(deal))
    log_factor = np.select(
        [u < 0.6, u < 0.85],
        [rng.normal(0, 0.08, len(deal)), np.log(rng.uniform(0.6, 0.9, len(deal)))],
        default=np.log(rng.uniform(1.1, 1.5, len(deal))),
    )
    order = np.lexsort((day, deal))
    deal, day, log_factor = deal[order], day[order], log_factor[order]
    cum = _group_cumsum(deal, log_factor)
    step = f.step[deal]
    amount = np.maximum(step, np.round(f.amount0[deal] * np.exp(cum) / step) * step)
    ev.add(deal, day, 1, amount=amount)


def _group_cumsum(group: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Cumulative sum restarting at every new value of `group` (sorted)."""
    total = np.cumsum(values)
    first = np.r_[True, group[1:] != group[:-1]] if len(group) else np.zeros(0, bool)
    start = np.maximum.accumulate(np.where(first, np.arange(len(group)), 0))
    return total - total[start] + values[start]


def _owner_changes(ev: _Events, org: Org, f: Fates) -> None:
    """A leaver's open deals go to their successor on the day they leave."""
    s = f.seeds
    leave = org.end[s.owner]
    moved = np.nonzero((leave < clock.NEVER) & (s.created < leave) & (f.end > leave))[0]
    ev.add(moved, leave[moved], 2, owner=org.successor[s.owner[moved]])


def _close_date_changes(rng, ev: _Events, f: Fates) -> None:
    """Push the close date out whenever it comes round before the deal is done; pull it in
    for some deals that turn out to close well before the date the rep set."""
    n = len(f.end)
    planned, last = f.planned0.copy(), f.seeds.created.copy()
    segment_step = np.array([1.0, 1.3, 1.6])[f.seeds.segment]
    # where the rep would aim a pushed date if they read the deal right
    sense = np.where(f.won, f.end, np.maximum(f.end, f.horizon))
    for _ in range(15):
        delay = np.where(f.neglected, rng.integers(15, 61, n), rng.integers(-5, 13, n))
        when = clock.workday_after(np.maximum(planned + delay, last + 1))
        act = (planned < f.end) & (when < f.end)
        if not act.any():
            break
        aimed = sense + np.round(rng.normal(-3, 12, n)).astype(np.int64)
        blind = np.maximum(planned, when) + (rng.integers(7, 40, n) * segment_step).astype(np.int64)
        new = np.where(rng.random(n) < 0.6, aimed, blind)
        new = np.maximum(new, np.maximum(when + 5, planned + 1))
        new = np.where(rng.random(n) < 0.4, clock.month_end(new), clock.workday_after(new))
        idx = np.nonzero(act)[0]
        ev.add(idx, when[idx], 3, close=new[idx], push=1)
        planned[idx], last[idx] = new[idx], when[idx]
    when = clock.workday_before(f.end - rng.integers(3, 22, n))
    pull = f.won & (planned - f.end > 21) & (rng.random(n) < 0.5) & (when > last) & (when < f.end)
    idx = np.nonzero(pull)[0]
    ev.add(idx, when[idx], 3, close=f.end[idx])


def _stage_moves(rng, ev: _Events, f: Fates) -> None:
    """Stage entries spread between creation and the horizon; some deals go back a stage."""
    s = f.seeds
    n = len(f.end)
    steps = NEGOTIATION - f.stage0
    u = rng.random((n, 4))
    u[np.arange(4)[None, :] >= steps[:, None]] = 2.0
    u.sort(axis=1)
    width = np.maximum(f.horizon - s.created - 2, 0)
    entry = s.created[:, None] + 1 + (u * width[:, None]).astype(np.int64)
    latest = np.maximum(f.horizon - 1, s.created + 1)
    entry = np.minimum(clock.workday_after(entry), latest[:, None])
    valid = np.arange(4)[None, :] < steps[:, None]
    deal, j = np.nonzero(valid)
    ev.add(deal, entry[deal, j], 4, stage=f.stage0[deal] + 1 + j)

    # going back: between entering stage k and k+1, drop back to k-1 and re-enter k later
    back = np.nonzero((steps >= 2) & (rng.random(n) < 0.09))[0]
    j = (rng.random(len(back)) * (steps[back] - 1)).astype(np.int64)
    t0, t1 = entry[back, j], entry[back, j + 1]
    ok = t1 - t0 >= 6
    back, j, t0, t1 = back[ok], j[ok], t0[ok], t1[ok]
    stage = f.stage0[back] + 1 + j
    ev.add(back, t0 + (t1 - t0) * 35 // 100, 4, stage=stage - 1)
    ev.add(back, t0 + (t1 - t0) * 70 // 100, 4, stage=stage)


def categories(stage: np.ndarray, override: np.ndarray) -> np.ndarray:
    """The rep's forecast category: the stage's default unless the deal carries an override."""
    cat = STAGE_CATEGORY[stage]
    open_ = stage < WON
    cat = np.where(open_ & (override == OPTIMIST) & (stage >= 1), COMMIT, cat)
    cat = np.where(open_ & (override == SANDBAG) & (cat > PIPELINE) & (cat <= COMMIT), cat - 1, cat)
    cat = np.where(open_ & (override == CONFIDENT) & (stage == 3), COMMIT, cat)
    return cat


@dataclass(frozen=True)
class Replay:
    """The state of every deal after each day that changed it (up to today)."""

    deal: np.ndarray
    day: np.ndarray
    until: np.ndarray     # the state holds on [day, until)
    stage: np.ndarray
    amount: np.ndarray    # in the deal's currency
    close: np.ndarray
    pushes: np.ndarray
    owner: np.ndarray
    category: np.ndarray
    final_owner: np.ndarray   # per deal, after all events (including after today)
    final_amount: np.ndarray  # per deal, in its currency, after all events


def _ffill(values: np.ndarray, has: np.ndarray) -> np.ndarray:
    idx = np.where(has, np.arange(len(values)), 0)
    np.maximum.accumulate(idx, out=idx)
    return values[idx]


def replay(cols: dict[str, np.ndarray], f: Fates, today: int) -> Replay:
    deal, day = cols["deal"], cols["day"]
    stage = _ffill(cols["stage"], cols["stage"] >= 0)
    amount = _ffill(cols["amount"], ~np.isnan(cols["amount"]))
    close = _ffill(cols["close"], cols["close"] >= 0)
    owner = _ffill(cols["owner"], cols["owner"] >= 0)
    pushes = _group_cumsum(deal, cols["push"].astype(np.int64))
    last_of_deal = np.r_[deal[1:] != deal[:-1], True]
    final_owner, final_amount = owner[last_of_deal], amount[last_of_deal]
    # keep the last state of each day, up to today
    keep = (day <= today) & np.r_[(deal[1:] != deal[:-1]) | (day[1:] != day[:-1]), True]
    deal, day, stage, amount, close, owner, pushes = (
        a[keep] for a in (deal, day, stage, amount, close, owner, pushes))
    same_next = np.r_[deal[1:] == deal[:-1], False]
    until = np.where(same_next, np.r_[day[1:], 0], clock.NEVER)
    return Replay(deal, day, until, stage, amount, close, pushes, owner,
                  categories(stage, f.override[deal]), final_owner, final_amount)


@dataclass(frozen=True)
class Snapshots:
    friday: np.ndarray    # index into the timeline's fridays
    row: np.ndarray       # index into the replay's rows


def snapshot_rows(r: Replay, fridays: np.ndarray) -> Snapshots:
    """Every Friday sees each deal open on it, plus deals closed in the week up to it."""
    if len(fridays) == 0:
        return Snapshots(np.zeros(0, np.int64), np.zeros(0, np.int64))
    first, last = int(fridays[0]), len(fridays) - 1
    lo = clock.ceil_div(r.day - first, 7)  # first Friday on or after the change
    closed = r.stage >= WON
    hi = np.where(closed, lo, np.where(r.until >= clock.NEVER, last,
                                        clock.ceil_div(r.until - first, 7) - 1))
    lo = np.where(closed, lo, np.maximum(lo, 0))
    hi = np.minimum(hi, last)
    count = np.where(lo >= 0, np.maximum(hi - lo + 1, 0), 0)
    row = np.repeat(np.arange(len(count)), count)
    starts = np.cumsum(count) - count
    friday = lo[row] + np.arange(len(row)) - starts[row]
    order = np.lexsort((r.deal[row], friday))
    return Snapshots(friday[order], row[order])


def currency_rates(rng, months: int) -> np.ndarray:
    """USD per unit of USD, EUR and GBP for each month: a gentle random walk."""
    rates = np.ones((len(CURRENCIES), months))
    for c, start in ((1, 1.08), (2, 1.27)):
        rates[c] = np.round(start * np.exp(np.cumsum(rng.normal(0, 0.012, months))), 4)
    return rates
