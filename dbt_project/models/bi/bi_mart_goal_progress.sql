{{ config(alias='mart_goal_progress') }}
{#- No direct PII in mart_goal_progress: the same rows, so the bi schema answers everything the marts do. -#}
select * from {{ ref('mart_goal_progress') }}
