{#- Pseudonymise a direct identifier for the PII-free `bi` schema: a salted hash, so analysts can still count
    and join on it (the same email gives the same value in every bi table) without reading it. The salt
    (var bi_hash_salt, env CRM_BI_HASH_SALT) keeps the hash from being reversed by hashing known addresses;
    set it in production and keep it out of the analysts' reach. -#}
{% macro pii_hash(expression) -%}
    case when {{ expression }} is not null
         then {{ dbt.hash("'" ~ var('bi_hash_salt') ~ "' || " ~ expression) }} end
{%- endmacro %}
