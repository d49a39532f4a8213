{{ config(alias='dim_customer_consents') }}
{#- No direct PII to leave out: customer ids, purposes, statuses and sources. -#}
select * from {{ ref('dim_customer_consents') }}
