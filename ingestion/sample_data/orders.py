"""Commerce: first orders (won deals, web checkouts), buy-till-you-die repeats, carts, refunds, invoices."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .catalog import PRODUCTS
from .config import CURRENCY_BY_COUNTRY, ProcessParameters
from .deals import sales_amounts
from .ids import IdCounter, sequential_ids
from .timeutil import DAY, HOUR, YEAR, Window, snap_to_business_hours

_CURRENCIES = ("USD", "EUR", "GBP", "JPY")


@dataclass(frozen=True)
class Commerce:
    orders: pd.DataFrame  # CRM orders (one row per order id)
    carts: pd.DataFrame  # web carts: completed checkouts and abandoned ones
    items: pd.DataFrame  # cart lines
    invoices: pd.DataFrame
    customers: pd.DataFrame  # BG/NBD latent parameters per customer


def bgnbd_repeat_purchases(
    rng: np.random.Generator, first_at: np.ndarray, hi: int, params: ProcessParameters
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Repeat purchase times per customer: rate ~ Gamma(r, 1/alpha) per year, dropout ~ Beta(a, b).

    As in BG/NBD, a customer may drop out after each repeat purchase, never right after the first one (dropping out
    at the first purchase too would be the MBG/NBD model, whose parameters a BG/NBD fit does not recover)."""
    n = len(first_at)
    lam = rng.gamma(params.bgnbd_r, 1.0 / params.bgnbd_alpha, size=n)
    p = rng.beta(params.bgnbd_a, params.bgnbd_b, size=n)
    t = first_at.astype(np.float64)
    alive = np.ones(n, dtype=bool)
    who, when = [], []
    while True:
        t = t + rng.exponential(1.0, size=n) / np.maximum(lam, 1e-9) * YEAR
        alive &= t < hi
        if not alive.any():
            break
        idx = np.flatnonzero(alive)
        who.append(idx)
        when.append(t[idx].astype(np.int64))
        alive &= rng.random(n) >= p
    if who:
        return np.concatenate(who), np.concatenate(when), lam, p
    return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), lam, p


def _cart_lines(rng: np.random.Generator, currency: np.ndarray) -> pd.DataFrame:
    """1-3 distinct products per cart; seats come in quantities, the rest singly."""
    n = len(currency)
    n_items = 1 + rng.binomial(2, 0.3, size=n)
    cart = np.repeat(np.arange(n), n_items)
    weights = np.array([p[4] for p in PRODUCTS])
    product = rng.choice(len(PRODUCTS), size=len(cart), p=weights / weights.sum())
    lines = pd.DataFrame({"cart": cart, "product": product}).drop_duplicates().reset_index(drop=True)
    is_seat = np.array([p[0] == "ACME-SEAT" for p in PRODUCTS])[lines["product"].to_numpy()]
    lines["quantity"] = np.where(is_seat, 1 + rng.binomial(4, 0.35, size=len(lines)), 1)
    cur = currency[lines["cart"].to_numpy()]
    price = np.zeros(len(lines), dtype=np.int64)
    for c in _CURRENCIES:
        table = np.array([p[3][c] for p in PRODUCTS], dtype=np.int64)
        sel = cur == c
        price[sel] = table[lines["product"].to_numpy()[sel]]
    lines["price_minor"] = price
    lines["currency"] = cur
    return lines


