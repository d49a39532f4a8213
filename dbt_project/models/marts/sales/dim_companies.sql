{#- One row per CRM company. A company's customers are the resolved people of its CRM contacts; its revenue and
    last touch are theirs. -#}
with companies as (
    select * from {{ ref('stg_sales__companies') }}
),
contacts as (
    select
        contacts.company_id,
        contacts.contact_id,
        contacts.job_title,
        {{ is_decision_maker_title('contacts.job_title') }} as is_decision_maker,
        record_customers.customer_id
    from {{ ref('stg_sales__contacts') }} as contacts
    left join {{ ref('stg_identity__record_customers') }} as record_customers
        on record_customers.record_type = 'crm_contact' and record_customers.record_id = contacts.contact_id
    where contacts.company_id is not null
),
contact_summary as (
    select
        company_id,
        count(*) as contact_count,
        count(*) filter (where is_decision_maker) as decision_maker_count,
        count(distinct customer_id) as customer_count,
        {{ sorted_distinct_list('job_title', "', '") }} as contact_titles,
        {{ sorted_distinct_list('case when is_decision_maker then job_title end', "', '") }} as decision_maker_titles
    from contacts
    group by company_id
),
company_customers as (
    select distinct company_id, customer_id from contacts where customer_id is not null
),
revenue as (
    select company_customers.company_id, cast(sum(orders.amount_reporting) as decimal(18, 2)) as revenue_reporting
    from company_customers
    inner join {{ ref('fct_orders') }} as orders on orders.customer_id = company_customers.customer_id
    where orders.is_completed and orders.ordered_at <= {{ as_of_timestamp() }}
    group by company_customers.company_id
),
last_touch as (
    select company_customers.company_id, max(interactions.occurred_at) as last_touch_at
    from company_customers
    inner join {{ ref('fct_interactions') }} as interactions
        on interactions.customer_id = company_customers.customer_id
    where interactions.occurred_at <= {{ as_of_timestamp() }}
    group by company_customers.company_id
),
open_deals as (
    select company_id, count(*) as open_deal_count, cast(sum(amount_reporting) as decimal(18, 2)) as open_deal_amount_reporting
    from {{ ref('fct_deals') }}
    where is_open
    group by company_id
),
owners as (
    select email, full_name from {{ ref('stg_sales__users') }}
)
select
    companies.company_id,
    companies.company_name,
    companies.domain,
    companies.industry,
    companies.employee_count,
    {{ company_size_band('companies.employee_count') }} as company_size_band,
    companies.country_code,
    companies.city,
    companies.owner_email,
    owners.full_name as owner_name,
    coalesce(contact_summary.contact_count, 0) as contact_count,
    coalesce(contact_summary.decision_maker_count, 0) as decision_maker_count,
    contact_summary.contact_titles,
    contact_summary.decision_maker_titles,
    coalesce(contact_summary.customer_count, 0) as customer_count,
    coalesce(open_deals.open_deal_count, 0) as open_deal_count,
    coalesce(open_deals.open_deal_amount_reporting, 0) as open_deal_amount_reporting,
    coalesce(revenue.revenue_reporting, 0) as revenue_reporting,
    '{{ var("reporting_currency") }}' as reporting_currency,
    last_touch.last_touch_at,
    companies.created_at
from companies
left join owners on owners.email = companies.owner_email
left join contact_summary on contact_summary.company_id = companies.company_id
left join revenue on revenue.company_id = companies.company_id
left join last_touch on last_touch.company_id = companies.company_id
left join open_deals on open_deals.company_id = companies.company_id
