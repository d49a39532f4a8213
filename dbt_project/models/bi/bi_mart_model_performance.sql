{{ config(alias='mart_model_performance') }}
{#- No direct PII in mart_model_performance: the same rows, so the bi schema answers everything the marts do. -#}
select * from {{ ref('mart_model_performance') }}
