"""Predictions: what each model predicts and, next to it, how well it predicted the user's own past — customer
lifetime value and churn risk (BG/NBD, Gamma-Gamma), the predictive lead score (calibration on a later period held
out) and the sales forecast (backtests against a seasonal naive forecast)."""

import re

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from common.settings import get_settings
from dashboards.data import load
from dashboards.i18n.lead_reasons import readable_reason
from dashboards.queries import predictions as queries
from dashboards.ui import (
    fmt,
    label,
    language,
    nothing_to_show,
    period_label,
    show_table_or_say_empty,
    t,
    translated_choice,
)

st.title(t("page.predictions"))
st.caption(t("predictions.intro"))
f = fmt()
settings = get_settings()


def metrics_of(performance: pd.DataFrame) -> dict[tuple[str, str], tuple]:
    """(metric, segment) → (value, detail) of a model's latest build."""
    return {(row.metric, row.segment): (row.value, row.detail) for row in performance.itertuples()}


def lead_reason(reason: str) -> str:
    """A reason of the lead score ("web form submitted 3 times in the last 30 days") in the reader's language."""
    return readable_reason(reason, language())


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
                    help=t("predictions.lifetime.expected_purchases_help"), border=True)
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


# --- lead score: who will buy ------------------------------------------------------------------------------------
st.header(t("predictions.leads.title"))
leads = metrics_of(load(queries.model_performance, "lead_score"))
status = leads.get(("status", "all"), (None, None))[1]
lead_summary = load(queries.lead_summary)
if status != "fitted" or not lead_summary["leads_scored"]:
    nothing_to_show("predictions.leads.not_fitted", reason=status or t("predictions.not_built"))
else:
    horizon = int(leads[("horizon_days", "all")][0])
    cards = st.columns(4)
    cards[0].metric(t("predictions.leads.scored"), f.number(lead_summary["leads_scored"]), border=True)
    cards[1].metric(t("predictions.leads.hot"), f.number(lead_summary["hot_leads"]),
                    help=t("predictions.leads.hot_help", probability=f.percent(
                        settings.predictions_lead_hot_min_probability, 0), days=f.number(horizon)), border=True)
    cards[2].metric(t("predictions.leads.expected", days=f.number(horizon)),
                    f.number(lead_summary["expected_conversions"]),
                    help=t("predictions.leads.expected_help", days=f.number(horizon)), border=True)
    auc = leads.get(("holdout_auc", "all"), (None, None))[0]
    cards[3].metric(t("predictions.leads.auc"), "–" if auc is None else f.number(auc, 2),
                    help=t("predictions.leads.auc_help"), border=True)

    st.subheader(t("predictions.leads.accuracy"))
    if auc is None:
        nothing_to_show("predictions.leads.no_holdout",
                        reason=leads.get(("holdout_status", "all"), (None, "–"))[1])
    else:
        deciles = sorted({segment for metric, segment in leads if metric == "reliability_leads"},
                         key=lambda s: int(s.split()[-1]))
        curve = pd.DataFrame([{"decile": int(d.split()[-1]),
                               "predicted": leads[("reliability_mean_predicted", d)][0],
                               "actual": leads[("reliability_actual_rate", d)][0],
                               "leads": leads[("reliability_leads", d)][0]} for d in deciles])
        left, right = st.columns([3, 2])
        with left:
            top = max(float(curve[["predicted", "actual"]].max().max()), 0.01)
            figure = go.Figure([
                go.Scatter(x=[0, top], y=[0, top], mode="lines", line={"dash": "dot", "color": "grey"},
                           name=t("predictions.leads.perfect")),
                go.Scatter(x=curve["predicted"], y=curve["actual"], mode="lines+markers",
                           name=t("predictions.leads.deciles"), customdata=curve[["decile", "leads"]],
                           hovertemplate=t("predictions.leads.decile_hover") + "<extra></extra>"),
            ])
            figure.update_layout(xaxis_title=t("predictions.leads.predicted_axis"),
                                 yaxis_title=t("predictions.leads.actual_axis"))
            figure.update_xaxes(tickformat=".0%")
            figure.update_yaxes(tickformat=".0%")
            st.plotly_chart(figure, width="stretch", key="lead_calibration_chart")
        with right:
            base = leads[("holdout_base_rate", "all")][0]
            top_rate = leads[("holdout_top_decile_rate", "all")][0]
            st.markdown(t("predictions.leads.accuracy_text",
                          leads=f.number(leads[("holdout_leads", "all")][0]),
                          conversions=f.number(leads[("holdout_conversions", "all")][0]),
                          days=f.number(horizon), auc=f.number(auc, 2),
                          brier=f.number(leads[("holdout_brier", "all")][0], 3), base=f.percent(base),
                          top=f.percent(top_rate), lift=f.number(leads[("holdout_top_decile_lift", "all")][0], 1)))
            floor = settings.predictions_lead_min_holdout_auc
            st.caption(t("predictions.leads.floor_above" if auc >= floor else "predictions.leads.floor_below",
                         floor=f.number(floor, 2)))

    st.subheader(t("predictions.leads.top"))
    show_table_or_say_empty(load(queries.top_leads), "common.no_data", lambda rows: {
        t("predictions.customer"): rows["full_name"],
        t("predictions.company"): rows["company_name"],
        t("predictions.leads.probability", days=f.number(horizon)): [f.percent(v)
                                                                      for v in rows["conversion_probability"]],
        t("predictions.leads.band"): [label("lead_band", b) for b in rows["predictive_band"]],
        t("predictions.leads.rules_score"): [f.number(v) for v in rows["rules_score"]],
        t("predictions.leads.reasons"): [" · ".join(lead_reason(r) for r in reasons if isinstance(r, str))
                                         for reasons in zip(rows["predicted_reason_1"], rows["predicted_reason_2"],
                                                            rows["predicted_reason_3"], strict=True)],
    })

