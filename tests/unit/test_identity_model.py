"""The match model is trained on the data it matches, kept while the data is the same, retrained when it changes
materially; blocking rules tighten to the data's size; tiny inputs use the prior with the data's own odds."""

import json

import duckdb
import pandas as pd
import pytest

from identity import probabilistic
from identity.blocking import MIN_RULE_BUDGET, plan_blocking
from identity.profiles import PROFILES_TABLE, build_profiles
from identity.synthetic_lists import make_person_list


def _warehouse(records: int, seed: int) -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse whose staged contacts are a synthetic `au` list (as its column map would stage it)."""
    frame, _ = make_person_list(records, "au", seed)
    contacts = pd.DataFrame({
        "contact_id": frame["rec_id"], "first_name": frame["given_name"], "last_name": frame["surname"],
        "address": (frame["street_number"].fillna("") + " " + frame["address_1"].fillna("")).str.strip(),
        "address_line_2": frame["address_2"], "city": frame["suburb"], "postal_code": frame["postcode"],
        "region": frame["state"], "date_of_birth_raw": frame["date_of_birth"], "national_id": frame["soc_sec_id"],
        "customer_number": None, "company_name": None, "country_code": "AU"}).replace({"": None})
    con = duckdb.connect()
    con.execute("create schema staging; create schema intermediate; create schema identity")
    con.register("contacts", contacts)
    con.execute("create table staging.stg_sales__contacts as select * from contacts")
    con.execute("create table intermediate.int_identity__contact_identifiers_cleaned (contact_id varchar, "
                "email varchar, phone varchar)")
    return con


def _choose(con, options):
    build_profiles(con)
    fields = probabilistic.usable_fields(con)
    profiles = con.sql(f"select * from {PROFILES_TABLE}").to_arrow_table()
    return probabilistic.choose_model(con, profiles, fields, options), fields


def test_trained_once_kept_while_the_data_is_the_same_retrained_when_it_grows():
    options = probabilistic.MatchOptions(min_records_to_train=1000, retrain_change=0.2)
    con = _warehouse(1200, seed=3)
    (model, source), fields = _choose(con, options)
    assert source == "trained"
    # A list with no email or phone: the model compares what it has, and learnt every level's m from this data.
    assert fields == ["given_name", "family_and_address", "date_of_birth", "national_id"]
    assert [c["output_column_name"] for c in model["comparisons"]] == fields
    assert all(level["m_probability"] >= probabilistic.M_FLOOR / 2 for c in model["comparisons"]
               for level in c["comparison_levels"] if not level.get("is_null_level"))
    trained_at = con.execute(f"select trained_at from {probabilistic.MODEL_TABLE}").fetchall()
    assert _choose(con, options)[0][1] == "cached"
    assert con.execute(f"select trained_at from {probabilistic.MODEL_TABLE}").fetchall() == trained_at
    # 1,200 → 1,500 contacts (+25% > 20%): retrained, and only the newest model is kept.
    grown = _warehouse(1500, seed=3).execute("select * from staging.stg_sales__contacts").df()
    con.register("grown", grown)
    con.execute("create or replace table staging.stg_sales__contacts as select * from grown")
    assert _choose(con, options)[0][1] == "trained"
    assert con.execute(f"select count(*), max(records) from {probabilistic.MODEL_TABLE}").fetchall() == [(1, 1500)]


def test_below_the_training_size_the_prior_decides_with_odds_for_this_many_records():
    con = _warehouse(300, seed=4)
    (model, source), _ = _choose(con, probabilistic.MatchOptions(min_records_to_train=1000))
    assert source == "prior"
    prior = json.loads(probabilistic.PRIOR_MODEL.read_text(encoding="utf-8"))
    per_record = prior["probability_two_random_records_match"] * (prior["trained_on_records"] - 1)
    assert model["probability_two_random_records_match"] == pytest.approx(per_record / 299)


def test_a_rule_that_would_make_too_many_pairs_is_tightened_and_every_pair_is_counted():
    con = duckdb.connect()
    # 2,000 people born on one of two days: the date of birth alone pairs ~1 million, over the budget.
    con.execute(f"""create table {PROFILES_TABLE} as
                    select 'r' || i as unique_id, case when i % 2 = 0 then '19800101' else '19900101' end as dob,
                           chr(cast(65 + i % 26 as integer)) as given_initial,
                           chr(cast(65 + (i // 26) % 26 as integer)) as family_initial,
                           null::varchar as national_id
                    from range(2000) t(i)""")
    plan = plan_blocking(con, PROFILES_TABLE, 2000)
    rule = {r.name: r for r in plan.rules}["date of birth"]
    assert plan.budget == MIN_RULE_BUDGET
    assert rule.columns == ("dob", "given_initial")
    # By hand: 2 days x 26 initials; 2,000 / 52 groups, each pair within a group once.
    sizes = pd.Series([(i % 2, i % 26) for i in range(2000)]).value_counts()
    assert rule.pairs == int((sizes * (sizes - 1) // 2).sum())
    assert "national id: empty in this data" in plan.skipped
