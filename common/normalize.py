"""Normalisers for the identifiers people are matched on: names, emails and phone numbers (with the country a
number is read in).

Shared by the loaders (which store the normalised value next to the raw one, calling these once per distinct
value), by customer lookup (what people type is compared in the same form) and by the tests. Each normaliser
takes one raw value and returns the normalised value or None. The match key two addresses of one mailbox share
(Gmail dots) is defined once, in dbt (macro email_match_key).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import phonenumbers
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

from common.sql import sql_literal

_WHITESPACE = re.compile(r"\s+")


def nfkc(text: str | None) -> str | None:
    """Unicode NFKC with whitespace folded: full-width letters/digits become ASCII, ideographic spaces spaces."""
    if text is None:
        return None
    folded = _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", str(text))).strip()
    return folded or None


def normalize_name(name: str | None) -> str | None:
    """A name for comparison: NFKC, case-folded, single spaces. Script (kanji, kana, latin) is kept."""
    value = nfkc(name)
    return value.casefold() if value else None


@lru_cache(maxsize=262_144)
def normalize_email(raw: str | None) -> str | None:
    """A syntactically valid address, NFKC-folded and lower-cased; None when it is not an address.

    Case is folded in the local part too: no mail system in practice treats `Taro@` and `taro@` apart, and CRM
    users re-type addresses in any case.
    """
    value = nfkc(raw)
    if not value:
        return None
    value = value.strip("<>\"' ").lower()
    try:
        checked = validate_email(value, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError:
        return None
    return checked.normalized.lower()


# The shape nearly every real address has: ASCII dot-atom local part, ASCII host names, a letters-only TLD.
# For these, normalize_email returns the trimmed, lower-cased input; DuckDB decides that for all rows at once
# and only the rest go through email-validator (contacts: 2.4 s -> see docs/benchmarks.md). Anything unusual
# (quotes, IDN, "--", special-use names, unusual lengths) takes the Python path, so the two cannot disagree;
# tests/unit/test_normalize.py checks the equivalence on the generator's addresses and on edge cases.
_SIMPLE_EMAIL_REGEX = r"^[a-z0-9_+-]+(\.[a-z0-9_+-]+)*@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}$"


def simple_email_sql(column_sql: str) -> str:
    """SQL giving normalize_email's result for a simple address, NULL when the address needs email-validator."""
    value = f"lower(trim({column_sql}))"
    special_use = " or ".join(
        f"{value} like '%@{name}' or {value} like '%.{name}'" for name in SPECIAL_USE_DOMAIN_NAMES
    )
    return (
        f"case when regexp_full_match({value}, '{_SIMPLE_EMAIL_REGEX}') and length({value}) <= 254"
        f" and length(split_part({value}, '@', 1)) <= 64 and split_part({value}, '@', 2) not like '%--%'"
        f" and not ({special_use}) then {value} end"
    )


# The shapes most numbers in exports take, whose E.164 form is the country code and the national digits:
# NANP `+1 212 555 0147`, `+12125550147`, and in the US `(212) 555-0147`, `212-555-0147`, `212.555.0147` (an
# area code not starting with 0 or 1, which would be the national prefix); Japanese mobiles `090-1234-5678`,
# `09012345678` in Japan (national prefix 0 dropped) and `+81 90-1234-5678`, `+819012345678` anywhere; mobiles
# of the UK (`07911 123456`: 10 national digits), France (`06 12 34 56 78`: 9) and Germany (`0171 1234567`,
# `0151/12345678`: 10-11). For libphonenumber each is a possible number with exactly that E.164 form, so it need
# not parse them (~20-25 µs each). Anything else takes the libphonenumber path; tests/unit/test_normalize.py
# checks that all paths agree. The patterns mean the same to Python's `re` (ASCII) and DuckDB's RE2 (no
# backreferences), so the loaders can apply them in SQL (simple_phone_sql) to every row at once.
# (region the shape needs or None, pattern, country code, digits before the national number: `+1`, `0`, ...)
_SIMPLE_PHONE_SHAPES = [
    (None, r"\+1 ?[2-9]\d\d ?\d{3} ?\d{4}", "+1", 1),
    ("US", r"\([2-9]\d\d\) \d{3}-\d{4}|[2-9]\d\d-\d{3}-\d{4}|[2-9]\d\d\.\d{3}\.\d{4}", "+1", 0),
    (None, r"\+81 ?[789]0-?\d{4}-?\d{4}", "+81", 2),
    ("JP", r"0[789]0-?\d{4}-?\d{4}", "+81", 1),
    (None, r"\+44 ?7\d{3} ?\d{6}", "+44", 2),
    ("GB", r"07\d{3} ?\d{6}", "+44", 1),
    (None, r"\+33 ?[67] ?\d\d ?\d\d ?\d\d ?\d\d", "+33", 2),
    ("FR", r"0[67] ?\d\d ?\d\d ?\d\d ?\d\d", "+33", 1),
    (None, r"\+49 ?1[5-7]\d[ /]?\d{7,8}", "+49", 2),
    ("DE", r"01[5-7]\d[ /]?\d{7,8}", "+49", 1),
]
_SIMPLE_PHONE_PATTERNS = [re.compile(pattern, re.ASCII) for _, pattern, _, _ in _SIMPLE_PHONE_SHAPES]
_NON_DIGITS = re.compile(r"\D", re.ASCII)
# Digits people type into forms and CRMs when they have nothing real to enter: these, or one digit repeated.
_PLACEHOLDER_DIGITS = ("0123456789", "1234567890")
_PLACEHOLDER_PHONE_DIGITS = re.compile(r"(\d)\1+|" + "|".join(_PLACEHOLDER_DIGITS))  # also in simple_phone_sql


