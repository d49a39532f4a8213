{{ config(alias='mart_sales_forecast') }}
{#- No PII in mart_sales_forecast (monthly totals by pipeline or country): the same rows. -#}
select * from {{ ref('mart_sales_forecast') }}
