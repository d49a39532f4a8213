"""Probabilistic matching (Splink on DuckDB) of CRM contacts that share no identifier.

The same person entered twice in a CRM — years apart, from another team, with a personal instead of a work
address and no phone — shares no identifier with their first record, so the deterministic graph cannot join
the two. Splink compares such contacts on what they do share: the name (compared on Japanese-aware normalised
tokens, so `山田 太郎`, `太郎 山田`, `山田　太郎` in one field and full-width letters all agree), company,
postcode, city, street address and the local part of the email. Pairs at or above the configured match
probability become record–record edges in the identity graph (identity/resolve.py).

The model's parameters are learnt on generated data (`crm identity train`) and versioned as JSON
(identity/models/contact_match_model.json): m from the generator's ground truth, u by random sampling. Splink
runs in an in-memory DuckDB of its own, so its work tables never land in the warehouse.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import duckdb
import pandas as pd

from ingestion.normalize import normalize_name

log = logging.getLogger(__name__)

CONTACTS_VIEW = "staging.stg_sales__contacts"
DEFAULT_MODEL = Path(__file__).parent / "models" / "contact_match_model.json"

# Legal-form words that say nothing about which company it is.
_COMPANY_FORMS = re.compile(
    r"\b(inc|incorporated|corp|corporation|co|company|ltd|limited|llc|plc|gmbh|ag|sa|sas|kk|k\.k)\b\.?|株式会社|有限会社|合同会社|\(株\)"
)


# Katakana → hiragana (the blocks are 0x60 apart): ヤマダ and やまだ are one reading.
_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}


def _name_tokens(first: str | None, last: str | None) -> list[str] | None:
    """The words of a person's name, case- and width-folded (NFKC also turns half-width ｶﾅ into full-width),
    kana-folded, in sorted order: family-name-first, the whole name typed into one field and the ideographic
    space all give the same tokens."""
    name = normalize_name(f"{first or ''} {last or ''}")
    name = name.translate(_KATAKANA_TO_HIRAGANA) if name else name
    if not name:
        return None
    return sorted(token.strip(".") for token in name.split(" ") if token.strip("."))


def _company_key(company: str | None) -> str | None:
    name = normalize_name(company)
    if not name:
        return None
    key = re.sub(r"[^\w]+", " ", _COMPANY_FORMS.sub(" ", name)).strip()
    return key or None


def contact_profiles(con: duckdb.DuckDBPyConnection, contacts_view: str = CONTACTS_VIEW,
                     identifiers_table: str = "intermediate.int_identity__record_identifiers") -> pd.DataFrame:
    """One row per CRM contact with the columns the model compares (`unique_id` is the identity record key).

    The email and phone are the contact's usable identifiers from the identity graph's input, so the junk
    guards there (shared inboxes such as info@, the company's own domains, numbers on too many contacts) keep
    them out of the comparison too: two colleagues behind info@ must not look alike for it.
    """
    contacts = con.execute(
        f"""with usable as (
                select record_id,
                       min(case when identifier_type = 'email' then identifier_value end) as email,
                       min(case when identifier_type = 'phone' then identifier_value end) as phone
                from {identifiers_table}
                where record_type = 'crm_contact'
                group by record_id
            )
            select 'crm_contact:' || c.contact_id as unique_id, c.first_name, c.last_name, c.company_name,
                   usable.email, usable.phone, upper(nullif(trim(c.postal_code), '')) as postal_code,
                   nullif(trim(c.city), '') as city, nullif(trim(c.address), '') as address, c.country_code
            from {contacts_view} c left join usable on usable.record_id = c.contact_id"""
    ).df()
    tokens = [_name_tokens(f, last) for f, last in zip(contacts["first_name"], contacts["last_name"], strict=True)]
    return pd.DataFrame({
        "unique_id": contacts["unique_id"],
        "name_key": [" ".join(t) if t else None for t in tokens],
        "company_key": contacts["company_name"].map(_company_key, na_action="ignore"),
        "email_local": contacts["email"].str.split("@").str[0],
        "phone": contacts["phone"],
        "postal_code": contacts["postal_code"].map(lambda v: re.sub(r"[^0-9A-Z]", "", v) or None, na_action="ignore"),
        "city": contacts["city"].map(normalize_name, na_action="ignore"),
        "address": contacts["address"].map(normalize_name, na_action="ignore"),
        "country_code": contacts["country_code"],
    })


def model_settings():
    """The comparisons and blocking rules (the untrained model)."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            # Exact agreement on a common name (or city) says less than on a rare one: term-frequency
            # adjustments weigh it by how often the value occurs in the data being matched.
            cl.JaroWinklerAtThresholds("name_key", [0.95, 0.88]).configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("company_key", [0.92]),
            cl.ExactMatch("postal_code"),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("address", [0.95]),
            cl.JaroWinklerAtThresholds("email_local", [0.95, 0.85]),
            cl.ExactMatch("phone"),
        ],
        # Each rule keeps candidate pairs near-linear in contacts: a postcode, a name, a company in a city.
        blocking_rules_to_generate_predictions=[
            block_on("postal_code", "country_code"),
            block_on("name_key"),
            block_on("company_key", "city"),
            block_on("email_local"),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def _linker(profiles: pd.DataFrame, model, db_api=None):
    """A Splink linker over the profiles on `db_api` — Splink's engine: an in-memory DuckDB unless a caller on
    another engine passes its own (e.g. `splink.SparkAPI` next to a Spark warehouse)."""
    from splink import DuckDBAPI, Linker

    db_api = db_api or DuckDBAPI(connection=duckdb.connect())
    return Linker(db_api.register(profiles, table_name="contact_profiles"), model), db_api


def link_records(con: duckdb.DuckDBPyConnection, model_path: Path | None, match_threshold: float,
                 db_api=None) -> tuple[int, int]:
    """Score candidate pairs of CRM contacts; insert those at or above `match_threshold` into `_record_links`.

    Returns (candidate pairs scored, pairs linked)."""
    model_path = model_path or DEFAULT_MODEL
    if not model_path.exists():
        raise FileNotFoundError(f"no match model at {model_path}: train one with `crm identity train`")
    profiles = contact_profiles(con)
    if len(profiles) < 2:
        return 0, 0
    linker, _ = _linker(profiles, str(model_path), db_api)
    scored = linker.inference.predict().as_pandas_dataframe()[["unique_id_l", "unique_id_r", "match_probability"]]
    con.register("_scored_pairs", scored)
    candidate_pairs = con.execute("select count(*) from _scored_pairs").fetchall()[0][0]
    links = con.execute(
        """insert into _record_links
           select unique_id_l, unique_id_r from _scored_pairs where match_probability >= ?""",
        [float(match_threshold)],
    ).fetchall()[0][0]
    con.unregister("_scored_pairs")
    log.info("identity: %s candidate contact pairs, %s linked at p >= %s", candidate_pairs, links,
             match_threshold)
    return int(candidate_pairs), int(links)


def train(con: duckdb.DuckDBPyConnection, truth_records: Path, output: Path = DEFAULT_MODEL) -> dict:
    """Learn the model on generated contacts: m from the ground truth's person ids, u from random pairs."""
    from splink import block_on

    profiles = contact_profiles(con)
    truth = duckdb.connect().execute(
        "select 'crm_contact:' || record_id as unique_id, person_id from read_parquet(?) "
        "where record_type = 'crm_contact'", [str(truth_records)]).df()
    profiles = profiles.merge(truth, on="unique_id", how="left")
    linker, _ = _linker(profiles, model_settings())
    linker.training.estimate_probability_two_random_records_match(
        [block_on("email_local", "postal_code"), block_on("phone")], recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=2_000_000, seed=1)
    linker.training.estimate_m_from_label_column("person_id")
    model = _with_prior_for_unseen_levels(linker.misc.save_model_to_json())
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(model, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    log.info("identity: match model trained on %s contacts, written to %s", len(profiles), output)
    return model


# Share of true duplicates assumed to fall in a comparison level the training labels never showed.
UNSEEN_LEVEL_PRIOR_M = 0.02


def _with_prior_for_unseen_levels(model: dict) -> dict:
    """Generated duplicates never disagree on postcode, city, address, company or phone, so the labels cannot say
    how often real duplicates do (people move and re-type their company). Splink would leave those levels
    untrained; they get a small prior share of the duplicates instead, taken from the observed levels."""
    for comparison in model["comparisons"]:
        levels = [level for level in comparison["comparison_levels"] if not level.get("is_null_level")]
        unseen = [level for level in levels if not level.get("m_probability")]
        if not unseen:
            continue
        scale = 1 - UNSEEN_LEVEL_PRIOR_M * len(unseen)
        for level in levels:
            level["m_probability"] = UNSEEN_LEVEL_PRIOR_M if level in unseen else level["m_probability"] * scale
    return model
