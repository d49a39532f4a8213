{#- The web events that state consent (stg_web__consent_statements reads them): every event some version of which
    carries Segment's consent object or one of var consent.web_keys in its traits or properties, one row per event
    with its current version's visitor, time and the three places' JSON text.

    Finding them reads every web event's JSON, 31 s at a million people even where none states consent, so the model
    is incremental: a build after the first reads only the events loaded since the last build (less the look-back,
    var incremental_lookback_days), merged by event_id. An event already here whose new version states nothing is
    kept with that version (the statements read nothing from it). How far the last build read is kept in a table of
    its own (macro consent_events_loaded_until): the model's rows cannot tell, as it may hold none at all. The first
    build, `crm build --full-refresh` and an as-of build read every event. -#}
{{ config(materialized='incremental', unique_key='event_id', incremental_strategy='merge',
          on_schema_change='sync_all_columns',
          post_hook=["{{ consent_events_record_loaded_until() }}"]) }}
{%- set mentions = [json_text('context', '$.consent.categoryPreferences') ~ ' is not null'] %}
{%- for keys in var('consent').web_keys.values() %}{% for key in keys %}
    {%- do mentions.append("traits like '%\"" ~ key ~ "\"%'") %}
    {%- do mentions.append("properties like '%\"" ~ key ~ "\"%'") %}
{%- endfor %}{% endfor %}
{%- set partial = consent_events_is_partial() %}
with source as (
{%- if partial %}
    {#- Every version of the events loaded since is ranked, so an event's current version is the one a full build
        takes; only those few events' JSON is read. #}
    {{ current_rows('raw', 'web__segment_events', keys_where="_loaded_at > " ~ consent_events_watermark()) }}
{%- else %}
    {#- Most events state no consent: only events carrying a consent object or one of the keys are read (a key's
        text in traits or properties first, then its value parsed, in stg_web__consent_statements). #}
    {{ current_rows('raw', 'web__segment_events', keys_where=mentions | join(' or ')) }}
{%- endif %}
)

select
    message_id as event_id,
    coalesce(previous_id, anonymous_id) as anonymous_id,
    user_id,
    {{ iso_to_utc('coalesce(' ~ adapter.quote('timestamp') ~ ', received_at, sent_at)') }} as occurred_at,
    context,
    traits,
    properties,
    _loaded_at
from source
where ({{ mentions | join(' or ') }})
{%- if partial %}
   or message_id in (select event_id from {{ this }})
{%- endif %}
