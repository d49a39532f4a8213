"""Overview: every headline KPI for a period against a comparison period and its goal, and their trends."""

import pandas as pd
import plotly.express as px
import streamlit as st

from dashboards.data import load
from dashboards.ui import fmt, label, nothing_to_show, period_filter, t, translated_choice

# How a KPI reads: money in the reporting currency, a percentage, a signed score, or a plain number.
MONEY_KPIS = {"revenue", "average_order_value"}
SCORE_KPIS = {"nps"}
LOWER_IS_BETTER = {"average_first_response_minutes", "average_resolution_hours", "average_sales_cycle_days",
                   "email_unsubscribe_rate"}
# The cards' order; KPIs the marts add later follow in alphabetical order.
LEADING_KPIS = ["revenue", "new_customers", "new_leads", "orders_completed", "average_order_value", "nps",
                "email_open_rate", "email_click_rate", "lead_to_customer_rate", "deal_win_rate", "web_visitors",
                "support_tickets", "average_first_response_minutes", "csat"]

st.title(t("page.overview"))
first_day, last_day, currency = load("date_bounds")
if first_day is None:
    nothing_to_show("common.no_activity")
    st.stop()

period = period_filter(first_day, last_day)
if period is None:
    st.stop()
comparison = translated_choice(st.sidebar.radio, t("overview.compare_with"), ["previous", "year_before"],
                               "overview_comparison", "previous", format_func=lambda v: t(f"overview.compare.{v}"))
compare_with = period.previous() if comparison == "previous" else period.year_before()
f = fmt()


def kpi_text(kpi: str, value) -> str:
    if kpi in MONEY_KPIS:
        return f.money(value, currency, 2 if kpi == "average_order_value" else 0)
    if kpi in SCORE_KPIS:
        return f.signed(value, 1)
    if kpi.endswith("_rate"):
        return f.points(value)
    return f.number(value, 0 if float(value or 0).is_integer() else 1)


def delta_text(kpi: str, value, before) -> str | None:
    if pd.isna(value) or pd.isna(before):
        return None
    if kpi.endswith("_rate") or kpi in SCORE_KPIS:
        return t("overview.delta_points", value=f.signed(value - before, 1))
    if before == 0:
        return None
    return f.signed(100 * (value - before) / abs(before), 1) + "%"


st.caption(t("overview.caption", start=f.date(period.start), end=f.date(period.end), days=period.days,
             compare_start=f.date(compare_with.start), compare_end=f.date(compare_with.end), currency=currency))

kpis = load("kpi_comparison", period, compare_with)
if kpis.empty:
    nothing_to_show("common.no_activity")
    st.stop()
goals = load("goal_progress").set_index("kpi")
order = [k for k in LEADING_KPIS if k in set(kpis["kpi"])] + sorted(set(kpis["kpi"]) - set(LEADING_KPIS))
by_kpi = kpis.set_index("kpi")

st.subheader(t("overview.kpis"))
columns = st.columns(4)
for position, kpi in enumerate(order):
    row = by_kpi.loc[kpi]
    goal = goals.loc[[kpi]].iloc[0] if kpi in goals.index else None
    with columns[position % 4].container(border=True):
        st.metric(label("kpi", kpi), kpi_text(kpi, row["value"]), delta_text(kpi, row["value"], row["compare_value"]),
                  delta_color="inverse" if kpi in LOWER_IS_BETTER else "normal")
        if goal is None:
            st.caption(t("overview.no_goal"))
        else:
            icon = {"on_track": "🟢", "at_risk": "🟠", "off_track": "🔴"}.get(goal["status"], "⚪")
            st.caption(f"{icon} {t('overview.goal')} {kpi_text(kpi, goal['target_value'])} · "
                       f"{label('goal_status', goal['status'])}",
                       help=t("overview.goal_note", status=label("goal_status", goal["status"]),
                              target=kpi_text(kpi, goal["target_value"]), deadline=f.date(goal["deadline"]),
                              current=kpi_text(kpi, goal["current_value"]),
                              month=f.month(goal["current_period_start"])))

st.subheader(t("overview.goals"))
if goals.empty:
    nothing_to_show("overview.no_goals")
else:
    goal_table = goals.reset_index()
    st.dataframe(pd.DataFrame({
        t("overview.col.kpi"): [label("kpi", k) for k in goal_table["kpi"]],
        t("overview.col.goal"): goal_table["description"],
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
    }), hide_index=True, width="stretch")

st.subheader(t("overview.trends"))
grain = translated_choice(st.radio, t("overview.grain"), ["week", "month"], "overview_grain", "week",
                          horizontal=True, format_func=lambda g: t(f"grain.{g}"))
picked = translated_choice(st.multiselect, t("overview.trend_kpis"), order, "overview_trend_kpis",
                           [k for k in ("revenue", "new_customers") if k in order],
                           format_func=lambda k: label("kpi", k))
trend = load("kpi_trend", grain, period, tuple(picked)) if picked else pd.DataFrame()
if trend.empty:
    nothing_to_show("common.no_data")
else:
    trend = trend.assign(kpi=[label("kpi", k) for k in trend["kpi"]])
    figure = px.line(trend, x="period_start", y="kpi_value", color="kpi", facet_row="kpi", markers=True,
                     labels={"period_start": t(f"grain.{grain}"), "kpi_value": "", "kpi": ""})
    figure.update_yaxes(matches=None)
    figure.for_each_annotation(lambda a: a.update(text=""))
    figure.update_layout(height=220 * len(picked) + 60, showlegend=True)
    st.plotly_chart(figure, width="stretch", key="kpi_trend_chart")

published = load("publication")
if published:
    st.caption(t("common.published", when=f.datetime(published.get("published_at")),
                 build=str(published.get("build_id"))[:8]))
