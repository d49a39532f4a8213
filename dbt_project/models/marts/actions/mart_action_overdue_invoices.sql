{#- Invoices to chase: unpaid and past their due date at as_of, with whom to call and how. Definition:
    _service__docs.md (action_overdue_invoice). -#}
with record_customers as (
    select record_key, customer_id from {{ source('identity', 'record_customers') }}
),

overdue as (
    select
        invoice_id,
        order_id,
        issued_at,
        due_date,
        amount,
        currency,
        status,
        {{ dbt.datediff('due_date', as_of_date(), 'day') }} as days_overdue
    from {{ ref('stg_sales__invoices') }}
    where paid_at is null
        and coalesce(status, 'open') not in ('paid', 'void', 'cancelled', 'canceled', 'draft')
        and due_date < {{ as_of_date() }}
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
    {{ fx_to_reporting('overdue.amount', 'fx') }} as amount_reporting,
    '{{ var("reporting_currency") }}' as reporting_currency,
    'Invoice ' || overdue.invoice_id || ' for ' || {{ format_grouped_number('overdue.amount', 2) }} || ' '
        || overdue.currency || ' was due ' || cast(overdue.due_date as {{ dbt.type_string() }}) || ': '
        || cast(overdue.days_overdue as {{ dbt.type_string() }}) || ' days overdue' as reason
from overdue
left join record_customers on record_customers.record_key = 'invoice:' || overdue.invoice_id
left join {{ ref('dim_customers') }} as customers on customers.customer_id = record_customers.customer_id
{{ fx_joins('fx', 'overdue.currency', 'overdue.issued_at') }}
