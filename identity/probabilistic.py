"""Probabilistic matching (Splink on DuckDB) of CRM contacts, trained on the contacts being matched.

The same person entered twice — years apart, by another team, from a paper form, with a typo, a nickname, the day
and month of their birth the other way round, no email — shares no identifier with their first record, so the
deterministic graph cannot join the two. Splink (a Fellegi–Sunter model) compares such contacts on what they do
share (identity/profiles.py says how each field is folded first) and scores each candidate pair with a match
weight: the log2 of how much likelier its pattern of agreements is among records of one person than among records
of two people. The model is learnt, as in Splink's own workflow, from the records it matches:

- which fields take part: those the data fills (a list without emails gets no email comparison);
- the prior (the share of random pairs that match) from deterministic rules with an assumed recall;
- u probabilities (how often two different people agree by chance) by random sampling of the records;
- m probabilities (how often one person's records agree) by expectation maximisation in several sessions, each
  blocking on another field, so no field's m is estimated from pairs chosen for agreeing on it;
- term-frequency adjustments: agreeing on a rare name, city or address weighs more than on a common one.

A trained model is kept in the warehouse (`identity.match_model`) with the data's shape, and reused until the data
changes materially (another set of fields, or the number of contacts moves by more than
`identity.retrain_change`); `crm identity train` retrains at once. Below `identity.min_records_to_train` contacts
there are too few duplicates to learn from, and the shipped prior model (identity/models/, trained by
`crm identity train-prior` on generated contacts and synthetic person lists) decides instead.

Candidate pairs come from several blocking rules (identity/blocking.py), so no single field has to agree. Pairs
at or above `identity.match_threshold` (a match probability) become links in the identity graph; pairs between
`identity.review_threshold` and it are possible matches for clerical review (identity/review.py), stored with each
field's contribution to the weight. Splink runs in an in-memory DuckDB of its own, so its work tables never land
in the warehouse.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from common.sql import sql_literal
from identity.blocking import BlockingPlan, plan_blocking
from identity.profiles import PROFILES_TABLE, build_profiles

log = logging.getLogger(__name__)

PRIOR_MODEL = Path(__file__).parent / "models" / "contact_match_model.json"
MODEL_TABLE = "identity.match_model"
PAIRS_TABLE = "identity.match_pairs"
MODEL_DDL = f"""
create schema if not exists identity;
create table if not exists {MODEL_TABLE} (
    trained_at timestamptz not null,
    records bigint not null,          -- contacts it was trained on
    fields varchar not null,          -- the fields compared, comma-separated (the data's shape)
    settings_fingerprint varchar not null,
    model_json varchar not null,
    training_log varchar
)
"""
# Recall assumed for the deterministic rules that estimate the prior: the share of true matches agreeing exactly on
# an id, an email, a phone, or name and date of birth / postcode. Splink's tutorials use 0.6-0.8; the prior only
# shifts all weights alike, and EM does not depend on it.
DETERMINISTIC_RECALL = 0.7
# Random pairs for u: 100 per contact, from Splink's default of a million up to three million — enough for a level
# that one random pair in a million meets to be seen, while a few thousand contacts (18 million pairs in all) are
# not sampled at a sixth of all their pairs.
U_SAMPLE_PAIRS_PER_RECORD = 100
U_SAMPLE_PAIRS_RANGE = (1e6, 3e6)
EM_MAX_PAIRS = 2e6          # blocked pairs per EM session (Splink samples records above it)
# A field takes part when at least this share of contacts fill it (and it has two values or more).
MIN_FIELD_FILL = 0.01


@dataclass(frozen=True)
class MatchOptions:
    """crm.toml [identity]: how sure a link must be, what goes to review, when to (re)train."""

    match_threshold: float = 0.995
    review_threshold: float = 0.5
    min_records_to_train: int = 1000
    retrain_change: float = 0.2
    prior_model: Path = PRIOR_MODEL
    force_retrain: bool = False


@dataclass(frozen=True)
class LinkResult:
    candidate_pairs: int
    links: int
    possible_matches: int
    model_source: str       # trained (in this run) | cached | prior | none
    blocking: BlockingPlan | None
    seconds: dict[str, float]  # time per step


# --- the comparisons ------------------------------------------------------------------------------------------


def _level(condition: str, label: str, tf_column: str | None = None, null: bool = False):
    import splink.comparison_level_library as cll

    level = cll.CustomLevel(condition, label_for_charts=label, base_dialect_str="duckdb")
    if tf_column:
        # On a level that is more than exact agreement on the column, the level's own u is the baseline.
        level.configure(tf_adjustment_column=tf_column, tf_adjustment_weight=1.0,
                        disable_tf_exact_match_detection=True)
    if null:
        level.configure(is_null_level=True)
    return level


def _null(*columns: str):
    import splink.comparison_level_library as cll

    condition = " or ".join(f'"{c}_l" is null or "{c}_r" is null' for c in columns)
    return cll.CustomLevel(condition, label_for_charts="missing on one side").configure(is_null_level=True)


# Each comparison as people call it (review, explain, the Customer 360 page).
FIELD_WORDS = {"given_name": "given name", "family_and_address": "family name and address",
               "date_of_birth": "date of birth", "national_id": "national id", "customer_number": "customer number",
               "email": "email", "phone": "phone", "company": "company"}


def _comparison(name: str, levels: list):
    import splink.comparison_level_library as cll
    from splink.comparison_library import CustomComparison

    return CustomComparison(comparison_levels=[*levels, cll.ElseLevel().configure(label_for_charts="different")],
                            output_column_name=name)


def _jw(column: str, threshold: float) -> str:
    return f'jaro_winkler_similarity("{column}_l", "{column}_r") >= {threshold}'


def _jw_across(left: str, right: str, threshold: float = 0.9) -> str:
    """The left record's `left` column nearly equals the right record's `right` column (fields swapped)."""
    return f'jaro_winkler_similarity("{left}_l", "{right}_r") >= {threshold}'


def _typo(column: str) -> str:
    """One character mistyped, added, dropped, or two swapped (Damerau-Levenshtein distance 1).

    The distance is slow to compute and nearly every candidate pair fails it, so a cheap necessary condition goes
    first: one such edit at position i leaves the first i or the last len - i - 2 characters alike, so the first or
    the last (shorter length - 2) // 2 characters agree, and the lengths differ by at most one."""
    left, right = f'"{column}_l"', f'"{column}_r"'
    half = f"(least(length({left}), length({right})) - 2) // 2"
    return (f"abs(length({left}) - length({right})) <= 1 "
            f"and (left({left}, {half}) = left({right}, {half}) or right({left}, {half}) = right({right}, {half})) "
            f"and damerau_levenshtein({left}, {right}) <= 1")


def _missing_place(side: str) -> str:
    return f'"address_tokens_{side}" is null and "postal_code_{side}" is null and "city_{side}" is null'


# The same area: the same postcode or city, or one of them mistyped (the cheap test of _typo comes first).
_same_area = ('"postal_code_l" = "postal_code_r" or "city_l" = "city_r" or ' + _typo("postal_code")
              + ' or jaro_winkler_similarity("city_l", "city_r") >= 0.92')
_shared_words = 'len(list_intersect("address_tokens_l", "address_tokens_r")) >= 2'
# The same family name: written alike, or the names written the other way round (name words, or nearly, across).
_same_family = ('"family_name_l" = "family_name_r" or "name_key_l" = "name_key_r" or '
                '(left("given_name_l", 1) = left("family_name_r", 1) '
                'and left("family_name_l", 1) = left("given_name_r", 1) '
                'and jaro_winkler_similarity("given_name_l", "family_name_r") >= 0.9 '
                'and jaro_winkler_similarity("family_name_l", "given_name_r") >= 0.9)')
_similar_family = ('jaro_winkler_similarity("family_name_l", "family_name_r") >= 0.8 '
                   'or "family_sound_l" = "family_sound_r"')
# The same home: the same street address (written alike, the same house number and street words, or nearly the same)
# in the same postcode or city.
_same_home = (f'({_same_area}) and ("address_l" = "address_r" '
              f'or ("address_number_l" = "address_number_r" and {_shared_words}) '
              f'or jaro_winkler_similarity("address_l", "address_r") >= 0.9)')


# Each field the model can compare: (profile columns it needs filled, the comparison). Levels go from the
# strongest agreement down; Splink scores a pair by the first level it meets.
def _comparisons() -> dict[str, tuple[tuple[str, ...], object]]:
    return {
        "given_name": (("given_name",), _comparison("given_name", [
            _null("given_name"),
            _level('"given_name_l" = "given_name_r"', "exact", "given_name"),
            _level('"name_key_l" = "name_key_r"', "the same name words in another order"),
            _level('left("given_name_l", 1) = left("family_name_r", 1) '
                   'and left("family_name_l", 1) = left("given_name_r", 1) '
                   f'and {_jw_across("given_name", "family_name")} and {_jw_across("family_name", "given_name")}',
                   "swapped with the family name, nearly the same"),
            _level(_jw("given_name", 0.92), "nearly the same (Jaro-Winkler >= 0.92)"),
            _level('list_has_any("given_forms_l", "given_forms_r")', "a nickname of it (Bill, William)"),
            _level('(length("given_name_l") = 1 or length("given_name_r") = 1) '
                   'and left("given_name_l", 1) = left("given_name_r", 1)', "initial agrees"),
            _level(f'{_jw("given_name", 0.8)} or "given_sound_l" = "given_sound_r"',
                   "similar (Jaro-Winkler >= 0.8 or sounds alike)"),
        ])),
        "date_of_birth": (("dob",), _comparison("date_of_birth", [
            _null("dob"),
            _level('"dob_l" = "dob_r"', "exact"),
            _level('left("dob_l", 4) = left("dob_r", 4) and substr("dob_l", 5, 2) = substr("dob_r", 7, 2) '
                   'and substr("dob_l", 7, 2) = substr("dob_r", 5, 2)', "day and month swapped"),
            _level(_typo("dob"), "one digit mistyped or two swapped"),
            _level('right("dob_l", 4) = right("dob_r", 4)', "same day and month, other year"),
            _level('left("dob_l", 6) = left("dob_r", 6)', "same year and month"),
        ])),
        "national_id": (("national_id",), _comparison("national_id", [
            _null("national_id"),
            _level('"national_id_l" = "national_id_r"', "exact"),
            _level(_typo("national_id"), "one digit mistyped or two swapped"),
        ])),
        "customer_number": (("customer_number",), _comparison("customer_number", [
            _null("customer_number"),
            _level('"customer_number_l" = "customer_number_r"', "exact"),
            _level(_typo("customer_number"), "one character mistyped or two swapped"),
        ])),
        # An email agrees or not. User names are made of names, so a similar one (jsmith@ and asmith@ at one
        # provider: a family) or the same one elsewhere (sean.reynolds@ at two providers: namesakes) would count the
        # names' agreement a second time.
        "email": (("email",), _comparison("email", [
            _null("email"),
            _level('"email_l" = "email_r"', "exact", "email"),
        ])),
        "phone": (("phone",), _comparison("phone", [
            _null("phone"),
            _level('"phone_l" = "phone_r"', "exact", "phone"),
            _level(_typo("phone"), "one digit mistyped or two swapped"),
        ])),
        "company": (("company_key",), _comparison("company", [
            _null("company_key"),
            _level('"company_key_l" = "company_key_r"', "exact", "company_key"),
            _level(_jw("company_key", 0.92), "nearly the same (Jaro-Winkler >= 0.92)"),
        ])),
        # The family name and where someone lives are one comparison, not two: a household's members (spouses,
        # children, twins) agree on both far more often than two strangers agreeing on each by chance would, and two
        # comparisons would add their weights as if independent — enough to merge a family into one customer. As
        # one, the chance that two different records agree on both is estimated (random sampling) from the data
        # itself, households included. Street, house number, postcode, city and region count once too.
        "family_and_address": (("family_name", "address_tokens", "postal_code", "city"), _comparison(
            "family_and_address", [
                _level(f'("family_name_l" is null and {_missing_place("l")}) '
                       f'or ("family_name_r" is null and {_missing_place("r")})', "missing on one side", null=True),
                _level(f"({_same_family}) and ({_same_home})", "same family name and address"),
                _level(f"({_similar_family}) and ({_same_home})", "similar family name, same address"),
                _level(f"({_same_family}) and ({_same_area})", "same family name, same area"),
                _level(_same_family, "same family name, elsewhere", "family_name"),
                _level(f"({_similar_family}) and ({_same_area})", "similar family name, same area"),
                _level(_similar_family, "similar family name, elsewhere"),
                _level(_same_home, "other family name, same address"),
                _level(_same_area, "other family name, same area"),
            ])),
    }


COMPARED_FIELDS = ("given_name", "family_and_address", "date_of_birth", "national_id", "customer_number", "email",
                   "phone", "company")


def usable_fields(con: duckdb.DuckDBPyConnection, profiles: str = PROFILES_TABLE) -> list[str]:
    """The fields the data fills enough to compare (MIN_FIELD_FILL of the contacts, two values or more), in
    COMPARED_FIELDS order."""
    comparisons = _comparisons()
    columns = {field: comparisons[field][0] for field in COMPARED_FIELDS}
    checks = ", ".join(
        f"count(*) filter (where {' or '.join(f'{c} is not null' for c in cols)}), "
        f"count(distinct concat_ws('|', {', '.join(f'cast({c} as varchar)' for c in cols)}))"
        for cols in columns.values())
    row = con.execute(f"select count(*), {checks} from {profiles}").fetchall()[0]
    total = row[0]
    return [field for index, field in enumerate(columns)
            if total and row[1 + 2 * index] / total >= MIN_FIELD_FILL and row[2 + 2 * index] >= 2]


def model_settings(fields: list[str], blocking_rules: list | None = None):
    """The untrained model over `fields` (comparisons in COMPARED_FIELDS order)."""
    from splink import SettingsCreator

    comparisons = _comparisons()
    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=[comparisons[f][1] for f in COMPARED_FIELDS if f in fields],
        blocking_rules_to_generate_predictions=blocking_rules or [],
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=False,
        em_convergence=0.001,
        max_iterations=20,
    )


