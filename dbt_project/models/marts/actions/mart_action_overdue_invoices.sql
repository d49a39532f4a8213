{#- Invoices to chase: overdue at as_of (int_finance__invoices_filtered_to_overdue), with whom to call and how.
    Definition: _service__docs.md (action_overdue_invoice). -#}
with record_customers as (
    select record_key, customer_id from {{ ref('stg_identity__record_customers') }}
),

overdue as (
    select
        *,
        {{ dbt.datediff('due_date', as_of_date(), 'day') }} as days_overdue
    from {{ ref('int_finance__invoices_filtered_to_overdue') }}
    where overdue_from_date <= {{ as_of_date() }}
        and (overdue_until_date is null or overdue_until_date > {{ as_of_date() }})
)

select
    overdue.invoice_id,
    overdue.order_id,
    record_customers.customer_id,
    customers.full_name,
    customers.company_name,
    customers.owner_email,
    customers.primary_email,
    customers.primary_phone,
    overdue.issued_at,
    overdue.due_date,
    overdue.days_overdue,
    overdue.status,
    overdue.amount,
    overdue.currency,
    overdue.amount_reporting,
    '{{ var("reporting_currency") }}' as reporting_currency,
    'Invoice ' || overdue.invoice_id || ' for ' || {{ format_grouped_number('overdue.amount', 2) }} || ' '
        || overdue.currency || ' was due ' || cast(overdue.due_date as {{ dbt.type_string() }}) || ': '
        || cast(overdue.days_overdue as {{ dbt.type_string() }}) || ' days overdue' as reason
from overdue
left join record_customers on record_customers.record_key = 'invoice:' || overdue.invoice_id
left join {{ ref('dim_customers') }} as customers on customers.customer_id = record_customers.customer_id
