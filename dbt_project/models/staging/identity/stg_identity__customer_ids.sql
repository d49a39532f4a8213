select
    customer_id,
    current_customer_id,
    issued_at,
    retired_at,
    retired_because
from {{ source('identity', 'customer_ids') }}
