{#- Every statement of consent per purpose, from every source that states one, with the customer it is about:
    CRM contact exports (each export's value at the record's last update), marketing-email events (an unsubscribe,
    a group unsubscribe or a spam report withdraws marketing email; a group resubscribe grants it again), the
    web's consent object, identify traits and form fields, and the consent logs. A consent log names a person by a
    contact id, an email or a phone number: the statement is theirs when those identifiers lead to exactly one
    customer; otherwise its customer_id is NULL (kept, so a log's every statement is accounted for). -#}
with record_customers as (
    select record_type, record_id, customer_id from {{ ref('stg_identity__record_customers') }}
),

crm as (
    {{ with_customer_ids(ref('stg_sales__contact_consent_statements'), 'crm_contact', 'records.contact_id') }}
),

esp as (
    {{ with_customer_ids(ref('stg_email__campaign_events'), 'esp_message', 'records.esp_message_id') }}
),

web as (
    select coalesce(by_visitor.customer_id, by_user.customer_id) as customer_id, statements.*
    from {{ ref('stg_web__consent_statements') }} as statements
    left join record_customers as by_visitor
        on by_visitor.record_type = 'web_anonymous' and by_visitor.record_id = statements.anonymous_id
    left join record_customers as by_user
        on by_user.record_type = 'crm_contact' and by_user.record_id = statements.user_id
),

log as (
    select * from {{ ref('stg_consent__statements') }}
),

log_identifiers as (
    select statement_id, 'contact_id' as identifier_type, contact_id as identifier_value
    from log where contact_id is not null
    union all
    select statement_id, 'email', email_match_key from log where email_match_key is not null
    union all
    select statement_id, 'phone', phone_e164 from log where phone_e164 is not null
),

-- Identifiers too shared to name one person never resolve anyone (int_identity__record_identifiers_unioned
-- keeps only the usable ones).
log_customers as (
    select log_identifiers.statement_id, min(record_customers.customer_id) as customer_id
    from log_identifiers
    inner join {{ ref('int_identity__record_identifiers_unioned') }} as identifiers
        on identifiers.identifier_type = log_identifiers.identifier_type
       and identifiers.identifier_value = log_identifiers.identifier_value
    inner join record_customers
        on record_customers.record_type = identifiers.record_type
       and record_customers.record_id = identifiers.record_id
    group by log_identifiers.statement_id
    having count(distinct record_customers.customer_id) = 1
)

select
    'crm_contact:' || statement_id as statement_id, customer_id, purpose, is_granted, stated_at,
    'crm_contact' as source, contact_id as source_detail
from crm
union all
select
    'esp:' || event_id, customer_id, 'marketing_email', event_type = 'group_resubscribe', occurred_at,
    'esp_' || event_type, cast(null as {{ dbt.type_string() }})
from esp
where event_type in ('unsubscribe', 'group_unsubscribe', 'spamreport', 'group_resubscribe')
union all
select
    'web:' || statement_id, customer_id, purpose, is_granted, stated_at,
    'web_' || place, web_key
from web
union all
select
    'consent_log:' || log.statement_id, log_customers.customer_id, log.purpose, log.is_granted, log.stated_at,
    'consent_log', log.collected_by
from log
left join log_customers on log_customers.statement_id = log.statement_id
where log.is_granted is not null and log.purpose in ({{ "'" ~ var('consent').purposes | join("', '") ~ "'" }})
