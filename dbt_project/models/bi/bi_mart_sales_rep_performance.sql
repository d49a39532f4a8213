{{ config(alias='mart_sales_rep_performance') }}
{#- No direct customer PII in mart_sales_rep_performance (staff emails are the company's own): the same rows. -#}
select * from {{ ref('mart_sales_rep_performance') }}
