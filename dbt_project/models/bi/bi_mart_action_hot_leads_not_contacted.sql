{{ config(alias='mart_action_hot_leads_not_contacted') }}
{#- Without the lead's name, e-mail and phone. -#}
select
    customer_id,
    company_name,
    owner_email,
    became_lead_at,
    forms_submitted,
    intent_page_views,
    first_contacted_at,
    hours_to_first_contact,
    rules_score,
    conversion_probability,
    reason
from {{ ref('mart_action_hot_leads_not_contacted') }}
