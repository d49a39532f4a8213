"""Sample-data generator: determinism, the landing contract (docs/landing_formats.md), MIME, truth."""

from __future__ import annotations

import csv
import email
import email.policy
import hashlib
import json
import mailbox
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import phonenumbers
import pytest

from ingestion.sample_data import generate

SCALE = 300
SEED = 7
END = date(2026, 11, 1)
START = END - timedelta(days=730)
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")

# Header lines of the contract (docs/landing_formats.md).
SALES_FILES = {
    "users.csv": "user_id,email,full_name,team,extension,region",
    "companies.csv": "company_id,company_name,domain,industry,employees,country,city,owner_email,created_at",
    "contacts.csv": (
        "contact_id,first_name,last_name,email,phone,company_id,company_name,job_title,country,city,"
        "postal_code,address,language,lead_source,lifecycle_stage,marketing_consent,owner_email,created_at,"
        "updated_at"
    ),
    "deals.csv": (
        "deal_id,deal_name,contact_id,company_id,owner_email,pipeline,stage,amount,currency,created_at,"
        "expected_close_date,closed_at"
    ),
    "deal_stage_history.csv": "deal_id,stage,entered_at,changed_by",
    "orders.csv": "order_id,contact_id,customer_email,order_date,channel,deal_id,currency,amount,status",
    "invoices.csv": "invoice_id,order_id,contact_id,issued_at,due_date,amount,currency,status,paid_at",
    "campaigns.csv": "campaign_id,campaign_name,channel,start_date,end_date,cost,currency",
    "campaign_members.csv": "campaign_id,contact_id,email,status,registered_at,attended_at",
}
JP_FILES = ("companies_jp.csv", "contacts_jp.csv", "orders_jp.csv", "invoices_jp.csv")
TWILIO_HEADER = (
    "sid,account_sid,from,to,from_formatted,to_formatted,direction,status,start_time,end_time,duration,price,"
    "price_unit,caller_name"
)
SURVEY_HEADER = "response_id,survey_type,email,contact_id,submitted_at,score,comment,channel,ticket_ref"


def _run(root: Path) -> tuple[Path, Path, dict]:
    landing, truth = root / "landing", root / "ground_truth"
    steps: list[str] = []
    summary = generate(landing, truth, scale=SCALE, seed=SEED, end_date=END, progress=steps.append)
    assert steps and steps[-1] == "done"
    return landing, truth, summary


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    return _run(tmp_path_factory.mktemp("gen_a"))


def _hashes(*roots: Path) -> dict[str, str]:
    out = {}
    for root in roots:
        for f in sorted(root.rglob("*")):
            if f.is_file():
                out[f"{root.name}/{f.relative_to(root)}"] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


def test_deterministic_and_rerun_replaces(generated, tmp_path: Path) -> None:
    landing, truth, _ = generated
    landing_b, truth_b, _ = _run(tmp_path)
    assert _hashes(landing, truth) == _hashes(landing_b, truth_b)
    # a re-run into the same folders replaces (not accumulates) the files
    stray = landing_b / "web" / "segment-1999-01.jsonl"
    stray.write_text("{}\n")
    _run(tmp_path)
    assert not stray.exists()
    assert _hashes(landing, truth) == _hashes(landing_b, truth_b)


def test_every_contract_file_exists(generated) -> None:
    landing, truth, summary = generated
    for name, header in SALES_FILES.items():
        text = (landing / "sales" / name).read_text(encoding="utf-8")
        assert text.splitlines()[0] == header, name
    for name in JP_FILES:
        raw = (landing / "sales" / name).read_bytes().decode("cp932")
        assert raw.splitlines()[0] == SALES_FILES[name.replace("_jp", "")], name
    month = r"\d{4}-(0[1-9]|1[0-2])"
    patterns = {
        "email": rf"(sales|support)-{month}\.mbox",
        "email_events": rf"sendgrid-{month}\.jsonl",
        "web": rf"segment-{month}\.jsonl",
        "phone/asterisk": rf"Master-{month}\.csv",
        "phone/twilio": rf"calls-{month}\.csv",
    }
    for folder, pattern in patterns.items():
        files = [f for f in (landing / folder).iterdir() if f.is_file()]
        assert files, folder
        assert all(re.fullmatch(pattern, f.name) for f in files), folder
    assert {f.name.split("-")[0] for f in (landing / "email").iterdir()} == {"sales", "support"}
    assert (landing / "surveys" / "responses.csv").read_text().splitlines()[0] == SURVEY_HEADER
    for f in (landing / "phone" / "twilio").iterdir():
        assert f.read_text().splitlines()[0] == TWILIO_HEADER
    for name in ("people.parquet", "records.parquet", "truth.json"):
        assert (truth / name).is_file()
    assert summary["rows"]["web/segment"] > 0 and summary["rows"]["email_events/sendgrid"] > 0


