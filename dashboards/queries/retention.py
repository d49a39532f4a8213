"""The retention page: cohort retention by month or week, and customer churn by month."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboards.queries.serving import run_query

# The cohort mart of each grain; its cohort column is cohort_<grain>.
_COHORT_MARTS = {"month": "mart_retention_cohorts_monthly", "week": "mart_retention_cohorts_weekly"}

RETENTION_SQL = {grain: f"""
    select cohort_{grain} as cohort, period_number, period_start, cohort_customers, customers_active,
           customer_retention_rate, customer_retention_rate_on_or_after, revenue_reporting,
           revenue_retention_rate, is_in_progress
    from marts.{mart}
    order by cohort, period_number""" for grain, mart in _COHORT_MARTS.items()}

# Customer churn by month, as the KPI mart defines it (customer_churn_rate: churned in the month / active at its
# start), with the churn threshold and how it was set (the same on every spell).
CHURN_TREND_SQL = """
select kpis.period_start as month, kpis.numerator as churned, kpis.denominator as at_start,
       kpis.kpi_value / 100 as churn_rate, kpis.is_complete, threshold.churn_inactivity_days,
       threshold.churn_threshold_basis, threshold.purchase_gaps_observed
from marts.mart_kpis_by_period as kpis
cross join (select max(churn_inactivity_days) as churn_inactivity_days,
                   max(churn_threshold_basis) as churn_threshold_basis,
                   max(purchase_gaps_observed) as purchase_gaps_observed
            from marts.fct_customer_activity_spells) as threshold
where kpis.kpi = 'customer_churn_rate' and kpis.period_grain = 'month'
order by kpis.period_start
"""


def retention_cohorts(serving_db: Path, grain: str) -> pd.DataFrame:
    return run_query(serving_db, RETENTION_SQL[grain])


def churn_trend(serving_db: Path) -> pd.DataFrame:
    return run_query(serving_db, CHURN_TREND_SQL)
