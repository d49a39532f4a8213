{#- Cleaning rules shared by the staging models: one definition each. -#}

{#- Text -> timestamp for CRM exports, which write `YYYY-MM-DD HH:MM[:SS]` or `YYYY/MM/DD HH:MM` (Excel). -#}
{% macro crm_local_timestamp(column) -%}
    try_cast(replace(trim({{ column }}), '/', '-') as timestamp)
{%- endmacro %}

{#- The time zone a CRM export's local times are in, from its file name (var crm_instance_timezones). -#}
{% macro crm_file_timezone(source_file_column='_source_file') -%}
    case
    {%- for instance in var('crm_instance_timezones') %}
        when {{ source_file_column }} like '%{{ instance.file_suffix }}' then '{{ instance.timezone }}'
    {%- endfor %}
        else '{{ var("crm_default_timezone") }}'
    end
{%- endmacro %}

{#- A CRM export's local time text -> UTC instant. The zone: the one the file's column map declares (raw lineage
    column `_timezone`), else the one its file name implies. A date without a time (`YYYY-MM-DD`, `YYYY/MM/DD`:
    ten characters at most, any time makes it longer) is a day, not an instant: its midnight in the business time
    zone, so its business date is the date written. -#}
{% macro crm_timestamp_to_utc(column, source_file_column='_source_file', timezone_column='_timezone') -%}
    {{ local_to_utc(crm_local_timestamp(column),
        "case when length(trim(" ~ column ~ ")) <= 10 then '" ~ var('business_timezone') ~ "' else coalesce("
        ~ timezone_column ~ ", " ~ crm_file_timezone(source_file_column) ~ ") end") }}
{%- endmacro %}

{#- Month text, `YYYY-MM` or any day of it `YYYY-MM-DD` -> the month's first day (the loader's month check reads
    the same shapes, ingestion/checks.py). -#}
{% macro parse_month(column) -%}
    cast({{ dbt.date_trunc('month', "try_cast(case when length(trim(" ~ column ~ ")) = 7 then trim(" ~ column
                                    ~ ") || '-01' else trim(" ~ column ~ ") end as date)") }} as date)
{%- endmacro %}

{#- Money text (may carry thousands separators or full-width digits already folded at load) -> decimal. -#}
{% macro parse_amount(column) -%}
    try_cast(replace(trim({{ column }}), ',', '') as decimal(18, 2))
{%- endmacro %}

{#- Two addresses of one mailbox share this key: Gmail ignores dots and +tags in the local part.
    The domain test is a LIKE, not split_part(...) = …: DuckDB 2.0.0 fails to bind the latter under a filter
    when the column is entirely NULL ("BindBuiltinScalarFunction did not return a BoundFunctionExpression"). -#}
{% macro email_match_key(email) -%}
    case
        when {{ email }} like '%@gmail.com' or {{ email }} like '%@googlemail.com'
            then replace(split_part(split_part({{ email }}, '@', 1), '+', 1), '.', '') || '@gmail.com'
        else {{ email }}
    end
{%- endmacro %}

{#- Keep one row per key: the latest loaded (exports re-send the same records; exact duplicates collapse). -#}
{#- The rows of a raw table that are current, by the load mode its source spec declares (ingestion/sources/;
    `crm` passes them all as var raw_load_modes):
    - replace_by_key: a newer export replaces the rows with the same `key` (CRM exports: a contact edited in the
      CRM comes again with new values). The newest wins: `newest_first` if declared (e.g. updated_at desc), then
      the later load, then the later record of a file.
    - append: every record is a new event; a record re-delivered with an event id already loaded (webhook
      retries, overlapping exports) is the same event, and the first one loaded stays.
    Raw keeps every version either way, so history stays queryable. `keys_where` (SQL over the raw columns) reads
    only the keys some version of which matches it: a model that needs a few rows of a large table skips the rest. -#}
{% macro current_rows(source_name, table_name, keys_where=none) -%}
    {%- set declared = var('raw_load_modes').get(table_name, {}) -%}
    {%- if declared.get('load_mode') not in ('append', 'replace_by_key') or not declared.get('key') -%}
        {{ exceptions.raise_compiler_error("raw table " ~ table_name ~ ": declare its load mode (append | "
            ~ "replace_by_key) and key on its source spec in ingestion/sources/ (var raw_load_modes)") }}
    {%- endif -%}
    {#- `_load_id` (one per loaded file) last: two files loaded together may hold one key at the same record
        number, and the current row must not depend on how the engine breaks that tie. -#}
    {%- if declared.load_mode == 'append' -%}
        {%- set order_by = '_loaded_at asc, _record_number asc, _load_id asc' -%}
    {%- else -%}
        {%- set order_by = (declared.newest_first ~ ', ' if declared.get('newest_first') else '')
                           ~ '_loaded_at desc, _record_number desc, _load_id desc' -%}
    {%- endif -%}
    {#- The versions are ranked on the few columns the ranking needs, and the current ones joined back by their
        row's identity (file load and record number): ranking whole raw rows made the window move every column
        through its sort, 265 s instead of 133 s for 11.3 M web events of 49 columns (14.3 s against 11.1 s at
        1.1 M), growing faster than the rows. -#}
    select source_rows.*
    from {{ source(source_name, table_name) }} as source_rows
    inner join (
        select _load_id, _record_number
        from (
            select
                _load_id,
                _record_number,
                row_number() over (partition by {{ declared.key | join(', ') }} order by {{ order_by }}) as _row_rank
            from {{ source(source_name, table_name) }}
            {%- if keys_where %}
            {#- Only the keys some version of which matches: every version of those is still ranked, so the
                current row is the same as without the filter, at the cost of the few keys that match. #}
            where ({{ declared.key | join(', ') }}) in (
                select {{ declared.key | join(', ') }} from {{ source(source_name, table_name) }} where {{ keys_where }})
            {%- endif %}
        ) as ranked
        where _row_rank = 1
    ) as current_versions
        on current_versions._load_id = source_rows._load_id
        and current_versions._record_number = source_rows._record_number
{%- endmacro %}

{#- Boolean text as CRMs export it (true/false, yes/no, 1/0, Japanese はい/いいえ). -#}
{% macro parse_bool(column) -%}
    case
        when lower(trim({{ column }})) in ('true', 't', 'yes', 'y', '1', 'はい') then true
        when lower(trim({{ column }})) in ('false', 'f', 'no', 'n', '0', 'いいえ') then false
    end
{%- endmacro %}

{#- A UTC instant -> its calendar date in the business time zone (var business_timezone). -#}
{% macro business_date(ts) -%}
    cast({{ utc_to_local(ts, "'" ~ var('business_timezone') ~ "'") }} as date)
{%- endmacro %}

{#- A list of Python strings as a SQL list literal: ('a', 'b'). -#}
{% macro sql_string_list(values) -%}
    ({%- for value in values %}'{{ value | replace("'", "''") }}'{{ ", " if not loop.last }}{% endfor -%})
{%- endmacro %}

{#- Full-width latin letters, digits and common punctuation -> ASCII, the ideographic space -> a space, then
    trimmed (NULL when empty): the width folding NFKC does, for grouping and showing names written in a Japanese
    CRM (`Ｍｉｋｉ　Ｓａｓａｋｉ`). Comparisons of what people type (crm lookup) use common/normalize.py. -#}
{% macro fold_fullwidth(text) -%}
    nullif(trim(replace({{ translate_characters(text,
        'ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ０１２３４５６７８９＠．－＋（）＆，／　',
        'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789@.-+()&,/ ') }}, '  ', ' ')), '')
{%- endmacro %}

{#- Money for people to read: symbol (or ISO code) and grouped digits, no decimals for currencies without minor
    units: ¥148,000, $1,234.50, CHF 99.00. -#}
{% macro format_money(amount, currency) -%}
    {%- set symbols = {'JPY': '¥', 'USD': '$', 'EUR': '€', 'GBP': '£', 'CNY': 'CN¥', 'KRW': '₩', 'INR': '₹'} -%}
    {%- set zero_decimal_currencies = ['JPY', 'KRW', 'VND', 'CLP', 'ISK', 'HUF', 'TWD'] -%}
    case
        when {{ amount }} is null then null
        else
            case {{ currency }}
            {%- for code, symbol in symbols.items() %}
                when '{{ code }}' then '{{ symbol }}'
            {%- endfor %}
                else coalesce({{ currency }} || ' ', '')
            end
            || case when {{ currency }} in {{ sql_string_list(zero_decimal_currencies) }}
                then {{ format_grouped_number(amount, 0) }}
                else {{ format_grouped_number(amount, 2) }}
            end
    end
{%- endmacro %}

{#- Seconds as people say them: `45 s`, `4 min`, `1 h 5 min`. -#}
{% macro format_duration(seconds) -%}
    {%- set minutes = "cast(round(cast(" ~ seconds ~ " as double) / 60) as integer)" -%}
    case
        when {{ seconds }} is null or {{ seconds }} < 0 then null
        when {{ seconds }} < 60 then cast({{ seconds }} as {{ dbt.type_string() }}) || ' s'
        when {{ minutes }} < 60 then cast({{ minutes }} as {{ dbt.type_string() }}) || ' min'
        else cast(cast(floor({{ minutes }} / 60) as integer) as {{ dbt.type_string() }}) || ' h '
            || cast({{ minutes }} % 60 as {{ dbt.type_string() }}) || ' min'
    end
{%- endmacro %}

{#- A UTM medium -> the acquisition channel vocabulary of the CRM's lead_source (paid_search, social, email, …);
    unknown mediums pass through lower-cased. -#}
{% macro channel_from_utm_medium(medium) -%}
    case
        when lower({{ medium }}) in ('cpc', 'ppc', 'sem', 'paid_search', 'paidsearch') then 'paid_search'
        when lower({{ medium }}) in ('social', 'paid_social', 'paidsocial', 'social_paid', 'organic_social') then 'social'
        when lower({{ medium }}) in ('email', 'e-mail', 'newsletter') then 'email'
        when lower({{ medium }}) in ('organic', 'organic_search', 'seo') then 'organic_search'
        else lower({{ medium }})
    end
{%- endmacro %}

{#- How fully a name part is written, for choosing between spellings of a name: 2 written out with its case
    (`Steven`, `山田`), 1 all lower or all upper case (`steven`, `STEVEN`), 0 an initial (`S.`) or missing. -#}
{% macro name_part_quality(part) -%}
    case
        when {{ part }} is null or {{ part }} like '_.' or length({{ part }}) = 1 then 0
        when {{ part }} = lower({{ part }}) and {{ part }} <> upper({{ part }}) then 1
        when {{ part }} = upper({{ part }}) and {{ part }} <> lower({{ part }}) then 1
        else 2
    end
{%- endmacro %}

{#- A person's number (national id, membership or customer number) as a join key: upper case, without the spaces,
    hyphens, dots and slashes people and systems put between its digits (123-45-6789 = 123 45 6789 = 123456789). -#}
{% macro person_number_key(column) -%}
    nullif(upper(replace(replace(replace(replace(trim({{ column }}), ' ', ''), '-', ''), '.', ''), '/', '')), '')
{%- endmacro %}

{#- True for an identifier that cannot single out one person, whoever carries it: an email of the company's own
    domains, of a shared mailbox (info@, sales@…) or a placeholder (test@…); a placeholder anonymousId
    ("undefined") or person number; a person number too short to be real or of one repeated character (000000).
    Used by the identity graph's edges and the match model's inputs alike. The email's parts are taken from
    coalesce(value, ''): DuckDB 2.0.0 fails to bind split_part(...) in a filter over a column it knows is entirely
    NULL (a list without emails), "BindBuiltinScalarFunction did not return a BoundFunctionExpression"; the values
    here are never NULL, so nothing else changes. -#}
{% macro is_junk_identifier(identifier_type, identifier_value) -%}
    {%- set local_part = "split_part(coalesce(" ~ identifier_value ~ ", ''), '@', 1)" -%}
    {%- set domain = "split_part(coalesce(" ~ identifier_value ~ ", ''), '@', 2)" -%}
    (
        ({{ identifier_type }} = 'email' and (
            {{ local_part }} in {{ sql_string_list(var('shared_mailbox_local_parts')) }}
            or {{ local_part }} in {{ sql_string_list(var('placeholder_values')) }}
            or {{ domain }} in {{ sql_string_list(var('company_domains')) }}
        ))
        or ({{ identifier_type }} in ('anonymous_id', 'national_id', 'customer_number')
            and lower({{ identifier_value }}) in {{ sql_string_list(var('placeholder_values')) }})
        or ({{ identifier_type }} in ('national_id', 'customer_number')
            and (length({{ identifier_value }}) < 4
                 or replace({{ identifier_value }}, substring({{ identifier_value }}, 1, 1), '') = ''))
    )
{%- endmacro %}

{#- A consent status as written -> true (granted), false (withdrawn), NULL (unreadable); the words are
    common/consent.py's, passed as var consent. -#}
{% macro parse_consent_status(column) -%}
    case
        when lower(trim({{ column }})) in ({{ "'" ~ var('consent').granted_words | join("', '") ~ "'" }}) then true
        when lower(trim({{ column }})) in ({{ "'" ~ var('consent').withdrawn_words | join("', '") ~ "'" }}) then false
    end
{%- endmacro %}

{#- A purpose as written ("Marketing Email") -> the project's name for it (common/consent.py purpose_sql). -#}
{% macro consent_purpose(column) -%}
    replace(replace(lower(trim({{ column }})), ' ', '_'), '-', '_')
{%- endmacro %}

{#- current_rows for an incremental staging model (materialized incremental, merged on its unique key): the first
    build and `crm build --full-refresh` dedupe every raw row; later builds only the keys of which a version was
    loaded since the newest load the model already holds (less `incremental_lookback_days`). Every version of
    those keys is ranked again, so the merged rows are the ones a full build picks, and the keys not loaded again
    keep theirs. The model must select the raw `_loaded_at` of its rows: the watermark is read from it. A table
    built before the model was incremental has no `_loaded_at`: everything is deduped once, and the merge
    (on_schema_change 'sync_all_columns') adds the column. -#}
{% macro current_rows_since_last_build(source_name, table_name) -%}
    {%- set watermark = incremental_watermark() -%}
    {%- if watermark -%}
        {{ current_rows(source_name, table_name, keys_where="_loaded_at > " ~ watermark) }}
    {%- else -%}
        {{ current_rows(source_name, table_name) }}
    {%- endif -%}
{%- endmacro %}

{#- Whether this is an incremental build of a table that already has `column` (a table built before the model
    added the column lacks it until this build's schema change adds it). -#}
{% macro incremental_table_has_column(column) -%}
    {%- if not is_incremental() -%}{{ return(false) }}{%- endif -%}
    {#- dbt's unit tests: `this` is the fixture given for the model, which dbt cannot describe. -#}
    {%- if this is string -%}{{ return(true) }}{%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {{ return(column in columns) }}
{%- endmacro %}

{#- A load time (SQL) taken back by `incremental_lookback_days`: an incremental build reads the source rows loaded
    after it, so that loads still being written when the last build read, and late files, are read again. -#}
{% macro less_lookback(loaded_at) -%}
    {{ return(dbt.dateadd('day', -var('incremental_lookback_days'), loaded_at)) }}
{%- endmacro %}

{#- Whether a table an incremental model keeps beside itself exists (a warehouse built before the model kept it has
    none, and the build then takes everything). dbt's unit tests give `this` as a fixture, with no side tables: they
    test the incremental path, so it counts as there. -#}
{% macro side_table_exists(relation) -%}
    {%- if this is string -%}{{ return(true) }}{%- endif -%}
    {{ return(adapter.get_relation(relation.database, relation.schema, relation.identifier) is not none) }}
{%- endmacro %}

{#- For an incremental model that keeps its rows' `_loaded_at`: the load time after which this build takes source
    rows, as SQL — the newest `_loaded_at` the model holds, less `incremental_lookback_days` — or none when the build
    takes everything: the first build, `crm build --full-refresh`, an as-of build, and a table built before the
    model kept `_loaded_at` (the merge then adds the column: on_schema_change 'sync_all_columns', or
    'append_new_columns' for a model with a contract). -#}
{% macro incremental_watermark() -%}
    {%- if incremental_table_has_column('_loaded_at') -%}
        {{ return(less_lookback("coalesce((select max(_loaded_at) from " ~ this ~ "), cast('1900-01-01 00:00:00' as "
                                ~ type_utc_timestamp() ~ "))")) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{#- When the build writing a row started (UTC; dbt's run_started_at, one value for a whole dbt invocation): the
    `_changed_at` of incremental marts, which the models built from them read as a change feed (macros/timeline.sql). -#}
{% macro build_started_at() -%}
    cast('{{ run_started_at.isoformat() }}' as {{ type_utc_timestamp() }})
{%- endmacro %}
