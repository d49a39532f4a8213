select
    left_key as left_record_key,
    right_key as right_record_key,
    decision,
    decided_by,
    decided_at,
    note,
    status
from {{ source('identity', 'review_decisions') }}
