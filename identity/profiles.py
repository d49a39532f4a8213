"""Person profiles: every CRM contact's fields in the forms the match model compares (identity/probabilistic.py).

One row per contact (`unique_id` = its identity record key). Text is folded so that spellings of one value agree:
Unicode NFKC (full-width letters and half-width kana become their usual forms), lower case, katakana folded into
hiragana (ヤマダ = やまだ), punctuation to spaces (apostrophes dropped: O'Brien = obrien). Then:

- names: `given_name` (first word of the given names: a middle name or initial a map joined on stays out) and
  `family_name`. A whole name typed into one field is split: family name first for Japanese or Chinese script,
  last for latin. `name_key` is all name words sorted (a swapped or one-field name gives the same key);
  `given_forms` is the given name with the formal names it is a nickname of (Bill → william, from the published
  `nicknames` dataset), `given_sound` / `family_sound` their Metaphone codes (latin script only; `jellyfish`).
- date of birth: its eight digits YYYYMMDD, also when they are no valid date (a mistyped day still tells a lot).
- national id and customer number: upper case without separators, placeholders (000000, too short) dropped.
- address: the street line with common street-type words shortened (Street = St, Road = Rd: the USPS and Australia
  Post abbreviations), `address_tokens` its words together with the second line's (a unit written on the first
  line or the second agrees), `address_number` its first number (the house number).
- city, region, postcode (upper case, letters and digits only), country, company (legal forms dropped), and the
  email and phone without junk (int_identity__contact_identifiers_cleaned: shared inboxes never make two people look
  alike; a value on many contacts is weighed by how many carry it).

SQL does the work in DuckDB; Python sees only distinct names (nicknames, phonetic codes) and NFKC runs as a
vectorised Arrow function.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

CONTACTS_VIEW = "staging.stg_sales__contacts"
CONTACT_IDENTIFIERS = "intermediate.int_identity__contact_identifiers_cleaned"
PROFILES_TABLE = "_contact_profiles"

# Katakana → hiragana (the blocks are 0x60 apart): ヤマダ and やまだ are one reading.
_KATAKANA = "".join(chr(code) for code in range(0x30A1, 0x30F7))
_HIRAGANA = "".join(chr(code - 0x60) for code in range(0x30A1, 0x30F7))

# Legal-form words that say nothing about which company it is.
_COMPANY_FORMS = (r"\b(inc|incorporated|corp|corporation|co|company|ltd|limited|llc|plc|gmbh|ag|sa|sas|kk)\b"
                  r"|株式会社|有限会社|合同会社|\(株\)")

# Street-type and unit words written out or abbreviated (USPS Publication 28, Australia Post): one form each.
STREET_WORDS = {
    "street": "st", "str": "st", "road": "rd", "avenue": "ave", "av": "ave", "drive": "dr", "drv": "dr",
    "place": "pl", "court": "ct", "crescent": "cres", "cresent": "cres", "lane": "ln", "parade": "pde",
    "close": "cl", "terrace": "tce", "terr": "tce", "circuit": "cct", "boulevard": "blvd", "boul": "blvd",
    "highway": "hwy", "square": "sq", "grove": "gr", "mount": "mt", "north": "n", "south": "s", "east": "e",
    "west": "w", "apartment": "apt", "flat": "apt", "unit": "apt", "suite": "ste", "level": "lvl", "floor": "fl",
    "building": "bldg", "circle": "cir", "way": "way", "parkway": "pkwy", "expressway": "expy", "point": "pt",
}


def _nfkc_lower(values: pa.Array) -> pa.Array:
    return pc.utf8_lower(pc.utf8_normalize(values, "NFKC"))


def _fold_sql(column: str) -> str:
    """NFKC, lower case, kana folded, apostrophes dropped, other punctuation to spaces, spaces collapsed.

    NFKC leaves ASCII text as it is: only text with other characters (bytes > characters) goes to Python."""
    folded = (f"case when strlen({column}) = length({column}) then lower({column}) "
              f"else translate(crm_nfkc_lower({column}), '{_KATAKANA}', '{_HIRAGANA}') end")
    return (f"nullif(trim(regexp_replace(regexp_replace({folded}, '[''’`]', '', 'g'), "
            f"'[^\\p{{L}}\\p{{N}}]+', ' ', 'g')), '')")


def _register_functions(con: duckdb.DuckDBPyConnection) -> None:
    registered = con.execute("select count(*) from duckdb_functions() where function_name = 'crm_nfkc_lower'"
                             ).fetchall()[0][0]
    if not registered:  # a connection keeps it: a second build on the same connection reuses it
        con.create_function("crm_nfkc_lower", _nfkc_lower, [duckdb.sqltype("VARCHAR")], duckdb.sqltype("VARCHAR"),
                            type="arrow", side_effects=False)


def _name_variants(names: list[str]) -> tuple[list[str | None], list[list[str]]]:
    """Metaphone codes and nickname forms of distinct folded given/family names (latin script only)."""
    import jellyfish
    from nicknames import NickNamer

    namer = NickNamer()
    sounds, forms = [], []
    for name in names:
        latin = name.isascii() and name.replace(" ", "").isalpha()
        sounds.append(jellyfish.metaphone(name).replace(" ", "") or None if latin else None)
        forms.append(sorted({name} | (namer.canonicals_of(name) if latin else set())))
    return sounds, forms


def build_profiles(con: duckdb.DuckDBPyConnection, contacts_view: str = CONTACTS_VIEW,
                   contact_identifiers: str = CONTACT_IDENTIFIERS) -> int:
    """(Re)create the temp table PROFILES_TABLE on `con`; returns its row count."""
    _register_functions(con)
    con.execute("create or replace temp table _street_words (word varchar, short varchar)")
    con.executemany("insert into _street_words values (?, ?)", list(STREET_WORDS.items()))
    con.execute(f"""
        create or replace temp table _folded as
        select 'crm_contact:' || c.contact_id as unique_id,
               {_fold_sql('c.first_name')} as given_text,
               {_fold_sql('c.last_name')} as family_text,
               regexp_matches(coalesce(c.first_name, '') || coalesce(c.last_name, ''),
                              '[\\p{{Han}}\\p{{Hiragana}}\\p{{Katakana}}]') as is_cjk,
               {_fold_sql('c.company_name')} as company_text,
               usable.email, usable.phone,
               nullif(regexp_replace(upper(c.postal_code), '[^0-9A-Z]', '', 'g'), '') as postal_code,
               {_fold_sql('c.city')} as city,
               {_fold_sql('c.region')} as region,
               {_fold_sql('c.address')} as address_text,
               {_fold_sql('c.address_line_2')} as address_line_2_text,
               nullif(upper(trim(c.country_code)), '') as country_code,
               case when length(regexp_replace(c.date_of_birth_raw, '[^0-9]', '', 'g')) = 8
                    then regexp_replace(c.date_of_birth_raw, '[^0-9]', '', 'g') end as dob,
               nullif(regexp_replace(upper(c.national_id), '[^0-9A-Z]', '', 'g'), '') as national_id,
               nullif(regexp_replace(upper(c.customer_number), '[^0-9A-Z]', '', 'g'), '') as customer_number
        from {contacts_view} c left join {contact_identifiers} usable using (contact_id)""")
    # A whole name in one field: family name first in Japanese or Chinese script, last in latin script.
    con.execute("""
        create or replace temp table _names as
        select unique_id, is_cjk,
               case when given_text is null and family_text like '% %' then
                        case when is_cjk then string_split(family_text, ' ')[1]
                             else string_split(family_text, ' ')[-1] end
                    when family_text is null and given_text like '% %' then
                        case when is_cjk then string_split(given_text, ' ')[1]
                             else string_split(given_text, ' ')[-1] end
                    else family_text end as family_name,
               case when given_text is null and family_text like '% %' then
                        case when is_cjk then array_to_string(string_split(family_text, ' ')[2:], ' ')
                             else array_to_string(string_split(family_text, ' ')[:-1], ' ') end
                    when family_text is null and given_text like '% %' then
                        case when is_cjk then array_to_string(string_split(given_text, ' ')[2:], ' ')
                             else array_to_string(string_split(given_text, ' ')[:-1], ' ') end
                    else given_text end as given_names,
               nullif(array_to_string(list_sort(string_split(concat_ws(' ', given_text, family_text), ' ')), ' '),
                      '') as name_key
        from _folded""")
    names = con.execute("""select distinct name from (
                               select split_part(given_names, ' ', 1) as name from _names
                               union all select family_name from _names) where name is not null and name <> ''"""
                        ).fetchall()
    distinct_names = [row[0] for row in names]
    sounds, forms = _name_variants(distinct_names)
    con.register("_name_variants_arrow", pa.table({"name": distinct_names, "sound": sounds, "forms": forms}))
    con.execute("create or replace temp table _name_variants as select * from _name_variants_arrow")
    con.unregister("_name_variants_arrow")
    # Street words shortened one way (Street = St) and the house number: word by word, in SQL.
    con.execute("""
        create or replace temp table _addresses as
        with words as (
            select unique_id, line, position, coalesce(w.short, word) as word
            from (select unique_id, 1 as line, unnest(string_split(address_text, ' ')) as word,
                         generate_subscripts(string_split(address_text, ' '), 1) as position
                  from _folded where address_text is not null
                  union all
                  select unique_id, 2, unnest(string_split(address_line_2_text, ' ')),
                         generate_subscripts(string_split(address_line_2_text, ' '), 1)
                  from _folded where address_line_2_text is not null) t
            left join _street_words w using (word)
        )
        select unique_id,
               nullif(string_agg(case when line = 1 then word end, ' ' order by position), '') as address,
               list_sort(list_distinct(list(word))) as address_tokens,
               arg_min(case when line = 1 and regexp_full_match(word, '[0-9]+[a-z]?') then word end,
                       case when line = 1 and regexp_full_match(word, '[0-9]+[a-z]?') then position end)
                   as address_number
        from words group by unique_id""")
    con.execute(f"""
        create or replace temp table {PROFILES_TABLE} as
        select f.unique_id,
               nullif(split_part(n.given_names, ' ', 1), '') as given_name,
               n.family_name,
               n.name_key,
               nullif(left(split_part(n.given_names, ' ', 1), 1), '') as given_initial,
               nullif(left(n.family_name, 1), '') as family_initial,
               gv.sound as given_sound,
               fv.sound as family_sound,
               gv.forms as given_forms,
               f.dob,
               case when length(f.national_id) >= 4 and replace(f.national_id, left(f.national_id, 1), '') <> ''
                    then f.national_id end as national_id,
               case when length(f.customer_number) >= 4
                         and replace(f.customer_number, left(f.customer_number, 1), '') <> ''
                    then f.customer_number end as customer_number,
               f.email, split_part(f.email, '@', 1) as email_local, f.phone,
               nullif(trim(regexp_replace(regexp_replace(f.company_text, '{_COMPANY_FORMS}', ' ', 'g'),
                                          '\\s+', ' ', 'g')), '') as company_key,
               a.address, a.address_tokens, a.address_number,
               f.city, f.region, f.postal_code, f.country_code
        from _folded f
        join _names n using (unique_id)
        left join _addresses a using (unique_id)
        left join _name_variants gv on gv.name = split_part(n.given_names, ' ', 1)
        left join _name_variants fv on fv.name = n.family_name""")
    for table in ("_folded", "_names", "_addresses", "_name_variants", "_street_words"):
        con.execute(f"drop table if exists {table}")
    return con.execute(f"select count(*) from {PROFILES_TABLE}").fetchall()[0][0]
