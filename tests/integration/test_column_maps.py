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
    # Close Date's format has no time of day: the date alone (staging places it in the business time zone).
    assert deals == [("9001", "closed_won", "12000", "USD", "2026-03-01"),
                     ("9002", "negotiation", "3000", "GBP", "2026-04-01")]


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
    assert "sales/contacts_import-展示会リスト.csv: 2 rows read, 2 loaded, 0 quarantined" in result.stdout
    # The map is kept named after the imported file: that file's map from now on.
    assert (landing / "column_maps" / "contacts_import-展示会リスト.yml").read_text(encoding="utf-8") == \
        column_map.read_text(encoding="utf-8")
    con = duckdb.connect(str(tmp_path / "b.duckdb"), read_only=True)
    rows = con.execute("select contact_id, last_name, email_normalized, phone_e164, _source_file "
                       "from raw.sales__contacts order by contact_id").fetchall()
    con.close()
    assert rows == [
        ("contacts_import-展示会リスト-1", "山田", "taro.yamada@example.co.jp", "+819012345678",
         "sales/contacts_import-展示会リスト.csv"),
        ("contacts_import-展示会リスト-2", "佐藤", "hanako@example.jp", "+81312345678",
         "sales/contacts_import-展示会リスト.csv"),
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


def _landing(tmp_path: Path, files: dict[str, str]) -> Path:
    """A landing folder with the given files (relative path -> text)."""
    root = tmp_path / "landing"
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    return root


def _load(con: duckdb.DuckDBPyConnection, landing: Path, source: str):
    """Ingest the landing folder; the one file result of `source`."""
    report = ingest(con, all_sources(), landing, ReadContext())
    (result,) = [f for f in report.files if f.source == source]
    return result


# A public-style person list (given name, surname, street number, street, address line 2, suburb, postcode, state,
# date of birth, national id), as record-linkage benchmarks publish them: no country, the street number apart.
PERSON_LIST = (
    "rec_id,given_name,surname,street_number,address_1,address_2,suburb,postcode,state,date_of_birth,soc_sec_id,"
    "phone_number,alt_phone\n"
    "rec-1-org,michaela,neumann,8,stanley street,miami,winston hills,4223,nsw,19151111,5304218,02 9123 4567,\n"
    "rec-2-org,courtney,painter,12,pinkerton circuit,bega flats,richlands,4560,vic,19161214,4066625,,03 9876 5432\n"
    "rec-3-org,charles,green,,,,,,,,,,\n"
)
PERSON_MAP = """name: people
entities:
  contacts:
    columns:
      contact_id: rec_id
      first_name: given_name
      last_name: surname
      address: [street_number, address_1]
      city: {join: [suburb, state], separator: ", "}
      postal_code: postcode
      country: {value: AU}
      phone: {first_of: [phone_number, alt_phone]}
"""


def test_a_person_list_gets_constants_joined_columns_and_the_first_of_several(tmp_path: Path):
    landing = _landing(tmp_path, {"sales/contacts_people.csv": PERSON_LIST,
                                  "column_maps/contacts_people.yml": PERSON_MAP})
    con = duckdb.connect()
    result = _load(con, landing, "sales__contacts")
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == ("loaded", 3, 3, 0)
    rows = con.execute("""select contact_id, address, city, postal_code, country, phone, phone_e164, _extra::varchar
                          from raw.sales__contacts order by contact_id""").fetchall()
    assert rows[0] == ("rec-1-org", "8 stanley street", "winston hills, nsw", "4223", "AU", "02 9123 4567",
                       "+61291234567", '{"address_2":"miami","date_of_birth":"19151111","soc_sec_id":"5304218"}')
    assert rows[1][:7] == ("rec-2-org", "12 pinkerton circuit", "richlands, vic", "4560", "AU", "03 9876 5432",
                           "+61398765432")
    assert rows[2][:7] == ("rec-3-org", None, None, None, "AU", None, None)  # nothing to join: NULL, not ""
    # Every column the map does not read is kept; a column read only by a join is mapped, not extra.
    assert result.extra_columns == ("address_2", "date_of_birth", "soc_sec_id")


def test_dates_in_the_formats_a_map_names_are_written_with_or_without_a_time(tmp_path: Path):
    landing = _landing(tmp_path, {
        "sales/orders_shop.csv": "id,day,spend,cur\n"
                                 "o1,19970101,11.77,USD\no2,02/01/1997,12.00,USD\no3,01/03/1997 01:05 PM,5,USD\n"
                                 "o4,31/31/1997,5,USD\n",
        "column_maps/orders_shop.yml": """entities:
  orders:
    columns:
      order_id: id
      order_date: {column: day, formats: ["%Y%m%d", "%d/%m/%Y", "%m/%d/%Y %I:%M %p"]}
      amount: spend
      currency: cur
"""})
    con = duckdb.connect()
    result = _load(con, landing, "sales__orders")
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (4, 3, 1)
    assert con.execute("select order_id, order_date from raw.sales__orders order by 1").fetchall() == [
        ("o1", "1997-01-01"), ("o2", "1997-01-02"), ("o3", "1997-01-03 13:05:00")]
    # Text no format reads is kept as it is, and the date check quarantines it with its reason.
    assert con.execute("select raw_record like '%31/31/1997%', reason from audit.quarantine").fetchall() == [
        (True, "order_date is not a date (expected YYYY-MM-DD[ HH:MM[:SS]] or YYYY/MM/DD[ HH:MM])")]


# An order log as public retail data sets publish it: no header, fields aligned by spaces (customer id, date,
# quantity, spend), no order id, currency or status. Line 3 lacks its spend; line 6 is blank.
ORDER_LOG = (
    "   00001 19970101  1   11.77\n"
    "   00002 19970112  1   12.00\n"
    "   00003 19970102  2\n"
    "   00002 19970112  5   77.00\n"
    "\t00004 19970101  2   20.76\n"
    "\n"
)
ORDER_LOG_MAP = """name: cdnow
entities:
  orders:
    header: false
    file_columns: [customer_id, date, quantity, spend]
    delimiter: whitespace
    timezone: America/New_York
    columns:
      contact_id: customer_id
      order_date: {column: date, formats: ["%Y%m%d"]}
      amount: spend
      currency: {value: USD}
      status: {value: completed}
"""


def test_an_order_log_without_a_header_aligned_by_spaces(tmp_path: Path):
    landing = _landing(tmp_path, {"sales/orders_cdnow.csv": ORDER_LOG, "column_maps/orders_cdnow.yml": ORDER_LOG_MAP})
    con = duckdb.connect()
    result = _load(con, landing, "sales__orders")
    # Five records (the blank line is none): four loaded, the short one quarantined.
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == ("loaded", 5, 4, 1)
    assert con.execute("""select order_id, contact_id, order_date, amount, currency, status, _extra::varchar
                          from raw.sales__orders order by _record_number""").fetchall() == [
        ("orders_cdnow-1", "00001", "1997-01-01", "11.77", "USD", "completed", '{"quantity":"1"}'),
        ("orders_cdnow-2", "00002", "1997-01-12", "12.00", "USD", "completed", '{"quantity":"1"}'),
        ("orders_cdnow-4", "00002", "1997-01-12", "77.00", "USD", "completed", '{"quantity":"5"}'),
        ("orders_cdnow-5", "00004", "1997-01-01", "20.76", "USD", "completed", '{"quantity":"2"}'),
    ]
    assert con.execute("select distinct _timezone, _column_map from raw.sales__orders").fetchall() == [
        ("America/New_York", "cdnow")]
    assert con.execute("select line_number, raw_record, reason from audit.quarantine").fetchall() == [
        (3, "   00003 19970102  2", "has 3 fields; the column map declares 4 (customer_id, date, quantity, spend)")]


def test_a_file_without_a_header_split_by_one_character(tmp_path: Path):
    landing = _landing(tmp_path, {
        "sales/contacts_list.csv": "C1|Ann|ann@example.com\nC2|Bo\nC3|Cy|cy@example.com\n",
        "column_maps/contacts_list.yml": "entities:\n  contacts:\n    header: false\n"
                                         "    file_columns: [id, name, mail]\n    delimiter: '|'\n"
                                         "    columns:\n      contact_id: id\n      first_name: name\n"
                                         "      email: mail\n"})
    con = duckdb.connect()
    result = _load(con, landing, "sales__contacts")
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 2, 1)
    assert con.execute("select contact_id, first_name, email_normalized from raw.sales__contacts order by 1"
                       ).fetchall() == [("C1", "Ann", "ann@example.com"), ("C3", "Cy", "cy@example.com")]
    ((raw_record, reason),) = con.execute("select raw_record, reason from audit.quarantine").fetchall()
    assert raw_record == "C2|Bo" and "Expected Number of Columns: 3 Found: 2" in reason


