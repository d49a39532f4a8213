with source as (
    {{ current_rows('raw', 'sales__users') }}
)
select
    trim(user_id) as user_id,
    email_normalized as email,
    trim(full_name) as full_name,
    lower(trim(team)) as team,
    trim(extension) as extension,
    trim(region) as region
from source