def _fingerprint(fields: list[str]) -> str:
    """Changes when the comparisons change: the data's shape or this module's definition of them."""
    settings = model_settings(fields).create_settings_dict("duckdb")
    return hashlib.sha256(json.dumps(settings["comparisons"], sort_keys=True).encode()).hexdigest()[:16]


# --- training --------------------------------------------------------------------------------------------------


# Splink's in-memory DuckDB holds the profiles, term frequencies, candidate pairs and scores; beyond this it spills
# to a temporary folder, so a million contacts stay within a few GB.
SPLINK_MEMORY_LIMIT = "1500MB"


@contextmanager
def _linker(profiles: pa.Table, model, db_api=None) -> Iterator:
    """A Splink linker over the profiles on `db_api` — Splink's engine: an in-memory DuckDB of its own (closed and
    its spill folder removed afterwards) unless a caller on another engine passes its own (e.g. `splink.SparkAPI`
    next to a Spark warehouse)."""
    from splink import DuckDBAPI, Linker

    if db_api is not None:
        yield Linker(db_api.register(profiles, table_name="contact_profiles"), model)
        return
    with tempfile.TemporaryDirectory(prefix="crm-splink-") as spill:
        con = duckdb.connect(config={"memory_limit": SPLINK_MEMORY_LIMIT, "temp_directory": spill})
        try:
            yield Linker(DuckDBAPI(connection=con).register(profiles, table_name="contact_profiles"), model)
        finally:
            con.close()


