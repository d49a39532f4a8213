"""``generate()``: simulate the business and write every landing file plus the ground truth."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .acquisition import simulate_acquisition
from .campaigns import build_campaigns
from .config import ProcessParameters
from .contacts import assign_owners, build_contacts, system_emails
from .conversations import rep_index, sales_calls, sales_threads
from .crm_records import build_crm_frames, crm_companies
from .deals import Pipeline, simulate_deals
from .ids import IdCounter
from .marketing import Marketing, simulate_marketing
from .orders import Commerce, simulate_commerce
from .pools import LocalePool, build_pools
from .population import build_companies, build_people, mailbox_keys
from .rng import RngFactory
from .staff import build_users
from .support import Support, simulate_support
from .surveys import simulate_surveys
from .threads import explode_threads
from .timeutil import Window
from .web_sessions import WebData, simulate_web
from .writers.common import reset_dir
from .writers.crm import write_crm, write_crm_shared
from .writers.email import write_mboxes
from .writers.esp import write_sendgrid
from .writers.ground_truth import GroundTruthWriter, people_table
from .writers.phone import asterisk_rows, twilio_rows, write_phone
from .writers.surveys import write_surveys
from .writers.web import write_segment

log = logging.getLogger(__name__)

LANDING_SUBDIRS = ("email", "email_events", "web", "phone", "sales", "surveys")
GROUND_TRUTH_FILES = ("people.parquet", "records.parquet", "truth.json")
# People simulated at a time: one chunk of 100,000 peaks near 3 GB (docs/benchmarks.md), and every scale
# up to it gives the data it gave before the generator simulated in chunks.
DEFAULT_CHUNK_PEOPLE = 100_000


def _records(person_ids: np.ndarray, parts: list[tuple[str, pd.Series, np.ndarray]]) -> pd.DataFrame:
    frames = []
    for record_type, ids, person_idx in parts:
        df = pd.DataFrame(
            {
                "record_type": record_type,
                "record_id": np.asarray(ids, dtype=object),
                "person_id": person_ids[np.asarray(person_idx, dtype=np.int64)],
            }
        )
        frames.append(df.drop_duplicates(["record_id"]))
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["record_type", "record_id"], kind="stable").reset_index(drop=True)


def _chunk_totals(
    orders: pd.DataFrame, deals: pd.DataFrame, surveys: pd.DataFrame, contacts: pd.DataFrame
) -> dict[str, Any]:
    """truth.json's totals over one chunk of the population. Every one is a count or a sum, and the ids they
    count are unique across chunks, so the whole population's totals are the chunks' added up (_add_totals);
    revenue stays unrounded until _truth."""
    o = orders.drop_duplicates("order_id")
    completed = o[o["status"].eq("completed")]
    decimals = np.where(completed["currency"].eq("JPY"), 1, 100)
    revenue = (completed["amount_minor"] / decimals).groupby(completed["currency"]).sum()
    nps = surveys[surveys["survey_type"].eq("nps")]
    return {
        "orders_count": int(o["order_id"].nunique()),
        "orders_by_currency": {k: int(v) for k, v in o.groupby("currency")["order_id"].nunique().items()},
        "revenue_by_currency": {k: float(v) for k, v in revenue.items()},
        "refunded_orders": int(o["status"].eq("refunded").sum()),
        "won_deals": int(deals["stage"].eq("closed_won").sum()),
        "lost_deals": int(deals["stage"].eq("closed_lost").sum()),
        "open_deals": int((~deals["stage"].isin(["closed_won", "closed_lost"])).sum()),
        "nps_responses": int(len(nps)),
        "survey_promoters": int((nps["score"] >= 9).sum()),
        "survey_detractors": int((nps["score"] <= 6).sum()),
        "csat_responses": int(surveys["survey_type"].eq("csat").sum()),
        "contacts_distinct": int(contacts["contact_id"].nunique()),
        "duplicate_contacts": int(contacts["is_duplicate"].sum()),
    }


def _add_totals(total: dict[str, Any], part: dict[str, Any]) -> None:
    """Add ``part``'s numbers into ``total`` (nested dicts key by key)."""
    for key, value in part.items():
        if isinstance(value, dict):
            _add_totals(total.setdefault(key, {}), value)
        else:
            total[key] = total[key] + value if key in total else value


