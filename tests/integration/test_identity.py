"""Identity resolution on a small hand-made CRM: who must merge, who must stay apart, and ids that survive.

Runs the real path: landing CSVs → ingest → dbt (identity inputs) → resolve (deterministic graph + the shipped
Splink model) → identity.record_customers / identity.customer_ids.
"""

import hashlib

import duckdb
import pytest

from common.settings import PROJECT_ROOT, load_settings
from orchestration.pipeline import run_dbt_stage, run_identity, run_ingest

HEADER = ("contact_id,first_name,last_name,email,phone,company_id,company_name,job_title,country,city,postal_code,"
          "address,language,lead_source,lifecycle_stage,marketing_consent,owner_email,created_at,updated_at\n")


def contact(contact_id, first, last, email="", phone="", company="", country="US", city="", postal="",
            address="") -> str:
    return (f"{contact_id},{first},{last},{email},{phone},,{company},,{country},{city},{postal},{address},,web,lead,"
            "true,,2026-01-05 10:00,2026-01-05 10:00\n")


CONTACTS = "".join([
    # one person: email case and gmail dots
    contact("C1", "Jane", "Doe", "Jane.Doe@gmail.com", city="Boston", postal="02118"),
    contact("C2", "Jane", "Doe", "janedoe@GMAIL.com", city="Boston", postal="02118"),
    # one person: phone formats, full-width digits, family name first
    contact("J1", "太郎", "山田", "taro.yamada@yamada-shoji.co.jp", "+81 90-1234-5678", "山田商事株式会社", "JP",
            "港区", "105-0011", "芝公園4-2-8"),
    contact("J2", "山田", "太郎", "", "０９０－１２３４－５６７８", "山田商事株式会社", "JP", "港区", "105-0011"),
    # the same person again, sharing no identifier with J1/J2: personal address, no phone (the model's case)
    contact("J3", "", "山田　太郎", "taro.yamada.1980@yahoo.co.jp", "", "山田商事", "JP", "港区", "105-0011",
            "芝公園4-2-8"),
    # two people behind one shared inbox: must stay apart
    contact("S1", "Ann", "Lee", "info@globex.example", "(212) 555-0101", "Globex", city="New York", postal="10001"),
    contact("S2", "Bo", "Kim", "info@globex.example", "(212) 555-0199", "Globex", city="New York", postal="10001"),
    # two different people with a common name: must stay apart
    contact("M1", "John", "Smith", "john.smith@initech.example", "(312) 555-0142", "Initech", city="Chicago",
            postal="60601", address="1 Wacker Dr"),
    contact("M2", "John", "Smith", "jsmith1975@hotmail.com", "(415) 555-0175", "Umbrella", city="San Francisco",
            postal="94105", address="9 Market St"),
    # two people who typed a placeholder address: must stay apart
    contact("P1", "Ken", "Ito", "TEST@mailinator.com", city="Denver", postal="80202"),
    contact("P2", "Amy", "Cho", "test@mailinator.com", city="Denver", postal="80202"),
    # will merge with M1 in the second build, through an order carrying both addresses' owner
    contact("K1", "Kim", "Park", "kim.park@initech.example", city="Chicago", postal="60601"),
])


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("identity")
    (root / "landing" / "sales").mkdir(parents=True)
    (root / "landing" / "sales" / "contacts.csv").write_text(HEADER + CONTACTS, encoding="utf-8")
    settings = load_settings(PROJECT_ROOT / "crm.toml", environ={
        "CRM_PATHS_LANDING_DIR": str(root / "landing"), "CRM_PATHS_BUILD_DB": str(root / "build.duckdb"),
        "CRM_PATHS_DATA_DIR": str(root)})

    def rebuild():
        run_ingest(settings)
        run_dbt_stage(settings, "identity_inputs")
        return run_identity(settings)

    first = rebuild()
    con = duckdb.connect(str(settings.build_db), read_only=True)
    first_ids = dict(con.execute("select record_id, customer_id from identity.record_customers "
                                 "where record_type = 'crm_contact'").fetchall())
    con.close()
    # A newer export: K1 now has M1's phone, so M1's and K1's customers merge. Both ids were issued in the first
    # build and hold one record each: the smaller id survives.
    newer_k1 = contact("K1", "Kim", "Park", "kim.park@initech.example", "(312) 555-0142", city="Chicago",
                       postal="60601").replace("10:00,2026-01-05 10:00", "10:00,2026-02-01 10:00")
    (root / "landing" / "sales" / "contacts_2026-02.csv").write_text(HEADER + newer_k1, encoding="utf-8")
    second = rebuild()
    con = duckdb.connect(str(settings.build_db), read_only=True)
    yield {"first": first, "second": second, "first_ids": first_ids, "con": con}
    con.close()


def same_customer(ids: dict, *contacts: str) -> bool:
    return len({ids[c] for c in contacts}) == 1


def test_people_are_merged_across_spellings_and_formats(warehouse):
    ids = warehouse["first_ids"]
    assert same_customer(ids, "C1", "C2")          # email case and gmail dots
    assert same_customer(ids, "J1", "J2")          # +81 vs full-width national digits; family name first
    assert same_customer(ids, "J1", "J2", "J3")    # no shared identifier: the probabilistic model
    assert warehouse["first"].probabilistic_links >= 1


def test_shared_inboxes_placeholders_and_common_names_do_not_merge_people(warehouse):
    ids = warehouse["first_ids"]
    assert not same_customer(ids, "S1", "S2")
    assert not same_customer(ids, "M1", "M2")
    assert not same_customer(ids, "P1", "P2")
    assert len(set(ids.values())) == 9  # C, J, S1, S2, M1, M2, P1, P2, K1


def test_a_merge_keeps_one_id_and_redirects_the_other(warehouse):
    before, con = warehouse["first_ids"], warehouse["con"]
    after = dict(con.execute("select record_id, customer_id from identity.record_customers "
                             "where record_type = 'crm_contact'").fetchall())
    assert same_customer(after, "M1", "K1")
    ids = sorted([before["M1"], before["K1"]])
    survivor, retired = ids  # same build, one record each: the smaller id survives
    assert after["M1"] == survivor
    assert con.execute("select current_customer_id, retired_because from identity.customer_ids "
                       "where customer_id = ?", [retired]).fetchall() == [(survivor, "merged")]
    # everyone else kept the id of the first build
    assert {k: v for k, v in after.items() if k not in ("M1", "K1")} == {
        k: v for k, v in before.items() if k not in ("M1", "K1")}
    assert before["C1"] == "cus_" + hashlib.md5(b"crm_contact:C1").hexdigest()[:16]
    assert warehouse["second"].ids_redirected == 1