def _rule_sql(columns: tuple[str, ...]):
    from splink import block_on

    return block_on(*columns)


def train_model(profiles: pa.Table, fields: list[str], log_lines: list[str]) -> dict:
    """Train on the profiles themselves: prior from deterministic rules, u by random sampling, m by EM."""
    with _linker(profiles, model_settings(fields)) as linker:
        return _train(linker, profiles, fields, log_lines)


def _train(linker, profiles: pa.Table, fields: list[str], log_lines: list[str]) -> dict:
    timer = _Timer()
    present = _filled_columns(profiles)
    deterministic = [rule for rule in (("national_id",), ("customer_number",), ("email",), ("phone",),
                                       ("given_name", "family_name", "dob"),
                                       ("given_name", "family_name", "postal_code"),
                                       ("given_name", "family_name", "address"))
                     if set(rule) <= present]
    if not deterministic:
        deterministic = [("given_name", "family_name")]
    linker.training.estimate_probability_two_random_records_match(
        [_rule_sql(r) for r in deterministic], recall=DETERMINISTIC_RECALL)
    timer.lap("prior")
    low, high = U_SAMPLE_PAIRS_RANGE
    u_pairs = min(max(U_SAMPLE_PAIRS_PER_RECORD * profiles.num_rows, low), high)
    linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=1)
    timer.lap("u")
    # EM sessions. Each blocks on fields whose comparisons it cannot estimate (Splink leaves out every comparison
    # that reads a blocking column); together they estimate every comparison, and Splink takes the median of the
    # sessions' estimates. EM learns from the pairs a rule lets through, so the rules come first that let through
    # few look-alikes: an id, an email or a phone, or two fields together (given name and date of birth keep out
    # twins, who differ in given name, and a father and son, who differ in date of birth). A single field such as the
    # family name or postcode lets through whole households, whose agreement on everything but given name and date
    # of birth would teach EM that one person's records often disagree on those: last resorts.
    session_rules = [("national_id",), ("customer_number",), ("email",), ("phone",), ("given_name", "dob"),
                     ("given_name", "family_name"), ("family_name", "dob"), ("given_name", "postal_code"),
                     ("dob",), ("family_name",), ("postal_code",), ("given_name",), ("city",)]
    comparisons = _comparisons()
    estimated: set[str] = set()
    for rule in session_rules:
        if not set(rule) <= present:
            continue
        blocked_fields = {f for f in fields if set(rule) & _columns_read(comparisons[f][1])}
        seen = _fields_seen_in_blocks(profiles, rule, [f for f in fields if f not in blocked_fields])
        if not seen - estimated:
            continue
        linker.training.estimate_parameters_using_expectation_maximisation(
            _rule_sql(rule), max_pairs=EM_MAX_PAIRS, estimate_without_term_frequencies=False)
        estimated |= seen
        timer.lap(f"EM on {' + '.join(rule)}")
        log_lines.append(f"EM blocked on {', '.join(rule)}: estimated {', '.join(sorted(seen))}")
        if estimated >= set(fields):
            break
    model, changed = _smoothed(linker.misc.save_model_to_json())
    log_lines.extend(changed)
    prior = model["probability_two_random_records_match"]
    log_lines.append(f"prior (probability two random records match) {prior:.3g}")
    log_lines.append(f"time: {timer}")
    return model


