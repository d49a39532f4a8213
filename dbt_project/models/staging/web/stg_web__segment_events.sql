{#- A table, not a view: several marts read it, and each would otherwise redo the dedupe over every event.
    Incremental: a build after the first dedupes only what was loaded since (macro
    current_rows_since_last_build); an as-of build or `crm build --full-refresh` rebuilds it whole. -#}
{{ config(materialized='incremental', unique_key='event_id', incremental_strategy='merge',
          on_schema_change='sync_all_columns') }}
with source as (
    {{ current_rows_since_last_build('raw', 'web__segment_events') }}
),

staged as (
select
    message_id as event_id,
    lower(type) as event_type,
    coalesce(event, name) as event_name,
    anonymous_id,
    user_id,
    previous_id,
    {{ iso_to_utc('coalesce(' ~ adapter.quote('timestamp') ~ ', received_at, sent_at)') }} as occurred_at,
    page_path,
    page_url,
    page_referrer,
    lower(utm_source) as utm_source,
    lower(utm_medium) as utm_medium,
    utm_campaign,
    form_id,
    cart_id,
    order_id,
    try_cast(coalesce(revenue, total, value) as decimal(18, 2)) as order_value,
    upper(currency) as currency,
    person_email_normalized as email,
    {{ email_match_key('person_email_normalized') }} as email_match_key,
    person_phone_e164 as phone_e164,
    person_name,
    company_name,
    context_locale,
    context_timezone,
    -- The loader reads traits.name / properties.name into person_name: for a group call that is the account's
    -- name, for a Product Added event the product's.
    case when lower(type) = 'group' then person_name end as group_name,
    case when event = 'Product Added' then person_name end as product_name,
    _loaded_at
from source
)

select * from staged
{{ as_of_filter('occurred_at') }}
