{#- The survivorship engine: every value stated about a customer (int_customer__attribute_candidates_unioned) ranked by
    the rules of seed survivorship_rules, joined on (attribute, rule_source); survivorship_rank = 1 is the golden
    row of each (customer, attribute), which dim_customers shows and the child tables flag as primary. Values that
    are the same for people share a match_key (case, width, Gmail dots folded) and are judged together.

    Order: the matched value's best trust rank; then the rule's tie-breaker (`frequency`: records carrying it,
    `recency`: last observed, `earliest`: first observed, `furthest`: value_order); then value_order (a name
    written out beats initials or all-caps), records and last observation as general tie-breakers; then, within
    the matched value, the best-written spelling, the spelling most records use, the row's own trust and
    observation; finally the value itself, so equal data always gives the same answer.

    Intermediate schema, not published (int_customer__attribute_candidates_unioned says why it lives in this
    folder). -#}

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
from (
    select
        candidates.*,
        rules.trust_rank,
        rules.then_by,
        min(rules.trust_rank) over (partition by candidates.customer_id, candidates.attribute, candidates.match_key)
            as key_trust_rank,
        sum(candidates.record_count) over (
            partition by candidates.customer_id, candidates.attribute, candidates.match_key) as key_record_count,
        min(candidates.first_observed_at) over (
            partition by candidates.customer_id, candidates.attribute, candidates.match_key) as key_first_observed_at,
        max(candidates.last_observed_at) over (
            partition by candidates.customer_id, candidates.attribute, candidates.match_key) as key_last_observed_at,
        max(candidates.value_order) over (
            partition by candidates.customer_id, candidates.attribute, candidates.match_key) as key_value_order,
        sum(candidates.record_count) over (
            partition by candidates.customer_id, candidates.attribute, candidates.value) as value_record_count
    from {{ ref('int_customer__attribute_candidates_unioned') }} as candidates
    left join {{ ref('survivorship_rules') }} as rules
        on rules.attribute = candidates.attribute and rules.source = candidates.rule_source
) as scored
