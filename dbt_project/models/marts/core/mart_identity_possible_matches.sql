{#- Possible matches waiting for clerical review: pairs of CRM contacts the match model found more likely one person
    than two but not sure enough to join (identity.review_threshold <= probability < identity.match_threshold), in
    two different customers, that no reviewer has decided yet; each with both contacts' details and why. -#}
with pairs as (
    select p.*
    from {{ ref('stg_identity__match_pairs') }} as p
    left join {{ ref('stg_identity__review_decisions') }} as d
        on d.left_record_key = p.left_record_key and d.right_record_key = p.right_record_key
    where p.band = 'possible' and d.decision is null
),

contacts as (
    select
        'crm_contact:' || contact_id as record_key,
        contact_id,
        nullif(trim(concat(coalesce(first_name, ''), ' ', coalesce(last_name, ''))), '') as full_name,
        email,
        phone_e164,
        date_of_birth_raw,
        nullif(trim(concat(coalesce(address, ''), ' ', coalesce(city, ''), ' ', coalesce(postal_code, ''))), '')
            as postal_address,
        company_name
    from {{ ref('stg_sales__contacts') }}
),

customers as (
    select record_key, customer_id from {{ ref('stg_identity__record_customers') }}
)

select
    pairs.left_record_key || ' ~ ' || pairs.right_record_key as pair_id,
    pairs.left_record_key,
    pairs.right_record_key,
    left_customer.customer_id as left_customer_id,
    right_customer.customer_id as right_customer_id,
    pairs.match_probability,
    pairs.match_weight,
    pairs.why,
    pairs.field_contributions,
    left_contact.full_name as left_full_name,
    right_contact.full_name as right_full_name,
    left_contact.email as left_email,
    right_contact.email as right_email,
    left_contact.phone_e164 as left_phone,
    right_contact.phone_e164 as right_phone,
    left_contact.date_of_birth_raw as left_date_of_birth,
    right_contact.date_of_birth_raw as right_date_of_birth,
    left_contact.postal_address as left_postal_address,
    right_contact.postal_address as right_postal_address,
    left_contact.company_name as left_company_name,
    right_contact.company_name as right_company_name
from pairs
inner join customers as left_customer on left_customer.record_key = pairs.left_record_key
inner join customers as right_customer on right_customer.record_key = pairs.right_record_key
left join contacts as left_contact on left_contact.record_key = pairs.left_record_key
left join contacts as right_contact on right_contact.record_key = pairs.right_record_key
where left_customer.customer_id <> right_customer.customer_id
