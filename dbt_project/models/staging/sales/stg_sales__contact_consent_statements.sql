{#- What the CRM contact exports stated about consent, per purpose (marketing_email, calls, profiling), from every
    export kept in raw rather than only the newest: a contact's consent history is the sequence of its exports'
    statements, each at the record's last update then. An export that does not say (empty, or a column the CRM
    lacks) states nothing. -#}
with exports as (
    select
        trim(contact_id) as contact_id,
        {{ parse_bool('marketing_consent') }} as marketing_email,
        {{ parse_bool('call_consent') }} as calls,
        {{ parse_bool('profiling_consent') }} as profiling,
        coalesce({{ crm_timestamp_to_utc('updated_at') }}, {{ crm_timestamp_to_utc('created_at') }},
                 _loaded_at) as stated_at
    from {{ source('raw', 'sales__contacts') }}
    where nullif(trim(contact_id), '') is not null
),

statements as (
    select contact_id, 'marketing_email' as purpose, marketing_email as is_granted, stated_at from exports
    union all
    select contact_id, 'calls', calls, stated_at from exports
    union all
    select contact_id, 'profiling', profiling, stated_at from exports
),

distinct_statements as (
    select distinct contact_id, purpose, is_granted, stated_at
    from statements
    where is_granted is not null
)

select
    contact_id || '|' || purpose || '|' || cast(stated_at as {{ dbt.type_string() }}) || '|'
        || case when is_granted then 'granted' else 'withdrawn' end as statement_id,
    contact_id,
    purpose,
    is_granted,
    stated_at
from distinct_statements
{{ as_of_filter('stated_at') }}
