"""Surveys: NPS after purchases and CSAT after support tickets (``surveys/responses.csv``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .config import ProcessParameters
from .ids import IdCounter, sequential_ids
from .orders import Commerce
from .support import Support
from .templates import SURVEY_COMMENTS
from .timeutil import DAY, Window


def simulate_surveys(
    rng: np.random.Generator,
    people: pd.DataFrame,
    contacts: pd.DataFrame,
    commerce: Commerce,
    support: Support,
    messages: pd.DataFrame,
    sys_email: np.ndarray,
    window: Window,
    params: ProcessParameters,
    ids: IdCounter | None = None,
) -> pd.DataFrame:
    z = people["satisfaction"].to_numpy()
    orders = commerce.orders
    o = orders[rng.random(len(orders)) < params.nps_response_rate]
    op = o["person_idx"].to_numpy()
    refunded = o["status"].eq("refunded").to_numpy()
    nps = np.clip(
        np.round(params.nps_mean + params.nps_person_sd * z[op] + rng.normal(0, 1.0, len(o)) - 3 * refunded),
        0,
        10,
    ).astype(int)
    nps_df = pd.DataFrame(
        {
            "survey_type": "nps",
            "person_idx": op,
            "submitted_at": o["ordered_at"].to_numpy() + rng.integers(7 * DAY, 16 * DAY, len(o)),
            "score": nps,
            "channel": np.where(rng.random(len(o)) < 0.8, "email", "web"),
            "ticket_ref": "",
        }
    )

    tk = support.tickets
    first_msg = messages[messages["k"].eq(0) & messages["ticket_id"].ne("")].set_index("ticket_id")
    last_msg = messages[messages["ticket_id"].ne("")].groupby("ticket_id")["ts"].max()
    calls = support.calls
    first_call = (
        calls.sort_values("start", kind="stable").drop_duplicates("ticket_id").set_index("ticket_id")["sid"]
    )
    last_call = (calls["start"] + calls["duration"]).groupby(calls["ticket_id"]).max()
    is_email = tk["channel"].eq("email").to_numpy()
    ref = np.where(
        is_email,
        first_msg["message_id"].reindex(tk["ticket_id"]).to_numpy(dtype=object),
        first_call.reindex(tk["ticket_id"]).to_numpy(dtype=object),
    )
    closed = np.where(
        is_email,
        last_msg.reindex(tk["ticket_id"]).to_numpy(dtype=float),
        last_call.reindex(tk["ticket_id"]).to_numpy(dtype=float),
    )
    ok = pd.notna(ref) & ~np.isnan(closed) & (rng.random(len(tk)) < params.csat_response_rate)
    t = tk[ok]
    tp = t["person_idx"].to_numpy()
    fcr = t["fcr"].to_numpy()
    csat = np.clip(
        np.round(4.0 + 0.6 * z[tp] + np.where(fcr, 0.35, -0.45) + rng.normal(0, 0.7, len(t))), 1, 5
    )
    csat_df = pd.DataFrame(
        {
            "survey_type": "csat",
            "person_idx": tp,
            "submitted_at": closed[ok].astype(np.int64) + rng.integers(600, 2 * DAY, len(t)),
            "score": csat.astype(int),
            "channel": np.where(is_email[ok], "email", "sms"),
            "ticket_ref": ref[ok],
        }
    )
    r = pd.concat([nps_df, csat_df], ignore_index=True)
    r = r[window.inside(r["submitted_at"].to_numpy())]
    r = r.sort_values(["submitted_at", "person_idx", "survey_type"], kind="stable").reset_index(drop=True)
    n = len(r)
    p = r["person_idx"].to_numpy()
    email = np.where(sys_email[p] != "", sys_email[p], people["email"].to_numpy(dtype=object)[p])
    r["email"] = np.where(r["channel"].eq("sms"), "", email)
    primary = contacts[~contacts["is_duplicate"]].set_index("person_idx")["contact_id"]
    cid = primary.reindex(p).fillna("").to_numpy(dtype=object)
    r["contact_id"] = np.where(rng.random(n) < params.survey_contact_id_share, cid, "")
    # sms answers carry the contact id (the number was matched by the survey tool), else no identifier
    r.loc[r["channel"].eq("sms"), "contact_id"] = cid[r["channel"].eq("sms").to_numpy()]
    score = r["score"].to_numpy()
    nps_t = r["survey_type"].eq("nps").to_numpy()
    band = np.where(
        nps_t,
        np.where(score >= 9, "high", np.where(score >= 7, "mid", "low")),
        np.where(score >= 4, "high", np.where(score == 3, "mid", "low")),
    )
    lang = people["language"].to_numpy(dtype=object)[p]
    pick = rng.integers(0, 1000, n)
    has_comment = rng.random(n) < 0.4
    comments = [
        SURVEY_COMMENTS[lg][b][i % len(SURVEY_COMMENTS[lg][b])] if c else ""
        for lg, b, i, c in zip(lang, band, pick, has_comment, strict=True)
    ]
    r["comment"] = np.array(comments, dtype=object)
    r.insert(0, "response_id", sequential_ids("R-", n, 7, (ids or IdCounter()).take("R-", n)))
    return r
