"""Marketing: campaigns (emails, opens, clicks, web visitors, leads, customers, revenue, ROI) and channel
attribution, first touch against last touch."""

import pandas as pd
import plotly.express as px
import streamlit as st

from dashboards.data import load
from dashboards.queries import marketing as queries
from dashboards.queries import shared
from dashboards.ui import (
    channel_filter,
    fmt,
    label,
    nothing_to_show,
    period_or_stop,
    show_table,
    show_table_or_say_empty,
    t,
)

# The ROI chart names this many campaigns, the costliest; the others make one bar (a chart of 50 names is unread).
ROI_CAMPAIGNS_SHOWN = 15
# The engagement chart: the campaigns that delivered the most emails.
ENGAGEMENT_CAMPAIGNS_SHOWN = 10
BAR_HEIGHT = 12  # pixels per bar of a horizontal bar chart,
ROW_GAP = 16  # and between two names' groups of bars

st.title(t("page.marketing"))
period, currency = period_or_stop()
channel = channel_filter(load(shared.filter_options).get("campaign_channel", []))
f = fmt()


def roi(revenue, cost) -> float:
    """Return on investment in percent, like the marts' (mart_campaign_performance): none without a cost."""
    return 100 * (float(revenue) - float(cost)) / float(cost) if cost else float("nan")


def email_rate_card(column, label_key: str, help_key: str, count, delivered) -> None:
    """An email rate of the campaigns shown: of the emails they delivered; campaigns that sent none (ads, events)
    have no rate — which is not a rate of 0."""
    if delivered:
        column.metric(t(label_key), f.percent(count / delivered), border=True,
                      help=t(help_key, count=f.number(count), delivered=f.number(delivered)))
    else:
        column.metric(t(label_key), t("marketing.not_applicable"), border=True, help=t("marketing.no_emails_help"))


def horizontal_bars(frame: pd.DataFrame, names: str, values: list[str], axis_title: str, key: str,
                    suffix: str = "") -> None:
    """Grouped horizontal bars, one row per name in the frame's order (top first): long campaign names stay
    readable, which they are not on a slanted axis."""
    long = frame.melt(id_vars=[names], value_vars=values)
    long["variable"] = [t(f"marketing.{v}") for v in long["variable"]]
    figure = px.bar(long, y=names, x="value", color="variable", barmode="group", orientation="h",
                    category_orders={names: list(frame[names])},
                    labels={names: "", "value": axis_title, "variable": ""})
    figure.update_layout(height=120 + len(frame) * (BAR_HEIGHT * len(values) + ROW_GAP),
                         legend={"orientation": "h", "y": 1.02, "yanchor": "bottom"})
    figure.update_yaxes(type="category", automargin=True)
    if suffix:
        figure.update_xaxes(ticksuffix=suffix)
    st.plotly_chart(figure, width="stretch", key=key)


campaigns = load(queries.campaigns, period, channel)
if campaigns.empty:
    nothing_to_show("marketing.no_campaigns")
