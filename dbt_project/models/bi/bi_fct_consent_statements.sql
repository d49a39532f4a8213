{{ config(alias='fct_consent_statements') }}
{#- No direct PII to leave out: customer ids, purposes, statuses and sources. -#}
select * from {{ ref('fct_consent_statements') }}
