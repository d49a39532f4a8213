"""Sales pipeline: deals of company contacts moving through stages (``deals.csv``, stage history)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .catalog import FX_FROM_USD_MINOR, SALES_ORDER_BOUNDS
from .config import CURRENCY_BY_COUNTRY, ProcessParameters
from .ids import IdCounter, sequential_ids
from .timeutil import DAY, Window, snap_to_business_hours

_OPEN_STAGES = ("qualification", "meeting", "proposal", "negotiation")
_PLANS = ("Starter", "Pro", "Enterprise")


@dataclass(frozen=True)
class Pipeline:
    deals: pd.DataFrame
    history: pd.DataFrame


def sales_amounts(rng: np.random.Generator, currency: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Invoiced order sizes in minor units: lognormal around ~1,200 USD, within per-currency bounds."""
    usd = np.exp(rng.normal(np.log(120000 * scale), 0.55, size=len(currency)))
    fx = pd.Series(currency, dtype=object).map(dict(FX_FROM_USD_MINOR)).to_numpy(dtype=float)
    lo = (
        pd.Series(currency, dtype=object)
        .map({k: v[0] for k, v in SALES_ORDER_BOUNDS.items()})
        .to_numpy(float)
    )
    hi = (
        pd.Series(currency, dtype=object)
        .map({k: v[1] for k, v in SALES_ORDER_BOUNDS.items()})
        .to_numpy(float)
    )
    amount = np.clip(usd * fx, lo, hi)
    step = np.where(currency == "JPY", 1000, 1000)  # JPY to 1,000 yen, others to 10.00
    return (np.round(amount / step) * step).astype(np.int64)


def simulate_deals(
    rng: np.random.Generator,
    people: pd.DataFrame,
    contacts: pd.DataFrame,
    companies: pd.DataFrame,
    window: Window,
    params: ProcessParameters,
    ids: IdCounter | None = None,
) -> Pipeline:
    primary = contacts[~contacts["is_duplicate"]]
    pidx = primary["person_idx"].to_numpy()
    pp = people.iloc[pidx]
    has_company = pp["company_idx"].to_numpy() >= 0
    has_owner = primary["owner_email"].to_numpy(dtype=object) != ""
    rate = pp["acquisition_channel"].map(dict(params.deal_rate)).to_numpy(dtype=float)
    sel = has_company & has_owner & (rng.random(len(pp)) < rate)
    c = primary[sel].reset_index(drop=True)
    persons = pidx[sel]
    n = len(c)
    tz = people["timezone"].to_numpy(dtype=object)[persons]
    created = c["created_at"].to_numpy() + (
        rng.exponential(params.deal_delay_mean_days * DAY, size=n) + 3600
    ).astype(np.int64)
    created = snap_to_business_hours(created, tz, rng)
    keep = created < window.hi
    c, persons, tz, created = c[keep].reset_index(drop=True), persons[keep], tz[keep], created[keep]
    n = len(c)

    # stage transitions: durations and whether the deal advances past each open stage
    k = len(_OPEN_STAGES)
    means = np.array([params.stage_mean_days[s] for s in _OPEN_STAGES]) * DAY
    durations = rng.gamma(2.0, means / 2.0, size=(n, k)).astype(np.int64) + 3600
    advance = rng.random((n, k)) < np.array([params.stage_advance[s] for s in _OPEN_STAGES])
    enter = np.concatenate([created[:, None], created[:, None] + np.cumsum(durations, axis=1)], axis=1)
    # index of the first stage the deal fails at (k = won)
    fail_at = np.where(advance.all(axis=1), k, np.argmin(advance, axis=1))
    close_time = enter[np.arange(n), np.minimum(fail_at + 1, k)]
    closed = close_time < window.hi
    # reached stages: those entered before the window ends
    stage_reached = (enter[:, :k] < window.hi) & (np.arange(k)[None, :] <= fail_at[:, None])
    last_open = stage_reached.sum(axis=1) - 1
    won = closed & (fail_at == k)
    lost = closed & (fail_at < k)
    stage = np.where(
        won, "closed_won", np.where(lost, "closed_lost", np.array(_OPEN_STAGES, dtype=object)[last_open])
    ).astype(object)

    country = people["country"].to_numpy(dtype=object)[persons]
    currency = pd.Series(country, dtype=object).map(dict(CURRENCY_BY_COUNTRY)).to_numpy(dtype=object)
    amount = sales_amounts(rng, currency)
    seats = np.maximum(
        1,
        (
            amount
            / pd.Series(currency).map({"JPY": 18000, "USD": 12000, "EUR": 11000, "GBP": 9500}).to_numpy()
        ).astype(int),
    )
    plan = np.array(_PLANS, dtype=object)[np.clip((seats > 6).astype(int) + (seats > 15), 0, 2)]
    company_name = companies["company_name"].to_numpy(dtype=object)[people["company_idx"].to_numpy()[persons]]
    deal_name = (
        pd.Series(company_name, dtype=object)
        + " - "
        + pd.Series(plan)
        + " ("
        + pd.Series(seats.astype(str))
        + " seats)"
    )
    expected = created + (rng.gamma(3.0, 15.0, size=n) * DAY).astype(np.int64)

    deals = pd.DataFrame(
        {
            "person_idx": persons,
            "contact_id": c["contact_id"].to_numpy(dtype=object),
            "company_id": people["company_id"].to_numpy(dtype=object)[persons],
            "owner_email": c["owner_email"].to_numpy(dtype=object),
            "pipeline": "new_business",
            "stage": stage,
            "amount_minor": amount,
            "currency": currency,
            "created_at": created,
            "expected_close_at": expected,
            "closed_at": np.where(closed, close_time, 0),
            "deal_name": deal_name.to_numpy(dtype=object),
            "fail_at": fail_at,
        }
    )
    order = np.argsort(created, kind="stable")
    deals = deals.iloc[order].reset_index(drop=True)
    deals.insert(0, "deal_id", sequential_ids("DEAL-", n, 6, (ids or IdCounter()).take("DEAL-", n)))
    enter, stage_reached, won, lost, close_time = (
        enter[order],
        stage_reached[order],
        won[order],
        lost[order],
        close_time[order],
    )

    rows_deal, rows_stage, rows_at = [], [], []
    for j, s in enumerate(_OPEN_STAGES):
        sel_j = np.flatnonzero(stage_reached[:, j])
        rows_deal.append(sel_j)
        rows_stage.append(np.full(len(sel_j), s, dtype=object))
        rows_at.append(enter[sel_j, j])
    for flag, s in ((won, "closed_won"), (lost, "closed_lost")):
        sel_j = np.flatnonzero(flag)
        rows_deal.append(sel_j)
        rows_stage.append(np.full(len(sel_j), s, dtype=object))
        rows_at.append(close_time[sel_j])
    d = np.concatenate(rows_deal) if rows_deal else np.zeros(0, dtype=np.int64)
    history = (
        pd.DataFrame(
            {
                "deal_id": deals["deal_id"].to_numpy(dtype=object)[d],
                "stage": np.concatenate(rows_stage),
                "entered_at": np.concatenate(rows_at).astype(np.int64),
                "changed_by": deals["owner_email"].to_numpy(dtype=object)[d],
                "person_idx": deals["person_idx"].to_numpy()[d],
            }
        )
        .sort_values(["entered_at", "deal_id"], kind="stable")
        .reset_index(drop=True)
    )
    return Pipeline(deals=deals.drop(columns=["fail_at"]), history=history)
