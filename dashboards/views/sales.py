"""Sales: the open pipeline by stage and expected close month, the weighted forecast, win rate, cycle length,
stalled deals and the owners' leaderboard."""

import plotly.express as px
import streamlit as st

from dashboards.data import load
from dashboards.queries import sales as queries
from dashboards.ui import (
    fmt,
    label,
    nothing_to_show,
    period_label,
    period_or_stop,
    show_table_or_say_empty,
    t,
)

st.title(t("page.sales"))
period, currency = period_or_stop()
f = fmt()

summary = load(queries.sales_summary, period)
cards = st.columns(4)
cards[0].metric(t("sales.open_pipeline"), f.money(summary["open_pipeline"], currency),
                help=t("sales.open_deals", count=f.number(summary["open_deals"])), border=True)
cards[1].metric(t("sales.weighted_pipeline"), f.money(summary["weighted_pipeline"], currency), border=True)
cards[2].metric(t("sales.win_rate"), f.percent(summary["win_rate"]),
                help=t("sales.won_lost", won=f.number(summary["won"]), lost=f.number(summary["lost"])), border=True)
cards[3].metric(t("sales.cycle_days"), f.days(summary["avg_cycle_days"]), border=True)
st.caption(t("sales.caption", start=f.date(period.start), end=f.date(period.end), currency=currency,
             stalled=f.number(summary["stalled_deals"]), won_revenue=f.money(summary["won_revenue"], currency)))

left, right = st.columns(2)
with left:
    st.subheader(t("sales.by_stage"))
    stages = load(queries.pipeline_by_stage)
    if stages.empty:
        nothing_to_show("sales.no_open_deals")
    else:
        long = stages.melt(id_vars=["stage", "stage_order"], value_vars=["open_pipeline", "weighted_pipeline"])
        long["stage"] = [label("deal_stage", s) for s in long["stage"]]
        long["variable"] = [t(f"sales.{v}") for v in long["variable"]]
        figure = px.bar(long, x="stage", y="value", color="variable", barmode="group",
                        labels={"stage": "", "value": currency, "variable": ""})
        figure.update_yaxes(tickformat=",")  # 1,200 as the cards write money
        st.plotly_chart(figure, width="stretch", key="pipeline_by_stage_chart")
with right:
    st.subheader(t("sales.by_close_month"))
    months = load(queries.pipeline_by_close_month)
    if months.empty:
        nothing_to_show("sales.no_open_deals")
    else:
        long = months.melt(id_vars=["expected_close_month"], value_vars=["open_pipeline", "weighted_pipeline"])
        long["expected_close_month"] = [period_label(m, "month") for m in long["expected_close_month"]]
        long["variable"] = [t(f"sales.{v}") for v in long["variable"]]
        figure = px.bar(long, x="expected_close_month", y="value", color="variable", barmode="group",
                        labels={"expected_close_month": t("sales.expected_close_month"), "value": currency,
                                "variable": ""})
        figure.update_xaxes(type="category")  # months named in the reader's language, not Plotly's English ticks
        figure.update_yaxes(tickformat=",")
        st.plotly_chart(figure, width="stretch", key="pipeline_by_close_month_chart")

st.subheader(t("sales.stalled"))
show_table_or_say_empty(load(queries.stalled_deals), "sales.no_stalled", lambda stalled: {
    t("sales.deal"): stalled["deal_name"],
    t("sales.owner"): stalled["owner_name"],
    t("sales.stage"): [label("deal_stage", s) for s in stalled["stage"]],
    t("sales.amount", currency=currency): [f.money(v, currency) for v in stalled["amount_reporting"]],
    t("sales.days_in_stage"): [f.days(v) for v in stalled["days_in_current_stage"]],
    t("sales.days_since_activity"): [f.days(v) for v in stalled["days_since_last_activity"]],
    t("sales.expected_close"): [f.date(d) for d in stalled["expected_close_date"]],
})

st.subheader(t("sales.leaderboard"))
show_table_or_say_empty(load(queries.rep_leaderboard, period), "common.no_data", lambda reps: {
    t("sales.owner"): reps["owner_name"].fillna(reps["owner_email"]),
    t("sales.deals_created"): [f.number(v) for v in reps["deals_created"]],
    t("sales.deals_won"): [f.number(v) for v in reps["deals_won"]],
    t("sales.deals_lost"): [f.number(v) for v in reps["deals_lost"]],
    t("sales.win_rate"): [f.percent(v) for v in reps["win_rate"]],
    t("sales.cycle_days"): [f.days(v) for v in reps["avg_cycle_days"]],
    t("sales.won_revenue"): [f.money(v, currency) for v in reps["won_revenue"]],
})
