"""Customer 360: find a person by name, email or phone number (any format), or a company by name; then the
person's golden record and every touchpoint, or the company's contacts, open deals, revenue and last touches."""

import pandas as pd
import streamlit as st

from common.settings import get_settings
from dashboards.data import load
from dashboards.ui import fmt, label, nothing_to_show, t, translated_choice

st.title(t("page.customer_360"))
f = fmt()
query = st.text_input(t("c360.search"), key="c360_query", placeholder=t("c360.search_placeholder")).strip()
if not query:
    st.caption(t("c360.search_help"))
    st.stop()

people = load("search_customers", query, get_settings().default_phone_region)
companies = load("search_companies", query)
if people.empty and companies.empty:
    nothing_to_show("c360.no_match", query=query)
    st.stop()

choices = [("customer", row.customer_id) for row in people.itertuples()] + \
          [("company", row.company_id) for row in companies.itertuples()]
names = {("customer", row.customer_id): t("c360.person_choice", name=row.full_name or row.primary_email or "?",
                                          matched=row.matched_value, company=row.company_name or "—")
         for row in people.itertuples()}
names.update({("company", row.company_id): t("c360.company_choice", name=row.company_name,
                                             country=row.country_code or "—", contacts=row.contact_count)
              for row in companies.itertuples()})
picked = translated_choice(st.radio, t("c360.results", count=len(choices)), choices, "c360_pick", choices[0],
                           format_func=names.get)


def show_customer(customer_id: str) -> None:
    profile = load("customer_profile", customer_id)
    if not profile:
        nothing_to_show("common.no_data")
        return
    currency = profile.get("reporting_currency") or ""
    st.header(profile["full_name"] or profile["primary_email"] or customer_id)
    if profile.get("full_name_latin") and profile["full_name_latin"] != profile["full_name"]:
        st.caption(profile["full_name_latin"])
    cards = st.columns(4)
    cards[0].metric(t("c360.segment"), label("segment", profile.get("rfm_segment") or "none"),
                    help=t("c360.value_tier", tier=label("tier", profile.get("value_tier"))), border=True)
    cards[1].metric(t("c360.lifetime_revenue"),
                    f.money(profile["lifetime_revenue_reporting"] or 0, currency) if currency
                    else f.number(profile["lifetime_revenue_reporting"] or 0), border=True)
    cards[2].metric(t("c360.orders"), f.number(profile["completed_order_count"] or 0), border=True)
    cards[3].metric(t("c360.consent"), t("common.yes") if profile["has_marketing_consent"] else t("common.no"),
                    help=profile.get("marketing_consent_source") or None, border=True)
    left, right = st.columns(2)
    with left:
        st.markdown("\n".join(f"- **{t(key)}**: {value}" for key, value in [
            ("col.email", profile["primary_email"] or "—"),
            ("col.phone", profile["primary_phone"] or "—"),
            ("col.company", profile["company_name"] or "—"),
            ("c360.job_title", profile["job_title"] or "—"),
            ("col.country", profile["country_code"] or "—"),
            ("c360.language", profile["language"] or "—"),
        ]))
    with right:
        st.markdown("\n".join(f"- **{t(key)}**: {value}" for key, value in [
            ("c360.lifecycle", label("lifecycle", profile["lifecycle_stage"])),
            ("c360.owner", profile["owner_email"] or "—"),
            ("c360.acquired", f"{label('channel', profile['acquisition_channel'])} · {f.date(profile['acquired_at'])}"),
            ("c360.first_seen", f.date(profile["first_seen_at"])),
            ("c360.last_seen", f.date(profile["last_seen_at"])),
            ("c360.address", " ".join(str(v) for v in (profile["postal_code"], profile["city"], profile["address_line"])
                                      if v) or "—"),
        ]))
    points = load("customer_contact_points", customer_id)
    if not points.empty:
        with st.expander(t("c360.contact_points", count=len(points))):
            st.dataframe(pd.DataFrame({
                t("c360.kind"): [t(f"col.{k}") for k in points["kind"]],
                t("c360.value"): points["value"],
                t("c360.primary"): points["is_primary"],
                t("c360.sources"): points["sources"],
                t("c360.last_seen"): [f.date(v) for v in points["last_seen_at"]],
            }), hide_index=True, width="stretch")
    possible = load("customer_possible_matches", customer_id, optional=True)
    if possible is not None and not possible.empty:
        with st.expander(t("c360.possible_matches", count=len(possible)), expanded=True):
            st.caption(t("c360.possible_matches_help"))
            st.dataframe(pd.DataFrame({
                t("c360.other_customer"): possible["other_customer_id"],
                t("col.name"): possible["other_full_name"],
                t("col.email"): possible["other_email"],
                t("c360.date_of_birth"): possible["other_date_of_birth"],
                t("c360.address"): possible["other_postal_address"],
                t("c360.match_probability"): [f.percent(v) for v in possible["match_probability"]],
                t("c360.why"): possible["why"],
                t("c360.decide"): [f"crm identity review --same {a} {b}" for a, b in
                                   zip(possible["left_record_key"], possible["right_record_key"], strict=True)],
            }), hide_index=True, width="stretch")
    st.subheader(t("c360.timeline"))
    timeline = load("customer_timeline", customer_id)
    if timeline.empty:
        nothing_to_show("c360.no_touchpoints")
        return
    channels = sorted(timeline["channel"].dropna().unique())
    shown_channels = translated_choice(st.multiselect, t("filter.channel"), channels, "c360_timeline_channels",
                                       channels, format_func=lambda c: label("channel", c))
    timeline = timeline[timeline["channel"].isin(shown_channels)]
    st.dataframe(pd.DataFrame({
        t("c360.when"): [f.datetime(v) for v in timeline["occurred_at"]],
        t("filter.channel"): [label("channel", c) for c in timeline["channel"]],
        t("c360.direction"): timeline["direction"],
        t("c360.summary"): timeline["summary"],
    }), hide_index=True, width="stretch")


