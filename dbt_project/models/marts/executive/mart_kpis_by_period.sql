{#- Every headline KPI by day, ISO week and month (business time zone), one row per (kpi, period_grain,
    period_start), with the previous period and the baseline. A KPI is either a count or a ratio of two parts. Most
    parts are sums over the period's days (mart_executive_kpis_daily); distinct customers and visitors and
    stocks at the period's end are counted per period (int_kpis__aggregated_by_period). Any period, the baseline
    included, is recomputed from its parts instead of averaging averages. The KPIs are defined here once
    (glossary: the doc blocks kpi_*); mart_goal_progress sets targets on them. -#}
with daily as (
    select * from {{ ref('mart_executive_kpis_daily') }}
    where date_day <= {{ as_of_date() }}
),

kpi_parts as (
    {#- kpi, numerator, denominator (none: a count), multiplier: value = numerator / denominator * multiplier -#}
    {%- set kpis = [
        ('new_leads', 'new_leads', none, 1),
        ('new_customers', 'new_customers', none, 1),
        ('orders_completed', 'orders_completed', none, 1),
        ('revenue', 'revenue_reporting', none, 1),
        ('average_order_value', 'revenue_reporting', 'orders_completed', 1),
        ('email_open_rate', 'marketing_email_opens', 'marketing_emails_delivered', 100),
        ('email_click_rate', 'marketing_email_clicks', 'marketing_emails_delivered', 100),
        ('email_unsubscribe_rate', 'marketing_email_unsubscribes', 'marketing_emails_delivered', 100),
        ('lead_to_customer_rate', 'new_customers', 'new_leads', 100),
        ('deal_win_rate', 'deals_won', 'deals_won + deals_lost', 100),
        ('average_sales_cycle_days', 'won_sales_cycle_days', 'deals_won', 1),
        ('support_tickets', 'support_tickets_opened', none, 1),
        ('average_first_response_minutes', 'first_response_minutes_total', 'support_tickets_responded', 1),
        ('average_resolution_hours', 'resolution_hours_total', 'support_tickets_resolved', 1),
        ('first_contact_resolution_rate', 'first_contact_resolutions', 'support_tickets_resolved', 100),
        ('csat', 'csat_score_total', 'csat_responses', 1),
        ('nps', 'nps_promoters - nps_detractors', 'nps_responses', 100),
        ('calls', 'calls', none, 1),
        ('cart_abandonment_rate', 'carts_abandoned', 'carts_started', 100),
        ('campaign_roi', 'campaign_attributed_revenue_reporting - campaign_cost_reporting', 'campaign_cost_reporting', 100),
    ] %}
    {%- for kpi, numerator, denominator, multiplier in kpis %}
    select
        '{{ kpi }}' as kpi,
        date_day,
        cast({{ numerator }} as double) as numerator,
        cast({{ denominator if denominator else 'null' }} as double) as denominator,
        {{ multiplier }} as multiplier,
        {{ 'false' if denominator else 'true' }} as is_count
    from daily
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

period_kpi_parts as (
    {#- KPIs that are not sums of days, from their parts per period (int_kpis__aggregated_by_period): distinct customers
        and visitors, and stocks at the period's end, which a period's count is (not their sum over its days). -#}
    {%- set period_kpis = [
        ('active_customers', 'active_customers', none, 1),
        ('web_visitors', 'web_visitors', none, 1),
        ('repeat_purchase_rate', 'repeat_customers', 'active_customers', 100),
        ('customer_retention_rate', 'retained_customers', 'previous_period_active_customers', 100),
        ('customer_churn_rate', 'churned_customers', 'customers_active_at_start', 100),
        ('open_pipeline', 'open_pipeline_reporting', none, 1),
        ('weighted_pipeline', 'weighted_pipeline_reporting', none, 1),
        ('overdue_invoices', 'overdue_invoices', none, 1),
        ('overdue_invoice_amount', 'overdue_invoice_amount_reporting', none, 1),
    ] %}
    {%- for kpi, numerator, denominator, multiplier in period_kpis %}
    select
        '{{ kpi }}' as kpi,
        period_grain,
        period_start,
        cast({{ numerator }} as double) as numerator,
        cast({{ denominator if denominator else 'null' }} as double) as denominator,
        {{ multiplier }} as multiplier,
        {{ 'false' if denominator else 'true' }} as is_count
    from {{ ref('int_kpis__aggregated_by_period') }}
    where period_start <= {{ as_of_date() }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

periods as (
    {%- for grain in ['day', 'week', 'month'] %}
    select
        kpi,
        '{{ grain }}' as period_grain,
        cast({{ dbt.date_trunc(grain, 'date_day') }} as date) as period_start,
        sum(numerator) as numerator,
        sum(denominator) as denominator,
        max(multiplier) as multiplier,
        bool_or(is_count) as is_count
    from kpi_parts
    group by 1, 2, 3
    union all
    {%- endfor %}
    select * from period_kpi_parts
),

baseline as (
    {#- The baseline: each KPI over var kpi_baseline_start..kpi_baseline_end, per period of each grain (a count
        per period divides by the number of periods the baseline holds). -#}
    select
        kpi,
        period_grain,
        sum(numerator) as numerator,
        sum(denominator) as denominator,
        count(*) as periods,
        max(multiplier) as multiplier,
        bool_or(is_count) as is_count
    from periods
    where period_start >= cast('{{ var("kpi_baseline_start") }}' as date)
      and period_start <= cast('{{ var("kpi_baseline_end") }}' as date)
    group by 1, 2
),

valued as (
    select
        periods.*,
        case when periods.is_count then periods.numerator
             when periods.denominator <> 0 then periods.numerator / periods.denominator * periods.multiplier
        end as kpi_value,
        {#- A period is complete when it ended before the as-of day. -#}
        {{ period_end('periods.period_grain', 'periods.period_start') }} <= {{ as_of_date() }} as is_complete
    from periods
)

select
    valued.kpi,
    valued.period_grain,
    valued.period_start,
    valued.is_complete,
    valued.numerator,
    valued.denominator,
    valued.kpi_value,
    lag(valued.kpi_value) over (
        partition by valued.kpi, valued.period_grain order by valued.period_start
    ) as previous_kpi_value,
    case when baseline.is_count then baseline.numerator / baseline.periods
         when baseline.denominator <> 0 then baseline.numerator / baseline.denominator * baseline.multiplier
    end as baseline_kpi_value
from valued
left join baseline on baseline.kpi = valued.kpi and baseline.period_grain = valued.period_grain
