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
