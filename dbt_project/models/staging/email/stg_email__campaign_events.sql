{#- A table, not a view: several marts read it, and each would otherwise redo the dedupe over every event.
    Incremental: a build after the first dedupes only what was loaded since (macro
    current_rows_since_last_build); an as-of build or `crm build --full-refresh` rebuilds it whole. -#}
{{ config(materialized='incremental', unique_key='event_id', incremental_strategy='merge',
          on_schema_change='sync_all_columns') }}
with source as (
    {{ current_rows_since_last_build('raw', 'email__campaign_events') }}
),

staged as (
select
    sg_event_id as event_id,
    sg_message_id as esp_message_id,
    lower(event) as event_type,
    email as email_raw,
    email_normalized as email,
    {{ email_match_key('email_normalized') }} as email_match_key,
    {{ epoch_to_utc(adapter.quote('timestamp')) }} as occurred_at,
    marketing_campaign_id as campaign_id,
    marketing_campaign_name as campaign_name,
    url,
    bounce_type,
    _loaded_at
from source
)

select * from staged
{{ as_of_filter('occurred_at') }}
