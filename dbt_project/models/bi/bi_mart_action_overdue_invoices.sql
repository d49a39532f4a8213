{{ config(alias='mart_action_overdue_invoices') }}
{#- Without the customer's name, e-mail and phone: the list to chase, minus the contact details. -#}
select
    invoice_id,
    order_id,
    customer_id,
    company_name,
    owner_email,
    issued_at,
    due_date,
    days_overdue,
    status,
    amount,
    currency,
    amount_reporting,
    reporting_currency,
    reason
from {{ ref('mart_action_overdue_invoices') }}
