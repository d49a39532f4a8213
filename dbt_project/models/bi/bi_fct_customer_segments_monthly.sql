{{ config(alias='fct_customer_segments_monthly') }}
{#- No direct PII in fct_customer_segments_monthly: the same rows, so the bi schema answers everything the marts do. -#}
select * from {{ ref('fct_customer_segments_monthly') }}
