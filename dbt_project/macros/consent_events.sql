{#- How far stg_web__consent_bearing_events has read the raw web events: the newest `_loaded_at` of the build that
    last wrote it, in a one-row table beside it. -#}
{% macro consent_events_loaded_until() -%}
    {{ return(this.incorporate(path={"identifier": this.identifier ~ "__loaded_until"})) }}
{%- endmacro %}

{#- Whether this build reads only the events loaded since the last one: an incremental build with the table above
    (a warehouse built before it existed reads everything once). -#}
{% macro consent_events_is_partial() -%}
    {%- if not is_incremental() -%}{{ return(false) }}{%- endif -%}
    {{ return(side_table_exists(consent_events_loaded_until())) }}
{%- endmacro %}

{#- The `_loaded_at` after which the build reads (SQL): the last build's, less the look-back for loads that were
    still being written when it read. -#}
{% macro consent_events_watermark() -%}
    {{ return(less_lookback("(select loaded_until from " ~ consent_events_loaded_until() ~ ")")) }}
{%- endmacro %}

{#- Post-hook: what this build read up to (it ran in the model's transaction, so it saw no later load). An empty raw
    table leaves the earliest time: the next build reads everything. -#}
{% macro consent_events_record_loaded_until() -%}
    create or replace table {{ consent_events_loaded_until() }} as
    select coalesce(max(_loaded_at), cast('1900-01-01 00:00:00' as {{ type_utc_timestamp() }})) as loaded_until
    from {{ source('raw', 'web__segment_events') }}
{%- endmacro %}
