"""The dashboards' languages: message catalogues (en.py, ja.py) and number, money and date formats per language.

One lookup, `translate`; one function, `value_label`, turns a code from the data (segment, stage, KPI, channel,
country, language …) into what a reader sees: the catalogue's label, a country or language name in the reader's
language (from the CLDR data babel ships), or else the code itself made readable, so a KPI added to the marts shows
up before anyone translates its name.
"""

from __future__ import annotations

import math
from datetime import date, datetime

import pandas as pd
import phonenumbers
from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_skeleton
from babel.numbers import format_compact_decimal, format_currency, format_decimal

from dashboards.i18n import en, ja

CATALOGUES: dict[str, dict[str, str]] = {"en": en.MESSAGES, "ja": ja.MESSAGES}
LANGUAGES = {"en": "English", "ja": "日本語"}
LOCALES = {"en": "en_US", "ja": "ja_JP"}
DEFAULT_LANGUAGE = "en"
MISSING = "–"


def translate(key: str, language: str, **values) -> str:
    """The message `key` in `language` (KeyError if the catalogue lacks it: the catalogue test catches that)."""
    text = CATALOGUES[language][key]
    return text.format(**values) if values else text


def value_label(kind: str, value, language: str) -> str:
    """A label for a value from the data, e.g. value_label("segment", "at_risk"): translated when the catalogue
    knows it; a country code (ISO 3166) or language code (ISO 639, BCP 47) named in `language`; else the value made
    readable ("paid_search" → "Paid search")."""
    if is_missing(value):
        return MISSING
    key = f"{kind}.{value}"
    catalogue = CATALOGUES[language]
    if key in catalogue:
        return catalogue[key]
    named = _cldr_name(kind, str(value), language)
    if named:
        return named
    return str(value).replace("_", " ").capitalize()


def _cldr_name(kind: str, code: str, language: str) -> str | None:
    """A country's or a language's name in `language`, from the CLDR data babel ships (None when unknown)."""
    locale = Locale.parse(LOCALES[language])
    if kind == "country":
        return locale.territories.get(code.upper())
    if kind == "language":
        try:
            return Locale.parse(code.replace("-", "_")).get_display_name(locale)
        except (ValueError, UnknownLocaleError):
            return None
    return None


def is_missing(value) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


class Formats:
    """Numbers, money, percentages and dates as people of `language` write them."""

    def __init__(self, language: str):
        self.language = language
        self.locale = LOCALES[language]

    def number(self, value, decimals: int = 0) -> str:
        if is_missing(value):
            return MISSING
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        return format_decimal(value, format=pattern, locale=self.locale)

    def signed(self, value, decimals: int = 0) -> str:
        if is_missing(value):
            return MISSING
        return ("+" if value > 0 else "") + self.number(value, decimals)

    def compact(self, value) -> str:
        """Large counts shortened the local way: 12.3M in English, 1234.6万 in Japanese."""
        if is_missing(value):
            return MISSING
        if abs(value) < 10_000:
            return self.number(value)
        return format_compact_decimal(value, locale=self.locale, fraction_digits=1)

    def money(self, value, currency: str, decimals: int = 0) -> str:
        if is_missing(value):
            return MISSING
        pattern = "¤#,##0" + ("." + "0" * decimals if decimals else "")
        return format_currency(value, currency, format=pattern, locale=self.locale, currency_digits=False)

    def days(self, value) -> str:
        """A duration in days as whole days (46.11 → 46): fractions of a day mean nothing to the reader."""
        return self.number(value, 0)

    def phone(self, value) -> str:
        """A stored E.164 number (+819012345678) written for reading, the international way (+81 90-1234-5678)."""
        if is_missing(value):
            return MISSING
        try:
            return phonenumbers.format_number(phonenumbers.parse(str(value)),
                                              phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        except phonenumbers.NumberParseException:
            return str(value)

    def percent(self, ratio, decimals: int = 1) -> str:
        """A ratio (0.25) as a percentage."""
        return MISSING if is_missing(ratio) else self.points(100 * ratio, decimals)

    def points(self, value, decimals: int = 1) -> str:
        """A value already in percent (25.0) as a percentage."""
        return MISSING if is_missing(value) else self.number(value, decimals) + "%"

    def date(self, value) -> str:
        if is_missing(value):
            return MISSING
        return format_date(_as_date(value), "medium", locale=self.locale)

    def month(self, value) -> str:
        if is_missing(value):
            return MISSING
        return format_skeleton("yMMM", _as_date(value), locale=self.locale)

    def datetime(self, value) -> str:
        if is_missing(value):
            return MISSING
        moment = pd.Timestamp(value).to_pydatetime()
        return format_datetime(moment, "medium", tzinfo=moment.tzinfo, locale=self.locale)


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return pd.Timestamp(value).date()