def _truth(
    seed: int, scale: int, window: Window, params: ProcessParameters, totals: dict[str, Any]
) -> dict[str, Any]:
    revenue = totals["revenue_by_currency"]
    return {
        "seed": seed,
        "scale": scale,
        "start_date": window.start_date.isoformat(),
        "end_date": window.end_date.isoformat(),
        "process_parameters": params.to_json_dict(),
        **totals,
        "revenue_by_currency": {k: round(v, 2) for k, v in revenue.items()},
        "people": int(scale),
    }


@dataclass(frozen=True)
class World:
    """Everything the simulation of one chunk of the population produced, before it is written out."""

    people: pd.DataFrame
    companies: pd.DataFrame
    comp_owner: np.ndarray
    users: pd.DataFrame
    campaigns: pd.DataFrame
    contacts: pd.DataFrame
    pipeline: Pipeline
    commerce: Commerce
    marketing: Marketing
    web: WebData
    sales_calls: pd.DataFrame
    support: Support
    messages: pd.DataFrame
    surveys: pd.DataFrame


@dataclass(frozen=True)
class Shared:
    """What every chunk of the population shares, built once from the whole scale: name pools, Acme's staff,
    campaigns and companies (a company's people may fall in any chunk)."""

    pools: dict[str, LocalePool]
    users: pd.DataFrame
    campaigns: pd.DataFrame
    companies: pd.DataFrame


def build_shared(rngs: RngFactory, scale: int, window: Window, params: ProcessParameters) -> Shared:
    pools = build_pools(rngs, scale)
    users = build_users(rngs.get("users"), pools, scale)
    campaigns = build_campaigns(rngs.get("campaigns"), window)
    companies = build_companies(rngs.get("companies"), pools, scale, params)
    return Shared(pools, users, campaigns, companies)


@dataclass
class Carry:
    """What one chunk of the population hands to the next so that the whole stays one population: the next
    number of every id series, the mailboxes given out, the companies whose info@ inbox is shared, and the
    companies' account owners (drawn in the first chunk)."""

    ids: IdCounter = field(default_factory=IdCounter)
    mailboxes: set[str] = field(default_factory=set)
    shared_inboxes: set[int] = field(default_factory=set)
    comp_owner: np.ndarray | None = None


def simulate(
    rngs: RngFactory,
    shared: Shared,
    n: int,
    window: Window,
    params: ProcessParameters,
    carry: Carry,
    step: Callable[[str], None],
) -> World:
    """Run every process of the simulation for ``n`` people (no I/O); ``rngs`` is the chunk's."""
    step(f"population: {n} people")
    users, campaigns, companies = shared.users, shared.campaigns, shared.companies
    people = build_people(rngs.get("people"), shared.pools, companies, n, params, carry.ids, carry.mailboxes)
    carry.mailboxes |= mailbox_keys(people)

    step("journeys: acquisition, contacts, deals, orders")
    people = simulate_acquisition(rngs.get("acquisition"), people, campaigns, window, params)
    comp_owner, owners = assign_owners(rngs.get("owners"), people, companies, users, carry.comp_owner)
    carry.comp_owner = comp_owner
    sys_email = system_emails(rngs.get("system_emails"), people, companies, params, carry.shared_inboxes)
    contacts = build_contacts(
        rngs.get("contacts"), people, companies, owners, sys_email, window, params, carry.ids
    )
    pipeline = simulate_deals(rngs.get("deals"), people, contacts, companies, window, params, carry.ids)
    commerce = simulate_commerce(
        rngs.get("orders"), people, contacts, pipeline.deals, sys_email, window, params, carry.ids
    )

    step("journeys: marketing e-mail and web sessions")
    marketing = simulate_marketing(rngs.get("marketing"), people, contacts, campaigns, window, params)
    web = simulate_web(
        rngs.get("web"),
        people,
        contacts,
        companies,
        campaigns,
        commerce,
        marketing.clicks,
        sys_email,
        window,
        params,
    )

    step("journeys: sales conversations, support and surveys")
    rep = rep_index(people, contacts, users, rngs.get("reps"))
    s_threads = sales_threads(
        rngs.get("sales_threads"), people, contacts, pipeline, rep, sys_email, window, params
    )
    s_calls = sales_calls(rngs.get("sales_calls"), people, contacts, pipeline, rep, window, params)
    support = simulate_support(rngs.get("support"), people, commerce, users, window, params, carry.ids)
    threads = pd.concat([s_threads, support.threads], ignore_index=True)
    threads["order_id"] = threads["order_id"].fillna("")
    messages = explode_threads(
        rngs.get("messages"), threads, people, users, companies, sys_email, window, params
    )
    surveys = simulate_surveys(
        rngs.get("surveys"), people, contacts, commerce, support, messages, sys_email, window, params, carry.ids
    )
    return World(
        people,
        companies,
        comp_owner,
        users,
        campaigns,
        contacts,
        pipeline,
        commerce,
        marketing,
        web,
        s_calls,
        support,
        messages,
        surveys,
    )


