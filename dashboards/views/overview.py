"""Overview: every headline KPI of a month or week against the previous one, the same period a year before or the
baseline, with its goal and whether it is on track; and their trends over the date range."""

import pandas as pd
import streamlit as st

from dashboards.charts import period_lines
from dashboards.data import load
from dashboards.queries import overview as queries
from dashboards.queries import shared
from dashboards.ui import (
    data_bounds_or_stop,
    fmt,
    label,
    nothing_to_show,
    period_filter,
    period_label,
    show_table,
    t,
    translated_choice,
)

# How a KPI reads: money in the reporting currency, a percentage, a signed score, or a plain number.
MONEY_KPIS = {"revenue", "average_order_value", "open_pipeline", "weighted_pipeline", "overdue_invoice_amount"}
SCORE_KPIS = {"nps"}
PERCENT_KPIS = {"campaign_roi"}
DAY_KPIS = {"average_sales_cycle_days"}
LOWER_IS_BETTER = {"average_first_response_minutes", "average_resolution_hours", "average_sales_cycle_days",
                   "email_unsubscribe_rate", "customer_churn_rate", "cart_abandonment_rate", "overdue_invoices",
                   "overdue_invoice_amount"}
# KPIs whose name alone could mislead: their card explains what they measure (the glossary's words).
EXPLAINED_KPIS = {"customer_retention_rate", "customer_churn_rate"}
# The cards' order; KPIs the marts add later follow in alphabetical order.
LEADING_KPIS = ["revenue", "new_customers", "active_customers", "new_leads", "orders_completed", "average_order_value",
                "repeat_purchase_rate", "customer_retention_rate", "customer_churn_rate", "nps", "open_pipeline",
                "weighted_pipeline", "deal_win_rate", "lead_to_customer_rate", "email_open_rate", "email_click_rate",
                "campaign_roi", "web_visitors", "cart_abandonment_rate", "support_tickets",
                "average_first_response_minutes", "csat", "overdue_invoices", "overdue_invoice_amount"]

st.title(t("page.overview"))
first_day, last_day, currency = data_bounds_or_stop()
f = fmt()

# The cards: one period of a grain (by default the latest complete month) against a comparison.
grain = translated_choice(st.sidebar.radio, t("overview.grain"), ["month", "week"], "overview_grain", "month",
                          horizontal=True, format_func=lambda g: t(f"grain.{g}"))
periods = load(queries.kpi_periods, grain)
if periods.empty:
    nothing_to_show("common.no_activity")
    st.stop()
in_progress = set(periods.loc[~periods["is_complete"], "period_start"])
complete = periods.loc[periods["is_complete"], "period_start"]
period_starts = list(periods["period_start"])


def period_name(start) -> str:
    return period_label(start, grain, start in in_progress)


period_start = translated_choice(st.sidebar.selectbox, t("overview.period"), period_starts,
                                 f"overview_period_{grain}",
                                 complete.iloc[0] if len(complete) else period_starts[0], format_func=period_name)
comparison = translated_choice(st.sidebar.radio, t("overview.compare_with"), list(queries.KPI_COMPARISONS),
                               "overview_comparison", "previous", format_func=lambda v: t(f"overview.compare.{v}"))


def kpi_text(kpi: str, value) -> str:
    if kpi in MONEY_KPIS:
        return f.money(value, currency, 2 if kpi == "average_order_value" else 0)
    if kpi in SCORE_KPIS:
        return f.signed(value, 1)
    if kpi.endswith("_rate") or kpi in PERCENT_KPIS:
        return f.points(value)
    if kpi in DAY_KPIS:
        return f.days(value)
    return f.number(value, 0 if pd.isna(value) or float(value).is_integer() else 1)


def in_points(kpi: str) -> bool:
    """Whether a change of the KPI reads in points (a rate, a score, a percentage) rather than in percent."""
    return kpi.endswith("_rate") or kpi in SCORE_KPIS | PERCENT_KPIS


def change_text(kpi: str, value, before) -> str | None:
    if pd.isna(value) or pd.isna(before):
        return None
    if in_points(kpi):
        return t("overview.delta_points", value=f.signed(value - before, 1))
    if before == 0:
        return None
    return f.signed(100 * (value - before) / abs(before), 1) + "%"


def goal_text(goal) -> str:
    """What a goal asks, in the reader's language, from its fields (goals.csv's description is one language's)."""
    if pd.isna(goal["baseline_value"]):
        return t("overview.goal_text_without_baseline", kpi=label("kpi", goal["kpi"]),
                 deadline=f.date(goal["deadline"]))
    return t("overview.goal_text", kpi=label("kpi", goal["kpi"]), target=kpi_text(goal["kpi"], goal["target_value"]),
             deadline=f.date(goal["deadline"]), baseline=kpi_text(goal["kpi"], goal["baseline_value"]),
             change=change_text(goal["kpi"], goal["target_value"], goal["baseline_value"]) or "–")


st.caption(t("overview.caption", period=period_name(period_start), comparison=t(f"overview.compare.{comparison}"),
             currency=currency))

