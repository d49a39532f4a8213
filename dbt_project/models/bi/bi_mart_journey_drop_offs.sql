{{ config(alias='mart_journey_drop_offs') }}
{#- No direct PII in mart_journey_drop_offs: the same rows. -#}
select * from {{ ref('mart_journey_drop_offs') }}
