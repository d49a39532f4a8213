{{ config(alias='fct_support_tickets') }}
{#- No direct customer PII in fct_support_tickets (staff addresses are the company's own): the same rows. -#}
select * from {{ ref('fct_support_tickets') }}
