{#- int_identity__record_identifiers_unioned, the identity graph's edges, is built incrementally one record at a time:
    a record's rows (one per identifier, first and last seen) depend on all of that record's source rows and on which
    identifiers are shared by too many CRM contacts to join anyone. A build after the first
    - rebuilds the CRM's records (contacts, orders, invoices, deals, survey answers, campaign members) whole: they
      are small beside the events, and the shared identifiers are counted over the contacts anyway;
    - rebuilds the event sources' records (email messages, ESP messages, calls, web visitors) that have a source row
      loaded since its last build, less var incremental_lookback_days (identifiers_select_records_to_rebuild): each
      from all of its source rows, so a late event moves the record's first or last time;
    - deletes the rows of the identifiers shared now (an email a third contact took stops joining the visitors who
      gave it), and rebuilds every event record when an identifier is no longer shared (a contact changed the address
      or was erased): the records that carry it had no row for it, and only the sources can tell which they are.
    Which identifiers were shared is kept beside the model (identifiers_kept_shared) by a post-hook; a partial build
    counts them once, into a table of its own (identifiers_shared_now), which its query and hooks read. The first build,
    `crm build --full-refresh` and an as-of build take everything. Source rows leave the warehouse only through
    `crm forget`, which deletes this model's rows naming the person. -#}

{#- The emails and phones on more CRM contacts than var('max_contacts_per_identifier') (a query): they never join
    records. -#}
{% macro shared_contact_identifiers() -%}
    select identifier_type, identifier_value
    from (
        select contact_id, 'email' as identifier_type, email_match_key as identifier_value
        from {{ ref('stg_sales__contacts') }}
        union all
        select contact_id, 'phone', phone_e164 from {{ ref('stg_sales__contacts') }}
    ) as contact_identifiers
    where identifier_value is not null
    group by identifier_type, identifier_value
    having count(distinct contact_id) > {{ var('max_contacts_per_identifier') | int }}
{%- endmacro %}

{#- The shared identifiers the last build left out, beside the model. -#}
{% macro identifiers_kept_shared() -%}
    {{ return(this.incorporate(path={"identifier": this.identifier ~ "__shared_identifiers"}, type="table")) }}
{%- endmacro %}

{#- The identifiers shared now, counted once by a partial build's first pre-hook (grouping a million contacts took
    about 0.5 s, and the query and hooks read the set ten times). -#}
{% macro identifiers_shared_now() -%}
    {{ return(this.incorporate(path={"identifier": this.identifier ~ "__shared_identifiers_now"}, type="table")) }}
{%- endmacro %}

{#- The shared identifiers this build leaves out (a query): those counted by its first pre-hook, in a partial build. -#}
{% macro identifiers_shared() -%}
    {%- if identifiers_is_partial() -%}
    select identifier_type, identifier_value from {{ identifiers_shared_now() }}
    {%- else -%}
    {{ shared_contact_identifiers() }}
    {%- endif -%}
{%- endmacro %}

{#- This build's event records to rebuild: (record_type, record_id). -#}
{% macro identifiers_records_to_rebuild() -%}
    {{ return(this.incorporate(path={"identifier": this.identifier ~ "__records_to_rebuild"}, type="table")) }}
{%- endmacro %}

{#- Whether this build takes only some records: an incremental build of a table with `_changed_at` (one built before
    the model was incremental has none) and the shared identifiers of the last build beside it. -#}
{% macro identifiers_is_partial() -%}
    {%- if not incremental_table_has_column('_changed_at') -%}{{ return(false) }}{%- endif -%}
    {{ return(side_table_exists(identifiers_kept_shared())) }}
{%- endmacro %}

{#- True (SQL) when an identifier the last build left out as shared is no longer shared: every event record is
    rebuilt. -#}
{% macro identifiers_unshared_exist() -%}
    exists (
        select identifier_type, identifier_value from {{ identifiers_kept_shared() }}
        except
        select identifier_type, identifier_value from {{ identifiers_shared_now() }}
    )
{%- endmacro %}

{#- In a partial build, the filter (SQL) that keeps the source rows of the event records to rebuild: `record_type`
    is the record type's name, `record_id` the source column (expression) holding the record's id. -#}
{% macro identifiers_rebuilt_only(record_type, record_id) -%}
    ({{ record_id }} in (select record_id from {{ identifiers_records_to_rebuild() }}
                         where record_type = '{{ record_type }}')
     or {{ identifiers_unshared_exist() }})
{%- endmacro %}

{#- The CRM's record types, rebuilt whole by every build. -#}
{% macro identifiers_crm_record_types() -%}
    ('crm_contact', 'order', 'invoice', 'deal', 'survey_response', 'campaign_member')
{%- endmacro %}

{#- Pre-hook 1: the identifiers shared now. -#}
{% macro identifiers_count_shared() -%}
    {%- if identifiers_is_partial() -%}
    create or replace table {{ identifiers_shared_now() }} as {{ shared_contact_identifiers() }}
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook 2: the event records with a source row loaded since the last build (less the look-back). -#}
{% macro identifiers_select_records_to_rebuild() -%}
    {%- if identifiers_is_partial() -%}
    {%- set loaded_since = less_lookback(last_changed_at()) -%}
    create or replace table {{ identifiers_records_to_rebuild() }} as
    select distinct record_type, record_id
    from (
        select 'email_message' as record_type, message_id as record_id
        from {{ ref('stg_email__messages') }} where _loaded_at > {{ loaded_since }}
        union all
        select 'esp_message', esp_message_id
        from {{ ref('stg_email__campaign_events') }} where _loaded_at > {{ loaded_since }}
        union all
        select 'asterisk_call', call_id from {{ ref('stg_phone__asterisk_cdr') }} where _loaded_at > {{ loaded_since }}
        union all
        select 'twilio_call', call_id from {{ ref('stg_phone__twilio_calls') }} where _loaded_at > {{ loaded_since }}
        union all
        select 'web_anonymous', coalesce(previous_id, anonymous_id)
        from {{ ref('stg_web__segment_events') }} where _loaded_at > {{ loaded_since }}
        union all
        select 'web_anonymous', anonymous_id
        from {{ ref('stg_web__segment_events') }} where _loaded_at > {{ loaded_since }}
    ) as loaded
    where record_id is not null
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook 3: the rows the model's query writes again go (all rows, when an incremental build takes everything),
    and those of the identifiers shared now. -#}
{% macro identifiers_delete_rebuilt() -%}
    {%- if identifiers_is_partial() -%}
    delete from {{ this }}
    where record_type in {{ identifiers_crm_record_types() }}
       or record_key in (select record_type || ':' || record_id from {{ identifiers_records_to_rebuild() }})
       or identifier_type || ':' || identifier_value in (
              select identifier_type || ':' || identifier_value from {{ identifiers_shared_now() }})
       or {{ identifiers_unshared_exist() }}
    {%- elif is_incremental() -%}
    delete from {{ this }}
    {%- endif -%}
{%- endmacro %}

{#- Post-hooks: keep the shared identifiers this build left out; drop this build's own tables. -#}
{% macro identifiers_keep_shared() -%}
    create or replace table {{ identifiers_kept_shared() }} as {{ identifiers_shared() }}
{%- endmacro %}

{% macro identifiers_drop_records_to_rebuild() -%}
    drop table if exists {{ identifiers_records_to_rebuild() }}
{%- endmacro %}

{% macro identifiers_drop_shared_now() -%}
    drop table if exists {{ identifiers_shared_now() }}
{%- endmacro %}
