{#- New leads showing buying intent whom nobody e-mailed or called within hot_lead_contact_hours, the highest rules
    score (mart_lead_scores) first. Definition: _service__docs.md (action_hot_lead). -#}
with recent_leads as (
    select
        customer_id,
        full_name,
        company_name,
        owner_email,
        primary_email,
        -- A call list: the number only of who may be called (dim_customer_consents).
        case when has_call_consent then primary_phone end as primary_phone,
        has_call_consent,
        became_lead_at
    from {{ ref('dim_customers') }}
    where became_lead_at >= {{ dbt.dateadd('day', -1 * var('hot_lead_window_days'), as_of_timestamp()) }}
        {#- only once the customer has had the full time to be contacted -#}
        and {{ dbt.dateadd('hour', var('hot_lead_contact_hours'), 'became_lead_at') }} <= {{ as_of_timestamp() }}
),

web_events as (
    select event_id, page_path from {{ ref('stg_web__segment_events') }}
),

intent_signals as (
    select
        interactions.customer_id,
        count(*) filter (where interactions.interaction_type = 'web_form_submitted') as forms_submitted,
        count(*) filter (where interactions.interaction_type = 'web_page' and (
            {%- for word in var('hot_lead_page_words') %}
            {% if not loop.first %}or {% endif %}lower(web_events.page_path) like '%{{ word }}%'
            {%- endfor %}
        )) as intent_page_views
    from {{ ref('fct_interactions') }} as interactions
    inner join recent_leads on recent_leads.customer_id = interactions.customer_id
    left join web_events on 'web_event:' || web_events.event_id = interactions.interaction_id
    where interactions.channel = 'web'
    group by interactions.customer_id
),

first_contacts as (
    select
        recent_leads.customer_id,
        min(interactions.occurred_at) as first_contacted_at
    from recent_leads
    inner join {{ ref('fct_interactions') }} as interactions
        on interactions.customer_id = recent_leads.customer_id
        and interactions.channel in ('email', 'phone')
        and interactions.direction = 'outbound'
        and interactions.occurred_at >= recent_leads.became_lead_at
    group by recent_leads.customer_id
),

hot_leads as (
    select
        recent_leads.*,
        intent_signals.forms_submitted,
        intent_signals.intent_page_views,
        first_contacts.first_contacted_at,
        cast(round({{ dbt.datediff('recent_leads.became_lead_at', 'first_contacts.first_contacted_at', 'minute') }}
            / 60.0, 1) as decimal(18, 1)) as hours_to_first_contact,
        lead_scores.rules_score,
        lead_scores.conversion_probability
    from recent_leads
    inner join intent_signals on intent_signals.customer_id = recent_leads.customer_id
    left join first_contacts on first_contacts.customer_id = recent_leads.customer_id
    left join {{ ref('mart_lead_scores') }} as lead_scores on lead_scores.customer_id = recent_leads.customer_id
    where (intent_signals.forms_submitted > 0 or intent_signals.intent_page_views > 0)
        and (first_contacts.first_contacted_at is null
            or first_contacts.first_contacted_at
                > {{ dbt.dateadd('hour', var('hot_lead_contact_hours'), 'recent_leads.became_lead_at') }})
)

select
    customer_id,
    full_name,
    company_name,
    owner_email,
    primary_email,
    primary_phone,
    has_call_consent,
    became_lead_at,
    forms_submitted,
    intent_page_views,
    first_contacted_at,
    hours_to_first_contact,
    rules_score,
    conversion_probability,
    'Lead since ' || cast({{ business_date('became_lead_at') }} as {{ dbt.type_string() }}) || ' who '
        || case
            when forms_submitted > 0 and intent_page_views > 0
                then 'submitted a web form and viewed ' || cast(intent_page_views as {{ dbt.type_string() }})
                    || ' buying-intent page(s)'
            when forms_submitted > 0 then 'submitted a web form'
            else 'viewed ' || cast(intent_page_views as {{ dbt.type_string() }}) || ' buying-intent page(s)'
        end
        || case
            when first_contacted_at is null then ': no outbound e-mail or call yet'
            else ': first outbound e-mail or call only after '
                || cast(hours_to_first_contact as {{ dbt.type_string() }}) || ' h'
        end as reason
from hot_leads
order by rules_score desc nulls last, customer_id
