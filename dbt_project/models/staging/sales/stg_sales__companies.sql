with source as (
    {{ current_rows('raw', 'sales__companies') }}
),

staged as (
select
    trim(company_id) as company_id,
    trim(company_name) as company_name,
    lower(trim(domain)) as domain,
    trim(industry) as industry,
    try_cast(trim(employees) as integer) as employee_count,
    upper(trim(country)) as country_code,
    trim(city) as city,
    lower(trim(owner_email)) as owner_email,
    {{ crm_timestamp_to_utc('created_at') }} as created_at,
    _source_file
from source
)

select * from staged
{{ as_of_filter('created_at') }}
