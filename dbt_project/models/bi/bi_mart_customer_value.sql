{{ config(alias='mart_customer_value') }}
{#- No direct PII in mart_customer_value: the same rows, so the bi schema answers everything the marts do. -#}
select * from {{ ref('mart_customer_value') }}