# --- sales forecast ----------------------------------------------------------------------------------------------
st.header(t("predictions.forecast.title"))
forecast = load(queries.sales_forecast)
trend = forecast[forecast["forecast_kind"] == "trend"]
if trend.empty:
    status = metrics_of(load(queries.model_performance, "sales_trend_forecast")).get(
        ("status", "revenue_reporting:all"), (None, None))[1]
    nothing_to_show("predictions.forecast.no_trend", reason=status or t("predictions.not_built"))
else:
    left, right = st.columns(2)
    metric = translated_choice(left.radio, t("predictions.forecast.measure"), ["revenue_reporting", "orders"],
                               "forecast_metric", "revenue_reporting", horizontal=True,
                               format_func=lambda m: t(f"predictions.forecast.{m}"))
    segments = list(dict.fromkeys(trend["segment"]))
    segment = translated_choice(right.selectbox, t("predictions.forecast.series"), segments, "forecast_segment",
                                "all", format_func=lambda s: t("filter.all") if s == "all" else (
                                    t("predictions.forecast.other") if s == "other" else label("country", s)))
    series = trend[(trend["metric"] == metric) & (trend["segment"] == segment)].sort_values("month")
    series = series.assign(month_label=[period_label(m, "month") for m in series["month"]])
    actual, ahead = series[series["row_kind"] == "actual"], series[series["row_kind"] == "forecast"]
    figure = go.Figure()
    if len(ahead):
        for level, opacity in ((95, 0.15), (80, 0.3)):
            figure.add_trace(go.Scatter(x=list(ahead["month_label"]) + list(ahead["month_label"])[::-1],
                                        y=list(ahead[f"upper_{level}"]) + list(ahead[f"lower_{level}"])[::-1],
                                        fill="toself", line={"width": 0}, opacity=opacity, hoverinfo="skip",
                                        fillcolor="#1f77b4", name=t("predictions.forecast.interval", level=level)))
        # The forecast line starts at the last actual month, so the two read as one line.
        joined = pd.concat([actual.tail(1), ahead])
        figure.add_trace(go.Scatter(x=joined["month_label"], y=joined["value"], mode="lines+markers",
                                    line={"dash": "dash", "color": "#1f77b4"}, name=t("predictions.forecast.forecast")))
    figure.add_trace(go.Scatter(x=actual["month_label"], y=actual["value"], mode="lines+markers",
                                line={"color": "#333333"}, name=t("predictions.forecast.actual")))
    figure.update_xaxes(type="category", categoryorder="array", categoryarray=list(series["month_label"]))
    figure.update_yaxes(tickformat=",", title_text=(t("predictions.forecast.orders") if metric == "orders"
                                                    else series["currency"].dropna().iloc[0]))
    st.plotly_chart(figure, width="stretch", key="trend_forecast_chart")
    if len(ahead):
        row = ahead.iloc[0]
        verdict = ("predictions.forecast.beats_naive" if row["beats_seasonal_naive"] else
                   "predictions.forecast.not_better_than_naive")
        st.caption(t(verdict, model=row["model"], error=f.percent(row["backtest_smape"]),
                     naive=f.percent(row["naive_backtest_smape"])))

    st.subheader(t("predictions.forecast.backtest"))
    errors = (trend[trend["row_kind"] == "forecast"]
              .drop_duplicates(["metric", "segment"])
              # Revenue before orders; in each, all countries first and the others last.
              .sort_values(["metric", "segment"], ascending=[False, True],
                           key=lambda c: c.map({"all": "", "other": "~"}).fillna(c)))
    show_table_or_say_empty(errors, "common.no_data", lambda rows: {
        t("predictions.forecast.measure"): [t(f"predictions.forecast.{m}") for m in rows["metric"]],
        t("predictions.forecast.series"): [t("filter.all") if s == "all" else t("predictions.forecast.other")
                                           if s == "other" else label("country", s) for s in rows["segment"]],
        t("predictions.forecast.model"): rows["model"],
        t("predictions.forecast.model_error"): [f.percent(v) for v in rows["backtest_smape"]],
        t("predictions.forecast.naive_error"): [f.percent(v) for v in rows["naive_backtest_smape"]],
        t("predictions.forecast.beats"): [t("common.yes") if v else t("common.no")
                                          for v in rows["beats_seasonal_naive"]],
    })
    st.caption(t("predictions.forecast.backtest_caption"))

