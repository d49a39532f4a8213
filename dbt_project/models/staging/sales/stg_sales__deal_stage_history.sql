with source as (
    {{ current_rows('raw', 'sales__deal_stage_history') }}
),

staged as (
select
    {{ dbt.hash("trim(deal_id) || '|' || lower(trim(stage)) || '|' || trim(entered_at)") }} as stage_entry_id,
    trim(deal_id) as deal_id,
    lower(trim(stage)) as stage,
    {{ crm_timestamp_to_utc('entered_at') }} as entered_at,
    lower(trim(changed_by)) as changed_by
from source
)

select * from staged
{{ as_of_filter('entered_at') }}
