"""Final state of the CRM records at export time (lifecycle stages, consent, updated_at, companies)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .deals import Pipeline
from .marketing import Marketing
from .orders import Commerce
from .timeutil import Window
from .writers.crm import CrmFrames


def _lifecycle(
    people: pd.DataFrame, contacts: pd.DataFrame, pipeline: Pipeline, commerce: Commerce
) -> np.ndarray:
    p = contacts["person_idx"].to_numpy()
    customers = set(commerce.orders["person_idx"].tolist())
    with_deal = set(pipeline.deals["person_idx"].tolist())
    is_cust = np.fromiter((x in customers for x in p), dtype=bool, count=len(p))
    has_deal = np.fromiter((x in with_deal for x in p), dtype=bool, count=len(p))
    form = people["form_identified"].to_numpy()[p]
    owned = contacts["owner_email"].to_numpy(dtype=object) != ""
    stage = np.select(
        [is_cust, has_deal, owned, form],
        ["customer", "opportunity", "salesqualifiedlead", "marketingqualifiedlead"],
        default="lead",
    ).astype(object)
    # a duplicate record never got the activity: it stays a lead
    return np.where(contacts["is_duplicate"].to_numpy(), "lead", stage)


def build_crm_frames(
    rng: np.random.Generator,
    people: pd.DataFrame,
    companies: pd.DataFrame,
    comp_owner: np.ndarray,
    users: pd.DataFrame,
    contacts: pd.DataFrame,
    pipeline: Pipeline,
    commerce: Commerce,
    marketing: Marketing,
    campaigns: pd.DataFrame,
    window: Window,
) -> CrmFrames:
    c = contacts.copy()
    p = c["person_idx"].to_numpy()
    cidx = people["company_idx"].to_numpy()[p]
    lose = c["is_duplicate"].to_numpy() & (rng.random(len(c)) < 0.25)
    has_company = (cidx >= 0) & ~lose
    ci = np.maximum(cidx, 0)
    jp = c["crm"].eq("jp").to_numpy()
    c["company_id"] = np.where(has_company, companies["company_id"].to_numpy(dtype=object)[ci], "")
    c["company_name"] = np.where(has_company, companies["company_name"].to_numpy(dtype=object)[ci], "")
    c["job_title"] = people["job_title"].to_numpy(dtype=object)[p]
    c["country"] = people["country"].to_numpy(dtype=object)[p]
    c["city"] = people["city"].to_numpy(dtype=object)[p]
    postal = people["postal_code"].to_numpy(dtype=object)[p]
    c["postal_code"] = np.where(jp & (rng.random(len(c)) < 0.15), "〒" + postal, postal)
    c["address"] = people["address"].to_numpy(dtype=object)[p]
    c["language"] = people["language"].to_numpy(dtype=object)[p]
    c["lifecycle_stage"] = _lifecycle(people, c, pipeline, commerce)
    unsub = marketing.unsubscribed_at.reindex(c["contact_id"]).fillna(0).to_numpy(dtype=np.int64)
    c["marketing_consent"] = np.where(
        c["marketing_consent"].to_numpy(dtype=bool) & (unsub == 0), "true", "false"
    )
    # updated_at: the latest change the CRM saw on the record
    last = pd.Series(c["created_at"].to_numpy(), index=c["contact_id"].to_numpy(dtype=object))
    touches = [
        pd.Series(unsub, index=c["contact_id"].to_numpy(dtype=object)),
        pipeline.deals.groupby("contact_id")["created_at"].max(),
        commerce.orders.groupby("contact_id")["ordered_at"].max(),
    ]
    for s in touches:
        last = np.maximum(last, s.reindex(last.index).fillna(0).astype(np.int64))
    jitter = rng.integers(0, 3600, len(c))
    c["updated_at"] = np.minimum(last.to_numpy() + jitter, window.hi - 1)

    # companies that have at least one contact in the CRM
    comp_rows = np.unique(cidx[has_company])
    first_created = pd.Series(c["created_at"].to_numpy()[has_company]).groupby(cidx[has_company]).min()
    comp_created = pd.Series(
        np.maximum(
            first_created.reindex(comp_rows).to_numpy() - rng.integers(0, 3600, len(comp_rows)), window.lo
        ),
        index=comp_rows,
    )
    comps = crm_companies(companies, comp_owner, comp_created)

    orders = commerce.orders.sort_values(["crm", "ordered_at", "order_id"], kind="stable")
    deals = pipeline.deals
    users = users.copy()
    return CrmFrames(
        users=users,
        companies=comps,
        contacts=c.sort_values(["crm", "contact_id"], kind="stable"),
        deals=deals,
        history=pipeline.history,
        orders=orders,
        invoices=commerce.invoices,
        campaigns=campaigns,
        # drawn last, so adding it changed none of the exports above
        campaign_members=_campaign_members(rng, people, c, campaigns),
    )


def crm_companies(companies: pd.DataFrame, comp_owner: np.ndarray, created_at: pd.Series) -> pd.DataFrame:
    """The CRM's company records: ``created_at`` holds the creation time of each company (by row of
    ``companies``) that has a contact; a population simulated in chunks gives each company the earliest of
    its chunks' times."""
    comp_rows = created_at.index.to_numpy()
    comps = companies.iloc[comp_rows].copy()
    comps["owner_email"] = comp_owner[comp_rows]
    comps["created_at"] = created_at.to_numpy()
    comps["crm"] = np.where(comps["country"].eq("JP"), "jp", "global")
    comps["industry"] = np.where(comps["crm"].eq("jp"), comps["industry_ja"], comps["industry"])
    return comps.sort_values(["crm", "company_id"], kind="stable")


