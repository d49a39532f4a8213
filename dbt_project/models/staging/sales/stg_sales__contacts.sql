with source as (
    {{ current_rows('raw', 'sales__contacts') }}
),

staged as (
select
    trim(contact_id) as contact_id,
    trim(first_name) as first_name,
    trim(last_name) as last_name,
    email as email_raw,
    email_normalized as email,
    {{ email_match_key('email_normalized') }} as email_match_key,
    phone as phone_raw,
    phone_e164,
    trim(company_id) as company_id,
    trim(company_name) as company_name,
    trim(job_title) as job_title,
    upper(trim(country)) as country_code,
    trim(city) as city,
    trim(postal_code) as postal_code,
    trim(address) as address,
    nullif(trim(address_line_2), '') as address_line_2,
    nullif(trim(region), '') as region,
    -- As written (a typo'd or impossible date still tells identity resolution something) and as a date.
    nullif(trim(date_of_birth), '') as date_of_birth_raw,
    try_cast(replace(trim(date_of_birth), '/', '-') as date) as date_of_birth,
    nullif(trim(national_id), '') as national_id,
    nullif(trim(customer_number), '') as customer_number,
    lower(trim(language)) as language,
    lower(trim(lead_source)) as lead_source,
    lower(trim(lifecycle_stage)) as lifecycle_stage,
    -- NULL when the export does not say: no statement, which must not override an earlier one (dim_customers).
    {{ parse_bool('marketing_consent') }} as has_marketing_consent,
    lower(trim(owner_email)) as owner_email,
    {{ crm_timestamp_to_utc('created_at') }} as created_at,
    {{ crm_timestamp_to_utc('updated_at') }} as updated_at,
    _source_file
from source
)

select * from staged
{{ as_of_filter('created_at') }}