def _filled_columns(profiles: pa.Table) -> set[str]:
    """Profile columns at least MIN_FIELD_FILL of the contacts fill."""
    rows = max(profiles.num_rows, 1)
    return {name for name in profiles.column_names
            if (profiles.num_rows - profiles.column(name).null_count) / rows >= MIN_FIELD_FILL}


# A session estimates a field only if its blocked pairs show it: this many records in blocks of two or more with the
# field filled (a rule on national ids says nothing of emails when no record with a national id has an email).
MIN_RECORDS_SEEN = 50


def _fields_seen_in_blocks(profiles: pa.Table, rule: tuple[str, ...], fields: list[str]) -> set[str]:
    comparisons = _comparisons()
    keys = ", ".join(f'"{c}"' for c in rule)
    counts = ", ".join(
        f"count(*) filter (where {' or '.join(f'{c} is not null' for c in comparisons[f][0])})" for f in fields)
    if not counts:
        return set()
    filled = " and ".join(f'"{c}" is not null' for c in rule)
    row = duckdb.connect().sql(
        f"""select {counts} from (select *, count(*) over (partition by {keys}) as block_size
                                  from profiles where {filled}) where block_size > 1""").fetchall()[0]
    return {field for field, count in zip(fields, row, strict=True) if count >= MIN_RECORDS_SEEN}


