"""Customer support: tickets opened by customers by e-mail (threads) or on the Twilio support line."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .config import ProcessParameters
from .ids import IdCounter, hex_tokens, sequential_ids
from .orders import Commerce
from .templates import SUPPORT_TOPICS
from .timeutil import DAY, HOUR, YEAR, Window, business_time_on_day


@dataclass(frozen=True)
class Support:
    tickets: pd.DataFrame  # ticket_id, person_idx, channel, opened_at, fcr, user_idx, order_id
    threads: pd.DataFrame  # e-mail tickets, same columns as sales threads
    calls: pd.DataFrame  # Twilio call log rows (internal columns)


def simulate_support(
    rng: np.random.Generator,
    people: pd.DataFrame,
    commerce: Commerce,
    users: pd.DataFrame,
    window: Window,
    params: ProcessParameters,
    ids: IdCounter | None = None,
) -> Support:
    cust = commerce.customers
    first = cust["first_order_at"].to_numpy()
    years = np.maximum(window.hi - first, 0) / YEAR
    k = rng.poisson(params.tickets_per_customer_year * years)
    rows = np.repeat(np.arange(len(cust)), k)
    person = cust["person_idx"].to_numpy()[rows]
    opened = (first[rows] + rng.random(len(rows)) * (window.hi - first[rows])).astype(np.int64)
    tz = people["timezone"].to_numpy(dtype=object)[person]
    region = people["region"].to_numpy(dtype=object)[person]
    email_share = pd.Series(region, dtype=object).map(dict(params.ticket_email_share)).to_numpy(dtype=float)
    channel = np.where(rng.random(len(rows)) < email_share, "email", "phone").astype(object)
    opened = np.where(channel == "phone", business_time_on_day(opened, tz, rng), opened)
    topic = np.array(SUPPORT_TOPICS, dtype=object)[
        rng.choice(len(SUPPORT_TOPICS), size=len(rows), p=[0.2, 0.18, 0.14, 0.16, 0.14, 0.06, 0.12])
    ]
    # the customer's latest order before the ticket, for invoice/refund questions
    left = pd.DataFrame({"row": np.arange(len(rows)), "person_idx": person, "at": opened}).sort_values("at")
    right = commerce.orders[["person_idx", "ordered_at", "order_id"]].rename(columns={"ordered_at": "at"})
    right = right.sort_values("at", kind="stable")
    last_order = pd.merge_asof(left, right, on="at", by="person_idx", direction="backward")
    order_id = np.full(len(rows), "", dtype=object)
    order_id[last_order["row"].to_numpy()] = last_order["order_id"].fillna("").to_numpy(dtype=object)
    topic = np.where(np.isin(topic, ["invoice", "refund"]) & (order_id == ""), "login", topic)
    agent = np.zeros(len(rows), dtype=np.int64)
    for reg in ("JP", "NA", "EMEA"):
        cands = np.flatnonzero((users["team"].eq("support") & users["region"].eq(reg)).to_numpy())
        sel = np.flatnonzero(region == reg)
        agent[sel] = cands[rng.integers(0, len(cands), size=len(sel))]
    fcr = rng.random(len(rows)) < params.first_contact_resolution
    tickets = pd.DataFrame(
        {
            "person_idx": person,
            "channel": channel,
            "opened_at": opened,
            "topic": topic,
            "order_id": order_id,
            "user_idx": agent,
            "fcr": fcr,
        }
    )
    tickets = tickets[window.inside(tickets["opened_at"].to_numpy())]
    tickets = tickets.sort_values(["opened_at", "person_idx"], kind="stable").reset_index(drop=True)
    tickets.insert(0, "ticket_id", sequential_ids("T", len(tickets), 7, (ids or IdCounter()).take("T", len(tickets))))

    em = tickets[tickets["channel"].eq("email")]
    n_em = len(em)
    fcr_em = em["fcr"].to_numpy()
    n_msgs = np.where(fcr_em, 2 + (rng.random(n_em) < 0.35), 4 + rng.integers(0, 3, size=n_em))
    threads = pd.DataFrame(
        {
            "person_idx": em["person_idx"].to_numpy(),
            "start": em["opened_at"].to_numpy(),
            "topic": em["topic"].to_numpy(dtype=object),
            "first_inbound": True,
            "n_msgs": n_msgs,
            "mailbox": "support",
            "user_idx": em["user_idx"].to_numpy(),
            "ticket_id": em["ticket_id"].to_numpy(),
            "order_id": em["order_id"].to_numpy(dtype=object),
            # message index of the agent's resolving reply; a customer closing note may follow
            "resolved_at_reply": np.where(fcr_em, 1, np.where(n_msgs % 2 == 0, n_msgs - 1, n_msgs - 2)),
            "closing": n_msgs % 2 == 1,
        }
    )
    calls = _twilio_calls(rng, tickets[tickets["channel"].eq("phone")], people, window, params)
    return Support(tickets=tickets, threads=threads, calls=calls)


def _twilio_calls(
    rng: np.random.Generator,
    tickets: pd.DataFrame,
    people: pd.DataFrame,
    window: Window,
    params: ProcessParameters,
) -> pd.DataFrame:
    n = len(tickets)
    names = np.array(list(params.twilio_status.keys()), dtype=object)
    w = np.array(list(params.twilio_status.values()))
    parts = []
    # first attempt, and retries while the call did not connect (at most three attempts)
    at = tickets["opened_at"].to_numpy().copy()
    pending = np.ones(n, dtype=bool)
    for attempt in range(3):
        status = names[rng.choice(len(names), size=n, p=w / w.sum())]
        if attempt == 2:
            status = np.where(rng.random(n) < 0.8, "completed", status)
        sel = np.flatnonzero(pending)
        parts.append(
            pd.DataFrame(
                {
                    "ticket_row": sel,
                    "start": at[sel],
                    "direction": "inbound",
                    "status": status[sel],
                    "attempt": attempt,
                }
            )
        )
        pending &= status != "completed"
        at = at + rng.integers(2 * 60, 3 * HOUR, size=n)
    # agents call back when the first call did not resolve the issue
    cb = np.flatnonzero(~tickets["fcr"].to_numpy())
    parts.append(
        pd.DataFrame(
            {
                "ticket_row": cb,
                "start": tickets["opened_at"].to_numpy()[cb] + rng.integers(HOUR, 2 * DAY, len(cb)),
                "direction": np.where(rng.random(len(cb)) < 0.85, "outbound-api", "outbound-dial"),
                "status": np.where(rng.random(len(cb)) < 0.85, "completed", "no-answer"),
                "attempt": 9,
            }
        )
    )
    calls = pd.concat(parts, ignore_index=True)
    m = len(calls)
    status = calls["status"].to_numpy(dtype=object)
    calls["duration"] = np.where(
        status == "completed", np.exp(rng.normal(np.log(360), 0.7, m)).astype(np.int64) + 20, 0
    )
    calls["ring_s"] = np.where(status == "completed", rng.integers(2, 40, m), rng.integers(0, 30, m))
    tr = calls["ticket_row"].to_numpy()
    calls["person_idx"] = tickets["person_idx"].to_numpy()[tr]
    calls["ticket_id"] = tickets["ticket_id"].to_numpy(dtype=object)[tr]
    calls["user_idx"] = tickets["user_idx"].to_numpy()[tr]
    calls = calls[
        window.inside(calls["start"].to_numpy()) & window.inside(calls["start"] + calls["duration"] + 60)
    ]
    calls = calls.sort_values(["start", "ticket_id", "attempt"], kind="stable").reset_index(drop=True)
    calls["sid"] = "CA" + hex_tokens(rng, len(calls), 32)
    return calls
