{#- Sales helpers in ANSI SQL and dbt's cross-database macros: what differs by engine is called from
    macros/portable.sql (docs/architecture.md, section Portable SQL). -#}

{#- True when a job title names someone who decides on a purchase. Latin-script keywords match whole words
    (so "coo" does not match "Coordinator"), Japanese and German ones anywhere in the title (部長 in 営業部長,
    leiter in Vertriebsleiter): those languages write titles as compounds. Keywords: vars
    decision_maker_title_words and decision_maker_title_substrings. -#}
{% macro is_decision_maker_title(title) -%}
    (
        {%- for word in var('decision_maker_title_words') %}
        ' ' || translate(lower({{ title }}), ',/-()&.:;', '         ') || ' ' like '% {{ word | lower }} %' or
        {%- endfor %}
        {%- for part in var('decision_maker_title_substrings') %}
        lower({{ title }}) like '%{{ part | lower }}%' or
        {%- endfor %}
        false
    )
{%- endmacro %}

{#- The orders that count as a customer's purchases (the filter on fct_orders): completed, and placed by a resolved
    customer. by_as_of_date keeps only those of business days up to as_of_date(), for models that count by
    business day: an as-of build's staging keeps what happened by the end of that day in UTC, which in a time
    zone ahead of UTC already falls on the next business day. -#}
{% macro is_completed_customer_order(by_as_of_date=true) -%}
    is_completed and customer_id is not null
    {%- if by_as_of_date %} and order_date <= {{ as_of_date() }}{% endif %}
{%- endmacro %}

{#- Weighted pipeline of a deal: its amount in the reporting currency × the probability of its stage (seed
    deal_stage_probabilities), rounded to cents. fct_deals (today's stage) and int_sales__deal_stages_filtered_to_open
    (every stage a deal was in) both weigh with it. -#}
{% macro weighted_amount(amount_reporting, stage_probability) -%}
    cast(round(cast({{ amount_reporting }} as double) * cast({{ stage_probability }} as double), 2) as decimal(18, 2))
{%- endmacro %}

{#- Days from one instant to another with hour precision, as a double rounded to 2 decimals (NULL if either is NULL). -#}
{% macro fractional_days(start_ts, end_ts) -%}
    round(cast({{ dbt.datediff(start_ts, end_ts, 'second') }} as double) / 86400.0, 2)
{%- endmacro %}

{#- An email subject as a template (doc subject_template): lower case, without reply/forward prefixes (ASCII or
    full-width colon) and digits, whitespace collapsed. -#}
{% macro subject_template(subject) -%}
    nullif(trim({{ regexp_replace_all(
        regexp_replace_all(
            regexp_replace_all('lower(' ~ subject ~ ')', '^[ 　]*((re|fwd|fw|aw|wg|返信|転送)[ 　]*[:：][ 　]*)+', ''),
            '[0-9０-９]+', ''),
        '[ 　	]+', ' ') }}), '')
{%- endmacro %}
