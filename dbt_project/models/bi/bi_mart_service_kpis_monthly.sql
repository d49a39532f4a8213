{{ config(alias='mart_service_kpis_monthly') }}
{#- No PII in mart_service_kpis_monthly (staff addresses are the company's own): the same rows. -#}
select * from {{ ref('mart_service_kpis_monthly') }}
