{{ config(alias='mart_retention_cohorts_monthly') }}
{#- No direct PII in mart_retention_cohorts_monthly: the same rows, so the bi schema answers everything the marts do. -#}
select * from {{ ref('mart_retention_cohorts_monthly') }}
