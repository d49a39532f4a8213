"""Clerical review decisions, made with `crm identity review`, are honoured by every later build; `crm identity
explain` says which records, identifiers, links and decisions make a customer.

The hand-made CRM of test_identity.py: the model joins J3 to J1/J2 (no shared identifier), and keeps P1 and P2
(two people who typed a placeholder address) apart. A reviewer reverses both.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from common.settings import PROJECT_ROOT, load_settings
from orchestration.pipeline import run_dbt_stage, run_identity, run_ingest
from tests.integration.test_identity import CONTACTS, HEADER, same_customer

CRM = str(Path(sys.executable).parent / "crm")


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory):
    root = tmp_path_factory.mktemp("review")
    (root / "landing" / "sales").mkdir(parents=True)
    (root / "landing" / "sales" / "contacts.csv").write_text(HEADER + CONTACTS, encoding="utf-8")
    environ = {"CRM_PATHS_LANDING_DIR": str(root / "landing"), "CRM_PATHS_BUILD_DB": str(root / "build.duckdb"),
               "CRM_PATHS_DATA_DIR": str(root)}
    settings = load_settings(PROJECT_ROOT / "crm.toml", environ=environ)
    env = {**os.environ, **environ}

    def crm(*arguments: str) -> subprocess.CompletedProcess:
        return subprocess.run([CRM, *arguments], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                              timeout=300)

    def build(inputs: bool = True) -> dict:
        """The identity-resolution part of a build (decisions touch nothing upstream of it)."""
        if inputs:
            run_ingest(settings)
            run_dbt_stage(settings, "identity_inputs")
        summary = run_identity(settings)
        con = duckdb.connect(str(settings.build_db), read_only=True)
        ids = dict(con.execute("select record_id, customer_id from identity.record_customers "
                               "where record_type = 'crm_contact'").fetchall())
        con.close()
        return {"summary": summary, "ids": ids}

    before = build()
    decided = [crm("identity", "review", "--different", "J1", "J3", "--note", "J3 is his father"),
               crm("identity", "review", "--same", "crm_contact:P2", "P1", "--note", "same person, called in")]
    after = build(inputs=False)
    again = build(inputs=False)
    explained = crm("identity", "explain", after["ids"]["P1"])
    explained_json = crm("identity", "explain", after["ids"]["J1"], "--json")
    yield {"before": before, "after": after, "again": again, "decided": decided, "settings": settings,
           "explained": explained, "explained_json": explained_json, "crm": crm}


def test_the_model_joined_and_parted_what_the_reviewer_reverses(reviewed):
    ids = reviewed["before"]["ids"]
    assert same_customer(ids, "J1", "J2", "J3") and not same_customer(ids, "P1", "P2")


def test_decisions_are_recorded_in_the_landing_zone(reviewed):
    assert all(r.returncode == 0 for r in reviewed["decided"]), [r.stderr for r in reviewed["decided"]]
    rows = (reviewed["settings"].review_decisions_file).read_text(encoding="utf-8").splitlines()
    assert rows[0] == "left_record,right_record,decision,decided_by,decided_at,note"
    assert [r.split(",")[:3] for r in rows[1:]] == [["crm_contact:J1", "crm_contact:J3", "different"],
                                                     ["crm_contact:P1", "crm_contact:P2", "same"]]


@pytest.mark.parametrize("build", ["after", "again"])
def test_every_later_build_honours_the_decisions(reviewed, build):
    ids = reviewed[build]["ids"]
    assert same_customer(ids, "J1", "J2")            # they share a phone: untouched
    assert not same_customer(ids, "J1", "J3")        # kept apart, though the model links J3 to J2 as well
    assert same_customer(ids, "P1", "P2")
    summary = reviewed[build]["summary"]
    assert (summary.review_links, summary.review_conflicts) == (1, 0)
    con = duckdb.connect(str(reviewed["settings"].build_db), read_only=True)
    statuses = con.execute("select left_key, decision, status from identity.review_decisions order by 1").fetchall()
    con.close()
    assert statuses == [("crm_contact:J1", "different", "applied"), ("crm_contact:P1", "same", "applied")]


def test_explain_names_the_records_and_what_joined_them(reviewed):
    text = reviewed["explained"]
    assert text.returncode == 0, text.stderr
    assert "crm_contact:P1: Ken Ito" in text.stdout and "crm_contact:P2: Amy Cho" in text.stdout
    assert "crm_contact:P1 = crm_contact:P2: a reviewer decided they are one person" in text.stdout
    assert "crm_contact:P1 same crm_contact:P2" in text.stdout and "same person, called in" in text.stdout
    explanation = json.loads(reviewed["explained_json"].stdout)
    assert {r["record_id"] for r in explanation["records"]} == {"J1", "J2"}
    assert [(i["identifier_type"], i["identifier_value"], i["records"]) for i in explanation["shared_identifiers"]] \
        == [("phone", "+819012345678", 2)]


def test_bad_decisions_and_unknown_customers_get_one_line(reviewed):
    same_record = reviewed["crm"]("identity", "review", "--same", "J1", "crm_contact:J1")
    assert same_record.returncode == 1 and "Traceback" not in same_record.stderr
    assert "a record cannot be decided against itself" in same_record.stderr
    unknown = reviewed["crm"]("identity", "explain", "cus_0000000000000000")
    assert unknown.returncode == 1 and "no customer cus_0000000000000000" in unknown.stderr
