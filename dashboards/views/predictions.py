"""Predictions: what each model predicts and, next to it, how well it predicted the user's own past — customer
lifetime value and churn risk (BG/NBD, Gamma-Gamma)."""

import re

import pandas as pd
import plotly.express as px
import streamlit as st

from common.settings import get_settings
from dashboards.data import load
from dashboards.queries import predictions as queries
from dashboards.ui import fmt, label, nothing_to_show, show_table_or_say_empty, t

st.title(t("page.predictions"))
st.caption(t("predictions.intro"))
f = fmt()
settings = get_settings()


def metrics_of(performance: pd.DataFrame) -> dict[tuple[str, str], tuple]:
    """(metric, segment) → (value, detail) of a model's latest build."""
    return {(row.metric, row.segment): (row.value, row.detail) for row in performance.itertuples()}


def past_purchases_label(segment: str) -> str:
    """"3 repeat purchases" / "7+ repeat purchases" (the mart's segment) in the reader's language."""
    count, more = re.match(r"(\d+)(\+?)", segment).groups()
    return t("predictions.lifetime.past_purchases_or_more" if more else "predictions.lifetime.past_purchases",
             count=f.number(int(count)))


# --- customer lifetime: churn risk and value -------------------------------------------------------------------
st.header(t("predictions.lifetime.title"))
lifetime = metrics_of(load(queries.model_performance, "customer_lifetime"))
status = lifetime.get(("status", "all"), (None, None))[1]
summary = load(queries.lifetime_summary)
if status != "fitted" or not summary["customers"]:
    nothing_to_show("predictions.lifetime.not_fitted", reason=status or t("predictions.not_built"))
else:
    currency = summary["currency"]
    cards = st.columns(4)
    cards[0].metric(t("predictions.lifetime.customers"), f.number(summary["customers"]), border=True)
    cards[1].metric(t("predictions.lifetime.expected_purchases"), f.number(summary["expected_purchases_365d"]),
                    border=True)
    cards[2].metric(t("predictions.lifetime.clv_12m", currency=currency), f.money(summary["clv_12m"], currency),
                    border=True)
    cards[3].metric(t("predictions.lifetime.high_risk"),
                    f.percent(summary["high_risk_customers"] / summary["customers"]),
                    help=t("predictions.lifetime.high_risk_help", below=f.percent(settings.predictions_high_risk_below,
                                                                                 0)), border=True)
    st.caption(t("predictions.lifetime.caption", as_of=f.date(summary["as_of_date"]),
                 alive=f.percent(summary["mean_probability_alive"])))

    st.subheader(t("predictions.lifetime.accuracy"))
    holdout_days = lifetime.get(("holdout_days", "all"), (None, None))[0]
    if holdout_days is None:
        nothing_to_show("predictions.lifetime.no_holdout",
                        reason=lifetime.get(("holdout_status", "all"), (None, "—"))[1])
    else:
        groups = sorted({segment for metric, segment in lifetime
                         if metric == "holdout_customers" and segment != "all"},
                        key=lambda s: int(re.match(r"\d+", s).group()))
        comparison = pd.DataFrame([
            {"group": past_purchases_label(g), "series": t(f"predictions.lifetime.{kind}"),
             "value": lifetime[(f"holdout_{kind}_mean", g)][0]}
            for g in groups for kind in ("actual", "predicted")])
        figure = px.bar(comparison, x="group", y="value", color="series", barmode="group",
                        labels={"group": t("predictions.lifetime.past_purchases_axis"),
                                "value": t("predictions.lifetime.holdout_purchases_axis", days=f.number(holdout_days)),
                                "series": ""})
        figure.update_xaxes(type="category")
        st.plotly_chart(figure, width="stretch", key="lifetime_holdout_chart")
        actual = lifetime[("holdout_actual_mean", "all")][0] * lifetime[("holdout_customers", "all")][0]
        predicted = lifetime[("holdout_predicted_mean", "all")][0] * lifetime[("holdout_customers", "all")][0]
        error, limit = lifetime[("holdout_error", "all")][0], settings.predictions_max_holdout_error
        st.caption(t("predictions.lifetime.accuracy_caption", days=f.number(holdout_days),
                     predicted=f.number(predicted), actual=f.number(actual), error=f.percent(error),
                     verdict=t("predictions.within_limit" if error <= limit else "predictions.outside_limit",
                               limit=f.percent(limit, 0))))

    left, right = st.columns([1, 2])
    with left:
        st.subheader(t("predictions.lifetime.by_risk"))
        risk = load(queries.churn_risk).set_index("churn_risk").reindex(["high", "medium", "low"]).fillna(0)
        figure = px.bar(x=[label("churn_risk", band) for band in risk.index], y=risk["customers"],
                        labels={"x": "", "y": t("predictions.lifetime.customers")})
        figure.update_xaxes(type="category")
        st.plotly_chart(figure, width="stretch", key="lifetime_risk_chart")
    with right:
        st.subheader(t("predictions.lifetime.valuable_at_risk"))
        show_table_or_say_empty(load(queries.valuable_customers_at_risk), "predictions.lifetime.nobody_at_risk",
                                lambda rows: {
            t("predictions.customer"): rows["full_name"],
            t("predictions.company"): rows["company_name"],
            t("predictions.lifetime.clv_12m", currency=currency): [f.money(v, currency)
                                                                   for v in rows["clv_12m_reporting"]],
            t("predictions.lifetime.probability_alive"): [f.percent(v) for v in rows["probability_alive"]],
            t("predictions.lifetime.days_since_last_order"): [f.days(v) for v in rows["days_since_last_order"]],
        })
