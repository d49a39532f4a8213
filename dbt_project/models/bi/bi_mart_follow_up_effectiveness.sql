{{ config(alias='mart_follow_up_effectiveness') }}
{#- No direct customer PII in mart_follow_up_effectiveness (staff emails are the company's own): the same rows. -#}
select * from {{ ref('mart_follow_up_effectiveness') }}
