"""Quotas, weekly forecast calls (submissions) and managers' adjustments.

Quotas are sized from what each rep actually wins (half their own quarter, half their
average) divided by a target attainment around 97 %, so attainment lands mostly in 70-120 %.
A first-line manager's own quota is 5-10 % above the sum of the direct reports' quotas, a
director's, VP's and the CRO's 2-5 % above (over-assignment; it compounds up the tree).

Calls know roughly where the quarter will land (the deals' fates, which run past today), with
noise that shrinks as the quarter goes on, bent by each caller's bias: a third sandbag, a
fifth over-call. A commit call is never below what is already won.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forecast.demo import clock, names
from forecast.demo.org import REP, Org


@dataclass(frozen=True)
class Won:
    """Deals that are (or will be) won: final owner, day won, amount in USD."""

    owner: np.ndarray
    day: np.ndarray
    amount: np.ndarray


@dataclass(frozen=True)
class Quotas:
    person: np.ndarray
    quarter: np.ndarray
    amount: np.ndarray
    effective: np.ndarray


@dataclass(frozen=True)
class Calls:
    person: np.ndarray
    quarter: np.ndarray
    commit: np.ndarray
    best_case: np.ndarray
    note: np.ndarray         # index into names.CALL_NOTES (+1 past the end = revision), -1 none
    submitted_at: np.ndarray  # fractional days


@dataclass(frozen=True)
class Adjustments:
    manager: np.ndarray
    person: np.ndarray
    quarter: np.ndarray
    commit: np.ndarray
    best_case: np.ndarray
    note: np.ndarray
    adjusted_at: np.ndarray


def _round(x: np.ndarray, step: float | np.ndarray) -> np.ndarray:
    return np.round(np.asarray(x) / step) * step


def won_by_quarter(org: Org, tl: clock.Timeline, won: Won) -> np.ndarray:
    q = tl.quarter_index(won.day)
    inside = q >= 0
    out = np.zeros((org.size, len(tl.quarters)))
    np.add.at(out, (won.owner[inside], q[inside]), won.amount[inside])
    return out


def _depths(up: np.ndarray) -> np.ndarray:
    """Steps from each person to the top, following `up` (manager index, -1 at the top)."""
    depth = np.zeros(len(up), np.int64)
    cur = up.copy()
    for _ in range(len(up)):  # a tree is never deeper than its size
        if not (cur >= 0).any():
            break
        depth += cur >= 0
        cur = np.where(cur >= 0, up[np.clip(cur, 0, None)], -1)
    return depth


def _upward(manager: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Manager index among active people; -1 at the top or for inactive people."""
    up = np.where(active & (manager >= 0), manager, -1)
    return np.where((up >= 0) & active[np.clip(up, 0, None)], up, -1)


