{{ config(alias='mart_pipeline_by_close_month') }}
{#- No direct customer PII in mart_pipeline_by_close_month (staff emails are the company's own): the same rows. -#}
select * from {{ ref('mart_pipeline_by_close_month') }}
