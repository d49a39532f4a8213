{#- Every postal address of each customer, with the sources that state it. is_primary marks the address whose
    parts dim_customers shows (primary_address_id): both come from the same ranked candidates. -#}
{{ customer_contact_points('address') }}
