{{ config(alias='mart_nps_monthly') }}
{#- No PII in mart_nps_monthly (staff addresses are the company's own): the same rows. -#}
select * from {{ ref('mart_nps_monthly') }}
