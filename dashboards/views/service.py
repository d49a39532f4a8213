"""Service: first-response and resolution times, first-contact resolution, CSAT and NPS, by channel and agent."""

import pandas as pd
import plotly.express as px
import streamlit as st

from common.settings import get_settings
from dashboards.data import load
from dashboards.ui import channel_filter, fmt, label, nothing_to_show, period_or_stop, t

st.title(t("page.service"))
period, _currency = period_or_stop()
channel = channel_filter(load("filter_options").get("support_channel", []))
timezone = get_settings().business_timezone
f = fmt()

summary = load("service_summary", period, channel, timezone)
nps = load("nps_trend", period)
cards = st.columns(5)
cards[0].metric(t("service.tickets"), f.number(summary["tickets"]), border=True)
cards[1].metric(t("service.first_response"), f.number(summary["median_first_response_minutes"], 1), border=True,
                help=t("service.median_minutes"))
cards[2].metric(t("service.resolution"), f.number(summary["median_resolution_hours"], 1), border=True,
                help=t("service.median_hours"))
cards[3].metric(t("service.fcr"), f.percent(summary["first_contact_resolution_rate"]), border=True)
cards[4].metric(t("service.csat"), f.number(summary["csat_average"], 2), border=True,
                help=t("service.csat_responses", count=f.number(summary["csat_responses"])))

trend = load("service_trend", period, channel, timezone)
if trend.empty:
    nothing_to_show("service.no_tickets")
else:
    trend = trend.assign(channel=[label("channel", c) for c in trend["channel"]])
    left, right = st.columns(2)
    with left:
        st.subheader(t("service.first_response_trend"))
        st.plotly_chart(px.line(trend, x="month", y="median_first_response_minutes", color="channel", markers=True,
                                labels={"month": t("grain.month"),
                                        "median_first_response_minutes": t("service.median_minutes"),
                                        "channel": ""}),
                        width="stretch", key="first_response_chart")
    with right:
        st.subheader(t("service.resolution_trend"))
        st.plotly_chart(px.line(trend, x="month", y="median_resolution_hours", color="channel", markers=True,
                                labels={"month": t("grain.month"), "median_resolution_hours": t("service.median_hours"),
                                        "channel": ""}),
                        width="stretch", key="resolution_chart")

st.subheader(t("service.nps_trend"))
if nps.empty:
    nothing_to_show("service.no_nps")
else:
    st.plotly_chart(px.bar(nps, x="response_month", y="nps", hover_data=["responses"],
                           labels={"response_month": t("grain.month"), "nps": t("service.nps"),
                                   "responses": t("service.responses")}),
                    width="stretch", key="nps_chart")

st.subheader(t("service.by_agent"))
agents = load("service_by_agent", period, channel, timezone)
if agents.empty:
    nothing_to_show("service.no_tickets")
else:
    st.dataframe(pd.DataFrame({
        t("service.agent"): agents["agent"],
        t("service.tickets"): agents["tickets"],
        t("service.first_response"): [f.number(v, 1) for v in agents["median_first_response_minutes"]],
        t("service.resolution"): [f.number(v, 1) for v in agents["median_resolution_hours"]],
        t("service.fcr"): [f.percent(v) for v in agents["first_contact_resolution_rate"]],
        t("service.csat"): [f.number(v, 2) for v in agents["csat_average"]],
    }), hide_index=True, width="stretch")
