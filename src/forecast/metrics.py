"""Every number the product shows, declared once: name, label, formula, description, format.

The UI shows `formula` and `description` next to the number (one click away), so the words
here are what users read. Definitions follow the project's docs/definitions.md.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    formula: str
    description: str
    fmt: str  # 'currency' | 'percent' | 'multiple' | 'count'


_METRICS = [
    Metric("closed", "Closed", "sum(amount) of deals won with close date in the period",
           "Won business booked in the period.", "currency"),
    Metric("commit_forecast", "Commit forecast", "Closed + Commit",
           "What the team is confident of landing: won so far plus open deals in Commit.",
           "currency"),
    Metric("best_case_forecast", "Best Case forecast", "Closed + Commit + Best Case",
           "The most the team could reasonably land this period.", "currency"),
    Metric("open_pipeline", "Open pipeline", "Pipeline + Best Case + Commit (open deals only)",
           "Every open deal closing in the period that is not omitted.", "currency"),
    Metric("upside", "Upside", "Best Case forecast - Commit forecast",
           "What could land beyond the commit.", "currency"),
    Metric("commit", "Commit (category)", "sum(amount) of open deals in Commit",
           "Single-category view: only deals whose forecast category is Commit.", "currency"),
    Metric("best_case", "Best Case (category)", "sum(amount) of open deals in Best Case",
           "Single-category view: only deals whose forecast category is Best Case.", "currency"),
    Metric("pipeline", "Pipeline (category)", "sum(amount) of open deals in Pipeline",
           "Single-category view: only deals whose forecast category is Pipeline.", "currency"),
    Metric("quota", "Quota", "the person's own quota for the period, as of the chosen date",
           "A manager's own quota may differ from the sum of the quotas below.", "currency"),
    Metric("quota_below", "Quota of reports", "sum of the direct reports' own quotas",
           "Compare with the manager's own quota to see over-assignment.", "currency"),
    Metric("attainment", "Attainment", "Closed / Quota",
           "Share of quota already won.", "percent"),
    Metric("gap_to_quota", "Gap to quota", "Quota - Commit forecast",
           "What the team still needs beyond its commit (negative = commit above quota).",
           "currency"),
    Metric("gap_to_quota_closed", "Gap to quota (closed)", "Quota - Closed",
           "What is still to be won this period.", "currency"),
    Metric("coverage", "Pipeline coverage", "Open pipeline / (Quota - Closed)",
           "How many times the open pipeline covers what is still to be won; about 3x at the "
           "start of a quarter is the usual rule of thumb. Blank when quota is met.", "multiple"),
    Metric("weighted_pipeline", "Weighted pipeline",
           "Closed + sum(open amount x probability)",
           "Probability is the deal's own, else the stage default from the stages table.",
           "currency"),
]

METRICS: dict[str, Metric] = {m.name: m for m in _METRICS}


def metric(name: str) -> Metric:
    return METRICS[name]


def help_text(name: str) -> str:
    """The text shown behind a number's help icon: formula, then meaning."""
    m = METRICS[name]
    return f"**{m.label}** = {m.formula}\n\n{m.description}"

_LADDER = [
    Metric("system_commit", "System commit", "Closed + Commit of every deal in the subtree",
           "What the deals say, before anyone's judgement.", "currency"),
    Metric("rolled_up_commit", "Rolled-up commit",
           "own deals' Closed + Commit + the effective commit of each direct report",
           "What reaches this person from below, as submitted and adjusted.", "currency"),
    Metric("call_commit", "Own call (commit)", "the person's latest commit call",
           "Carried forward from an earlier week when no new call was made (marked stale).",
           "currency"),
    Metric("adj_commit", "Manager's adjustment (commit)",
           "the latest change to this call by the person's manager",
           "Changes what rolls up to the manager, not the person's own call.", "currency"),
    Metric("effective_commit", "Effective commit",
           "adjustment if any, else own call if any, else rolled-up commit",
           "What this person contributes to their manager's number.", "currency"),
    Metric("accuracy", "Forecast accuracy", "max(0, 1 - |actual - call| / actual)",
           "1 = the call matched what closed. The call is the one standing at the lock of the "
           "chosen week of the period; actual = Closed at the end of the period.", "percent"),
    Metric("bias", "Bias", "mean of (call - actual) / actual",
           "Positive = over-calling, negative = sandbagging.", "percent"),
]
METRICS.update({m.name: m for m in _LADDER})

# What-if (forecast.whatif): the projected range, the learned chances and how far to trust them
_WHATIF = [
    Metric("whatif_p10", "P10", "the landing 90 % of the simulations reach or beat",
           "A cautious number: 9 periods in 10 should land at or above it. Landing = Closed + "
           "open deals won in the period + new deals created and won in it.", "currency"),
    Metric("whatif_p50", "P50", "the landing half of the simulations reach or beat",
           "The middle of the range.", "currency"),
    Metric("whatif_p90", "P90", "the landing only 10 % of the simulations reach or beat",
           "An optimistic number: 1 period in 10 should land at or above it.", "currency"),
    Metric("whatif_mean", "Mean landing", "mean of the simulated landings",
           "Closed + sum(open amount x learned chance of being won in the period) + expected "
           "new pipeline won.", "currency"),
    Metric("p_reach_quota", "Chance of reaching quota",
           "share of simulations landing at or above the quota",
           "Blank when no quota is set.", "percent"),
    Metric("p_reach_call", "Chance of reaching the call",
           "share of simulations landing at or above the submitted commit call",
           "The team lead's call standing at the as-of date.", "percent"),
    Metric("expected_new_pipeline", "New pipeline won (expected)",
           "mean per past period of deals created after this point and won before its end",
           "From the team's last periods at the same point; a deal's amount is drawn from the "
           "past ones, their number from a Poisson distribution.", "currency"),
    Metric("p_won", "Learned chance", "chance of closing in the period x win rate if it closes",
           "Learned from deals open at the same point of past periods, by stage, then deal "
           "type and segment, then age and size; thin groups are pulled toward the level "
           "above, and stages without history use the stage default (closes on time, stage "
           "probability).",
           "percent"),
    Metric("p_close", "Chance of closing in the period",
           "(closed in period + 10 x prior) / (deals + 10)",
           "Closed = won or lost by the period's end; 1 - this is the slip rate.", "percent"),
    Metric("p_win", "Win rate if it closes", "won in period / closed in period, shrunk",
           "Won / (won + lost) of deals like it, pulled toward the stage's rate.", "percent"),
    Metric("projection_accuracy", "Projection accuracy", "max(0, 1 - |actual - P50| / actual)",
           "Backtest: what the method said at each week of past periods (learning only from "
           "periods ended by then) against what closed.", "percent"),
    Metric("projection_bias", "Projection bias", "mean of (P50 - actual) / actual",
           "Positive = the method projected too much, negative = too little.", "percent"),
    Metric("range_hit_rate", "Actual inside the range", "share of backtest weeks with "
           "P10 <= actual <= P90",
           "About 80 % means the range is as wide as it should be; less means too narrow.",
           "percent"),
    Metric("brier_score", "Brier score", "mean of (chance given - outcome)^2",
           "Outcome 1 if won in the period, else 0. Lower is better; 0.25 is what a flat 50 % "
           "scores on even odds.", "score"),  # shown with three decimals
]
METRICS.update({m.name: m for m in _WHATIF})
