{#- Everything the sources state about each resolved customer — names, emails, phones, company, country, language,
    time zone, currency, address, owner, lifecycle stage, first touch — one row per (customer, attribute,
    source, value) with how many records state it and when. int_customer__ranked_attributes ranks them.
    Consent is not an attribute to survive: it has its own history per purpose (dim_customer_consents).

    Incremental, one customer at a time: a build after the first rebuilds the customers whose records were loaded,
    exported again or moved by identity resolution since the last one (macros/customer_attributes.sql) and keeps
    everyone else's rows; `_changed_at` marks the rows a build wrote, which int_customer__ranked_attributes follows.
    The first build, `crm build --full-refresh` and an as-of build take everyone. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook=["{{ attributes_select_mapping_changes() }}", "{{ attributes_select_customers_to_rebuild() }}",
              "{{ delete_customers_to_rebuild(attributes_is_partial()) }}"],
    post_hook=["{{ attributes_keep_record_customers() }}", "{{ attributes_keep_new_record_customers() }}",
               "{{ attributes_drop_mapping_changes() }}", "{{ drop_customers_to_rebuild(attributes_is_partial()) }}"],
) }}
{%- set shared_mailbox_local_parts = var('shared_mailbox_local_parts') -%}
{%- set company_domains = var('company_domains') -%}
{#- In an incremental build, the records of the customers to rebuild only. -#}
{%- set only_customers = customers_to_rebuild() if attributes_is_partial() else none %}
-- The hooks read the raw CRM exports' loads: depends_on: {{ source('raw', 'sales__contacts') }}
-- {{ source('raw', 'sales__companies') }} {{ source('raw', 'sales__orders') }} {{ source('raw', 'sales__deals') }}
-- {{ source('raw', 'sales__campaigns') }}

with countries as (
    select country_code, calling_code, default_time_zone, default_language from {{ ref('countries') }}
),

-- +1 and +7 are shared by several countries: those numbers say nothing about the country.
unambiguous_calling_codes as (
    select calling_code, max(country_code) as country_code
    from countries
    group by calling_code
    having count(*) = 1
),

-- The records of every source that states something about a person, each with its customer ------------------
crm_contacts as (
    {{ with_customer_ids(ref('stg_sales__contacts'), 'crm_contact', 'records.contact_id', only_customers) }}
),

contacts as (
    select
        contacts.*,
        coalesce(contacts.updated_at, contacts.created_at) as observed_at,
        companies.company_name as company_record_name,
        companies.country_code as company_country_code,
        companies.owner_email as company_owner_email
    from crm_contacts as contacts
    left join {{ ref('stg_sales__companies') }} as companies on companies.company_id = contacts.company_id
),

web_customer_events as (
    {{ with_customer_ids(ref('stg_web__segment_events'), 'web_anonymous',
                         'coalesce(records.anonymous_id, records.previous_id)', only_customers) }}
),

-- A visitor's events repeat the same few statements (time zone, locale and campaign on every page view): they are
-- counted per customer and distinct statement here, so what follows reads one row per statement, not per event.
-- Read per event, DuckDB kept all 9.7 M web events of 1,000,000 people in memory (6 GB) for the branches below.
-- Exact: every branch takes a web event's statement with its time, and the final grouping adds up record_count
-- and takes the earliest first and latest last observation, as it would have event by event.
web_events as (
    select
        customer_id,
        -- identify traits and form fields: what the person typed about themselves (group traits name a company
        -- and product events a product, so they are not read as a person's name).
        coalesce(event_type = 'identify' or event_name = 'Form Submitted', false) as is_self_description,
        person_name,
        company_name,
        email,
        email_match_key,
        phone_e164,
        context_locale,
        context_timezone,
        currency,
        utm_campaign,
        utm_medium,
        count(*) as record_count,
        min(occurred_at) as first_observed_at,
        max(occurred_at) as last_observed_at
    from web_customer_events
    group by customer_id, coalesce(event_type = 'identify' or event_name = 'Form Submitted', false), person_name,
             company_name, email, email_match_key, phone_e164, context_locale, context_timezone, currency,
             utm_campaign, utm_medium
),

web_self_descriptions as (
    select * from web_events where is_self_description
),

orders as (
    {{ with_customer_ids(ref('stg_sales__orders'), 'order', 'records.order_id', only_customers) }}
),

deals as (
    {{ with_customer_ids(ref('stg_sales__deals'), 'deal', 'records.deal_id', only_customers) }}
),

survey_responses as (
    {{ with_customer_ids(ref('stg_surveys__responses'), 'survey_response', 'records.response_id', only_customers) }}
),

email_messages as (
    {{ with_customer_ids(ref('stg_email__messages'), 'email_message', 'records.message_id', only_customers) }}
),

esp_events as (
    {{ with_customer_ids(ref('stg_email__campaign_events'), 'esp_message', 'records.esp_message_id', only_customers) }}
),

esp_messages as (
    select
        customer_id,
        esp_message_id,
        max(email) as email,
        max(email_match_key) as email_match_key,
        min(occurred_at) as first_occurred_at,
        max(occurred_at) as last_occurred_at
    from esp_events
    group by customer_id, esp_message_id
),

twilio_calls as (
    {{ with_customer_ids(ref('stg_phone__twilio_calls'), 'twilio_call', 'records.call_id', only_customers) }}
),

asterisk_calls as (
    {{ with_customer_ids(ref('stg_phone__asterisk_cdr'), 'asterisk_call', 'records.call_id', only_customers) }}
),

-- Names ------------------------------------------------------------------------------------------------------
stated_names as (
    select
        customer_id,
        'crm_contact' as source,
        {{ fold_fullwidth('first_name') }} as given_name,
        {{ fold_fullwidth('last_name') }} as family_name,
        cast(null as {{ dbt.type_string() }}) as one_field_name,
        'by_script' as one_field_order,
        1 as record_count,
        observed_at as first_observed_at,
        observed_at as last_observed_at
    from contacts
    union all
    select customer_id, 'web_form', null, null, {{ fold_fullwidth('person_name') }}, 'by_script',
           record_count, first_observed_at, last_observed_at
    from web_self_descriptions
    union all
    select customer_id, 'email_display_name', null, null, {{ fold_fullwidth('counterpart_name') }}, 'by_script',
           1, sent_at, sent_at
    from email_messages
    union all
    -- Caller ID (CNAM) is upper case, family name first: `ANDERSON JESSICA`.
    select customer_id, 'phone_caller_name', null, null, {{ fold_fullwidth('caller_name') }}, 'family_first',
           1, started_at, started_at
    from twilio_calls
),

-- A whole name in one field (a CRM contact with `岡田 拓真` as last name, a form's name, a display name) is split at
-- its first space: family name first in Japanese/Chinese script and caller names, given name first otherwise.
name_in_one_field as (
    select
        *,
        case
            when given_name is null or family_name is null then coalesce(one_field_name, family_name, given_name)
        end as whole_name
    from stated_names
),

parsed_names as (
    select
        customer_id,
        source,
        record_count,
        first_observed_at,
        last_observed_at,
        case
            when whole_name is null then given_name
            when whole_name not like '% %' then case when not {{ has_cjk('whole_name') }} then whole_name end
            when one_field_order = 'family_first' or {{ has_cjk('whole_name') }}
                then trim(substring(whole_name, length(split_part(whole_name, ' ', 1)) + 2))
            else split_part(whole_name, ' ', 1)
        end as given_name,
        case
            when whole_name is null then family_name
            when whole_name not like '% %' then case when {{ has_cjk('whole_name') }} then whole_name end
            when one_field_order = 'family_first' or {{ has_cjk('whole_name') }} then split_part(whole_name, ' ', 1)
            else trim(substring(whole_name, length(split_part(whole_name, ' ', 1)) + 2))
        end as family_name
    from name_in_one_field
    where coalesce(given_name, family_name, one_field_name) is not null
),

name_candidates as (
    select
        customer_id,
        case
            when {{ is_latin_script("trim(coalesce(given_name, '') || ' ' || coalesce(family_name, ''))") }}
                then 'name_latin'
            else 'name_native'
        end as attribute,
        source,
        source as rule_source,
        lower(coalesce(given_name, '') || '|' || coalesce(family_name, '')) as match_key,
        coalesce(given_name, '') || '|' || coalesce(family_name, '') as value,
        given_name as detail_1,
        family_name as detail_2,
        cast(null as {{ dbt.type_string() }}) as detail_3,
        cast(null as {{ dbt.type_string() }}) as detail_4,
        {{ name_part_quality('given_name') }} + {{ name_part_quality('family_name') }} as value_order,
        first_observed_at,
        last_observed_at,
        record_count
    from parsed_names
),

-- Emails -----------------------------------------------------------------------------------------------------
stated_emails as (
    select
        customer_id,
        'crm_contact' as source,
        email,
        email_match_key,
        created_at as first_observed_at,
        observed_at as last_observed_at,
        1 as record_count
    from contacts
    union all
    select customer_id, 'order', customer_email, customer_email_match_key, ordered_at, ordered_at, 1 from orders
    union all
    select customer_id, 'web_form', email, email_match_key, first_observed_at, last_observed_at, record_count
    from web_events
    union all
    select customer_id, 'survey_response', email, email_match_key, submitted_at, submitted_at, 1
    from survey_responses
    union all
    select customer_id, 'email_message', counterpart_email, counterpart_email_match_key, sent_at, sent_at, 1
    from email_messages
    union all
    select customer_id, 'esp_message', email, email_match_key, first_occurred_at, last_occurred_at, 1
    from esp_messages
),

email_candidates as (
    select
        customer_id,
        'email' as attribute,
        source,
        case
            when {% for local_part in shared_mailbox_local_parts -%}
                email like '{{ local_part }}@%'{{ ' or ' if not loop.last }}
            {%- endfor %} then 'shared_mailbox'
            else source
        end as rule_source,
        email_match_key as match_key,
        email as value,
        null as detail_1, null as detail_2, null as detail_3, null as detail_4,
        null as value_order,
        first_observed_at,
        last_observed_at,
        record_count
    from stated_emails
    -- The company's own addresses (a rep's address typed into a CRM field) never describe a customer.
    where email is not null
      {%- for domain in company_domains %}
      and email not like '%@{{ domain }}'
      {%- endfor %}
),

-- Phones -----------------------------------------------------------------------------------------------------
stated_phones as (
    select customer_id, 'crm_contact' as source, phone_e164, created_at as first_observed_at,
           observed_at as last_observed_at, 1 as record_count
    from contacts
    union all
    select customer_id, 'web_form', phone_e164, first_observed_at, last_observed_at, record_count from web_events
    union all
    select customer_id, 'twilio_call', customer_phone_e164, started_at, started_at, 1 from twilio_calls
    union all
    select customer_id, 'asterisk_call', customer_phone_e164, started_at, started_at, 1 from asterisk_calls
),

phone_candidates as (
    select
        customer_id, 'phone' as attribute, source, source as rule_source,
        phone_e164 as match_key, phone_e164 as value,
        null as detail_1, null as detail_2, null as detail_3, null as detail_4, null as value_order,
        first_observed_at, last_observed_at, record_count
    from stated_phones
    where phone_e164 is not null
),

-- Company, job, owner, lifecycle, address (CRM) --------------------------------------------------------------
crm_candidates as (
    select
        customer_id, 'company' as attribute, 'crm_contact' as source, 'crm_contact' as rule_source,
        lower({{ fold_fullwidth('coalesce(company_record_name, company_name)') }}) as match_key,
        {{ fold_fullwidth('coalesce(company_record_name, company_name)') }} as value,
        company_id as detail_1, null as detail_2, null as detail_3, null as detail_4, null as value_order,
        observed_at as first_observed_at, observed_at as last_observed_at, 1 as record_count
    from contacts
    union all
    select customer_id, 'company', 'web_form', 'web_form',
           lower({{ fold_fullwidth('company_name') }}), {{ fold_fullwidth('company_name') }},
           null, null, null, null, null, first_observed_at, last_observed_at, record_count
    from web_self_descriptions
    union all
    select customer_id, 'job_title', 'crm_contact', 'crm_contact', lower(job_title), job_title,
           null, null, null, null, null, observed_at, observed_at, 1
    from contacts
    union all
    select customer_id, 'owner', 'crm_contact', 'crm_contact', owner_email, owner_email,
           null, null, null, null, null, observed_at, observed_at, 1
    from contacts
    union all
    select customer_id, 'owner', 'crm_company', 'crm_company', company_owner_email, company_owner_email,
           null, null, null, null, null, observed_at, observed_at, 1
    from contacts
    union all
    select contacts.customer_id, 'lifecycle_stage', 'crm_contact', 'crm_contact',
           contacts.lifecycle_stage, contacts.lifecycle_stage,
           null, null, null, null, stages.stage_order, contacts.observed_at, contacts.observed_at, 1
    from contacts
    left join {{ ref('lifecycle_stages') }} as stages on stages.lifecycle_stage = contacts.lifecycle_stage
),

addresses as (
    select
        customer_id,
        {{ fold_fullwidth('address') }} as address_line,
        -- Japanese postcodes are often written with the postal mark: 〒100-0001.
        nullif(trim(replace({{ fold_fullwidth('postal_code') }}, '〒', '')), '') as postal_code,
        {{ fold_fullwidth('city') }} as city,
        country_code,
        created_at,
        observed_at
    from contacts
),

address_candidates as (
    select
        customer_id, 'address' as attribute, 'crm_contact' as source, 'crm_contact' as rule_source,
        {{ dbt.hash("lower(coalesce(country_code, '') || '|' || coalesce(postal_code, '') || '|' || coalesce(city, '') || '|' || coalesce(address_line, ''))") }} as match_key,
        {{ dbt.hash("lower(coalesce(country_code, '') || '|' || coalesce(postal_code, '') || '|' || coalesce(city, '') || '|' || coalesce(address_line, ''))") }} as value,
        address_line as detail_1, postal_code as detail_2, city as detail_3, country_code as detail_4,
        null as value_order,
        created_at as first_observed_at, observed_at as last_observed_at, 1 as record_count
    from addresses
    where coalesce(address_line, postal_code, city) is not null
),

-- Country, language, time zone -------------------------------------------------------------------------------
web_locales as (
    select
        customer_id,
        record_count,
        first_observed_at,
        last_observed_at,
        lower(split_part(replace(context_locale, '_', '-'), '-', 1)) as language,
        upper(split_part(replace(context_locale, '_', '-'), '-', 2)) as country_code
    from web_events
    where context_locale is not null
),

stated_countries as (
    select customer_id, 'crm_contact' as source, country_code, observed_at as first_observed_at,
           observed_at as last_observed_at, 1 as record_count
    from contacts
    union all
    select customer_id, 'crm_company', company_country_code, observed_at, observed_at, 1 from contacts
    union all
    select customer_id, 'web_locale', country_code, first_observed_at, last_observed_at, record_count
    from web_locales
    where length(country_code) = 2
    union all
    -- A number places its holder when it was last seen: a contact's at the contact's last update.
    select phones.customer_id, 'phone_number', codes.country_code,
           case when phones.source = 'crm_contact' then phones.last_observed_at else phones.first_observed_at end,
           phones.last_observed_at, phones.record_count
    from phone_candidates as phones
    inner join unambiguous_calling_codes as codes on phones.value like '+' || codes.calling_code || '%'
),

locale_candidates as (
    select
        customer_id, 'country' as attribute, source, source as rule_source, country_code as match_key,
        country_code as value,
        null as detail_1, null as detail_2, null as detail_3, null as detail_4, null as value_order,
        first_observed_at, last_observed_at, record_count
    from stated_countries
    where country_code is not null
    union all
    select customer_id, 'language', 'crm_contact', 'crm_contact', language, language,
           null, null, null, null, null, observed_at, observed_at, 1
    from contacts
    union all
    select customer_id, 'language', 'web_locale', 'web_locale', language, language,
           null, null, null, null, null, first_observed_at, last_observed_at, record_count
    from web_locales
    where language <> ''
    union all
    select customer_id, 'time_zone', 'web_context', 'web_context', context_timezone, context_timezone,
           null, null, null, null, null, first_observed_at, last_observed_at, record_count
    from web_events
    union all
    -- What a country the person is known in implies, for each record that places them there.
    select stated.customer_id, 'language', 'country_default', 'country_default',
           countries.default_language, countries.default_language,
           null, null, null, null, null, stated.first_observed_at, stated.last_observed_at, stated.record_count
    from stated_countries as stated
    inner join countries on countries.country_code = stated.country_code
    union all
    select stated.customer_id, 'time_zone', 'country_default', 'country_default',
           countries.default_time_zone, countries.default_time_zone,
           null, null, null, null, null, stated.first_observed_at, stated.last_observed_at, stated.record_count
    from stated_countries as stated
    inner join countries on countries.country_code = stated.country_code
),

-- Currency ---------------------------------------------------------------------------------------------------
currency_candidates as (
    select
        customer_id, 'currency' as attribute, 'order' as source, 'order' as rule_source,
        currency as match_key, currency as value,
        null as detail_1, null as detail_2, null as detail_3, null as detail_4, null as value_order,
        ordered_at as first_observed_at, ordered_at as last_observed_at, 1 as record_count
    from orders
    union all
    select customer_id, 'currency', 'deal', 'deal', currency, currency,
           null, null, null, null, null, created_at, created_at, 1
    from deals
    union all
    select customer_id, 'currency', 'web_checkout', 'web_checkout', currency, currency,
           null, null, null, null, null, first_observed_at, last_observed_at, record_count
    from web_events
),

-- First touch: the first CRM contact's lead source, or the first web visit that carried UTM parameters. ------
utm_visits as (
    select
        web_events.customer_id,
        coalesce(campaigns.channel, {{ channel_from_utm_medium('web_events.utm_medium') }}) as channel,
        web_events.utm_campaign as campaign_name,
        campaigns.campaign_id,
        web_events.record_count,
        web_events.first_observed_at,
        web_events.last_observed_at
    from web_events
    left join {{ ref('stg_sales__campaigns') }} as campaigns on campaigns.campaign_name = web_events.utm_campaign
    where web_events.utm_campaign is not null or web_events.utm_medium is not null
),

acquisition_candidates as (
    select
        customer_id, 'acquisition' as attribute, 'crm_contact' as source, 'crm_contact' as rule_source,
        lead_source || '|' as match_key, lead_source || '|' as value,
        lead_source as detail_1, null as detail_2, null as detail_3, null as detail_4, null as value_order,
        created_at as first_observed_at, created_at as last_observed_at, 1 as record_count
    from contacts
    where lead_source is not null
    union all
    select customer_id, 'acquisition', 'web_utm', 'web_utm',
           channel || '|' || coalesce(campaign_name, ''), channel || '|' || coalesce(campaign_name, ''),
           channel, campaign_name, campaign_id, null, null, first_observed_at, last_observed_at, record_count
    from utm_visits
    where channel is not null
),

stated as (
    select * from name_candidates
    union all select * from email_candidates
    union all select * from phone_candidates
    union all select * from crm_candidates
    union all select * from address_candidates
    union all select * from locale_candidates
    union all select * from currency_candidates
    union all select * from acquisition_candidates
),

candidates as (
    select
        customer_id, attribute, source, rule_source, match_key, value,
        detail_1, detail_2, detail_3, detail_4, value_order,
        cast(sum(record_count) as {{ dbt.type_bigint() }}) as record_count,
        min(first_observed_at) as first_observed_at,
        max(last_observed_at) as last_observed_at,
        {{ build_started_at() }} as _changed_at
    from stated
    where value is not null and value <> '' and value <> '|'
    group by customer_id, attribute, source, rule_source, match_key, value, detail_1, detail_2, detail_3, detail_4,
             value_order
)

select * from candidates
