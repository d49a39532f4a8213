{{ config(alias='mart_pipeline_coverage') }}
{#- No customer PII in mart_pipeline_coverage: the same rows. -#}
select * from {{ ref('mart_pipeline_coverage') }}
