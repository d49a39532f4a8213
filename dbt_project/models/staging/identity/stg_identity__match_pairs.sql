select
    left_key as left_record_key,
    right_key as right_record_key,
    match_weight,
    match_probability,
    band,
    contributions as field_contributions,
    why
from {{ source('identity', 'match_pairs') }}
