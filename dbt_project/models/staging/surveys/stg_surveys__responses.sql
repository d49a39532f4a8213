with source as (
    {{ current_rows('raw', 'surveys__responses') }}
),

staged as (
select
    response_id,
    lower(survey_type) as survey_type,
    email_normalized as email,
    {{ email_match_key('email_normalized') }} as email_match_key,
    nullif(trim(contact_id), '') as contact_id,
    {{ crm_timestamp_to_utc('submitted_at') }} as submitted_at,
    try_cast(score as integer) as score,
    comment,
    lower(channel) as channel,
    nullif(trim(ticket_ref), '') as ticket_ref,
    _loaded_at
from source
)

select * from staged
{{ as_of_filter('submitted_at') }}
