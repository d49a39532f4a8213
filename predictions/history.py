"""A customer's purchase history in the form the lifetime models read, computed by DuckDB from a purchase log.

A purchase is a day with at least one order: several orders on one day are one purchase (of their summed value),
as in the BG/NBD paper's data. For each customer whose first purchase is on or before `calibration_end`:
- x: repeat purchases (purchase days after the first) up to calibration_end;
- t_x: time from the first purchase to the last of those (0 without repeats);
- T: time from the first purchase to calibration_end;
- mean_repeat_value: the mean value of the repeat purchases (NULL without repeats);
- holdout_purchases: purchases after calibration_end up to `holdout_end` (when given), to compare predictions with;
- first_purchase_date, last_purchase_date: the days of the first and the latest purchase up to calibration_end.
Times are in units of `unit_days` days (7: weeks, as in the paper).
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd


def purchase_history(con: duckdb.DuckDBPyConnection, purchases: str, calibration_end: date,
                     holdout_end: date | None = None, unit_days: float = 7.0) -> pd.DataFrame:
    """`purchases`: a table or view name (or a parenthesised query) with columns customer_id, purchase_date (a
    date) and amount. One row per customer, ordered by customer_id."""
    return con.execute(f"""
        with purchase_days as (
            select customer_id, purchase_date, sum(amount) as amount
            from {purchases}
            where purchase_date <= coalesce(?::date, ?::date)
            group by customer_id, purchase_date
        ),
        numbered as (
            select *, min(purchase_date) over (partition by customer_id) as first_purchase_date
            from purchase_days
        )
        select
            customer_id,
            count(*) filter (where purchase_date > first_purchase_date and purchase_date <= ?::date) as x,
            coalesce(max(purchase_date) filter (where purchase_date <= ?::date)
                     - first_purchase_date, 0) / ? as t_x,
            (?::date - first_purchase_date) / ? as "T",
            avg(amount) filter (where purchase_date > first_purchase_date and purchase_date <= ?::date)
                as mean_repeat_value,
            count(*) filter (where purchase_date > ?::date) as holdout_purchases,
            first_purchase_date,
            max(purchase_date) filter (where purchase_date <= ?::date) as last_purchase_date
        from numbered
        group by customer_id, first_purchase_date
        having first_purchase_date <= ?::date
        order by customer_id
    """, [holdout_end, calibration_end, calibration_end, calibration_end, unit_days, calibration_end, unit_days,
          calibration_end, calibration_end, calibration_end, calibration_end]).df()