else:
    totals = campaigns.sum(numeric_only=True)
    cards = st.columns(5)
    cards[0].metric(t("marketing.campaigns"), f.number(len(campaigns)), border=True)
    email_rate_card(cards[1], "marketing.open_rate", "marketing.open_rate_help", totals["unique_opens"],
                    totals["emails_delivered"])
    email_rate_card(cards[2], "marketing.click_rate", "marketing.click_rate_help", totals["unique_clicks"],
                    totals["emails_delivered"])
    # Short labels: a card is a fifth of the page; what they count is in the help.
    cards[3].metric(t("marketing.new_customers"), f.number(totals["new_customers_last_touch"]), border=True,
                    help=t("marketing.new_customers_help"))
    cards[4].metric(t("marketing.roi_card"), f.points(roi(totals["revenue_last_touch"], totals["cost_reporting"])),
                    border=True, help=t("marketing.roi_help", revenue=f.money(totals["revenue_last_touch"], currency),
                                        cost=f.money(totals["cost_reporting"], currency)))

    if campaigns["emails_delivered"].sum():
        st.subheader(t("marketing.engagement"))
        top = campaigns.sort_values(["emails_delivered", "campaign_name"], ascending=[False, True]) \
            .head(ENGAGEMENT_CAMPAIGNS_SHOWN)
        horizontal_bars(top, "campaign_name", ["unique_opens", "unique_clicks", "leads_last_touch",
                                               "new_customers_last_touch"], "", "campaign_engagement_chart")

    with_cost = campaigns[campaigns["cost_reporting"].fillna(0) > 0]
    if not with_cost.empty:
        st.subheader(t("marketing.roi"))
        by_cost = with_cost.sort_values(["cost_reporting", "campaign_name"], ascending=[False, True])
        shown = by_cost.head(ROI_CAMPAIGNS_SHOWN).sort_values("roi_last_touch", ascending=False)
        rest = by_cost.iloc[ROI_CAMPAIGNS_SHOWN:]
        rows = shown[["campaign_name", "roi_first_touch", "roi_last_touch"]]
        if len(rest):
            # The cheaper campaigns together, their ROI of their summed revenue and cost.
            rows = pd.concat([rows, pd.DataFrame([{
                "campaign_name": t("marketing.other_campaigns", count=f.number(len(rest))),
                "roi_first_touch": roi(rest["revenue_first_touch"].sum(), rest["cost_reporting"].sum()),
                "roi_last_touch": roi(rest["revenue_last_touch"].sum(), rest["cost_reporting"].sum())}])],
                ignore_index=True)
        horizontal_bars(rows, "campaign_name", ["roi_first_touch", "roi_last_touch"], t("marketing.roi"),
                        "campaign_roi_chart", suffix="%")  # the marts' ROI is in percent
        st.caption(t("marketing.roi_caption", shown=f.number(len(shown)), campaigns=f.number(len(with_cost)))
                   if len(rest) else t("marketing.roi_caption_all"))

    st.subheader(t("marketing.table"))
    show_table({
        t("marketing.campaign"): campaigns["campaign_name"],
        t("filter.channel"): [label("channel", c) for c in campaigns["channel"]],
        t("marketing.start"): [f.date(d) for d in campaigns["start_date"]],
        t("marketing.emails_delivered"): [f.number(v) for v in campaigns["emails_delivered"]],
        t("marketing.unique_open_rate"): [f.points(v) for v in campaigns["unique_open_rate"]],
        t("marketing.unique_click_rate"): [f.points(v) for v in campaigns["unique_click_rate"]],
        t("marketing.web_visitors"): [f.number(v) for v in campaigns["web_visitors"]],
        t("marketing.leads_first_touch"): [f.number(v) for v in campaigns["leads_first_touch"]],
        t("marketing.leads_last_touch"): [f.number(v) for v in campaigns["leads_last_touch"]],
        t("marketing.new_customers_last_touch"): [f.number(v) for v in campaigns["new_customers_last_touch"]],
        t("marketing.revenue_last_touch"): [f.money(v, currency) for v in campaigns["revenue_last_touch"]],
        t("marketing.cost"): [f.money(v, currency) for v in campaigns["cost_reporting"]],
        t("marketing.roi_last_touch"): [f.points(v) for v in campaigns["roi_last_touch"]],
    })

    st.subheader(t("marketing.attribution"))
    by_channel = campaigns.groupby("channel", as_index=False)[
        ["leads_first_touch", "leads_last_touch", "new_customers_first_touch", "new_customers_last_touch",
         "revenue_first_touch", "revenue_last_touch", "cost_reporting"]].sum()
    long = by_channel.melt(id_vars=["channel"], value_vars=["revenue_first_touch", "revenue_last_touch"])
    long["channel"] = [label("channel", c) for c in long["channel"]]
    long["variable"] = [t(f"marketing.{v}") for v in long["variable"]]
    figure = px.bar(long, x="channel", y="value", color="variable", barmode="group",
                    labels={"channel": "", "value": currency, "variable": ""})
    figure.update_yaxes(tickformat=",")  # 12,000 as the table writes money
    st.plotly_chart(figure, width="stretch", key="attribution_chart")

st.subheader(t("marketing.acquisition"))
show_table_or_say_empty(load(queries.acquisition_channels, period, channel), "common.no_data", lambda acquired: {
    t("marketing.acquisition_channel"): [label("channel", c) for c in acquired["acquisition_channel"]],
    t("marketing.customers"): [f.number(v) for v in acquired["customers"]],
    t("marketing.paying_customers"): [f.number(v) for v in acquired["paying_customers"]],
    t("marketing.revenue"): [f.money(v, currency) for v in acquired["revenue"]],
})
