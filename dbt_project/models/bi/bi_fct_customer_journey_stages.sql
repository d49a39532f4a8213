{{ config(alias='fct_customer_journey_stages') }}
{#- No direct PII in fct_customer_journey_stages: the same rows. -#}
select * from {{ ref('fct_customer_journey_stages') }}
