{#- Every (recency score, frequency score) pair falls in exactly one rectangle of seed rfm_segments, so every
    paying customer gets exactly one segment. Returns the pairs that fall in none or in several. -#}
with scores as (
    select 1 as score union all select 2 union all select 3 union all select 4 union all select 5
)
select recency.score as recency_score, frequency.score as frequency_score, count(grid.rfm_segment) as matches
from scores as recency
cross join scores as frequency
left join {{ ref('rfm_segments') }} as grid
    on recency.score between grid.recency_score_min and grid.recency_score_max
    and frequency.score between grid.frequency_score_min and grid.frequency_score_max
group by recency.score, frequency.score
having count(grid.rfm_segment) <> 1
