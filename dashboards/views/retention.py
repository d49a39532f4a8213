"""Retention: cohort heat maps (customers and revenue), retention curves per cohort, and the churn trend."""

import streamlit as st

from dashboards.charts import heat_map, period_bars, period_lines
from dashboards.data import load
from dashboards.queries import retention as queries
from dashboards.ui import fmt, nothing_to_show, period_label, show_table, t, translated_choice

st.title(t("page.retention"))
f = fmt()
left, right = st.columns(2)
grain = translated_choice(left.radio, t("retention.grain"), ["month", "week"], "retention_grain", "month",
                          horizontal=True, format_func=lambda g: t(f"grain.{g}"))
measure = translated_choice(right.radio, t("retention.measure"), ["customer_retention_rate", "revenue_retention_rate"],
                            "retention_measure", "customer_retention_rate", horizontal=True,
                            format_func=lambda m: t(f"retention.{m}"))

cohorts = load(queries.retention_cohorts, grain)
if cohorts.empty:
    nothing_to_show("retention.no_cohorts")
    st.stop()
recent = sorted(cohorts["cohort"].unique())[-24:]
shown = cohorts[cohorts["cohort"].isin(recent)]
sizes = shown.groupby("cohort")["cohort_customers"].first()
cohort_names = {c: f"{period_label(c, grain)} ({f.number(sizes[c])})" for c in recent}
matrix = shown.pivot(index="cohort", columns="period_number", values=measure)
ongoing = shown.pivot(index="cohort", columns="period_number", values="is_in_progress")
matrix.index = ongoing.index = [cohort_names[c] for c in matrix.index]

st.subheader(t("retention.heat_map"))
figure = heat_map(matrix, ongoing, text_format=".0%", colour_scale="Greens",
                  zmax=max(1.0, float(matrix.max().max() or 0)),
                  labels={"x": t(f"retention.period_number.{grain}"), "y": t("retention.cohort"),
                          "color": t(f"retention.{measure}"), "in_progress": t("common.in_progress_short")})
figure.update_layout(height=max(360, 26 * len(matrix) + 120))
st.plotly_chart(figure, width="stretch", key="retention_heat_map")
st.caption(t("retention.heat_map_caption"))

st.subheader(t("retention.curves"))
# Curves read better "on or after" (still buying in that period or later: never rises) for customers.
curve_measure = "customer_retention_rate_on_or_after" if measure == "customer_retention_rate" else measure
curves = shown[(shown["period_number"] > 0) & shown["cohort"].isin(recent[-12:])].copy()
curves["cohort_label"] = [period_label(c, grain) for c in curves["cohort"]]
if curves.empty:
    nothing_to_show("common.no_data")
else:
    figure = period_lines(curves.sort_values(["cohort", "period_number"]), x="period_number", y=curve_measure,
                          series="cohort_label", in_progress="is_in_progress", period_axis=False,
                          labels={"period_number": t(f"retention.period_number.{grain}"),
                                  curve_measure: t(f"retention.{measure}"), "cohort_label": t("retention.cohort")})
    figure.update_yaxes(tickformat=".0%")
    st.plotly_chart(figure, width="stretch", key="retention_curves")
    st.caption(t(f"retention.curves_caption.{measure}"))

st.subheader(t("retention.churn"))
churn = load(queries.churn_trend)
churn = churn[churn["at_start"].fillna(0) > 0].copy()
if churn.empty:
    nothing_to_show("common.no_data")
else:
    churn["month_label"] = [period_label(m, "month", not complete)
                            for m, complete in zip(churn["month"], churn["is_complete"], strict=True)]
    churn["is_in_progress"] = ~churn["is_complete"].astype(bool)
    churn["churn_rate"] = churn["churn_rate"].fillna(0)  # nobody churned: a rate of 0, not a gap
    figure = period_bars(churn, x="month_label", y="churn_rate", in_progress="is_in_progress",
                         labels={"month_label": t("grain.month"), "churn_rate": t("retention.churn_rate")})
    figure.update_yaxes(tickformat=".1%")
    st.plotly_chart(figure, width="stretch", key="churn_chart")
    st.caption(t("retention.churn_caption", days=f.number(churn["churn_inactivity_days"].iloc[0]),
                 basis=t(f"retention.threshold_basis.{churn['churn_threshold_basis'].iloc[0]}",
                         gaps=f.number(churn["purchase_gaps_observed"].iloc[0]))))
    show_table({
        t("grain.month"): churn["month_label"],
        t("retention.churned"): [f.number(v) for v in churn["churned"].fillna(0)],
        t("retention.at_start"): [f.number(v) for v in churn["at_start"]],
        t("retention.churn_rate"): [f.percent(v) for v in churn["churn_rate"]],
    })
