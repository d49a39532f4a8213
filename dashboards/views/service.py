"""Service: first-response and resolution times, first-contact resolution, CSAT and NPS, by channel and agent."""

import streamlit as st

from dashboards.charts import period_bars, period_lines
from dashboards.data import load
from dashboards.queries import service as queries
from dashboards.queries import shared
from dashboards.ui import (
    channel_filter,
    fmt,
    label,
    nothing_to_show,
    period_label,
    period_or_stop,
    show_table_or_say_empty,
    t,
)

st.title(t("page.service"))
period, _currency = period_or_stop()
channel = channel_filter(load(shared.filter_options).get("support_channel", []))
f = fmt()

summary = load(queries.service_summary, period, channel)
nps = load(queries.nps_trend, period)
cards = st.columns(5)
cards[0].metric(t("service.tickets"), f.number(summary["tickets"]), border=True)
cards[1].metric(t("service.first_response"), f.number(summary["median_first_response_minutes"], 1), border=True,
                help=t("service.median_minutes"))
cards[2].metric(t("service.resolution"), f.number(summary["median_resolution_hours"], 1), border=True,
                help=t("service.median_hours"))
cards[3].metric(t("service.fcr"), f.percent(summary["first_contact_resolution_rate"]), border=True)
cards[4].metric(t("service.csat"), f.number(summary["csat_average"], 2), border=True,
                help=t("service.csat_responses", count=f.number(summary["csat_responses"])))

trend = load(queries.service_trend, period, channel)
if trend.empty:
    nothing_to_show("service.no_tickets")
else:
    trend = trend.sort_values(["month", "channel"])
    trend["channel"] = [label("channel", c) for c in trend["channel"]]
    trend["month"] = [period_label(m, "month", ongoing)
                      for m, ongoing in zip(trend["month"], trend["is_in_progress"], strict=True)]
    left, right = st.columns(2)
    with left:
        st.subheader(t("service.first_response_trend"))
        st.plotly_chart(period_lines(trend, x="month", y="median_first_response_minutes", series="channel",
                                     in_progress="is_in_progress",
                                     labels={"month": t("grain.month"),
                                             "median_first_response_minutes": t("service.median_minutes"),
                                             "channel": ""}),
                        width="stretch", key="first_response_chart")
    with right:
        st.subheader(t("service.resolution_trend"))
        st.plotly_chart(period_lines(trend, x="month", y="median_resolution_hours", series="channel",
                                     in_progress="is_in_progress",
                                     labels={"month": t("grain.month"),
                                             "median_resolution_hours": t("service.median_hours"), "channel": ""}),
                        width="stretch", key="resolution_chart")

st.subheader(t("service.nps_trend"))
if nps.empty:
    nothing_to_show("service.no_nps")
else:
    nps = nps.assign(month=[period_label(m, "month", ongoing)
                            for m, ongoing in zip(nps["response_month"], nps["is_in_progress"], strict=True)])
    st.plotly_chart(period_bars(nps, x="month", y="nps", in_progress="is_in_progress", hover_data=["responses"],
                                labels={"month": t("grain.month"), "nps": t("service.nps"),
                                        "responses": t("service.responses")}),
                    width="stretch", key="nps_chart")

st.subheader(t("service.by_agent"))
show_table_or_say_empty(load(queries.service_by_agent, period, channel), "service.no_tickets", lambda agents: {
    t("service.agent"): agents["agent"].fillna(t("service.no_agent")),
    t("service.tickets"): [f.number(v) for v in agents["tickets"]],
    t("service.first_response"): [f.number(v, 1) for v in agents["median_first_response_minutes"]],
    t("service.resolution"): [f.number(v, 1) for v in agents["median_resolution_hours"]],
    t("service.fcr"): [f.percent(v) for v in agents["first_contact_resolution_rate"]],
    t("service.csat"): [f.number(v, 2) for v in agents["csat_average"]],
})
