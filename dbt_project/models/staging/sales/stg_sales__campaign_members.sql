{#- A campaign's people: who registered for an event or webinar and who attended, each a touch of the campaign
    (int_marketing__attributed_conversions). A member is named by the CRM contact id, else by email (as normalised, else as written); an export
    listing one person twice for a campaign is one member, registered at the first registration and attended at
    the first attendance. In an as-of build an attendance after as_of has not happened yet. -#}
with source as (
    {{ current_rows('raw', 'sales__campaign_members') }}
),

staged as (
    select
        trim(campaign_id) as campaign_id,
        nullif(trim(contact_id), '') as contact_id,
        email_normalized as email,
        nullif(lower(trim(email)), '') as email_as_written,
        {{ email_match_key('email_normalized') }} as email_match_key,
        nullif(lower(trim(status)), '') as status,
        {{ crm_timestamp_to_utc('registered_at') }} as registered_at,
        {{ crm_timestamp_to_utc('attended_at') }} as attended_at
    from source
),

known as (
    select
        -- an email that does not normalise still names a registrant: counted, though joined to no one
        campaign_id || ':' || coalesce(contact_id, email_match_key, email_as_written) as member_id,
        campaign_id,
        contact_id,
        email,
        email_match_key,
        status,
        registered_at,
        {% if var('as_of', none) -%}
        case when attended_at <= {{ as_of_timestamp() }} then attended_at end as attended_at
        {%- else -%}
        attended_at
        {%- endif %}
    from staged
    {{ as_of_filter('coalesce(registered_at, attended_at)') }}
)

select
    member_id,
    max(campaign_id) as campaign_id,
    max(contact_id) as contact_id,
    max(email) as email,
    max(email_match_key) as email_match_key,
    max(status) as status,
    min(registered_at) as registered_at,
    min(attended_at) as attended_at
from known
group by member_id
