select
    record_key,
    record_type,
    record_id,
    customer_id
from {{ source('identity', 'record_customers') }}