def simulate_commerce(
    rng: np.random.Generator,
    people: pd.DataFrame,
    contacts: pd.DataFrame,
    deals: pd.DataFrame,
    sys_email: np.ndarray,
    window: Window,
    params: ProcessParameters,
    ids: IdCounter | None = None,
) -> Commerce:
    ids = ids or IdCounter()
    country = people["country"].to_numpy(dtype=object)
    currency_of = pd.Series(country, dtype=object).map(dict(CURRENCY_BY_COUNTRY)).to_numpy(dtype=object)
    tz = people["timezone"].to_numpy(dtype=object)

    # first orders
    web_first = np.flatnonzero(people["web_buyer"].to_numpy())
    won = deals[deals["stage"].eq("closed_won")]
    won_person = won["person_idx"].to_numpy()
    won_at = won["closed_at"].to_numpy() + rng.integers(HOUR, 2 * DAY, size=len(won))
    won_at = snap_to_business_hours(won_at, tz[won_person], rng)
    firsts = pd.DataFrame(
        {
            "person_idx": np.concatenate([web_first, won_person]),
            "ordered_at": np.concatenate([people["first_web_order_at"].to_numpy()[web_first], won_at]),
            "channel": np.concatenate([np.full(len(web_first), "web"), np.full(len(won), "sales")]).astype(
                object
            ),
            "deal_id": np.concatenate([np.full(len(web_first), ""), won["deal_id"].to_numpy(dtype=object)]),
            "amount_minor": np.concatenate([np.zeros(len(web_first), dtype=np.int64), won["amount_minor"]]),
        }
    )
    firsts = firsts[firsts["ordered_at"] < window.hi]
    first_of = firsts.sort_values(["ordered_at", "person_idx"], kind="stable").drop_duplicates("person_idx")
    first_of = first_of.sort_values("person_idx").reset_index(drop=True)

    who, when, lam, p = bgnbd_repeat_purchases(rng, first_of["ordered_at"].to_numpy(), window.hi, params)
    first_channel = first_of["channel"].to_numpy(dtype=object)[who]
    stay = np.where(
        first_channel == "web", params.repeat_same_channel["web"], params.repeat_same_channel["sales"]
    )
    same = rng.random(len(who)) < stay
    rep_channel = np.where(same, first_channel, np.where(first_channel == "web", "sales", "web")).astype(
        object
    )
    rep_person = first_of["person_idx"].to_numpy()[who]
    rep_at = np.where(rep_channel == "sales", snap_to_business_hours(when, tz[rep_person], rng), when)
    repeats = pd.DataFrame(
        {
            "person_idx": rep_person,
            "ordered_at": rep_at,
            "channel": rep_channel,
            "deal_id": "",
            "amount_minor": np.where(
                rep_channel == "sales", sales_amounts(rng, currency_of[rep_person], scale=0.6), 0
            ),
        }
    )
    orders = pd.concat([firsts, repeats], ignore_index=True)
    orders = orders[orders["ordered_at"] < window.hi].reset_index(drop=True)
    orders["currency"] = currency_of[orders["person_idx"].to_numpy()]
    orders["is_repeat"] = np.arange(len(orders)) >= len(firsts)

    # web carts: completed ones (= web orders) and abandoned ones
    web_orders = np.flatnonzero(orders["channel"].to_numpy(dtype=object) == "web")
    web = people["web_visitor"].to_numpy()
    identified_at = people["identified_at"].to_numpy()
    known = web & people["is_contact"].to_numpy() & (identified_at > 0)
    anon = web & ~people["is_contact"].to_numpy()
    ab_known = np.flatnonzero(known & (rng.random(len(people)) < params.cart_abandon_rate_known))
    ab_anon = np.flatnonzero(anon & (rng.random(len(people)) < params.cart_abandon_rate_anonymous))
    t0 = people["first_touch_at"].to_numpy()
    ab_person = np.concatenate([ab_known, ab_anon])
    ab_at = np.concatenate(
        [
            identified_at[ab_known] + rng.uniform(0, 120 * DAY, size=len(ab_known)).astype(np.int64),
            t0[ab_anon] + rng.uniform(0, 30 * DAY, size=len(ab_anon)).astype(np.int64),
        ]
    )
    keep = ab_at < window.hi
    ab_person, ab_at = ab_person[keep], ab_at[keep]
    ab_stage = np.where(rng.random(len(ab_person)) < 0.5, "checkout", "added").astype(object)
    carts = pd.DataFrame(
        {
            "person_idx": np.concatenate([orders["person_idx"].to_numpy()[web_orders], ab_person]),
            "completed_at": np.concatenate([orders["ordered_at"].to_numpy()[web_orders], ab_at]),
            "stage": np.concatenate([np.full(len(web_orders), "completed", dtype=object), ab_stage]),
            "order_row": np.concatenate([web_orders, np.full(len(ab_person), -1)]),
        }
    )
    carts["currency"] = currency_of[carts["person_idx"].to_numpy()]
    carts = carts.sort_values(["completed_at", "person_idx"], kind="stable").reset_index(drop=True)
    carts["cart_id"] = sequential_ids("cart_", len(carts), 8, ids.take("cart_", len(carts)))
    lines = _cart_lines(rng, carts["currency"].to_numpy(dtype=object))
    lines["cart_id"] = carts["cart_id"].to_numpy(dtype=object)[lines["cart"].to_numpy()]
    value = (lines["price_minor"] * lines["quantity"]).groupby(lines["cart"]).sum()
    carts["value_minor"] = value.reindex(np.arange(len(carts)), fill_value=0).to_numpy()
    done = carts["order_row"].to_numpy() >= 0
    orders["cart_id"] = ""
    orders.loc[carts["order_row"].to_numpy()[done], "amount_minor"] = carts["value_minor"].to_numpy()[done]
    orders.loc[carts["order_row"].to_numpy()[done], "cart_id"] = carts["cart_id"].to_numpy()[done]

    # order ids per CRM, in time order, shared with checkouts that were never completed
    crm = np.where(country == "JP", "jp", "global")
    id_events = pd.concat(
        [
            pd.DataFrame(
                {
                    "kind": "order",
                    "row": np.arange(len(orders)),
                    "at": orders["ordered_at"],
                    "crm": crm[orders["person_idx"].to_numpy()],
                }
            ),
            pd.DataFrame(
                {
                    "kind": "cart",
                    "row": np.flatnonzero(carts["stage"].eq("checkout")),
                    "at": carts.loc[carts["stage"].eq("checkout"), "completed_at"],
                    "crm": crm[carts.loc[carts["stage"].eq("checkout"), "person_idx"].to_numpy()],
                }
            ),
        ],
        ignore_index=True,
    ).sort_values(["crm", "at", "kind", "row"], kind="stable")
    prefix = np.where(id_events["crm"].eq("jp"), "JPO-", "ORD-")
    id_events["rank"] = id_events.groupby("crm").cumcount() + _series_starts(ids, prefix)
    id_events["id"] = prefix + id_events["rank"].astype(str).str.zfill(7)
    orders["order_id"] = ""
    orders.loc[id_events.loc[id_events["kind"].eq("order"), "row"].to_numpy(), "order_id"] = id_events.loc[
        id_events["kind"].eq("order"), "id"
    ].to_numpy()
    carts["order_id"] = ""
    carts.loc[carts["order_row"].to_numpy() >= 0, "order_id"] = orders["order_id"].to_numpy()[
        carts.loc[carts["order_row"].to_numpy() >= 0, "order_row"].to_numpy()
    ]
    carts.loc[id_events.loc[id_events["kind"].eq("cart"), "row"].to_numpy(), "order_id"] = id_events.loc[
        id_events["kind"].eq("cart"), "id"
    ].to_numpy()

    # who ordered: primary contact, or the person's duplicate contact for some later invoiced orders
    primary = contacts[~contacts["is_duplicate"]].set_index("person_idx")
    dups = contacts[contacts["is_duplicate"]].drop_duplicates("person_idx").set_index("person_idx")
    op = orders["person_idx"].to_numpy()
    orders["contact_id"] = primary["contact_id"].reindex(op).to_numpy(dtype=object)
    record_email = primary["email"].reindex(op).to_numpy(dtype=object)
    checkout_email = np.where(sys_email[op] != "", sys_email[op], people["email"].to_numpy(dtype=object)[op])
    orders["customer_email"] = np.where(orders["channel"].eq("web"), checkout_email, record_email)
    dup_created = dups["created_at"].reindex(op).to_numpy(dtype=float)
    use_dup = (
        orders["channel"].eq("sales").to_numpy()
        & ~np.isnan(dup_created)
        & (orders["ordered_at"].to_numpy() > np.nan_to_num(dup_created, nan=np.inf))
        & (rng.random(len(orders)) < 0.5)
    )
    orders.loc[use_dup, "contact_id"] = dups["contact_id"].reindex(op[use_dup]).to_numpy(dtype=object)
    orders.loc[use_dup, "customer_email"] = dups["email"].reindex(op[use_dup]).to_numpy(dtype=object)
    refunded = (rng.random(len(orders)) < params.refund_rate) & (orders["ordered_at"] < window.hi - 3 * DAY)
    orders["status"] = np.where(refunded, "refunded", "completed")
    orders["crm"] = crm[op]
    orders = orders.sort_values(["crm", "order_id"], kind="stable").reset_index(drop=True)

    invoices = _invoices(rng, orders, window, params, ids)
    customers = pd.DataFrame(
        {
            "person_idx": first_of["person_idx"].to_numpy(),
            "first_order_at": first_of["ordered_at"].to_numpy(),
            "first_channel": first_of["channel"].to_numpy(dtype=object),
            "purchase_rate_per_year": lam,
            "dropout_probability": p,
        }
    )
    return Commerce(orders=orders, carts=carts, items=lines, invoices=invoices, customers=customers)


