{#- One row per deal × stage entered. A stage is left when the next one is entered; an open deal's current stage
    runs until the build's as-of moment. Closed stages end the deal, so they have no time in stage. -#}
with entries as (
    select
        history.stage_entry_id,
        history.deal_id,
        history.stage,
        history.entered_at,
        history.changed_by,
        lead(history.stage) over (partition by history.deal_id order by history.entered_at, history.stage)
            as next_stage,
        lead(history.entered_at) over (partition by history.deal_id order by history.entered_at, history.stage)
            as left_at,
        row_number() over (partition by history.deal_id order by history.entered_at, history.stage)
            as stage_sequence
    from {{ ref('stg_sales__deal_stage_history') }} as history
    where history.entered_at <= {{ as_of_timestamp() }}
),
deals as (
    select deal_id, pipeline from {{ ref('stg_sales__deals') }}
)
select
    entries.stage_entry_id,
    entries.deal_id,
    deals.pipeline,
    entries.stage,
    stages.stage_order,
    entries.stage_sequence,
    entries.entered_at,
    entries.left_at,
    entries.next_stage,
    entries.changed_by,
    entries.left_at is null as is_current_stage,
    coalesce(stages.is_closed, false) as is_closed_stage,
    case
        when coalesce(stages.is_closed, false) then null
        else {{ fractional_days('entries.entered_at', 'coalesce(entries.left_at, ' ~ as_of_timestamp() ~ ')') }}
    end as days_in_stage,
    entries.left_at is not null and not coalesce(stages.is_closed, false) as is_completed_stage
from entries
left join deals on deals.deal_id = entries.deal_id
left join {{ ref('deal_stage_probabilities') }} as stages
    on stages.pipeline = deals.pipeline and stages.stage = entries.stage