def _columns_read(comparison) -> set[str]:
    """The profile columns a comparison's levels read (`given_name` from `"given_name_l"`...)."""
    import re

    levels = comparison.get_comparison("duckdb").as_dict()["comparison_levels"]
    return {m for level in levels for m in re.findall(r'"([a-z_]+)_[lr]"', level["sql_condition"])}


# The least share of one person's record pairs any level is assumed to hold. EM gives a level it saw no match in an
# m of (nearly) zero, so a single disagreement would veto any pair (a phone that differs: -38 bits); no level is
# impossible for one person's records (people change numbers, mistype ids), so none weighs less than
# log2(M_FLOOR) ~ -6.6 bits on its own.
M_FLOOR = 0.01


def _smoothed(model: dict) -> tuple[dict, list[str]]:
    """Every level's m at least M_FLOOR (renormalised), and a level random sampling never met gets u = m (no
    evidence either way, rather than none of its own). Returns the model and what was changed, for the log."""
    changed = []
    for comparison in model["comparisons"]:
        levels = [level for level in comparison["comparison_levels"] if not level.get("is_null_level")]
        raised = [level.get("label_for_charts") for level in levels if (level.get("m_probability") or 0) < M_FLOOR]
        floored = [max(level.get("m_probability") or 0.0, M_FLOOR) for level in levels]
        for level, m in zip(levels, floored, strict=True):
            level["m_probability"] = m / sum(floored)
            if not level.get("u_probability"):
                level["u_probability"] = level["m_probability"]
                changed.append(f"{comparison['output_column_name']}: '{level.get('label_for_charts')}' never met "
                               "among random pairs, weighs nothing")
        if raised:
            changed.append(f"{comparison['output_column_name']}: m raised to {M_FLOOR} for {', '.join(raised)}")
    return model, changed


