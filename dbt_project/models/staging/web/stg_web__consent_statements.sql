{#- What web visitors stated about consent per purpose, through the keys of var consent.web_keys: Segment's consent
    object (context.consent.categoryPreferences, which a consent platform stamps on every event with its category
    ids), identify traits and form fields (properties). The consent object rides on every event, so only a change
    is a statement: per visitor, purpose and place, the first value seen and each later different one. The events
    that state anything are found by stg_web__consent_bearing_events (incremental: finding them reads every web
    event's JSON); a table, as the model is read three times a build (its two tests, the consent union). -#}
{{ config(materialized='table') }}
{%- set places = [('consent_object', 'context', '$.consent.categoryPreferences.'),
                  ('identify_traits', 'traits', '$.'),
                  ('form_field', 'properties', '$.')] %}
{%- set selects = [] %}
{%- for purpose, keys in var('consent').web_keys.items() %}
    {%- for key in keys %}
        {%- for place, column, prefix in places %}
            {%- do selects.append(
                "select event_id, anonymous_id, user_id, occurred_at, "
                ~ "'" ~ purpose ~ "' as purpose, '" ~ place ~ "' as place, '" ~ key ~ "' as web_key, "
                ~ parse_consent_status(json_text(column, prefix ~ key)) ~ " as is_granted "
                ~ "from source where " ~ json_text(column, prefix ~ key) ~ " is not null") %}
        {%- endfor %}
    {%- endfor %}
{%- endfor %}
with source as (
    select event_id, anonymous_id, user_id, occurred_at, context, traits, properties
    from {{ ref('stg_web__consent_bearing_events') }}
),

stated as (
{%- if selects %}
    {{ selects | join('\n    union all\n    ') }}
{%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as event_id, cast(null as {{ dbt.type_string() }}) as anonymous_id,
        cast(null as {{ dbt.type_string() }}) as user_id, cast(null as {{ type_utc_timestamp() }}) as occurred_at,
        cast(null as {{ dbt.type_string() }}) as purpose, cast(null as {{ dbt.type_string() }}) as place,
        cast(null as {{ dbt.type_string() }}) as web_key, cast(null as boolean) as is_granted
    from source
    where false
{%- endif %}
),

changes as (
    select
        *,
        lag(is_granted) over (partition by coalesce(anonymous_id, user_id), purpose, place
                              order by occurred_at, event_id) as previous_is_granted
    from stated
    where is_granted is not null and occurred_at is not null
)

select
    event_id || '|' || purpose || '|' || place || '|' || web_key as statement_id,
    event_id,
    anonymous_id,
    user_id,
    occurred_at as stated_at,
    purpose,
    place,
    web_key,
    is_granted
from changes
where previous_is_granted is null or previous_is_granted <> is_granted
{%- if var('as_of', none) %}
  and occurred_at <= {{ as_of_timestamp() }}
{%- endif %}
