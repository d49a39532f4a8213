"""First touch and conversion to a known CRM contact: web visits, forms, checkouts, offline leads."""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import pandas as pd

from .config import LANGUAGE_BY_LOCALE, REGION_BY_COUNTRY, ProcessParameters
from .timeutil import DAY, Window, business_time_on_day, growth_times

_EMAIL_AUDIENCE = MappingProxyType({"ja": "JP", "en": "EN", "de": "DE", "fr": "FR"})


def _rate(channels: np.ndarray, rates: dict[str, float]) -> np.ndarray:
    return pd.Series(channels, dtype=object).map(dict(rates)).to_numpy(dtype=float)


def _assign_campaign(
    rng: np.random.Generator,
    t0: np.ndarray,
    keys: np.ndarray,
    campaigns: pd.DataFrame,
    key_col: str,
    channel: str,
    latest_sent: bool,
) -> np.ndarray:
    """Campaign id per person: one of the campaigns of ``channel`` for the person's key (region or audience)
    that is running at t0 (or, with latest_sent, the most recent one sent before t0)."""
    out = np.full(len(t0), "", dtype=object)
    pool = campaigns[campaigns["channel"].eq(channel)]
    for key in pd.unique(keys):
        idx = np.flatnonzero(keys == key)
        cands = pool[pool[key_col].eq(key)].sort_values("start_ts", kind="stable")
        if cands.empty or len(idx) == 0:
            continue
        starts = cands["start_ts"].to_numpy()
        ids = cands["campaign_id"].to_numpy(dtype=object)
        pos = np.searchsorted(starts, t0[idx], side="right") - 1
        pos = np.clip(pos, 0, len(starts) - 1)
        if not latest_sent:
            # several campaigns share a start (brand/generic...): pick one of them at random
            same = np.searchsorted(starts, starts[pos], side="left")
            width = np.searchsorted(starts, starts[pos], side="right") - same
            pos = same + (rng.random(len(idx)) * width).astype(int)
        out[idx] = ids[pos]
    return out


def simulate_acquisition(
    rng: np.random.Generator,
    people: pd.DataFrame,
    campaigns: pd.DataFrame,
    window: Window,
    params: ProcessParameters,
) -> pd.DataFrame:
    """Adds first touch, web/offline path, identification and contact creation times to ``people``."""
    p = people.copy()
    n = len(p)
    country = p["country"].to_numpy(dtype=object)
    region = pd.Series(country, dtype=object).map(dict(REGION_BY_COUNTRY)).to_numpy(dtype=object)
    channel = p["acquisition_channel"].to_numpy(dtype=object).copy()
    tz = p["timezone"].to_numpy(dtype=object)

    t0 = growth_times(rng, n, window.lo, window.hi - 2 * DAY, params.acquisition_growth)
    campaign = np.full(n, "", dtype=object)

    # offline leads met at events: first touch on the event day
    events = campaigns[campaigns["channel"].eq("event")]
    is_event = channel == "event"
    for reg in ("JP", "NA", "EMEA"):
        idx = np.flatnonzero(is_event & (region == reg))
        ev = events[events["region"].eq(reg)]
        if len(idx) == 0:
            continue
        if ev.empty:
            channel[idx] = "referral"
            continue
        pick = rng.integers(0, len(ev), size=len(idx))
        campaign[idx] = ev["campaign_id"].to_numpy(dtype=object)[pick]
        day = ev["start_ts"].to_numpy()[pick] + rng.integers(0, 2, size=len(idx)) * DAY
        t0[idx] = business_time_on_day(day + 12 * 3600, tz[idx], rng)
    for ch in ("paid_search", "social"):
        sel = channel == ch
        campaign[sel] = _assign_campaign(
            rng, t0[sel], region[sel], campaigns, "region", ch, latest_sent=False
        )
    sel = channel == "email"
    audience = pd.Series(p["language"].to_numpy(dtype=object)).map(_EMAIL_AUDIENCE).to_numpy(dtype=object)
    campaign[sel] = _assign_campaign(
        rng, t0[sel], audience[sel], campaigns, "audience", "email", latest_sent=True
    )
    if sel.any():
        send = campaigns.set_index("campaign_id")["send_ts"]
        sent = send.reindex(campaign[sel]).to_numpy()
        t0[sel] = np.maximum(
            t0[sel], np.nan_to_num(sent, nan=0).astype(np.int64) + rng.integers(600, 3 * DAY, size=sel.sum())
        )

    offline = is_event | (
        np.isin(channel, ["referral", "direct"]) & (rng.random(n) < params.offline_share_referral_direct)
    )
    web = ~offline
    form = web & (rng.random(n) < _rate(channel, params.form_identify_rate))
    same_session = rng.random(n) < params.form_same_session_share
    t_form = t0 + np.where(
        same_session,
        rng.integers(60, 900, size=n),
        (rng.exponential(params.form_delay_mean_days * DAY, size=n)),
    ).astype(np.int64)
    buyer = web & (rng.random(n) < _rate(channel, params.web_purchase_rate))
    base = np.where(form, t_form, t0)
    t_buy = base + (rng.exponential(params.web_purchase_delay_mean_days * DAY, size=n) + 1800).astype(
        np.int64
    )

    form &= t_form < window.hi
    buyer &= t_buy < window.hi
    # offline: CRM entry on the day of the event / call
    t_offline = t0 + np.where(
        is_event, rng.integers(2 * 3600, 3 * DAY, size=n), rng.integers(300, 3600, size=n)
    )
    created = np.where(
        offline, t_offline, np.where(form, np.where(buyer, np.minimum(t_form, t_buy), t_form), t_buy)
    )
    contact = offline | form | buyer
    contact &= created < window.hi

    p["region"] = region
    p["acquisition_channel"] = channel
    p["acquisition_campaign_id"] = campaign
    p["email_audience"] = audience
    p["first_touch_at"] = t0
    p["offline"] = offline
    p["web_visitor"] = web
    p["form_identified"] = form & contact
    p["form_at"] = np.where(form & contact, t_form, 0)
    p["web_buyer"] = buyer & contact
    p["first_web_order_at"] = np.where(buyer & contact, t_buy, 0)
    p["is_contact"] = contact
    p["contact_created_at"] = np.where(contact, created, 0)
    # identified in the browser (form or checkout) at this time
    p["identified_at"] = np.where(
        form & contact,
        np.where(buyer, np.minimum(t_form, t_buy), t_form),
        np.where(buyer & contact, t_buy, 0),
    )
    p["language"] = pd.Series(p["locale"], dtype=object).map(dict(LANGUAGE_BY_LOCALE)).to_numpy(dtype=object)
    return p
