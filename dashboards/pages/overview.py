"""Overview: headline KPIs for a period against the period before, and the daily trend."""

from datetime import timedelta

import plotly.express as px
import streamlit as st

from dashboards.data import load, serving_db
from dashboards.queries import Period, WarehouseNotReady

st.title("Overview")

try:
    first_day, last_day, currency = load("date_bounds")
except WarehouseNotReady as exc:
    st.info(f"{exc} Run `crm run` to build and publish the warehouse, then reload this page.")
    st.stop()
if first_day is None:
    st.info("The warehouse is published but holds no activity yet.")
    st.stop()

default_start = max(first_day, last_day - timedelta(days=89))
picked = st.date_input(
    "Period", value=(default_start, last_day), min_value=first_day, max_value=last_day, key="period"
)
if not isinstance(picked, tuple) or len(picked) != 2:
    st.caption("Pick a start and an end date.")
    st.stop()
period = Period(*picked)
current = load("kpi_totals", period)
previous = load("kpi_totals", period.previous())

st.caption(f"{period.start} – {period.end} ({period.days} days) compared with the {period.days} days before. "
           f"Money in {currency}.")


def _delta(name: str, percent_points: bool = False) -> str | None:
    now, before = current.get(name), previous.get(name)
    if now is None or before is None or before != before or now != now:  # None or NaN
        return None
    if percent_points:
        return f"{now - before:+.1f} pts"
    return f"{(now - before) / before:+.1%}" if before else None


def _number(value, fmt: str = "{:,.0f}") -> str:
    return "–" if value is None or value != value else fmt.format(value)


cards = [
    ("New leads", "new_leads", "{:,.0f}", False),
    ("New customers", "new_customers", "{:,.0f}", False),
    ("Orders", "orders_completed", "{:,.0f}", False),
    (f"Revenue ({currency})", "revenue", "{:,.0f}", False),
    (f"Average order ({currency})", "average_order_value", "{:,.2f}", False),
    ("Web visitors", "web_visitors", "{:,.0f}", False),
    ("Email open rate", "email_open_rate", "{:.1f}%", True),
    ("NPS", "nps", "{:+.0f}", True),
]
for row_start in range(0, len(cards), 4):
    for column, (label, key, fmt, points) in zip(st.columns(4), cards[row_start:row_start + 4], strict=False):
        column.metric(label, _number(current.get(key), fmt), _delta(key, points))

trend = load("daily_trend", period)
if trend.empty:
    st.info("No activity in this period.")
else:
    weekly = trend.set_index("date_day").resample("W").sum(numeric_only=True).reset_index()
    figure = px.line(weekly, x="date_day", y="revenue_reporting",
                     labels={"date_day": "Week", "revenue_reporting": f"Revenue ({currency})"},
                     title="Revenue by week")
    st.plotly_chart(figure, width="stretch", key="revenue_trend")
    st.dataframe(weekly.rename(columns={"date_day": "week"}), hide_index=True, width="stretch")

published = load("publication")
if published:
    st.caption(f"Published {published.get('published_at')} · build {str(published.get('build_id'))[:8]} · "
               f"{serving_db()}")
