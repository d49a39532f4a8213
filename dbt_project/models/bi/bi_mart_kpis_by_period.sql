{{ config(alias='mart_kpis_by_period') }}
{#- No direct PII in mart_kpis_by_period: the same rows, so the bi schema answers everything the marts do. -#}
select * from {{ ref('mart_kpis_by_period') }}