def write_landing(
    world: World,
    landing_dir: Path,
    rngs: RngFactory,
    window: Window,
    params: ProcessParameters,
    ids: IdCounter,
    step: Callable[[str], None],
) -> tuple[dict[str, int], pd.DataFrame, pd.DataFrame, pd.Series]:
    """Append one chunk's rows to the landing files (write_crm_shared writes what all chunks share, after the
    last one). Returns rows per file, the Asterisk and Twilio rows, and the creation time of each company (by
    row) with a contact."""
    step("writing CRM exports")
    files: dict[str, int] = {}

    def add(prefix: str, counts: dict[str, int]) -> None:
        files.update({f"{prefix}/{k}": v for k, v in counts.items()})

    w = world
    crm = build_crm_frames(
        rngs.get("crm_export"),
        w.people,
        w.companies,
        w.comp_owner,
        w.users,
        w.contacts,
        w.pipeline,
        w.commerce,
        w.marketing,
        w.campaigns,
        window,
    )
    add("sales", write_crm(crm, landing_dir / "sales", rngs.get("exact_dups"), params.duplicate_row_rate))
    step("writing web events")
    add("web", write_segment(w.web.table, landing_dir / "web"))
    step("writing e-mail events and mailboxes")
    add("email_events", write_sendgrid(w.marketing.table, landing_dir / "email_events"))
    add("email", write_mboxes(w.messages, landing_dir / "email"))
    step("writing phone logs and surveys")
    ast = asterisk_rows(w.sales_calls, w.people, w.users, rngs.get("asterisk"), ids)
    tw = twilio_rows(w.support.calls, w.people, rngs.get("twilio"))
    add("phone", write_phone(ast, tw, landing_dir / "phone"))
    add("surveys", write_surveys(w.surveys, landing_dir / "surveys"))
    return files, ast, tw, crm.companies["created_at"]


def _chunk_records(w: World, ast: pd.DataFrame, tw: pd.DataFrame) -> pd.DataFrame:
    """Which person each of the chunk's source records belongs to."""
    person_ids = w.people["person_id"].to_numpy(dtype=object)
    return _records(
        person_ids,
        [
            ("crm_contact", w.contacts["contact_id"], w.contacts["person_idx"]),
            ("web_anonymous", w.web.anonymous["anonymous_id"], w.web.anonymous["person_idx"]),
            ("email_message", w.messages["message_id"], w.messages["person_idx"]),
            ("esp_message", w.marketing.sends["sg_message_id"], w.marketing.sends["person_idx"]),
            ("asterisk_call", ast["uniqueid"], ast["person_idx"]),
            ("twilio_call", tw["sid"], tw["person_idx"]),
            ("order", w.commerce.orders["order_id"], w.commerce.orders["person_idx"]),
            ("invoice", w.commerce.invoices["invoice_id"], w.commerce.invoices["person_idx"]),
            ("deal", w.pipeline.deals["deal_id"], w.pipeline.deals["person_idx"]),
            ("survey_response", w.surveys["response_id"], w.surveys["person_idx"]),
        ],
    )