pipeline = forecast[(forecast["forecast_kind"] == "pipeline") & (forecast["segment"] == "all")]
st.subheader(t("predictions.forecast.pipeline"))
if pipeline.empty:
    status = metrics_of(load(queries.model_performance, "sales_pipeline_forecast")).get(
        ("status", "all"), (None, None))[1]
    nothing_to_show("predictions.forecast.no_pipeline", reason=status or t("predictions.not_built"))
else:
    pipeline = pipeline.sort_values("month").assign(
        month_label=lambda p: [period_label(m, "month") for m in p["month"]],
        weighed_by=lambda p: [t(f"predictions.forecast.{m}") for m in p["metric"]])
    figure = px.bar(pipeline, x="month_label", y="value", color="weighed_by", barmode="group",
                    labels={"month_label": t("sales.expected_close_month"), "value": pipeline["currency"].iloc[0],
                            "weighed_by": ""})
    figure.update_xaxes(type="category")
    figure.update_yaxes(tickformat=",")
    st.plotly_chart(figure, width="stretch", key="pipeline_forecast_chart")
    learned = pipeline[pipeline["metric"] == "won_revenue_learned"]
    seed = pipeline[pipeline["metric"] == "won_revenue_seed"]
    if len(learned) and len(seed) and pd.notna(learned["backtest_smape"].iloc[0]):
        learned_error, seed_error = learned["backtest_smape"].iloc[0], seed["backtest_smape"].iloc[0]
        naive_error = learned["naive_backtest_smape"].iloc[0]
        st.caption(t("predictions.forecast.pipeline_caption", learned=f.percent(learned_error),
                     seed=f.percent(seed_error), naive=f.percent(naive_error),
                     verdict=t("predictions.forecast.learned_better" if learned_error < seed_error
                               else "predictions.forecast.seed_better")))
