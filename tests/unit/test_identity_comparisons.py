"""The match model's inputs and comparisons, each on pairs whose expected outcome is written out by hand.

Profiles (identity/profiles.py) fold what people type into comparable forms; each comparison (identity/probabilistic
.py) puts a pair of profiles into a level. A comparison's levels are checked here by running its SQL on pairs built
for each level, as Splink runs it (first level whose condition holds).
"""

import random

import duckdb
import pandas as pd
import pytest

from identity import probabilistic
from identity.profiles import PROFILES_TABLE, build_profiles

CONTACT_COLUMNS = ["contact_id", "first_name", "last_name", "company_name", "postal_code", "city", "region",
                   "address", "address_line_2", "country_code", "date_of_birth_raw", "national_id", "customer_number"]


def profiles_of(*contacts: dict) -> dict[str, dict]:
    """Profiles of the given contacts (dicts of staging columns), by contact id."""
    con = duckdb.connect()
    con.execute("create schema staging; create schema intermediate")
    frame = pd.DataFrame([{c: contact.get(c) for c in CONTACT_COLUMNS} for contact in contacts], dtype="string")
    con.register("contacts", frame)
    con.execute("create table staging.stg_sales__contacts as select * from contacts")
    con.execute("create table intermediate.int_identity__contact_identifiers_cleaned (contact_id varchar, "
                "email varchar, phone varchar)")
    build_profiles(con)
    cursor = con.execute(f"select * from {PROFILES_TABLE}")
    names = [d[0] for d in cursor.description]
    return {row[0].split(":", 1)[1]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def test_names_fold_across_order_width_script_and_one_field():
    profiles = profiles_of(
        {"contact_id": "a", "first_name": "太郎", "last_name": "山田"},
        {"contact_id": "b", "first_name": "山田", "last_name": "太郎"},
        {"contact_id": "c", "last_name": "山田\u3000太郎"},           # whole name in one field, ideographic space
        {"contact_id": "d", "first_name": "ﾀﾛｳ", "last_name": "ﾔﾏﾀﾞ"},  # half-width katakana
        {"contact_id": "e", "first_name": "たろう", "last_name": "やまだ"},
        {"contact_id": "f", "first_name": "Ｍａｒｙ Ａｎｎ", "last_name": "O'Brien-Smith"},
        {"contact_id": "g", "last_name": "Mary Smith"},                # latin: family name last
    )
    assert {profiles[c]["name_key"] for c in "abc"} == {"太郎 山田"}
    assert profiles["c"]["family_name"] == "山田" and profiles["c"]["given_name"] == "太郎"
    assert profiles["d"]["name_key"] == profiles["e"]["name_key"] == "たろう やまだ"
    assert profiles["f"]["given_name"] == "mary" and profiles["f"]["family_name"] == "obrien smith"
    assert (profiles["g"]["given_name"], profiles["g"]["family_name"]) == ("mary", "smith")


def test_nicknames_sounds_dates_ids_and_addresses_take_comparable_forms():
    profiles = profiles_of(
        {"contact_id": "a", "first_name": "Bill", "last_name": "Smyth", "date_of_birth_raw": "1956-09-03",
         "national_id": "123-45-6789", "address": "12 Hill Street", "address_line_2": "Unit 4",
         "postal_code": "sw1a 1aa", "customer_number": "000000"},
        {"contact_id": "b", "first_name": "William", "last_name": "Smith", "date_of_birth_raw": "19561340",
         "national_id": "12", "address": "12 HILL ST"},
    )
    a, b = profiles["a"], profiles["b"]
    assert "william" in a["given_forms"] and set(a["given_forms"]) & set(b["given_forms"])
    assert a["family_sound"] == b["family_sound"]                 # Smyth and Smith sound alike
    assert (a["dob"], b["dob"]) == ("19560903", "19561340")       # an impossible date is kept as digits
    assert a["national_id"] == "123456789" and b["national_id"] is None       # too short: a placeholder
    assert a["customer_number"] is None                                         # one repeated character
    assert a["address"] == b["address"] == "12 hill st" and a["address_number"] == "12"
    assert sorted(a["address_tokens"]) == ["12", "4", "apt", "hill", "st"]
    assert a["postal_code"] == "SW1A1AA"


def level_of(field: str, left: dict, right: dict) -> str:
    """The label of the level a pair of (partial) profiles falls in, evaluated as Splink's CASE would."""
    _, comparison = probabilistic._comparisons()[field]
    levels = comparison.get_comparison("duckdb").as_dict()["comparison_levels"]
    columns = sorted({*left, *right})
    select = ", ".join([f"{duckdb.ConstantExpression(left.get(c))} as \"{c}_l\"" for c in columns]
                       + [f"{duckdb.ConstantExpression(right.get(c))} as \"{c}_r\"" for c in columns])
    case = " ".join(f"when {level['sql_condition']} then {index}" for index, level in enumerate(levels)
                    if level["sql_condition"] != "ELSE")
    index = duckdb.sql(f"select case {case} else {len(levels) - 1} end from (select {select})").fetchall()[0][0]
    return levels[index]["label_for_charts"]


PERSON = {"given_name": "william", "family_name": "smith", "name_key": "smith william", "given_forms": ["william"],
          "given_sound": "WLM", "family_sound": "SM0", "dob": "19560903", "national_id": "123456789",
          "address": "12 hill st", "address_tokens": ["12", "hill", "st"], "address_number": "12",
          "postal_code": "2000", "city": "sydney", "region": "nsw", "email": "bill@example.com",
          "email_local": "bill", "phone": "+61291234567", "company_key": "acme"}


@pytest.mark.parametrize(("field", "changes", "expected"), [
    ("given_name", {}, "exact"),
    ("given_name", {"given_name": "smith", "family_name": "william"}, "the same name words in another order"),
    ("given_name", {"given_name": "smiht", "family_name": "william"}, "swapped with the family name, nearly the same"),
    ("given_name", {"given_name": "willaim"}, "nearly the same (Jaro-Winkler >= 0.92)"),
    ("given_name", {"given_name": "bill", "given_forms": ["bill", "william"]}, "a nickname of it (Bill, William)"),
    ("given_name", {"given_name": "w", "given_forms": ["w"]}, "initial agrees"),
    ("given_name", {"given_name": "wilhelm", "given_sound": "WLHLM", "given_forms": ["wilhelm"]},
     "similar (Jaro-Winkler >= 0.8 or sounds alike)"),
    ("given_name", {"given_name": "jane", "given_sound": "JN", "given_forms": ["jane"]}, "different"),
    ("given_name", {"given_name": None}, "missing on one side"),
    ("date_of_birth", {}, "exact"),
    ("date_of_birth", {"dob": "19560309"}, "day and month swapped"),
    ("date_of_birth", {"dob": "19650903"}, "one digit mistyped or two swapped"),
    ("date_of_birth", {"dob": "19560908"}, "one digit mistyped or two swapped"),
    ("date_of_birth", {"dob": "19480903"}, "same day and month, other year"),
    ("date_of_birth", {"dob": "19560921"}, "same year and month"),
    ("date_of_birth", {"dob": "19701224"}, "different"),
    ("national_id", {"national_id": "123456798"}, "one digit mistyped or two swapped"),
    ("national_id", {"national_id": "923456781"}, "different"),
    ("email", {}, "exact"),
    ("email", {"email": "bill@other.example"}, "different"),   # namesakes use one user name at two providers
    ("email", {"email": "jbill@example.com", "email_local": "jbill"}, "different"),  # a family's addresses
    ("family_and_address", {}, "same family name and address"),
    ("family_and_address", {"postal_code": "2001", "city": "sydnee"}, "same family name and address"),  # typos
    ("family_and_address", {"family_name": "smyth"}, "similar family name, same address"),
    ("family_and_address", {"address": "9 sea rd", "address_tokens": ["9", "rd", "sea"], "address_number": "9"},
     "same family name, same area"),
    ("family_and_address", {"address": "9 sea rd", "address_tokens": ["9", "rd", "sea"], "address_number": "9",
                            "postal_code": "3150", "city": "melbourne"}, "same family name, elsewhere"),
    ("family_and_address", {"family_name": "jones", "family_sound": "JNS"}, "other family name, same address"),
    ("family_and_address", {"family_name": None, "address": None, "address_tokens": None, "postal_code": None,
                            "city": None}, "missing on one side"),
])
def test_each_comparison_puts_a_pair_in_the_level_it_describes(field, changes, expected):
    other = {**PERSON, **changes}
    if "name_key" not in changes:  # as the profiles derive it: the name words, sorted
        other["name_key"] = " ".join(sorted(w for w in (other["given_name"], other["family_name"]) if w))
    assert level_of(field, PERSON, other) == expected


def test_the_cheap_test_before_the_edit_distance_never_drops_a_one_edit_pair():
    """`_typo` checks lengths and an unchanged prefix or suffix before Damerau-Levenshtein: every single edit
    (substitution, insertion, deletion, transposition) of random strings of 2 to 12 characters still passes."""
    rng = random.Random(3)
    pairs = []
    for _ in range(3000):
        text = "".join(rng.choice("0123456789AB") for _ in range(rng.randint(2, 12)))
        i = rng.randrange(len(text))
        edit = rng.choice(["sub", "ins", "del", "swap"])
        if edit == "sub":
            other = text[:i] + rng.choice("XYZ") + text[i + 1:]
        elif edit == "ins":
            other = text[:i] + "X" + text[i:]
        elif edit == "del":
            other = text[:i] + text[i + 1:]
        else:
            i = min(i, len(text) - 2)
            other = text[:i] + text[i + 1] + text[i] + text[i + 2:]
        pairs.append((text, other))
    con = duckdb.connect()
    con.register("pairs", pd.DataFrame(pairs, columns=["national_id_l", "national_id_r"]))
    kept = con.execute(f"select count(*) from pairs where {probabilistic._typo('national_id')}").fetchall()[0][0]
    assert kept == len(pairs)
