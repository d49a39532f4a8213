with source as (
    {{ latest_per_key(source('raw', 'sales__users'), 'user_id') }}
)
select
    trim(user_id) as user_id,
    email_normalized as email,
    trim(full_name) as full_name,
    lower(trim(team)) as team,
    trim(extension) as extension,
    trim(region) as region
from source
