{#- Every email address of each customer, with the sources that state it. is_primary marks dim_customers'
    primary_email: both come from the same ranked candidates. -#}
{{ customer_contact_points('email') }}
