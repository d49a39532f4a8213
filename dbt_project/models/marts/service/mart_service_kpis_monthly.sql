{#- Service KPIs per month the ticket opened (business time zone), channel and agent. Medians cannot be added up:
    read a month's total from fct_support_tickets, not by summing these rows. Definitions: _service__docs.md. -#}
with tickets as (
    select
        cast({{ dbt.date_trunc('month', 'opened_date') }} as date) as ticket_month,
        channel,
        agent_email,
        agent_name,
        first_response_minutes,
        resolution_hours,
        is_resolved,
        is_first_contact_resolution,
        csat_score
    from {{ ref('fct_support_tickets') }}
)

select
    ticket_month,
    channel,
    agent_email,
    max(agent_name) as agent_name,
    count(*) as tickets,
    count(first_response_minutes) as responded_tickets,
    cast(round(median(first_response_minutes), 1) as decimal(18, 1)) as median_first_response_minutes,
    cast(round(avg(cast(first_response_minutes as double)), 1) as decimal(18, 1)) as avg_first_response_minutes,
    count(*) filter (where is_resolved) as resolved_tickets,
    cast(round(median(resolution_hours), 2) as decimal(18, 2)) as median_resolution_hours,
    count(*) filter (where is_first_contact_resolution) as first_contact_resolutions,
    cast(round(100.0 * count(*) filter (where is_first_contact_resolution)
        / nullif(count(*) filter (where is_resolved), 0), 1) as decimal(5, 1)) as fcr_rate_pct,
    count(csat_score) as csat_responses,
    cast(round(avg(cast(csat_score as double)), 2) as decimal(4, 2)) as csat_average,
    cast(round(100.0 * count(*) filter (where csat_score >= {{ var('csat_satisfied_min_score') }})
        / nullif(count(csat_score), 0), 1) as decimal(5, 1)) as csat_satisfied_pct
from tickets
group by ticket_month, channel, agent_email
