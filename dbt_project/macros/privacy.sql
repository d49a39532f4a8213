{#- Pseudonymise a direct identifier for the PII-free `bi` schema: a salted hash, so analysts can still count
    and join on it (the same email gives the same value in every bi table) without reading it. The salt
    (environment variable CRM_BI_HASH_SALT) keeps the hash from being reversed by hashing known addresses;
    set it in production and keep it out of the analysts' reach. A secret, so it reaches dbt through the
    environment, never as a var: dbt and Dagster log a command's --vars. -#}
{% macro pii_hash(expression) -%}
    case when {{ expression }} is not null
         then {{ dbt.hash("'" ~ env_var('CRM_BI_HASH_SALT', '') ~ "' || " ~ expression) }} end
{%- endmacro %}

{#- True for a customer the predictions may profile: everyone, unless crm.toml's [consent]
    honour_profiling_objections is on (the default) and the customer objected to profiling (dim_customer_consents). -#}
{% macro allows_profiling(customer_id) -%}
    {%- if var('consent').honour_profiling_objections -%}
        {{ customer_id }} not in (select customer_id from {{ ref('dim_customer_consents') }}
                                  where purpose = 'profiling' and not is_granted)
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
