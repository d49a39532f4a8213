{#- Every customer_id ever issued → the customer_id to use now. BI users and exports that stored an id join
    through this to keep finding the person after merges. -#}
select
    customer_id,
    current_customer_id,
    customer_id = current_customer_id as is_current,
    issued_at,
    retired_at,
    retired_because
from {{ ref('stg_identity__customer_ids') }}
