{#- NPS per month of the answer (business time zone) and survey channel. Definition: _service__docs.md. -#}
with answers as (
    select
        cast({{ dbt.date_trunc('month', business_date('submitted_at')) }} as date) as response_month,
        channel as survey_channel,
        score
    from {{ ref('stg_surveys__responses') }}
    where survey_type = 'nps' and score between 0 and 10
),

counted as (
    select
        response_month,
        survey_channel,
        count(*) as responses,
        count(*) filter (where score >= 9) as promoters,
        count(*) filter (where score between 7 and 8) as passives,
        count(*) filter (where score <= 6) as detractors
    from answers
    group by response_month, survey_channel
)

select
    response_month,
    survey_channel,
    responses,
    promoters,
    passives,
    detractors,
    cast(round(100.0 * (promoters - detractors) / responses, 1) as decimal(5, 1)) as nps
from counted
