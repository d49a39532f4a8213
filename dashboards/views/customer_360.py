"""Customer 360: find a person by name, email or phone number (any format), or a company by name; then the
person's golden record and every touchpoint, or the company's contacts, open deals, revenue and last touches."""

import streamlit as st

from common.settings import get_settings
from dashboards.data import load
from dashboards.i18n import MISSING
from dashboards.queries import customer_360 as queries
from dashboards.ui import (
    fmt,
    label,
    nothing_to_show,
    present,
    readable_summary,
    show_table,
    show_table_or_say_empty,
    t,
    translated_choice,
    yes_no,
)

st.title(t("page.customer_360"))
f = fmt()
query = st.text_input(t("c360.search"), key="c360_query", placeholder=t("c360.search_placeholder")).strip()
if not query:
    st.caption(t("c360.search_help"))
    st.stop()

people = load(queries.search_customers, query, get_settings().default_phone_region)
companies = load(queries.search_companies, query)
if people.empty and companies.empty:
    nothing_to_show("c360.no_match", query=query)
    st.stop()

choices = [("customer", row.customer_id) for row in people.itertuples()] + \
          [("company", row.company_id) for row in companies.itertuples()]
names = {("customer", row.customer_id): t("c360.person_choice", name=present(row.full_name, row.primary_email),
                                          matched=f.phone(row.matched_value) if row.matched_on == "phone"
                                          else row.matched_value,
                                          company=present(row.company_name))
         for row in people.itertuples()}
names.update({("company", row.company_id): t("c360.company_choice", name=row.company_name,
                                             country=label("country", row.country_code),
                                             contacts=f.number(row.contact_count))
              for row in companies.itertuples()})
# Everyone and every company matching, not only the rows listed (the best 20 of each).
found = sum(int(frame["total_matches"].iloc[0]) for frame in (people, companies) if len(frame))
picked = translated_choice(st.radio, t("c360.results" if found == len(choices) else "c360.results_shown",
                                       count=f.number(found), shown=f.number(len(choices))),
                           choices, "c360_pick", choices[0], format_func=names.get)


def show_consents(customer_id: str) -> None:
    """Consent per purpose, where it stands and where it was stated, then every statement, newest first."""
    f = fmt()
    consents = load(queries.customer_consents, customer_id)
    if consents.empty:
        return
    withdrawn = int((~consents["is_granted"].astype(bool)).sum())
    with st.expander(t("c360.consents", withdrawn=withdrawn) if withdrawn else t("c360.consents_all")):
        show_table({
            t("c360.purpose"): [label("purpose", p) for p in consents["purpose"]],
            t("c360.allowed"): [yes_no(v) for v in consents["is_granted"]],
            t("c360.stated_in"): [label("consent_source", s) if stated else t("c360.consent_default")
                                  for s, stated in zip(consents["source"], consents["is_stated"], strict=True)],
            t("c360.when"): [f.date(v) for v in consents["stated_at"]],
        })
        history = load(queries.customer_consent_history, customer_id)
        if not history.empty:
            st.caption(t("c360.consent_history"))
            show_table({
                t("c360.when"): [f.date(v) for v in history["stated_at"]],
                t("c360.purpose"): [label("purpose", p) for p in history["purpose"]],
                t("c360.allowed"): [yes_no(v) for v in history["is_granted"]],
                t("c360.stated_in"): [label("consent_source", s) for s in history["source"]],
                t("c360.detail"): history["source_detail"],
            })


