{#- The customer attribute models (int_customer__attribute_candidates_unioned, int_customer__ranked_attributes) are
    built incrementally one customer at a time (macros/incremental_by_customer.sql): a value's figures add up every
    record of the customer stating it, and its rank compares them all.

    Which customers the candidates rebuild (attributes_select_customers_to_rebuild):
    - those of every record whose source rows were loaded since the model's last build, less
      build.incremental_lookback_days: a new or re-exported CRM contact, order or deal (raw rows, any version: the
      current one is chosen when the model reads the staging model), the contacts of a company exported again (its
      name and owner are theirs), and the records of the event sources' new rows (web visitors, emails, marketing
      email messages, calls, survey answers);
    - those on either side of a record that identity resolution moved: the record-to-customer mapping the last
      build used is kept beside the model (attributes_kept_record_customers()) and compared with today's both ways
      (the differences go into attributes_mapping_changes(), from which the post-hook brings the kept mapping up to
      date), so a merge, a split or a new customer rebuilds everyone it concerns, and a customer left without
      records loses their rows;
    - those whose first touch names a campaign exported again (its id and channel come from the campaign export).
    Raw rows leave the warehouse only through `crm forget`, which deletes the rows of these models naming the
    person. After changing the seeds countries or lifecycle_stages or the vars shared_mailbox_local_parts or
    company_domains, run `crm build --full-refresh`.

    int_customer__ranked_attributes then rebuilds the customers whose candidates were written since its own last
    build (the rows keep the candidates' `_changed_at`), and those it holds that have no candidate any more. -#}

{#- The record-to-customer mapping the candidates were last built with, beside the model. -#}
{% macro attributes_kept_record_customers() -%}
    {{ return(this.incorporate(path={"identifier": this.identifier ~ "__record_customers"}, type="table")) }}
{%- endmacro %}

{#- This build's differences between the mapping now and the kept one: (record_key, customer_id, is_added). -#}
{% macro attributes_mapping_changes() -%}
    {{ return(this.incorporate(path={"identifier": this.identifier ~ "__record_customers_changed"})) }}
{%- endmacro %}

{#- Whether this build of the candidates takes only some customers: it needs the mapping of the last build too (a
    table built before the model kept it is rebuilt whole). -#}
{% macro attributes_is_partial() -%}
    {%- if not rebuilds_some_customers() -%}{{ return(false) }}{%- endif -%}
    {{ return(side_table_exists(attributes_kept_record_customers())) }}
{%- endmacro %}

{#- Pre-hook 1 of int_customer__attribute_candidates_unioned: the records whose customer changed since the last
    build, both ways (a record moved to another customer is a row of each). A build that takes everyone drops the
    kept mapping instead, through dbt (whose relation cache the hooks after it consult): its post-hooks then see no
    mapping and keep a copy, whatever the table looks like by then (after this build's schema change, or created by
    it). -#}
{% macro attributes_select_mapping_changes() -%}
    {%- if not attributes_is_partial() -%}
    {%- if execute %}{% do adapter.drop_relation(attributes_kept_record_customers()) %}{% endif -%}
    {%- else -%}
    create or replace table {{ attributes_mapping_changes() }} as
    with mapping_now as (
        select record_key, customer_id from {{ ref('stg_identity__record_customers') }}
    ),
    mapping_kept as (
        select record_key, customer_id from {{ attributes_kept_record_customers() }}
    )
    select record_key, customer_id, true as is_added
    from (select * from mapping_now except select * from mapping_kept) as added
    union all
    select record_key, customer_id, false as is_added
    from (select * from mapping_kept except select * from mapping_now) as removed
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook 2 of int_customer__attribute_candidates_unioned: the customers to rebuild (above). -#}
{% macro attributes_select_customers_to_rebuild() -%}
    {%- if attributes_is_partial() -%}
    {%- set loaded_since = less_lookback(last_changed_at()) -%}
    create or replace table {{ customers_to_rebuild() }} as
    with changed_companies as (
        select trim(company_id) as company_id
        from {{ source('raw', 'sales__companies') }}
        where _loaded_at > {{ loaded_since }}
    ),
    changed_campaigns as (
        select trim(campaign_id) as campaign_id, trim(campaign_name) as campaign_name
        from {{ source('raw', 'sales__campaigns') }}
        where _loaded_at > {{ loaded_since }}
    ),
    changed_records as (
        select 'crm_contact' as record_type, trim(contact_id) as record_id
        from {{ source('raw', 'sales__contacts') }}
        where _loaded_at > {{ loaded_since }}
           or trim(company_id) in (select company_id from changed_companies)
        union all
        select 'order', trim(order_id) from {{ source('raw', 'sales__orders') }} where _loaded_at > {{ loaded_since }}
        union all
        select 'deal', trim(deal_id) from {{ source('raw', 'sales__deals') }} where _loaded_at > {{ loaded_since }}
        union all
        select 'web_anonymous', coalesce(anonymous_id, previous_id) from {{ ref('stg_web__segment_events') }}
        where _loaded_at > {{ loaded_since }}
        union all
        select 'email_message', message_id from {{ ref('stg_email__messages') }} where _loaded_at > {{ loaded_since }}
        union all
        select 'esp_message', esp_message_id from {{ ref('stg_email__campaign_events') }}
        where _loaded_at > {{ loaded_since }}
        union all
        select 'survey_response', response_id from {{ ref('stg_surveys__responses') }}
        where _loaded_at > {{ loaded_since }}
        union all
        select 'twilio_call', call_id from {{ ref('stg_phone__twilio_calls') }} where _loaded_at > {{ loaded_since }}
        union all
        select 'asterisk_call', call_id from {{ ref('stg_phone__asterisk_cdr') }} where _loaded_at > {{ loaded_since }}
    ),
    customers as (
        select record_customers.customer_id
        from {{ ref('stg_identity__record_customers') }} as record_customers
        inner join changed_records
            on changed_records.record_type = record_customers.record_type
            and changed_records.record_id = record_customers.record_id
        union all
        select customer_id from {{ attributes_mapping_changes() }}
        union all
        select customer_id from {{ this }}
        where attribute = 'acquisition' and source = 'web_utm'
          and (detail_2 in (select campaign_name from changed_campaigns)
               or detail_3 in (select campaign_id from changed_campaigns))
    )
    select distinct customer_id from customers where customer_id is not null
    {%- endif -%}
{%- endmacro %}

{#- Post-hooks of int_customer__attribute_candidates_unioned: keep the mapping this build used — in an incremental
    build by applying its changes (copying the whole mapping took as long as the rest of a day's build of the
    model), else a copy. -#}
{% macro attributes_keep_record_customers() -%}
    {%- if attributes_is_partial() -%}
    delete from {{ attributes_kept_record_customers() }}
    where record_key in (select record_key from {{ attributes_mapping_changes() }} where not is_added)
    {%- else -%}
    create or replace table {{ attributes_kept_record_customers() }} as
    select record_key, customer_id from {{ ref('stg_identity__record_customers') }}
    {%- endif -%}
{%- endmacro %}

{% macro attributes_keep_new_record_customers() -%}
    {%- if attributes_is_partial() -%}
    insert into {{ attributes_kept_record_customers() }} (record_key, customer_id)
    select record_key, customer_id from {{ attributes_mapping_changes() }} where is_added
    {%- endif -%}
{%- endmacro %}

{% macro attributes_drop_mapping_changes() -%}
    {%- if attributes_is_partial() -%}
    drop table if exists {{ attributes_mapping_changes() }}
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook of int_customer__ranked_attributes: the customers whose candidates were written since its last build,
    and those it holds that have no candidate any more. -#}
{% macro ranked_attributes_select_customers_to_rebuild() -%}
    {%- if rebuilds_some_customers() -%}
    create or replace table {{ customers_to_rebuild() }} as
    select customer_id
    from {{ ref('int_customer__attribute_candidates_unioned') }}
    where _changed_at > {{ last_changed_at() }}
    union
    select customer_id from (
        select distinct customer_id from {{ this }}
        except
        select distinct customer_id from {{ ref('int_customer__attribute_candidates_unioned') }}
    ) as without_candidates
    {%- endif -%}
{%- endmacro %}