def test_yes_and_no_in_a_map_are_the_words_a_file_holds(tmp_path: Path):
    landing = _landing(tmp_path, {
        "sales/contacts_optin.csv": "id,mail,opted_in,stage\n1,a@example.com,yes,01\n2,b@example.com,NO,1.0\n"
                                    "3,c@example.com,maybe,02\n",
        "column_maps/contacts_optin.yml": """entities:
  contacts:
    columns:
      contact_id: id
      email: mail
      marketing_consent: {column: opted_in, true_values: [yes], false_values: [no]}
      lifecycle_stage: {column: stage, values: {01: lead, 1.0: customer}}
"""})
    con = duckdb.connect()
    _load(con, landing, "sales__contacts")
    assert con.execute("select contact_id, marketing_consent, lifecycle_stage from raw.sales__contacts order by 1"
                       ).fetchall() == [("1", "true", "lead"), ("2", "false", "customer"), ("3", None, "02")]


def test_a_mapped_column_that_comes_out_empty_is_explained(tmp_path: Path):
    landing = _landing(tmp_path, {
        "sales/contacts_optin.csv": "id,mail,opted_in\n1,a@example.com,yes\n2,b@example.com,no\n"
                                    "3,c@example.com,yes\n",
        "column_maps/contacts_optin.yml": """entities:
  contacts:
    columns:
      contact_id: id
      email: mail
      marketing_consent: {column: opted_in, true_values: [Y], false_values: [N]}
      country: Country
"""})
    result = _load(duckdb.connect(), landing, "sales__contacts")
    assert result.notes == (
        "marketing_consent came out empty in every row: no value matched true_values [Y] or false_values [N]; "
        "values seen: 'no', 'yes'",
        "country came out empty in every row: the file has no column 'Country'",
    )


