"""CRM exports in HubSpot's and Salesforce's formats, and a user's own list, load through column maps."""

import os
import subprocess
import sys
from pathlib import Path

import duckdb

from common.settings import PROJECT_ROOT
from ingestion.load import ingest
from ingestion.sources import ReadContext, all_sources

HUBSPOT_CONTACTS = (
    "Record ID,First Name,Last Name,Email,Phone Number,Mobile Phone Number,Company Name,Job Title,"
    "Country/Region,Marketing contact status,Create Date,Last Modified Date,Favourite colour\n"
    "101,Ann,Lee,ANN@Example.com,,(212) 555-0147,Globex,CTO,US,Marketing contact,2026-01-05 09:30,"
    "2026-02-01 10:00,teal\n"
    "102,Bo,Kim,bo@example.com,+44 20 7946 0958,,Initech,,GB,Non-marketing contact,01/06/2026 14:00,,red\n"
    "103,Cy,Ng,cy@example.com,,,,,US,Marketing contact,not a date,,blue\n"
)
HUBSPOT_DEALS = (
    "Record ID,Deal Name,Deal Stage,Amount,Currency,Pipeline,Deal owner,Create Date,Close Date\n"
    "9001,Globex renewal,Closed won,12000,USD,Sales Pipeline,Jo Rep,2026-01-10 08:00,2026-03-01\n"
    "9002,Initech pilot,Contract sent,3000,GBP,Sales Pipeline,Jo Rep,2026-02-10 08:00,2026-04-01\n"
)
SALESFORCE_CONTACTS = (
    "Id,FirstName,LastName,Email,Phone,MobilePhone,AccountId,Title,MailingCountry,HasOptedOutOfEmail,"
    "CreatedDate,LastModifiedDate\n"
    "0035g00000AbCdE,Taro,Yamada,taro@example.co.jp,03-1234-5678,,0015g00000XyZ,部長,JP,false,"
    "2026-01-05T01:00:00.000Z,2026-01-06T01:00:00.000Z\n"
)


def _ingest(landing: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    report = ingest(con, all_sources(), landing, ReadContext())
    assert all(f.status == "loaded" for f in report.files), [f for f in report.files if f.status != "loaded"]
    return con


def test_hubspot_and_salesforce_exports_map_onto_the_project_entities(tmp_path: Path):
    (tmp_path / "sales").mkdir()
    (tmp_path / "sales" / "contacts_hubspot.csv").write_text(HUBSPOT_CONTACTS)
    (tmp_path / "sales" / "deals_hubspot.csv").write_text(HUBSPOT_DEALS)
    (tmp_path / "sales" / "contacts_salesforce.csv").write_text(SALESFORCE_CONTACTS)
    con = _ingest(tmp_path)
    contacts = {row[0]: row[1:] for row in con.execute(
        """select contact_id, email_normalized, phone_e164, company_name, marketing_consent, created_at,
                  updated_at, _column_map, _extra::varchar
           from raw.sales__contacts order by contact_id""").fetchall()}
    assert contacts["101"] == ("ann@example.com", "+12125550147", "Globex", "true", "2026-01-05 09:30:00",
                               "2026-02-01 10:00:00", "hubspot", '{"Favourite colour":"teal"}')
    assert contacts["102"][:5] == ("bo@example.com", "+442079460958", "Initech", "false", "2026-01-06 14:00:00")
    assert contacts["0035g00000AbCdE"][:6] == ("taro@example.co.jp", "+81312345678", None, "true",
                                               "2026-01-05 01:00:00", "2026-01-06 01:00:00")
    assert "103" not in contacts  # its Create Date is not a date: quarantined, with the reason
    assert con.execute("select extra_columns from audit.loads where source_file = 'sales/contacts_hubspot.csv'"
                       ).fetchall() == [("Favourite colour",)]  # schema drift is reported
    assert con.execute("select reason from audit.quarantine").fetchall() == [
        ("created_at is not a date (expected YYYY-MM-DD[ HH:MM[:SS]] or YYYY/MM/DD[ HH:MM])",)]
    deals = con.execute("select deal_id, stage, amount, currency, expected_close_date from raw.sales__deals "
                        "order by 1").fetchall()
    assert deals == [("9001", "closed_won", "12000", "USD", "2026-03-01 00:00:00"),
                     ("9002", "negotiation", "3000", "GBP", "2026-04-01 00:00:00")]


def test_crm_import_a_japanese_contact_list_with_the_users_own_map(tmp_path: Path):
    landing = tmp_path / "landing"
    landing.mkdir()
    contact_list = tmp_path / "展示会リスト.csv"
    contact_list.write_bytes(
        "氏名（姓）,氏名（名）,メールアドレス,電話番号,会社名\r\n"
        "山田,太郎,ｔａｒｏ．ｙａｍａｄａ＠ｅｘａｍｐｌｅ．ｃｏ．ｊｐ,090-1234-5678,山田商事\r\n"
        "佐藤,花子,hanako@example.jp,０３－１２３４－５６７８,佐藤工業\r\n".encode("cp932"))
    column_map = tmp_path / "trade_show.yml"
    column_map.write_text(
        "name: trade_show\nentities:\n  contacts:\n    columns:\n"
        "      last_name: 氏名（姓）\n      first_name: 氏名（名）\n      email: メールアドレス\n"
        "      phone: 電話番号\n      company_name: 会社名\n",
        encoding="utf-8")
    env = {**os.environ, "CRM_PATHS_LANDING_DIR": str(landing), "CRM_PATHS_BUILD_DB": str(tmp_path / "b.duckdb"),
           "CRM_PHONE_DEFAULT_REGION": "JP"}
    result = subprocess.run([str(Path(sys.executable).parent / "crm"), "import", str(contact_list),
                             "--map", str(column_map)], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "rows loaded: 2" in result.stdout
    assert (landing / "column_maps" / "trade_show.yml").exists()
    con = duckdb.connect(str(tmp_path / "b.duckdb"), read_only=True)
    rows = con.execute("select contact_id, last_name, email_normalized, phone_e164, _source_file "
                       "from raw.sales__contacts order by contact_id").fetchall()
    con.close()
    assert rows == [
        ("trade_show-1", "山田", "taro.yamada@example.co.jp", "+819012345678",
         "sales/contacts_import-展示会リスト.csv"),
        ("trade_show-2", "佐藤", "hanako@example.jp", "+81312345678", "sales/contacts_import-展示会リスト.csv"),
    ]


def test_crm_import_explains_a_map_that_does_not_fit(tmp_path: Path):
    contact_list = tmp_path / "list.csv"
    contact_list.write_text("name,mail\nAnn,ann@example.com\n")
    column_map = tmp_path / "wrong.yml"
    column_map.write_text("name: wrong\nentities:\n  contacts:\n    detect: [E-mail]\n    columns:\n"
                          "      email: E-mail\n")
    env = {**os.environ, "CRM_PATHS_LANDING_DIR": str(tmp_path / "landing"),
           "CRM_PATHS_BUILD_DB": str(tmp_path / "b.duckdb")}
    result = subprocess.run([str(Path(sys.executable).parent / "crm"), "import", str(contact_list), "--map",
                             str(column_map)], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "wrong.yml does not fit list.csv: contacts needs E-mail" in result.stderr
