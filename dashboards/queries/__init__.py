"""All SQL of the dashboards, one module per page (shared: what several pages read), each a set of plain functions
the page calls through dashboards.data.load. Read-only on the published serving file (serving.py).

PAGE_QUERIES lists the queries each page runs (`crm bench dashboards` times them page by page; the page tests
check that a page runs nothing else).
"""

from __future__ import annotations

from collections.abc import Callable

from dashboards.queries import (
    customer_360,
    data_health,
    funnel,
    marketing,
    overview,
    predictions,
    retention,
    sales,
    segments,
    service,
    shared,
)

PAGE_QUERIES: dict[str, tuple[Callable, ...]] = {
    "overview": (shared.date_bounds, overview.kpi_periods, overview.kpi_snapshot, overview.goal_progress,
                 overview.kpi_trend, shared.publication),
    "segments": (shared.filter_options, segments.segment_summary, segments.rfm_grid, segments.segment_movement,
                 segments.segment_customers, segments.segment_consent_counts,
                 segments.segment_export),  # segment_export: when the CSV is downloaded
    "funnel": (shared.filter_options, funnel.funnel_window_days, funnel.funnel, funnel.funnel_drop_offs),
    "retention": (retention.retention_cohorts, retention.churn_trend),
    "sales": (shared.date_bounds, sales.sales_summary, sales.pipeline_by_stage, sales.pipeline_by_close_month,
              sales.stalled_deals, sales.rep_leaderboard),
    "marketing": (shared.date_bounds, shared.filter_options, marketing.campaigns, marketing.acquisition_channels),
    "service": (shared.date_bounds, shared.filter_options, service.service_summary, service.service_trend,
                service.service_by_agent, service.nps_trend),
    "predictions": (predictions.model_performance, predictions.lifetime_summary, predictions.churn_risk,
                    predictions.valuable_customers_at_risk, predictions.lead_summary, predictions.top_leads,
                    predictions.sales_forecast),
    "customer_360": (customer_360.search_customers, customer_360.search_companies, customer_360.customer_profile,
                     customer_360.customer_contact_points, customer_360.customer_consents,
                     customer_360.customer_consent_history, customer_360.customer_possible_matches,
                     customer_360.customer_timeline, customer_360.company_profile, customer_360.company_contacts,
                     customer_360.company_open_deals, customer_360.company_last_touches),
    "data_health": (data_health.loads_by_source, data_health.quality_results, data_health.blocking_failures,
                    data_health.builds, data_health.source_freshness, shared.publication),
}
