{{ config(alias='fct_deal_stage_history') }}
{#- No direct customer PII in fct_deal_stage_history (staff emails are the company's own): the same rows. -#}
select * from {{ ref('fct_deal_stage_history') }}