def _campaign_members(
    rng: np.random.Generator, people: pd.DataFrame, contacts: pd.DataFrame, campaigns: pd.DataFrame
) -> pd.DataFrame:
    """Event registrations and attendance as the CRM's campaign members export lists them.

    Everyone met at an event attended it (their first touch) after registering 1-30 days before it opened; about
    as many again as two in five of them are contacts the CRM already had who registered and did not come.
    """
    events = campaigns[campaigns["channel"].eq("event")].reset_index(drop=True)
    primary = contacts[~contacts["is_duplicate"].to_numpy(dtype=bool)]
    if events.empty or primary.empty:
        return pd.DataFrame(columns=["campaign_id", "contact_id", "email", "status", "registered_at",
                                     "attended_at"])
    start_of = events.set_index("campaign_id")["start_ts"]
    person = primary["person_idx"].to_numpy()
    campaign = people["acquisition_campaign_id"].to_numpy(dtype=object)[person]
    met = np.isin(campaign, events["campaign_id"].to_numpy(dtype=object))
    attended = primary[met].copy()
    attended["campaign_id"] = campaign[met]
    attended["attended_at"] = people["first_touch_at"].to_numpy()[person[met]]
    attended["registered_at"] = (start_of.reindex(attended["campaign_id"]).to_numpy()
                                 - rng.integers(1 * 86400, 30 * 86400, len(attended)))
    attended["status"] = "attended"
    no_shows = []
    created = primary["created_at"].to_numpy()
    for event in events.itertuples():
        registrations = int(round(0.4 * (attended["campaign_id"] == event.campaign_id).sum()))
        registered = event.start_ts - rng.integers(1 * 86400, 30 * 86400, registrations)
        known = np.flatnonzero(created < registered.min()) if registrations else np.array([], dtype=int)
        if len(known) == 0:
            continue
        picked = rng.choice(known, size=min(registrations, len(known)), replace=False)
        rows = primary.iloc[picked].copy()
        rows["campaign_id"] = event.campaign_id
        rows["registered_at"] = registered[: len(rows)]
        rows["attended_at"] = 0
        rows["status"] = "registered"
        no_shows.append(rows)
    members = pd.concat([attended, *no_shows], ignore_index=True)
    members = members.drop_duplicates(["campaign_id", "contact_id"]).sort_values(
        ["campaign_id", "registered_at", "contact_id"], kind="stable")
    return members[["campaign_id", "contact_id", "email", "status", "registered_at", "attended_at"]]