kpis = load(queries.kpi_snapshot, grain, period_start, comparison)
if kpis.empty:
    nothing_to_show("common.no_activity")
    st.stop()
goals = load(queries.goal_progress).set_index("kpi")
order = [k for k in LEADING_KPIS if k in set(kpis["kpi"])] + sorted(set(kpis["kpi"]) - set(LEADING_KPIS))
by_kpi = kpis.set_index("kpi")

st.subheader(t("overview.kpis"))
columns = st.columns(4)
for position, kpi in enumerate(order):
    row = by_kpi.loc[kpi]
    goal = goals.loc[[kpi]].reset_index().iloc[0] if kpi in goals.index else None
    with columns[position % 4].container(border=True):
        st.metric(label("kpi", kpi), kpi_text(kpi, row["value"]), change_text(kpi, row["value"], row["compare_value"]),
                  delta_color="inverse" if kpi in LOWER_IS_BETTER else "normal",
                  help=t(f"kpi_help.{kpi}") if kpi in EXPLAINED_KPIS else None)
        if goal is None:
            st.caption(t("overview.no_goal"))
        elif goal["period_grain"] != grain:
            # A goal is judged at its own grain: a monthly goal says nothing about a week.
            st.caption(t(f"overview.goal_judged_by.{goal['period_grain']}", target=kpi_text(kpi, goal["target_value"])),
                       help=goal_text(goal))
        else:
            icon = {"on_track": "🟢", "at_risk": "🟠", "off_track": "🔴", "achieved": "🟢", "missed": "🔴"}.get(
                goal["status"], "⚪")
            st.caption(f"{icon} {t('overview.goal')} {kpi_text(kpi, goal['target_value'])} · "
                       f"{label('goal_status', goal['status'])}",
                       help=t("overview.goal_note", status=label("goal_status", goal["status"]),
                              target=kpi_text(kpi, goal["target_value"]), deadline=f.date(goal["deadline"]),
                              current=kpi_text(kpi, goal["current_value"]),
                              period=period_label(goal["current_period_start"], goal["period_grain"])))

st.subheader(t("overview.goals"))
if goals.empty:
    nothing_to_show("overview.no_goals")
else:
    goal_table = goals.reset_index()
    show_table({
        t("overview.col.kpi"): [label("kpi", k) for k in goal_table["kpi"]],
        t("overview.col.goal"): [goal_text(goal) for _, goal in goal_table.iterrows()],
        t("overview.col.judged_on"): [period_label(start, grain) for start, grain in
                                      zip(goal_table["current_period_start"], goal_table["period_grain"], strict=True)],
        t("overview.col.baseline"): [kpi_text(k, v) for k, v in zip(goal_table["kpi"], goal_table["baseline_value"],
                                                                      strict=True)],
        t("overview.col.current"): [kpi_text(k, v) for k, v in zip(goal_table["kpi"], goal_table["current_value"],
                                                                     strict=True)],
        t("overview.col.path"): [kpi_text(k, v) for k, v in zip(goal_table["kpi"], goal_table["path_value"],
                                                                  strict=True)],
        t("overview.col.target"): [kpi_text(k, v) for k, v in zip(goal_table["kpi"], goal_table["target_value"],
                                                                    strict=True)],
        t("overview.col.deadline"): [f.date(d) for d in goal_table["deadline"]],
        t("overview.col.status"): [label("goal_status", s) for s in goal_table["status"]],
    })

st.subheader(t("overview.trends"))
period = period_filter(first_day, last_day)
if period is None:
    st.stop()
picked = translated_choice(st.multiselect, t("overview.trend_kpis"), order, "overview_trend_kpis",
                           [k for k in ("revenue", "new_customers") if k in order],
                           format_func=lambda k: label("kpi", k))
trend = load(queries.kpi_trend, grain, period, tuple(picked)) if picked else pd.DataFrame()
if trend.empty:
    nothing_to_show("common.no_data")
else:
    trend = trend.assign(kpi=[label("kpi", k) for k in trend["kpi"]], in_progress=~trend["is_complete"].astype(bool))
    trend["period"] = [period_label(start, grain, ongoing)
                       for start, ongoing in zip(trend["period_start"], trend["in_progress"], strict=True)]
    figure = period_lines(trend.sort_values("period_start"), x="period", y="kpi_value", series="kpi",
                          facet_row="kpi", in_progress="in_progress",
                          labels={"period": t(f"grain.{grain}"), "kpi_value": "", "kpi": ""})
    figure.update_yaxes(matches=None, tickformat=",")  # 8,000 as the cards write it
    figure.for_each_annotation(lambda a: a.update(text=""))
    figure.update_layout(height=220 * len(picked) + 60, showlegend=True)
    st.plotly_chart(figure, width="stretch", key="kpi_trend_chart")

published = load(shared.publication)
if published:
    st.caption(t("common.published", when=f.datetime(published.get("published_at")),
                 build=str(published.get("build_id"))[:8]))
