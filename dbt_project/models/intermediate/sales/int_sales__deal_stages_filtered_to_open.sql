{#- Every open stage each deal was in, with the business days it was in it: the history behind the open and
    weighted pipeline at any day's end (int_kpis__snapshotted_daily). A deal is in a stage at the end of day D when
    entered_date <= D and (left_date is NULL or D < left_date); a stage entered and left on the same day never
    counts. Amounts as fct_deals converts them; weighted with the stage's probability like fct_deals. -#}
with stages as (
    select stage_entry_id, deal_id, stage, entered_at, left_at
    from {{ ref('fct_deal_stage_history') }}
    where not is_closed_stage
),

deals as (
    select deal_id, pipeline, amount_reporting from {{ ref('fct_deals') }}
)

select
    stages.stage_entry_id,
    stages.deal_id,
    stages.stage,
    {{ business_date('stages.entered_at') }} as entered_date,
    {{ business_date('stages.left_at') }} as left_date,
    deals.amount_reporting,
    probabilities.probability as stage_probability,
    {{ weighted_amount('deals.amount_reporting', 'probabilities.probability') }} as weighted_amount_reporting
from stages
inner join deals on deals.deal_id = stages.deal_id
left join {{ ref('deal_stage_probabilities') }} as probabilities
    on probabilities.pipeline = deals.pipeline and probabilities.stage = stages.stage
