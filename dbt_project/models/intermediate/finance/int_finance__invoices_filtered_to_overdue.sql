{#- Every invoice that is, or was, overdue: from the day after its due date until the day it was paid. The one
    definition of an overdue invoice (doc action_overdue_invoice): mart_action_overdue_invoices lists those
    overdue at as_of, int_kpis__snapshotted_daily counts them at the end of every day. An invoice paid without a
    known payment time, or voided, cancelled or still a draft, never counts: when that happened is unknown. -#}
with invoices as (
    select
        invoice_id,
        order_id,
        issued_at,
        due_date,
        amount,
        currency,
        status,
        paid_at,
        {{ business_date('paid_at') }} as paid_date
    from {{ ref('stg_sales__invoices') }}
    where due_date is not null
        and (paid_at is not null
            or coalesce(status, 'open') not in ('paid', 'void', 'cancelled', 'canceled', 'draft'))
)

select
    invoices.invoice_id,
    invoices.order_id,
    invoices.issued_at,
    invoices.due_date,
    invoices.amount,
    invoices.currency,
    {{ fx_to_reporting('invoices.amount', 'fx') }} as amount_reporting,
    invoices.status,
    invoices.paid_at,
    cast({{ dbt.dateadd('day', 1, 'invoices.due_date') }} as date) as overdue_from_date,
    invoices.paid_date as overdue_until_date
from invoices
{{ fx_joins('fx', 'invoices.currency', 'invoices.issued_at') }}
{#- paid on or before its due date: never overdue -#}
where invoices.paid_date is null or invoices.paid_date > invoices.due_date
