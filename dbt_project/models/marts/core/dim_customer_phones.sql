{#- Every phone number (E.164) of each customer, with the sources that state it. is_primary marks dim_customers'
    primary_phone: both come from the same ranked candidates. -#}
{{ customer_contact_points('phone') }}
