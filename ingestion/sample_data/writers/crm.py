"""CRM exports: ``sales/*.csv`` (global CRM, UTF-8, UTC) and ``sales/*_jp.csv`` (cp932, Japan time)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..timeutil import iso_date, iso_seconds, jp_date, jp_minutes
from .common import format_amount, with_exact_duplicates, write_csv

USERS_COLUMNS = ("user_id", "email", "full_name", "team", "extension", "region")
COMPANY_COLUMNS = (
    "company_id",
    "company_name",
    "domain",
    "industry",
    "employees",
    "country",
    "city",
    "owner_email",
    "created_at",
)
CONTACT_COLUMNS = (
    "contact_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "company_id",
    "company_name",
    "job_title",
    "country",
    "city",
    "postal_code",
    "address",
    "language",
    "lead_source",
    "lifecycle_stage",
    "marketing_consent",
    "owner_email",
    "created_at",
    "updated_at",
)
DEAL_COLUMNS = (
    "deal_id",
    "deal_name",
    "contact_id",
    "company_id",
    "owner_email",
    "pipeline",
    "stage",
    "amount",
    "currency",
    "created_at",
    "expected_close_date",
    "closed_at",
)
HISTORY_COLUMNS = ("deal_id", "stage", "entered_at", "changed_by")
ORDER_COLUMNS = (
    "order_id",
    "contact_id",
    "customer_email",
    "order_date",
    "channel",
    "deal_id",
    "currency",
    "amount",
    "status",
)
INVOICE_COLUMNS = (
    "invoice_id",
    "order_id",
    "contact_id",
    "issued_at",
    "due_date",
    "amount",
    "currency",
    "status",
    "paid_at",
)
CAMPAIGN_COLUMNS = ("campaign_id", "campaign_name", "channel", "start_date", "end_date", "cost", "currency")
CAMPAIGN_MEMBER_COLUMNS = ("campaign_id", "contact_id", "email", "status", "registered_at", "attended_at")


@dataclass(frozen=True)
class CrmFrames:
    """Export-ready frames (internal columns allowed; writers select the contract columns)."""

    users: pd.DataFrame
    companies: pd.DataFrame  # of this chunk of the population's contacts (crm_records.crm_companies)
    contacts: pd.DataFrame
    deals: pd.DataFrame
    history: pd.DataFrame
    orders: pd.DataFrame
    invoices: pd.DataFrame
    campaigns: pd.DataFrame
    campaign_members: pd.DataFrame


def _ts(values: np.ndarray, jp: bool) -> np.ndarray:
    values = np.asarray(values, dtype=np.int64)
    out = jp_minutes(values) if jp else iso_seconds(values)
    return np.where(values > 0, out, "")


def _date(values: np.ndarray, jp: bool) -> np.ndarray:
    values = np.asarray(values, dtype=np.int64)
    out = jp_date(values) if jp else iso_date(values)
    return np.where(values > 0, out, "")


def _split_write(
    df: pd.DataFrame,
    columns: tuple[str, ...],
    sales_dir: Path,
    name: str,
    ts_cols: list[str],
    date_cols: list[str],
) -> dict[str, int]:
    counts = {}
    for jp, fname in ((False, f"{name}.csv"), (True, f"{name}_jp.csv")):
        part = df[df["crm"].eq("jp") == jp].copy()
        for col in ts_cols:
            part[col] = _ts(part[col].to_numpy(), jp)
        for col in date_cols:
            part[col] = _date(part[col].to_numpy(), jp)
        if jp:
            counts[fname] = write_csv(
                part[list(columns)], sales_dir / fname, encoding="cp932", crlf=True, append=True
            )
        else:
            counts[fname] = write_csv(part[list(columns)], sales_dir / fname, append=True)
    return counts


def write_crm_shared(
    users: pd.DataFrame, companies: pd.DataFrame, campaigns: pd.DataFrame, sales_dir: Path
) -> dict[str, int]:
    """The exports every chunk of the population shares: users, companies (those with a contact in any
    chunk, see CrmFrames.companies) and campaigns. Written once, after the last chunk."""
    counts: dict[str, int] = {}
    counts["users.csv"] = write_csv(users[list(USERS_COLUMNS)], sales_dir / "users.csv")
    counts.update(_split_write(companies, COMPANY_COLUMNS, sales_dir, "companies", ["created_at"], []))
    camp = campaigns.copy()
    camp["campaign_name"] = camp["name"]
    camp["start_date"] = [d.isoformat() for d in camp["start"]]
    camp["end_date"] = [d.isoformat() for d in camp["end"]]
    camp["cost"] = [
        str(int(c)) if cur == "JPY" else f"{c:.2f}"
        for c, cur in zip(camp["cost"], camp["currency"], strict=True)
    ]
    counts["campaigns.csv"] = write_csv(camp[list(CAMPAIGN_COLUMNS)], sales_dir / "campaigns.csv")
    return counts


def write_crm(
    frames: CrmFrames, sales_dir: Path, rng: np.random.Generator, duplicate_rate: float
) -> dict[str, int]:
    """One chunk of the population's contacts, deals, orders, invoices and campaign members, appended to what
    earlier chunks wrote (write_crm_shared writes the rest)."""
    counts: dict[str, int] = {}
    contacts = with_exact_duplicates(frames.contacts, rng, duplicate_rate)
    counts.update(
        _split_write(contacts, CONTACT_COLUMNS, sales_dir, "contacts", ["created_at", "updated_at"], [])
    )

    deals = frames.deals.copy()
    deals["amount"] = format_amount(
        deals["amount_minor"].to_numpy(), deals["currency"].to_numpy(dtype=object)
    )
    deals["created_at"] = _ts(deals["created_at"].to_numpy(), False)
    deals["closed_at"] = _ts(deals["closed_at"].to_numpy(), False)
    deals["expected_close_date"] = _date(deals["expected_close_at"].to_numpy(), False)
    counts["deals.csv"] = write_csv(deals[list(DEAL_COLUMNS)], sales_dir / "deals.csv", append=True)
    hist = frames.history.copy()
    hist["entered_at"] = _ts(hist["entered_at"].to_numpy(), False)
    counts["deal_stage_history.csv"] = write_csv(
        hist[list(HISTORY_COLUMNS)], sales_dir / "deal_stage_history.csv", append=True
    )

    orders = frames.orders.copy()
    orders["amount"] = format_amount(
        orders["amount_minor"].to_numpy(), orders["currency"].to_numpy(dtype=object)
    )
    orders["order_date"] = orders["ordered_at"]
    orders = with_exact_duplicates(orders, rng, duplicate_rate)
    counts.update(_split_write(orders, ORDER_COLUMNS, sales_dir, "orders", ["order_date"], []))

    inv = frames.invoices.copy()
    inv["amount"] = format_amount(inv["amount_minor"].to_numpy(), inv["currency"].to_numpy(dtype=object))
    inv["due_date"] = inv["due_at"]
    counts.update(
        _split_write(inv, INVOICE_COLUMNS, sales_dir, "invoices", ["issued_at", "paid_at"], ["due_date"])
    )

    members = frames.campaign_members.copy()
    members["registered_at"] = _ts(members["registered_at"].to_numpy(), False)
    members["attended_at"] = _ts(members["attended_at"].to_numpy(), False)
    counts["campaign_members.csv"] = write_csv(
        members[list(CAMPAIGN_MEMBER_COLUMNS)], sales_dir / "campaign_members.csv", append=True
    )
    return counts
