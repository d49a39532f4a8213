"""The generator simulated in chunks of people (issue 19): one population, files valid, ground truth exact.

Every expected value is read back from the written landing files with plain parsing (csv, json, mailbox),
not taken from the generator's frames.
"""

from __future__ import annotations

import csv
import json
import mailbox
from collections import Counter
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from ingestion.sample_data import generate
from ingestion.sample_data.writers.phone import ASTERISK_COLUMNS

SCALE, CHUNK, SEED = 1500, 500, 11
END = date(2026, 12, 1)
JP_ENCODED = ("companies_jp.csv", "contacts_jp.csv", "orders_jp.csv", "invoices_jp.csv")


@pytest.fixture(scope="module")
def chunked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict, list[str]]:
    root = tmp_path_factory.mktemp("chunked")
    steps: list[str] = []
    summary = generate(
        root / "landing", root / "ground_truth", scale=SCALE, seed=SEED, end_date=END, progress=steps.append,
        chunk_people=CHUNK,
    )
    return root / "landing", root / "ground_truth", summary, steps


def _csv(path: Path) -> pd.DataFrame:
    encoding = "cp932" if path.name in JP_ENCODED else "utf-8"
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)


def _sales(landing: Path, name: str) -> pd.DataFrame:
    """Both CRMs' export of ``name`` (the Japanese one where there is one), exact duplicate rows dropped."""
    paths = [landing / "sales" / f"{name}.csv", landing / "sales" / f"{name}_jp.csv"]
    return pd.concat([_csv(p) for p in paths if p.exists()], ignore_index=True).drop_duplicates()


