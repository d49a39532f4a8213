{{ config(alias='mart_segment_movement_monthly') }}
{#- No direct PII in mart_segment_movement_monthly: the same rows, so the bi schema answers everything the marts do. -#}
select * from {{ ref('mart_segment_movement_monthly') }}
