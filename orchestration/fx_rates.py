"""The FX check between staging and the marts: every amount has a rate for its month, or the build stops.

dbt's first pass builds `int_fx__missing_rates_detected` (the currencies and months some amount needs a rate for and no
rate covers); reading it here turns a build that would convert history to NULL into one line saying what to add.
The dbt test `converted_to_reporting` on the converted columns stays behind it as the backstop.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from common.settings import Settings
from orchestration.errors import CrmError
from orchestration.warehouse import build_connection

MISSING_RATES_MODEL = "intermediate.int_fx__missing_rates_detected"


class MissingFxRates(CrmError):
    """Amounts need FX rates for months no rate covers."""


def month_ranges(months: list[date]) -> list[str]:
    """Months as runs of consecutive months: [1997-01, 1997-02, 1997-04] -> ['1997-01..1997-02', '1997-04']."""
    runs: list[list[date]] = []
    for month in sorted(set(months)):
        if runs and (month.year * 12 + month.month) - (runs[-1][-1].year * 12 + runs[-1][-1].month) == 1:
            runs[-1].append(month)
        else:
            runs.append([month])
    return [f"{run[0]:%Y-%m}" + (f"..{run[-1]:%Y-%m}" if len(run) > 1 else "") for run in runs]


def missing_rates_message(rows: list[tuple[str, date, int]], landing_dir: Path) -> str | None:
    """One line naming the (currency, month, amounts) rows by currency and ranges of months, and how to add
    their rates; None when there are none."""
    if not rows:
        return None
    months: dict[str, list[date]] = {}
    for currency, month, _ in rows:
        months.setdefault(currency, []).append(month)
    missing = ", ".join(f"{currency} {' '.join(month_ranges(found))}" for currency, found in sorted(months.items()))
    amounts = sum(count for *_, count in rows)
    return (f"no FX rate for {missing} ({amounts} amount(s) need them): add the months' rates as a CSV "
            f"rate_month,currency,units_per_usd (YYYY-MM, ISO code, units one US dollar buys) under "
            f"{landing_dir / 'reference'}/ named fx_rates*.csv, then run `crm ingest` and `crm build`")


def check_fx_rates(settings: Settings) -> None:
    """Raise MissingFxRates (one line) when the first dbt pass found amounts without an FX rate."""
    with build_connection(settings.build_db, read_only=True) as con:
        rows = con.execute(
            f"select currency, rate_month, amounts from {MISSING_RATES_MODEL} order by currency, rate_month"
        ).fetchall()
    message = missing_rates_message(rows, settings.landing_dir)
    if message:
        raise MissingFxRates(message)
