{#- Each CRM contact's email and phone as the match model compares them (identity/profiles.py): junk removed as for
    the identity graph (macro is_junk_identifier), but values on many contacts kept. The graph must not join
    everyone behind an office line; the model may weigh one, since it weighs agreement on a value by how many
    contacts carry it (term frequency) next to every other field, and a messy list holds one person many times. -#}
with contact_points as (
    select contact_id, 'email' as identifier_type, email_match_key as identifier_value
    from {{ ref('stg_sales__contacts') }}
    where email_match_key is not null
    union all
    select contact_id, 'phone', phone_e164
    from {{ ref('stg_sales__contacts') }}
    where phone_e164 is not null
)

select
    contact_id,
    min(case when identifier_type = 'email' then identifier_value end) as email,
    min(case when identifier_type = 'phone' then identifier_value end) as phone
from contact_points
where not {{ is_junk_identifier('identifier_type', 'identifier_value') }}
group by contact_id
