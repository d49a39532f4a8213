{{ config(alias='mart_journey_funnel') }}
{#- No direct PII in mart_journey_funnel: the same rows. -#}
select * from {{ ref('mart_journey_funnel') }}