def _simple_e164(value: str, region: str) -> str | None:
    """E.164 for a number in one of the simple shapes above, else None: libphonenumber decides."""
    for (shape_region, _, country_code, prefix_digits), pattern in zip(_SIMPLE_PHONE_SHAPES, _SIMPLE_PHONE_PATTERNS,
                                                                       strict=True):
        if shape_region in (None, region) and pattern.fullmatch(value):
            return country_code + _NON_DIGITS.sub("", value)[prefix_digits:]
    return None


def simple_phone_sql(value_sql: str, region_sql: str) -> str:
    """SQL giving normalize_phone's result for a number in a simple shape (value as written, without stray
    spaces; region an upper-case ISO country), NULL when the number needs the Python path."""
    digits = f"regexp_replace({value_sql}, '[^0-9]', '', 'g')"
    cases = " ".join(
        f"when {f'{region_sql} = {sql_literal(shape_region)} and ' if shape_region else ''}"
        f"regexp_full_match({value_sql}, {sql_literal(f'(?:{pattern})')}) "
        f"then {sql_literal(country_code)} || substr({digits}, {prefix_digits + 1})"
        for shape_region, pattern, country_code, prefix_digits in _SIMPLE_PHONE_SHAPES)
    # Placeholders (`222-222-2222`) are no number: left to the Python path, which says so.
    placeholder = (f"{digits} in ({', '.join(map(sql_literal, _PLACEHOLDER_DIGITS))}) "
                   f"or replace({digits}, left({digits}, 1), '') = ''")
    return f"case when {placeholder} then null {cases} end"


@lru_cache(maxsize=262_144)
def normalize_phone(raw: str | None, default_region: str | None = "US") -> str | None:
    """E.164 (`+819012345678`) for a possible number, else None.

    `default_region` is used only for numbers written without a country code (`090-1234-5678`); numbers
    dialled with an international prefix (`+81…`, `00 81…`, `010 81…`) keep their own country.
    """
    value = nfkc(raw)
    if not value:
        return None
    digits = re.sub(r"\D", "", value)
    if len(digits) < 6 or _PLACEHOLDER_PHONE_DIGITS.fullmatch(digits):
        return None
    region = (default_region or "US").upper()
    return _simple_e164(value, region) or _libphonenumber_e164(value, region)


def _libphonenumber_e164(value: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)



def is_phone_region(code: str) -> bool:
    """Whether `code` (upper case) is a country numbers can be read in, e.g. JP, US, GB."""
    return code in phonenumbers.SUPPORTED_REGIONS


def phone_region(hint: str | None, fallback: str) -> str:
    """The country to read a number in from a country column (`JP`) or a locale (`ja-JP`, `en_GB`), else the
    fallback."""
    country = (hint or "").strip().replace("_", "-").split("-")[-1].upper()
    return country if is_phone_region(country) else fallback


def phone_region_sql(hint_sql: str, fallback: str) -> str:
    """phone_region in SQL for the hints it is sure of (none, `JP`, `ja-JP`, `en_GB`); NULL: ask phone_region."""
    country = f"upper(right({hint_sql}, 2))"
    supported = ", ".join(sql_literal(code) for code in sorted(phonenumbers.SUPPORTED_REGIONS))
    return (f"case when {hint_sql} is null then {sql_literal(fallback)} "
            f"when regexp_full_match({hint_sql}, '[A-Za-z]{{2}}|[A-Za-z]{{2,3}}[-_][A-Za-z]{{2}}') "
            f"then case when {country} in ({supported}) then {country} else {sql_literal(fallback)} end end")
