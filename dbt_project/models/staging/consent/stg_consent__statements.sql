{#- The consent logs' statements (landing consent/*.csv), one row per statement: who it names, the purpose in the
    project's words, granted or withdrawn, and when. The loader quarantined rows whose purpose or status it could
    not read, so both parse here. -#}
with source as (
    {{ current_rows('raw', 'consent__statements') }}
),

staged as (
select
    {{ dbt.hash("concat_ws('|', coalesce(purpose, ''), coalesce(status, ''), coalesce(stated_at, ''), "
                ~ "coalesce(contact_id, ''), coalesce(email, ''), coalesce(phone, ''))") }} as statement_id,
    nullif(trim(contact_id), '') as contact_id,
    email_normalized as email,
    {{ email_match_key('email_normalized') }} as email_match_key,
    phone_e164,
    {{ consent_purpose('purpose') }} as purpose,
    {{ parse_consent_status('status') }} as is_granted,
    {{ crm_timestamp_to_utc('stated_at') }} as stated_at,
    nullif(trim(collected_by), '') as collected_by
from source
)

select * from staged
{{ as_of_filter('stated_at') }}
