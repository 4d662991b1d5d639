"""Where the funnel leaks, and what each leak costs.

**Transitions.** Each step of the funnel (`forecast.funnel`) is reached from the required
step before it: entrants = journeys the view counts at the earlier step, converted = at the
later one, rate = converted / entrants (the next-step conversion, in the chosen counting).
The win rate is its own transition, per deal type: entrants = deals won + lost in the view,
converted = won (DOMAIN: win rate by count = won / (won + lost)).

**References.** The benchmark ranges of the settings: MQL -> SRL 20-40 %, SRL -> SQL
80-90 % (only when the two steps are adjacent in this data's funnel), win rate 30 % for new
business (hunters) and 75 % for existing customers (farmers). The company's own past: the
best rate among the `past_quarters` fiscal quarters before the window, same view, same
counting, same split value, among quarters with at least `min_past_entrants` entrants.

**Leak value** = (reference rate - actual rate) x entrants x downstream value per converted
entrant, only when the actual rate is below the reference (the benchmark's *low* end, or the
best past quarter); otherwise 0. *Downstream value per converted entrant* of a step = won
amount / resolved journeys (won, lost or disqualified) among every journey of the team that
reached the step by the as-of date, in the same counting and split value (the whole team's
when the split value has no resolved journey): what one more entrant is worth in won
business. Journeys still open are left out so that young pipeline does not shrink it. For
the win rate it is the average won deal size of the deal type.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd

from forecast import funnel, queries
from forecast.calendar import fiscal_start_month, period_containing
from forecast.funnel import NAN, Scope, Window

REFERENCES = {
    "benchmark": "Benchmark (low end of the range)",
    "past": "Best past quarter",
}
WIN_PREFIX = "win:"


def past_quarters(con: duckdb.DuckDBPyConnection, window: Window,
                  count: int) -> dict[str, tuple[date, date]]:
    """The `count` fiscal quarters that end before the window starts, most recent first."""
    start_month = fiscal_start_month(con)
    out: dict[str, tuple[date, date]] = {}
    day = window.start - timedelta(days=1)
    for _ in range(count):
        q = period_containing(day, "quarter", start_month)
        out[q.period_id] = (q.start_date, q.end_date)
        day = q.start_date - timedelta(days=1)
    return out


def transitions(scope: Scope, deal_types: list[str]) -> pd.DataFrame:
    """One row per transition: transition_key, from_key, to_key, label, bench_low,
    bench_high (NaN = no benchmark), deal_type (win rows only)."""
    s = scope.settings
    bench = {("mql", "srl"): s.bench_mql_srl, ("srl", "sql"): s.bench_srl_sql}
    rows = []
    for row in scope.catalog.itertuples():
        if pd.isna(row.prev_key) or not row.is_required:
            continue
        low, high = bench.get((row.prev_key, row.step_key), (np.nan, np.nan))
        rows.append({"transition_key": f"{row.prev_key}>{row.step_key}",
                     "from_key": row.prev_key, "to_key": row.step_key,
                     "label": f"{scope.label(row.prev_key)} → {row.label}",
                     "bench_low": low, "bench_high": high, "deal_type": None})
    if scope.has("won"):
        win_bench = {"new": s.bench_win_new, "existing": s.bench_win_existing}
        for deal_type in deal_types:
            low, high = win_bench.get(deal_type, (np.nan, np.nan))
            rows.append({"transition_key": WIN_PREFIX + deal_type, "from_key": None,
                         "to_key": "won",
                         "label": f"Win rate ({_type_label(deal_type)})",
                         "bench_low": low, "bench_high": high, "deal_type": deal_type})
    return pd.DataFrame(rows, columns=["transition_key", "from_key", "to_key", "label",
                                       "bench_low", "bench_high", "deal_type"])


def _type_label(deal_type: str) -> str:
    return "deal type unknown" if deal_type == "(none)" else deal_type


def _window_table(counts: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """funnel.step_table per window and split value (both countings)."""
    return funnel.step_table(counts, scope, counts[["window_id", "split_value"]].drop_duplicates())


# The leak tables are worked in plain Python over a few hundred rows: every pandas merge or
# groupby there costs more than the arithmetic. A rate is keyed (window_id, split_value,
# transition_key) and holds (entrants, converted).
Rates = dict[tuple[str, str, str], tuple[int, int]]


def _step_rates(table: pd.DataFrame, counting: str, trans: pd.DataFrame) -> Rates:
    """entrants (at the step before) / converted (at the step) per window, split value and
    step transition (`table`: _window_table)."""
    into = dict(zip(trans.to_key[trans.deal_type.isna()],
                    trans.transition_key[trans.deal_type.isna()], strict=True))
    columns = [table[c].tolist() for c in ("window_id", "split_value", "step_key",
                                           f"prev_entrants_{counting}", f"entrants_{counting}")]
    return {(w, split, into[step]): (prev, n)
            for w, split, step, prev, n in zip(*columns, strict=True) if step in into}


def _win_rates(counts: pd.DataFrame) -> Rates:
    """won + lost / won per window, split value and deal type (WIN_PREFIX + deal type)."""
    closed = counts[counts.step_key.isin(["won", "lost"])]
    found: dict[tuple[str, str, str], list[int]] = {}
    columns = [closed[c].tolist() for c in ("window_id", "split_value", "deal_type", "step_key",
                                            "entrants_any")]
    for w, split, deal_type, step, n in zip(*columns, strict=True):
        if not isinstance(deal_type, str):  # no deal type: left out, as a groupby would
            continue
        won_lost = found.setdefault((w, split, WIN_PREFIX + deal_type), [0, 0])
        won_lost[step == "lost"] += n
    return {key: (won + lost, won) for key, (won, lost) in found.items()}


def _per_entrant(down: pd.DataFrame, by: list[str], won: str, resolved: str,
                 prefix: str = "") -> dict[tuple, float]:
    """Won amount / resolved journeys per `by` (the last key prefixed with `prefix`), NaN
    where none is resolved."""
    sums: dict[tuple, list[float]] = {}
    for *key, w, r in zip(*(down[c].tolist() for c in [*by, won, resolved]), strict=True):
        if any(not isinstance(k, str) for k in key):  # a missing key: left out
            continue
        into = sums.setdefault((*key[:-1], prefix + key[-1]), [0.0, 0.0])
        into[0] += w if w == w else 0.0
        into[1] += r if r == r else 0.0
    return {key: (w / r if r > 0 else NAN) for key, (w, r) in sums.items()}


def _downstream(down: pd.DataFrame, counting: str, by: list[str]) -> dict[tuple, float]:
    """Downstream value per converted entrant per `by` + value_key: steps in `counting`, and
    WIN_PREFIX + deal type for the win rate (won amount / won deals)."""
    return {**_per_entrant(down, [*by, "step_key"], f"won_{counting}_usd",
                           f"resolved_{counting}"),
            **_per_entrant(down[down.step_key == "won"], [*by, "deal_type"], "won_any_usd",
                           "resolved_any", WIN_PREFIX)}


LEAK_COLUMNS = ["counting", "split_value", "transition_key", "label", "from_key", "to_key",
                "deal_type", "entrants", "converted", "rate", "bench_low", "bench_high",
                "best_past_rate", "best_past_window", "downstream_usd", "leak_vs_benchmark_usd",
                "leak_vs_past_usd", "is_below_benchmark"]


def leak_table(counts: pd.DataFrame, downstream: pd.DataFrame, scope: Scope,
               current_id: str, past_ids: list[str], counting: str, *,
               table: pd.DataFrame | None = None, wins: Rates | None = None) -> pd.DataFrame:
    """One row per split value and transition for the current window: entrants, converted,
    rate, bench_low/high, best_past_rate (+ best_past_window), downstream_usd,
    leak_vs_benchmark_usd, leak_vs_past_usd, is_below_benchmark. Leak values are NaN where
    there is no reference or no downstream value; 0 where the rate meets the reference."""
    deal_types = sorted(set(counts.deal_type[counts.step_key.isin(["won", "lost"])]))
    trans = transitions(scope, deal_types)
    # `table` (_window_table) and `wins` (_win_rates) are the same in both countings: a
    # caller that wants both passes them in once
    table = _window_table(counts, scope) if table is None else table
    rates = {**_step_rates(table, counting, trans),
             **(_win_rates(counts) if wins is None else wins)}
    best = _best_past(rates, past_ids, scope.settings.min_past_entrants)
    per_split = _downstream(downstream, counting, ["split_value"])
    team = _downstream(downstream, counting, [])
    splits = sorted(set(counts.split_value[counts.window_id == current_id])) or ["All"]
    rows = []
    for split in splits:
        for t in trans.itertuples(index=False):
            entrants, converted = rates.get((current_id, split, t.transition_key), (0, 0))
            rate = funnel._div(converted, entrants)
            past_rate, past_window = best.get((split, t.transition_key), (NAN, NAN))
            value_key = t.to_key if pd.isna(t.deal_type) else t.transition_key
            value = per_split.get((split, value_key), NAN)
            value = team.get((value_key,), NAN) if value != value else value
            rows.append((counting, split, t.transition_key, t.label, t.from_key, t.to_key,
                         t.deal_type, int(entrants), int(converted), rate, t.bench_low,
                         t.bench_high, past_rate, past_window, value,
                         _leak(t.bench_low, rate, entrants, value),
                         _leak(past_rate, rate, entrants, value), rate < t.bench_low))
    return pd.DataFrame(rows, columns=LEAK_COLUMNS)


def _best_past(rates: Rates, past_ids: list[str],
               min_entrants: int) -> dict[tuple[str, str], tuple[float, str]]:
    """The best rate per split value and transition among the past windows with at least
    `min_entrants` entrants (ties: the latest window), with the window it came from."""
    best: dict[tuple[str, str], tuple[float, str]] = {}
    for (window, split, key), (entrants, converted) in rates.items():
        if window not in past_ids or entrants < max(min_entrants, 1):
            continue
        rate = funnel._div(converted, entrants)
        if rate == rate and (rate, window) > best.get((split, key), (-1.0, "")):
            best[(split, key)] = (rate, window)
    return best


def _leak(reference: float, rate: float, entrants: int, downstream: float) -> float:
    """(reference - rate) x entrants x downstream value when the rate is below the
    reference, else 0; NaN when any of them is missing."""
    return max(reference - rate, 0.0) * entrants * downstream if (
        reference == reference and rate == rate) else NAN


def ranking(leaks: pd.DataFrame, reference: str = "benchmark", top: int = 15) -> pd.DataFrame:
    """The leaks with a value above 0 against `reference`, largest first (at most `top`),
    with `leak_usd` and a `name` (transition, and split value when split)."""
    if reference not in REFERENCES:
        raise funnel.FunnelError(f"'{reference}' is not a reference; pick benchmark or past.")
    column = "leak_vs_benchmark_usd" if reference == "benchmark" else "leak_vs_past_usd"
    found = leaks[leaks[column] > 0].assign(leak_usd=lambda d: d[column])
    name = found.label + (" · " + found.split_value if (found.split_value != "All").any()
                          else "")
    found = found.assign(name=name).sort_values(["leak_usd", "name"], ascending=[False, True])
    return found.head(top).reset_index(drop=True)


def both_countings(counts: pd.DataFrame, down: pd.DataFrame, scope: Scope,
                   past_ids: list[str], *, whole_team: bool = False) -> pd.DataFrame:
    """`leak_table` in each counting, stacked; `whole_team` folds the split values into one
    ('All') first, so the rates are the team's, not a mix of its parts."""
    if whole_team:
        counts, down = counts.assign(split_value="All"), down.assign(split_value="All")
    table, wins = _window_table(counts, scope), _win_rates(counts)
    return pd.concat([leak_table(counts, down, scope, "current", past_ids, c, table=table,
                                 wins=wins) for c in funnel.COUNTINGS], ignore_index=True)


def leaks(con: duckdb.DuckDBPyConnection, scope: Scope, window: Window, *,
          whole_team: bool = False) -> pd.DataFrame:
    """The leak table of `window` in both countings (see `leak_table`)."""
    past = past_quarters(con, window, scope.settings.past_quarters)
    windows = {"current": (window.start, window.last_day), **past}
    counts = funnel.step_counts(con, scope, window.view, windows)
    return both_countings(counts, downstream(con, scope), scope, list(past),
                          whole_team=whole_team)


def downstream(con: duckdb.DuckDBPyConnection, scope: Scope) -> pd.DataFrame:
    """Resolved journeys and won amount per split value, deal type and step, all time."""
    funnel.ensure(con, scope)
    return queries.frame(con, "funnel_downstream", **funnel.scope_params(scope))