def _messages(landing: Path) -> list[tuple[str, bytes, email.message.EmailMessage]]:
    out = []
    for path in sorted((landing / "email").glob("*.mbox")):
        box = mailbox.mbox(path, create=False)
        for key in box.iterkeys():
            raw = box.get_bytes(key)
            out.append((path.name, raw, email.message_from_bytes(raw, policy=email.policy.default)))
        box.close()
    return out


def test_mbox_messages_parse_and_decode(generated) -> None:
    landing, _, _ = generated
    messages = _messages(landing)
    assert len(messages) > 50
    raw = "".join(p.read_text(encoding="ascii") for p in sorted((landing / "email").glob("*.mbox")))
    # every 'From ' line is a separator: bodies were quoted
    assert sum(1 for line in raw.split("\n") if line.startswith("From ")) == len(messages)
    assert ">From " in raw
    iso, japanese_subjects, multipart, iso_names = 0, 0, 0, 0
    for name, raw_msg, msg in messages:
        for header in ("From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type"):
            assert msg[header] is not None, (name, header)
        assert not msg.defects, (name, msg["Message-ID"], msg.defects)
        subject = str(msg["Subject"])
        assert "=?" not in subject
        assert msg["From"].addresses[0].addr_spec and msg["To"].addresses[0].addr_spec
        sent = msg["Date"].datetime
        assert sent.tzinfo is not None
        assert START <= sent.astimezone(UTC).date() < END
        if msg["In-Reply-To"]:
            assert msg["In-Reply-To"] in str(msg["References"]).split()
        body = msg.get_body(preferencelist=("plain",))
        text = body.get_content()
        assert len(text.strip()) > 20 and "\ufffd" not in text
        if body.get_content_charset() == "iso-2022-jp":
            iso += 1
            assert JAPANESE.search(text)
        if msg.is_multipart():
            multipart += 1
            assert msg.get_body(preferencelist=("html",)).get_content().startswith("<html>")
        if b"From: =?ISO-2022-JP?B?" in raw_msg:
            iso_names += 1
            assert JAPANESE.search(msg["From"].addresses[0].display_name)
        if JAPANESE.search(subject):
            japanese_subjects += 1
            assert all(ord(c) < 128 for c in msg.as_string(policy=email.policy.compat32).split("\n\n")[0])
    assert iso >= 1 and japanese_subjects >= 1 and multipart >= 1 and iso_names >= 1
    assert re.search(r"=\?ISO-2022-JP\?B\?", raw) and re.search(r"=\?UTF-8\?[BQ]\?", raw)


def test_jp_exports_are_cp932(generated) -> None:
    landing, _, _ = generated
    non_ascii = set()
    for name in JP_FILES:
        data = (landing / "sales" / name).read_bytes()
        text = data.decode("cp932")
        assert "\r\n" in text
        if not data.isascii():
            non_ascii.add(name)
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")
        # Japan-time dates YYYY/MM/DD HH:MM
        rows = list(csv.DictReader(text.splitlines()))
        for col in ("created_at", "order_date", "issued_at"):
            for row in rows:
                if row.get(col):
                    assert re.fullmatch(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}", row[col]), (name, col, row[col])
    assert {"companies_jp.csv", "contacts_jp.csv"} <= non_ascii
    contacts = (landing / "sales" / "contacts_jp.csv").read_bytes().decode("cp932")
    assert JAPANESE.search(contacts)