def show_company(company_id: str) -> None:
    company = load("company_profile", company_id)
    if not company:
        nothing_to_show("common.no_data")
        return
    currency = company.get("reporting_currency") or ""
    st.header(company["company_name"])
    st.caption(" · ".join(str(v) for v in (company["domain"], company["industry"], company["city"],
                                          company["country_code"]) if v))
    cards = st.columns(4)
    cards[0].metric(t("c360.contacts"), f.number(company["contact_count"] or 0), border=True)
    cards[1].metric(t("c360.open_deals"), f.number(company["open_deal_count"] or 0),
                    help=f.money(company["open_deal_amount_reporting"] or 0, currency), border=True)
    cards[2].metric(t("c360.revenue"), f.money(company["revenue_reporting"] or 0, currency), border=True)
    cards[3].metric(t("c360.last_touch"), f.date(company["last_touch_at"]), border=True)
    st.subheader(t("c360.contacts"))
    contacts = load("company_contacts", company_id)
    st.dataframe(pd.DataFrame({
        t("col.name"): contacts["full_name"],
        t("c360.job_title"): contacts["job_title"],
        t("col.email"): contacts["primary_email"],
        t("col.phone"): contacts["primary_phone"],
        t("c360.lifecycle"): [label("lifecycle", s) for s in contacts["lifecycle_stage"]],
        t("c360.revenue"): [f.money(v or 0, currency) for v in contacts["lifetime_revenue_reporting"]],
    }), hide_index=True, width="stretch")
    st.subheader(t("c360.open_deals"))
    deals = load("company_open_deals", company_id)
    if deals.empty:
        nothing_to_show("sales.no_open_deals")
    else:
        st.dataframe(pd.DataFrame({
            t("sales.deal"): deals["deal_name"],
            t("sales.stage"): [label("deal_stage", s) for s in deals["stage"]],
            t("sales.owner"): deals["owner_name"],
            t("sales.amount", currency=currency): [f.money(v, currency) for v in deals["amount_reporting"]],
            t("sales.expected_close"): [f.date(d) for d in deals["expected_close_date"]],
        }), hide_index=True, width="stretch")
    st.subheader(t("c360.last_touches"))
    touches = load("company_last_touches", company_id)
    if touches.empty:
        nothing_to_show("c360.no_touchpoints")
    else:
        st.dataframe(pd.DataFrame({
            t("c360.when"): [f.datetime(v) for v in touches["occurred_at"]],
            t("col.name"): touches["full_name"],
            t("filter.channel"): [label("channel", c) for c in touches["channel"]],
            t("c360.summary"): touches["summary"],
        }), hide_index=True, width="stretch")


kind, identifier = picked
if kind == "customer":
    show_customer(identifier)
else:
    show_company(identifier)
