"""Row checks: records a loader reads but cannot use are quarantined with a reason a person can act on.

A check is SQL over the staged rows (all text) that flags the bad ones. Checks guard what the warehouse
relies on — keys, times, money — and leave soft problems (an invalid email, a garbage phone) in the row,
where the normalised column is simply NULL.

The check that reads a column as a key, a time or a number also declares it so (`ColumnKind`): the raw quality
suites (quality/suites.py) then check that column of every loaded file the same way, with the spec's `FileRules`
for what no row check states.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from common.sql import sql_identifier

# Exports write local times in these shapes; staging reads exactly these (dbt macro crm_local_timestamp).
CRM_TIMESTAMP_SQL = "try_cast(replace(trim({column}), '/', '-') as timestamp)"
# A month as `YYYY-MM` or any day of it `YYYY-MM-DD`; staging reads exactly these (dbt macro parse_month).
MONTH_SQL = ("try_cast(case when length(trim({column})) = 7 then trim({column}) || '-01' else trim({column}) end "
             "as date)")
# A timestamp this far past the load is a broken clock or a typo, not an event (planned dates are not checked).
MAX_FUTURE = "interval 2 day"
MAX_AMOUNT = 1_000_000_000_000  # absurdly large in any currency, JPY included


Kind = Literal["identifier", "timestamp", "number"]  # an identifier is never empty


@dataclass(frozen=True)
class ColumnKind:
    """What a row check states a column is: the raw quality suites (quality/suites.py) check the same column of
    every loaded file as that kind."""

    column: str
    kind: Kind
    parse_sql: str = ""  # timestamp: SQL reading the column's text as a time


@dataclass(frozen=True)
class RowCheck:
    reason: str
    bad_when: str  # SQL over `_staged`, true for a row to quarantine
    declares: ColumnKind | None = None


@dataclass(frozen=True)
class FileRules:
    """What every loaded file of a raw table must satisfy besides what its row checks declare (keys, times,
    amounts), judged per file by the raw quality suites (quality/suites.py) rather than row by row."""

    columns: tuple[str, ...]              # columns every file must bring
    identifiers: tuple[str, ...] = ()     # never empty, though a row without one is not quarantined
    numbers: tuple[str, ...] = ()         # text that must read as a number when present
    # Currency columns whose every value has FX rates to the reporting currency: a currency without them breaks
    # every converted amount (blocks publishing).
    converted_currencies: tuple[str, ...] = ()
    # column -> (allowed values, severity `block` | `warn`): a new value in a code list is worth a look.
    value_sets: dict[str, tuple[tuple[str, ...], str]] = field(default_factory=dict)


def _present(column: str) -> str:
    return f"nullif(trim({sql_identifier(column)}), '') is not null"


def required(column: str) -> RowCheck:
    return RowCheck(f"{column} is empty: the record has no key", f"nullif(trim({sql_identifier(column)}), '') is null",
                    ColumnKind(column, "identifier"))


def crm_timestamp_sql(column: str) -> str:
    return CRM_TIMESTAMP_SQL.format(column=sql_identifier(column))


def iso_timestamp_sql(column: str) -> str:
    return f"try_cast({sql_identifier(column)} as timestamptz)"


def epoch_timestamp_sql(column: str) -> str:
    return f"to_timestamp(try_cast({sql_identifier(column)} as double))"


def rfc2822_timestamp_sql(column: str) -> str:
    return f"try_strptime({sql_identifier(column)}, '%a, %d %b %Y %H:%M:%S %z')"


def crm_timestamp(column: str, required: bool = False) -> list[RowCheck]:
    parsed = crm_timestamp_sql(column)
    checks = [
        RowCheck(f"{column} is not a date (expected YYYY-MM-DD[ HH:MM[:SS]] or YYYY/MM/DD[ HH:MM])",
                 f"{_present(column)} and {parsed} is null", ColumnKind(column, "timestamp", parsed)),
        RowCheck(f"{column} is in the future: check the exporting system's clock",
                 f"{parsed} > cast(now() as timestamp) + {MAX_FUTURE}"),
    ]
    if required:
        checks.insert(0, RowCheck(f"{column} is empty: the record cannot be placed in time",
                                  f"not {_present(column)}"))
    return checks


def iso_timestamp(column: str) -> list[RowCheck]:
    parsed = iso_timestamp_sql(column)
    return [
        RowCheck(f"{column} is not an ISO 8601 timestamp", f"{_present(column)} and {parsed} is null",
                 ColumnKind(column, "timestamp", parsed)),
        RowCheck(f"{column} is in the future: check the sending system's clock", f"{parsed} > now() + {MAX_FUTURE}"),
    ]


def epoch_timestamp(column: str) -> list[RowCheck]:
    seconds = f"try_cast({sql_identifier(column)} as double)"
    return [
        RowCheck(f"{column} is not a Unix time in seconds", f"{_present(column)} and {seconds} is null",
                 ColumnKind(column, "timestamp", epoch_timestamp_sql(column))),
        RowCheck(f"{column} is in the future: check the sending system's clock",
                 f"{seconds} > epoch(now() + {MAX_FUTURE})"),
    ]


def rfc2822_timestamp(column: str) -> list[RowCheck]:
    parsed = rfc2822_timestamp_sql(column)
    return [
        RowCheck(f"{column} is not an RFC 2822 date", f"{_present(column)} and {parsed} is null",
                 ColumnKind(column, "timestamp", parsed)),
        RowCheck(f"{column} is in the future: check the sending system's clock", f"{parsed} > now() + {MAX_FUTURE}"),
    ]


def amount(column: str, required: bool = False) -> list[RowCheck]:
    value = f"try_cast(replace(trim({sql_identifier(column)}), ',', '') as decimal(38, 4))"
    checks = [
        RowCheck(f"{column} is not a number", f"{_present(column)} and {value} is null", ColumnKind(column, "number")),
        RowCheck(f"{column} is negative", f"{value} < 0"),
        RowCheck(f"{column} is absurdly large (over {MAX_AMOUNT:,})", f"{value} > {MAX_AMOUNT}"),
    ]
    if required:
        checks.insert(0, RowCheck(f"{column} is empty", f"not {_present(column)}"))
    return checks


@cache
def iso_currency_codes() -> tuple[str, ...]:
    from babel.numbers import list_currencies

    return tuple(sorted(code for code in list_currencies() if len(code) == 3))


def currency(column: str, required: bool = False) -> list[RowCheck]:
    codes = ", ".join(f"'{c}'" for c in iso_currency_codes())
    checks = [RowCheck(f"{column} is not an ISO 4217 currency code",
                       f"{_present(column)} and upper(trim({sql_identifier(column)})) not in ({codes})")]
    if required:
        checks.insert(0, RowCheck(f"{column} is empty: the amount has no currency", f"not {_present(column)}"))
    return checks


def month(column: str) -> list[RowCheck]:
    """A required month, written `YYYY-MM` or as any day of it."""
    return [
        RowCheck(f"{column} is empty", f"not {_present(column)}"),
        RowCheck(f"{column} is not a month (expected YYYY-MM or YYYY-MM-DD)",
                 f"{_present(column)} and {MONTH_SQL.format(column=sql_identifier(column))} is null"),
    ]


def exchange_rate(column: str, currency_column: str) -> list[RowCheck]:
    """A required rate in units of the currency per US dollar: a number above 0, and exactly 1 for USD itself."""
    value = f"try_cast(replace(trim({sql_identifier(column)}), ',', '') as double)"
    return [
        RowCheck(f"{column} is empty", f"not {_present(column)}"),
        RowCheck(f"{column} is not a number", f"{_present(column)} and {value} is null"),
        RowCheck(f"{column} is not above 0: a rate is how many units of the currency one US dollar buys",
                 f"{value} <= 0"),
        RowCheck(f"{column} of USD is not 1: one US dollar is one US dollar",
                 f"upper(trim({sql_identifier(currency_column)})) = 'USD' and {value} <> 1"),
    ]


def integer_between(column: str, low: int, high: int, when: str = "true", label: str = "") -> RowCheck:
    value = f"try_cast(trim({sql_identifier(column)}) as integer)"
    return RowCheck(f"{column} is not a whole number from {low} to {high}{label}",
                    f"({when}) and ({value} is null or {value} not between {low} and {high})")
