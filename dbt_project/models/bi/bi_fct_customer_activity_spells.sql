{{ config(alias='fct_customer_activity_spells') }}
{#- No direct PII in fct_customer_activity_spells: the same rows, so the bi schema answers everything the marts do. -#}
select * from {{ ref('fct_customer_activity_spells') }}
