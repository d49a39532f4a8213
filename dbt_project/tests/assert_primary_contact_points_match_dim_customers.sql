{#- dim_customers' primary email, phone and address are exactly the child-table rows flagged is_primary: one per
    customer and attribute, with the same value. -#}
with flagged as (
    select customer_id, 'email' as attribute, email as value from {{ ref('dim_customer_emails') }} where is_primary
    union all
    select customer_id, 'phone', phone_e164 from {{ ref('dim_customer_phones') }} where is_primary
    union all
    select customer_id, 'address', address_id from {{ ref('dim_customer_addresses') }} where is_primary
),
golden as (
    select customer_id, 'email' as attribute, primary_email as value
    from {{ ref('dim_customers') }} where primary_email is not null
    union all
    select customer_id, 'phone', primary_phone from {{ ref('dim_customers') }} where primary_phone is not null
    union all
    select customer_id, 'address', primary_address_id from {{ ref('dim_customers') }} where primary_address_id is not null
)
select
    coalesce(golden.customer_id, flagged.customer_id) as customer_id,
    coalesce(golden.attribute, flagged.attribute) as attribute,
    golden.value as golden_value,
    flagged.value as flagged_value
from golden
full outer join flagged
    on flagged.customer_id = golden.customer_id and flagged.attribute = golden.attribute
    and flagged.value = golden.value
where golden.value is null or flagged.value is null