def test_a_file_loads_again_when_its_map_changes_and_replaces_the_earlier_load(tmp_path: Path):
    """The issue's order log: imported with a map that cannot set the currency, every row is quarantined; after
    fixing the map, the same file loads again and the earlier load (with its quarantine rows) is superseded."""
    orders = "customer,day,spend\n7,1997-01-01,11.77\n8,1997-01-02,12.00\n"
    first_map = "name: shop\nentities:\n  orders:\n    columns:\n      contact_id: customer\n" \
                "      order_date: day\n      amount: spend\n      currency: USD\n"
    landing = _landing(tmp_path, {"sales/orders_shop.csv": orders, "column_maps/orders_shop.yml": first_map})
    con = duckdb.connect()
    first = _load(con, landing, "sales__orders")
    assert (first.rows_read, first.rows_loaded, first.rows_quarantined) == (2, 0, 2)

    (landing / "column_maps" / "orders_shop.yml").write_text(
        first_map.replace("currency: USD", "currency: {value: USD}"), encoding="utf-8")
    second = _load(con, landing, "sales__orders")
    assert (second.status, second.rows_read, second.rows_loaded, second.rows_quarantined) == ("loaded", 2, 2, 0)
    assert second.superseded_loads == (first.load_id,)
    assert con.execute("select order_id, currency, _load_id from raw.sales__orders order by 1").fetchall() == [
        ("orders_shop-1", "USD", second.load_id), ("orders_shop-2", "USD", second.load_id)]
    assert con.execute("select count(*) from audit.quarantine").fetchall() == [(0,)]
    loads = con.execute("""select load_id, status, rows_read, rows_loaded, rows_quarantined, superseded_by
                           from audit.loads where source = 'sales__orders' order by started_at""").fetchall()
    assert loads == [(first.load_id, "superseded", 2, 0, 2, second.load_id),
                     (second.load_id, "loaded", 2, 2, 0, None)]
    # What is current adds up: the rows of the loads still standing are in raw or in the quarantine.
    assert con.execute("""select sum(rows_read), sum(rows_loaded + rows_quarantined) from audit.loads
                          where source = 'sales__orders' and status = 'loaded'""").fetchall() == [(2, 2)]

    # Nothing changed: skipped. A renamed copy read through the same map (same definition, same name): skipped.
    (landing / "sales" / "orders_shop-copy.csv").write_text(orders, encoding="utf-8")
    (landing / "column_maps" / "orders_shop-copy.yml").write_text(
        (landing / "column_maps" / "orders_shop.yml").read_text(encoding="utf-8"), encoding="utf-8")
    report = ingest(con, all_sources(), landing, ReadContext())
    assert sorted((f.source_file, f.status) for f in report.files if f.source == "sales__orders") == [
        ("sales/orders_shop-copy.csv", "skipped"), ("sales/orders_shop.csv", "skipped")]
    assert con.execute("select count(*) from raw.sales__orders").fetchall() == [(2,)]