def _series_starts(ids: IdCounter, prefix: np.ndarray) -> np.ndarray:
    """Per row, the first number of its id series (``prefix``: one series per CRM), reserving each series'
    rows in ``ids``."""
    names, counts = np.unique(prefix, return_counts=True)
    first = {name: ids.take(str(name), int(n)) for name, n in zip(names, counts, strict=True)}
    return pd.Series(prefix, dtype=object).map(first).to_numpy(dtype=np.int64)


def _invoices(
    rng: np.random.Generator, orders: pd.DataFrame, window: Window, params: ProcessParameters, ids: IdCounter
) -> pd.DataFrame:
    o = orders[orders["channel"].eq("sales")].reset_index(drop=True)
    n = len(o)
    issued = o["ordered_at"].to_numpy() + rng.integers(HOUR, 2 * DAY, size=n)
    issued = np.minimum(issued, window.hi - 60)
    due = issued + 30 * DAY
    pay_delay = np.exp(rng.normal(np.log(params.invoice_pay_median_days), 0.5, size=n)) * DAY
    paid_at = (issued + pay_delay).astype(np.int64)
    refunded = o["status"].eq("refunded").to_numpy()
    void = (refunded & (rng.random(n) < 0.6)) | (rng.random(n) < params.invoice_void_rate)
    unpaid = rng.random(n) < params.invoice_unpaid_rate
    paid = ~void & ~unpaid & (paid_at < window.hi)
    status = np.where(void, "void", np.where(paid, "paid", "open")).astype(object)
    crm = o["crm"].to_numpy(dtype=object)
    inv = (
        pd.DataFrame(
            {
                "order_id": o["order_id"].to_numpy(dtype=object),
                "contact_id": o["contact_id"].to_numpy(dtype=object),
                "person_idx": o["person_idx"].to_numpy(),
                "issued_at": issued,
                "due_at": due,
                "amount_minor": o["amount_minor"].to_numpy(),
                "currency": o["currency"].to_numpy(dtype=object),
                "status": status,
                "paid_at": np.where(paid, paid_at, 0),
                "crm": crm,
            }
        )
        .sort_values(["crm", "issued_at", "order_id"], kind="stable")
        .reset_index(drop=True)
    )
    prefix = np.where(inv["crm"].eq("jp"), "JPINV-", "INV-").astype(object)
    inv["rank"] = inv.groupby("crm").cumcount() + _series_starts(ids, prefix)
    inv.insert(0, "invoice_id", prefix + inv["rank"].astype(str).str.zfill(6))
    return inv.drop(columns=["rank"])