def test_asterisk_master_csv(generated) -> None:
    landing, _, _ = generated
    field = r'"(?:[^"]|"")*"'
    line_re = re.compile(rf"{field}(?:,{field}){{17}}")
    n = 0
    for path in (landing / "phone" / "asterisk").iterdir():
        text = path.read_text(encoding="utf-8")
        for line in text.splitlines():
            assert line_re.fullmatch(line), line
        for row in csv.reader(text.splitlines()):
            assert len(row) == 18
            assert row[14] in {"ANSWERED", "NO ANSWER", "BUSY", "FAILED"}
            assert (row[10] == "") == (row[14] != "ANSWERED")
            assert re.fullmatch(r"SIP/\d+-[0-9a-f]{8}", row[5]) or re.fullmatch(
                r"SIP/\d+-[0-9a-f]{8}", row[6]
            )
            assert int(row[12]) >= int(row[13]) >= 0
            n += 1
    assert n > 0


SEGMENT_KEYS = {"type", "messageId", "anonymousId", "userId", "timestamp", "sentAt", "receivedAt", "context"}
SEGMENT_TYPE_KEYS = {
    "page": {"name", "properties"},
    "track": {"event", "properties"},
    "identify": {"traits"},
    "alias": {"previousId"},
    "group": {"groupId", "traits"},
}
TRACK_PROPS = {
    "Form Submitted": {"form_id", "email", "name", "phone", "company"},
    "Product Added": {"cart_id", "product_id", "sku", "name", "price", "quantity", "currency"},
    "Checkout Started": {"cart_id", "order_id", "value", "currency"},
    "Order Completed": {"cart_id", "order_id", "total", "revenue", "currency"},
}
SENDGRID_KEYS = {
    "email",
    "timestamp",
    "event",
    "sg_event_id",
    "sg_message_id",
    "category",
    "marketing_campaign_id",
    "marketing_campaign_name",
}


def _iso(ts: str) -> datetime:
    assert ts.endswith("Z")
    return datetime.fromisoformat(ts[:-1]).replace(tzinfo=UTC)