def _chunk_sizes(scale: int, chunk_people: int) -> list[int]:
    """``scale`` split into the fewest chunks of at most ``chunk_people``, as equal as can be (the first
    ones one larger), so a scale up to one chunk is simulated in one piece."""
    k = max(1, -(-scale // max(1, chunk_people)))
    return [scale // k + (1 if i < scale % k else 0) for i in range(k)]


def generate(
    landing_dir: Path,
    ground_truth_dir: Path,
    scale: int = 10_000,
    seed: int = 42,
    end_date: date = date(2026, 11, 1),
    progress: Callable[[str], None] | None = None,
    chunk_people: int = DEFAULT_CHUNK_PEOPLE,
) -> dict:
    """Simulate ``scale`` people over the 730 days before ``end_date``; write landing files and ground truth.

    The people are simulated and written ``chunk_people`` at a time (each chunk's rows appended to the files
    before the next is simulated), so memory stays that of one chunk; names, staff, campaigns and companies
    are shared, and ids and e-mail addresses stay unique across chunks. A scale up to one chunk gives the data
    an unchunked run gave. Deterministic for given arguments; re-running into the same folders replaces the
    generated files. Returns ``{"files": {relative path: rows}, "rows": {file type: rows}, "truth": {totals}}``.
    """
    landing_dir, ground_truth_dir = Path(landing_dir), Path(ground_truth_dir)
    sizes = _chunk_sizes(scale, chunk_people)

    def step(msg: str) -> None:
        log.info(msg)
        if progress is not None:
            progress(msg)

    rngs = RngFactory(seed)
    params = ProcessParameters()
    window = Window.ending(end_date)
    step(f"shared: name pools, staff, campaigns, companies for {scale} people in {len(sizes)} chunk(s)")
    shared = build_shared(rngs, scale, window, params)
    for sub in LANDING_SUBDIRS:
        reset_dir(landing_dir / sub)
    for name in GROUND_TRUTH_FILES:
        (ground_truth_dir / name).unlink(missing_ok=True)
    truth_out = GroundTruthWriter(ground_truth_dir, chunked=len(sizes) > 1)
    carry = Carry()
    files: dict[str, int] = {}
    totals: dict[str, Any] = {}
    comp_created: list[pd.Series] = []
    try:
        for chunk, n in enumerate(sizes):
            chunk_step = step if len(sizes) == 1 else (lambda m, c=chunk: step(f"chunk {c + 1}/{len(sizes)}: {m}"))
            chunk_rngs = rngs.for_chunk(chunk)
            w = simulate(chunk_rngs, shared, n, window, params, carry, chunk_step)
            chunk_files, ast, tw, created = write_landing(
                w, landing_dir, chunk_rngs, window, params, carry.ids, chunk_step
            )
            _add_totals(files, chunk_files)
            comp_created.append(created)
            chunk_step("writing ground truth")
            truth_out.add(people_table(w.people, w.companies, w.commerce.customers), _chunk_records(w, ast, tw))
            invoices = w.commerce.invoices["status"].value_counts().sort_index()
            _add_totals(
                totals,
                {
                    **_chunk_totals(w.commerce.orders, w.pipeline.deals, w.surveys, w.contacts),
                    "customers": int(len(w.commerce.customers)),
                    "invoices_by_status": {k: int(v) for k, v in invoices.items()},
                    "support_tickets": int(len(w.support.tickets)),
                    "esp_events_by_type": w.marketing.counts,
                },
            )
            del w, ast, tw

        step("writing shared CRM exports and ground truth")
        # a company's creation time is its first contact's, in whichever chunk that contact is
        created_at = pd.concat(comp_created).groupby(level=0).min()
        companies = crm_companies(shared.companies, carry.comp_owner, created_at)
        sales = write_crm_shared(shared.users, companies, shared.campaigns, landing_dir / "sales")
        _add_totals(files, {f"sales/{k}": v for k, v in sales.items()})
        files = dict(sorted(files.items()))
        rows = _row_counts(files)
        totals.update(companies_in_crm=int(len(companies)), rows_by_file_type=rows)
        truth = _truth(seed, scale, window, params, totals)
        truth_out.finish(truth)
    finally:
        truth_out.close()
    step("done")
    return {
        "files": files,
        "rows": rows,
        "truth": {k: v for k, v in truth.items() if k != "process_parameters"},
    }


def _row_counts(files: dict[str, int]) -> dict[str, int]:
    """Rows per file type: e.g. 'web/segment' sums all monthly Segment files."""
    out: dict[str, int] = {}
    for path, n in files.items():
        stem = path.rsplit(".", 1)[0]
        parts = stem.split("/")
        name = re.sub(r"-\d{4}-\d{2}$", "", parts[-1])  # monthly files: drop -YYYY-MM
        key = "/".join([*parts[:-1], name])
        out[key] = out.get(key, 0) + n
    return dict(sorted(out.items()))
