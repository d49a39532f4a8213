{{ config(alias='mart_campaign_performance') }}
{#- No direct PII in mart_campaign_performance: the same rows, so the bi schema answers everything the marts do. -#}
select * from {{ ref('mart_campaign_performance') }}
