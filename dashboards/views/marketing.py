"""Marketing: campaigns (emails, opens, clicks, web visitors, leads, customers, revenue, ROI) and channel
attribution, first touch against last touch."""

import pandas as pd
import plotly.express as px
import streamlit as st

from dashboards.data import load
from dashboards.ui import channel_filter, fmt, label, nothing_to_show, period_or_stop, t

st.title(t("page.marketing"))
period, currency = period_or_stop()
channel = channel_filter(load("filter_options").get("campaign_channel", []))
f = fmt()

campaigns = load("campaigns", period, channel)
if campaigns.empty:
    nothing_to_show("marketing.no_campaigns")
else:
    totals = campaigns.sum(numeric_only=True)
    cards = st.columns(5)
    cards[0].metric(t("marketing.campaigns"), f.number(len(campaigns)), border=True)
    cards[1].metric(t("marketing.unique_opens"), f.number(totals["unique_opens"]),
                    help=t("marketing.of_delivered", delivered=f.number(totals["emails_delivered"])), border=True)
    cards[2].metric(t("marketing.unique_clicks"), f.number(totals["unique_clicks"]), border=True)
    cards[3].metric(t("marketing.customers_last_touch"), f.number(totals["new_customers_last_touch"]), border=True)
    roi = 100 * (totals["revenue_last_touch"] - totals["cost_reporting"]) / totals["cost_reporting"] \
        if totals["cost_reporting"] else float("nan")
    cards[4].metric(t("marketing.roi_last_touch"), f.points(roi), border=True,
                    help=t("marketing.roi_help", revenue=f.money(totals["revenue_last_touch"], currency),
                           cost=f.money(totals["cost_reporting"], currency)))

    top = campaigns.nlargest(15, "emails_delivered") if campaigns["emails_delivered"].sum() else campaigns.head(15)
    long = top.melt(id_vars=["campaign_name"], value_vars=["unique_opens", "unique_clicks", "leads_last_touch",
                                                           "new_customers_last_touch"])
    long["variable"] = [t(f"marketing.{v}") for v in long["variable"]]
    st.subheader(t("marketing.engagement"))
    st.plotly_chart(px.bar(long, x="campaign_name", y="value", color="variable", barmode="group",
                           labels={"campaign_name": "", "value": "", "variable": ""}),
                    width="stretch", key="campaign_engagement_chart")

    with_cost = campaigns[campaigns["cost_reporting"].fillna(0) > 0]
    if not with_cost.empty:
        st.subheader(t("marketing.roi"))
        long = with_cost.melt(id_vars=["campaign_name"], value_vars=["roi_first_touch", "roi_last_touch"])
        long["variable"] = [t(f"marketing.{v}") for v in long["variable"]]
        figure = px.bar(long, x="campaign_name", y="value", color="variable", barmode="group",
                        labels={"campaign_name": "", "value": t("marketing.roi"), "variable": ""})
        figure.update_yaxes(ticksuffix="%")  # the marts' rates and ROI are in percent
        st.plotly_chart(figure, width="stretch", key="campaign_roi_chart")

    st.subheader(t("marketing.table"))
    st.dataframe(pd.DataFrame({
        t("marketing.campaign"): campaigns["campaign_name"],
        t("filter.channel"): [label("channel", c) for c in campaigns["channel"]],
        t("marketing.start"): [f.date(d) for d in campaigns["start_date"]],
        t("marketing.emails_delivered"): campaigns["emails_delivered"],
        t("marketing.unique_open_rate"): [f.points(v) for v in campaigns["unique_open_rate"]],
        t("marketing.unique_click_rate"): [f.points(v) for v in campaigns["unique_click_rate"]],
        t("marketing.web_visitors"): campaigns["web_visitors"],
        t("marketing.leads_first_touch"): campaigns["leads_first_touch"],
        t("marketing.leads_last_touch"): campaigns["leads_last_touch"],
        t("marketing.new_customers_last_touch"): campaigns["new_customers_last_touch"],
        t("marketing.revenue_last_touch"): [f.money(v, currency) for v in campaigns["revenue_last_touch"]],
        t("marketing.cost"): [f.money(v, currency) for v in campaigns["cost_reporting"]],
        t("marketing.roi_last_touch"): [f.points(v) for v in campaigns["roi_last_touch"]],
    }), hide_index=True, width="stretch")

    st.subheader(t("marketing.attribution"))
    by_channel = campaigns.groupby("channel", as_index=False)[
        ["leads_first_touch", "leads_last_touch", "new_customers_first_touch", "new_customers_last_touch",
         "revenue_first_touch", "revenue_last_touch", "cost_reporting"]].sum()
    long = by_channel.melt(id_vars=["channel"], value_vars=["revenue_first_touch", "revenue_last_touch"])
    long["channel"] = [label("channel", c) for c in long["channel"]]
    long["variable"] = [t(f"marketing.{v}") for v in long["variable"]]
    st.plotly_chart(px.bar(long, x="channel", y="value", color="variable", barmode="group",
                           labels={"channel": "", "value": currency, "variable": ""}),
                    width="stretch", key="attribution_chart")

st.subheader(t("marketing.acquisition"))
acquired = load("acquisition_channels", period)
if acquired.empty:
    nothing_to_show("common.no_data")
else:
    st.dataframe(pd.DataFrame({
        t("marketing.acquisition_channel"): [label("channel", c) for c in acquired["acquisition_channel"]],
        t("marketing.customers"): acquired["customers"],
        t("marketing.paying_customers"): acquired["paying_customers"],
        t("marketing.revenue"): [f.money(v, currency) for v in acquired["revenue"]],
    }), hide_index=True, width="stretch")
