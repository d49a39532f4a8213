"""Sales conversations: e-mail threads with reps and calls through the sales office PBX."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .config import ProcessParameters
from .deals import Pipeline
from .timeutil import DAY, HOUR, Window, business_time_on_day


def rep_index(
    people: pd.DataFrame, contacts: pd.DataFrame, users: pd.DataFrame, rng: np.random.Generator
) -> np.ndarray:
    """The sales rep (row of ``users``) each person deals with: the contact owner, else one of the region."""
    n = len(people)
    primary = contacts[~contacts["is_duplicate"]].set_index("person_idx")["owner_email"]
    owner = primary.reindex(np.arange(n)).fillna("").to_numpy(dtype=object)
    by_email = pd.Series(np.arange(len(users)), index=users["email"].to_numpy(dtype=object))
    rep = by_email.reindex(owner).fillna(-1).to_numpy().astype(np.int64)
    region = people["region"].to_numpy(dtype=object)
    for reg in ("JP", "NA", "EMEA"):
        cands = np.flatnonzero((users["team"].eq("sales") & users["region"].eq(reg)).to_numpy())
        sel = np.flatnonzero((rep < 0) & (region == reg))
        rep[sel] = cands[rng.integers(0, len(cands), size=len(sel))]
    return rep


def sales_threads(
    rng: np.random.Generator,
    people: pd.DataFrame,
    contacts: pd.DataFrame,
    pipeline: Pipeline,
    rep: np.ndarray,
    sys_email: np.ndarray,
    window: Window,
    params: ProcessParameters,
) -> pd.DataFrame:
    parts = []
    deals = pipeline.deals
    dp = deals["person_idx"].to_numpy()
    k = 1 + rng.poisson(max(params.deal_threads_mean - 1, 0), size=len(deals))
    rows = np.repeat(np.arange(len(deals)), k)
    start = deals["created_at"].to_numpy()[rows]
    end = np.where(deals["closed_at"].to_numpy()[rows] > 0, deals["closed_at"].to_numpy()[rows], window.hi)
    u = rng.random(len(rows))
    topic = np.array(["meeting", "proposal", "negotiation"], dtype=object)[np.minimum((u * 3).astype(int), 2)]
    parts.append(
        pd.DataFrame(
            {
                "person_idx": dp[rows],
                "start": (start + u * (end - start)).astype(np.int64),
                "topic": topic,
                "first_inbound": rng.random(len(rows)) < 0.25,
                "n_msgs": 2 + rng.binomial(3, 0.35, size=len(rows)),
            }
        )
    )
    # prospecting e-mails to leads without a deal
    primary = contacts[~contacts["is_duplicate"]]
    no_deal = ~primary["person_idx"].isin(dp).to_numpy() & (
        primary["owner_email"].to_numpy(dtype=object) != ""
    )
    pr = primary[no_deal & (rng.random(len(primary)) < params.prospect_thread_rate)]
    replied = rng.random(len(pr)) < params.reply_rate_outreach
    parts.append(
        pd.DataFrame(
            {
                "person_idx": pr["person_idx"].to_numpy(),
                "start": pr["created_at"].to_numpy()
                + rng.exponential(5 * DAY, size=len(pr)).astype(np.int64)
                + HOUR,
                "topic": "outreach",
                "first_inbound": False,
                "n_msgs": np.where(replied, 2 + rng.binomial(2, 0.4, size=len(pr)), 1),
            }
        )
    )
    # inbound inquiries from web forms of company people
    form = people["form_identified"].to_numpy() & (people["company_idx"].to_numpy() >= 0)
    iq = np.flatnonzero(form & (rng.random(len(people)) < 0.3))
    parts.append(
        pd.DataFrame(
            {
                "person_idx": iq,
                "start": people["form_at"].to_numpy()[iq] + rng.integers(600, 6 * HOUR, size=len(iq)),
                "topic": "inquiry",
                "first_inbound": True,
                "n_msgs": 2 + rng.binomial(2, 0.4, size=len(iq)),
            }
        )
    )
    t = pd.concat(parts, ignore_index=True)
    t = t[sys_email[t["person_idx"].to_numpy()] != ""]
    t["mailbox"] = "sales"
    t["user_idx"] = rep[t["person_idx"].to_numpy()]
    t["ticket_id"] = ""
    t["resolved_at_reply"] = 0
    t["closing"] = False
    return t[t["start"] < window.hi].reset_index(drop=True)


def sales_calls(
    rng: np.random.Generator,
    people: pd.DataFrame,
    contacts: pd.DataFrame,
    pipeline: Pipeline,
    rep: np.ndarray,
    window: Window,
    params: ProcessParameters,
) -> pd.DataFrame:
    """Calls between reps and people: person_idx, user_idx, start, direction, disposition, ring_s, talk_s."""
    tz = people["timezone"].to_numpy(dtype=object)
    primary = contacts[~contacts["is_duplicate"]]
    phone_on_file = pd.Series(primary["phone"].to_numpy(dtype=object) != "", index=primary["person_idx"])
    parts = []
    deals = pipeline.deals
    k = rng.poisson(params.deal_calls_mean, size=len(deals))
    rows = np.repeat(np.arange(len(deals)), k)
    start = deals["created_at"].to_numpy()[rows]
    end = np.where(deals["closed_at"].to_numpy()[rows] > 0, deals["closed_at"].to_numpy()[rows], window.hi)
    parts.append(
        pd.DataFrame(
            {
                "person_idx": deals["person_idx"].to_numpy()[rows],
                "anchor": (start + rng.random(len(rows)) * (end - start)).astype(np.int64),
                "inbound": rng.random(len(rows)) < 0.2,
            }
        )
    )
    no_deal = ~primary["person_idx"].isin(deals["person_idx"]).to_numpy()
    pr = primary[
        no_deal
        & (primary["owner_email"].to_numpy(dtype=object) != "")
        & (rng.random(len(primary)) < params.prospect_call_rate)
    ]
    k = 1 + (rng.random(len(pr)) < 0.4)
    rows = np.repeat(np.arange(len(pr)), k)
    parts.append(
        pd.DataFrame(
            {
                "person_idx": pr["person_idx"].to_numpy()[rows],
                "anchor": pr["created_at"].to_numpy()[rows]
                + rng.exponential(10 * DAY, size=len(rows)).astype(np.int64),
                "inbound": False,
            }
        )
    )
    # offline leads: the inbound call that made them a contact, or a follow-up after the event
    off = np.flatnonzero(people["offline"].to_numpy() & people["is_contact"].to_numpy())
    is_event = people["acquisition_channel"].to_numpy(dtype=object)[off] == "event"
    follow = rng.random(len(off)) < 0.6
    sel = ~is_event | follow
    parts.append(
        pd.DataFrame(
            {
                "person_idx": off[sel],
                "anchor": np.where(
                    is_event[sel],
                    people["contact_created_at"].to_numpy()[off[sel]] + rng.integers(DAY, 7 * DAY, sel.sum()),
                    people["first_touch_at"].to_numpy()[off[sel]],
                ),
                "inbound": ~is_event[sel],
                "exact": ~is_event[sel],
            }
        )
    )
    c = pd.concat(parts, ignore_index=True)
    c["exact"] = c["exact"].fillna(False).astype(bool)
    p = c["person_idx"].to_numpy()
    # outbound calls need a number on file
    on_file = phone_on_file.reindex(p).fillna(False).to_numpy(dtype=bool)
    c = c[c["inbound"].to_numpy() | on_file].reset_index(drop=True)
    p = c["person_idx"].to_numpy()
    start = np.where(c["exact"], c["anchor"], business_time_on_day(c["anchor"].to_numpy(), tz[p], rng))
    c["start"] = start
    c["user_idx"] = rep[p]
    n = len(c)
    dispo_names = np.array(list(params.call_disposition.keys()), dtype=object)
    dw = np.array(list(params.call_disposition.values()))
    dispo = dispo_names[rng.choice(len(dispo_names), size=n, p=dw / dw.sum())]
    dispo = np.where(c["inbound"] & (dispo != "ANSWERED") & (rng.random(n) < 0.7), "ANSWERED", dispo)
    c["disposition"] = dispo
    c["ring_s"] = np.select(
        [dispo == "ANSWERED", dispo == "NO ANSWER", dispo == "BUSY"],
        [rng.integers(3, 25, n), rng.integers(25, 46, n), rng.integers(1, 6, n)],
        default=rng.integers(0, 3, n),
    )
    c["talk_s"] = np.where(
        dispo == "ANSWERED", np.exp(rng.normal(np.log(240), 0.8, n)).astype(np.int64) + 5, 0
    )
    c = c[
        window.inside(c["start"].to_numpy())
        & window.inside(c["start"].to_numpy() + c["ring_s"] + c["talk_s"])
    ]
    c = c.sort_values(["start", "person_idx"], kind="stable").reset_index(drop=True)
    return c.drop(columns=["anchor", "exact"])