def rollup(values: np.ndarray, manager: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Each active person's value plus everything below them (inactive people count nothing)."""
    up = _upward(manager, active)
    depth = _depths(up)
    out = np.where(active, values, 0.0)
    for d in range(int(depth.max(initial=0)), 0, -1):
        nodes = np.nonzero(active & (depth == d))[0]
        np.add.at(out, up[nodes], out[nodes])
    return out


def build_quotas(rng, org: Org, tl: clock.Timeline, won: Won) -> Quotas:
    wins = won_by_quarter(org, tl, won)
    starts, ends = tl.quarter_starts(), tl.quarter_ends()
    reps = org.role == REP
    full = (org.start[:, None] <= starts[None, :]) & (org.end[:, None] > ends[None, :])
    n_full = full.sum(axis=1)
    avg = np.where(n_full > 0, (wins * full).sum(axis=1) / np.maximum(n_full, 1), np.nan)
    seg_typical = np.array([
        np.nanmedian(avg[reps & (org.segment == s)]) if (reps & (org.segment == s)).any()
        else 0.0 for s in range(3)
    ])
    seg_typical = np.nan_to_num(seg_typical, nan=float(np.nanmedian(avg[reps])))
    typical = seg_typical[org.segment]
    avg = np.where(np.isnan(avg), typical, avg)

    persons, quarters, amounts, days = [], [], [], []
    for q in range(len(tl.quarters)):
        active = reps & (org.start <= ends[q]) & (org.end > starts[q])
        hired_in = active & (org.start > starts[q])
        ramping = active & (org.start > starts[q] - 120) & ~hired_in
        base = np.where(hired_in, 0.35 * typical, 0.5 * wins[:, q] + 0.5 * avg)
        base = np.where(ramping, 0.8 * base, base)
        target = np.clip(rng.normal(0.97, 0.09, org.size), 0.75, 1.2)
        own = np.where(active, _round(np.maximum(base / target, 0.4 * typical), 1000.0), 0.0)
        effective = np.where(hired_in, org.start, starts[q] - rng.integers(3, 11, org.size))
        manager, on = org.lines_on(starts[q])
        total = _manager_quotas(rng, own, manager, on)
        has_reports = np.zeros(org.size, bool)
        has_reports[manager[on & (manager >= 0)]] = True
        gets = (active & reps) | (on & has_reports)
        idx = np.nonzero(gets)[0]
        persons.append(idx)
        quarters.append(np.full(len(idx), q))
        amounts.append(total[idx])
        days.append(effective[idx])
    quotas = Quotas(*(np.concatenate(x) for x in (persons, quarters, amounts, days)))
    return _quota_changes(rng, tl, org, quotas)


def _manager_quotas(rng, own: np.ndarray, manager: np.ndarray, on: np.ndarray) -> np.ndarray:
    """Own quota plus the reports' quotas with over-assignment, bottom-up."""
    up = _upward(manager, on)
    depth = _depths(up)
    front_line = np.zeros(len(own), bool)
    front_line[up[(up >= 0) & (own > 0)]] = True  # people who manage sellers
    n = len(own)
    over = np.where(front_line, rng.uniform(1.05, 1.10, n), rng.uniform(1.02, 1.05, n))
    below = np.zeros(len(own))
    total = own.copy()
    for d in range(int(depth.max(initial=0)), -1, -1):
        nodes = np.nonzero(on & (depth == d))[0]
        lead = below[nodes] > 0
        total[nodes] = own[nodes] + np.where(lead, _round(over[nodes] * below[nodes], 5000.0), 0)
        if d > 0:
            np.add.at(below, up[nodes], total[nodes])
    return total


def _quota_changes(rng, tl: clock.Timeline, org: Org, quotas: Quotas) -> Quotas:
    """A couple of reps get a new quota mid-quarter (a later row for the same period)."""
    starts = tl.quarter_starts()
    eligible = np.nonzero((org.role[quotas.person] == REP)
                          & (starts[quotas.quarter] + 20 <= tl.today))[0]
    n = min(len(eligible), max(2, round(0.01 * len(eligible))))
    pick = np.sort(rng.choice(eligible, n, replace=False))
    factor = np.where(rng.random(n) < 0.5, rng.uniform(0.85, 0.95, n), rng.uniform(1.05, 1.15, n))
    day = np.minimum(starts[quotas.quarter[pick]] + rng.integers(20, 50, n), tl.today)
    return Quotas(
        np.concatenate([quotas.person, quotas.person[pick]]),
        np.concatenate([quotas.quarter, quotas.quarter[pick]]),
        np.concatenate([quotas.amount, _round(quotas.amount[pick] * factor, 1000.0)]),
        np.concatenate([quotas.effective, day]),
    )


def _judgement(rng, org: Org, frac: float, team_closed, team_total, surprise):
    """Each person's commit and best case: a sense of the quarter's outcome that sharpens as
    it goes on, bent by the person's bias; commit never below what is already won."""
    sigma = 0.22 * (1 - frac) + 0.03
    sense = team_total * np.exp(sigma * surprise + rng.normal(0, 0.03, org.size))
    leaning = sense * (1 + org.call_bias)
    step = np.where(org.role == REP, 500.0, 1000.0)
    floor = np.ceil(team_closed / step) * step
    commit = np.maximum(floor, _round(leaning * (0.85 + 0.15 * frac), step))
    best = np.maximum(commit, _round(leaning * (1.12 + 0.18 * (1 - frac)), step))
    return commit, best, step


def _submit(rng, friday: int, q: int, who, commit, best, step) -> tuple[list[tuple], np.ndarray]:
    """The Friday calls of `who` (mostly 15:00-17:00, a few after the 17:00 lock), and a few
    revisions later the same afternoon. Returns the rows and each person's first call time."""
    n = len(who)
    late = rng.random(n) < 0.05
    at = friday + (np.where(late, 17, 15) + 2 * rng.random(n)) / 24
    note = np.where(rng.random(n) < 0.25, rng.integers(0, len(names.CALL_NOTES), n), -1)
    rows = [(who, np.full(n, q), commit[who], best[who], note, at)]
    r = np.nonzero(rng.random(n) < 0.03)[0]
    revised = _round(commit[who[r]] * rng.uniform(0.95, 1.08, len(r)), step[who[r]])
    rows.append((who[r], np.full(len(r), q), revised, np.maximum(best[who[r]], revised),
                 np.full(len(r), len(names.CALL_NOTES)),
                 at[r] + rng.uniform(20, 90, len(r)) / 1440))
    return rows, at


def _adjust(rng, org: Org, q: int, who, boss, commit, best, at, rate) -> tuple:
    """Some managers change some direct reports' calls: haircuts for over-callers, raises for
    sandbaggers, either way for the rest; each with a note matching its direction."""
    adj = (boss >= 0) & (rng.random(len(who)) < rate[np.clip(boss, 0, None)])
    a = np.nonzero(adj)[0]
    n = len(a)
    bias = org.call_bias[who[a]]
    factor = np.where(bias > 0.05, rng.uniform(0.8, 0.95, n),
                      np.where(bias < -0.05, rng.uniform(1.05, 1.2, n), rng.uniform(0.9, 1.1, n)))
    adjusted = _round(commit[who[a]] * factor, 1000.0)
    n_down = len(names.ADJUSTMENT_DOWN_NOTES)
    note = np.where(factor < 1, rng.integers(0, n_down, n),
                    n_down + rng.integers(0, len(names.ADJUSTMENT_UP_NOTES), n))
    return (boss[a], who[a], np.full(n, q), adjusted,
            np.maximum(adjusted, _round(best[who[a]] * factor, 1000.0)), note,
            at[a] + rng.uniform(10, 60, n) / 1440)


def build_calls(rng, org: Org, tl: clock.Timeline, won: Won) -> tuple[Calls, Adjustments]:
    """Every active person's weekly call for the current quarter, on every snapshot Friday.
    About 4 % of calls are missing (more among managers in the latest week), so the carry-
    forward of a stale call has something to show."""
    wins = won_by_quarter(org, tl, won)
    won_q = tl.quarter_index(won.day)
    starts = tl.quarter_starts()
    surprise = rng.normal(0, 1, (org.size, len(tl.quarters)))
    adjust_rate = np.where(rng.random(org.size) < 0.4, 0.06, 0.012)
    calls: list[tuple] = []
    adjustments: list[tuple] = []
    last = len(tl.fridays) - 1
    for k, friday in enumerate(tl.fridays.tolist()):
        q = int(tl.quarter_index(friday))
        manager, active = org.lines_on(friday)
        active &= org.start <= friday
        in_q = (won_q == q) & (won.day <= friday)
        closed = np.bincount(won.owner[in_q], won.amount[in_q], minlength=org.size)
        commit, best, step = _judgement(
            rng, org, min((friday - starts[q]) // 7 / 13, 1.0),
            rollup(closed, manager, active), rollup(wins[:, q], manager, active), surprise[:, q])
        skip = rng.random(org.size) < np.where((k == last) & (org.role < REP), 0.19, 0.04)
        who = np.nonzero(active & ~skip)[0]
        rows, at = _submit(rng, friday, q, who, commit, best, step)
        calls += rows
        adjustments.append(_adjust(rng, org, q, who, manager[who], commit, best, at, adjust_rate))
    call_cols = [np.concatenate(c) for c in zip(*calls, strict=True)]
    adj_cols = [np.concatenate(c) for c in zip(*adjustments, strict=True)]
    call_cols[-1] = np.minimum(call_cols[-1], tl.now)
    adj_cols[-1] = np.minimum(adj_cols[-1], tl.now)
    return Calls(*call_cols), Adjustments(*adj_cols)
