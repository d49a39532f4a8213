{#- Models built incrementally one customer at a time (fct_customer_timeline, the customer attribute models): what a
    customer's rows hold depends on all of that customer's records (a touch sequence numbers them all; a golden value
    ranks every value stated), and a record can move to another customer, so a change is applied by rebuilding the
    customers it concerns whole. Each such model has a pre-hook that writes those customers into a table of its own
    (customers_to_rebuild()) — the model's query reads it, and deleting their rows must not change the set — then
    delete_customers_to_rebuild() deletes their rows, the query inserts them again (strategy `append`), and the
    post-hook drop_customers_to_rebuild() drops the table. The hooks run inside the model's transaction. Every row
    carries `_changed_at`, the start of the build that wrote it (macro build_started_at). The first build,
    `crm build --full-refresh` and an as-of build take everyone. -#}

{#- The table holding the customers an incremental build of the model rebuilds. -#}
{% macro customers_to_rebuild() -%}
    {{ return(this.incorporate(path={"identifier": this.identifier ~ "__customers_to_rebuild"})) }}
{%- endmacro %}

{#- Whether the build takes only some customers: an incremental build of a table that has `_changed_at` (one built
    before it had the column is rebuilt whole, and the append adds the column). -#}
{% macro rebuilds_some_customers() -%}
    {{ return(incremental_table_has_column('_changed_at')) }}
{%- endmacro %}

{#- The newest `_changed_at` of the model's rows: what it was last built with (SQL). -#}
{% macro last_changed_at() -%}
    (select coalesce(max(_changed_at), cast('1900-01-01 00:00:00' as {{ type_utc_timestamp() }})) from {{ this }})
{%- endmacro %}

{#- Pre-hook 2: the customers' rows go (the model's query inserts them again); all rows, when an incremental build
    takes everyone. `partial` is the model's own test of rebuilds_some_customers(). -#}
{% macro delete_customers_to_rebuild(partial) -%}
    {%- if partial -%}
    delete from {{ this }} where customer_id in (select customer_id from {{ customers_to_rebuild() }})
    {%- elif is_incremental() -%}
    delete from {{ this }}
    {%- endif -%}
{%- endmacro %}

{#- Post-hook: the set is only this build's. -#}
{% macro drop_customers_to_rebuild(partial) -%}
    {%- if partial -%}
    drop table if exists {{ customers_to_rebuild() }}
    {%- endif -%}
{%- endmacro %}
