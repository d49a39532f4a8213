"""The predictions page: each model's predictions and, next to them, how well the model did on the user's own
history (mart_model_performance, the rows of the latest build in the published file)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboards.queries.serving import run_query

# The rows of a model's latest build: the published file keeps every build's rows (accuracy over time).
MODEL_PERFORMANCE_SQL = """
select metric, segment, value, detail, as_of_date
from marts.mart_model_performance
where model = $model
  and build_id = (select build_id from marts.mart_model_performance where model = $model
                  order by fitted_at desc, build_id limit 1)
order by metric, segment
"""

LIFETIME_SUMMARY_SQL = """
select
    count(*) as customers,
    max(as_of_date) as as_of_date,
    max(reporting_currency) as currency,
    sum(expected_purchases_365d) as expected_purchases_365d,
    sum(clv_12m_reporting) as clv_12m,
    avg(probability_alive) as mean_probability_alive,
    count(*) filter (where churn_risk = 'high') as high_risk_customers
from marts.mart_customer_value
"""

CHURN_RISK_SQL = """
select churn_risk, count(*) as customers, sum(clv_12m_reporting) as clv_12m
from marts.mart_customer_value
group by churn_risk
"""

# The first rows of the action list, in its own order (priority_rank: the 12-month CLV at stake first).
VALUABLE_AT_RISK_SQL = """
select full_name, company_name, clv_12m_reporting, probability_alive, days_since_last_order, usual_order_gap_days,
       monetary_reporting, reporting_currency
from marts.mart_action_high_value_at_risk
order by priority_rank
limit 20
"""


def model_performance(serving_db: Path, model: str) -> pd.DataFrame:
    return run_query(serving_db, MODEL_PERFORMANCE_SQL, {"model": model})


def lifetime_summary(serving_db: Path) -> dict:
    return run_query(serving_db, LIFETIME_SUMMARY_SQL).iloc[0].to_dict()


def churn_risk(serving_db: Path) -> pd.DataFrame:
    return run_query(serving_db, CHURN_RISK_SQL)


def valuable_customers_at_risk(serving_db: Path) -> pd.DataFrame:
    return run_query(serving_db, VALUABLE_AT_RISK_SQL)


LEAD_SUMMARY_SQL = """
select
    count(conversion_probability) as leads_scored,
    count(*) filter (where predictive_band = 'hot') as hot_leads,
    sum(conversion_probability) as expected_conversions
from marts.mart_lead_scores
"""

# The leads most likely to buy, with both scores: the learned probability and the rules' points.
TOP_LEADS_SQL = """
select customers.full_name, customers.company_name, leads.conversion_probability, leads.predictive_band,
       leads.rules_score, leads.predicted_reason_1, leads.predicted_reason_2, leads.predicted_reason_3
from marts.mart_lead_scores as leads
join marts.dim_customers as customers using (customer_id)
where leads.conversion_probability is not null
order by leads.conversion_probability desc, leads.customer_id
limit 20
"""

SALES_FORECAST_SQL = """
select forecast_kind, segment, metric, month, row_kind, currency, value, lower_80, upper_80, lower_95, upper_95,
       model, beats_seasonal_naive, backtest_smape, naive_backtest_smape
from marts.mart_sales_forecast
order by forecast_kind, segment, metric, month
"""


def lead_summary(serving_db: Path) -> dict:
    return run_query(serving_db, LEAD_SUMMARY_SQL).iloc[0].to_dict()


def top_leads(serving_db: Path) -> pd.DataFrame:
    return run_query(serving_db, TOP_LEADS_SQL)


def sales_forecast(serving_db: Path) -> pd.DataFrame:
    return run_query(serving_db, SALES_FORECAST_SQL)