def test_jsonl_lines(generated) -> None:
    landing, _, _ = generated
    types, completed = set(), set()
    for path in sorted((landing / "web").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            msg = json.loads(line)
            assert msg.keys() >= SEGMENT_KEYS
            assert SEGMENT_TYPE_KEYS[msg["type"]] <= msg.keys()
            assert {"ip", "locale", "userAgent", "timezone", "page"} <= msg["context"].keys()
            assert {"path", "url", "referrer", "title", "search"} <= msg["context"]["page"].keys()
            ts = _iso(msg["timestamp"])
            assert START <= ts.date() < END and path.name == f"segment-{ts:%Y-%m}.jsonl"
            assert _iso(msg["sentAt"]) >= ts and _iso(msg["receivedAt"]) >= _iso(msg["sentAt"])
            types.add(msg["type"])
            if msg["type"] == "track":
                assert TRACK_PROPS[msg["event"]] <= msg["properties"].keys()
                if msg["event"] == "Order Completed":
                    completed.add(msg["properties"]["order_id"])
            if msg["type"] in ("identify", "alias", "group"):
                assert msg["userId"]
            if msg["type"] == "alias":
                assert msg["previousId"] == msg["anonymousId"]
    assert types == set(SEGMENT_TYPE_KEYS)
    orders = _orders(landing)
    web_orders = set(orders.loc[orders["channel"].eq("web"), "order_id"])
    assert completed and completed <= web_orders
    events = set()
    for path in sorted((landing / "email_events").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            ev = json.loads(line)
            assert ev.keys() >= SENDGRID_KEYS
            assert isinstance(ev["category"], list) and isinstance(ev["timestamp"], int)
            events.add(ev["event"])
            if ev["event"] == "click":
                assert ev["url"].startswith("https://")
            if ev["event"] in ("open", "click"):
                assert ev["useragent"] and ev["ip"]
            if ev["event"] == "bounce":
                assert ev["type"] in ("bounce", "blocked") and ev["reason"] and ev["status"]
    assert {"processed", "delivered", "open", "click"} <= events


def _orders(landing: Path) -> pd.DataFrame:
    frames = [
        pd.read_csv(landing / "sales" / "orders.csv", dtype=str, keep_default_na=False, encoding="utf-8"),
        pd.read_csv(landing / "sales" / "orders_jp.csv", dtype=str, keep_default_na=False, encoding="cp932"),
    ]
    return pd.concat(frames, ignore_index=True).drop_duplicates()


def test_truth_matches_orders_csv(generated) -> None:
    landing, truth_dir, _ = generated
    truth = json.loads((truth_dir / "truth.json").read_text(encoding="utf-8"))
    for key in (
        "seed",
        "scale",
        "end_date",
        "start_date",
        "process_parameters",
        "orders_count",
        "revenue_by_currency",
        "orders_by_currency",
        "won_deals",
        "lost_deals",
        "open_deals",
        "survey_promoters",
        "survey_detractors",
        "nps_responses",
        "csat_responses",
        "contacts_distinct",
        "people",
    ):
        assert key in truth, key
    assert truth["seed"] == SEED and truth["scale"] == SCALE == truth["people"]
    assert truth["end_date"] == END.isoformat() and truth["start_date"] == START.isoformat()
    orders = _orders(landing)
    assert orders["order_id"].is_unique  # exact duplicate rows were the only duplicates
    assert truth["orders_count"] == orders["order_id"].nunique()
    assert truth["orders_by_currency"] == orders.groupby("currency")["order_id"].nunique().to_dict()
    done = orders[orders["status"].eq("completed")]
    revenue = done["amount"].astype(float).groupby(done["currency"]).sum().round(2).to_dict()
    assert truth["revenue_by_currency"] == pytest.approx(revenue)
    deals = pd.read_csv(landing / "sales" / "deals.csv", dtype=str)
    assert truth["won_deals"] == deals["stage"].eq("closed_won").sum()
    assert truth["lost_deals"] == deals["stage"].eq("closed_lost").sum()
    surveys = pd.read_csv(landing / "surveys" / "responses.csv", dtype=str, keep_default_na=False)
    nps = surveys[surveys["survey_type"].eq("nps")]["score"].astype(int)
    assert truth["nps_responses"] == len(nps)
    assert truth["survey_promoters"] == (nps >= 9).sum() and truth["survey_detractors"] == (nps <= 6).sum()
    contacts = pd.concat(
        [
            pd.read_csv(landing / "sales" / "contacts.csv", dtype=str, keep_default_na=False),
            pd.read_csv(
                landing / "sales" / "contacts_jp.csv", dtype=str, keep_default_na=False, encoding="cp932"
            ),
        ]
    )
    assert truth["contacts_distinct"] == contacts["contact_id"].nunique()


def test_ground_truth_links(generated) -> None:
    landing, truth_dir, _ = generated
    people = pd.read_parquet(truth_dir / "people.parquet")
    records = pd.read_parquet(truth_dir / "records.parquet")
    assert len(people) == SCALE and people["person_id"].is_unique
    assert set(records["person_id"]) <= set(people["person_id"])
    assert not records.duplicated(["record_type", "record_id"]).any()
    assert {
        "crm_contact",
        "web_anonymous",
        "email_message",
        "esp_message",
        "asterisk_call",
        "twilio_call",
        "order",
        "invoice",
        "deal",
        "survey_response",
    } <= set(records["record_type"])
    contacts = records[records["record_type"].eq("crm_contact")]
    assert contacts["record_id"].nunique() > contacts["person_id"].nunique()  # duplicated CRM contacts
    for row in people.itertuples():
        assert phonenumbers.is_valid_number(phonenumbers.parse(row.phone_e164)), row.phone_e164
    assert people["locale"].isin(["ja_JP", "en_US", "en_GB", "de_DE", "fr_FR"]).all()


@pytest.mark.parametrize("scale", [400, 1_000_000])
def test_every_user_has_an_extension_of_their_own(scale: int) -> None:
    """Calls are attributed to agents by extension: at 1M people there are 1,428 sales reps, more than the
    sales block 2001-3000 holds, and support must then start at 4001 rather than share numbers."""
    from ingestion.sample_data.pools import build_pools
    from ingestion.sample_data.rng import RngFactory
    from ingestion.sample_data.staff import build_users

    rngs = RngFactory(42)
    users = build_users(rngs.get("users"), build_pools(rngs, scale), scale)
    extensions = users["extension"].astype(int)
    assert extensions.is_unique
    first_support = extensions[users["team"] == "support"].min()
    assert first_support == (3001 if scale == 400 else 4001)
    assert extensions[users["team"] == "sales"].min() == 2001
