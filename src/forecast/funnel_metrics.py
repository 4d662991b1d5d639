"""The funnel's numbers, declared once (name, label, formula, description, format) and
registered in `forecast.metrics.METRICS`, so the page shows these words next to each number.

Formats beyond the shared ones ('currency', 'percent', 'multiple', 'count'): 'minutes',
'days' and 'currency_per_day'; `text` turns any funnel metric's value into its string.
"""

from __future__ import annotations

from forecast import formatting
from forecast.metrics import METRICS, Metric

_FUNNEL = [
    Metric("funnel_entrants", "Entrants",
           "journeys the view counts at the step",
           "Period view: journeys that entered the step inside the window. Cohort view: "
           "leads (and direct deals) created inside the window that reached the step by the "
           "as-of date. Strict: only journeys that passed every earlier step; any stage: "
           "every journey that reached it (including direct deals without a lead and leads "
           "that skipped a step).", "count"),
    Metric("funnel_value", "Value",
           "sum of the journeys' values",
           "A journey's value is its deal amount once it has an opportunity; before that, the "
           "average won deal size of its deal type (all deals in the store won by the as-of "
           "date; the overall average when the type is unknown).", "currency"),
    Metric("funnel_conv_next", "Next-step conversion",
           "entrants of the step / entrants of the step before it",
           "In the period view the two counts are different people, so the ratio can pass "
           "100 %. A step the data only records occupants of is skipped as 'step before'.",
           "percent"),
    Metric("funnel_conv_cumulative", "Cumulative conversion",
           "entrants of the step / entrants of the first step",
           "How much of the top of the funnel reaches this step, in the same view and "
           "counting.", "percent"),
    Metric("funnel_win_rate", "Win rate",
           "won / (won + lost), by count",
           "Period view: deals closed in the window; cohort view: deals of the window's "
           "cohort closed by the as-of date. Benchmarks: about 30 % for new business "
           "(hunters), 75 % for existing customers (farmers).", "percent"),
    Metric("funnel_leak_benchmark", "Leak vs benchmark",
           "(benchmark low end - actual rate) x entrants x downstream value per converted "
           "entrant, only when actual < low end",
           "Benchmarks: MQL -> SRL 20-40 %, SRL -> SQL 80-90 %, win rate 30 % new / 75 % "
           "existing (configurable). 0 when the rate meets the low end; blank when the "
           "transition has no benchmark.", "currency"),
    Metric("funnel_leak_past", "Leak vs best past quarter",
           "(best past quarter's rate - actual rate) x entrants x downstream value per "
           "converted entrant, only when actual < best",
           "Best past quarter: the highest rate of the same transition, view, counting and "
           "split value among the previous fiscal quarters (4 by default) with enough "
           "entrants (20 by default).", "currency"),
    Metric("funnel_leak_total", "Value lost in leaks",
           "sum of the leak values of every transition (no split)",
           "What the funnel would have won more had each transition met its reference.",
           "currency"),
    Metric("funnel_downstream_value", "Downstream value per converted entrant",
           "won amount / resolved journeys (won, lost or disqualified) among everyone who "
           "reached the later step by the as-of date",
           "What one more entrant of the step is worth in won business; open journeys are "
           "left out so young pipeline does not shrink it. For a win rate: the average won "
           "deal size of the deal type.", "currency"),
    Metric("funnel_share_fast", "Answered within 5 minutes",
           "leads answered within the fast mark (inclusive) / leads due",
           "Leads contacted within 5 minutes are about nine times as likely to convert. A "
           "lead is due once answered or once the mark has passed unanswered by the as-of "
           "date.", "percent"),
    Metric("funnel_sla_target", "SLA compliance (target)",
           "leads answered within the target (inclusive: exactly 30 minutes is within) / "
           "leads due",
           "A lead is due once answered or once its deadline passed unanswered by the as-of "
           "date; a lead whose clock is still running is not counted yet.", "percent"),
    Metric("funnel_sla_max", "SLA compliance (maximum)",
           "leads answered within the maximum (inclusive: exactly 1 day is within) / leads "
           "due",
           "The service level says: never later than the maximum.", "percent"),
    Metric("funnel_median_response", "Median first response",
           "median minutes from MQL to the first response, answered leads",
           "Leads not answered by the as-of date are left out (see the Not answered bucket).",
           "minutes"),
    Metric("funnel_response_conversion", "Conversion by response time",
           "leads of the bucket that reached the next step after MQL / leads of the bucket",
           "Next step: SRL, or whichever step follows MQL in this data.", "percent"),
    Metric("funnel_no_show_rate", "No-show rate",
           "demos marked no-show / demos booked (leads of the view)",
           "A booked demo where the lead did not turn up.", "percent"),
    Metric("funnel_untouched", "Untouched leads",
           "open leads that reached MQL with no response and no touch by the as-of date",
           "Open = neither disqualified nor turned into an opportunity; counted for the whole "
           "team as of the as-of date, whatever the window.", "count"),
    Metric("funnel_open_leads", "Open leads",
           "leads owned, neither disqualified nor turned into an opportunity",
           "Per rep as of the as-of date; above the cap (500 by default) follow-up suffers.",
           "count"),
    Metric("funnel_lead_age", "Median lead age",
           "median days from a lead's creation to the as-of date, open leads",
           "Old open leads (over 60 days by default) are usually neglected ones.", "days"),
    Metric("funnel_time_in_stage", "Time in stage",
           "days per deal in the stage, total of its completed visits",
           "A visit ends at the deal's next stage event (or its win or loss); a deal going "
           "back to a stage adds each completed visit. Median and quartiles over deals.",
           "days"),
    Metric("funnel_stage_velocity", "Stage-to-stage days",
           "days from the first entry into a step to the first entry into the next",
           "Journeys of the view that reached both steps with dates.", "days"),
    Metric("funnel_stalled", "Stalled",
           "open deals whose current stage visit is older than the stall limit",
           "The stall limit is 60 days by default (setting funnel_stall_days).", "count"),
    Metric("funnel_volume", "Volume", "opportunities created in the period",
           "Every opportunity counts as qualified pipeline.", "count"),
    Metric("funnel_pipeline_value", "Value", "amount of the opportunities created in the "
           "period", "The second V: what the new qualified pipeline is worth.", "currency"),
    Metric("funnel_cycle_days", "Velocity (cycle days)",
           "average days from opportunity creation to win, deals won in the period",
           "The third V: how fast the qualified pipeline turns into business.", "days"),
    Metric("funnel_sales_velocity", "Sales velocity",
           "qualified deals x average won deal size x win rate / average cycle days",
           "Dollars the pipeline produces per day. Qualified deals = opportunities created "
           "in the period; deal size, win rate and cycle from deals closed in it.",
           "currency_per_day"),
]
METRICS.update({m.name: m for m in _FUNNEL})


def text(name: str, value: float | None) -> str:
    """`value` as metric `name` shows it."""
    fmt = METRICS[name].fmt
    if fmt in ("minutes", "days", "currency_per_day"):
        if value is None or value != value:
            return "–"
        if fmt == "currency_per_day":
            return f"{formatting.currency(value)}/day"
        unit = "min" if fmt == "minutes" else "days"
        return f"{value:,.1f} {unit}"
    return formatting.metric_value(name, value)
