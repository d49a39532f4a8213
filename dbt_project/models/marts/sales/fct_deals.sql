{#- One row per deal, enriched. Amounts convert with macro fx_to_reporting, at the month a deal
    closed (won revenue is booked then) or, while open, the month it was created. -#}
-- depends_on: {{ ref('stg_sales__deal_stage_history') }}
with crm_deals as (
    select * from {{ ref('stg_sales__deals') }}
),
{%- if var('as_of', none) %}
{#- An as-of build rebuilds each deal as it stood on that date: the CRM export only knows today's stage. A close
    on or before the date stands; otherwise the deal was open, in the last stage its history entered by then. #}
history_as_of as (
    select deal_id, max_by(stage, entered_at) as stage
    from {{ ref('stg_sales__deal_stage_history') }}
    where entered_at <= {{ as_of_timestamp() }}
      and stage not in ('closed_won', 'closed_lost')
    group by deal_id
),
deals_as_of as (
    select
        crm_deals.deal_id, crm_deals.deal_name, crm_deals.contact_id, crm_deals.company_id, crm_deals.owner_email,
        crm_deals.pipeline, crm_deals.amount, crm_deals.currency, crm_deals.created_at, crm_deals.expected_close_date,
        crm_deals.is_closed and crm_deals.closed_at <= {{ as_of_timestamp() }} as closed_by_as_of,
        crm_deals.stage as crm_stage,
        crm_deals.closed_at as crm_closed_at,
        crm_deals.is_won as crm_is_won,
        history_as_of.stage as history_stage
    from crm_deals
    left join history_as_of on history_as_of.deal_id = crm_deals.deal_id
    where crm_deals.created_at <= {{ as_of_timestamp() }}
),
as_of_state as (
    select
        deal_id, deal_name, contact_id, company_id, owner_email, pipeline,
        case when closed_by_as_of then crm_stage else coalesce(history_stage, case when crm_closed_at is null
                                                                              then crm_stage end) end as stage,
        amount, currency, created_at, expected_close_date,
        case when closed_by_as_of then crm_closed_at end as closed_at,
        coalesce(closed_by_as_of, false) as is_closed,
        coalesce(closed_by_as_of and crm_is_won, false) as is_won
    from deals_as_of
),
{%- endif %}
deals as (
    select
        *,
        {{ business_date('created_at') }} as created_date,
        {{ business_date('closed_at') }} as closed_date
    from {% if var('as_of', none) %}as_of_state{% else %}crm_deals{% endif %}
),
deal_customers as (
    select record_id as deal_id, customer_id
    from {{ ref('stg_identity__record_customers') }}
    where record_type = 'deal'
),
owners as (
    select email, full_name, team from {{ ref('stg_sales__users') }}
),
stage_history as (
    select * from {{ ref('fct_deal_stage_history') }}
),
current_stage_entries as (
    select deal_id, max(entered_at) as current_stage_entered_at
    from stage_history
    group by deal_id
),
{#- The 90th percentile of how long deals stayed in a stage before moving on (completed stays only). -#}
stage_duration_p90 as (
    select
        pipeline,
        stage,
        percentile_cont(0.9) within group (order by days_in_stage) as p90_days_in_stage
    from stage_history
    where is_completed_stage
    group by pipeline, stage
),
{#- 1:1 emails (sales or support mailbox) and sales calls with the deal's customer. -#}
customer_activity as (
    select customer_id, max(occurred_at) as last_activity_at
    from {{ ref('fct_interactions') }}
    where customer_id is not null
      and (channel = 'email' or interaction_type = 'sales_call')
      and occurred_at <= {{ as_of_timestamp() }}
    group by customer_id
),
enriched as (
    select
        deals.deal_id,
        deals.deal_name,
        deal_customers.customer_id,
        deals.contact_id,
        deals.company_id,
        deals.owner_email,
        owners.full_name as owner_name,
        owners.team as owner_team,
        deals.pipeline,
        deals.stage,
        stages.stage_order,
        stages.probability as stage_probability,
        deals.is_won,
        deals.is_closed and not deals.is_won as is_lost,
        not deals.is_closed as is_open,
        deals.currency,
        deals.amount,
        '{{ var("reporting_currency") }}' as reporting_currency,
        {{ fx_to_reporting('deals.amount', 'fx') }} as amount_reporting,
        deals.created_at,
        deals.created_date,
        deals.closed_at,
        deals.closed_date,
        deals.expected_close_date,
        cast({{ dbt.date_trunc('month', 'case when deals.is_closed then deals.closed_date '
                                      ~ 'else deals.expected_close_date end') }} as date) as expected_close_month,
        case when deals.is_closed then {{ fractional_days('deals.created_at', 'deals.closed_at') }} end
            as sales_cycle_days,
        coalesce(current_stage_entries.current_stage_entered_at, deals.created_at) as current_stage_entered_at,
        case
            when not deals.is_closed then {{ fractional_days(
                'coalesce(current_stage_entries.current_stage_entered_at, deals.created_at)', as_of_timestamp()) }}
        end as days_in_current_stage,
        stage_duration_p90.p90_days_in_stage as stage_p90_days,
        {#- greatest() returns NULL on Spark when any argument is NULL: coalesce each to the deal's creation. -#}
        greatest(
            deals.created_at,
            coalesce(customer_activity.last_activity_at, deals.created_at),
            coalesce(current_stage_entries.current_stage_entered_at, deals.created_at)
        ) as last_activity_at
    from deals
    left join deal_customers on deal_customers.deal_id = deals.deal_id
    left join owners on owners.email = deals.owner_email
    left join {{ ref('deal_stage_probabilities') }} as stages
        on stages.pipeline = deals.pipeline and stages.stage = deals.stage
    left join current_stage_entries on current_stage_entries.deal_id = deals.deal_id
    left join stage_duration_p90
        on stage_duration_p90.pipeline = deals.pipeline and stage_duration_p90.stage = deals.stage
    left join customer_activity on customer_activity.customer_id = deal_customers.customer_id
    {{ fx_joins('fx', 'deals.currency', 'coalesce(deals.closed_date, deals.created_date)') }}
)
select
    *,
    {{ weighted_amount('amount_reporting', 'stage_probability') }} as weighted_amount_reporting,
    case when is_open then {{ fractional_days('last_activity_at', as_of_timestamp()) }} end as days_since_last_activity,
    is_open and (
        {{ fractional_days('last_activity_at', as_of_timestamp()) }} > {{ var('stalled_after_days') }}
        or coalesce(days_in_current_stage > stage_p90_days, false)
    ) as is_stalled
from enriched