def _prior_for(model: dict, records: int) -> dict:
    """The prior model for `records` contacts. Its prior probability that two random records match was learnt on
    its training data; what carries over is the number of duplicates per record, so the probability is rescaled:
    among 12 contacts a given pair is far likelier one person than among 30,000."""
    trained_on = model.pop("trained_on_records", None)  # ours, not a Splink setting
    if trained_on and records > 1:
        per_record = model["probability_two_random_records_match"] * (trained_on - 1)
        model["probability_two_random_records_match"] = min(per_record / (records - 1), 0.5)
    return model


def _cached_model(con: duckdb.DuckDBPyConnection) -> tuple | None:
    con.execute(MODEL_DDL)
    rows = con.execute(f"select records, fields, settings_fingerprint, model_json from {MODEL_TABLE} "
                       "order by trained_at desc limit 1").fetchall()
    return rows[0] if rows else None


def choose_model(con: duckdb.DuckDBPyConnection, profiles: pa.Table, fields: list[str],
                 options: MatchOptions) -> tuple[dict, str]:
    """The model to score with and where it came from: trained now, cached in the warehouse, or the prior."""
    records = profiles.num_rows
    if records < options.min_records_to_train:
        if not options.prior_model.exists():
            raise FileNotFoundError(f"no prior match model at {options.prior_model}: run `crm identity train-prior`")
        return _prior_for(json.loads(options.prior_model.read_text(encoding="utf-8")), records), "prior"
    fingerprint = _fingerprint(fields)
    cached = _cached_model(con)
    if cached and not options.force_retrain:
        trained_records, trained_fields, trained_fingerprint, model_json = cached
        changed = abs(records - trained_records) / max(trained_records, 1)
        if trained_fingerprint == fingerprint and changed <= options.retrain_change:
            return json.loads(model_json), "cached"
    log_lines: list[str] = []
    model = train_model(profiles, fields, log_lines)
    con.execute(f"delete from {MODEL_TABLE}")
    con.execute(f"insert into {MODEL_TABLE} values (?, ?, ?, ?, ?, ?)",
                [datetime.now(UTC), records, ",".join(fields), fingerprint, json.dumps(model), "\n".join(log_lines)])
    for line in log_lines:
        log.info("identity model: %s", line)
    return model, "trained"


