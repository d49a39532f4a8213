{{ config(alias='customer_id_redirects') }}
{#- No direct PII in customer_id_redirects: the same rows, so the bi schema answers everything the marts do. -#}
select * from {{ ref('customer_id_redirects') }}
