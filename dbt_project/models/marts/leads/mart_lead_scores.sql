{#- The rules-based lead score: one row per lead, the points of seed lead_score_rules summed over the lead's triggers
    (int_leads__triggers_unioned), each decayed by its age at as_of. Definition: _leads__docs.md (lead_rules_score).
    Beside it the predictive score learned from the build's own history (stg_predictions__lead_scores, _leads__docs.md
    lead_predictive_score); NULL where the model made no prediction. -#}
with leads as (
    {#- A lead: a person with a CRM contact (became_lead_at) and no completed order, as dim_customers says. -#}
    select customer_id
    from {{ ref('dim_customers') }}
    where became_lead_at is not null and not is_paying_customer
),

rules as (
    select trigger_kind, points, half_life_days, reason_words from {{ ref('lead_score_rules') }}
),

aged_triggers as (
    select
        triggers.customer_id,
        triggers.trigger_kind,
        triggers.page_word,
        {{ dbt.datediff('triggers.occurred_at', as_of_timestamp(), 'second') }} / 86400.0 as age_days
    from {{ ref('int_leads__triggers_unioned') }} as triggers
    inner join leads on leads.customer_id = triggers.customer_id
),

scored_triggers as (
    select
        aged_triggers.*,
        rules.reason_words,
        {#- points × 0.5 ^ (age in days / half-life): half the points after each half-life; none: no decay -#}
        rules.points * case
            when rules.half_life_days is null then 1.0
            else power(0.5, aged_triggers.age_days / rules.half_life_days)
        end as contribution
    from aged_triggers
    inner join rules on rules.trigger_kind = aged_triggers.trigger_kind
),

{#- One reason per kind of trigger (and intent page word): its occurrences' points together, with the latest. -#}
reasons as (
    select
        customer_id,
        trigger_kind,
        page_word,
        cast(round(sum(contribution), 1) as decimal(18, 1)) as contribution,
        coalesce(page_word || ' ', '') || reason_words
            || case when count(*) > 1 then ' ' || cast(count(*) as {{ dbt.type_string() }}) || ' times, last' else '' end
            || case cast(floor(min(age_days)) as bigint)
                when 0 then ' today'
                when 1 then ' 1 day ago'
                else ' ' || cast(cast(floor(min(age_days)) as bigint) as {{ dbt.type_string() }}) || ' days ago'
            end
            || ' (+' || cast(cast(round(sum(contribution), 1) as decimal(18, 1)) as {{ dbt.type_string() }}) || ')'
            as reason
    from scored_triggers
    group by customer_id, trigger_kind, page_word, reason_words
),

ranked_reasons as (
    select
        *,
        {#- Ties (equal points as shown) go by trigger kind, then page word: the same data, the same order. -#}
        row_number() over (partition by customer_id order by contribution desc, trigger_kind, page_word nulls first)
            as reason_rank
    from reasons
),

scores as (
    select
        customer_id,
        cast(round(sum(contribution), 1) as decimal(18, 1)) as rules_score,
        count(*) as trigger_count
    from scored_triggers
    group by customer_id
),

top_reasons as (
    select
        customer_id,
        max(case when reason_rank = 1 then reason end) as reason_1,
        max(case when reason_rank = 2 then reason end) as reason_2,
        max(case when reason_rank = 3 then reason end) as reason_3
    from ranked_reasons
    where reason_rank <= 3
    group by customer_id
)

select
    leads.customer_id,
    coalesce(scores.rules_score, cast(0 as decimal(18, 1))) as rules_score,
    case
        when coalesce(scores.rules_score, 0) >= {{ var('lead_score_hot_min') }} then 'hot'
        when coalesce(scores.rules_score, 0) >= {{ var('lead_score_warm_min') }} then 'warm'
        else 'cold'
    end as score_band,
    coalesce(scores.trigger_count, 0) as trigger_count,
    top_reasons.reason_1,
    top_reasons.reason_2,
    top_reasons.reason_3,
    predicted.conversion_probability,
    predicted.predictive_band,
    predicted.predicted_reason_1,
    predicted.predicted_reason_2,
    predicted.predicted_reason_3
from leads
left join scores on scores.customer_id = leads.customer_id
left join top_reasons on top_reasons.customer_id = leads.customer_id
left join {{ ref('stg_predictions__lead_scores') }} as predicted on predicted.customer_id = leads.customer_id
