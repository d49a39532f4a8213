"""Reference data a user brings: monthly FX rates (`reference/fx_rates*.csv`).

The rates add to the project's seed `fx_rates` and replace its rate for the same month and currency
(dbt model int_fx__rates_pivoted_to_usd), so history before the seed's first month, or a treasury's own rates, convert
like any other month. Not a source that delivers on a schedule: no freshness is expected of it.
"""

from ingestion.checks import currency, exchange_rate, month
from ingestion.sources.base import LoadMode, SourceSpec, csv_reader

FX_RATE_COLUMNS = ("rate_month", "currency", "units_per_usd")

SOURCES = [
    SourceSpec(
        name="reference__fx_rates",
        family="reference",
        patterns=("reference/fx_rates*.csv",),
        reader=csv_reader(FX_RATE_COLUMNS, required=FX_RATE_COLUMNS),
        load_mode=LoadMode("replace_by_key", ("rate_month", "currency")),
        row_checks=(*month("rate_month"), *currency("currency", required=True),
                    *exchange_rate("units_per_usd", "currency")),
        delivers_on_schedule=False,
    )
]
