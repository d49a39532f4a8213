"""Segments: the RFM grid, value tiers, month-to-month movement, the customers of a segment and their contact list."""

import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from dashboards.access import is_analyst
from dashboards.data import load, serving_db
from dashboards.queries import segments as queries
from dashboards.queries import shared
from dashboards.ui import (
    country_filter,
    fmt,
    label,
    nothing_to_show,
    period_label,
    show_table,
    t,
    translated_choice,
    yes_no,
)

st.title(t("page.segments"))
options = load(shared.filter_options)
country = country_filter(options.get("country", []))
f = fmt()

summary = load(queries.segment_summary, country)
if summary.empty:
    nothing_to_show("common.no_data")
    st.stop()
currency = summary["currency"].dropna().iloc[0] if summary["currency"].notna().any() else None


def money(value) -> str:
    return f.money(value, currency) if currency else f.number(value)


grid = load(queries.rfm_grid, country)

by_segment = summary.groupby("rfm_segment", as_index=False)[["customers", "revenue"]].sum()
by_tier = summary.groupby("value_tier", as_index=False)[["customers", "revenue"]].sum()
total = int(by_segment["customers"].sum())
paying = int(by_segment.loc[by_segment["rfm_segment"] != "none", "customers"].sum())
left, middle, right = st.columns(3)
left.metric(t("segments.customers"), f.number(total), border=True)
middle.metric(t("segments.paying_customers"), f.number(paying), border=True)
right.metric(t("segments.revenue"), money(by_segment["revenue"].sum()), border=True)

st.subheader(t("segments.rfm_grid"))
measure = translated_choice(st.radio, t("segments.measure"), ["customers", "revenue"], "segments_measure",
                            "customers", horizontal=True, format_func=lambda m: t(f"segments.{m}"))
if grid.empty:
    nothing_to_show("segments.no_paying")
else:
    matrix = grid.pivot(index="frequency_score", columns="recency_score", values=measure).reindex(
        index=range(5, 0, -1), columns=range(1, 6))
    figure = px.imshow(matrix, text_auto=",.0f", aspect="auto", color_continuous_scale="Blues",
                       labels={"x": t("segments.recency_score"), "y": t("segments.frequency_score"),
                               "color": t(f"segments.{measure}")})
    figure.update_xaxes(type="category")
    figure.update_yaxes(type="category")
    st.plotly_chart(figure, width="stretch", key="rfm_grid_chart")
    st.caption(t("segments.rfm_grid_caption"))

left, right = st.columns(2)
with left:
    st.subheader(t("segments.by_segment"))
    shown = by_segment.sort_values("customers", ascending=False)
    st.plotly_chart(px.bar(shown.assign(rfm_segment=[label("segment", s) for s in shown["rfm_segment"]]),
                           x="customers", y="rfm_segment", orientation="h",
                           labels={"customers": t("segments.customers"), "rfm_segment": ""}),
                    width="stretch", key="segment_bar_chart")
with right:
    st.subheader(t("segments.value_tiers"))
    st.plotly_chart(px.bar(by_tier.assign(value_tier=[label("tier", v) for v in by_tier["value_tier"]]),
                           x="value_tier", y="customers",
                           labels={"value_tier": "", "customers": t("segments.customers")}),
                    width="stretch", key="value_tier_chart")
    show_table({
        t("segments.value_tier"): [label("tier", v) for v in by_tier["value_tier"]],
        t("segments.customers"): [f.number(v) for v in by_tier["customers"]],
        t("segments.revenue"): [money(v) for v in by_tier["revenue"]],
    })

st.subheader(t("segments.movement"))
movement = load(queries.segment_movement)
if movement.empty:
    nothing_to_show("common.no_data")
else:
    months = sorted(movement["snapshot_month"].unique())
    # The month in progress is offered, marked; the latest month that has ended is shown first.
    in_progress = set(movement.loc[movement["is_in_progress"].astype(bool), "snapshot_month"])
    complete = [m for m in months if m not in in_progress]
    month = translated_choice(st.select_slider, t("segments.movement_month"), months, "segments_month",
                              complete[-1] if complete else months[-1],
                              format_func=lambda m: period_label(m, "month", m in in_progress))
    moves = movement[(movement["snapshot_month"] == month) & (movement["from_segment"] != "none")]
    if moves.empty:
        nothing_to_show("common.no_data")
    else:
        sources = sorted(moves["from_segment"].unique())
        targets = sorted(moves["to_segment"].unique())
        nodes = [label("segment", s) for s in sources] + [label("segment", s) for s in targets]
        figure = go.Figure(go.Sankey(
            node={"label": nodes, "pad": 12},
            link={"source": [sources.index(s) for s in moves["from_segment"]],
                  "target": [len(sources) + targets.index(s) for s in moves["to_segment"]],
                  "value": list(moves["customers"])}))
        figure.update_layout(height=420, margin={"t": 20, "b": 20})
        st.plotly_chart(figure, width="stretch", key="segment_movement_chart")
        moved = int(moves.loc[moves["from_segment"] != moves["to_segment"], "customers"].sum())
        st.caption(t("segments.movement_caption", moved=f.number(moved),
                     month=period_label(month, "month", month in in_progress)))

st.subheader(t("segments.drill_down"))
segments = list(by_segment.sort_values("customers", ascending=False)["rfm_segment"])
segment = translated_choice(st.selectbox, t("segments.segment"), segments, "segments_drill_segment", segments[0],
                            format_func=lambda s: label("segment", s))
if not is_analyst():
    # The segment's people by name and their contact list: personal data, kept from viewers.
    st.info(t("access.analysts_only"))
else:
    customers = load(queries.segment_customers, segment, country)
    show_table({
        t("col.name"): customers["full_name"],
        t("col.company"): customers["company_name"],
        t("col.country"): [label("country", c) for c in customers["country_code"]],
        t("segments.value_tier"): [label("tier", v) for v in customers["value_tier"]],
        t("segments.recency_days"): [f.days(v) for v in customers["recency_days"]],
        t("segments.frequency"): [f.number(v) for v in customers["frequency"]],
        t("segments.revenue"): [money(v) for v in customers["monetary_reporting"]],
        t("col.consent"): [yes_no(v) for v in customers["has_marketing_consent"]],
    })

    counts = load(queries.segment_consent_counts, segment, country)
    st.markdown(t("segments.export_summary", exportable=f.number(counts["exportable"]),
                  without_consent=f.number(counts["without_consent"]), without_email=f.number(counts["without_email"])))
    if counts["exportable"]:
        # Read when the button is pressed (a large segment's list is not built on every view of the page), outside
        # this run of the script: the user's file is chosen now, while st.user is known.
        user_file = serving_db()

        def contact_list_csv(segment=segment, country=country, path=user_file) -> bytes:
            return queries.segment_export(path, segment, country)

        st.download_button(t("segments.export"), contact_list_csv, on_click="ignore",
                           file_name=f"segment-{segment}{'-' + country if country else ''}.csv", mime="text/csv",
                           key="segments_export")