def train_on_warehouse(con: duckdb.DuckDBPyConnection, options: MatchOptions) -> str:
    """Train on the warehouse's contacts now and keep the model (`crm identity train`); a one-line summary."""
    records = build_profiles(con)
    if records < options.min_records_to_train:
        return (f"{records} contacts: below identity.min_records_to_train ({options.min_records_to_train}), the "
                "prior model decides; nothing trained")
    fields = usable_fields(con)
    profiles = con.sql(f"select * from {PROFILES_TABLE}").to_arrow_table()
    choose_model(con, profiles, fields, options)
    log_text = con.execute(f"select training_log from {MODEL_TABLE}").fetchall()[0][0]
    return f"trained on {records} contacts, comparing {', '.join(fields)}\n{log_text}"


def train_prior(con: duckdb.DuckDBPyConnection, output: Path = PRIOR_MODEL) -> dict:
    """The prior model: trained like any model, on a warehouse whose contacts fill every field somewhere."""
    build_profiles(con)
    fields = usable_fields(con)
    missing = [f for f in COMPARED_FIELDS if f not in fields]
    if missing:
        raise ValueError(f"the prior must know every field; these are empty in the training data: {missing}")
    log_lines: list[str] = []
    model = train_model(con.sql(f"select * from {PROFILES_TABLE}").to_arrow_table(), fields, log_lines)
    model["blocking_rules_to_generate_predictions"] = []
    records = con.execute(f"select count(*) from {PROFILES_TABLE}").fetchall()[0][0]
    model["trained_on_records"] = records  # the prior's probability is rescaled to the data's size (_prior_for)
    log_lines.append(f"trained on {records} contacts")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(model, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for line in log_lines:
        log.info("prior model: %s", line)
    return model


# --- scoring ---------------------------------------------------------------------------------------------------


def level_labels(model: dict) -> dict[str, dict[int, str]]:
    """Comparison -> gamma value -> its level's label (Splink numbers levels from the top, null = -1)."""
    labels = {}
    for comparison in model["comparisons"]:
        levels = comparison["comparison_levels"]
        non_null = [level for level in levels if not level.get("is_null_level")]
        by_gamma = {-1: "missing on one side"}
        for index, level in enumerate(non_null):
            by_gamma[len(non_null) - 1 - index] = level.get("label_for_charts", "")
        labels[comparison["output_column_name"]] = by_gamma
    return labels


def _with_model_fields_only(model: dict, fields: list[str]) -> dict:
    """The prior knows every field; comparing one the data lacks would only spend time (all pairs are null)."""
    model = dict(model)
    model["comparisons"] = [c for c in model["comparisons"] if c["output_column_name"] in fields]
    return model


def link_records(con: duckdb.DuckDBPyConnection, options: MatchOptions, db_api=None) -> LinkResult:
    """Score candidate pairs of CRM contacts; links (p >= match_threshold) go into `_record_links`, links and
    possible matches (p >= review_threshold) into identity.match_pairs with each field's contribution."""
    timer = _Timer()
    records = build_profiles(con)
    con.execute(f"""create or replace table {PAIRS_TABLE} (
                        left_key varchar, right_key varchar, match_weight double, match_probability double,
                        band varchar, contributions varchar, why varchar)""")
    fields = usable_fields(con) if records >= 2 else []
    if not fields:
        return LinkResult(0, 0, 0, "none", None, {})
    timer.lap("profiles")
    plan = plan_blocking(con, PROFILES_TABLE, records)
    timer.lap("blocking plan")
    profiles = con.sql(f"select * from {PROFILES_TABLE}").to_arrow_table()
    model, source = choose_model(con, profiles, fields, options)
    timer.lap("training" if source == "trained" else "model")
    model = _with_model_fields_only(model, fields)
    model["blocking_rules_to_generate_predictions"] = [
        {"blocking_rule": rule.sql, "sql_dialect": "duckdb"} for rule in plan.rules]
    # Each pair's level per comparison (gamma_*, kept with the matching columns) and its weights (mw_*): what the
    # review and `crm identity explain` show.
    model["retain_intermediate_calculation_columns"] = True
    model["retain_matching_columns"] = True
    review_threshold = min(options.review_threshold, options.match_threshold)
    with _linker(profiles, model, db_api) as linker:
        blocked = linker.inference.compute_blocked_pairs_for_predict()  # predict() reuses it
        per_rule = dict(blocked.as_duckdbpyrelation().aggregate("match_key, count(*)").fetchall()) \
            if plan.rules else {}
        plan = plan.with_distinct_pairs([per_rule.get(str(i), 0) for i in range(len(plan.rules))])
        timer.lap("blocking")
        predictions = linker.inference.predict(threshold_match_probability=review_threshold)
        # Only what is stored: the pair, its weight, and per comparison its level (gamma) and weights; Splink's
        # output also carries both records' compared columns (kept only because the levels come with them).
        names = [c["output_column_name"] for c in model["comparisons"]]
        available = set(predictions.as_duckdbpyrelation().columns)
        wanted = ["unique_id_l", "unique_id_r", "match_weight", "match_probability",
                  *(column for name in names for column in (f"gamma_{name}", f"mw_{name}", f"mw_tf_adj_{name}")
                    if column in available)]
        scored = predictions.as_duckdbpyrelation().select(", ".join(wanted)).to_arrow_table()
    candidate_pairs = sum(per_rule.values())
    timer.lap("scoring")
    con.register("_scored_pairs", scored)
    labels = level_labels(model)
    contribution_parts, why_parts = [], []
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        label_case = "case " + " ".join(
            f"when gamma_{name} = {gamma} then {sql_literal(label)}" for gamma, label in labels[name].items()) + " end"
        tf = f" + coalesce(mw_tf_adj_{name}, 0)" if f"mw_tf_adj_{name}" in scored.column_names else ""
        weight = f"round(mw_{name}{tf}, 2)"
        contribution_parts.append(f"{{'field': '{name}', 'level': {label_case}, 'weight': {weight}}}")
        field_words = sql_literal(FIELD_WORDS.get(name, name))
        why_parts.append(f"case when {weight} <> 0 then {field_words} || ': ' || {label_case} || ' (' || "
                         f"printf('%+.1f', {weight}) || ')' end")
    con.execute(
        f"""insert into {PAIRS_TABLE}
            select unique_id_l, unique_id_r, match_weight, match_probability,
                   case when match_probability >= ? then 'link' else 'possible' end,
                   to_json([{', '.join(contribution_parts)}]), concat_ws('; ', {', '.join(why_parts)})
            from _scored_pairs""", [float(options.match_threshold)])
    con.unregister("_scored_pairs")
    links = con.execute(
        f"""insert into _record_links select left_key, right_key from {PAIRS_TABLE} where band = 'link'"""
    ).fetchall()[0][0]
    possible = con.execute(f"select count(*) from {PAIRS_TABLE} where band = 'possible'").fetchall()[0][0]
    timer.lap("storing pairs")
    log.info("identity: %s candidate contact pairs (%s), %s linked at p >= %s, %s possible; model %s; %s",
             candidate_pairs, "; ".join(f"{r.name}: {r.distinct_pairs}" for r in plan.rules), links,
             options.match_threshold, possible, source, timer)
    return LinkResult(int(candidate_pairs), int(links), int(possible), source, plan, timer.seconds)


class _Timer:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = round(now - self._last, 2)
        self._last = now

    def __str__(self) -> str:
        return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.seconds.items())
