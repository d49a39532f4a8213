{{ config(alias='fct_orders') }}
{#- No direct PII in fct_orders: the same rows, so the bi schema answers everything the marts do. -#}
select * from {{ ref('fct_orders') }}