def _jsonl(landing: Path, sub: str) -> list[dict]:
    return [
        json.loads(line)
        for path in sorted((landing / sub).glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]


def _asterisk(landing: Path) -> pd.DataFrame:
    frames = [
        pd.read_csv(p, header=None, names=list(ASTERISK_COLUMNS), dtype=str, keep_default_na=False)
        for p in sorted((landing / "phone" / "asterisk").glob("*.csv"))
    ]
    return pd.concat(frames, ignore_index=True)


def _twilio(landing: Path) -> pd.DataFrame:
    paths = sorted((landing / "phone" / "twilio").glob("*.csv"))
    return pd.concat([_csv(p) for p in paths], ignore_index=True)


def _message_ids(landing: Path) -> list[str]:
    ids = []
    for path in sorted((landing / "email").glob("*.mbox")):
        box = mailbox.mbox(path, create=False)
        try:
            ids += [msg["Message-ID"] for msg in box]
        finally:
            box.close()
    return ids


def test_simulated_in_chunks(chunked) -> None:
    _, _, _, steps = chunked
    assert any(s.startswith(f"chunk {SCALE // CHUNK}/{SCALE // CHUNK}:") for s in steps)
    assert steps[-1] == "done"


def test_ids_unique_across_chunks(chunked) -> None:
    landing, truth_dir, _, _ = chunked
    people = pd.read_parquet(truth_dir / "people.parquet")
    assert len(people) == SCALE and people["person_id"].is_unique
    assert people["person_id"].tolist() == [f"P{i:07d}" for i in range(1, SCALE + 1)]
    # no two people share a mailbox (Gmail ignores dots), whichever chunk they were simulated in
    for col in ("personal_email", "work_email"):
        addr = people.loc[people[col].ne(""), col].str.split("@")
        local = addr.str[0].where(addr.str[1].ne("gmail.com"), addr.str[0].str.replace(".", ""))
        assert (local + "@" + addr.str[1]).is_unique, col
    for name, col in (
        ("contacts", "contact_id"),
        ("orders", "order_id"),
        ("invoices", "invoice_id"),
        ("deals", "deal_id"),
        ("companies", "company_id"),
    ):
        assert _sales(landing, name)[col].is_unique, name
    responses = _csv(landing / "surveys" / "responses.csv")
    assert responses["response_id"].is_unique
    assert _asterisk(landing)["uniqueid"].is_unique
    assert _twilio(landing)["sid"].is_unique
    assert pd.Series(_message_ids(landing)).is_unique
    assert pd.Series([e["messageId"] for e in _jsonl(landing, "web")]).is_unique
    assert pd.Series([e["sg_event_id"] for e in _jsonl(landing, "email_events")]).is_unique
    # ids of later chunks continue the series (a chunk restarting at 1 would have collided above)
    assert len(_sales(landing, "contacts")) > CHUNK // 2
    # a company's account owner is the same for its contacts in every chunk
    contacts = _sales(landing, "contacts")
    companies = _sales(landing, "companies").set_index("company_id")
    with_company = contacts[contacts["company_id"].ne("") & ~contacts["owner_email"].eq("")]
    owners = with_company.groupby("company_id")["owner_email"].nunique()
    assert (owners == 1).all()
    contact_owner = with_company.drop_duplicates("company_id").set_index("company_id")["owner_email"]
    assert contact_owner.reindex(owners.index).eq(companies["owner_email"].reindex(owners.index)).all()


def test_records_are_what_the_files_hold(chunked) -> None:
    landing, truth_dir, _, _ = chunked
    records = pd.read_parquet(truth_dir / "records.parquet")
    people = pd.read_parquet(truth_dir / "people.parquet")
    assert not records.duplicated(["record_type", "record_id"]).any()
    assert set(records["person_id"]) <= set(people["person_id"])
    key = list(zip(records["record_type"], records["record_id"], strict=True))
    assert key == sorted(key)  # one sort over all chunks
    in_truth = records.groupby("record_type")["record_id"].agg(set).to_dict()
    in_files = {
        "crm_contact": set(_sales(landing, "contacts")["contact_id"]),
        "order": set(_sales(landing, "orders")["order_id"]),
        "invoice": set(_sales(landing, "invoices")["invoice_id"]),
        "deal": set(_sales(landing, "deals")["deal_id"]),
        "survey_response": set(_csv(landing / "surveys" / "responses.csv")["response_id"]),
        "asterisk_call": set(_asterisk(landing)["uniqueid"]),
        "twilio_call": set(_twilio(landing)["sid"]),
        "email_message": set(_message_ids(landing)),
        "esp_message": {e["sg_message_id"] for e in _jsonl(landing, "email_events")},
        "web_anonymous": {e["anonymousId"] for e in _jsonl(landing, "web")},
    }
    assert in_truth.keys() == in_files.keys()
    for record_type, ids in in_files.items():
        assert in_truth[record_type] == ids, record_type


def test_appended_files_stay_valid(chunked) -> None:
    landing, _, summary, _ = chunked
    for path in sorted(landing.rglob("*.csv")):
        if path.parent.name == "asterisk":  # Asterisk's Master.csv has no header
            continue
        encoding = "cp932" if path.name in JP_ENCODED else "utf-8"
        with path.open(encoding=encoding, newline="") as fh:
            rows = list(csv.reader(fh))
        assert sum(row == rows[0] for row in rows) == 1, path  # one header, however many chunks appended
        assert summary["files"][str(path.relative_to(landing))] == len(rows) - 1, path
    for path in sorted((landing / "phone" / "asterisk").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        assert all(len(row) == len(ASTERISK_COLUMNS) for row in rows) and rows[0][0] != "accountcode", path
    for path in sorted((landing / "email").glob("*.mbox")):
        text = path.read_bytes().decode("ascii")
        separators = sum(line.startswith("From ") for line in text.split("\n"))
        ids = sum(line.startswith("Message-ID: ") for line in text.split("\n"))
        assert text.startswith("From ") and separators == ids == summary["files"][f"email/{path.name}"], path
    for sub in ("web", "email_events"):
        for path in sorted((landing / sub).glob("*.jsonl")):
            lines = path.read_bytes().split(b"\n")
            assert lines[-1] == b"" and all(json.loads(line) for line in lines[:-1]), path


def test_truth_totals_are_the_files_sums(chunked) -> None:
    landing, truth_dir, summary, _ = chunked
    truth = json.loads((truth_dir / "truth.json").read_text(encoding="utf-8"))
    assert truth["scale"] == truth["people"] == SCALE
    orders = _sales(landing, "orders")
    assert truth["orders_count"] == len(orders) == orders["order_id"].nunique()
    assert truth["orders_by_currency"] == orders.groupby("currency")["order_id"].nunique().to_dict()
    done = orders[orders["status"].eq("completed")]
    revenue = done["amount"].astype(float).groupby(done["currency"]).sum().round(2).to_dict()
    assert truth["revenue_by_currency"] == pytest.approx(revenue)
    assert truth["refunded_orders"] == orders["status"].eq("refunded").sum()
    deals = _sales(landing, "deals")
    closed = deals["stage"].isin(["closed_won", "closed_lost"])
    assert truth["won_deals"] == deals["stage"].eq("closed_won").sum()
    assert truth["lost_deals"] == deals["stage"].eq("closed_lost").sum()
    assert truth["open_deals"] == (~closed).sum()
    surveys = _csv(landing / "surveys" / "responses.csv")
    nps = surveys.loc[surveys["survey_type"].eq("nps"), "score"].astype(int)
    assert truth["nps_responses"] == len(nps) and truth["csat_responses"] == surveys["survey_type"].eq("csat").sum()
    assert truth["survey_promoters"] == (nps >= 9).sum() and truth["survey_detractors"] == (nps <= 6).sum()
    assert truth["contacts_distinct"] == _sales(landing, "contacts")["contact_id"].nunique()
    invoices = _sales(landing, "invoices")
    assert truth["invoices_by_status"] == invoices["status"].value_counts().to_dict()
    assert truth["companies_in_crm"] == len(_sales(landing, "companies"))
    events = Counter(e["event"] for e in _jsonl(landing, "email_events"))
    assert {k: v for k, v in truth["esp_events_by_type"].items() if v} == dict(events)
    people = pd.read_parquet(truth_dir / "people.parquet")
    assert truth["customers"] == people["is_customer"].sum()
    # rows per file type: the lines of every file of the type (headers aside), summed over the chunks' appends
    counted: Counter[str] = Counter()
    for path in sorted(landing.rglob("*")):
        if path.suffix == ".csv":
            header = 0 if path.parent.name == "asterisk" else 1
            encoding = "cp932" if path.name in JP_ENCODED else "utf-8"
            with path.open(encoding=encoding, newline="") as fh:
                n = sum(1 for _ in csv.reader(fh)) - header
        elif path.suffix == ".jsonl":
            n = path.read_bytes().count(b"\n")
        elif path.suffix == ".mbox":
            n = sum(line.startswith(b"From ") for line in path.read_bytes().split(b"\n"))
        else:
            continue
        rel = str(path.relative_to(landing).with_suffix(""))
        stem = rel.rsplit("-", 2)[0] if rel[-3] == "-" and rel[-8] == "-" else rel  # monthly: drop -YYYY-MM
        counted[stem] += n
    assert truth["rows_by_file_type"] == dict(counted) == summary["rows"]
