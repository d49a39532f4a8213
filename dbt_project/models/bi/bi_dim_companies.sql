{{ config(alias='dim_companies') }}
{#- No direct customer PII in dim_companies (staff emails are the company's own): the same rows. -#}
select * from {{ ref('dim_companies') }}
