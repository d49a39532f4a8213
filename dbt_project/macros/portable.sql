{#- Engine-specific SQL lives only here, behind adapter.dispatch (docs/architecture.md, section Portable SQL).
    Each macro has a DuckDB implementation and a Spark one; models call the dispatcher. -#}

{#- A local wall-clock timestamp (no zone) in `tz` -> the UTC instant, as the timestamp-with-zone type. -#}
{% macro local_to_utc(ts, tz) %}{{ return(adapter.dispatch('local_to_utc', 'customer360')(ts, tz)) }}{% endmacro %}
{% macro duckdb__local_to_utc(ts, tz) %}timezone({{ tz }}, cast({{ ts }} as timestamp)){% endmacro %}
{% macro spark__local_to_utc(ts, tz) %}to_utc_timestamp(cast({{ ts }} as timestamp), {{ tz }}){% endmacro %}

{#- A UTC instant -> the wall-clock timestamp in `tz` (for cutting days in the business time zone). -#}
{% macro utc_to_local(ts, tz) %}{{ return(adapter.dispatch('utc_to_local', 'customer360')(ts, tz)) }}{% endmacro %}
{% macro duckdb__utc_to_local(ts, tz) %}timezone({{ tz }}, {{ ts }}){% endmacro %}
{% macro spark__utc_to_local(ts, tz) %}from_utc_timestamp({{ ts }}, {{ tz }}){% endmacro %}

{#- Unix seconds -> UTC instant. -#}
{% macro epoch_to_utc(seconds) %}{{ return(adapter.dispatch('epoch_to_utc', 'customer360')(seconds)) }}{% endmacro %}
{% macro duckdb__epoch_to_utc(seconds) %}to_timestamp(try_cast({{ seconds }} as double)){% endmacro %}
{% macro spark__epoch_to_utc(seconds) %}timestamp_seconds(try_cast({{ seconds }} as bigint)){% endmacro %}

{#- ISO 8601 text with `Z` or an offset -> UTC instant (NULL when unparseable). -#}
{% macro iso_to_utc(text) %}{{ return(adapter.dispatch('iso_to_utc', 'customer360')(text)) }}{% endmacro %}
{% macro duckdb__iso_to_utc(text) %}try_cast({{ text }} as timestamptz){% endmacro %}
{% macro spark__iso_to_utc(text) %}try_cast({{ text }} as timestamp){% endmacro %}

{#- RFC 2822 date text (`Tue, 31 Aug 2010 20:36:28 +0000`, Twilio) -> UTC instant. -#}
{% macro rfc2822_to_utc(text) %}{{ return(adapter.dispatch('rfc2822_to_utc', 'customer360')(text)) }}{% endmacro %}
{% macro duckdb__rfc2822_to_utc(text) %}try_strptime({{ text }}, '%a, %d %b %Y %H:%M:%S %z'){% endmacro %}
{% macro spark__rfc2822_to_utc(text) %}try_to_timestamp({{ text }}, 'EEE, dd MMM yyyy HH:mm:ss Z'){% endmacro %}

{#- The timestamp-with-time-zone type (UTC instants), per adapter from var utc_timestamp_type: the marts' contracts
    (YAML, where no macro can be called) read the same var. -#}
{% macro type_utc_timestamp() %}{{ return(var('utc_timestamp_type')[target.type]) }}{% endmacro %}

{#- translate(text, from, to) for literal character lists: each character of `from_characters` becomes the one at
    the same place in `to_characters`. DuckDB's translate builds its character map again for every row (about 4 µs a
    row, 4 s per million measured), so on DuckDB only the texts holding one of the characters are translated (the
    check costs a fortieth of that, and most texts hold none). -#}
{% macro translate_characters(text, from_characters, to_characters) %}{{ return(adapter.dispatch('translate_characters', 'customer360')(text, from_characters, to_characters)) }}{% endmacro %}
{% macro duckdb__translate_characters(text, from_characters, to_characters) -%}
    {%- set character_class = namespace(text='') -%}
    {%- for character in from_characters -%}
        {%- set character_class.text = character_class.text ~ ('\\' if character in '\\^]-[' else '') ~ character -%}
    {%- endfor -%}
    case when regexp_matches({{ text }}, '[{{ character_class.text | replace("'", "''") }}]')
        then translate({{ text }}, '{{ from_characters | replace("'", "''") }}', '{{ to_characters | replace("'", "''") }}')
        else {{ text }} end
{%- endmacro %}
{% macro spark__translate_characters(text, from_characters, to_characters) -%}
    translate({{ text }}, '{{ from_characters | replace("'", "''") }}', '{{ to_characters | replace("'", "''") }}')
{%- endmacro %}

{#- True when the text holds Japanese or Chinese script (kanji, hiragana, katakana): such names are written
    family name first. -#}
{% macro has_cjk(text) %}{{ return(adapter.dispatch('has_cjk', 'customer360')(text)) }}{% endmacro %}
{% macro duckdb__has_cjk(text) %}regexp_matches({{ text }}, '[\p{Han}\p{Hiragana}\p{Katakana}]'){% endmacro %}
{% macro spark__has_cjk(text) %}({{ text }} rlike '[\\p{IsHan}\\p{IsHiragana}\\p{IsKatakana}]'){% endmacro %}

{#- True when the text is written in latin script only (accents, spaces, dots, hyphens and apostrophes allowed). -#}
{% macro is_latin_script(text) %}{{ return(adapter.dispatch('is_latin_script', 'customer360')(text)) }}{% endmacro %}
{% macro duckdb__is_latin_script(text) %}regexp_full_match({{ text }}, '[\p{Latin}\p{M} .''-]+'){% endmacro %}
{% macro spark__is_latin_script(text) %}({{ text }} rlike '^[\\p{IsLatin}\\p{M} .''-]+$'){% endmacro %}

{#- A number as text with thousands separators and `decimals` (a literal) decimals: 148000 -> '148,000'. -#}
{% macro format_grouped_number(number, decimals) %}{{ return(adapter.dispatch('format_grouped_number', 'customer360')(number, decimals)) }}{% endmacro %}
{% macro duckdb__format_grouped_number(number, decimals) %}format('{:,.{{ decimals }}f}', cast({{ number }} as double)){% endmacro %}
{% macro spark__format_grouped_number(number, decimals) %}format_number(cast({{ number }} as double), {{ decimals }}){% endmacro %}

{#- Aggregate: the distinct non-NULL values of a text column, sorted, joined with `delimiter` ('a, b'). dbt.listagg
    cannot order on Spark, and the published marts must be the same on both engines. -#}
{% macro sorted_distinct_list(column, delimiter) %}{{ return(adapter.dispatch('sorted_distinct_list', 'customer360')(column, delimiter)) }}{% endmacro %}
{% macro duckdb__sorted_distinct_list(column, delimiter) %}array_to_string(list_sort(list_distinct(array_agg({{ column }}))), {{ delimiter }}){% endmacro %}
{% macro spark__sorted_distinct_list(column, delimiter) %}array_join(array_sort(collect_set({{ column }})), {{ delimiter }}){% endmacro %}

{#- True when lower() of the text equals its Unicode NFKC case folding (Python's normalize_name): the text holds only
    printable ASCII, latin-1 letters but ß (which case-folds to "ss"), kana, 々 and unified ideographs. -#}
{% macro lower_equals_unicode_case_fold(text) %}{{ return(adapter.dispatch('lower_equals_unicode_case_fold', 'customer360')(text)) }}{% endmacro %}
{% macro duckdb__lower_equals_unicode_case_fold(text) %}regexp_full_match({{ text }}, '[ -~À-ÖØ-Þà-öø-ÿぁ-ゖァ-ヺー々一-鿿]*'){% endmacro %}
{% macro spark__lower_equals_unicode_case_fold(text) %}({{ text }} rlike '^[ -~À-ÖØ-Þà-öø-ÿぁ-ゖァ-ヺー々一-鿿]*$'){% endmacro %}

{#- regexp_replace of every match: DuckDB replaces only the first match unless given 'g'; Spark replaces all.
    Patterns must not contain backslashes (Spark string literals unescape them). -#}
{% macro regexp_replace_all(text, pattern, replacement) %}{{ return(adapter.dispatch('regexp_replace_all', 'customer360')(text, pattern, replacement)) }}{% endmacro %}
{% macro duckdb__regexp_replace_all(text, pattern, replacement) %}regexp_replace({{ text }}, '{{ pattern }}', '{{ replacement }}', 'g'){% endmacro %}
{% macro spark__regexp_replace_all(text, pattern, replacement) %}regexp_replace({{ text }}, '{{ pattern }}', '{{ replacement }}'){% endmacro %}

{#- A JSON text's value at a path ('$.a.b') as text; NULL when the path is absent. -#}
{% macro json_text(json, path) %}{{ return(adapter.dispatch('json_text', 'customer360')(json, path)) }}{% endmacro %}
{% macro duckdb__json_text(json, path) %}json_extract_string({{ json }}, '{{ path }}'){% endmacro %}
{% macro spark__json_text(json, path) %}get_json_object({{ json }}, '{{ path }}'){% endmacro %}
