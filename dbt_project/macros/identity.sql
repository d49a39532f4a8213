{#- The records of `relation` that identity resolution placed, each with the customer_id it resolved to in front of
    the relation's own columns: the rows whose `record_id` (an expression over the relation, aliased `records`)
    is the id of a `record_type` record in stg_identity__record_customers. Records that carry no identifier were
    never resolved and are left out. `only_customers` (a relation with a customer_id column) keeps the records of
    those customers only. -#}
{% macro with_customer_ids(relation, record_type, record_id, only_customers=none) -%}
    select record_customers.customer_id, records.*
    from {{ relation }} as records
    inner join {{ ref('stg_identity__record_customers') }} as record_customers
        on record_customers.record_type = '{{ record_type }}' and record_customers.record_id = {{ record_id }}
    {%- if only_customers %}
    where record_customers.customer_id in (select customer_id from {{ only_customers }})
    {%- endif %}
{%- endmacro %}
