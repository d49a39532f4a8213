"""Marketing e-mail: campaign sends to consenting contacts and the SendGrid event stream they produce."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import quote

import numpy as np
import pandas as pd
import pyarrow as pa

from .arrowcols import dict_array, fixed_strings, month_code
from .catalog import PATH_CODE, UTM_CONTENTS
from .config import WEBSITE, ProcessParameters
from .ids import b64_chars, hex_chars, ipv4
from .timeutil import HOUR, Window

EVENTS = ("processed", "delivered", "bounce", "open", "click", "unsubscribe", "spamreport")
PROCESSED, DELIVERED, BOUNCE, OPEN, CLICK, UNSUBSCRIBE, SPAMREPORT = range(len(EVENTS))
_MAIL_AGENTS = (
    "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148",
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17928; Pro)",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 "
    "Safari/537.36",
)
# bounce kinds: hard bounce of a dead address, or a block by the receiving server
_BOUNCE = (
    ("550 5.1.1 The email account that you tried to reach does not exist.", "5.1.1", "bounce"),
    ("550 5.7.1 Message rejected due to local policy.", "5.7.1", "blocked"),
)
_LANDING = MappingProxyType(
    {
        "newsletter": ("/blog/customer-360-guide", "/blog/nps-benchmarks", "/blog/cohort-analysis"),
        "promo": ("/webinars", "/product/ai-insights", "/customers"),
    }
)
_PROXY_OCTETS = np.array([17, 40, 52, 66, 74, 108, 172, 209], dtype=np.int64)
_MSG_ID_LEN = 51


@dataclass(frozen=True)
class Marketing:
    table: pa.Table  # SendGrid events in output order (see writers.esp)
    sends: pd.DataFrame  # sg_message_id -> person_idx (one row per message sent)
    clicks: pd.DataFrame  # person_idx, ts, path_code, campaign_row, content_code: web sessions they start
    unsubscribed_at: pd.Series  # contact_id -> time (0 if never)
    counts: dict[str, int]


def _message_id_chars(rng: np.random.Generator, n: int) -> np.ndarray:
    """SendGrid-like ids: '14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0' (fixed width)."""
    out = np.empty((n, _MSG_ID_LEN), dtype=np.uint8)
    out[:, 0:11] = hex_chars(rng, n, 11)
    out[:, 11] = ord(".")
    out[:, 12:15] = hex_chars(rng, n, 3)
    out[:, 15] = ord(".")
    out[:, 16:22] = hex_chars(rng, n, 6)
    out[:, 22:29] = np.frombuffer(b".filter", dtype=np.uint8)
    out[:, 29:33] = ord("0") + np.stack(
        [np.zeros(n, int), np.zeros(n, int), rng.integers(0, 4, n), rng.integers(0, 10, n)], axis=1
    )
    out[:, 33] = ord(".")
    out[:, 34:39] = ord("0") + rng.integers(0, 10, (n, 5))
    out[:, 34] = ord("1") + rng.integers(0, 9, n)
    out[:, 39] = ord(".")
    out[:, 40:49] = hex_chars(rng, n, 9, upper=True)
    out[:, 49:51] = np.frombuffer(b".0", dtype=np.uint8)
    return out


def simulate_marketing(
    rng: np.random.Generator,
    people: pd.DataFrame,
    contacts: pd.DataFrame,
    campaigns: pd.DataFrame,
    window: Window,
    params: ProcessParameters,
) -> Marketing:
    m = len(contacts)
    pidx = contacts["person_idx"].to_numpy()
    email = contacts["email"].to_numpy(dtype=object)
    valid = np.array([bool(e) and e.isascii() for e in email])
    consent = contacts["marketing_consent"].to_numpy(dtype=bool)
    audience = people["email_audience"].to_numpy(dtype=object)[pidx]
    created = contacts["created_at"].to_numpy()
    propensity = people["open_propensity"].to_numpy()[pidx]
    bad = people["bad_address"].to_numpy()[pidx]
    suppressed_at = np.full(m, np.iinfo(np.int64).max, dtype=np.int64)
    unsub_at = np.zeros(m, dtype=np.int64)
    email_key = pd.factorize(pd.Series(email, dtype=object).str.lower())[0]

    # per send: contact row, campaign row; per event: send row, event code, time
    send_contact, send_camp = [], []
    ev_send, ev_code, ev_ts = [], [], []
    n_sends = 0
    mail = campaigns.reset_index(drop=True)
    for ci in np.argsort(mail["send_ts"].to_numpy(), kind="stable"):
        camp = mail.iloc[ci]
        if camp["channel"] != "email":
            continue
        send = int(camp["send_ts"])
        share = (
            params.newsletter_audience_share if camp["kind"] == "newsletter" else params.promo_audience_share
        )
        elig = (
            valid
            & consent
            & (created < send)
            & (suppressed_at > send)
            & (audience == camp["audience"])
            & (rng.random(m) < share)
        )
        rec = np.flatnonzero(elig)
        if len(rec) == 0:
            continue
        # one send per address, even when two CRM contacts share it
        _, first = np.unique(email_key[rec], return_index=True)
        rec = rec[np.sort(first)]
        k = len(rec)
        processed = send + rng.integers(0, HOUR, size=k)
        hard = bad[rec]
        blocked = ~hard & (rng.random(k) < params.blocked_rate)
        delivered = ~hard & ~blocked
        factor = 1.0 if camp["kind"] == "newsletter" else 0.85
        opened = delivered & (rng.random(k) < propensity[rec] * factor)
        n_open = np.where(opened, 1 + rng.poisson(params.extra_opens_mean, size=k), 0)
        dtime = processed + rng.integers(2, 60, size=k)
        first_open = dtime + np.exp(rng.normal(np.log(3 * HOUR), 1.2, size=k)).astype(np.int64)
        clicked = opened & (rng.random(k) < params.click_given_open)
        n_click = np.where(clicked, 1 + (rng.random(k) < 0.25), 0)
        unsub = delivered & (rng.random(k) < params.unsubscribe_rate * (1.6 - propensity[rec]))
        spam = delivered & ~unsub & (rng.random(k) < params.spamreport_rate)

        rows = np.arange(k)
        o_rows = np.repeat(rows, n_open)
        o_rank = np.arange(len(o_rows)) - np.repeat(np.cumsum(n_open) - n_open, n_open)
        o_ts = first_open[o_rows] + np.where(
            o_rank == 0, 0, rng.exponential(20 * HOUR, len(o_rows)).astype(np.int64)
        )
        c_rows = np.repeat(rows, n_click)
        c_ts = first_open[c_rows] + rng.integers(5, 600, size=len(c_rows))
        u_rows = np.flatnonzero(unsub)
        u_ts = np.where(opened[u_rows], first_open[u_rows], dtime[u_rows]) + rng.integers(
            30, 900, len(u_rows)
        )
        s_rows = np.flatnonzero(spam)
        s_ts = dtime[s_rows] + np.exp(rng.normal(np.log(5 * HOUR), 1.0, len(s_rows))).astype(np.int64)
        b_rows = np.flatnonzero(hard | blocked)
        b_ts = dtime[b_rows] + rng.integers(5, 120, len(b_rows))
        d_rows = np.flatnonzero(delivered)
        for r, code, t in (
            (rows, PROCESSED, processed),
            (d_rows, DELIVERED, dtime[d_rows]),
            (b_rows, BOUNCE, b_ts),
            (o_rows, OPEN, o_ts),
            (c_rows, CLICK, c_ts),
            (u_rows, UNSUBSCRIBE, u_ts),
            (s_rows, SPAMREPORT, s_ts),
        ):
            ev_send.append(n_sends + r)
            ev_code.append(np.full(len(r), code, dtype=np.int8))
            ev_ts.append(np.asarray(t, dtype=np.int64))
        send_contact.append(rec)
        send_camp.append(np.full(k, ci, dtype=np.int64))
        n_sends += k
        # suppression for later campaigns
        sup_rows = np.concatenate([np.flatnonzero(hard), u_rows, s_rows])
        sup_ts = np.concatenate([dtime[hard], u_ts, s_ts])
        np.minimum.at(suppressed_at, rec[sup_rows], sup_ts)
        prev = unsub_at[rec[u_rows]]
        unsub_at[rec[u_rows]] = np.where(prev == 0, u_ts, np.minimum(prev, u_ts))

    send_contact_a = np.concatenate(send_contact) if send_contact else np.zeros(0, dtype=np.int64)
    send_camp_a = np.concatenate(send_camp) if send_camp else np.zeros(0, dtype=np.int64)
    es = np.concatenate(ev_send) if ev_send else np.zeros(0, dtype=np.int64)
    ec = np.concatenate(ev_code) if ev_code else np.zeros(0, dtype=np.int8)
    et = np.concatenate(ev_ts) if ev_ts else np.zeros(0, dtype=np.int64)
    keep = window.inside(et)
    es, ec, et = es[keep], ec[keep], et[keep]
    msg_chars = _message_id_chars(rng, len(send_contact_a))
    order = np.lexsort((ec, es, et))
    es, ec, et = es[order], ec[order], et[order]
    n = len(es)
    crow = send_contact_a[es]
    camp = send_camp_a[es]
    person = pidx[crow]
    interact = (ec == OPEN) | (ec == CLICK)
    is_click = ec == CLICK
    # click URLs: campaign landing page (+ /ja for Japanese campaigns) with UTM parameters
    kinds = mail["kind"].to_numpy(dtype=object)
    landing = np.zeros(n, dtype=np.int64)
    for kind, paths in _LANDING.items():
        sel = is_click & (kinds[camp] == kind)
        codes = np.array([PATH_CODE[p] for p in paths])
        landing[sel] = codes[rng.integers(0, len(codes), int(sel.sum()))]
    content = np.where(rng.random(n) < 0.7, 0, 1)
    url_key = np.where(is_click, (camp * len(PATH_CODE) + landing) * 2 + content, -1)
    uniq, url_code = np.unique(url_key, return_inverse=True)
    langs = mail["language"].to_numpy(dtype=object)
    names = mail["name"].to_numpy(dtype=object)
    paths = list(PATH_CODE.keys())
    urls = []
    for key in uniq:
        if key < 0:
            urls.append("")
            continue
        c, rest = divmod(int(key), 2 * len(PATH_CODE))
        p, ct = divmod(rest, 2)
        prefix = "/ja" if langs[c] == "ja" else ""
        urls.append(
            f"{WEBSITE}{prefix}{paths[p]}?utm_source=sendgrid&utm_medium=email"
            f"&utm_campaign={quote(names[c], safe='')}&utm_content={UTM_CONTENTS[ct]}"
        )
    is_bounce = ec == BOUNCE
    hard_bounce = is_bounce & people["bad_address"].to_numpy()[person]
    bounce_code = np.where(is_bounce, np.where(hard_bounce, 0, 1), -1)
    ua = np.where(interact, rng.integers(0, len(_MAIL_AGENTS), n), -1)
    ip_rows = np.flatnonzero(interact)
    ip_code = np.full(n, -1, dtype=np.int64)
    ip_code[ip_rows] = np.arange(len(ip_rows))
    ips = ipv4(rng, _PROXY_OCTETS[rng.integers(0, len(_PROXY_OCTETS), len(ip_rows))])
    audiences = sorted(set(mail["audience"].str.lower()))
    aud_code = pd.Series(mail["audience"].str.lower()).map({a: i for i, a in enumerate(audiences)}).to_numpy()
    table = pa.table(
        {
            "ord": pa.array(np.arange(n, dtype=np.int64)),
            "month": pa.array(month_code(et), pa.int64()),
            "email": dict_array(crow, email),
            "ts": pa.array(et, pa.int64()),
            "event": dict_array(ec.astype(np.int64), list(EVENTS)),
            "sg_event_id": fixed_strings(b64_chars(rng, n, 22)),
            "sg_message_id": dict_array(es, fixed_strings(msg_chars)),
            "url": dict_array(np.where(is_click, url_code, -1), urls),
            "useragent": dict_array(ua, list(_MAIL_AGENTS)),
            "ip": dict_array(ip_code, ips),
            "reason": dict_array(bounce_code, [b[0] for b in _BOUNCE]),
            "status": dict_array(bounce_code, [b[1] for b in _BOUNCE]),
            "type": dict_array(bounce_code, [b[2] for b in _BOUNCE]),
            "category": dict_array(np.where(kinds[camp] == "newsletter", 0, 1), ["newsletter", "promotion"]),
            "category2": dict_array(aud_code[camp], audiences),
            "campaign_id": dict_array(camp, mail["campaign_id"].to_numpy(dtype=object)),
            "campaign_name": dict_array(camp, names),
        }
    )
    sent = np.unique(es)
    sends = pd.DataFrame(
        {
            "sg_message_id": fixed_strings(msg_chars[sent]).to_numpy(zero_copy_only=False),
            "person_idx": pidx[send_contact_a[sent]],
        }
    )
    clicks = pd.DataFrame(
        {
            "person_idx": person[is_click],
            "ts": et[is_click],
            "path_code": landing[is_click],
            "campaign_row": camp[is_click],
            "content_code": content[is_click],
        }
    )
    clicks = clicks[rng.random(len(clicks)) < params.email_click_web_session_share].reset_index(drop=True)
    counts = {name: int((ec == i).sum()) for i, name in enumerate(EVENTS)}
    unsub = pd.Series(unsub_at, index=contacts["contact_id"].to_numpy(dtype=object))
    return Marketing(table=table, sends=sends, clicks=clicks, unsubscribed_at=unsub, counts=counts)
