{{ config(alias='mart_customer_segments') }}
{#- No direct PII in mart_customer_segments: the same rows, so the bi schema answers everything the marts do. -#}
select * from {{ ref('mart_customer_segments') }}
