"""CRM contacts: one per known person, plus the noise a real CRM accumulates.

Noise added here (see docs/landing_formats.md, "Noise, on purpose"): duplicate contacts with variant
spellings, missing e-mails, shared ``info@`` inboxes, varied phone formats, full-width characters and
romanized names in the Japanese CRM.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import pandas as pd

from .config import ProcessParameters
from .ids import IdCounter, sequential_ids
from .phones import STYLE_COUNT, format_phones
from .text import gmail_dots, to_fullwidth, typo
from .timeutil import DAY, Window

# phone style weights per country (index = style of phones.format_phones)
_PHONE_STYLE_P = MappingProxyType(
    {
        "JP": [0.5, 0.2, 0.2, 0.1],
        "US": [0.45, 0.2, 0.2, 0.1, 0.05],
        "GB": [0.5, 0.25, 0.15, 0.1],
        "DE": [0.45, 0.3, 0.15, 0.1],
        "FR": [0.5, 0.25, 0.15, 0.1],
    }
)


def _phone_styles(rng: np.random.Generator, countries: np.ndarray) -> np.ndarray:
    styles = np.zeros(len(countries), dtype=np.int64)
    for c, p in _PHONE_STYLE_P.items():
        idx = np.flatnonzero(countries == c)
        styles[idx] = rng.choice(STYLE_COUNT[c], size=len(idx), p=p)
    return styles


def assign_owners(
    rng: np.random.Generator,
    people: pd.DataFrame,
    companies: pd.DataFrame,
    users: pd.DataFrame,
    comp_owner: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Account owner per company (a sales rep of its region) and contact owner per person.

    ``comp_owner``: the account owners an earlier chunk of the population drew (a company keeps its owner
    whichever chunk its people are in); None draws them first, as an unchunked run does."""
    reps = users[users["team"].eq("sales")]
    if comp_owner is None:
        comp_region = companies["country"].map({"JP": "JP", "US": "NA"}).fillna("EMEA").to_numpy(dtype=object)
        comp_owner = np.empty(len(companies), dtype=object)
        for reg in ("JP", "NA", "EMEA"):
            idx = np.flatnonzero(comp_region == reg)
            emails = reps.loc[reps["region"].eq(reg), "email"].to_numpy(dtype=object)
            comp_owner[idx] = emails[rng.integers(0, len(emails), size=len(idx))]
    owner = np.full(len(people), "", dtype=object)
    cidx = people["company_idx"].to_numpy()
    has = cidx >= 0
    owner[has] = comp_owner[cidx[has]]
    region = people["region"].to_numpy(dtype=object)
    # consumers: a rep only for some leads (round-robin on inbound leads)
    lead = ~has & (rng.random(len(people)) < 0.35)
    for reg in ("JP", "NA", "EMEA"):
        idx = np.flatnonzero(lead & (region == reg))
        emails = reps.loc[reps["region"].eq(reg), "email"].to_numpy(dtype=object)
        owner[idx] = emails[rng.integers(0, len(emails), size=len(idx))]
    return comp_owner, owner


def system_emails(
    rng: np.random.Generator,
    people: pd.DataFrame,
    companies: pd.DataFrame,
    params: ProcessParameters,
    shared_inboxes: set[int] | None = None,
) -> np.ndarray:
    """The address each person uses with Acme's systems: own address, a shared info@ inbox, or none.

    ``shared_inboxes``: companies whose info@ inbox earlier chunks of the population handed out (not chosen
    again, so an inbox stays shared by 2-3 people); this chunk's choices are added to it."""
    n = len(people)
    sys_email = people["email"].to_numpy(dtype=object).copy()
    contact = people["is_contact"].to_numpy()
    offline = people["offline"].to_numpy()
    # missing e-mail: offline leads whose card had no address
    n_contacts = max(int(contact.sum()), 1)
    n_offline = max(int((contact & offline).sum()), 1)
    p_missing = min(0.8, params.missing_email_rate * n_contacts / n_offline)
    missing = contact & offline & (rng.random(n) < p_missing)
    sys_email[missing] = ""
    # shared inboxes: 2-3 people of the same company all write from info@<domain>
    cidx = people["company_idx"].to_numpy()
    members = pd.DataFrame({"person": np.flatnonzero(contact & (cidx >= 0) & ~missing)})
    members["company"] = cidx[members["person"]]
    counts = members.groupby("company").size()
    eligible = counts.index[counts >= 2].to_numpy()
    if shared_inboxes:
        eligible = eligible[~np.isin(eligible, list(shared_inboxes))]
    k = int(round(len(counts) * params.shared_inbox_company_share))
    if k and len(eligible):
        chosen = np.sort(rng.choice(eligible, size=min(k, len(eligible)), replace=False))
        domains = companies["domain"].to_numpy(dtype=object)
        for comp in chosen:
            persons = members.loc[members["company"].eq(comp), "person"].to_numpy()
            take = persons[: int(rng.integers(2, 4))]
            sys_email[take] = "info@" + domains[comp]
        if shared_inboxes is not None:
            shared_inboxes.update(int(c) for c in chosen)
    return sys_email


