{{ config(alias='mart_executive_kpis_daily') }}
{#- No direct PII in mart_executive_kpis_daily: the same rows, so the bi schema answers everything the marts do. -#}
select * from {{ ref('mart_executive_kpis_daily') }}
