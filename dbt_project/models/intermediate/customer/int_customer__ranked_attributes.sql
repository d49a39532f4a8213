{#- The survivorship engine: every value stated about a customer (int_customer__attribute_candidates_unioned) ranked by
    the rules of seed survivorship_rules, joined on (attribute, rule_source); survivorship_rank = 1 is the golden
    row of each (customer, attribute), which dim_customers shows and the child tables flag as primary. Values that
    are the same for people share a match_key (case, width, Gmail dots folded) and are judged together.

    Order: the matched value's best trust rank; then the rule's tie-breaker (`frequency`: records carrying it,
    `recency`: last observed, `earliest`: first observed, `furthest`: value_order); then value_order (a name
    written out beats initials or all-caps), records and last observation as general tie-breakers; then, within
    the matched value, the best-written spelling, the spelling most records use, the row's own trust and
    observation; finally the value itself, so equal data always gives the same answer.

    The figures per matched value and per value are aggregates joined back rather than window functions: each
    window partitioned differently sorts every (wide) row again, and at 13.4 M candidates (1,000,000 people) the
    three windows took 86.5 s against 37.4 s this way, with equal ranks.

    Incremental, one customer at a time: a build after the first rebuilds the customers whose candidates were
    written since its last one and those left without any (macros/customer_attributes.sql); the rows keep their
    candidates' `_changed_at`. After changing the seed survivorship_rules, run `crm build --full-refresh`.

    Intermediate schema, not published (int_customer__attribute_candidates_unioned says why it lives in this
    folder). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook=["{{ ranked_attributes_select_customers_to_rebuild() }}",
              "{{ delete_customers_to_rebuild(rebuilds_some_customers()) }}"],
    post_hook=["{{ drop_customers_to_rebuild(rebuilds_some_customers()) }}"],
) }}

with candidates as (
    select * from {{ ref('int_customer__attribute_candidates_unioned') }}
    {%- if rebuilds_some_customers() %}
    where customer_id in (select customer_id from {{ customers_to_rebuild() }})
    {%- endif %}
),

by_match_key as (
    select
        candidates.customer_id,
        candidates.attribute,
        candidates.match_key,
        min(rules.trust_rank) as key_trust_rank,
        sum(record_count) as key_record_count,
        min(first_observed_at) as key_first_observed_at,
        max(last_observed_at) as key_last_observed_at,
        max(value_order) as key_value_order
    from candidates
    left join {{ ref('survivorship_rules') }} as rules
        on rules.attribute = candidates.attribute and rules.source = candidates.rule_source
    group by candidates.customer_id, candidates.attribute, candidates.match_key
),

by_value as (
    select customer_id, attribute, value, sum(record_count) as value_record_count
    from candidates
    group by customer_id, attribute, value
),

scored as (
    select
        candidates.*,
        rules.trust_rank,
        rules.then_by,
        by_match_key.key_trust_rank,
        by_match_key.key_record_count,
        by_match_key.key_first_observed_at,
        by_match_key.key_last_observed_at,
        by_match_key.key_value_order,
        by_value.value_record_count
    from candidates
    left join {{ ref('survivorship_rules') }} as rules
        on rules.attribute = candidates.attribute and rules.source = candidates.rule_source
    inner join by_match_key
        on by_match_key.customer_id = candidates.customer_id
        and by_match_key.attribute = candidates.attribute
        and by_match_key.match_key is not distinct from candidates.match_key
    inner join by_value
        on by_value.customer_id = candidates.customer_id
        and by_value.attribute = candidates.attribute
        and by_value.value = candidates.value
)

select
    scored.*,
    row_number() over (
        partition by scored.customer_id, scored.attribute
        order by
            scored.key_trust_rank asc nulls last,
            case when scored.then_by = 'frequency' then scored.key_record_count end desc nulls last,
            case when scored.then_by = 'recency' then scored.key_last_observed_at end desc nulls last,
            case when scored.then_by = 'earliest' then scored.key_first_observed_at end asc nulls last,
            case when scored.then_by = 'furthest' then scored.key_value_order end desc nulls last,
            scored.key_value_order desc nulls last,
            scored.key_record_count desc,
            scored.key_last_observed_at desc nulls last,
            scored.value_order desc nulls last,
            scored.value_record_count desc,
            scored.trust_rank asc nulls last,
            case when scored.then_by = 'earliest' then scored.first_observed_at end asc nulls last,
            scored.last_observed_at desc nulls last,
            scored.value asc,
            scored.source asc,
            scored.detail_1 asc nulls last,
            scored.detail_2 asc nulls last,
            scored.detail_3 asc nulls last,
            scored.detail_4 asc nulls last
    ) as survivorship_rank
from scored
