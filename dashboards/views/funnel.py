"""Funnel: the customer journey's stages with step and overall conversion, drop-off and time to convert, broken
down by channel, campaign, country, segment or cohort, for a conversion window; and who dropped off."""

import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from dashboards.data import load
from dashboards.queries import funnel as queries
from dashboards.queries import shared
from dashboards.ui import (
    country_filter,
    fmt,
    label,
    nothing_to_show,
    segment_filter,
    show_table,
    t,
    translated_choice,
)

# The label kind of each breakdown's values (a campaign is named by its data; a cohort is a month).
BREAKDOWN_LABELS = {"acquisition_channel": "channel", "country": "country", "rfm_segment": "segment"}

st.title(t("page.funnel"))
options = load(shared.filter_options)
country = country_filter(options.get("country", []))
segment = segment_filter(options.get("segment", []))
longest_window = load(queries.funnel_window_days)
if longest_window is None:
    nothing_to_show("common.no_data")
    st.stop()
f = fmt()

left, right = st.columns(2)
window = left.slider(t("funnel.window"), min_value=1, max_value=longest_window, value=longest_window,
                     key="funnel_window", help=t("funnel.window_help", days=longest_window))
breakdown = translated_choice(right.selectbox, t("funnel.breakdown"), list(queries.FUNNEL_BREAKDOWNS),
                              "funnel_breakdown", "all", format_func=lambda b: t(f"funnel.breakdown.{b}"))

# Everyone, and (another breakdown picked) each breakdown value: the same query, cached per arguments.
everyone = load(queries.funnel, window, "all", country, segment)
if everyone.empty:
    nothing_to_show("common.no_data")
    st.stop()


def breakdown_label(value) -> str:
    if value == "unknown":
        return t("common.unknown")
    if breakdown == "cohort_month":
        return f.month(value)
    return label(BREAKDOWN_LABELS[breakdown], value) if breakdown in BREAKDOWN_LABELS else value


# Plotly's own "percent initial" text is English: the shares are written with the catalogue's words.
shares = "<br>".join([t("funnel.share_of_first", share="%{percentInitial:.0%}"),
                      t("funnel.share_of_previous", share="%{percentPrevious:.0%}")])
figure = go.Figure(go.Funnel(y=[label("stage", s) for s in everyone["stage"]], x=list(everyone["customers"]),
                             texttemplate="%{value:,}<br>" + shares,
                             hovertemplate="%{y}: %{value:,}<br>" + shares + "<extra></extra>"))
figure.update_layout(height=360, margin={"t": 20, "b": 20})
st.plotly_chart(figure, width="stretch", key="funnel_chart")

st.subheader(t("funnel.stages"))
show_table({
    t("funnel.stage"): [label("stage", s) for s in everyone["stage"]],
    t("funnel.customers"): [f.number(v) for v in everyone["customers"]],
    t("funnel.step_conversion"): [f.percent(v) for v in everyone["step_conversion"]],
    t("funnel.overall_conversion"): [f.percent(v) for v in everyone["overall_conversion"]],
    t("funnel.dropped_off"): [f.number(v) for v in everyone["dropped_off"]],
    **({t("funnel.median_days"): [f.days(v) for v in everyone["median_days_from_previous_stage"]]}
       if breakdown == "all" else {}),
})
st.caption(t("funnel.caption", window=window))

if breakdown != "all":
    st.subheader(t("funnel.by_breakdown", breakdown=t(f"funnel.breakdown.{breakdown}")))
    per_value = load(queries.funnel, window, breakdown, country, segment)
    top_values = (per_value[per_value["stage_order"] == 1].nlargest(12, "customers")["breakdown_value"])
    shown = per_value[per_value["breakdown_value"].isin(top_values)]
    shown = shown.assign(value_label=[breakdown_label(v) for v in shown["breakdown_value"]])
    figure = px.bar(shown.assign(stage=[label("stage", s) for s in shown["stage"]]), x="stage",
                    y="overall_conversion", color="value_label", barmode="group",
                    labels={"stage": "", "overall_conversion": t("funnel.overall_conversion"), "value_label": ""})
    figure.update_yaxes(tickformat=".0%")
    st.plotly_chart(figure, width="stretch", key="funnel_breakdown_chart")
    show_table({
        t(f"funnel.breakdown.{breakdown}"): shown["value_label"],
        t("funnel.stage"): [label("stage", s) for s in shown["stage"]],
        t("funnel.customers"): [f.number(v) for v in shown["customers"]],
        t("funnel.step_conversion"): [f.percent(v) for v in shown["step_conversion"]],
        t("funnel.overall_conversion"): [f.percent(v) for v in shown["overall_conversion"]],
        t("funnel.median_days"): [f.days(v) for v in shown["median_days_from_previous_stage"]],
    })

st.subheader(t("funnel.drop_offs"))
stages_with_next = everyone.iloc[:-1]
most_dropped = stages_with_next["stage"].iloc[int(stages_with_next["dropped_off"].fillna(0).to_numpy().argmax())]
drop_stage = translated_choice(st.selectbox, t("funnel.dropped_at"), list(stages_with_next["stage"]),
                               "funnel_drop_stage", most_dropped, format_func=lambda s: label("stage", s))
people = load(queries.funnel_drop_offs, window, drop_stage, breakdown, country, segment, shared.ROWS_SHOWN)
if people.empty:
    nothing_to_show("funnel.no_drop_offs")
else:
    # Everyone who dropped off, not the rows listed (at most shared.ROWS_SHOWN).
    total = int(people["total_drop_offs"].iloc[0])
    st.caption(t("funnel.drop_offs_caption" if total > len(people) else "funnel.drop_offs_caption_all",
                 count=f.number(total), shown=f.number(len(people))))
    show_table({
        t("col.name"): people["full_name"],
        t("col.email"): people["primary_email"],
        t("col.country"): [label("country", c) for c in people["country_code"]],
        t("funnel.reached_at"): [f.date(v) for v in people["reached_at"]],
        **({t(f"funnel.breakdown.{breakdown}"): [breakdown_label(v) for v in people["breakdown_value"]]}
           if breakdown != "all" else {}),
    })
