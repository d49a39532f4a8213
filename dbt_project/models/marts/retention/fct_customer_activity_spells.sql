{#- Customer churn for a business without subscriptions, defined once: nobody cancels, so a customer has churned
    when they have gone longer without a completed order than the business's customers usually do between
    purchases — more than var('churn_inactivity_days') days (doc kpi_name, customer_churn_rate). With 'auto' the
    threshold is learned from the data: the 90th percentile of the gaps between a customer's consecutive purchase
    days, so nine in ten returning customers came back sooner (rounded up to whole days; with fewer than
    var('churn_min_gaps_to_learn') gaps observed, a year).

    One row per spell: the days a customer is active, from a purchase until the day their silence passes the
    threshold (churned_on) — or still going at as_of (churned_on null). A purchase after churning starts a new spell
    (the customer came back). Only what was known by as_of counts: a churn after as_of has not happened yet. -#}
with purchase_days as (
    select distinct customer_id, order_date
    from {{ ref('fct_orders') }}
    where {{ is_completed_customer_order() }}
),

gaps as (
    select
        customer_id,
        order_date,
        {{ dbt.datediff(
            'lag(order_date) over (partition by customer_id order by order_date)', 'order_date', 'day') }}
            as days_since_previous_purchase
    from purchase_days
),

learned as (
    select
        count(days_since_previous_purchase) as gaps_observed,
        percentile_cont(0.9) within group (order by days_since_previous_purchase) as gap_p90_days
    from gaps
),

threshold as (
    select
        {%- if var('churn_inactivity_days') | string == 'auto' %}
        cast(case when gaps_observed >= {{ var('churn_min_gaps_to_learn') }} then ceil(gap_p90_days) else 365 end
             as integer) as churn_inactivity_days,
        case when gaps_observed >= {{ var('churn_min_gaps_to_learn') }} then 'learned' else 'too_few_gaps' end
            as churn_threshold_basis,
        {%- else %}
        cast({{ var('churn_inactivity_days') }} as integer) as churn_inactivity_days,
        'configured' as churn_threshold_basis,
        {%- endif %}
        cast(gaps_observed as bigint) as purchase_gaps_observed
    from learned
),

spell_breaks as (
    select
        gaps.customer_id,
        gaps.order_date,
        threshold.churn_inactivity_days,
        threshold.churn_threshold_basis,
        threshold.purchase_gaps_observed,
        -- a new spell begins at the first purchase and at any purchase after more than the threshold's silence
        cast(sum(case when gaps.days_since_previous_purchase is null
                        or gaps.days_since_previous_purchase > threshold.churn_inactivity_days then 1 else 0 end)
            over (partition by gaps.customer_id order by gaps.order_date rows unbounded preceding) as bigint)
            as spell_number
    from gaps
    cross join threshold
),

spells as (
    select
        customer_id,
        spell_number,
        min(order_date) as spell_start,
        max(order_date) as last_purchase_date,
        count(*) as purchase_days,
        max(churn_inactivity_days) as churn_inactivity_days,
        max(churn_threshold_basis) as churn_threshold_basis,
        max(purchase_gaps_observed) as purchase_gaps_observed
    from spell_breaks
    group by customer_id, spell_number
)

select
    customer_id,
    spell_number,
    spell_start,
    last_purchase_date,
    purchase_days,
    -- the first day with more than churn_inactivity_days days since the last purchase
    case when {{ dbt.dateadd('day', 'churn_inactivity_days + 1', 'last_purchase_date') }} <= {{ as_of_date() }}
         then cast({{ dbt.dateadd('day', 'churn_inactivity_days + 1', 'last_purchase_date') }} as date)
    end as churned_on,
    churn_inactivity_days,
    churn_threshold_basis,
    purchase_gaps_observed
from spells
