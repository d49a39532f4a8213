{#- Every source record that can name a person, with the identifiers it carries, one row per identifier.
    The identity step connects records through shared identifiers. Identifiers that cannot single out one
    person never join records: the company's own addresses, shared mailboxes (info@, sales@…), placeholder
    values (test@…, an anonymousId of "undefined"; placeholder phone numbers never normalise, see
    common/normalize.py), and emails or phones carried by more CRM contacts than
    var('max_contacts_per_identifier').
    A national id or customer number names one person wherever it appears, however many times a messy list holds
    that person, so no count limits it; numbers too short to be real or made of one repeated character (000000)
    are placeholders and never join anyone.

    Incremental, one record at a time (macros/record_identifiers.sql): a build after the first rebuilds the CRM's
    records whole and the event records with a source row loaded since. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook=["{{ identifiers_count_shared() }}", "{{ identifiers_select_records_to_rebuild() }}",
              "{{ identifiers_delete_rebuilt() }}"],
    post_hook=["{{ identifiers_keep_shared() }}", "{{ identifiers_drop_records_to_rebuild() }}",
               "{{ identifiers_drop_shared_now() }}"],
) }}
{%- set partial = identifiers_is_partial() %}
with records as (
    select 'crm_contact' as record_type, contact_id as record_id, created_at as seen_at,
           contact_id, email_match_key as email, phone_e164 as phone, cast(null as {{ dbt.type_string() }}) as anonymous_id,
           {{ person_number_key('national_id') }} as national_id,
           {{ person_number_key('customer_number') }} as customer_number
    from {{ ref('stg_sales__contacts') }}
    union all
    select 'order', order_id, ordered_at, contact_id, customer_email_match_key, null, null, null, null
    from {{ ref('stg_sales__orders') }}
    union all
    select 'invoice', invoice_id, issued_at, contact_id, null, null, null, null, null
    from {{ ref('stg_sales__invoices') }}
    union all
    select 'deal', deal_id, created_at, contact_id, null, null, null, null, null
    from {{ ref('stg_sales__deals') }}
    union all
    select 'survey_response', response_id, submitted_at, contact_id, email_match_key, null, null, null, null
    from {{ ref('stg_surveys__responses') }}
    union all
    select 'campaign_member', member_id, coalesce(registered_at, attended_at), contact_id, email_match_key,
           null, null, null, null
    from {{ ref('stg_sales__campaign_members') }}
    union all
    select 'email_message', message_id, sent_at, null, counterpart_email_match_key, null, null, null, null
    from {{ ref('stg_email__messages') }}
    {%- if partial %}
    where {{ identifiers_rebuilt_only('email_message', 'message_id') }}
    {%- endif %}
    union all
    select 'esp_message', esp_message_id, min(occurred_at), null, max(email_match_key), null, null, null, null
    from {{ ref('stg_email__campaign_events') }}
    {%- if partial %}
    where {{ identifiers_rebuilt_only('esp_message', 'esp_message_id') }}
    {%- endif %}
    group by esp_message_id
    union all
    select 'asterisk_call', call_id, started_at, null, null, customer_phone_e164, null, null, null
    from {{ ref('stg_phone__asterisk_cdr') }}
    {%- if partial %}
    where {{ identifiers_rebuilt_only('asterisk_call', 'call_id') }}
    {%- endif %}
    union all
    select 'twilio_call', call_id, started_at, null, null, customer_phone_e164, null, null, null
    from {{ ref('stg_phone__twilio_calls') }}
    {%- if partial %}
    where {{ identifiers_rebuilt_only('twilio_call', 'call_id') }}
    {%- endif %}
    union all
    {# A web visitor (anonymousId) with what it told us: identify/alias userId (the CRM contact id),
       form and identify emails and phones. #}
    select 'web_anonymous', coalesce(previous_id, anonymous_id), occurred_at, user_id, email_match_key, phone_e164,
           coalesce(previous_id, anonymous_id), null, null
    from {{ ref('stg_web__segment_events') }}
    where coalesce(previous_id, anonymous_id) is not null
      and (event_type in ('identify', 'alias') or email_match_key is not null or phone_e164 is not null
           or user_id is not null)
      {%- if partial %}
      and {{ identifiers_rebuilt_only('web_anonymous', 'coalesce(previous_id, anonymous_id)') }}
      {%- endif %}
    union all
    select 'web_anonymous', anonymous_id, min(occurred_at), null, null, null, anonymous_id, null, null
    from {{ ref('stg_web__segment_events') }}
    where anonymous_id is not null
      {%- if partial %}
      and {{ identifiers_rebuilt_only('web_anonymous', 'anonymous_id') }}
      {%- endif %}
    group by anonymous_id
),

identifiers as (
    select record_type, record_id, seen_at, 'contact_id' as identifier_type, contact_id as identifier_value
    from records where contact_id is not null
    union all
    select record_type, record_id, seen_at, 'email', email from records where email is not null
    union all
    select record_type, record_id, seen_at, 'phone', phone from records where phone is not null
    union all
    select record_type, record_id, seen_at, 'anonymous_id', anonymous_id from records where anonymous_id is not null
    union all
    select record_type, record_id, seen_at, 'national_id', national_id from records where national_id is not null
    union all
    select record_type, record_id, seen_at, 'customer_number', customer_number
    from records where customer_number is not null
),

shared_identifiers as (
    {{ identifiers_shared() }}
),

usable as (
    select i.*
    from identifiers i
    left join shared_identifiers s
        on s.identifier_type = i.identifier_type and s.identifier_value = i.identifier_value
    where s.identifier_value is null
      and not {{ is_junk_identifier('i.identifier_type', 'i.identifier_value') }}
)

select
    record_type || ':' || record_id as record_key,
    record_type,
    record_id,
    identifier_type,
    identifier_value,
    min(seen_at) as first_seen_at,
    max(seen_at) as last_seen_at,
    {{ build_started_at() }} as _changed_at
from usable
group by record_type, record_id, identifier_type, identifier_value