def _jp_name_variant(first: str, last: str, kind: int) -> tuple[str, str]:
    if kind == 0:  # family name first, in the given-name field
        return last, first
    if kind == 1:  # full name in one field with an ideographic space
        return "", f"{last}\u3000{first}"
    return "", f"{last} {first}"


def build_contacts(
    rng: np.random.Generator,
    people: pd.DataFrame,
    companies: pd.DataFrame,
    owners: np.ndarray,
    sys_email: np.ndarray,
    window: Window,
    params: ProcessParameters,
    ids: IdCounter | None = None,
) -> pd.DataFrame:
    """Contact records (original + duplicates) with their field values as the CRM holds them."""
    pidx = np.flatnonzero(people["is_contact"].to_numpy())
    pc = people.iloc[pidx].reset_index(drop=True)
    m = len(pc)
    country = pc["country"].to_numpy(dtype=object)
    jp = country == "JP"
    created = pc["contact_created_at"].to_numpy()

    has_phone = rng.random(m) >= params.missing_phone_rate
    phone = format_phones(country, pc["phone_nsn"].to_numpy(dtype=object), _phone_styles(rng, country))
    phone = np.where(has_phone, phone, "")
    base = pd.DataFrame(
        {
            "person_idx": pidx,
            "is_duplicate": False,
            "crm": np.where(jp, "jp", "global"),
            "created_at": created,
            "first_name": pc["first_name"].to_numpy(dtype=object),
            "last_name": pc["last_name"].to_numpy(dtype=object),
            "email": sys_email[pidx],
            "phone": phone,
            "lead_source": pc["acquisition_channel"].to_numpy(dtype=object),
            "owner_email": owners[pidx],
            "marketing_consent": pc["marketing_consent"].to_numpy(dtype=bool),
        }
    )
    # duplicates: the same person entered again later, spelled differently
    dup_sel = np.flatnonzero(rng.random(m) < params.duplicate_contact_rate)
    dup_created = created[dup_sel] + (rng.exponential(90 * DAY, size=len(dup_sel)) + DAY).astype(np.int64)
    keep = dup_created < window.hi
    dup_sel, dup_created = dup_sel[keep], dup_created[keep]
    dups = base.iloc[dup_sel].copy().reset_index(drop=True)
    dups["is_duplicate"] = True
    dups["created_at"] = dup_created
    dups["orig_row"] = dup_sel
    channels = np.array(list(params.channel_shares.keys()), dtype=object)
    dups["lead_source"] = channels[rng.integers(0, len(channels), size=len(dups))]
    dups["marketing_consent"] = rng.random(len(dups)) < params.marketing_consent_rate
    d_country = country[dup_sel]
    # another phone style; full-width digits for some Japanese records
    dup_phone = format_phones(
        d_country,
        pc["phone_nsn"].to_numpy(dtype=object)[dup_sel],
        (_phone_styles(rng, d_country) + 1) % np.array([STYLE_COUNT[c] for c in d_country], dtype=np.int64),
    )
    fw = (d_country == "JP") & (rng.random(len(dups)) < 0.3)
    dup_phone = np.array(
        [to_fullwidth(x) if f else x for x, f in zip(dup_phone, fw, strict=True)], dtype=object
    )
    dups["phone"] = np.where(rng.random(len(dups)) < 0.1, "", dup_phone)
    emails, firsts, lasts = [], [], []
    other_email = np.where(
        pc["email"].to_numpy(dtype=object) == pc["work_email"].to_numpy(dtype=object),
        pc["personal_email"].to_numpy(dtype=object),
        pc["work_email"].to_numpy(dtype=object),
    )[dup_sel]
    latin_first = pc["first_name_latin"].to_numpy(dtype=object)[dup_sel]
    latin_last = pc["last_name_latin"].to_numpy(dtype=object)[dup_sel]
    kinds = rng.random((len(dups), 4))
    for i, row in enumerate(dups.itertuples(index=False)):
        email, first, last = row.email, row.first_name, row.last_name
        if email:
            r = kinds[i, 0]
            if r < 0.3:
                email = email.upper() if kinds[i, 1] < 0.5 else email[0].upper() + email[1:]
            elif r < 0.55 and email.endswith("@gmail.com"):
                email = gmail_dots(email, rng)
            elif r < 0.75 and other_email[i]:
                email = other_email[i]
            elif r < 0.82 and d_country[i] == "JP":
                email = to_fullwidth(email)
        if d_country[i] == "JP":
            r = kinds[i, 2]
            if r < 0.6:
                first, last = _jp_name_variant(first, last, int(kinds[i, 3] * 3))
            elif r < 0.8:
                first, last = to_fullwidth(latin_first[i]), to_fullwidth(latin_last[i])
        else:
            r = kinds[i, 2]
            if r < 0.45:
                if kinds[i, 3] < 0.5:
                    first = typo(first, rng)
                else:
                    last = typo(last, rng)
            elif r < 0.6:
                first, last = first.lower(), last.lower()
            elif r < 0.75:
                first, last = latin_first[i], latin_last[i]
            elif r < 0.85:
                first = first[0] + "."
        emails.append(email)
        firsts.append(first)
        lasts.append(last)
    dups["email"] = np.array(emails, dtype=object)
    dups["first_name"] = np.array(firsts, dtype=object)
    dups["last_name"] = np.array(lasts, dtype=object)

    # record-level noise in the Japanese CRM
    jp_idx = np.flatnonzero(jp)
    r = rng.random((len(jp_idx), 3))
    fw_phone = jp_idx[r[:, 0] < params.fullwidth_phone_rate_jp]
    base.loc[fw_phone, "phone"] = [to_fullwidth(x) for x in base.loc[fw_phone, "phone"]]
    fw_email = jp_idx[r[:, 1] < params.fullwidth_email_rate_jp]
    base.loc[fw_email, "email"] = [to_fullwidth(x) for x in base.loc[fw_email, "email"]]
    roman = jp_idx[r[:, 2] < params.romanized_name_rate_jp]
    half = rng.random(len(roman)) < 0.5
    rf = pc["first_name_latin"].to_numpy(dtype=object)[roman]
    rl = pc["last_name_latin"].to_numpy(dtype=object)[roman]
    base.loc[roman, "first_name"] = [to_fullwidth(x) if h else x for x, h in zip(rf, half, strict=True)]
    base.loc[roman, "last_name"] = [to_fullwidth(x) if h else x for x, h in zip(rl, half, strict=True)]

    base["orig_row"] = -1
    contacts = pd.concat([base, dups], ignore_index=True)
    # ids per CRM in creation order (within a chunk of the population; see generator.py)
    counter = ids or IdCounter()
    contacts = contacts.sort_values(["crm", "created_at", "person_idx"], kind="stable").reset_index(drop=True)
    ids = np.empty(len(contacts), dtype=object)
    for crm, prefix, width in (("global", "CON-", 7), ("jp", "JPC-", 6)):
        sel = np.flatnonzero(contacts["crm"].to_numpy(dtype=object) == crm)
        ids[sel] = sequential_ids(prefix, len(sel), width, counter.take(prefix, len(sel)))
    contacts.insert(0, "contact_id", ids)
    # the primary contact id of each duplicate's person
    primary = contacts[~contacts["is_duplicate"]].set_index("person_idx")["contact_id"]
    contacts["primary_contact_id"] = primary.reindex(contacts["person_idx"]).to_numpy(dtype=object)
    return contacts.drop(columns=["orig_row"])
