{#- One row per (customer, value) of an attribute with many values per person (email, phone, address): which
    sources state it, how many records, first and last seen, and is_primary for the golden value (survivorship
    rank 1). The parts of a value (an address's line, postcode, city, country) are those of its best-ranked row. -#}
{% macro customer_contact_points(attribute) -%}
{%- set columns = {
    'email': [('value', 'email'), ('match_key', 'email_match_key')],
    'phone': [('value', 'phone_e164')],
    'address': [('value', 'address_id'), ('detail_1', 'address_line'), ('detail_2', 'postal_code'),
                ('detail_3', 'city'), ('detail_4', 'country_code')],
}[attribute] -%}
with candidates as (
    select * from {{ ref('int_customer__ranked_attributes') }} where attribute = '{{ attribute }}'
),
best_rows as (
    select
        *,
        row_number() over (partition by customer_id, value order by survivorship_rank) as rank_within_value
    from candidates
),
totals as (
    select
        customer_id,
        value,
        {{ sorted_distinct_list('source', "', '") }} as sources,
        cast(sum(record_count) as bigint) as record_count,
        min(first_observed_at) as first_seen_at,
        max(last_observed_at) as last_seen_at,
        max(case when survivorship_rank = 1 then 1 else 0 end) = 1 as is_primary,
        max(case when rule_source = 'shared_mailbox' then 1 else 0 end) = 1 as is_shared_mailbox
    from candidates
    group by customer_id, value
)
select
    best_rows.customer_id,
    {%- for column, name in columns %}
    best_rows.{{ column }} as {{ name }},
    {%- endfor %}
    totals.is_primary,
    {%- if attribute == 'email' %}
    totals.is_shared_mailbox,
    {%- endif %}
    totals.sources,
    totals.record_count,
    totals.first_seen_at,
    totals.last_seen_at
from best_rows
inner join totals on totals.customer_id = best_rows.customer_id and totals.value = best_rows.value
where best_rows.rank_within_value = 1
{%- endmacro %}
