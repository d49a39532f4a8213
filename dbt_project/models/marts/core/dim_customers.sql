{#- One row per resolved person (customer_id): the golden record. Every attribute is the value ranked first by the
    survivorship rules (seed survivorship_rules) among everything the person's records state
    (int_customer__attribute_candidates_unioned); consent per purpose from dim_customer_consents; activity comes from the timeline and the orders, value and churn
    risk from the customer lifetime predictions. -#}
with record_customers as (
    select customer_id, count(*) as source_record_count
    from {{ ref('stg_identity__record_customers') }}
    group by customer_id
),

golden as (
    select * from {{ ref('int_customer__ranked_attributes') }} where survivorship_rank = 1
),

golden_record as (
    select
        customer_id,
        max(case when attribute = 'name_native' then detail_1 end) as native_given_name,
        max(case when attribute = 'name_native' then detail_2 end) as native_family_name,
        max(case when attribute = 'name_latin' then detail_1 end) as latin_given_name,
        max(case when attribute = 'name_latin' then detail_2 end) as latin_family_name,
        max(case when attribute = 'name_native' then 1 else 0 end) = 1 as has_native_name,
        max(case when attribute = 'email' then value end) as primary_email,
        max(case when attribute = 'phone' then value end) as primary_phone,
        max(case when attribute = 'company' then detail_1 end) as company_id,
        max(case when attribute = 'company' then value end) as company_name,
        max(case when attribute = 'job_title' then value end) as job_title,
        max(case when attribute = 'country' then value end) as country_code,
        max(case when attribute = 'language' then value end) as language,
        max(case when attribute = 'time_zone' then value end) as time_zone,
        max(case when attribute = 'currency' then value end) as preferred_currency,
        max(case when attribute = 'address' then value end) as primary_address_id,
        max(case when attribute = 'address' then detail_1 end) as address_line,
        max(case when attribute = 'address' then detail_2 end) as postal_code,
        max(case when attribute = 'address' then detail_3 end) as city,
        max(case when attribute = 'owner' then value end) as owner_email,
        max(case when attribute = 'lifecycle_stage' then value end) as lifecycle_stage,
        max(case when attribute = 'acquisition' then detail_1 end) as acquisition_channel,
        max(case when attribute = 'acquisition' then detail_2 end) as acquisition_campaign,
        max(case when attribute = 'acquisition' then first_observed_at end) as acquired_at
    from golden
    group by customer_id
),

crm_contacts as (
    {{ with_customer_ids(ref('stg_sales__contacts'), 'crm_contact', 'records.contact_id') }}
),

contacts as (
    select customer_id, count(*) as crm_contact_count, min(created_at) as became_lead_at
    from crm_contacts
    group by customer_id
),

activity as (
    select
        customer_id,
        min(occurred_at) as first_seen_at,
        max(occurred_at) as last_seen_at,
        count(*) as touchpoint_count
    from {{ ref('fct_customer_timeline') }}
    group by customer_id
),

orders as (
    select
        customer_id,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at,
        count(*) as completed_order_count,
        cast(sum(amount_reporting) as decimal(18, 2)) as lifetime_revenue_reporting
    from {{ ref('fct_orders') }}
    where {{ is_completed_customer_order(by_as_of_date=false) }}
    group by customer_id
),

names as (
    -- The name as written is the native-script one when there is one (kanji for a Japanese contact), else the
    -- latin one; Japanese and Chinese names are shown family name first.
    select
        customer_id,
        case when has_native_name then native_given_name else latin_given_name end as first_name,
        case when has_native_name then native_family_name else latin_family_name end as last_name,
        case
            when has_native_name and {{ has_cjk("coalesce(native_family_name, '') || coalesce(native_given_name, '')") }}
                then nullif(trim(coalesce(native_family_name, '') || ' ' || coalesce(native_given_name, '')), '')
            when has_native_name
                then nullif(trim(coalesce(native_given_name, '') || ' ' || coalesce(native_family_name, '')), '')
            else nullif(trim(coalesce(latin_given_name, '') || ' ' || coalesce(latin_family_name, '')), '')
        end as full_name,
        latin_given_name as first_name_latin,
        latin_family_name as last_name_latin,
        nullif(trim(coalesce(latin_given_name, '') || ' ' || coalesce(latin_family_name, '')), '') as full_name_latin
    from golden_record
)

, searchable_names as (
    -- What name lookups (identity/lookup.py) filter candidates on: every name word lower-cased, and both names run
    -- together in either order (`山田太郎`, `yamadataro`), each preceded by a space so a word's start is ` word`.
    select
        names.*,
        ' ' || lower(
            coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' '
            || coalesce(first_name_latin, '') || ' ' || coalesce(last_name_latin, '') || ' '
            || replace(coalesce(last_name, '') || coalesce(first_name, ''), ' ', '') || ' '
            || replace(coalesce(first_name, '') || coalesce(last_name, ''), ' ', '') || ' '
            || replace(coalesce(last_name_latin, '') || coalesce(first_name_latin, ''), ' ', '') || ' '
            || replace(coalesce(first_name_latin, '') || coalesce(last_name_latin, ''), ' ', '')
        ) as name_search_text,
        {{ lower_equals_unicode_case_fold(
            "coalesce(first_name, '') || coalesce(last_name, '') || coalesce(first_name_latin, '')"
            ~ " || coalesce(last_name_latin, '')") }} as name_search_text_is_exact
    from names
)

select
    record_customers.customer_id,
    names.full_name,
    names.first_name,
    names.last_name,
    names.full_name_latin,
    names.first_name_latin,
    names.last_name_latin,
    names.name_search_text,
    names.name_search_text_is_exact,
    golden_record.primary_email,
    golden_record.primary_phone,
    golden_record.company_id,
    golden_record.company_name,
    golden_record.job_title,
    golden_record.country_code,
    golden_record.language,
    golden_record.time_zone,
    golden_record.preferred_currency,
    golden_record.primary_address_id,
    golden_record.address_line,
    golden_record.postal_code,
    golden_record.city,
    marketing_consent.is_granted as has_marketing_consent,
    marketing_consent.source as marketing_consent_source,
    marketing_consent.stated_at as marketing_consent_at,
    call_consent.is_granted as has_call_consent,
    profiling_consent.is_granted as has_profiling_consent,
    golden_record.lifecycle_stage,
    golden_record.acquisition_channel,
    golden_record.acquisition_campaign,
    golden_record.acquired_at,
    golden_record.owner_email,
    coalesce(contacts.crm_contact_count, 0) as crm_contact_count,
    record_customers.source_record_count,
    coalesce(activity.touchpoint_count, 0) as touchpoint_count,
    contacts.became_lead_at,
    activity.first_seen_at,
    activity.last_seen_at,
    orders.first_order_at,
    orders.last_order_at,
    coalesce(orders.completed_order_count, 0) as completed_order_count,
    coalesce(orders.lifetime_revenue_reporting, 0) as lifetime_revenue_reporting,
    orders.customer_id is not null as is_paying_customer,
    -- The customer lifetime models' view of the customer (mart_customer_value); NULL without a prediction.
    predictions.probability_alive,
    predictions.churn_risk,
    predictions.expected_purchases_365d,
    predictions.clv_12m_reporting
from record_customers
left join golden_record on golden_record.customer_id = record_customers.customer_id
left join searchable_names as names on names.customer_id = record_customers.customer_id
left join contacts on contacts.customer_id = record_customers.customer_id
left join activity on activity.customer_id = record_customers.customer_id
left join orders on orders.customer_id = record_customers.customer_id
left join {{ ref('dim_customer_consents') }} as marketing_consent
    on marketing_consent.customer_id = record_customers.customer_id and marketing_consent.purpose = 'marketing_email'
left join {{ ref('dim_customer_consents') }} as call_consent
    on call_consent.customer_id = record_customers.customer_id and call_consent.purpose = 'calls'
left join {{ ref('dim_customer_consents') }} as profiling_consent
    on profiling_consent.customer_id = record_customers.customer_id and profiling_consent.purpose = 'profiling'
left join {{ ref('stg_predictions__customer_value') }} as predictions
    on predictions.customer_id = record_customers.customer_id