def show_customer(customer_id: str) -> None:
    profile = load(queries.customer_profile, customer_id)
    if not profile:
        nothing_to_show("common.no_data")
        return
    currency = present(profile.get("reporting_currency"), default="")
    st.header(present(profile["full_name"], profile["primary_email"], default=customer_id))
    latin = present(profile.get("full_name_latin"), default=None)
    if latin and latin != present(profile["full_name"], default=None):
        st.caption(latin)
    cards = st.columns(4)
    cards[0].metric(t("c360.segment"), label("segment", present(profile.get("rfm_segment"), default="none")),
                    help=t("c360.value_tier", tier=label("tier", profile.get("value_tier"))), border=True)
    cards[1].metric(t("c360.lifetime_revenue"),
                    f.money(present(profile["lifetime_revenue_reporting"], default=0), currency) if currency
                    else f.number(present(profile["lifetime_revenue_reporting"], default=0)), border=True)
    cards[2].metric(t("c360.orders"), f.number(present(profile["completed_order_count"], default=0)), border=True)
    consent_source = profile.get("marketing_consent_source")
    cards[3].metric(t("c360.consent"), yes_no(bool(profile["has_marketing_consent"])),
                    help=t("c360.consent_source", source=label("consent_source", consent_source))
                    if isinstance(consent_source, str) else None, border=True)
    left, right = st.columns(2)
    with left:
        st.markdown("\n".join(f"- **{t(key)}**: {value}" for key, value in [
            ("col.email", present(profile["primary_email"])),
            ("col.phone", f.phone(profile["primary_phone"])),
            ("col.company", present(profile["company_name"])),
            ("c360.job_title", present(profile["job_title"])),
            ("col.country", label("country", profile["country_code"])),
            ("c360.language", label("language", profile["language"])),
        ]))
    with right:
        st.markdown("\n".join(f"- **{t(key)}**: {value}" for key, value in [
            ("c360.lifecycle", label("lifecycle", profile["lifecycle_stage"])),
            ("c360.owner", present(profile["owner_email"])),
            ("c360.acquired", f"{label('channel', profile['acquisition_channel'])} · {f.date(profile['acquired_at'])}"),
            ("c360.first_seen", f.date(profile["first_seen_at"])),
            ("c360.last_seen", f.date(profile["last_seen_at"])),
            ("c360.address", " ".join(str(v) for v in (profile["postal_code"], profile["city"], profile["address_line"])
                                      if isinstance(v, str) and v) or MISSING),
        ]))
    points = load(queries.customer_contact_points, customer_id)
    if not points.empty:
        with st.expander(t("c360.contact_points", count=len(points))):
            show_table({
                t("c360.kind"): [t(f"col.{k}") for k in points["kind"]],
                t("c360.value"): [f.phone(v) if k == "phone" else v for k, v in zip(points["kind"], points["value"],
                                                                                    strict=True)],
                t("c360.primary"): [yes_no(v) for v in points["is_primary"]],
                t("c360.sources"): [", ".join(label("record_type", s) for s in str(v).split(", ")) if v else v
                                    for v in points["sources"]],
                t("c360.last_seen"): [f.date(v) for v in points["last_seen_at"]],
            })
    show_consents(customer_id)
    possible = load(queries.customer_possible_matches, customer_id, optional=True)
    if possible is not None and not possible.empty:
        with st.expander(t("c360.possible_matches", count=len(possible)), expanded=True):
            st.caption(t("c360.possible_matches_help"))
            show_table({
                t("c360.other_customer"): possible["other_customer_id"],
                t("col.name"): possible["other_full_name"],
                t("col.email"): possible["other_email"],
                t("c360.date_of_birth"): [f.date(v) for v in possible["other_date_of_birth"]],
                t("c360.address"): possible["other_postal_address"],
                t("c360.match_probability"): [f.percent(v) for v in possible["match_probability"]],
                t("c360.why"): possible["why"],
                t("c360.decide"): [f"crm identity review --same {a} {b}" for a, b in
                                   zip(possible["left_record_key"], possible["right_record_key"], strict=True)],
            })
    st.subheader(t("c360.timeline"))
    timeline = load(queries.customer_timeline, customer_id)
    if timeline.empty:
        nothing_to_show("c360.no_touchpoints")
        return
    channels = sorted(timeline["channel"].dropna().unique())
    shown_channels = translated_choice(st.multiselect, t("filter.channel"), channels, "c360_timeline_channels",
                                       channels, format_func=lambda c: label("channel", c))
    timeline = timeline[timeline["channel"].isin(shown_channels)]
    show_table({
        t("c360.when"): [f.datetime(v) for v in timeline["occurred_at"]],
        t("filter.channel"): [label("channel", c) for c in timeline["channel"]],
        t("c360.direction"): [label("direction", d) for d in timeline["direction"]],
        t("c360.summary"): [readable_summary(s) for s in timeline["summary"]],
    })


def show_company(company_id: str) -> None:
    company = load(queries.company_profile, company_id)
    if not company:
        nothing_to_show("common.no_data")
        return
    currency = present(company.get("reporting_currency"), default="")
    st.header(company["company_name"])
    st.caption(" · ".join(str(v) for v in (company["domain"], company["industry"], company["city"],
                                          label("country", company["country_code"])) if isinstance(v, str) and v))
    cards = st.columns(4)
    cards[0].metric(t("c360.contacts"), f.number(present(company["contact_count"], default=0)), border=True)
    cards[1].metric(t("c360.open_deals"), f.number(present(company["open_deal_count"], default=0)),
                    help=f.money(present(company["open_deal_amount_reporting"], default=0), currency), border=True)
    cards[2].metric(t("c360.revenue"), f.money(present(company["revenue_reporting"], default=0), currency), border=True)
    cards[3].metric(t("c360.last_touch"), f.date(company["last_touch_at"]), border=True)
    st.subheader(t("c360.contacts"))
    contacts = load(queries.company_contacts, company_id)
    show_table({
        t("col.name"): contacts["full_name"],
        t("c360.job_title"): contacts["job_title"],
        t("col.email"): contacts["primary_email"],
        t("col.phone"): [f.phone(v) for v in contacts["primary_phone"]],
        t("c360.lifecycle"): [label("lifecycle", s) for s in contacts["lifecycle_stage"]],
        t("c360.revenue"): [f.money(v, currency) for v in contacts["lifetime_revenue_reporting"].fillna(0)],
    })
    st.subheader(t("c360.open_deals"))
    show_table_or_say_empty(load(queries.company_open_deals, company_id), "sales.no_open_deals", lambda deals: {
        t("sales.deal"): deals["deal_name"],
        t("sales.stage"): [label("deal_stage", s) for s in deals["stage"]],
        t("sales.owner"): deals["owner_name"],
        t("sales.amount", currency=currency): [f.money(v, currency) for v in deals["amount_reporting"]],
        t("sales.expected_close"): [f.date(d) for d in deals["expected_close_date"]],
    })
    st.subheader(t("c360.last_touches"))
    show_table_or_say_empty(load(queries.company_last_touches, company_id), "c360.no_touchpoints", lambda touches: {
        t("c360.when"): [f.datetime(v) for v in touches["occurred_at"]],
        t("col.name"): touches["full_name"],
        t("filter.channel"): [label("channel", c) for c in touches["channel"]],
        t("c360.summary"): [readable_summary(s) for s in touches["summary"]],
    })


kind, identifier = picked
if kind == "customer":
    show_customer(identifier)
else:
    show_company(identifier)