def test_every_csv_raw_table_carries_the_maps_time_zone(tmp_path: Path):
    """`_timezone` (NULL without a map) is in every raw table of the CSV sources: tables created empty, and
    tables an older release created without it, so staging can rely on it."""
    landing = _landing(tmp_path, {"sales/orders_cdnow.csv": ORDER_LOG, "column_maps/orders_cdnow.yml": ORDER_LOG_MAP,
                                  "sales/contacts.csv": "contact_id,email\nC-1,a@example.com\n"})
    con = duckdb.connect()
    _load(con, landing, "sales__orders")
    csv_families = {"sales", "surveys", "consent", "phone", "reference"}
    csv_sources = {s.raw_table for s in all_sources() if s.family in csv_families}
    with_timezone = {r[0] for r in con.execute(
        "select table_name from duckdb_columns() where schema_name = 'raw' and column_name = '_timezone'").fetchall()}
    assert with_timezone == csv_sources
    assert con.execute("select contact_id, _timezone from raw.sales__contacts").fetchall() == [("C-1", None)]

    con.execute("alter table raw.sales__contacts drop column _timezone")  # as an older release made it
    con.execute("alter table raw.sales__invoices drop column _timezone")
    ingest(con, all_sources(), landing, ReadContext())  # nothing new to load
    assert con.execute("select contact_id, _timezone from raw.sales__contacts").fetchall() == [("C-1", None)]
    assert con.execute("select count(*) from duckdb_columns() where schema_name = 'raw' "
                       "and table_name = 'sales__invoices' and column_name = '_timezone'").fetchall() == [(1,)]


def _crm(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CRM_PATHS_DATA_DIR": str(data_dir)}
    for moved in ("LANDING_DIR", "GROUND_TRUTH_DIR", "BUILD_DB", "SERVING_DB", "DAGSTER_HOME"):
        env.pop(f"CRM_PATHS_{moved}", None)  # every path follows the data folder
    return subprocess.run([str(Path(sys.executable).parent / "crm"), *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_crm_import_says_what_came_of_every_row_and_loads_again_after_a_map_fix(tmp_path: Path):
    orders = tmp_path / "orders.csv"
    orders.write_text("customer,day,spend,qty\n7,19970101,11.77,1\n8,19970102,abc,2\n9,19970103,-5,1\n"
                      "10,19970104,xyz,3\n", encoding="utf-8")
    column_map = tmp_path / "shop.yml"
    column_map.write_text("name: shop\nentities:\n  orders:\n    columns:\n      contact_id: customer\n"
                          "      order_date: {column: day, formats: ['%Y%m%d']}\n      amount: spend\n"
                          "      currency: USD\n      status: {value: completed}\n", encoding="utf-8")
    data = tmp_path / "data"

    first = _crm(data, "import", str(orders), "--map", str(column_map))
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        "warning: shop.yml: currency reads column 'USD', which orders.csv does not have (it stays empty); for the "
        "constant, write currency: {value: USD}",
        "sales/orders_import-orders.csv: 4 rows read, 0 loaded, 4 quarantined",
        "  quarantined (audit.quarantine): 2 × amount is not a number; 1 × amount is negative; "
        "1 × currency is empty: the amount has no currency",
        "  warning: currency came out empty in every row: the file has no column 'USD'",
        "Run `crm build` (or `crm run --skip-generate`) to merge the imported records into the customer 360.",
    ]

    column_map.write_text(column_map.read_text(encoding="utf-8").replace("currency: USD", "currency: {value: USD}"),
                          encoding="utf-8")
    fixed = _crm(data, "import", str(orders), "--map", str(column_map))
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.splitlines() == [
        "sales/orders_import-orders.csv: 4 rows read, 1 loaded, 3 quarantined",
        "  quarantined (audit.quarantine): 2 × amount is not a number; 1 × amount is negative",
        "  columns no project column takes, kept in _extra: qty",
        "  the earlier load of this content (read with another map) is superseded: its 0 rows left raw, its "
        "quarantined rows audit.quarantine",
        "Run `crm build` (or `crm run --skip-generate`) to merge the imported records into the customer 360.",
    ]
    again = _crm(data, "import", str(orders), "--map", str(column_map))
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == [
        "sales/orders_import-orders.csv: already loaded with this map: nothing changed"]

    con = duckdb.connect(str(data / "warehouse" / "build.duckdb"), read_only=True)
    try:
        assert con.execute("select status, rows_read, rows_loaded, rows_quarantined from audit.loads "
                           "order by started_at").fetchall() == [("superseded", 4, 0, 4), ("loaded", 4, 1, 3)]
        assert con.execute("select count(*) from audit.quarantine").fetchall() == [(3,)]
        assert con.execute("select order_id, order_date, currency, status from raw.sales__orders").fetchall() == [
            ("orders_import-orders-1", "1997-01-01", "USD", "completed")]
    finally:
        con.close()


def test_crm_import_names_a_bad_time_zone_in_one_line(tmp_path: Path):
    people = tmp_path / "people.csv"
    people.write_text("mail\nann@example.com\n", encoding="utf-8")
    column_map = tmp_path / "people.yml"
    column_map.write_text("entities:\n  contacts:\n    timezone: Mars/Olympus\n    columns:\n      email: mail\n",
                          encoding="utf-8")
    result = _crm(tmp_path / "data", "import", str(people), "--map", str(column_map))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "crm: people.yml: entity contacts: unknown time zone 'Mars/Olympus' (an IANA name such as " \
           "America/New_York, Europe/London, Asia/Tokyo, UTC)\n" in result.stderr
