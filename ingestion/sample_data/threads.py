"""E-mail threads -> individual messages with their envelope (addresses, dates, ids, references)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .config import COMPANY_DOMAIN, ProcessParameters
from .ids import alnum_tokens, hex_tokens
from .templates import SHARED_INBOX_NAMES
from .timeutil import HOUR, Window, snap_to_business_hours, tz_offsets


def _languages(rng: np.random.Generator, country: np.ndarray, params: ProcessParameters) -> np.ndarray:
    n = len(country)
    u = rng.random(n)
    lang = np.full(n, "en", dtype=object)
    lang[(country == "JP") & (u < params.japanese_message_share)] = "ja"
    lang[(country == "DE") & (u < params.native_language_message_share)] = "de"
    lang[(country == "FR") & (u < params.native_language_message_share)] = "fr"
    return lang


def explode_threads(
    rng: np.random.Generator,
    threads: pd.DataFrame,
    people: pd.DataFrame,
    users: pd.DataFrame,
    companies: pd.DataFrame,
    sys_email: np.ndarray,
    window: Window,
    params: ProcessParameters,
) -> pd.DataFrame:
    t = threads.reset_index(drop=True)
    T = len(t)
    person = t["person_idx"].to_numpy()
    user = t["user_idx"].to_numpy()
    country = people["country"].to_numpy(dtype=object)[person]
    lang = _languages(rng, country, params)
    iso = (lang == "ja") & (rng.random(T) < params.iso2022jp_share)
    q_enc = rng.random(T) < 0.5
    multipart = rng.random(T) < params.multipart_share
    mailbox = t["mailbox"].to_numpy(dtype=object)
    shared_rate = np.where(mailbox == "support", 0.3, 0.1)
    acme_shared = rng.random(T) < shared_rate
    p_tz = people["timezone"].to_numpy(dtype=object)[person]
    u_tz = users["timezone"].to_numpy(dtype=object)[user]

    # customer identity as it appears in mail
    fn = people["first_name"].to_numpy(dtype=object)[person]
    ln = people["last_name"].to_numpy(dtype=object)[person]
    fl = people["first_name_latin"].to_numpy(dtype=object)[person]
    ll = people["last_name_latin"].to_numpy(dtype=object)[person]
    is_jp = country == "JP"
    c_first = np.where(is_jp & (lang != "ja"), fl, fn)
    c_last = np.where(is_jp & (lang != "ja"), ll, ln)
    c_name = np.where(lang == "ja", ln + " " + fn, c_first + " " + c_last)
    c_email = sys_email[person]
    c_email = np.where(c_email == "", people["email"].to_numpy(dtype=object)[person], c_email)
    cidx = people["company_idx"].to_numpy()[person]
    company = np.where(cidx >= 0, companies["company_name"].to_numpy(dtype=object)[np.maximum(cidx, 0)], "")

    u_ja = users["locale"].to_numpy(dtype=object)[user] == "ja_JP"
    r_first = np.where(
        u_ja & (lang != "ja"),
        users["first_name_latin"].to_numpy(dtype=object)[user],
        users["first_name"].to_numpy(dtype=object)[user],
    )
    r_last = np.where(
        u_ja & (lang != "ja"),
        users["last_name_latin"].to_numpy(dtype=object)[user],
        users["last_name"].to_numpy(dtype=object)[user],
    )
    r_name = np.where(u_ja & (lang == "ja"), r_last + " " + r_first, r_first + " " + r_last)
    r_email = users["email"].to_numpy(dtype=object)[user]
    shared_addr = mailbox + "@" + COMPANY_DOMAIN
    shared_name = np.array(
        [SHARED_INBOX_NAMES[m][lg] for m, lg in zip(mailbox, lang, strict=True)], dtype=object
    )
    acme_addr = np.where(acme_shared, shared_addr, r_email)
    acme_name = np.where(acme_shared, shared_name, r_name)
    acme_domain = pd.Series(acme_addr, dtype=object).str.split("@").str[1].to_numpy(dtype=object)
    c_domain = pd.Series(c_email, dtype=object).str.split("@").str[1].to_numpy(dtype=object)

    n_msgs = t["n_msgs"].to_numpy()
    first_inbound = t["first_inbound"].to_numpy(dtype=bool)
    resolved_at = t["resolved_at_reply"].to_numpy()
    closing = t["closing"].to_numpy(dtype=bool)
    support = mailbox == "support"
    reply_median = np.where(support, params.agent_reply_median_hours, 4.0) * HOUR

    t_prev = np.where(
        first_inbound, t["start"].to_numpy(), snap_to_business_hours(t["start"].to_numpy(), u_tz, rng)
    )
    max_k = int(n_msgs.max()) if T else 0
    msgs = []
    ids_so_far = np.full(T, "", dtype=object)
    prev_id = np.full(T, "", dtype=object)
    for k in range(max_k):
        live = np.flatnonzero(n_msgs > k)
        inbound = first_inbound[live] ^ (k % 2 == 1)
        if k > 0:
            acme_delay = np.exp(rng.normal(np.log(reply_median[live]), 0.9)).astype(np.int64) + 300
            cust_delay = np.exp(rng.normal(np.log(params.customer_reply_median_hours * HOUR), 1.0, len(live)))
            cand = t_prev[live] + np.where(inbound, cust_delay.astype(np.int64) + 300, acme_delay)
            snapped_acme = snap_to_business_hours(cand, u_tz[live], rng)
            snapped_cust = np.where(
                rng.random(len(live)) < 0.7, snap_to_business_hours(cand, p_tz[live], rng), cand
            )
            t_prev[live] = np.where(inbound, snapped_cust, snapped_acme)
        ts = t_prev[live]
        mid_acme = "<" + hex_tokens(rng, len(live), 24) + "@" + acme_domain[live] + ">"
        gmail = c_domain[live] == "gmail.com"
        mid_cust = np.where(
            gmail,
            "<CA" + alnum_tokens(rng, len(live), 40) + "@mail.gmail.com>",
            "<"
            + hex_tokens(rng, len(live), 12)
            + "."
            + hex_tokens(rng, len(live), 8)
            + "@"
            + c_domain[live]
            + ">",
        )
        mid = np.where(inbound, mid_cust, mid_acme)
        if k == 0:
            kind = np.full(len(live), "opener", dtype=object)
        else:
            kind = np.where(
                inbound, np.where(closing[live] & (k == n_msgs[live] - 1), "closing", "customer"), "acme"
            ).astype(object)
        variant = rng.integers(0, 1000, len(live))
        variant = np.where((kind == "acme") & support[live] & (k == resolved_at[live]), -1, variant)
        to_first_shared = inbound & (k == 0)
        to_addr = np.where(
            inbound, np.where(to_first_shared, shared_addr[live], acme_addr[live]), c_email[live]
        )
        to_name = np.where(
            inbound, np.where(to_first_shared, shared_name[live], acme_name[live]), c_name[live]
        )
        from_addr = np.where(inbound, c_email[live], acme_addr[live])
        from_name = np.where(inbound, c_name[live], acme_name[live])
        cc = np.where(
            ~inbound & ~acme_shared[live] & (mailbox[live] == "sales") & (rng.random(len(live)) < 0.15),
            shared_addr[live],
            "",
        )
        msgs.append(
            pd.DataFrame(
                {
                    "thread": live,
                    "k": k,
                    "ts": ts,
                    "inbound": inbound,
                    "message_id": mid,
                    "in_reply_to": prev_id[live],
                    "references": ids_so_far[live],
                    "kind": kind,
                    "variant": variant,
                    "from_addr": from_addr,
                    "from_name": from_name,
                    "to_addr": to_addr,
                    "to_name": to_name,
                    "cc_addr": cc,
                    "sender_tz": np.where(inbound, p_tz[live], u_tz[live]),
                }
            )
        )
        ids_so_far[live] = np.where(ids_so_far[live] == "", mid, ids_so_far[live] + " " + mid)
        prev_id[live] = mid
    if not msgs:  # no threads at all (tiny populations)
        cols = [
            "thread",
            "k",
            "ts",
            "inbound",
            "message_id",
            "in_reply_to",
            "references",
            "kind",
            "variant",
            "from_addr",
            "from_name",
            "to_addr",
            "to_name",
            "cc_addr",
            "sender_tz",
        ]
        msgs.append(
            pd.DataFrame(
                {c: np.zeros(0, dtype=np.int64 if c in ("thread", "k", "ts") else object) for c in cols}
            )
        )
    m = pd.concat(msgs, ignore_index=True)
    th = m["thread"].to_numpy()
    m["mailbox"] = mailbox[th]
    m["person_idx"] = person[th]
    m["ticket_id"] = t["ticket_id"].to_numpy(dtype=object)[th]
    m["topic"] = t["topic"].to_numpy(dtype=object)[th]
    m["order_id"] = t["order_id"].fillna("").to_numpy(dtype=object)[th] if "order_id" in t else ""
    m["language"] = lang[th]
    m["iso2022jp"] = iso[th]
    m["q_encoding"] = q_enc[th]
    m["multipart"] = multipart[th]
    for col, arr in (
        ("c_first", c_first),
        ("c_last", c_last),
        ("c_name", c_name),
        ("r_first", r_first),
        ("r_last", r_last),
        ("r_name", r_name),
        ("company", company),
    ):
        m[col] = arr[th]
    m["subject_variant"] = rng.integers(0, 1000, T)[th]
    m = m[window.inside(m["ts"].to_numpy())]
    m["utc_offset"] = tz_offsets(m["ts"].to_numpy(), m["sender_tz"].to_numpy(dtype=object))
    # first message id of each thread (the ticket reference for surveys)
    first_id = m[m["k"].eq(0)].set_index("thread")["message_id"]
    m["thread_first_id"] = first_id.reindex(m["thread"]).to_numpy(dtype=object)
    return m.sort_values(["ts", "message_id"], kind="stable").reset_index(drop=True)
